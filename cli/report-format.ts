/** `npm run report` as a table, CSV or JSON (the HTML page is cli/report-html.ts). */
import { formatDuration } from "./alarms-report";
import { displayTime } from "./alarms-format";
import type { Report, TargetReport } from "./report-data";
import { formatColumns, type Column, type Stylize } from "./table";

export const REPORT_FORMATS = ["table", "json", "csv", "html"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const percent = (fraction: number | null, digits = 3) => (fraction === null ? "-" : `${(fraction * 100).toFixed(digits)}%`);
const value = (ms: number | null) => (ms === null ? "-" : String(ms));
export const targetLabel = (target: TargetReport) => target.name ?? target.url;

const SUMMARY: Array<Column<TargetReport>> = [
  { title: "TARGET", cell: (target) => targetLabel(target) },
  { title: "URL", cell: (target) => target.url },
  { title: "UPTIME", cell: (target) => percent(target.uptime), align: "right" },
  { title: "SLO", cell: (target) => `${target.objective}%`, align: "right" },
  { title: "MET", cell: (target) => (target.met === null ? "-" : target.met ? "yes" : "NO"), style: (target) => (target.met === false ? "red" : target.met ? "green" : undefined) },
  { title: "BUDGET USED", cell: (target) => percent(target.budget.used, 2), align: "right" },
  { title: "BUDGET LEFT", cell: (target) => percent(target.budget.left, 2), align: "right" },
  { title: "CHECKS", cell: (target) => String(target.checks), align: "right" },
  { title: "FAILED", cell: (target) => String(target.failures), align: "right" },
  { title: "IN ALARM", cell: (target) => formatDuration(target.ledgerAlarmMs), align: "right" },
  { title: "INCIDENTS", cell: (target) => String(target.incidents.length), align: "right" },
];

export function formatReportTable(report: Report, stylize?: Stylize): string {
  const window = `${displayTime(report.since)} to ${displayTime(report.until)} (${formatDuration(Date.parse(report.until) - Date.parse(report.since))})`;
  const incidents = report.targets.flatMap((target) => target.incidents.map((incident) => ({ target, incident })));
  const days = report.targets.flatMap((target) => target.days.flatMap((day) => day.latency.map((latency) => ({ target, day, latency }))));
  const lines = [
    `Report for ${report.stage}, ${window}`,
    "",
    ...formatColumns(SUMMARY, report.targets, stylize),
    "",
    "Incidents (from the ledger):",
    ...(incidents.length === 0
      ? ["none"]
      : formatColumns(
          [
            { title: "TARGET", cell: (row) => targetLabel(row.target) },
            { title: "START", cell: (row) => displayTime(row.incident.start) },
            { title: "END", cell: (row) => (row.incident.ongoing ? "(ongoing)" : displayTime(row.incident.end)) },
            { title: "DURATION", cell: (row) => formatDuration(row.incident.durationMs), align: "right" },
            { title: "CAUSE", cell: (row) => `${row.incident.alarms.join(", ")}: ${row.incident.reason}` },
          ],
          incidents,
          stylize,
        )),
    "",
    "Per day (latency in ms):",
    ...formatColumns(
      [
        { title: "TARGET", cell: (row) => targetLabel(row.target) },
        { title: "DAY", cell: (row) => displayTime(row.day.day) },
        { title: "UPTIME", cell: (row) => percent(row.day.uptime), align: "right" },
        { title: "CHECKS", cell: (row) => String(row.day.checks), align: "right" },
        { title: "REGION", cell: (row) => row.latency.region },
        { title: "P50", cell: (row) => value(row.latency.p50), align: "right" },
        { title: "P90", cell: (row) => value(row.latency.p90), align: "right" },
        { title: "P99", cell: (row) => value(row.latency.p99), align: "right" },
      ],
      days,
      stylize,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
function csvField(field: string | number | boolean | null): string {
  const text = field === null ? "" : String(field);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_HEADER = ["stage", "target", "url", "day", "region", "checks", "successes", "uptime", "objective", "p50_ms", "p90_ms", "p99_ms"];

/** One row per target, day and probe region: what a spreadsheet wants. */
export function formatReportCsv(report: Report): string {
  const rows = report.targets.flatMap((target) =>
    target.days.flatMap((day) =>
      day.latency.map((latency) => [report.stage, targetLabel(target), target.url, day.day, latency.region, day.checks, day.successes, day.uptime, target.objective, latency.p50, latency.p90, latency.p99]),
    ),
  );
  return [CSV_HEADER, ...rows].map((row) => row.map(csvField).join(",")).join("\r\n") + "\r\n";
}

export function formatReportJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
