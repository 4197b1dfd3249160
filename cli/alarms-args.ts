/** Parses and validates `npm run alarms` arguments; every problem is a UsageError (exit 2). */
import { normaliseUrl } from "../functions/common/url";
import { isStageName } from "../infra/stack-files";
import { parseOptions, type OptionTable, type ParsedCommandLine } from "./kit";
import { parseWindow } from "./time";
import { UsageError } from "./usage";

/** Defaults: the last day, the newest 100 state changes listed. */
export const DEFAULT_SINCE = "24h";
export const DEFAULT_LIMIT = 100;
export const STATES = ["ALARM", "OK", "INSUFFICIENT_DATA"] as const;
export type AlarmState = (typeof STATES)[number];

export type TableSource = { kind: "stack"; stage: string } | { kind: "table"; tableName: string };

export interface AlarmsOptions {
  source: TableSource;
  url?: string;
  /** Window start, epoch milliseconds. */
  since: number;
  /** Window end (now unless --until), epoch milliseconds. */
  until: number;
  /** --until was given: the window is closed (a past period), not "until now". */
  closedWindow: boolean;
  state?: AlarmState;
  json: boolean;
  limit: number;
}

/** `24h` -> now - 24 h; `2026-11-25T10:00:00Z` -> that instant; a bare date is UTC midnight. */
export function parseSince(value: string, now: number): number {
  return parseWindow(value, undefined, now, DEFAULT_SINCE).since;
}

function parseLimit(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--limit: "${value}" must be a whole number of at least 1`);
  return Number(value);
}

function parseState(value: string): AlarmState {
  const state = value.toUpperCase();
  if (!(STATES as readonly string[]).includes(state)) throw new UsageError(`--state: "${value}" must be ALARM, OK or INSUFFICIENT_DATA`);
  return state as AlarmState;
}

/** The ledger holds each target's normalised URL (its `Url` dimension): any spelling of it finds it. */
function parseUrl(value: string): string {
  const url = normaliseUrl(value);
  if (url === undefined) throw new UsageError(`--url: "${value}" is not an absolute URL (give the target's URL exactly as configured)`);
  return url;
}

/** The options of `npm run alarms` (cli/kit.ts prints and parses them). */
export const ALARMS_OPTIONS = {
  stack: { type: "string", value: "stage", help: "read the table name and region from the stage's stack outputs (needs the Pulumi CLI)" },
  table: { type: "string", value: "name", help: "the ledger table; region from AWS_REGION (or your profile)" },
  url: { type: "string", value: "url", help: "only this target (its URL as configured, in any spelling)" },
  since: { type: "string", value: "time", help: `window start: a duration back from --until (30m, 24h, 7d, 2w) or an ISO time (default ${DEFAULT_SINCE})` },
  until: { type: "string", value: "time", help: "window end: a duration back from now or an ISO time (default now)" },
  state: { type: "string", value: "ALARM|OK", help: "list only changes into that state (INSUFFICIENT_DATA too); time in ALARM always uses every change" },
  json: { type: "boolean", help: "one JSON object per item per line (the item as stored), nothing else on stdout" },
  limit: { type: "string", value: "n", help: `list the newest n changes (default ${DEFAULT_LIMIT})` },
} satisfies OptionTable;

export function alarmsOptions({ values }: ParsedCommandLine<typeof ALARMS_OPTIONS>, now: number): AlarmsOptions {
  let source: TableSource;
  if (values.stack !== undefined && values.table !== undefined) throw new UsageError("pass either --stack or --table, not both");
  if (values.stack !== undefined) {
    if (!isStageName(values.stack)) throw new UsageError(`--stack: "${values.stack}" is not a valid stage name`);
    source = { kind: "stack", stage: values.stack };
  } else if (values.table !== undefined) {
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(values.table)) throw new UsageError(`--table: "${values.table}" is not a valid DynamoDB table name`);
    source = { kind: "table", tableName: values.table };
  } else {
    throw new UsageError("pass --stack <stage> or --table <name>");
  }
  const window = parseWindow(values.since, values.until, now, DEFAULT_SINCE);
  return {
    source,
    url: values.url === undefined ? undefined : parseUrl(values.url),
    since: window.since,
    until: window.until,
    closedWindow: values.until !== undefined,
    state: values.state === undefined ? undefined : parseState(values.state),
    json: values.json === true,
    limit: values.limit === undefined ? DEFAULT_LIMIT : parseLimit(values.limit),
  };
}

export function parseAlarmsArgs(argv: string[], now: number): AlarmsOptions {
  return alarmsOptions(parseOptions(ALARMS_OPTIONS, argv, false), now);
}
