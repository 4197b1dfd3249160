/**
 * The figures of `npm run report` for a window (README "Status and reports" documents the method):
 * - uptime = successful checks / checks, from the availability data of every probe region
 *   (infra/plan/availability.ts), per target and per day (24-hour buckets from the window start);
 * - the SLO: the target's objective (`slo`, else `webhealth:slo.objective`, default 99.9%) met when
 *   uptime >= objective; the error budget is the failures the objective allows in the window,
 *   (1 - objective) x checks: used = failures / budget, left = 1 - used (negative once overspent);
 * - cross-checked with the ledger: the time the target's availability alarm spent in ALARM, and
 *   each incident (a separate period in ALARM of its availability, latency or burn-rate alarm,
 *   overlaps merged as `npm run alarms` merges them; not the certificate alarm, which warns days
 *   ahead) with its start, end, duration and cause (the alarms that fired and the first reason);
 * - latency percentiles (p50, p90, p99) per day, of every probe region's checks together (the `Check` metric has no Region dimension).
 */
import type { LedgerItem } from "../functions/common/ledger";
import { targetObjective } from "../infra/plan/slo";
import { alarmIntervals } from "./alarms-report";
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
  type Tally,
} from "../infra/plan/availability";
import { getMetricData, readLedgerRange, type Readers, type Stage } from "./stage-data";

const DAY_MS = 86_400_000;
/** As `npm run alarms`: the ledger is read this far before the window to know each alarm's state at its start. */
const LOOKBACK_MS = 30 * DAY_MS;

export interface DayFigures {
  /** The bucket's start, ISO. */
  day: string;
  checks: number;
  successes: number;
  uptime: number | null;
  latency: Array<{ region: string; p50: number | null; p90: number | null; p99: number | null }>;
}

export interface Incident {
  start: string;
  end: string;
  durationMs: number;
  /** Still in ALARM at the window's end. */
  ongoing: boolean;
  /** The alarms in ALARM during the incident, in the order they fired. */
  alarms: string[];
  /** The reason of the first change into ALARM. */
  reason: string;
}

export interface TargetReport {
  name: string | null;
  url: string;
  /** Percent, e.g. 99.9. */
  objective: number;
  checks: number;
  failures: number;
  uptime: number | null;
  met: boolean | null;
  budget: { allowedFailures: number; used: number | null; left: number | null };
  ledgerAlarmMs: number;
  incidents: Incident[];
  days: DayFigures[];
}

export interface Report {
  stage: string;
  since: string;
  until: string;
  targets: TargetReport[];
}

const round = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? null : Math.round(value * 10) / 10);

/** Incidents of one URL in the window: its alarms' ALARM periods, merged where they overlap or touch. */
export function incidentsOf(items: LedgerItem[], start: number, end: number): { incidents: Incident[]; alarmMs: number } {
  const byAlarm = new Map<string, LedgerItem[]>();
  for (const item of items) byAlarm.set(item.alarmName, [...(byAlarm.get(item.alarmName) ?? []), item]);
  const periods: Array<{ start: number; end: number; alarm: string; reason: string }> = [];
  for (const [alarm, changes] of byAlarm) {
    for (const [from, to] of alarmIntervals(changes, { start, end }) ?? []) {
      const fired = changes.filter((change) => change.newState === "ALARM" && Date.parse(change.changedAt) <= from).sort((a, b) => b.changedAt.localeCompare(a.changedAt))[0];
      periods.push({ start: from, end: to, alarm, reason: fired?.reason ?? "" });
    }
  }
  periods.sort((a, b) => a.start - b.start || a.alarm.localeCompare(b.alarm));
  const merged: Array<{ start: number; end: number; parts: typeof periods }> = [];
  for (const period of periods) {
    const current = merged[merged.length - 1];
    if (current && period.start <= current.end) {
      current.end = Math.max(current.end, period.end);
      current.parts.push(period);
    } else merged.push({ start: period.start, end: period.end, parts: [period] });
  }
  const incidents = merged.map((incident) => ({
    start: new Date(incident.start).toISOString(),
    end: new Date(incident.end).toISOString(),
    durationMs: incident.end - incident.start,
    ongoing: incident.end === end && incident.parts.some((part) => part.end === end),
    alarms: [...new Set(incident.parts.map((part) => part.alarm))],
    reason: incident.parts[0].reason,
  }));
  return { incidents, alarmMs: incidents.reduce((total, incident) => total + incident.durationMs, 0) };
}

/**
 * What a ledger item's alarm measures: its kind in the stage's plan, else (an alarm of an older
 * plan, e.g. before a target was renamed) the kind its name ends with (`-availability`, ...).
 */
export function alarmKinds(stage: Pick<Stage, "alarms" | "plan">): (item: Pick<LedgerItem, "alarmName">) => string | undefined {
  const planned = new Map<string, string>([...stage.alarms, ...stage.plan.burnRateAlarms].map((alarm) => [alarm.alarmName, alarm.kind]));
  return (item) => planned.get(item.alarmName) ?? /-(availability|latency|certificate|burn-rate)$/.exec(item.alarmName)?.[1];
}

/** Reads the window's availability and latency data and the ledger, and computes the report. */
export async function gatherReport(stage: Stage, readers: Readers, since: number, until: number): Promise<Report> {
  const { config } = stage;
  const queries: MetricQuery[] = [];
  const ids = new Map<string, string>();
  const add = (key: string, metricName: string, dimensions: MetricQuery["MetricStat"]["Metric"]["Dimensions"], stat: string) => {
    const id = `q${ids.size}`;
    ids.set(key, id);
    queries.push(metricQuery(id, config.namespace, metricName, dimensions, stat, DAY_MS / 1000));
  };
  config.targets.forEach((target, t) =>
    targetSeries(config, target.url).forEach((series, s) => {
      add(`${t}/${s}/checks`, AVAILABILITY_METRIC, series.dimensions, CHECKS_STAT);
      add(`${t}/${s}/passed`, AVAILABILITY_METRIC, series.dimensions, PASSED_PERCENT_STAT);
      for (const percentile of LATENCY_PERCENTILES) add(`${t}/${s}/${percentile}`, LATENCY_METRIC, series.dimensions, percentile);
    }),
  );
  const data = await getMetricData(readers.cloudWatch(config.homeRegion), queries, since, until);
  // CloudWatch rounds StartTime down (to the minute, 5 minutes or the hour, by its age) and starts
  // its periods there, so a datapoint's timestamp is its day's start less up to an hour: each one
  // belongs to the day bucket nearest to it (by index from `since`), not to an exact timestamp.
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
  const series = (key: string) => new Map((data.get(ids.get(key) ?? "") ?? []).map(([time, value]) => [Math.round((time - since) / DAY_MS), value]));
  const ledger = await readLedgerRange(readers.ledger, stage.tableName, since - LOOKBACK_MS, until);

  const dayStarts: number[] = [];
  for (let day = since; day < until; day += DAY_MS) dayStarts.push(day);

  const alarmKindOf = alarmKinds(stage);
  const targets = config.targets.map((target, t): TargetReport => {
    const allSeries = targetSeries(config, target.url);
    const days = dayStarts.map((day, d): DayFigures => {
      const tallies: Tally[] = allSeries.map((_, s) => tallyOf(series(`${t}/${s}/checks`).get(d) ?? 0, series(`${t}/${s}/passed`).get(d)));
      const total = addTallies(tallies);
      return {
        day: new Date(day).toISOString(),
        checks: total.checks,
        successes: total.successes,
        uptime: availabilityOf(total) ?? null,
        latency: allSeries.map((one, s) => ({
          region: one.region ?? "all",
          p50: round(latencyOf(series(`${t}/${s}/p50`).get(d))),
          p90: round(latencyOf(series(`${t}/${s}/p90`).get(d))),
          p99: round(latencyOf(series(`${t}/${s}/p99`).get(d))),
        })),
      };
    });
    const total = addTallies(days);
    const objective = targetObjective(config, target);
    const failures = total.checks - total.successes;
    const allowedFailures = (1 - objective / 100) * total.checks;
    const uptime = availabilityOf(total) ?? null;
    const used = total.checks > 0 ? failures / allowedFailures : null;
    // By URL, and by name for the burn-rate alarm (a composite alarm's notification names no metric, so its item has no URL).
    const burnRate = new Set(stage.plan.burnRateAlarms.filter((alarm) => alarm.url === target.url).map((alarm) => alarm.alarmName));
    const items = ledger.filter((item) => item.url === target.url || burnRate.has(item.alarmName));
    // Incidents: the site down, slow or burning its budget. The certificate alarm warns of an expiry
    // days ahead and can stay in ALARM for days: it would swallow every incident in that time.
    const { incidents } = incidentsOf(
      items.filter((item) => alarmKindOf(item) !== "certificate"),
      since,
      until,
    );
    // The cross-check of uptime: the time the availability alarm (the site down) spent in ALARM.
    const { alarmMs } = incidentsOf(
      items.filter((item) => alarmKindOf(item) === "availability"),
      since,
      until,
    );
    return {
      name: target.name ?? null,
      url: target.url,
      objective,
      checks: total.checks,
      failures,
      uptime,
      met: uptime === null ? null : uptime * 100 >= objective - 1e-9,
      budget: { allowedFailures, used, left: used === null ? null : 1 - used },
      ledgerAlarmMs: alarmMs,
      incidents,
      days,
    };
  });
  return { stage: config.stage, since: new Date(since).toISOString(), until: new Date(until).toISOString(), targets };
}
