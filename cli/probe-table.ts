/** The readable table `npm run probe` prints without --json. */
import type { EventLoopDelay } from "../functions/probe/loop-delay";
import type { ProbeResult } from "../functions/probe/result";
import type { Style } from "./kit";

/** Colours a cell when the output takes colour (cli/kit.ts `paint`); the identity otherwise. */
export type Stylize = (style: Style, text: string) => string;

const ms = (value: number | null) => (value === null ? "-" : value.toFixed(1));

const COLUMNS: Array<{ title: string; cell: (result: ProbeResult) => string; right?: boolean }> = [
  { title: "URL", cell: (r) => r.url },
  { title: "OK", cell: (r) => (r.skipped ? "skip" : r.ok ? "yes" : "NO") },
  { title: "STATUS", cell: (r) => (r.status === null ? "-" : String(r.status)), right: true },
  { title: "TOTAL", cell: (r) => ms(r.timings.totalMs), right: true },
  { title: "DNS", cell: (r) => ms(r.timings.dnsMs), right: true },
  { title: "CONNECT", cell: (r) => ms(r.timings.connectMs), right: true },
  { title: "TLS", cell: (r) => ms(r.timings.tlsMs), right: true },
  { title: "TTFB", cell: (r) => ms(r.timings.ttfbMs), right: true },
  { title: "TRANSFER", cell: (r) => ms(r.timings.transferMs), right: true },
  { title: "CERT DAYS", cell: (r) => (r.tls ? String(r.tls.daysRemaining) : "-"), right: true },
  { title: "ERROR", cell: (r) => (r.error ? `${r.error.code}: ${r.error.message.split("\n")[0]}` : "") },
];

const OK_COLUMN = COLUMNS.findIndex((column) => column.title === "OK");

/**
 * Columns padded to their widest cell (times in ms), then a one-line tally with the probe's own
 * event-loop delay: timings of a run whose loop stalled are inflated by about that much.
 */
export function formatTable(results: readonly ProbeResult[], loopDelay: EventLoopDelay, stylize: Stylize = (_style, text) => text): string {
  const rows = results.map((result) => COLUMNS.map((column) => column.cell(result)));
  const widths = COLUMNS.map((column, i) => Math.max(column.title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[], result?: ProbeResult) =>
    cells
      .map((cell, i) => {
        const padded = COLUMNS[i].right ? cell.padStart(widths[i]) : i === cells.length - 1 ? cell : cell.padEnd(widths[i]);
        // Colour after padding, so escape codes never count towards a column's width.
        return result && i === OK_COLUMN ? padded.replace(cell, stylize(result.ok ? "green" : result.skipped ? "yellow" : "red", cell)) : padded;
      })
      .join("  ")
      .trimEnd();
  const ok = results.filter((result) => result.ok).length;
  const skipped = results.filter((result) => result.skipped).length;
  const tally = `${results.length} target${results.length === 1 ? "" : "s"}: ${ok} ok, ${results.length - ok - skipped} not ok${skipped ? `, ${skipped} skipped` : ""} (times in ms; event-loop delay p99 ${loopDelay.p99Ms.toFixed(1)})`;
  return [line(COLUMNS.map((column) => column.title)), ...rows.map((row, i) => line(row, results[i])), tally].join("\n") + "\n";
}
