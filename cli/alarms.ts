/**
 * `npm run alarms`: the alarm history from the ledger, newest first, and time in ALARM per URL.
 * Exit codes: 0 done, 1 unexpected failure (credentials, network), 2 bad arguments or no such table.
 */
import { createLedgerClient, errorName } from "../functions/recorder/dynamo";
import { ALARMS_USAGE, parseAlarmsArgs, type AlarmsOptions } from "./alarms-args";
import { UsageError } from "./usage";
import { alarmTimeReport, changesTable, displayTime } from "./alarms-format";
import { readLedger } from "./alarms-query";
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

export async function runAlarms(options: AlarmsOptions, location: LedgerLocation): Promise<AlarmsOutput> {
  const client = createLedgerClient(location.region);
  let items;
  try {
    items = await readLedger(client, location.tableName, { from: options.since - LOOKBACK_DAYS * DAY_MS, until: options.until, url: options.url });
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
    stdout.push(`No alarm state changes${filters ? ` ${filters}` : ""} since ${displayTime(sinceIso)}.`);
  } else {
    stdout.push(...changesTable(listed));
    if (truncated) stdout.push(`(${truncated})`);
  }
  const window = { start: options.since, end: options.until };
  const report = timeInAlarmByUrl(items, window);
  if (report.length > 0) stdout.push("", ...alarmTimeReport(report, window));
  return { stdout, stderr: [] };
}

async function main(argv: string[]): Promise<number> {
  let options: AlarmsOptions;
  let location: LedgerLocation;
  try {
    options = parseAlarmsArgs(argv, Date.now());
    if (options.help) {
      process.stdout.write(`${ALARMS_USAGE}\n`);
      return 0;
    }
    location = options.source.kind === "stack" ? await stackLedgerLocation(options.source.stage) : { tableName: options.source.tableName };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`alarms: ${error.message}\n${ALARMS_USAGE}\n`);
    return 2;
  }
  try {
    const output = await runAlarms(options, location);
    if (output.stderr.length > 0) process.stderr.write(`${output.stderr.join("\n")}\n`);
    if (output.stdout.length > 0) process.stdout.write(`${output.stdout.join("\n")}\n`);
    return 0;
  } catch (error) {
    const where = `${location.region ?? process.env.AWS_REGION ?? "the default region"}${process.env.AWS_ENDPOINT_URL_DYNAMODB ? ` at ${process.env.AWS_ENDPOINT_URL_DYNAMODB}` : ""}`;
    if (errorName(error) === "ResourceNotFoundException") {
      process.stderr.write(`alarms: table ${location.tableName} not found in ${where}\n`);
      return 2;
    }
    if (/region is missing/i.test((error as Error).message)) {
      process.stderr.write("alarms: no AWS region: set AWS_REGION (or use --stack, which reads the stack's homeRegion)\n");
      return 2;
    }
    process.stderr.write(`alarms: reading ${location.tableName} in ${where} failed: ${errorName(error)}: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  // exitCode, not exit(): stdout may be a pipe that still has to drain.
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`alarms: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
