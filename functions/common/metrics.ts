/**
 * The metric contract: names, dimensions, units, what the values mean and which statistics read
 * them. The probe publishes from here, the Pulumi program's alarms and dashboard read from here,
 * and every other reader (status pages, reports, SLO burn rates) should too. An alarm must name
 * exactly the dimension set that was published, so both sides build dimensions from here.
 *
 * The layout keeps cost flat in the number of probe regions: every region writes its samples
 * into the same per-target metric (no `Region` dimension), so a target is one custom metric
 * whatever the number of regions, and the quorum is a statistic of that one metric.
 * Per-region views (phases, errors) come from the probe's log line (docs/probe.md).
 */

export const DEFAULT_NAMESPACE = "WebHealth";

/**
 * `Check` (dimension `Url`, unit Milliseconds): one datum per target, region and scheduled run.
 * Its value is the check's wall time in ms (`timings.totalMs`, 0 to about 60,000) when the check
 * passed, and CHECK_FAILED_VALUE when it failed. One metric carries availability and latency: it
 * is billed once ($0.30 a month) where two metrics would be billed twice.
 *
 * The statistics below need raw values (the probe never publishes statistic sets) and no
 * negative value (every value here is >= 0): "CloudWatch needs raw data points to calculate ...
 * Percentile rank" and "these type of statistics are not available for metrics when any of the
 * metric values are negative numbers".
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
 */
export const TARGET_METRICS = {
  check: "Check",
  /** Whole days left on the leaf certificate (floored); published only in the first hour of the UTC day. */
  certificateDaysRemaining: "CertificateDaysRemaining",
  // Phase metrics: only with `webhealth:phaseMetrics: true` (for alarming on a phase); the
  // probe's log line carries every phase of every check from every region anyway.
  timeToFirstByte: "TimeToFirstByte",
  dnsTime: "DnsTime",
  connectTime: "ConnectTime",
  tlsTime: "TlsTime",
  transferTime: "TransferTime",
} as const;

/** The opt-in phase metrics (dimension `Url`, unit Milliseconds, written by every region). */
export const PHASE_METRICS = [
  TARGET_METRICS.timeToFirstByte,
  TARGET_METRICS.dnsTime,
  TARGET_METRICS.connectTime,
  TARGET_METRICS.tlsTime,
  TARGET_METRICS.transferTime,
] as const;

/**
 * The value of a failed check in `Check`. Far above any check time (a check is cut off at 60 s =
 * 60,000 ms), with wide gaps on both sides of the bands below, so no approximation in
 * CloudWatch's percentile storage can move a sample from one band to the other.
 */
export const CHECK_FAILED_VALUE = 10_000_000;
/** Band edges: passed checks are at most CHECK_PASSED_MAX, failed ones in (CHECK_FAILED_ABOVE, CHECK_FAILED_MAX]. */
export const CHECK_BANDS = {
  passedMax: 5_000_000,
  failedAbove: 5_000_000,
  failedMax: 20_000_000,
} as const;

/**
 * The statistics of `Check` (extended statistics; alarms take `PR(n:m)` with both bounds, the
 * only absolute-bound form PutMetricAlarm documents as valid:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 * Percentile rank excludes its lower bound and includes its upper bound.
 */
export const CHECK_STATISTICS = {
  /** Percent of the period's samples (all regions together) that failed. */
  failedPercent: `PR(${CHECK_BANDS.failedAbove}:${CHECK_BANDS.failedMax})`,
  /** Percent of the period's samples that passed: availability in percent (for graphs and SLOs). */
  passedPercent: `PR(:${CHECK_BANDS.passedMax})`,
  /** Mean time of the passed checks in ms (failures left out). */
  passedMeanMs: `TM(:${CHECK_BANDS.passedMax})`,
  /** Number of samples in the period (regions that reported x runs). */
  samples: "SampleCount",
} as const;

/** Percent of the period's samples that passed slower than `thresholdMs` (failures are not counted as slow). */
export function slowPercentStatistic(thresholdMs: number): string {
  return `PR(${thresholdMs}:${CHECK_BANDS.passedMax})`;
}

/**
 * How many checks a percent datapoint of `Check` (failedPercent, a slow percent: what the
 * availability and latency alarms see) stands for when `checks` samples were in the period: with
 * one run per period, the number of probe regions that agree. An alarm notification quotes the
 * percent; this is how many regions it means (the notifier says "from 2 of 3 regions").
 */
export function checksOfPercent(percent: number, checks: number): number {
  return Math.round((percent * checks) / 100);
}

/**
 * The quorum as a percent-rank threshold. The availability and latency alarms read one metric
 * that every probe region writes, and the statistic `PR(...)` gives the percent of the period's
 * samples that failed (or were slow). "At least k of n" is "at least 100 x k / n percent":
 * exactly k of n regions when all n reported, and the same share of those that did when some sent
 * nothing (e.g. 2 of 3 -> both of 2, or the 1 of 1 left). The threshold sits half a point below
 * 100 k / n: every share a period can show (s / r with r <= 10 samples) is at least 1 point away
 * from 100 k / n unless equal to it, so the comparison never depends on floating-point rounding.
 * Single-region: k = n = 1, threshold 99.5 (the one sample failed).
 */
export function quorumPercentThreshold(quorum: number, regions: number): number {
  return Math.round((100 * quorum) / regions * 100 - 50) / 100;
}

/** A latency threshold must sit below the failure band, or failed checks would count as slow. */
export const MAX_LATENCY_THRESHOLD_MS = 600_000;

/**
 * The probe's own heartbeat: published once per invocation (per shard) with no `Url` dimension
 * (only `Region` when multi-region), so an alarm can tell "the monitor is dead" from "sites are down".
 */
export const PROBE_METRICS = {
  targetsProbed: "TargetsProbed",
} as const;

export const DIMENSIONS = {
  url: "Url",
  region: "Region",
} as const;

export interface MetricDimension {
  Name: string;
  Value: string;
}

/** The dimensions of every per-target metric: the URL only, whichever region wrote the sample. */
export function targetDimensions(url: string): MetricDimension[] {
  return [{ Name: DIMENSIONS.url, Value: url }];
}

/** The dimensions of the probe's heartbeat metric: `Region` when the stage probes from several regions. */
export function probeDimensions(region?: string): MetricDimension[] {
  return region ? [{ Name: DIMENSIONS.region, Value: region }] : [];
}

/**
 * Certificates change over days: the probe publishes CertificateDaysRemaining only from runs
 * scheduled in this hour of the UTC day. A custom metric is billed for the hours in which it
 * receives data ("All custom metrics charges are prorated by the hour and metered only when you
 * send metrics to CloudWatch", https://aws.amazon.com/cloudwatch/pricing/), so one hour a day
 * costs 1/24 of a metric published all day, and every run of that hour (not just one) may carry it.
 */
export const CERTIFICATE_UTC_HOUR = 0;

export function isCertificateHour(scheduledAt: Date): boolean {
  return scheduledAt.getUTCHours() === CERTIFICATE_UTC_HOUR;
}

/**
 * The unit of each metric as published. Alarms and dashboards need not name a unit, but if one
 * does it must be this one, or CloudWatch matches no data.
 */
export const METRIC_UNITS: Record<string, "Milliseconds" | "Count" | "None"> = {
  [TARGET_METRICS.check]: "Milliseconds",
  [TARGET_METRICS.timeToFirstByte]: "Milliseconds",
  [TARGET_METRICS.dnsTime]: "Milliseconds",
  [TARGET_METRICS.connectTime]: "Milliseconds",
  [TARGET_METRICS.tlsTime]: "Milliseconds",
  [TARGET_METRICS.transferTime]: "Milliseconds",
  [TARGET_METRICS.certificateDaysRemaining]: "None",
  [PROBE_METRICS.targetsProbed]: "Count",
};
