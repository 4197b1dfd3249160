/**
 * The probe's structured log lines and the CloudWatch Logs Insights queries that read them: one
 * definition for the probe (which writes them), the dashboard's log widgets and the notifier
 * (which query them). Field names are a public contract (docs/probe.md): add, don't rename.
 *
 * Each line is one log event whose whole message is a JSON object, so Logs Insights discovers
 * its fields, nested ones flattened with dots (`error.code`, `timings.dnsMs`).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html
 *
 * Every probe region logs in its own region, to its function's log group (probeLogGroupName):
 * a query for several regions runs once per region.
 */

export const PROBE_LOG_TYPES = {
  result: "probe-result",
  summary: "probe-summary",
  selfTest: "self-test",
} as const;

/** One checked target, as the probe logs it: no request headers or other secrets, ever. */
export interface ProbeResultLogLine {
  type: typeof PROBE_LOG_TYPES.result;
  url: string;
  name: string | null;
  /** The region the probe ran in (null only outside Lambda). */
  region: string | null;
  /** The run's scheduled time (ISO 8601), the same timestamp as the run's metrics. */
  scheduledAt: string;
  ok: boolean;
  status: number | null;
  error: { code: string; message: string } | null;
  timings: { dnsMs: number | null; connectMs: number | null; tlsMs: number | null; ttfbMs: number | null; transferMs: number | null; totalMs: number | null };
  tls: { daysRemaining: number; validTo: string; issuer: string } | null;
  redirects: number;
  attempts: number;
  /** What the stage's alarms would object to in this check (`SLOW`, `CERTIFICATE`); empty when none. */
  warnings: string[];
  /** Present (true) only for a target the deadline left no time for. */
  skipped?: true;
}

/** The log group Lambda writes the probe's lines to in its region. */
export function probeLogGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** A Logs Insights string literal: double quotes, with backslashes and quotes escaped. */
export function insightsString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The fields a result query shows, in order: what a person needs to see why a target fails, then the
 * whole line (`@message`), which the notifier parses (functions/notifier/probe-results.ts). */
export const RESULT_FIELDS = ["@timestamp", "url", "name", "region", "ok", "status", "error.code", "error.message", "timings.totalMs", "attempts", "@message"] as const;

export interface RecentResultsOptions {
  /** One target; all targets when absent. */
  url?: string;
  /** Only results that failed (skipped ones are never failures). */
  failuresOnly?: boolean;
  /** At most this many rows, newest first (default 50). */
  limit?: number;
}

/**
 * The latest results, newest first: of one target (the notifier's "why is it failing" and the
 * link in its messages), or the latest failures of all (the dashboard). Run it against the probe
 * log group of each region.
 */
export function recentResultsQuery(options: RecentResultsOptions = {}): string {
  const filters = [`type = ${insightsString(PROBE_LOG_TYPES.result)}`];
  if (options.url !== undefined) filters.push(`url = ${insightsString(options.url)}`);
  if (options.failuresOnly) filters.push("ok = 0", "ispresent(error.code)");
  return [`fields ${RESULT_FIELDS.join(", ")}`, `filter ${filters.join(" and ")}`, "sort @timestamp desc", `limit ${options.limit ?? 50}`].join("\n| ");
}

/**
 * Mean phase timings per target over the query's time range (the dashboard's per-region phase
 * table), slowest first. Only checks that got a response count: a refused connection has no phases.
 */
export function phaseTimingsQuery(): string {
  return [
    `filter type = ${insightsString(PROBE_LOG_TYPES.result)} and ispresent(status)`,
    "stats avg(timings.dnsMs) as dnsMs, avg(timings.connectMs) as connectMs, avg(timings.tlsMs) as tlsMs, avg(timings.ttfbMs) as ttfbMs, avg(timings.transferMs) as transferMs, avg(timings.totalMs) as totalMs, count(*) as checks by url",
    "sort totalMs desc",
    "limit 100",
  ].join("\n| ");
}

/** GetQueryResults returns at most this many rows (the `limit` command's maximum). */
export const INSIGHTS_MAX_ROWS = 10_000;

/** The fields of a region summary row, as regionSummaryQuery names them. */
export const REGION_SUMMARY_FIELDS = ["url", "ok", "checks", "latestAt", "latestMs", "p50", "p90", "p99"] as const;

/**
 * One probe region's checks per target and outcome over the query's time range (`npm run status`
 * per probe region, since the `Check` metric has no Region dimension): two rows per target at
 * most, its passed checks (`ok` 1) and its failed ones (`ok` 0), each with how many there were,
 * the scheduled time and total time of the newest, and the percentiles of their total times (of
 * passed checks only, in the passed row). Skipped targets are no checks, as in the metric.
 */
export function regionSummaryQuery(): string {
  return [
    `filter type = ${insightsString(PROBE_LOG_TYPES.result)} and not ispresent(skipped)`,
    "stats count(*) as checks, latest(scheduledAt) as latestAt, latest(timings.totalMs) as latestMs, pct(timings.totalMs, 50) as p50, pct(timings.totalMs, 90) as p90, pct(timings.totalMs, 99) as p99 by url, ok",
    `limit ${INSIGHTS_MAX_ROWS}`,
  ].join("\n| ");
}
