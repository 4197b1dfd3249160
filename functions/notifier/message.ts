/**
 * What a notification says, in words people understand, before any channel formats it: one model
 * (`AlarmMessage`) per alarm state change or reminder, rendered by functions/notifier/render/*.
 * Pure: the facts (probe results, the alarm's previous change) are read elsewhere and passed in.
 */
import { createHash } from "node:crypto";
import type { NotifierRuntimeConfig } from "../common/notifier-config";
import { WEBHEALTH_ALARM_KINDS } from "../common/notifier-config";
import { formatDuration, readableTime } from "../common/time";
import { TARGET_METRICS } from "../common/metrics";
import { regionsOfDatapoint, type AlarmEvent } from "./alarm";
import { probeResultsQuery, RESULT_WINDOW_MINUTES, type ResultSummary } from "./probe-results";

export type Severity = "critical" | "error" | "warning" | "info";
export type MessageType = "alarm" | "recovery" | "reminder";

export interface Link {
  label: string;
  url: string;
}

export interface AlarmMessage {
  type: MessageType;
  stage: string;
  alarmName: string;
  kind: AlarmEvent["kind"];
  state: AlarmEvent["state"];
  previousState: AlarmEvent["previousState"];
  changedAt: string;
  severity: Severity;
  /** About webhealth itself (probe health, dead letters, deployments), not a monitored site. */
  aboutWebhealth: boolean;
  /** `wikipedia is down`, `webhealth needs attention: ...` */
  title: string;
  /** One sentence that says what is wrong (or that it is fixed). */
  summary: string;
  /** Further lines: per region what failed, since when, how long. */
  details: string[];
  target?: { name: string; url: string };
  /** The regions seeing the problem (quorum and single-region alarms alike). */
  regions: string[];
  failingSince?: string;
  lastOkAt?: string;
  /** Recovery and reminders: how long the alarm has been (or was) in ALARM. */
  downForSeconds?: number;
  reminder?: { count: number };
  /** CloudWatch's own reason, verbatim. */
  reason: string;
  links: Link[];
  /** Stable per alarm: PagerDuty's dedup_key (trigger and resolve of the same alarm share it). */
  dedupKey: string;
}

export interface MessageFacts {
  /** Per probe region, the latest results of the target (per-target alarms only). */
  results?: ResultSummary[];
  /** Recovery or reminder: when the alarm went into ALARM (from the ledger). */
  alarmSince?: string;
  /** The time of the message (epoch ms): reminders measure from it. */
  now: number;
  reminder?: { count: number };
  /** A deferred delivery: why it is sent late. */
  note?: string;
}

/** PagerDuty allows 255 characters. https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ */
export const MAX_DEDUP_KEY_LENGTH = 255;

/**
 * The first `max` UTF-16 units of a text (what JavaScript, JSON and these services count), never
 * ending in half of a character: an alarm name in a 4-byte script cut mid-pair would carry a lone
 * surrogate, which no service can show.
 */
export function truncateUnits(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

export function dedupKeyOf(alarmName: string): string {
  const key = `webhealth:${alarmName}`;
  if (key.length <= MAX_DEDUP_KEY_LENGTH) return key;
  const hash = createHash("sha256").update(alarmName).digest("hex").slice(0, 16);
  return `${truncateUnits(key, MAX_DEDUP_KEY_LENGTH - 17)}#${hash}`;
}

/** The console's Logs Insights link encoding (`*` for `%`, and `~ ' ( ) ! *` escaped too). Not a documented API:
 * written to match the links the console itself produces. */
function consoleEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[~'()!*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%/g, "*");
}

export function logsInsightsUrl(region: string, logGroupName: string, query: string, windowMinutes = RESULT_WINDOW_MINUTES): string {
  const detail = `~(end~0~start~-${windowMinutes * 60}~timeType~'RELATIVE~unit~'seconds~editorString~'${consoleEncode(query)}~source~(~'${consoleEncode(logGroupName)}))`;
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:logs-insights$3FqueryDetail$3D${detail}`;
}

function thousands(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function severityOf(event: AlarmEvent): Severity {
  if (event.state === "OK") return "info";
  switch (event.kind) {
    case "availability":
      return "critical";
    case "latency":
    case "certificate":
      return "warning";
    case "burn-rate":
      return "critical";
    default:
      return "error";
  }
}

function failureText(summary: ResultSummary): string {
  const failure = summary.latestFailure;
  if (!failure) return `${summary.region}: passing (last result ${readableTime(summary.latest!.at)})`;
  const what = failure.errorCode ? `${failure.errorCode}: ${failure.errorMessage ?? ""}`.trim() : failure.status !== null ? `HTTP ${failure.status}` : "failed";
  return `${summary.region}: ${what} (${readableTime(failure.at)})`;
}

/** Lines about the latest results, and the failing-since / last-good facts across regions. */
function resultFacts(results: readonly ResultSummary[] | undefined, latencyMs: number | undefined) {
  const lines: string[] = [];
  let failingSince: string | undefined;
  let lastOkAt: string | undefined;
  let wholeWindow = false;
  for (const summary of results ?? []) {
    if (summary.error) {
      lines.push(`${summary.region}: latest results unavailable (${summary.error})`);
      continue;
    }
    if (!summary.latest) {
      lines.push(`${summary.region}: no probe result in the last ${RESULT_WINDOW_MINUTES} minutes (is the probe running?)`);
      continue;
    }
    if (latencyMs !== undefined && summary.latest.ok) {
      const took = summary.latest.totalMs;
      lines.push(`${summary.region}: ${took === null || took === undefined ? "no timing" : `${thousands(took)} ms`} against the ${thousands(latencyMs)} ms threshold (${readableTime(summary.latest.at)})`);
    } else {
      lines.push(failureText(summary));
    }
    if (summary.failingSince && (!failingSince || summary.failingSince < failingSince)) failingSince = summary.failingSince;
    if (summary.lastOkAt && (!lastOkAt || summary.lastOkAt > lastOkAt)) lastOkAt = summary.lastOkAt;
    if (summary.failingWholeWindow) wholeWindow = true;
  }
  return { lines, failingSince, lastOkAt, wholeWindow };
}

function webhealthTitle(event: AlarmEvent): { title: string; summary: string } {
  const subject = event.info?.subject ?? event.alarmName;
  switch (event.kind) {
    case "probe-health":
      return {
        title: `webhealth needs attention: the probe in ${subject} is not probing every target`,
        summary: `The probe in ${subject} did not report every target (errors, timeouts, skipped targets or no runs at all): alarms on the sites it checks may be wrong until it does.`,
      };
    case "dead-letters":
      return {
        title: `webhealth needs attention: messages are waiting in ${subject}`,
        summary: subject.includes("notifier")
          ? `The notifier could not deliver some notifications: people may not have been told about an alarm. Read the messages in ${subject}.`
          : `The recorder could not store some alarm notifications in the ledger. Read the messages in ${subject}.`,
      };
    case "function-errors":
      return { title: `webhealth needs attention: ${subject}:live raised errors`, summary: `${subject}:live raised errors. During a deployment CodeDeploy rolls back on this alarm.` };
    case "function-duration":
      return { title: `webhealth needs attention: ${subject}:live ran close to its timeout`, summary: `${subject}:live ran close to its timeout. During a deployment CodeDeploy rolls back on this alarm.` };
    default:
      return { title: `${event.alarmName} is in ${event.state}`, summary: event.description ?? event.reason };
  }
}

/** The time a single-region latency alarm quotes: the datapoint of a mean-latency alarm (the layout before), else the latest result's. */
function observedMs(event: AlarmEvent, results: readonly ResultSummary[] | undefined): number | undefined {
  // A `Check` alarm's datapoint is a percent of slow checks, not a time.
  if (event.metricName === TARGET_METRICS.check) {
    const times = (results ?? []).map((summary) => summary.latest?.totalMs).filter((ms): ms is number => typeof ms === "number");
    return times.length > 0 ? Math.max(...times) : undefined;
  }
  return event.observed.length > 0 ? Math.max(...event.observed) : undefined;
}

function targetTitle(event: AlarmEvent, name: string, regionsFailing: number, totalRegions: number, tookMs?: number): { title: string; summary: string } {
  const quorum = totalRegions > 1;
  const from = quorum ? ` from ${regionsFailing || "several"} of ${totalRegions} regions` : "";
  const url = event.info?.url ?? "";
  if (event.state === "OK") {
    switch (event.kind) {
      case "latency":
        return { title: `${name} is fast again`, summary: `${url} answers within its latency threshold again.` };
      case "certificate":
        return { title: `${name}'s TLS certificate is renewed`, summary: `The TLS certificate of ${url} is valid for long enough again.` };
      case "burn-rate":
        return { title: `${name} no longer burns its error budget too fast`, summary: `${url} fails few enough checks again to keep within its SLO.` };
      default:
        return { title: `${name} is back up`, summary: `${url} passes its checks again.` };
    }
  }
  switch (event.kind) {
    case "latency": {
      const threshold = event.info?.latencyMs;
      const observed = !quorum && tookMs !== undefined ? ` (observed ${thousands(tookMs)} ms` + (threshold ? ` against the ${thousands(threshold)} ms threshold)` : ")") : "";
      return { title: `${name} is slow`, summary: `${url} is slower than ${threshold ? `${thousands(threshold)} ms` : "its threshold"}${from}${observed}.` };
    }
    case "certificate": {
      const days = event.observed.length > 0 ? Math.min(...event.observed) : undefined;
      return {
        title: `${name}'s TLS certificate expires soon`,
        summary: `The TLS certificate of ${url} expires in ${days === undefined ? "less than" : `${Math.floor(days)} days, less than`} ${event.threshold ?? "the threshold of"} days.`,
      };
    }
    case "burn-rate":
      return {
        title: `${name} is burning its error budget too fast`,
        summary: `${url} fails enough checks to spend its SLO's error budget long before the SLO window ends${event.description ? ` (${event.description})` : ""}.`,
      };
    default:
      return { title: `${name} is down`, summary: `${url} fails its checks${from}.` };
  }
}

export function buildMessage(event: AlarmEvent, config: NotifierRuntimeConfig, facts: MessageFacts): AlarmMessage {
  const aboutWebhealth = (WEBHEALTH_ALARM_KINDS as readonly string[]).includes(event.kind);
  const target = event.info?.url ? { name: event.info.targetName ?? event.info.url, url: event.info.url } : undefined;
  const results = resultFacts(facts.results, event.kind === "latency" ? event.info?.latencyMs : undefined);
  const failingRegions = (facts.results ?? []).filter((summary) => summary.latestFailure || (event.kind === "latency" && summary.latest)).map((summary) => summary.region);
  const quorum = event.regions.length > 1;
  // A quorum alarm's datapoint says how many regions agree (a percent of the period's checks, or a count).
  const regionsFailing = quorum && event.observed.length > 0 ? regionsOfDatapoint(event, event.observed[0]) : failingRegions.length;
  const type: MessageType = facts.reminder ? "reminder" : event.state === "OK" ? "recovery" : "alarm";
  const heading = target && !aboutWebhealth ? targetTitle(event, target.name, regionsFailing, event.regions.length, observedMs(event, facts.results)) : webhealthTitle(event);

  const details: string[] = [];
  let downForSeconds: number | undefined;
  if (type === "recovery" && facts.alarmSince) {
    downForSeconds = Math.floor((Date.parse(event.changedAt) - Date.parse(facts.alarmSince)) / 1000);
    details.push(`In ALARM for ${formatDuration(downForSeconds * 1000)} (since ${readableTime(facts.alarmSince)}).`);
  }
  if (type === "reminder") {
    const since = facts.alarmSince ?? event.changedAt;
    downForSeconds = Math.floor((facts.now - Date.parse(since)) / 1000);
    details.push(`Still in ALARM after ${formatDuration(downForSeconds * 1000)} (since ${readableTime(since)}); reminder ${facts.reminder!.count}.`);
  }
  if (facts.note) details.push(facts.note);
  if (type !== "recovery" && target && !aboutWebhealth) {
    if (quorum) details.push(`Regions: ${event.regions.join(", ")}${failingRegions.length > 0 ? `; failing now: ${failingRegions.join(", ")}` : ""}.`);
    details.push(...results.lines);
    if (results.failingSince) details.push(`Failing since ${readableTime(results.failingSince)}${results.wholeWindow ? ` or earlier (no passing result in the last ${RESULT_WINDOW_MINUTES} minutes)` : ""}.`);
    else if (results.wholeWindow) details.push(`No passing result in the last ${RESULT_WINDOW_MINUTES} minutes.`);
    if (results.lastOkAt) details.push(`Last good result: ${readableTime(results.lastOkAt)}.`);
  }
  if (aboutWebhealth || !target) details.push(`CloudWatch: ${event.reason}`);

  const links: Link[] = [{ label: "Dashboard", url: config.dashboardUrl }];
  if (target) {
    for (const group of config.probeLogGroups) links.push({ label: `Probe results (${group.region})`, url: logsInsightsUrl(group.region, group.logGroupName, probeResultsQuery(target.url)) });
  }
  if (event.info?.runbookUrl) links.push({ label: "Runbook", url: event.info.runbookUrl });

  return {
    type,
    stage: config.stage,
    alarmName: event.alarmName,
    kind: event.kind,
    state: event.state,
    previousState: event.previousState,
    changedAt: event.changedAt,
    severity: severityOf(event),
    aboutWebhealth,
    title: heading.title,
    summary: heading.summary,
    details,
    ...(target ? { target } : {}),
    regions: quorum ? event.regions : failingRegions.length > 0 ? failingRegions : event.regions,
    ...(results.failingSince ? { failingSince: results.failingSince } : {}),
    ...(results.lastOkAt ? { lastOkAt: results.lastOkAt } : {}),
    ...(downForSeconds !== undefined ? { downForSeconds } : {}),
    ...(facts.reminder ? { reminder: facts.reminder } : {}),
    reason: event.reason,
    links,
    dedupKey: dedupKeyOf(event.alarmName),
  };
}

/** `ALARM`, `OK`, `STILL ALARM` (a reminder) as the first words of subjects and titles. */
export function stateLabel(message: AlarmMessage): string {
  return message.type === "reminder" ? "STILL ALARM" : message.state;
}
