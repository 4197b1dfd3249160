/**
 * `npm run report -- --format html`: one self-contained page (inline CSS and SVG, no script, no
 * font, no image, nothing fetched), so it opens anywhere with no network and can be mailed or
 * archived as is. Per target: the summary, a chart of uptime per day against the objective, a
 * chart of latency per day (p50, p90, p99 of every region's checks), and the incidents from the ledger.
 * Every value is escaped; a Content-Security-Policy forbids loading anything.
 */
import { formatDuration } from "./alarms-report";
import { displayTime } from "./alarms-format";
import type { Report, TargetReport } from "./report-data";
import { percent, targetLabel } from "./report-format";

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };
const PLOT_W = WIDTH - PAD.left - PAD.right;
const PLOT_H = HEIGHT - PAD.top - PAD.bottom;
const SERIES_COLOURS = ["#2563eb", "#d97706", "#dc2626", "#059669", "#7c3aed", "#0891b2"];

const day = (iso: string) => iso.slice(5, 10);

/** Bars of uptime per day, the y axis from the lowest day (or the objective) to 100%, the objective as a line. */
function uptimeChart(target: TargetReport): string {
  const values = target.days.map((d) => (d.uptime === null ? null : d.uptime * 100));
  const known = values.filter((v): v is number => v !== null);
  const floor = Math.max(0, Math.floor(Math.min(target.objective, ...known) - 0.5));
  const y = (v: number) => PAD.top + PLOT_H * (1 - (v - floor) / (100 - floor));
  const slot = PLOT_W / Math.max(1, values.length);
  const bars = values
    .map((v, i) => {
      if (v === null) return "";
      const x = PAD.left + i * slot + slot * 0.15;
      const colour = v >= target.objective ? "#16a34a" : "#dc2626";
      return `<rect class="uptime-bar" x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(PAD.top + PLOT_H - y(v)).toFixed(1)}" fill="${colour}"><title>${escape(target.days[i].day.slice(0, 10))}: ${v.toFixed(3)}%</title></rect>`;
    })
    .join("");
  const labels = target.days
    .map((d, i) => (values.length <= 16 || i % Math.ceil(values.length / 16) === 0 ? `<text x="${(PAD.left + i * slot + slot / 2).toFixed(1)}" y="${HEIGHT - 8}" text-anchor="middle">${day(d.day)}</text>` : ""))
    .join("");
  const objective = `<line class="objective" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(target.objective).toFixed(1)}" y2="${y(target.objective).toFixed(1)}" stroke="#111827" stroke-dasharray="4 3"/><text x="${WIDTH - PAD.right}" y="${(y(target.objective) - 4).toFixed(1)}" text-anchor="end">SLO ${target.objective}%</text>`;
  const axis = `<text x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">100%</text><text x="${PAD.left - 6}" y="${PAD.top + PLOT_H}" text-anchor="end">${floor}%</text><line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + PLOT_H}" stroke="#9ca3af"/>`;
  return `<svg class="chart uptime" role="img" aria-label="Uptime per day of ${escape(targetLabel(target))}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}">${axis}${bars}${objective}${labels}</svg>`;
}

/** Lines of p50, p90 and p99 per day (one set per row of latency: every region together). */
function latencyChart(target: TargetReport): string {
  const regions = target.days[0]?.latency.map((l) => l.region) ?? [];
  const lines: Array<{ label: string; colour: string; dash: string; points: Array<[number, number]> }> = [];
  regions.forEach((region, r) =>
    (["p50", "p90", "p99"] as const).forEach((percentile, p) =>
      lines.push({
        label: `${region} ${percentile}`,
        colour: SERIES_COLOURS[r % SERIES_COLOURS.length],
        dash: ["", "6 3", "2 2"][p],
        points: target.days.flatMap((d, i) => {
          const v = d.latency[r]?.[percentile];
          return v === null || v === undefined ? [] : [[i, v] as [number, number]];
        }),
      }),
    ),
  );
  const max = Math.max(1, ...lines.flatMap((line) => line.points.map(([, v]) => v)));
  const slot = PLOT_W / Math.max(1, target.days.length);
  const x = (i: number) => PAD.left + i * slot + slot / 2;
  const y = (v: number) => PAD.top + PLOT_H * (1 - v / max);
  const paths = lines
    .filter((line) => line.points.length > 0)
    .map(
      (line) =>
        `<polyline class="latency-line" fill="none" stroke="${line.colour}" stroke-width="2"${line.dash ? ` stroke-dasharray="${line.dash}"` : ""} points="${line.points.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ")}"><title>${escape(line.label)}</title></polyline>`,
    )
    .join("");
  const axis = `<text x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${Math.round(max)} ms</text><text x="${PAD.left - 6}" y="${PAD.top + PLOT_H}" text-anchor="end">0</text><line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + PLOT_H}" stroke="#9ca3af"/>`;
  const labels = target.days
    .map((d, i) => (target.days.length <= 16 || i % Math.ceil(target.days.length / 16) === 0 ? `<text x="${x(i).toFixed(1)}" y="${HEIGHT - 8}" text-anchor="middle">${day(d.day)}</text>` : ""))
    .join("");
  const legend = lines.map((line) => `<span class="key"><i style="border-color:${line.colour};border-style:${line.dash ? "dashed" : "solid"}"></i>${escape(line.label)}</span>`).join("");
  return `<svg class="chart latency" role="img" aria-label="Latency per day of ${escape(targetLabel(target))}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}">${axis}${paths}${labels}</svg><div class="legend">${legend}</div>`;
}

function targetSection(target: TargetReport): string {
  const met = target.met === null ? "no data" : target.met ? "met" : "missed";
  const incidents =
    target.incidents.length === 0
      ? `<p class="none">No incidents in the ledger.</p>`
      : `<table class="incidents"><thead><tr><th>Start</th><th>End</th><th>Duration</th><th>Cause</th></tr></thead><tbody>${target.incidents
          .map(
            (incident) =>
              `<tr><td>${escape(displayTime(incident.start))}</td><td>${incident.ongoing ? "(ongoing)" : escape(displayTime(incident.end))}</td><td>${escape(formatDuration(incident.durationMs))}</td><td>${escape(`${incident.alarms.join(", ")}: ${incident.reason}`)}</td></tr>`,
          )
          .join("")}</tbody></table>`;
  return `<section class="target">
<h2>${escape(targetLabel(target))}${target.name ? ` <small>${escape(target.url)}</small>` : ""}</h2>
<p class="summary"><b class="slo ${met}">SLO ${target.objective}% ${met}</b>: uptime ${percent(target.uptime)} over ${target.checks} checks (${target.failures} failed); error budget used ${percent(target.budget.used, 2)}, left ${percent(target.budget.left, 2)}; availability alarm in ALARM ${escape(formatDuration(target.ledgerAlarmMs))} (ledger).</p>
<h3>Uptime per day</h3>
${uptimeChart(target)}
<h3>Latency per day</h3>
${latencyChart(target)}
<h3>Incidents</h3>
${incidents}
</section>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;color:#111827;margin:24px auto;max-width:720px;padding:0 12px}
h1{font-size:20px}h2{font-size:17px;margin-top:28px;border-top:1px solid #e5e7eb;padding-top:16px}h2 small{font-weight:normal;color:#6b7280}
h3{font-size:14px;margin:14px 0 4px}svg text{font-size:11px;fill:#374151}.slo.met{color:#15803d}.slo.missed{color:#b91c1c}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #e5e7eb;font-size:13px}
.legend{font-size:12px;color:#374151}.key{margin-right:12px}.key i{display:inline-block;width:18px;border-top-width:2px;margin-right:4px;vertical-align:middle}`;

/** The whole page. */
export function formatReportHtml(report: Report): string {
  const title = `webhealth ${report.stage}: ${displayTime(report.since)} to ${displayTime(report.until)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escape(title)}</h1>
<p>${report.targets.length} target${report.targets.length === 1 ? "" : "s"}; ${report.targets.filter((t) => t.met === false).length} missed the SLO. Uptime is the share of successful checks from every probe region; incidents come from the alarm ledger.</p>
${report.targets.map(targetSection).join("\n")}
</body>
</html>
`;
}
