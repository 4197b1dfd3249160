/**
 * Feeds CloudWatch alarm notifications to the recorder's real handler, to try the ledger locally:
 *   ALARM_TABLE_NAME=<table> node -r ts-node/register/transpile-only cli/ledger-record.ts --samples
 *   ALARM_TABLE_NAME=<table> node -r ts-node/register/transpile-only cli/ledger-record.ts notification.json
 * A file holds one notification (the SNS `Message` as JSON) or a whole SNS event (`{ "Records": [...] }`).
 * The handler logs one JSON line per record; exit 1 if any record was not recorded, 2 on bad arguments.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import type { SNSEvent } from "aws-lambda";
import { handler } from "../functions/recorder";
import { METRIC_MATH_OK, PROBE_HEALTH_ALARM, SINGLE_METRIC_ALARM } from "../functions/recorder/samples";

const USAGE = "usage: ALARM_TABLE_NAME=<table> node -r ts-node/register/transpile-only cli/ledger-record.ts (--samples | <notification-or-sns-event.json>)";
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
 * A short incident in the last hour, from the built-in samples: the site goes down (availability
 * and quorum alarms), recovers, and the probe-health alarm fires at the end and stays in ALARM.
 */
export function sampleIncident(now: number): string[] {
  const minutesAgo = (minutes: number) => cloudWatchTime(now - minutes * 60_000);
  const single = SINGLE_METRIC_ALARM.notification;
  const quorum = METRIC_MATH_OK.notification;
  return [
    { ...single, StateChangeTime: minutesAgo(50) },
    { ...quorum, NewStateValue: "ALARM", OldStateValue: "OK", NewStateReason: "Threshold Crossed: 1 datapoint [3.0] was greater than or equal to the threshold (2.0).", StateChangeTime: minutesAgo(45) },
    { ...quorum, StateChangeTime: minutesAgo(25) },
    { ...single, NewStateValue: "OK", OldStateValue: "ALARM", NewStateReason: "Threshold Crossed: 1 out of the last 3 datapoints [1.0 (26/11/26 10:22:00)] was not less than the threshold (1.0).", StateChangeTime: minutesAgo(20) },
    { ...PROBE_HEALTH_ALARM.notification, StateChangeTime: minutesAgo(10) },
  ].map((notification) => JSON.stringify(notification));
}

function eventFromFile(file: string): SNSEvent {
  const value = JSON.parse(fs.readFileSync(file, "utf8")) as { Records?: unknown };
  return Array.isArray(value.Records) ? (value as SNSEvent) : snsEventOf([JSON.stringify(value)]);
}

async function main(argv: string[]): Promise<number> {
  let event: SNSEvent;
  try {
    const { values, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { samples: { type: "boolean" } } });
    if (values.samples === true && positionals.length === 0) event = snsEventOf(sampleIncident(Date.now()));
    else if (values.samples !== true && positionals.length === 1) event = eventFromFile(positionals[0]);
    else throw new Error("pass --samples or one file");
  } catch (error) {
    process.stderr.write(`ledger-record: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    await handler(event);
    return 0;
  } catch (error) {
    process.stderr.write(`ledger-record: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`ledger-record: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
