/**
 * CloudWatch's statistics over one period's raw values, after AWS's definitions
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html), for
 * the tests' alarm evaluator and their local CloudWatch alike:
 *  - SampleCount, Sum, Average, Minimum, Maximum;
 *  - percentile rank `PR(n:m)` = percent of the values v with n < v <= m, and trimmed mean
 *    `TM(n:m)` = mean of those values (either bound may be left out): "Percentile rank is exclusive
 *    on the lower bound and inclusive on the upper bound", "TM(150:1000) calculates the average
 *    after removing all data points that are lower than or equal to 150, or higher than 1000";
 *    neither is available for a metric with a negative value. A period with values but none inside
 *    a TM's bounds has no mean: no value (AWS does not say what CloudWatch shows);
 *  - `pNN` as the nearest-rank percentile (CloudWatch's own is an approximation on raw values; the
 *    tests' data keeps the two equal).
 */

/** One statistic over one period's raw values; undefined when the period has none. */
export function statistic(name: string, values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const bounded = /^(PR|TM)\((-?[\d.]*):(-?[\d.]*)\)$/.exec(name);
  if (bounded) {
    const [, kind, low, high] = bounded;
    const above = low === "" ? -Infinity : Number(low);
    const upTo = high === "" ? Infinity : Number(high);
    if (values.some((value) => value < 0)) throw new Error(`${name}: CloudWatch offers no ${kind === "PR" ? "percentile rank" : "trimmed mean"} for a metric with negative values`);
    const inside = values.filter((value) => value > above && value <= upTo);
    if (kind === "PR") return (100 * inside.length) / values.length;
    return inside.length === 0 ? undefined : inside.reduce((a, b) => a + b, 0) / inside.length;
  }
  const percentile = /^p(\d+(?:\.\d+)?)$/.exec(name);
  if (percentile) {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.max(0, Math.ceil((Number(percentile[1]) / 100) * sorted.length) - 1)];
  }
  switch (name) {
    case "SampleCount":
      return values.length;
    case "Sum":
      return values.reduce((a, b) => a + b, 0);
    case "Average":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "Minimum":
      return Math.min(...values);
    case "Maximum":
      return Math.max(...values);
    default:
      throw new Error(`no statistic ${name} in tests/support/cloudwatch-statistics.ts`);
  }
}
