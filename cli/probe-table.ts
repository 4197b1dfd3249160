/** The readable table `npm run probe` prints without --json (columns by cli/table.ts). */
import type { EventLoopDelay } from "../functions/probe/loop-delay";
import type { ProbeResult } from "../functions/probe/result";
import { formatColumns, type Column, type Stylize } from "./table";

export type { Stylize };

const ms = (value: number | null) => (value === null ? "-" : value.toFixed(1));

const COLUMNS: Array<Column<ProbeResult>> = [
  { title: "URL", cell: (r) => r.url },
  { title: "NAME", cell: (r) => r.name ?? "-" },
  { title: "OK", cell: (r) => (r.skipped ? "skip" : r.ok ? "yes" : "NO"), style: (r) => (r.ok ? "green" : r.skipped ? "yellow" : "red") },
  { title: "STATUS", cell: (r) => (r.status === null ? "-" : String(r.status)), align: "right" },
  { title: "TOTAL", cell: (r) => ms(r.timings.totalMs), align: "right" },
  { title: "DNS", cell: (r) => ms(r.timings.dnsMs), align: "right" },
  { title: "CONNECT", cell: (r) => ms(r.timings.connectMs), align: "right" },
  { title: "TLS", cell: (r) => ms(r.timings.tlsMs), align: "right" },
  { title: "TTFB", cell: (r) => ms(r.timings.ttfbMs), align: "right" },
  { title: "TRANSFER", cell: (r) => ms(r.timings.transferMs), align: "right" },
  { title: "CERT DAYS", cell: (r) => (r.tls ? String(r.tls.daysRemaining) : "-"), align: "right" },
  { title: "REDIRECTS", cell: (r) => String(r.redirects), align: "right" },
  { title: "ATTEMPTS", cell: (r) => String(r.attempts), align: "right" },
  { title: "WARNINGS", cell: (r) => (r.warnings.length > 0 ? r.warnings.join(",") : "-"), style: (r) => (r.warnings.length > 0 ? "yellow" : undefined) },
  { title: "ERROR", cell: (r) => (r.error ? `${r.error.code}: ${r.error.message.split("\n")[0]}` : "") },
];

/**
 * Columns padded to their widest cell (times in ms), then a one-line tally with the probe's own
 * event-loop delay: timings of a run whose loop stalled are inflated by about that much.
 */
export function formatTable(results: readonly ProbeResult[], loopDelay: EventLoopDelay, stylize?: Stylize): string {
  const ok = results.filter((result) => result.ok).length;
  const skipped = results.filter((result) => result.skipped).length;
  const warned = results.filter((result) => result.warnings.length > 0).length;
  const tally =
    `${results.length} target${results.length === 1 ? "" : "s"}: ${ok} ok, ${results.length - ok - skipped} not ok${skipped ? `, ${skipped} skipped` : ""}` +
    `${warned ? `, ${warned} with warnings` : ""} (times in ms; event-loop delay p99 ${loopDelay.p99Ms.toFixed(1)})`;
  return [...formatColumns(COLUMNS, results, stylize), tally].join("\n") + "\n";
}
