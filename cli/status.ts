/**
 * `npm run status -- --stack <stage> [--json] [--watch [seconds]]`: what is down right now. One row
 * per target (state: OK, ALARM, NO_DATA or MAINTENANCE; firing alarms, availability over the last hour, latest latency and the hour's
 * percentiles, the last state change in the ledger), with several probe regions one row per region
 * below it (from its probe's log lines: cli/region-results.ts), then webhealth's own health
 * (probe health per region, function errors, dead letters). Exit 0 when everything is OK, 1 when
 * anything is in ALARM or has no data, 2 on bad input or setup.
 */
import { LEDGER_ATTRIBUTES, LEDGER_INDEXES, type LedgerItem } from "../functions/common/ledger";
import { activeMaintenance } from "../functions/common/maintenance";
import { PROBE_METRICS, probeDimensions } from "../functions/common/metrics";
import { probeLogGroupName } from "../functions/common/probe-log";
import { finishRegionSummaries, startRegionSummaries, type RegionSummary } from "./region-results";
import { isStageName } from "../infra/stack-files";
import { displayTime, stateStyle } from "./alarms-format";
import {
  addTallies,
  availabilityOf,
  AVAILABILITY_METRIC,
  CHECKS_STAT,
  LATENCY_METRIC,
  LATENCY_PERCENTILES,
  metricQuery,
  PASSED_PERCENT_STAT,
  latencyOf,
  tallyOf,
  targetSeries,
  type MetricQuery,
} from "../infra/plan/availability";
import { defineCommand, paint, sleepUnlessAborted, type CommandIo } from "./kit";
import { describeAlarmStates, getMetricData, ledgerRead, loadStage, openReaders, type AlarmState, type Points, type Readers, type Stage } from "./stage-data";
import { formatColumns, type Column, type Stylize } from "./table";
import { EXIT, UsageError } from "./usage";

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
export const DEFAULT_WATCH_SECONDS = 60;

export interface RegionStatus {
  /** The probe region, or `all` for every region's checks together (the metric of a multi-region stage). */
  region: string;
  /**
   * Where the figures come from: `metrics`, the target's `Check` metric (every region's checks in
   * one series; a percentile that lands on a failed check is null), or `logs`, one probe region's
   * log lines through Logs Insights (percentiles of its passed checks).
   */
  source: "metrics" | "logs";
  /** Fraction of the last hour's checks that succeeded (null without checks). */
  availability: number | null;
  checks: number;
  /** The latest check time, ms: the latest minute's median of the metric, or a region's newest check (null when it failed). */
  latestLatencyMs: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface TargetStatus {
  name: string | null;
  url: string;
  /** MAINTENANCE while a maintenance window of the stage covers the target (its alarms still show in `firing`). */
  state: "OK" | "ALARM" | "NO_DATA" | "MAINTENANCE";
  /** The maintenance window covering the target now, and when it ends. */
  maintenance: { name: string; until: string } | null;
  /** The kinds of this target's alarms in ALARM (availability, latency, certificate, burn-rate). */
  firing: string[];
  availability: number | null;
  checks: number;
  regions: RegionStatus[];
  lastChange: { at: string; alarm: string; from: string; to: string; reason: string } | null;
}

export interface HealthStatus {
  check: string;
  region: string;
  state: "OK" | "ALARM" | "INSUFFICIENT_DATA" | "NO_ALARM";
  detail: string;
}

export interface StatusSnapshot {
  stage: string;
  at: string;
  homeRegion: string;
  ok: boolean;
  targets: TargetStatus[];
  health: HealthStatus[];
  /** What could not be read and is shown as `-` (a probe region's log figures); the status itself stands. */
  notes: string[];
}

const round = (value: number | undefined | null) => (value === undefined || value === null || Number.isNaN(value) ? null : Math.round(value * 10) / 10);
const last = (points: Points | undefined) => (points && points.length > 0 ? points[points.length - 1][1] : undefined);
const sum = (points: Points | undefined) => (points ?? []).reduce((total, [, value]) => total + value, 0);

/** The newest ledger item of one URL (byUrl, newest first, one item). */
async function lastChange(readers: Readers, tableName: string, url: string): Promise<LedgerItem | undefined> {
  const { QueryCommand } = await import("@aws-sdk/lib-dynamodb");
  const page = await ledgerRead(tableName, () =>
    readers.ledger.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: LEDGER_INDEXES.byUrl,
        KeyConditionExpression: "#url = :url",
        ExpressionAttributeNames: { "#url": LEDGER_ATTRIBUTES.url },
        ExpressionAttributeValues: { ":url": url },
        ScanIndexForward: false,
        Limit: 1,
      }),
    ),
  );
  return page.Items?.[0] as LedgerItem | undefined;
}

/** A probe region's row of one target, from its log lines. */
function logRow(summary: RegionSummary, url: string): RegionStatus {
  const figures = summary.targets.get(url);
  const checks = figures?.checks ?? 0;
  return {
    region: summary.region,
    source: "logs",
    availability: figures && checks > 0 ? figures.passed / checks : null,
    checks,
    latestLatencyMs: figures?.latestMs ?? null,
    p50: figures?.p50 ?? null,
    p90: figures?.p90 ?? null,
    p99: figures?.p99 ?? null,
  };
}

/** Reads everything one status needs and returns it as data (the table and --json both come from this). */
export async function gatherStatus(stage: Stage, readers: Readers, now: number, signal: AbortSignal = new AbortController().signal): Promise<StatusSnapshot> {
  const { config, plan } = stage;
  const end = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const hourStart = end - HOUR_MS;
  const namespace = config.namespace;

  // Several probe regions write into one Check series per target: what each region saw is in its
  // probe's log lines. The queries run while the rest is read (a rejection is awaited below).
  const summaryOptions = { logs: readers.logs, signal };
  const regionQueries = config.multiRegion
    ? startRegionSummaries(plan.probes.map((probe) => ({ region: probe.region, logGroupName: probeLogGroupName(probe.functionName) })), hourStart, end, summaryOptions)
    : undefined;
  regionQueries?.catch(() => undefined);

  // Alarm states: the home region's, and each other region's (function alarms live beside their function).
  const regions = [...new Set([config.homeRegion, ...plan.probes.map((probe) => probe.region)])];
  const states = new Map<string, AlarmState>();
  for (const region of regions) for (const [name, state] of await describeAlarmStates(readers.cloudWatch(region), stage.alarmPrefix)) states.set(name, state);

  // Metric data of the home region: per target and series, checks and successes over the hour,
  // the hour's latency percentiles and the latest minute's average latency; the heartbeat per region.
  const queries: MetricQuery[] = [];
  const ids = new Map<string, string>();
  const id = (key: string) => {
    const value = `q${ids.size}`;
    ids.set(key, value);
    return value;
  };
  config.targets.forEach((target, t) =>
    targetSeries(config, target.url).forEach((series, s) => {
      queries.push(metricQuery(id(`${t}/${s}/checks`), namespace, AVAILABILITY_METRIC, series.dimensions, CHECKS_STAT, 3600));
      queries.push(metricQuery(id(`${t}/${s}/passed`), namespace, AVAILABILITY_METRIC, series.dimensions, PASSED_PERCENT_STAT, 3600));
      for (const percentile of LATENCY_PERCENTILES) queries.push(metricQuery(id(`${t}/${s}/${percentile}`), namespace, LATENCY_METRIC, series.dimensions, percentile, 3600));
      queries.push(metricQuery(id(`${t}/${s}/latest`), namespace, LATENCY_METRIC, series.dimensions, "p50", 60));
    }),
  );
  config.probeRegions.forEach((region, r) =>
    queries.push(metricQuery(id(`probe/${r}`), namespace, PROBE_METRICS.targetsProbed, probeDimensions(config.multiRegion ? region : undefined), "Sum", config.periodSeconds)),
  );
  const data = await getMetricData(readers.cloudWatch(config.homeRegion), queries, hourStart, end);
  const points = (key: string) => data.get(ids.get(key) ?? "");
  const summaries = regionQueries ? await finishRegionSummaries(await regionQueries, summaryOptions) : [];
  const notes = summaries.filter((summary) => summary.error !== undefined).map((summary) => `${summary.region}: no per-region figures: ${summary.error}`);

  const targets: TargetStatus[] = [];
  for (const [t, target] of config.targets.entries()) {
    const metricRows: RegionStatus[] = targetSeries(config, target.url).map((series, s) => {
      const tally = tallyOf(sum(points(`${t}/${s}/checks`)), last(points(`${t}/${s}/passed`)));
      const percentile = (name: string) => round(latencyOf(last(points(`${t}/${s}/${name}`))));
      return {
        region: series.region ?? "all",
        source: "metrics",
        availability: availabilityOf(tally) ?? null,
        checks: tally.checks,
        latestLatencyMs: round(latencyOf(last(points(`${t}/${s}/latest`)))),
        p50: percentile("p50"),
        p90: percentile("p90"),
        p99: percentile("p99"),
      };
    });
    const total = addTallies(metricRows.map((row) => ({ checks: row.checks, successes: (row.availability ?? 0) * row.checks })));
    const regionRows = [...metricRows, ...summaries.map((summary) => logRow(summary, target.url))];
    // The target's own alarms and its SLO burn-rate alarm; a single burn window in ALARM pages nobody.
    const paging = [...stage.alarms.filter((alarm) => alarm.kind !== "burn-rate-window"), ...plan.burnRateAlarms];
    const firing = paging.filter((alarm) => alarm.url === target.url && states.get(alarm.alarmName)?.state === "ALARM").map((alarm) => alarm.kind);
    const change = await lastChange(readers, stage.tableName, target.url);
    const maintenance = activeMaintenance(config.notifications.maintenance, target.url, now) ?? null;
    targets.push({
      name: target.name ?? null,
      url: target.url,
      state: maintenance ? "MAINTENANCE" : firing.length > 0 ? "ALARM" : total.checks === 0 ? "NO_DATA" : "OK",
      maintenance,
      firing,
      availability: availabilityOf(total) ?? null,
      checks: total.checks,
      regions: regionRows,
      lastChange: change ? { at: change.changedAt, alarm: change.alarmName, from: change.oldState, to: change.newState, reason: change.reason } : null,
    });
  }

  const alarmState = (name: string): HealthStatus["state"] => states.get(name)?.state ?? "NO_ALARM";
  const health: HealthStatus[] = [];
  plan.probeHealthAlarms.forEach((alarm, r) => {
    const probed = last(points(`probe/${r}`));
    health.push({
      check: "probe health",
      region: config.probeRegions[r],
      state: alarmState(alarm.alarmName),
      detail: probed === undefined ? "no heartbeat in the last hour" : `targets probed in the last period: ${probed} of ${config.targets.length}`,
    });
  });
  for (const fn of [...plan.probes, plan.recorder, ...(plan.notifier ? [plan.notifier.function] : [])]) {
    const errorsAlarm = fn.alarms.find((alarm) => alarm.kind === "function-errors");
    const errors = await getMetricData(
      readers.cloudWatch(fn.region),
      [metricQuery("errors", "AWS/Lambda", "Errors", [{ Name: "FunctionName", Value: fn.functionName }], "Sum", 3600)],
      hourStart,
      end,
    );
    health.push({
      check: `${fn.role} errors`,
      region: fn.region,
      state: errorsAlarm ? alarmState(errorsAlarm.alarmName) : "NO_ALARM",
      detail: `Lambda errors in the last hour: ${sum(errors.get("errors"))}`,
    });
  }
  // The recorder's dead letters (alarm changes not written to the ledger), and with notification
  // channels the notifier's (alarms people may not have been told about).
  const queues = [
    { role: "recorder", queueName: plan.recorderDeadLetterQueueName, alarm: plan.deadLetterAlarm },
    ...(plan.notifier ? [{ role: "notifier", queueName: plan.notifier.deadLetterQueueName, alarm: plan.notifier.deadLetterAlarm }] : []),
  ];
  for (const queue of queues) {
    const deadLetters = await getMetricData(
      readers.cloudWatch(config.homeRegion),
      [metricQuery("visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", [{ Name: "QueueName", Value: queue.queueName }], "Maximum", 300)],
      hourStart,
      end,
    );
    const waiting = last(deadLetters.get("visible"));
    health.push({
      check: `${queue.role} dead letters`,
      region: config.homeRegion,
      state: alarmState(queue.alarm.alarmName),
      detail: waiting === undefined ? "no messages reported in the last hour" : `messages waiting: ${waiting}`,
    });
  }

  // A target in maintenance is expected to fail: it does not make the status fail.
  const ok = targets.every((target) => target.state === "OK" || target.state === "MAINTENANCE") && health.every((check) => check.state !== "ALARM");
  return { stage: config.stage, at: new Date(end).toISOString(), homeRegion: config.homeRegion, ok, targets, health, notes };
}

const percent = (value: number | null) => (value === null ? "-" : `${(value * 100).toFixed(2)}%`);
const ms = (value: number | null) => (value === null ? "-" : String(value));

interface Row {
  target: string;
  state: string;
  firing: string;
  region: string;
  availability: string;
  latest: string;
  p50: string;
  p90: string;
  p99: string;
  change: string;
}

const TARGET_COLUMNS: Array<Column<Row>> = [
  { title: "TARGET", cell: (row) => row.target },
  { title: "STATE", cell: (row) => row.state, style: (row) => (row.state === "" ? undefined : row.state === "NO_DATA" || row.state === "MAINTENANCE" ? "yellow" : stateStyle(row.state)) },
  { title: "FIRING", cell: (row) => row.firing },
  { title: "REGION", cell: (row) => row.region },
  { title: "AVAIL 1H", cell: (row) => row.availability, align: "right" },
  { title: "LATEST MS", cell: (row) => row.latest, align: "right" },
  { title: "P50", cell: (row) => row.p50, align: "right" },
  { title: "P90", cell: (row) => row.p90, align: "right" },
  { title: "P99", cell: (row) => row.p99, align: "right" },
  { title: "LAST CHANGE", cell: (row) => row.change },
];

/** A target's row (the metric's figures), then with several probe regions one row per region (from its log lines). */
function targetRows(target: TargetStatus): Row[] {
  const change = target.lastChange ? `${displayTime(target.lastChange.at)} ${target.lastChange.alarm} ${target.lastChange.from} -> ${target.lastChange.to}` : "-";
  const head = { target: target.name ? `${target.name} ${target.url}` : target.url, state: target.state, firing: target.firing.join(",") || "-", change };
  const regionRow = (region: RegionStatus) => ({
    region: region.region,
    availability: percent(region.availability),
    latest: ms(region.latestLatencyMs),
    p50: ms(region.p50),
    p90: ms(region.p90),
    p99: ms(region.p99),
  });
  const [first, ...perRegion] = target.regions;
  const blank = { target: "", state: "", firing: "", change: "" };
  return [{ ...head, ...regionRow(first) }, ...perRegion.map((region) => ({ ...blank, ...regionRow(region) }))];
}

const HEALTH_COLUMNS: Array<Column<HealthStatus>> = [
  { title: "WEBHEALTH", cell: (check) => check.check },
  { title: "REGION", cell: (check) => check.region },
  { title: "STATE", cell: (check) => check.state, style: (check) => (check.state === "NO_ALARM" ? undefined : stateStyle(check.state)) },
  { title: "DETAIL", cell: (check) => check.detail },
];

/** The table `npm run status` prints. */
export function formatStatus(snapshot: StatusSnapshot, stylize?: Stylize): string {
  const inAlarm = snapshot.targets.filter((target) => target.state === "ALARM").length;
  const noData = snapshot.targets.filter((target) => target.state === "NO_DATA").length;
  const maintenance = snapshot.targets.filter((target) => target.state === "MAINTENANCE");
  const lines = [
    `webhealth ${snapshot.stage} at ${displayTime(snapshot.at)} (${snapshot.homeRegion}): ${snapshot.targets.length} target${snapshot.targets.length === 1 ? "" : "s"}, ${inAlarm} in ALARM, ${noData} without data` +
      (maintenance.length > 0 ? `, ${maintenance.length} in maintenance (${maintenance.map((target) => `${target.name ?? target.url}: ${target.maintenance?.name} until ${displayTime(target.maintenance?.until ?? "")}`).join("; ")})` : ""),
    "",
    ...formatColumns(TARGET_COLUMNS, snapshot.targets.flatMap((target) => targetRows(target)), stylize),
    ...snapshot.notes,
    "",
    ...formatColumns(HEALTH_COLUMNS, snapshot.health, stylize),
  ];
  return `${lines.join("\n")}\n`;
}

export const STATUS_OPTIONS = {
  stack: { type: "string", value: "stage", help: "the stage (Pulumi.<stage>.yaml names its targets, alarms and regions); required" },
  json: { type: "boolean", help: "print the status as one JSON object (one per refresh with --watch)" },
  watch: { type: "string", value: "seconds", help: `refresh every n seconds (default ${DEFAULT_WATCH_SECONDS} when given alone), redrawing in place on a terminal, until Ctrl-C` },
} as const;

/** `--watch` may stand alone: give it its default value before parsing (the parser needs one). */
export function withWatchDefault(argv: readonly string[]): string[] {
  return argv.flatMap((arg, index) => (arg === "--watch" && !/^\d+$/.test(argv[index + 1] ?? "") ? [`--watch=${DEFAULT_WATCH_SECONDS}`] : [arg]));
}

/** Moves the cursor home and clears the screen: each refresh replaces the last on a terminal. */
const CLEAR_SCREEN = "\u001b[H\u001b[2J";

async function runStatus(values: { stack?: string; json?: boolean; watch?: string }, io: CommandIo): Promise<number> {
  if (!values.stack) throw new UsageError("--stack: is required");
  if (!isStageName(values.stack)) throw new UsageError(`--stack: "${values.stack}" is not a valid stage name`);
  const watchSeconds = values.watch === undefined ? undefined : Number(values.watch);
  if (watchSeconds !== undefined && (!/^\d+$/.test(values.watch ?? "") || watchSeconds < 5 || watchSeconds > 3600)) {
    throw new UsageError(`--watch: must be a whole number of seconds from 5 to 3600, got ${JSON.stringify(values.watch)}`);
  }
  const stage = loadStage(values.stack, io.root);
  const readers = await openReaders(stage.config.homeRegion);
  try {
    for (;;) {
      const snapshot = await gatherStatus(stage, readers, io.now(), io.signal);
      const text = values.json ? `${JSON.stringify(snapshot)}\n` : formatStatus(snapshot, (style, text) => paint(io, io.stdout, style, text));
      io.stdout.write(watchSeconds !== undefined && !values.json && io.stdout.isTTY ? CLEAR_SCREEN + text : text);
      if (watchSeconds === undefined) return snapshot.ok ? EXIT.ok : EXIT.failed;
      if (!io.stdout.isTTY && !values.json) io.stdout.write("\n");
      await sleepUnlessAborted(watchSeconds * 1000, io.signal);
      if (io.signal.aborted) return EXIT.interrupted;
    }
  } finally {
    readers.close();
  }
}

export const command = defineCommand({
  name: "status",
  usage: ["--stack <stage> [--json] [--watch [seconds]]"],
  summary:
    "What is down right now: per target its state (OK, ALARM, NO_DATA, MAINTENANCE), firing alarms, availability over the last hour, latest latency and the hour's p50/p90/p99 per probe region, and the last state change in the ledger; then webhealth's own health (probe health per region, function errors, dead letters). Reads with your AWS credentials.",
  options: STATUS_OPTIONS,
  exitCodes: { ok: "everything OK", failed: "anything in ALARM or without data (or a read failed: the reason is on stderr)" },
  notes: [
    "IAM: cloudwatch:DescribeAlarms and cloudwatch:GetMetricData (home and probe regions), dynamodb:Query on the ledger table's byUrl index; with several probe regions also logs:StartQuery on each region's probe log group and logs:GetQueryResults.",
    "With several probe regions, each region's row comes from its probe's log lines (one Logs Insights query per region: billed by the bytes scanned).",
    "A - marks a value without data.",
  ],
  interruptible: true,
  run: ({ values }, io) => runStatus(values, io),
  rewriteArgs: withWatchDefault,
});

if (require.main === module) void command.main(process.argv.slice(2));
