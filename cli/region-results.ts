/**
 * What each probe region saw, for `npm run status` on a stage with several probe regions. The
 * `Check` metric has no Region dimension (every region writes into the one series of a target, so a
 * target costs one metric: functions/common/metrics.ts), so a single region's checks are read from
 * the probe's log lines in that region (functions/common/probe-log.ts): one Logs Insights query
 * per region (StartQuery on its probe log group, then GetQueryResults until it completes), all
 * regions at the same time.
 *
 * Cost: Logs Insights bills the bytes a query scans, $0.005 per GB
 * (https://aws.amazon.com/cloudwatch/pricing/): an hour of one region's probe log, about 0.6 KB per
 * target and run (docs/status-and-reports.md has the figures).
 */
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { INSIGHTS_MAX_ROWS, regionSummaryQuery } from "../functions/common/probe-log";
import { describeAwsFailure, withAction } from "./aws-errors";
import { sleepUnlessAborted } from "./kit";

/** One region's checks of one target over the window. */
export interface RegionFigures {
  checks: number;
  passed: number;
  /** The newest check's total time in ms; null when the newest check failed. */
  latestMs: number | null;
  /** Percentiles of the passed checks' total times (null without a passed check). */
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface RegionSummary {
  region: string;
  /** By URL. */
  targets: Map<string, RegionFigures>;
  /** Why this region's figures could not be read (the rest of the status stands). */
  error?: string;
}

export interface ProbeLogGroup {
  region: string;
  logGroupName: string;
}

export interface SummaryOptions {
  logs: (region: string) => Promise<CloudWatchLogsClient>;
  signal: AbortSignal;
  pollMs?: number;
  budgetMs?: number;
  now?: () => number;
}

/** Polling GetQueryResults; a query still running after the budget is reported and left to finish on its own. */
export const SUMMARY_POLL_MS = 500;
export const SUMMARY_BUDGET_MS = 15_000;

type Row = Array<{ field?: string; value?: string }>;

const numberOf = (text: string | undefined): number | undefined => {
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
};
const tenth = (value: number | undefined) => (value === undefined ? null : Math.round(value * 10) / 10);

/** Logs Insights shows a JSON boolean as 1 or 0 (and `true`/`false` is accepted too). */
const passedGroup = (ok: string | undefined) => ok === "1" || ok === "true";

/** The rows of regionSummaryQuery (a passed and a failed row per URL at most) as figures per URL. */
export function regionFigures(rows: readonly Row[]): Map<string, RegionFigures> {
  const groups = new Map<string, { passed?: Record<string, string | undefined>; failed?: Record<string, string | undefined> }>();
  for (const row of rows) {
    const fields = Object.fromEntries(row.map((field) => [field.field ?? "", field.value]));
    const url = fields.url;
    if (!url) continue;
    const group = groups.get(url) ?? {};
    group[passedGroup(fields.ok) ? "passed" : "failed"] = fields;
    groups.set(url, group);
  }
  const figures = new Map<string, RegionFigures>();
  for (const [url, { passed, failed }] of groups) {
    const passedChecks = numberOf(passed?.checks) ?? 0;
    const failedChecks = numberOf(failed?.checks) ?? 0;
    // The newest check: ISO times of the same form compare as strings.
    const newestPassed = passed !== undefined && (failed === undefined || (passed.latestAt ?? "") >= (failed.latestAt ?? ""));
    figures.set(url, {
      checks: passedChecks + failedChecks,
      passed: passedChecks,
      latestMs: newestPassed ? tenth(numberOf(passed?.latestMs)) : null,
      p50: passed ? tenth(numberOf(passed.p50)) : null,
      p90: passed ? tenth(numberOf(passed.p90)) : null,
      p99: passed ? tenth(numberOf(passed.p99)) : null,
    });
  }
  return figures;
}

interface Started {
  group: ProbeLogGroup;
  client?: CloudWatchLogsClient;
  queryId?: string;
  error?: string;
}

/** A failure of one region's query: setup problems (credentials, a permission) stop the command; others are told in that region's place. */
function regionError(error: unknown): string {
  if (describeAwsFailure(error) !== undefined) throw error;
  const { name, message } = error as Error;
  if (name === "ResourceNotFoundException") return "no probe log group in this region yet (has the probe run there?)";
  return `${name}: ${message}`;
}

/** Starts every region's query over [start, end) (epoch ms). */
export async function startRegionSummaries(groups: readonly ProbeLogGroup[], start: number, end: number, options: SummaryOptions): Promise<Started[]> {
  const { StartQueryCommand } = await import("@aws-sdk/client-cloudwatch-logs");
  return Promise.all(
    groups.map(async (group): Promise<Started> => {
      try {
        const client = await options.logs(group.region);
        const { queryId } = await withAction("logs:StartQuery", () =>
          client.send(
            new StartQueryCommand({
              logGroupName: group.logGroupName,
              startTime: Math.floor(start / 1000),
              // endTime is inclusive (epoch seconds): the last second of the window.
              endTime: Math.ceil(end / 1000) - 1,
              queryString: regionSummaryQuery(),
              limit: INSIGHTS_MAX_ROWS,
            }),
          ),
        );
        return { group, client, queryId };
      } catch (error) {
        return { group, error: regionError(error) };
      }
    }),
  );
}

/** Waits for every started query and reads its rows. */
export async function finishRegionSummaries(started: readonly Started[], options: SummaryOptions): Promise<RegionSummary[]> {
  const { GetQueryResultsCommand } = await import("@aws-sdk/client-cloudwatch-logs");
  const now = options.now ?? Date.now;
  const budgetMs = options.budgetMs ?? SUMMARY_BUDGET_MS;
  const deadline = now() + budgetMs;
  return Promise.all(
    started.map(async ({ group, client, queryId, error }): Promise<RegionSummary> => {
      if (error !== undefined || !client) return { region: group.region, targets: new Map(), error };
      try {
        for (;;) {
          const answer = await withAction("logs:GetQueryResults", () => client.send(new GetQueryResultsCommand({ queryId })));
          if (answer.status === "Complete") {
            const rows = answer.results ?? [];
            const summary: RegionSummary = { region: group.region, targets: regionFigures(rows) };
            if (rows.length >= INSIGHTS_MAX_ROWS) summary.error = `only the first ${INSIGHTS_MAX_ROWS} rows of Logs Insights' answer (two per target): some targets show no figures`;
            return summary;
          }
          if (answer.status === "Failed" || answer.status === "Cancelled" || answer.status === "Timeout") {
            return { region: group.region, targets: new Map(), error: `the Logs Insights query ended ${answer.status.toLowerCase()}` };
          }
          if (options.signal.aborted) return { region: group.region, targets: new Map(), error: "stopped" };
          if (now() >= deadline) return { region: group.region, targets: new Map(), error: `Logs Insights did not answer within ${budgetMs / 1000} s` };
          await sleepUnlessAborted(options.pollMs ?? SUMMARY_POLL_MS, options.signal);
        }
      } catch (failure) {
        return { region: group.region, targets: new Map(), error: regionError(failure) };
      }
    }),
  );
}
