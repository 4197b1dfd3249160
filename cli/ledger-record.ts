/**
 * `npm run ledger:record`: feeds CloudWatch alarm notifications to the recorder's real handler, to
 * try the ledger locally:
 *   ALARM_TABLE_NAME=<table> npm run ledger:record -- --samples
 *   ALARM_TABLE_NAME=<table> npm run ledger:record -- notification.json
 * A file holds one notification (the SNS `Message` as JSON) or a whole SNS event (`{ "Records": [...] }`).
 * The handler logs one JSON line per record; exit 1 if any record was not recorded, 2 on bad arguments.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import type { SNSEvent } from "aws-lambda";
import { handler } from "../functions/recorder";
import { PROBE_HEALTH_ALARM, SINGLE_METRIC_ALARM } from "../functions/recorder/samples";
import { defineCommand } from "./kit";
import { EXIT, UsageError } from "./usage";

const TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:webhealth-local-alarms";

/** An SNS event as Lambda receives it from a topic subscription, one record per message. */
export function snsEventOf(messages: string[]): SNSEvent {
  return {
    Records: messages.map((message) => ({
      EventSource: "aws:sns",
      EventVersion: "1.0",
      EventSubscriptionArn: `${TOPIC_ARN}:${randomUUID()}`,
      Sns: {
        Type: "Notification",
        MessageId: randomUUID(),
        TopicArn: TOPIC_ARN,
        Subject: null as unknown as string,
        Message: message,
        Timestamp: new Date().toISOString(),
        SignatureVersion: "1",
        Signature: "",
        SigningCertUrl: "",
        UnsubscribeUrl: "",
        MessageAttributes: {},
      },
    })),
  };
}

/** CloudWatch's StateChangeTime form: `2026-11-26T10:03:41.123+0000`. */
export function cloudWatchTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace("Z", "+0000");
}

/**
 * A short incident in the last hour of one single-region stage (beta), from the built-in samples:
 * the site goes down (availability), is slow as it comes back (latency), recovers, and the
 * probe-health alarm fires at the end and stays in ALARM.
 */
export function sampleIncident(now: number): string[] {
  const minutesAgo = (minutes: number) => cloudWatchTime(now - minutes * 60_000);
  const availability = SINGLE_METRIC_ALARM.notification;
  const trigger = availability.Trigger as Record<string, unknown>;
  const latencyName = String(availability.AlarmName).replace(/-availability$/, "-latency");
  const latency = {
    ...availability,
    AlarmName: latencyName,
    AlarmArn: String(availability.AlarmArn).replace(/-availability$/, "-latency"),
    AlarmDescription: "https://example.com/ took more than 3000 ms in 3 of 5 periods",
    Trigger: { ...trigger, MetricName: "Latency", Statistic: "AVERAGE", Threshold: 3000, ComparisonOperator: "GreaterThanThreshold", EvaluationPeriods: 5, DatapointsToAlarm: 3, TreatMissingData: "notBreaching" },
  };
  return [
    { ...availability, StateChangeTime: minutesAgo(50) },
    { ...latency, NewStateReason: "Threshold Crossed: 3 out of the last 5 datapoints were greater than the threshold (3000.0).", StateChangeTime: minutesAgo(45) },
    { ...latency, NewStateValue: "OK", OldStateValue: "ALARM", NewStateReason: "Threshold Crossed: 1 out of the last 5 datapoints [812.0] was not greater than the threshold (3000.0).", StateChangeTime: minutesAgo(25) },
    { ...availability, NewStateValue: "OK", OldStateValue: "ALARM", NewStateReason: "Threshold Crossed: 1 out of the last 3 datapoints [1.0 (26/11/26 10:22:00)] was not less than the threshold (1.0).", StateChangeTime: minutesAgo(20) },
    { ...PROBE_HEALTH_ALARM.notification, StateChangeTime: minutesAgo(10) },
  ].map((notification) => JSON.stringify(notification));
}

function eventFromFile(file: string): SNSEvent {
  let value: { Records?: unknown };
  try {
    value = JSON.parse(fs.readFileSync(file, "utf8")) as { Records?: unknown };
  } catch (error) {
    throw new UsageError(`${file}: ${(error as NodeJS.ErrnoException).code ? `cannot read the file (${(error as NodeJS.ErrnoException).code})` : `not valid JSON (${(error as Error).message})`}`);
  }
  return Array.isArray(value.Records) ? (value as SNSEvent) : snsEventOf([JSON.stringify(value)]);
}

export const command = defineCommand({
  name: "ledger:record",
  usage: ["--samples", "<notification-or-sns-event.json>"],
  summary:
    "Runs CloudWatch alarm notifications through the recorder's real handler into the table named by ALARM_TABLE_NAME (with AWS_ENDPOINT_URL_DYNAMODB for a local DynamoDB). The handler logs one JSON line per record.",
  options: {
    samples: { type: "boolean", help: "record the built-in sample incident (times moved to the last hour)" },
  },
  positionals: { name: "<file.json>", help: "one notification (the SNS Message JSON) or a whole SNS event ({ \"Records\": [...] })" },
  exitCodes: { ok: "every record recorded", failed: "a record was not recorded (the handler's log line says why)" },
  async run({ values, positionals }, io) {
    let event: SNSEvent;
    if (values.samples === true && positionals.length === 0) event = snsEventOf(sampleIncident(io.now()));
    else if (values.samples !== true && positionals.length === 1) event = eventFromFile(positionals[0]);
    else throw new UsageError("pass --samples or one file");
    // The recorder would fail every record on it: a setup problem, told before anything runs.
    if (!io.env.ALARM_TABLE_NAME) {
      throw new UsageError("ALARM_TABLE_NAME: is required: the name of the ledger table to write (e.g. webhealth-beta-alarm-ledger, or webhealth-alarms for npm run ledger:local)");
    }
    try {
      await handler(event);
      return EXIT.ok;
    } catch (error) {
      io.stderr.write(`ledger:record: ${(error as Error).message}\n`);
      return EXIT.failed;
    }
  },
});

if (require.main === module) void command.main(process.argv.slice(2));
