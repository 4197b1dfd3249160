/**
 * Where `npm run status`, `npm run report` and the burn-rate alarms read a target's availability
 * and latency: the one module that maps the metric contract (functions/common/metrics.ts) onto
 * what they need. Every probe region writes its checks into one `Check` metric per target (no
 * `Region` dimension): a passed check's value is its time in ms, a failed one's CHECK_FAILED_VALUE.
 *
 * Definitions used everywhere (docs/status-and-reports.md):
 * - checks = SampleCount of Check; successes = checks x the passed percentage (`PR(:5000000)`) / 100,
 *   per period, summed over periods: availability = successes / checks;
 * - latency = percentiles of Check; a percentile that falls in the failure band (more failed checks
 *   than the percentile leaves) has no latency to show and reads as null.
 */
import { CHECK_BANDS, CHECK_STATISTICS, TARGET_METRICS, targetDimensions } from "../../functions/common/metrics";
import type { StageConfig } from "../config";

export interface Series {
  /** The probe region the series comes from, or undefined for a series of every region. */
  region?: string;
  dimensions: Array<{ Name: string; Value: string }>;
}

/** The series a target's data is published under: one, written by every probe region. */
export function targetSeries(config: Pick<StageConfig, "multiRegion" | "probeRegions">, url: string): Series[] {
  return [{ region: config.multiRegion ? undefined : config.probeRegions[0], dimensions: targetDimensions(url) }];
}

export const CHECK_METRIC = TARGET_METRICS.check;
export const AVAILABILITY_METRIC = CHECK_METRIC;
export const LATENCY_METRIC = CHECK_METRIC;
/** Statistics: checks, and the percentage of them that passed; percentiles of the checks' times. */
export const CHECKS_STAT = CHECK_STATISTICS.samples;
export const PASSED_PERCENT_STAT = CHECK_STATISTICS.passedPercent;
export const LATENCY_PERCENTILES = ["p50", "p90", "p99"] as const;
export type LatencyPercentile = (typeof LATENCY_PERCENTILES)[number];

/** A Check percentile as a latency: null when it is a failed check's value. */
export function latencyOf(value: number | undefined): number | undefined {
  return value === undefined || value > CHECK_BANDS.passedMax ? undefined : value;
}

/** One GetMetricData query of a metric (no metric math: the arithmetic is done here, exactly). */
export interface MetricQuery {
  Id: string;
  MetricStat: { Metric: { Namespace: string; MetricName: string; Dimensions: Series["dimensions"] }; Period: number; Stat: string };
  ReturnData: true;
}

export function metricQuery(id: string, namespace: string, metricName: string, dimensions: Series["dimensions"], stat: string, period: number): MetricQuery {
  return { Id: id, MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions }, Period: period, Stat: stat }, ReturnData: true };
}

/** Checks and successes in one bucket (a period). */
export interface Tally {
  checks: number;
  successes: number;
}

/** A bucket's tally from its SampleCount and passed percentage. */
export function tallyOf(samples: number, passedPercent: number | undefined): Tally {
  return { checks: samples, successes: samples === 0 ? 0 : Math.round((samples * (passedPercent ?? 0)) / 100) };
}

/** successes / checks as a fraction, or undefined without checks. */
export function availabilityOf(tally: Tally): number | undefined {
  return tally.checks > 0 ? tally.successes / tally.checks : undefined;
}

export function addTallies(tallies: readonly Tally[]): Tally {
  return tallies.reduce((sum, tally) => ({ checks: sum.checks + tally.checks, successes: sum.successes + tally.successes }), { checks: 0, successes: 0 });
}
