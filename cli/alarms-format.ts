/** Text output of `npm run alarms`: the state changes, then time in ALARM per URL. */
import { summarizeDelivery } from "../functions/common/delivery";
import type { LedgerItem } from "../functions/common/ledger";
import { formatDuration, type UrlAlarmTime, type Window } from "./alarms-report";

/** Shown for an alarm without a `Url` dimension (the probe-health alarm). */
export const NO_URL = "-";

/** `2026-11-26T10:03:41.123Z` -> `2026-11-26T10:03:41Z`. */
export function displayTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z");
}

/** Left-aligned columns two spaces apart; the last column is not padded (reasons are long). */
export function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, index) => Math.max(...rows.map((row) => row[index].length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]))).join("  ").trimEnd());
}

/** DELIVERY: what the notifier did about the change (functions/common/delivery.ts), `-` without a record. */
export function changesTable(items: LedgerItem[]): string[] {
  return columns([
    ["TIME", "URL", "ALARM", "CHANGE", "DELIVERY", "REASON"],
    ...items.map((item) => [displayTime(item.changedAt), item.url ?? NO_URL, item.alarmName, `${item.oldState} -> ${item.newState}`, summarizeDelivery(item.delivery), item.reason]),
  ]);
}

export function percentOf(part: number, whole: number): string {
  return `${((part / whole) * 100).toFixed(2)}%`;
}

export function alarmTimeReport(rows: UrlAlarmTime[], window: Window): string[] {
  const length = window.end - window.start;
  const title = `Time in ALARM per URL, ${displayTime(new Date(window.start).toISOString())} to ${displayTime(new Date(window.end).toISOString())} (${formatDuration(length)}):`;
  return [
    title,
    ...columns([
      ["URL", "IN ALARM", "OF WINDOW", "INCIDENTS"],
      ...rows.map((row) => [row.url ?? NO_URL, formatDuration(row.alarmMs), percentOf(row.alarmMs, length), String(row.incidents)]),
    ]),
  ];
}
