/**
 * The latest probe results of one target, from the probe's structured log line
 * (`{"type":"probe-result","url":...,"ok":false,"error":{"code","message"},...}`, functions/probe
 * and docs/probe.md) in each probe region's log group, read with CloudWatch Logs Insights
 * (StartQuery, then GetQueryResults until it completes). Everything that knows the log line's
 * fields is in this module, so it follows the probe's log contract in one place.
 *
 * The probe writes each line as the whole log event (raw JSON on stdout, no Lambda prefix), so Logs
 * Insights discovers its fields and the query filters on them; the parser still accepts a line
 * after a prefix or inside a JSON-format `message`.
 * Cost: Logs Insights bills the bytes of the log group it scans in the time range, $0.005 per GB
 * (infra/cost.ts prices it per state change and region).
 */
import { CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand } from "@aws-sdk/client-cloudwatch-logs";
import type { ProbeLogGroup } from "../common/notifier-config";
import { PROBE_LOG_TYPES, recentResultsQuery } from "../common/probe-log";

/** One hour of results: enough to say since when a target fails and when it last passed. */
export const RESULT_WINDOW_MINUTES = 60;
/** The newest results kept per region (60 one-minute runs). */
export const RESULT_LIMIT = 60;
/** Polling GetQueryResults; a query that has not finished in the budget is reported (and left to finish on its own). */
export const QUERY_POLL_MS = 500;
export const QUERY_BUDGET_MS = 10_000;

export interface ProbeResultLine {
  /** ISO 8601 UTC (the log event's time). */
  at: string;
  ok: boolean;
  status: number | null;
  errorCode?: string;
  errorMessage?: string;
  totalMs?: number | null;
}

export interface RegionResults {
  region: string;
  /** Newest first. */
  results: ProbeResultLine[];
  /** Why the results could not be read (the message says so instead). */
  error?: string;
}

/**
 * The query of one target's recent results (also the one the message links to): the one the
 * dashboard's "latest failures" widget runs too, defined with the log line's fields in
 * functions/common/probe-log.ts. Its rows carry `@message`, the whole line, which resultLine reads.
 */
export function probeResultsQuery(url: string, limit = RESULT_LIMIT): string {
  return recentResultsQuery({ url, limit });
}

/** The probe-result object inside a log message (Text: after the prefix; JSON: in `message`). */
export function parseProbeResultMessage(message: string): Record<string, unknown> | undefined {
  const start = message.indexOf("{");
  if (start < 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(message.slice(start));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record.type === PROBE_LOG_TYPES.result) return record;
  const inner = record.message;
  if (typeof inner === "object" && inner !== null && (inner as Record<string, unknown>).type === PROBE_LOG_TYPES.result) return inner as Record<string, unknown>;
  if (typeof inner === "string") return parseProbeResultMessage(inner);
  return undefined;
}

/** Logs Insights `@timestamp` is `2026-11-26 10:02:00.123` in UTC. */
function insightsTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const millis = Date.parse(`${value.replace(" ", "T")}Z`);
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString();
}

export function resultLine(fields: Array<{ field?: string; value?: string }>, url: string): ProbeResultLine | undefined {
  const at = insightsTime(fields.find((field) => field.field === "@timestamp")?.value);
  const record = parseProbeResultMessage(fields.find((field) => field.field === "@message")?.value ?? "");
  if (!at || !record || record.url !== url) return undefined;
  const error = record.error as { code?: unknown; message?: unknown } | null | undefined;
  const timings = record.timings as { totalMs?: unknown } | undefined;
  return {
    at,
    ok: record.ok === true,
    status: typeof record.status === "number" ? record.status : null,
    ...(error && typeof error.code === "string" ? { errorCode: error.code } : {}),
    ...(error && typeof error.message === "string" ? { errorMessage: error.message } : {}),
    totalMs: typeof timings?.totalMs === "number" ? timings.totalMs : null,
  };
}

export interface ResultsReaderOptions {
  clientFor: (region: string) => CloudWatchLogsClient;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  budgetMs?: number;
}

async function queryRegion(group: ProbeLogGroup, url: string, until: number, options: ResultsReaderOptions): Promise<RegionResults> {
  const client = options.clientFor(group.region);
  const budgetMs = options.budgetMs ?? QUERY_BUDGET_MS;
  const deadline = options.now() + budgetMs;
  const tooLate = `Logs Insights did not answer within ${budgetMs / 1000} s`;
  // The budget bounds every request too: one that hangs (and the SDK's retries of it) is abandoned when it ends.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), budgetMs);
  timer.unref?.();
  let queryId: string | undefined;
  try {
    ({ queryId } = await client.send(
      new StartQueryCommand({
        logGroupName: group.logGroupName,
        startTime: Math.floor((until - RESULT_WINDOW_MINUTES * 60_000) / 1000),
        endTime: Math.ceil(until / 1000),
        queryString: probeResultsQuery(url),
        limit: RESULT_LIMIT,
      }),
      { abortSignal: abort.signal },
    ));
    while (options.now() < deadline) {
      const answer = await client.send(new GetQueryResultsCommand({ queryId }), { abortSignal: abort.signal });
      if (answer.status === "Complete") {
        const results = (answer.results ?? []).map((fields) => resultLine(fields, url)).filter((line): line is ProbeResultLine => line !== undefined);
        results.sort((a, b) => b.at.localeCompare(a.at));
        return { region: group.region, results };
      }
      if (answer.status === "Failed" || answer.status === "Cancelled" || answer.status === "Timeout") {
        return { region: group.region, results: [], error: `Logs Insights query ${answer.status.toLowerCase()}` };
      }
      await options.sleep(QUERY_POLL_MS);
    }
    return { region: group.region, results: [], error: tooLate };
  } catch (error) {
    if (abort.signal.aborted) return { region: group.region, results: [], error: tooLate };
    return { region: group.region, results: [], error: `${(error as Error).name}: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Every probe region's latest results for `url` up to `until` (epoch ms), queried at the same time. */
export function readRecentResults(groups: readonly ProbeLogGroup[], url: string, until: number, options: ResultsReaderOptions): Promise<RegionResults[]> {
  return Promise.all(groups.map((group) => queryRegion(group, url, until, options)));
}

export interface ResultSummary {
  region: string;
  /** The newest failing result, when the newest result failed. */
  latestFailure?: ProbeResultLine;
  /** The newest result. */
  latest?: ProbeResultLine;
  /** The oldest failure of the current run of failures (undefined if the newest result passed). */
  failingSince?: string;
  /** The newest passing result. */
  lastOkAt?: string;
  /** True when every result in the window failed: it has been failing for longer. */
  failingWholeWindow: boolean;
  error?: string;
}

export function summarizeRegion(region: RegionResults): ResultSummary {
  const [latest] = region.results;
  const lastOk = region.results.find((result) => result.ok);
  const failures: ProbeResultLine[] = [];
  for (const result of region.results) {
    if (result.ok) break;
    failures.push(result);
  }
  return {
    region: region.region,
    latest,
    latestFailure: latest && !latest.ok ? latest : undefined,
    failingSince: failures.length > 0 ? failures[failures.length - 1].at : undefined,
    lastOkAt: lastOk?.at,
    failingWholeWindow: region.results.length > 0 && lastOk === undefined,
    error: region.error,
  };
}
