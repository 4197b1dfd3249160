/**
 * Where `npm run status`, `npm run report` (and the burn-rate alarms' window arithmetic) read a
 * target's availability and latency: the one module that knows the metric layout the probe
 * publishes (functions/common/metrics.ts). Today a single-region stage publishes `Availability`
 * and `Latency` per `Url`, a multi-region stage one series per `Url` + `Region`. A layout without
 * the `Region` dimension changes `targetSeries` only.
 *
 * Definitions used everywhere (README "Status and reports"):
 * - checks = SampleCount of Availability, successes = its Sum (each datum is 1 or 0), summed over
 *   every series of the target (every region): availability = successes / checks;
 * - latency = the `Latency` datums (total time of checks that got a response), percentiles per series.
 */
import { TARGET_METRICS, targetDimensions } from "../../functions/common/metrics";
import type { StageConfig } from "../config";

export interface Series {
  /** The probe region the series comes from, or undefined for a series of every region. */
  region?: string;
  dimensions: Array<{ Name: string; Value: string }>;
}

/** The series a target's data is published under. */
export function targetSeries(config: Pick<StageConfig, "multiRegion" | "probeRegions">, url: string): Series[] {
  if (!config.multiRegion) return [{ region: config.probeRegions[0], dimensions: targetDimensions(url) }];
  return config.probeRegions.map((region) => ({ region, dimensions: targetDimensions(url, region) }));
}

export const AVAILABILITY_METRIC = TARGET_METRICS.availability;
export const LATENCY_METRIC = TARGET_METRICS.latency;
/** Statistics: checks and successes of Availability; percentiles of Latency. */
export const CHECKS_STAT = "SampleCount";
export const SUCCESSES_STAT = "Sum";
export const LATENCY_PERCENTILES = ["p50", "p90", "p99"] as const;
export type LatencyPercentile = (typeof LATENCY_PERCENTILES)[number];

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

/** successes / checks as a fraction, or undefined without checks. */
export function availabilityOf(tally: Tally): number | undefined {
  return tally.checks > 0 ? tally.successes / tally.checks : undefined;
}

export function addTallies(tallies: readonly Tally[]): Tally {
  return tallies.reduce((sum, tally) => ({ checks: sum.checks + tally.checks, successes: sum.successes + tally.successes }), { checks: 0, successes: 0 });
}
