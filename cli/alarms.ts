/**
 * `npm run alarms`: the alarm history from the ledger, newest first, and time in ALARM per URL.
 * Exit codes: 0 done, 1 reading failed (network, throttling), 2 bad arguments, no such table, or setup
 * (no credentials or region, a permission missing, no Pulumi CLI for --stack).
 */
import { withAction, describeAwsFailure } from "./aws-errors";
import { ALARMS_OPTIONS, alarmsOptions, type AlarmsOptions } from "./alarms-args";
import { defineCommand, paint } from "./kit";
import type { Stylize } from "./table";
import { EXIT, UsageError } from "./usage";
import { alarmTimeReport, changesTable, displayTime } from "./alarms-format";
import { timeInAlarmByUrl } from "./alarms-report";
import { stackLedgerLocation, type LedgerLocation } from "./alarms-stack";

/**
 * How far before the window the ledger is read to learn each alarm's state at the window start.
 * An alarm that stayed in ALARM, without any change, for longer than this before the window is
 * not counted (it would need one query per alarm name, which the ledger cannot list cheaply).
 */
export const LOOKBACK_DAYS = 30;
const DAY_MS = 86_400_000;

export interface AlarmsOutput {
  stdout: string[];
  stderr: string[];
}

export async function runAlarms(options: AlarmsOptions, location: LedgerLocation, stylize?: Stylize): Promise<AlarmsOutput> {
  // The AWS SDK loads in about 100 ms: only when reading, never for --help or bad input.
  const [{ createLedgerClient }, { readLedger }] = await Promise.all([import("../functions/recorder/dynamo"), import("./alarms-query")]);
  const client = createLedgerClient(location.region);
  let items;
  try {
    // Credentials first: "no credentials" is a setup problem (exit 2), told before any query.
    await client.config.credentials();
    items = await withAction("dynamodb:Query", () =>
      readLedger(client, location.tableName, { from: options.since - LOOKBACK_DAYS * DAY_MS, until: options.until, url: options.url }),
    );
  } finally {
    client.destroy();
  }
  const sinceIso = new Date(options.since).toISOString();
  const inWindow = items.filter((item) => item.changedAt >= sinceIso);
  const matching = options.state ? inWindow.filter((item) => item.newState === options.state) : inWindow;
  const listed = matching.slice(0, options.limit);
  const truncated =
    listed.length < matching.length ? `showing the newest ${listed.length} of ${matching.length} state changes: raise --limit to see more` : undefined;

  if (options.json) {
    return { stdout: listed.map((item) => JSON.stringify(item)), stderr: truncated ? [truncated] : [] };
  }
  const stdout: string[] = [];
  if (listed.length === 0) {
    const filters = [options.url && `for ${options.url}`, options.state && `into ${options.state}`].filter(Boolean).join(" ");
    const when = options.closedWindow ? `between ${displayTime(sinceIso)} and ${displayTime(new Date(options.until).toISOString())}` : `since ${displayTime(sinceIso)}`;
    stdout.push(`No alarm state changes${filters ? ` ${filters}` : ""} ${when}.`);
  } else {
    stdout.push(...changesTable(listed, stylize));
    if (truncated) stdout.push(`(${truncated})`);
  }
  const window = { start: options.since, end: options.until };
  const report = timeInAlarmByUrl(items, window);
  if (report.length > 0) stdout.push("", ...alarmTimeReport(report, window));
  return { stdout, stderr: [] };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

export const command = defineCommand({
  name: "alarms",
  usage: ["(--stack <stage> | --table <name>) [--url <url>] [--since <time>] [--until <time>] [--state ALARM|OK] [--json] [--limit <n>]"],
  summary:
    "The alarm state changes in the ledger over a window (default the last 24 hours), newest first, then time in ALARM per URL over that window.",
  options: ALARMS_OPTIONS,
  exitCodes: { ok: "printed (also when nothing matched)", failed: "reading the ledger failed (network, throttling)" },
  notes: ["IAM: dynamodb:Query on the table's indexes (arn:aws:dynamodb:<region>:<account>:table/<table>/index/*)."],
  async run(input, io) {
    const options = alarmsOptions(input, io.now());
    const location = options.source.kind === "stack" ? await stackLedgerLocation(options.source.stage) : { tableName: options.source.tableName };
    const where = `${location.region ?? io.env.AWS_REGION ?? "the default region"}${io.env.AWS_ENDPOINT_URL_DYNAMODB ? ` at ${io.env.AWS_ENDPOINT_URL_DYNAMODB}` : ""}`;
    let output: AlarmsOutput;
    try {
      output = await runAlarms(options, location, (style, text) => paint(io, io.stdout, style, text));
    } catch (error) {
      if (errorName(error) === "ResourceNotFoundException") throw new UsageError(`table ${location.tableName} not found in ${where}`);
      if (describeAwsFailure(error)) throw error;
      io.stderr.write(`alarms: reading ${location.tableName} in ${where} failed: ${errorName(error)}: ${(error as Error).message}\n`);
      return EXIT.failed;
    }
    if (output.stderr.length > 0) io.stderr.write(`${output.stderr.join("\n")}\n`);
    if (output.stdout.length > 0) io.stdout.write(`${output.stdout.join("\n")}\n`);
    return EXIT.ok;
  },
});

if (require.main === module) void command.main(process.argv.slice(2));
