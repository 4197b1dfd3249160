/**
 * A CloudWatch alarm evaluator for tests, after AWS's documented semantics, so alarm behaviour can
 * be asserted on the synthesised plan's own MetricAlarm inputs fed with the probe's own datums:
 *  - statistics per period over raw values, as tests/support/cloudwatch-statistics.ts computes them;
 *  - periods aligned on multiples of the period since the epoch; a datum counts in the period its
 *    Timestamp falls in; a period without any datum of the metric is missing;
 *  - "M out of N" over CloudWatch's evaluation range: CloudWatch retrieves more periods than N (the
 *    evaluation range; "5 is the evaluation range" for N = 3 in AWS's example, so N + 2 here unless
 *    a test says otherwise). When the range holds at least N real datapoints, the most recent N real
 *    ones are evaluated and the missing ones are ignored, whatever treatMissingData says; when it
 *    holds fewer, every real one is evaluated and only the shortfall is filled per treatMissingData
 *    (breaching, notBreaching; ignore keeps the state unless the real ones decide; missing: not
 *    counted, INSUFFICIENT_DATA when all are missing); ALARM when at least datapointsToAlarm breach
 *    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data).
 *    AWS's "premature alarm state" rule for intermittent data treated as `missing` is not modelled:
 *    no alarm of the plan treats missing data as missing.
 * It does not model CloudWatch's evaluation delay or its look-back for late data: tests give it
 * complete periods.
 */
import type { MetricDatum } from "@aws-sdk/client-cloudwatch";
import { breachesThreshold } from "../../../infra/plan/alarms";
import { statistic } from "../../support/cloudwatch-statistics";

export { statistic };

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

function breaches(value: number, operator: string, threshold: number): boolean {
  const breached = breachesThreshold(value, operator, threshold);
  if (breached === undefined) throw new Error(`the evaluator has no operator ${operator}`);
  return breached;
}

/** The datapoint of each of the last `periods` periods (default the alarm's `evaluationPeriods`) ending with the one starting at `lastPeriodStart`, oldest first. */
export function datapoints(alarm: AlarmInputs, datums: readonly PublishedDatum[], lastPeriodStart: Date, periods = alarm.evaluationPeriods): Array<number | undefined> {
  const period = (alarm.period ?? 60) * 1000;
  if (lastPeriodStart.getTime() % period !== 0) throw new Error(`${lastPeriodStart.toISOString()} is not the start of a ${period / 1000} s period`);
  const stat = alarm.extendedStatistic ?? alarm.statistic;
  if (!stat) throw new Error("the alarm names no statistic");
  const matching = datums.filter((datum) => datum.Namespace === alarm.namespace && datum.MetricName === alarm.metricName && sameDimensions(datum, alarm.dimensions));
  const points: Array<number | undefined> = [];
  for (let index = periods - 1; index >= 0; index -= 1) {
    const start = lastPeriodStart.getTime() - index * period;
    const values = matching.filter((datum) => {
      const at = (datum.Timestamp as Date).getTime();
      return at >= start && at < start + period;
    });
    points.push(statistic(stat, values.map((datum) => datum.Value as number)));
  }
  return points;
}

export interface EvaluationOptions {
  /** Periods CloudWatch retrieves (the evaluation range); default evaluationPeriods + 2, as in AWS's example (5 for 3). */
  evaluationRange?: number;
}

/** The alarm's state after evaluating the periods up to `lastPeriodStart`, from `previous` (for `ignore`). */
export function evaluateAlarm(
  alarm: AlarmInputs,
  datums: readonly PublishedDatum[],
  lastPeriodStart: Date,
  previous: AlarmState = "INSUFFICIENT_DATA",
  options: EvaluationOptions = {},
): AlarmState {
  const needed = alarm.evaluationPeriods;
  const toAlarm = alarm.datapointsToAlarm ?? needed;
  const range = Math.max(options.evaluationRange ?? needed + 2, needed);
  const real = datapoints(alarm, datums, lastPeriodStart, range).filter((point): point is number => point !== undefined);
  const treat = alarm.treatMissingData ?? "missing";
  // Enough real datapoints in the range: the most recent N decide, and missing data plays no part.
  const evaluated = real.length >= needed ? real.slice(-needed) : real;
  const breaching = evaluated.filter((point) => breaches(point, alarm.comparisonOperator, alarm.threshold)).length;
  const shortfall = needed - evaluated.length;
  if (shortfall === 0) return breaching >= toAlarm ? "ALARM" : "OK";
  switch (treat) {
    case "breaching":
      return breaching + shortfall >= toAlarm ? "ALARM" : "OK";
    case "notBreaching":
      return breaching >= toAlarm ? "ALARM" : "OK";
    case "ignore":
      // AWS's tables: "0 - - - -" is OK, "- - - X -" and "- - - - -" retain the current state.
      if (breaching >= toAlarm) return "ALARM";
      return evaluated.length > breaching ? "OK" : previous;
    default:
      if (evaluated.length === 0) return "INSUFFICIENT_DATA";
      return breaching >= toAlarm ? "ALARM" : "OK";
  }
}
