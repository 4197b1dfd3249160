/**
 * Parses the `Message` of an SNS notification that CloudWatch published for an alarm state change.
 * Only the fields the ledger keeps are required; unknown fields are ignored (CloudWatch adds some
 * over time). Dimensions come as `{ name, value }` in notifications; `{ Name, Value }` (the API's
 * casing) is accepted too.
 */
import * as z from "zod/mini";
import { validate, ValidationError } from "../common/schema-kit";
import { isRealTime } from "../common/time";

const dimension = z.union([
  z.pipe(
    z.object({ name: z.string(), value: z.string() }),
    z.transform((d: { name: string; value: string }) => ({ name: d.name, value: d.value })),
  ),
  z.pipe(
    z.object({ Name: z.string(), Value: z.string() }),
    z.transform((d: { Name: string; Value: string }) => ({ name: d.Name, value: d.Value })),
  ),
]);
const dimensions = z.array(dimension, { error: "must be a list of { name, value }" });

const metricMathEntry = z.object({
  Id: z.optional(z.string()),
  Expression: z.optional(z.string()),
  ReturnData: z.optional(z.boolean()),
  MetricStat: z.optional(
    z.object({
      Metric: z.object({
        Namespace: z.optional(z.string()),
        MetricName: z.optional(z.string()),
        Dimensions: z.optional(dimensions),
      }),
    }),
  ),
});

const trigger = z.object({
  MetricName: z.optional(z.string()),
  Namespace: z.optional(z.string()),
  Dimensions: z.optional(dimensions),
  Metrics: z.optional(z.array(metricMathEntry)),
  ComparisonOperator: z.optional(z.string()),
  Period: z.optional(z.number()),
  EvaluationPeriods: z.optional(z.number()),
  DatapointsToAlarm: z.optional(z.number()),
  // CloudWatch writes a number; a string form is tolerated rather than losing the notification.
  Threshold: z.optional(z.union([z.number(), z.pipe(z.string().check(z.regex(/^-?\d+(\.\d+)?$/)), z.transform(Number))])),
});

const requiredString = z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") });
const state = z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"], {
  error: (issue) => (issue.input === undefined ? "is required" : "must be OK, ALARM or INSUFFICIENT_DATA"),
});

/** `2026-11-26T10:03:41.123+0000` (CloudWatch's form) or any ISO 8601 time with a zone. */
const STATE_CHANGE_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]\d{2}:?\d{2})$/;

/** Milliseconds since the epoch of a StateChangeTime, or NaN when it is not one. */
function stateChangeMillis(value: string): number {
  const match = STATE_CHANGE_TIME.exec(value);
  const zone = match?.[2] === "Z" ? "Z" : match?.[2].replace(/^([+-]\d{2}):?(\d{2})$/, "$1:$2");
  // Date.parse reads an impossible date such as 2026-02-30 as 2 March: the fields must exist as written.
  return match && isRealTime(match[1]) ? Date.parse(`${match[1]}${zone}`) : NaN;
}

const stateChangeTime = z.pipe(
  requiredString.check(z.refine((value) => !Number.isNaN(stateChangeMillis(value)), { error: "must be a time like 2026-11-26T10:03:41.123+0000" })),
  z.transform((value: string) => new Date(stateChangeMillis(value)).toISOString()),
);

const NotificationSchema = z.object(
  {
    AlarmName: requiredString.check(z.minLength(1, { error: "must not be empty" })),
    AlarmDescription: z.nullish(z.string()),
    AWSAccountId: requiredString,
    NewStateValue: state,
    OldStateValue: state,
    NewStateReason: requiredString,
    StateChangeTime: stateChangeTime,
    Region: requiredString,
    AlarmArn: z.optional(z.string()),
    /** When the alarm was created or last changed; the notifier holds a new alarm's first no-data ALARM. */
    AlarmConfigurationUpdatedTimestamp: z.optional(z.string()),
    // Absent for composite alarms, which are still recorded (without a metric or URL).
    Trigger: z.optional(trigger),
  },
  { error: "must be a JSON object" },
);

export type AlarmNotification = z.output<typeof NotificationSchema>;
export type NotificationDimension = z.output<typeof dimension>;

/** Parses the SNS `Message` string; errors read `message.StateChangeTime: must be a time like ...`. */
export function parseAlarmNotification(message: string): AlarmNotification {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    throw new ValidationError(["message: is not JSON (expected a CloudWatch alarm notification)"]);
  }
  return validate(NotificationSchema, value, "message");
}
