/**
 * The recorder's configuration, read once: its environment (set by the Pulumi program) and, when
 * the stage has maintenance windows or burn-rate alarms, RECORDER_CONFIG_FILE in its archive.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as z from "zod/mini";
import { RECORDER_CONFIG_FILE, RECORDER_ENV } from "../common/contract";
import { MaintenanceWindowSchema, type MaintenanceWindow } from "../common/maintenance";
import { validate } from "../common/schema-kit";

/**
 * 400 days: a full year plus a month, so an operator can compare an incident with the same week
 * last year and write an annual availability report, where CloudWatch keeps an alarm's history for
 * 14 days (https://aws.amazon.com/blogs/mt/extending-and-exploring-alarm-history-in-amazon-cloudwatch-part-1/).
 * An item is about 1 KB (up to ~3 KB with the longest reason and description): 100 state changes a
 * day for 400 days is about 40 MB, about $0.01 a month
 * (DynamoDB Standard storage, $0.25 per GB-month in us-east-1).
 */
export const DEFAULT_RETENTION_DAYS = 400;
/** DynamoDB's TTL takes any epoch time; ten years bounds a typo (a retention in hours or seconds). */
export const MAX_RETENTION_DAYS = 3650;

export interface RecorderConfig {
  tableName: string;
  retentionDays: number;
  /** The windows whose changes the recorder marks as during maintenance (none when absent). */
  maintenance?: RecorderMaintenance;
}

/**
 * What the recorder knows of the stage's targets beyond a notification: the maintenance windows
 * (it marks a change inside one itself) and, for the target alarms whose notification names no
 * `Url` (the SLO burn-rate composite alarms), the target's URL, which their ledger items then
 * carry like every other target alarm's. The notifier reads the same windows
 * (NOTIFIER_CONFIG_FILE) to decide who is told; the mark on the ledger item does not depend on it.
 */
export interface RecorderMaintenance {
  windows: MaintenanceWindow[];
  /** Alarm name -> target URL, for target alarms without a `Url` dimension. */
  alarmUrls: Record<string, string>;
}

export const NO_MAINTENANCE: RecorderMaintenance = { windows: [], alarmUrls: {} };

const MaintenanceFileSchema = z.object({ windows: z.array(MaintenanceWindowSchema), alarmUrls: z.record(z.string(), z.string()) });

/**
 * Reads RECORDER_CONFIG_FILE next to the bundle. The Pulumi program ships it only for a stage with
 * windows or burn-rate alarms, so no file means neither; a file that is there but unreadable or malformed is refused
 * by name (the pre-traffic self-test fails, and that version never takes traffic).
 */
export function readRecorderMaintenance(file = path.join(__dirname, RECORDER_CONFIG_FILE)): RecorderMaintenance {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return NO_MAINTENANCE;
    throw new Error(`${RECORDER_CONFIG_FILE}: cannot be read (${(error as Error).message})`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${RECORDER_CONFIG_FILE}: is not JSON (${(error as Error).message})`, { cause: error });
  }
  return validate(MaintenanceFileSchema, raw, RECORDER_CONFIG_FILE) as RecorderMaintenance;
}

const retention = `must be a whole number of days (1-${MAX_RETENTION_DAYS})`;
const EnvSchema = z.object({
  [RECORDER_ENV.tableName]: z
    .string({ error: "is required (the name of the alarm ledger table)" })
    .check(z.minLength(1, { error: "is required (the name of the alarm ledger table)" })),
  [RECORDER_ENV.retentionDays]: z.optional(
    z.pipe(z.string().check(z.regex(/^\d+$/, { error: retention })), z.transform(Number)).check(z.refine((days: number) => days >= 1 && days <= MAX_RETENTION_DAYS, { error: retention })),
  ),
});

/** Errors read `env.ALARM_TABLE_NAME: is required (...)`. */
export function readRecorderConfig(env: NodeJS.ProcessEnv): RecorderConfig {
  const parsed = validate(EnvSchema, { ...env }, "env");
  return {
    tableName: parsed[RECORDER_ENV.tableName],
    retentionDays: parsed[RECORDER_ENV.retentionDays] ?? DEFAULT_RETENTION_DAYS,
  };
}
