/**
 * A CloudWatch alarm evaluator for tests, after AWS's documented semantics, so alarm behaviour can
 * be asserted on the synthesised plan's own MetricAlarm inputs fed with the probe's own datums:
 *  - statistics per period over raw values: SampleCount, Sum, Average, Minimum, Maximum, and
 *    percentile rank `PR(n:m)` = percent of the period's values v with n < v <= m (either bound may
 *    be left out) (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html);
 *  - periods aligned on multiples of the period since the epoch; a datum counts in the period its
 *    Timestamp falls in; a period without any datum of the metric is missing;
 *  - "M out of N": the alarm goes to ALARM when at least datapointsToAlarm of the last
 *    evaluationPeriods datapoints breach, else OK; missing datapoints are treated per
 *    treatMissingData (breaching, notBreaching, ignore: keep the state, missing: not counted, and
 *    INSUFFICIENT_DATA when all are missing)
 *    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data).
 * It does not model CloudWatch's evaluation delay or its look-back for late data: tests give it
 * complete periods.
 */
import type { MetricDatum } from "@aws-sdk/client-cloudwatch";

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** The MetricAlarm inputs the evaluator reads (as synthesised). */
export interface AlarmInputs {
  namespace?: string;
  metricName?: string;
  dimensions?: Record<string, string>;
  statistic?: string;
  extendedStatistic?: string;
  period?: number;
  comparisonOperator: string;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  treatMissingData?: string;
}

/** A published datum with the namespace it was sent to. */
export interface PublishedDatum extends MetricDatum {
  Namespace: string;
}

function sameDimensions(datum: MetricDatum, dimensions: Record<string, string> = {}): boolean {
  const published = datum.Dimensions ?? [];
  return published.length === Object.keys(dimensions).length && published.every((d) => d.Name !== undefined && dimensions[d.Name] === d.Value);
}

/** One statistic over one period's raw values; undefined when the period has none. */
export function statistic(name: string, values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const rank = /^PR\((-?[\d.]*):(-?[\d.]*)\)$/.exec(name);
  if (rank) {
    const above = rank[1] === "" ? -Infinity : Number(rank[1]);
    const upTo = rank[2] === "" ? Infinity : Number(rank[2]);
    if (values.some((value) => value < 0)) throw new Error(`${name}: CloudWatch offers no percentile rank for a metric with negative values`);
    return (100 * values.filter((value) => value > above && value <= upTo).length) / values.length;
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
      throw new Error(`the evaluator has no statistic ${name}`);
  }
}

function breaches(value: number, operator: string, threshold: number): boolean {
  switch (operator) {
    case "GreaterThanThreshold":
      return value > threshold;
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
    default:
      throw new Error(`the evaluator has no operator ${operator}`);
  }
}

/** The datapoint of each of the alarm's last `evaluationPeriods` periods ending with the one starting at `lastPeriodStart`. */
export function datapoints(alarm: AlarmInputs, datums: readonly PublishedDatum[], lastPeriodStart: Date): Array<number | undefined> {
  const period = (alarm.period ?? 60) * 1000;
  if (lastPeriodStart.getTime() % period !== 0) throw new Error(`${lastPeriodStart.toISOString()} is not the start of a ${period / 1000} s period`);
  const stat = alarm.extendedStatistic ?? alarm.statistic;
  if (!stat) throw new Error("the alarm names no statistic");
  const matching = datums.filter((datum) => datum.Namespace === alarm.namespace && datum.MetricName === alarm.metricName && sameDimensions(datum, alarm.dimensions));
  const points: Array<number | undefined> = [];
  for (let index = alarm.evaluationPeriods - 1; index >= 0; index -= 1) {
    const start = lastPeriodStart.getTime() - index * period;
    const values = matching.filter((datum) => {
      const at = (datum.Timestamp as Date).getTime();
      return at >= start && at < start + period;
    });
    points.push(statistic(stat, values.map((datum) => datum.Value as number)));
  }
  return points;
}

/** The alarm's state after evaluating the periods up to `lastPeriodStart`, from `previous` (for `ignore`). */
export function evaluateAlarm(alarm: AlarmInputs, datums: readonly PublishedDatum[], lastPeriodStart: Date, previous: AlarmState = "INSUFFICIENT_DATA"): AlarmState {
  const points = datapoints(alarm, datums, lastPeriodStart);
  const treat = alarm.treatMissingData ?? "missing";
  const present = points.filter((point): point is number => point !== undefined);
  if (present.length === 0) {
    if (treat === "ignore") return previous;
    if (treat === "missing") return "INSUFFICIENT_DATA";
  }
  let breaching = present.filter((point) => breaches(point, alarm.comparisonOperator, alarm.threshold)).length;
  const missing = points.length - present.length;
  if (treat === "breaching") breaching += missing;
  if (treat === "ignore" && missing > 0 && breaching < (alarm.datapointsToAlarm ?? alarm.evaluationPeriods)) return previous;
  return breaching >= (alarm.datapointsToAlarm ?? alarm.evaluationPeriods) ? "ALARM" : "OK";
}
