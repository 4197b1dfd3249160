/**
 * Time in ALARM per URL over a window, from the ledger's state changes (pure, no I/O).
 *
 * For each alarm, the state at the window start is the new state of its last change at or before
 * the start (the caller reads a look-back period before the window for this), or else the old
 * state of its first change inside the window (every notification carries `OldStateValue`).
 * An alarm with neither is unknown and left out. A URL is in ALARM while any of its alarms is
 * (availability, latency, quorum...): overlapping periods count once.
 */

export interface StateChange {
  alarmName: string;
  url?: string;
  changedAt: string;
  oldState: string;
  newState: string;
}

export interface Window {
  start: number;
  end: number;
}

export interface UrlAlarmTime {
  /** Undefined for alarms without a `Url` dimension (the probe-health alarm). */
  url?: string;
  alarmMs: number;
  /** Separate periods in ALARM (overlapping alarms merged), including one already running at the start. */
  incidents: number;
}

type Interval = [number, number];

/** The periods one alarm spent in ALARM inside the window; `undefined` if its state is unknown. */
export function alarmIntervals(changes: StateChange[], window: Window): Interval[] | undefined {
  const sorted = [...changes].sort((a, b) => a.changedAt.localeCompare(b.changedAt));
  const before = sorted.filter((change) => Date.parse(change.changedAt) <= window.start);
  const inside = sorted.filter((change) => {
    const at = Date.parse(change.changedAt);
    return at > window.start && at < window.end;
  });
  let state = before.length > 0 ? before[before.length - 1].newState : inside[0]?.oldState;
  if (state === undefined) return undefined;
  const intervals: Interval[] = [];
  let since = window.start;
  for (const change of inside) {
    const at = Date.parse(change.changedAt);
    if (state === "ALARM" && change.newState !== "ALARM") intervals.push([since, at]);
    if (state !== "ALARM" && change.newState === "ALARM") since = at;
    state = change.newState;
  }
  if (state === "ALARM") intervals.push([since, window.end]);
  return intervals;
}

/** Merges overlapping or touching intervals. */
function union(intervals: Interval[]): Interval[] {
  const merged: Interval[] = [];
  for (const [start, end] of [...intervals].sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** Rows sorted by time in ALARM (most first), then URL; the row without a URL last among equals. */
export function timeInAlarmByUrl(changes: StateChange[], window: Window): UrlAlarmTime[] {
  const byAlarm = new Map<string, StateChange[]>();
  for (const change of changes) byAlarm.set(change.alarmName, [...(byAlarm.get(change.alarmName) ?? []), change]);
  const byUrl = new Map<string | undefined, Interval[]>();
  for (const alarmChanges of byAlarm.values()) {
    const intervals = alarmIntervals(alarmChanges, window);
    if (intervals === undefined) continue;
    // An alarm's URL does not change; the newest item names it.
    const url = alarmChanges.reduce((newest, change) => (change.changedAt > newest.changedAt ? change : newest)).url;
    byUrl.set(url, [...(byUrl.get(url) ?? []), ...intervals]);
  }
  return [...byUrl.entries()]
    .map(([url, intervals]) => {
      const merged = union(intervals);
      return { url, alarmMs: merged.reduce((total, [start, end]) => total + (end - start), 0), incidents: merged.length };
    })
    .sort((a, b) => b.alarmMs - a.alarmMs || (a.url ?? "\uffff").localeCompare(b.url ?? "\uffff"));
}

/** Durations read the same in `npm run alarms` and in the notifier's messages. */
export { formatDuration } from "../functions/common/time";
