/** Text output of `npm run alarms`: the state changes, then time in ALARM per URL. */
import { summarizeDelivery } from "../functions/common/delivery";
import type { LedgerItem } from "../functions/common/ledger";
import { formatDuration, type UrlAlarmTime, type Window } from "./alarms-report";
import type { Style } from "./kit";
import { formatColumns, formatRows, type Column, type Stylize } from "./table";

/** Shown for an alarm without a `Url` dimension (the probe-health alarm). */
export const NO_URL = "-";

/** `2026-11-26T10:03:41.123Z` -> `2026-11-26T10:03:41Z`. */
export function displayTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z");
}

/** The colour of a state: ALARM red, OK green, INSUFFICIENT_DATA yellow. */
export function stateStyle(state: string): Style {
  return state === "ALARM" ? "red" : state === "OK" ? "green" : "yellow";
}

/**
 * DELIVERY: what the notifier did about the change (functions/common/delivery.ts), `-` without a
 * record; a change the recorder marked as during maintenance says so even without one
 * (`- (maintenance: saturday-deploys)`: the notifier did not run, or not yet).
 */
export function deliveryCell(item: Pick<LedgerItem, "delivery" | "maintenance">): string {
  if (!item.delivery && item.maintenance) return `${summarizeDelivery(undefined)} (maintenance: ${item.maintenance})`;
  return summarizeDelivery(item.delivery);
}

/** The state changes, one row each. */
export function changesTable(items: LedgerItem[], stylize?: Stylize): string[] {
  const columns: Array<Column<LedgerItem>> = [
    { title: "TIME", cell: (item) => displayTime(item.changedAt) },
    { title: "URL", cell: (item) => item.url ?? NO_URL },
    { title: "ALARM", cell: (item) => item.alarmName },
    { title: "CHANGE", cell: (item) => `${item.oldState} -> ${item.newState}`, style: (item) => stateStyle(item.newState) },
    { title: "DELIVERY", cell: deliveryCell },
    { title: "REASON", cell: (item) => item.reason },
  ];
  return formatColumns(columns, items, stylize);
}

export function percentOf(part: number, whole: number): string {
  return `${((part / whole) * 100).toFixed(2)}%`;
}

export function alarmTimeReport(rows: UrlAlarmTime[], window: Window): string[] {
  const length = window.end - window.start;
  const title = `Time in ALARM per URL, ${displayTime(new Date(window.start).toISOString())} to ${displayTime(new Date(window.end).toISOString())} (${formatDuration(length)}):`;
  return [
    title,
    ...formatRows([
      ["URL", "IN ALARM", "OF WINDOW", "INCIDENTS"],
      ...rows.map((row) => [row.url ?? NO_URL, formatDuration(row.alarmMs), percentOf(row.alarmMs, length), String(row.incidents)]),
    ]),
  ];
}
