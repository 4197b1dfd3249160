/**
 * Parses the `Message` of an SNS notification that CloudWatch published for an alarm state change.
 * Only the fields the ledger keeps are required; unknown fields are ignored (CloudWatch adds some
 * over time). Dimensions come as `{ name, value }` in notifications; `{ Name, Value }` (the API's
 * casing) is accepted too.
 */
import { z } from "zod";
import { validate, ValidationError } from "../common/targets";
import { isRealTime } from "../common/time";

const dimension = z.union([
  z.object({ name: z.string(), value: z.string() }).transform((d) => ({ name: d.name, value: d.value })),
  z.object({ Name: z.string(), Value: z.string() }).transform((d) => ({ name: d.Name, value: d.Value })),
]);
const dimensions = z.array(dimension, { error: "must be a list of { name, value }" });

const metricMathEntry = z.object({
  Id: z.string().optional(),
  Expression: z.string().optional(),
  ReturnData: z.boolean().optional(),
  MetricStat: z
    .object({
      Metric: z.object({
        Namespace: z.string().optional(),
        MetricName: z.string().optional(),
        Dimensions: dimensions.optional(),
      }),
    })
    .optional(),
});

const trigger = z.object({
  MetricName: z.string().optional(),
  Namespace: z.string().optional(),
  Dimensions: dimensions.optional(),
  Metrics: z.array(metricMathEntry).optional(),
  ComparisonOperator: z.string().optional(),
  Period: z.number().optional(),
  EvaluationPeriods: z.number().optional(),
  DatapointsToAlarm: z.number().optional(),
  // CloudWatch writes a number; a string form is tolerated rather than losing the notification.
  Threshold: z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]).optional(),
});

const requiredString = z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") });
const state = z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"], {
  error: (issue) => (issue.input === undefined ? "is required" : "must be OK, ALARM or INSUFFICIENT_DATA"),
});

/** `2026-11-26T10:03:41.123+0000` (CloudWatch's form) or any ISO 8601 time with a zone. */
const STATE_CHANGE_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]\d{2}:?\d{2})$/;

const stateChangeTime = requiredString.transform((value, ctx) => {
  const match = STATE_CHANGE_TIME.exec(value);
  const zone = match?.[2] === "Z" ? "Z" : match?.[2].replace(/^([+-]\d{2}):?(\d{2})$/, "$1:$2");
  // Date.parse reads an impossible date such as 2026-02-30 as 2 March: the fields must exist as written.
  const millis = match && isRealTime(match[1]) ? Date.parse(`${match[1]}${zone}`) : NaN;
  if (Number.isNaN(millis)) {
    ctx.addIssue({ code: "custom", message: "must be a time like 2026-11-26T10:03:41.123+0000" });
    return z.NEVER;
  }
  return new Date(millis).toISOString();
});

const NotificationSchema = z.object(
  {
    AlarmName: requiredString.min(1, { error: "must not be empty" }),
    AlarmDescription: z.string().nullish(),
    AWSAccountId: requiredString,
    NewStateValue: state,
    OldStateValue: state,
    NewStateReason: requiredString,
    StateChangeTime: stateChangeTime,
    Region: requiredString,
    AlarmArn: z.string().optional(),
    /** When the alarm was created or last changed; the notifier holds a new alarm's first no-data ALARM. */
    AlarmConfigurationUpdatedTimestamp: z.string().optional(),
    // Absent for composite alarms, which are still recorded (without a metric or URL).
    Trigger: trigger.optional(),
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
