/**
 * The notifier Lambda: subscribed to the alarm topic beside the recorder, it tells people about
 * alarm state changes in their channels and writes what it did into the ledger. `{ "sweep": true }`
 * (every 5 minutes) sends reminders and deferred deliveries; `{ "selfTest": true }` runs the
 * self-test instead (nothing sent, nothing written).
 */
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { Context, SNSEvent } from "aws-lambda";
import type { SelfTestReport } from "../common/contract";
import { createLedgerClient } from "../recorder/dynamo";
import { cloudWatchClient, logsClient, snsClient, sqsClient, ssmClient } from "./clients";
import { notifySnsRecords, type NotifierDeps, type NotifyResult } from "./notifier";
import { ssmSecretSource } from "./secrets";
import { notifierSelfTest } from "./self-test";
import { readNotifierSettings, readRuntimeConfig } from "./settings";
import { sweep, type SweepResult } from "./sweep";

let deps: Omit<NotifierDeps, "remainingMs"> | undefined;
const logsClients = new Map<string, CloudWatchLogsClient>();

/** Created once per container: clients keep their connections, the configuration is read once. */
function containerDeps(): Omit<NotifierDeps, "remainingMs"> {
  if (deps) return deps;
  const settings = readNotifierSettings(process.env, readRuntimeConfig());
  // Every client has a request timeout (clients.ts). The notifier's own retry policy (deliver.ts)
  // decides about e-mail too: the SNS client does not retry.
  deps = {
    config: settings.config,
    ledger: { client: createLedgerClient(), tableName: settings.tableName, retentionDays: settings.retentionDays },
    sns: snsClient(),
    emailTopicArn: settings.emailTopicArn,
    sqs: sqsClient(),
    deadLetterQueueUrl: settings.deadLetterQueueUrl,
    cloudwatch: cloudWatchClient(),
    logsClientFor: (region) => {
      let client = logsClients.get(region);
      if (!client) logsClients.set(region, (client = logsClient({ region })));
      return client;
    },
    secrets: ssmSecretSource(ssmClient()),
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => console.log(JSON.stringify(line)),
  };
  return deps;
}

function flag(event: unknown, name: string): boolean {
  return typeof event === "object" && event !== null && (event as Record<string, unknown>)[name] === true;
}

function isSnsEvent(event: unknown): event is SNSEvent {
  return typeof event === "object" && event !== null && Array.isArray((event as { Records?: unknown }).Records);
}

export async function handler(event: unknown, context?: Pick<Context, "getRemainingTimeInMillis">): Promise<SelfTestReport | SweepResult | { notified: NotifyResult[] }> {
  const remainingMs = () => context?.getRemainingTimeInMillis() ?? 60_000;
  if (flag(event, "selfTest")) return notifierSelfTest(() => ({ ...containerDeps(), remainingMs }));
  if (flag(event, "sweep")) return sweep({ ...containerDeps(), remainingMs });
  if (!isSnsEvent(event)) throw new Error('unsupported event: expected an SNS event ({ "Records": [...] }), { "sweep": true } or { "selfTest": true }');
  return { notified: await notifySnsRecords(event.Records, { ...containerDeps(), remainingMs }) };
}
