/** The recorder's configuration, read once from its environment (set by the Pulumi program). */
import * as z from "zod/mini";
import { RECORDER_ENV } from "../common/contract";
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
