/** The readable table `npm run probe` prints without --json. */
import type { EventLoopDelay } from "../functions/probe/loop-delay";
import type { ProbeResult } from "../functions/probe/result";

const ms = (value: number | null) => (value === null ? "-" : value.toFixed(1));

const COLUMNS: Array<{ title: string; cell: (result: ProbeResult) => string; right?: boolean }> = [
  { title: "URL", cell: (r) => r.url },
  { title: "NAME", cell: (r) => r.name ?? "-" },
  { title: "OK", cell: (r) => (r.skipped ? "skip" : r.ok ? "yes" : "NO") },
  { title: "STATUS", cell: (r) => (r.status === null ? "-" : String(r.status)), right: true },
  { title: "TOTAL", cell: (r) => ms(r.timings.totalMs), right: true },
  { title: "DNS", cell: (r) => ms(r.timings.dnsMs), right: true },
  { title: "CONNECT", cell: (r) => ms(r.timings.connectMs), right: true },
  { title: "TLS", cell: (r) => ms(r.timings.tlsMs), right: true },
  { title: "TTFB", cell: (r) => ms(r.timings.ttfbMs), right: true },
  { title: "TRANSFER", cell: (r) => ms(r.timings.transferMs), right: true },
  { title: "CERT DAYS", cell: (r) => (r.tls ? String(r.tls.daysRemaining) : "-"), right: true },
  { title: "REDIRECTS", cell: (r) => String(r.redirects), right: true },
  { title: "ATTEMPTS", cell: (r) => String(r.attempts), right: true },
  { title: "WARNINGS", cell: (r) => (r.warnings.length > 0 ? r.warnings.join(",") : "-") },
  { title: "ERROR", cell: (r) => (r.error ? `${r.error.code}: ${r.error.message.split("\n")[0]}` : "") },
];

/**
 * Columns padded to their widest cell (times in ms), then a one-line tally with the probe's own
 * event-loop delay: timings of a run whose loop stalled are inflated by about that much.
 */
export function formatTable(results: readonly ProbeResult[], loopDelay: EventLoopDelay): string {
  const rows = results.map((result) => COLUMNS.map((column) => column.cell(result)));
  const widths = COLUMNS.map((column, i) => Math.max(column.title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (COLUMNS[i].right ? cell.padStart(widths[i]) : i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const ok = results.filter((result) => result.ok).length;
  const skipped = results.filter((result) => result.skipped).length;
  const warned = results.filter((result) => result.warnings.length > 0).length;
  const tally =
    `${results.length} target${results.length === 1 ? "" : "s"}: ${ok} ok, ${results.length - ok - skipped} not ok${skipped ? `, ${skipped} skipped` : ""}` +
    `${warned ? `, ${warned} with warnings` : ""} (times in ms; event-loop delay p99 ${loopDelay.p99Ms.toFixed(1)})`;
  return [line(COLUMNS.map((column) => column.title)), ...rows.map(line), tally].join("\n") + "\n";
}
