/**
 * `npm run report -- --stack <stage> --since <time> [--until <time>] [--format table|json|csv|html]
 * [--out <file>]`: uptime against the SLO, error budget, incidents and latency per day for a window
 * such as a closed month (cli/report-data.ts says how each figure is computed).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isStageName } from "../infra/stack-files";
import { defineCommand, paint } from "./kit";
import { gatherReport } from "./report-data";
import { formatReportCsv, formatReportJson, formatReportTable, REPORT_FORMATS, type ReportFormat } from "./report-format";
import { formatReportHtml } from "./report-html";
import { loadStage, openReaders } from "./stage-data";
import { parseWindow } from "./time";
import { EXIT, UsageError } from "./usage";

/** Writes the whole file or nothing: a temporary file beside it, then a rename. */
function writeAtomically(file: string, text: string): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new UsageError(`--out ${file}: cannot write it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

export const command = defineCommand({
  name: "report",
  usage: ["--stack <stage> --since <time> [--until <time>] [--format table|json|csv|html] [--out <file>]"],
  summary:
    "Uptime per target for a window (such as a closed month: --since 2026-11-01 --until 2026-12-01) against its SLO, the error budget used and left, the incidents from the ledger, and latency percentiles per day. --format html writes one self-contained page with a chart per target.",
  options: {
    stack: { type: "string", value: "stage", help: "the stage (Pulumi.<stage>.yaml); required" },
    since: { type: "string", value: "time", help: "window start: an ISO time (2026-11-01 is UTC midnight) or a duration back from --until (30d); required" },
    until: { type: "string", value: "time", help: "window end: an ISO time or a duration back from now (default now)" },
    format: { type: "string", value: "table|json|csv|html", help: "output format (default table)" },
    out: { type: "string", value: "file", help: "write to this file (whole or not at all) instead of stdout" },
  },
  exitCodes: { ok: "the report was written (a missed SLO is in the report, not the exit status)", failed: "reading the data failed (the reason is on stderr)" },
  notes: [
    "Uptime = successful checks / checks from every probe region; budget = (1 - SLO) x checks failures allowed.",
    "IAM: cloudwatch:GetMetricData in the home region, dynamodb:Query on the ledger table's byDay index.",
  ],
  async run({ values }, io) {
    if (!values.stack) throw new UsageError("--stack: is required");
    if (!isStageName(values.stack)) throw new UsageError(`--stack: "${values.stack}" is not a valid stage name`);
    if (values.since === undefined) throw new UsageError("--since: is required (the window's start, e.g. 2026-11-01 or 30d)");
    const format = (values.format ?? "table") as ReportFormat;
    if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: "${values.format}" must be one of ${REPORT_FORMATS.join(", ")}`);
    const window = parseWindow(values.since, values.until, io.now(), values.since);
    if (values.out !== undefined && !fs.existsSync(path.dirname(path.resolve(values.out)))) throw new UsageError(`--out ${values.out}: its folder does not exist`);
    const stage = loadStage(values.stack, io.root);
    const readers = await openReaders(stage.config.homeRegion);
    let report;
    try {
      report = await gatherReport(stage, readers, window.since, window.until);
    } finally {
      readers.close();
    }
    const toTerminal = values.out === undefined;
    const text =
      format === "json"
        ? formatReportJson(report)
        : format === "csv"
          ? formatReportCsv(report)
          : format === "html"
            ? formatReportHtml(report)
            : formatReportTable(report, toTerminal ? (style, t) => paint(io, io.stdout, style, t) : undefined);
    if (values.out !== undefined) {
      writeAtomically(path.resolve(values.out), text);
      io.stderr.write(`report: wrote ${values.out}\n`);
    } else io.stdout.write(text);
    return EXIT.ok;
  },
});

if (require.main === module) void command.main(process.argv.slice(2));
