/** Parses and validates `npm run alarms` arguments; every problem is a UsageError (exit 2). */
import { isStageName } from "../infra/stack-files";
import { isRealTime } from "../functions/common/time";
import { parseCommandLine, UsageError } from "./usage";

export const ALARMS_USAGE =
  "usage: npm run alarms -- [--stack <stage> | --table <name>] [--url <url>] [--since <ISO time or duration like 24h>] [--state ALARM|OK] [--json] [--limit <n>]";

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
  /** Window end (now), epoch milliseconds. */
  until: number;
  state?: AlarmState;
  json: boolean;
  limit: number;
  help: boolean;
}

const DURATION = /^(\d+)(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
/** A date (`2026-11-25`) or date-time with a zone (`2026-11-25T10:00:00Z`, `...+01:00`). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;


/** `24h` -> now - 24 h; `2026-11-25T10:00:00Z` -> that instant; a bare date is UTC midnight. */
export function parseSince(value: string, now: number): number {
  const duration = DURATION.exec(value);
  let since: number;
  if (duration) {
    since = now - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
    if (Number(duration[1]) === 0) throw new UsageError(`--since: "${value}" is an empty window`);
  } else if (ISO_TIME.test(value)) {
    since = Date.parse(value);
    if (Number.isNaN(since) || !isRealTime(value)) throw new UsageError(`--since: "${value}" is not a valid time`);
  } else {
    throw new UsageError(`--since: "${value}" is neither a duration (30m, 24h, 7d, 2w) nor an ISO time (2026-11-25T10:00:00Z)`);
  }
  if (since >= now) throw new UsageError(`--since: "${value}" is not in the past`);
  return since;
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

function parseUrl(value: string): string {
  try {
    new URL(value);
  } catch {
    throw new UsageError(`--url: "${value}" is not an absolute URL (give the target's URL exactly as configured)`);
  }
  return value;
}

export function parseAlarmsArgs(argv: string[], now: number): AlarmsOptions {
  const { values } = parseCommandLine({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      stack: { type: "string" },
      table: { type: "string" },
      url: { type: "string" },
      since: { type: "string" },
      state: { type: "string" },
      json: { type: "boolean" },
      limit: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const help = values.help === true;
  let source: TableSource;
  if (values.stack !== undefined && values.table !== undefined) throw new UsageError("pass either --stack or --table, not both");
  if (values.stack !== undefined) {
    if (!isStageName(values.stack)) throw new UsageError(`--stack: "${values.stack}" is not a valid stage name`);
    source = { kind: "stack", stage: values.stack };
  } else if (values.table !== undefined) {
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(values.table)) throw new UsageError(`--table: "${values.table}" is not a valid DynamoDB table name`);
    source = { kind: "table", tableName: values.table };
  } else if (help) {
    source = { kind: "table", tableName: "" };
  } else {
    throw new UsageError("pass --stack <stage> or --table <name>");
  }
  return {
    source,
    url: values.url === undefined ? undefined : parseUrl(values.url),
    since: parseSince(values.since ?? DEFAULT_SINCE, now),
    until: now,
    state: values.state === undefined ? undefined : parseState(values.state),
    json: values.json === true,
    limit: values.limit === undefined ? DEFAULT_LIMIT : parseLimit(values.limit),
    help,
  };
}
