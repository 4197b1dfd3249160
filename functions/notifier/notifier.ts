/**
 * The notifier's behaviour for alarm notifications, with its dependencies passed in (index.ts
 * wires the real ones once per container): claim the change's delivery in the ledger, decide per
 * channel, read what the message needs (the target's latest probe results, the alarm's previous
 * change), send to every channel at once, dead-letter what still failed, write the delivery record.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SNSEventRecord } from "aws-lambda";
import { TEST_NOTIFICATION } from "../common/contract";
import { DELIVERY_REASONS, type ChannelDelivery, type DeliveryRecord } from "../common/delivery";
import type { LedgerItem } from "../common/ledger";
import type { NotifierRuntimeConfig } from "../common/notifier-config";
import { parseAlarmNotification } from "../recorder/notification";
import { readAlarmEvent, type AlarmEvent } from "./alarm";
import { decide, type ChannelDecision } from "./decide";
import type { PostOptions, RetryPolicy } from "./deliver";
import { claimDelivery, earlierChanges, updateDelivery, writeDelivery, type LedgerAccess } from "./ledger";
import { buildMessage, type AlarmMessage, type MessageFacts } from "./message";
import { readRecentResults, summarizeRegion } from "./probe-results";
import { sendToChannels, type ChannelResult } from "./send";
import type { SecretSource } from "./secrets";

/** Time kept back from Lambda's timeout for writing the record after the last delivery attempt. */
export const RECORD_RESERVE_MS = 8_000;

export interface NotifierDeps {
  config: NotifierRuntimeConfig;
  ledger: LedgerAccess;
  sns: SNSClient;
  emailTopicArn: string;
  sqs: SQSClient;
  deadLetterQueueUrl: string;
  cloudwatch: CloudWatchClient;
  logsClientFor: (region: string) => CloudWatchLogsClient;
  secrets: SecretSource;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  /** Milliseconds until Lambda ends the invocation. */
  remainingMs: () => number;
  log: (line: Record<string, unknown>) => void;
  /** Tests only. */
  retryPolicy?: Partial<RetryPolicy>;
  postOptions?: Pick<PostOptions, "ca">;
  queryBudgetMs?: number;
  /** A claim older than this was left by a notifier that died: default the function's timeout. */
  staleClaimMs?: number;
}

export type NotifyOutcome = "delivered" | "duplicate" | "failed";

export interface NotifyResult {
  outcome: NotifyOutcome;
  messageId: string;
  alarmName?: string;
  changedAt?: string;
  channels?: Record<string, ChannelDelivery>;
  error?: string;
}

/** Thrown when a notification could not be handled at all: Lambda retries it, then dead-letters it. */
export class NotificationsNotHandledError extends Error {
  constructor(public readonly failed: NotifyResult[]) {
    super(`${failed.length} notification(s) not handled: ${failed.map((result) => `${result.messageId} (${result.error})`).join("; ")}`);
    this.name = "NotificationsNotHandledError";
  }
}

/** `verify` marks its test both in the body and as a message attribute (functions/common/contract.ts TEST_NOTIFICATION). */
export function isTestNotification(record: SNSEventRecord): boolean {
  if (record.Sns?.MessageAttributes?.[TEST_NOTIFICATION.marker]?.Value === "true") return true;
  try {
    return (JSON.parse(String(record.Sns?.Message)) as Record<string, unknown>)[TEST_NOTIFICATION.marker] === true;
  } catch {
    return false;
  }
}

/** The change into ALARM that an OK (or a reminder) belongs to: the newest earlier change into ALARM. */
export function previousAlarm(items: readonly LedgerItem[]): LedgerItem | undefined {
  for (const item of items) {
    if (item.newState === "ALARM") return item;
    if (item.newState === "OK") return undefined;
  }
  return undefined;
}

/** Reads the probe results of a target alarm into the facts of its message. */
export async function gatherFacts(deps: NotifierDeps, event: AlarmEvent, extra: Partial<MessageFacts> = {}): Promise<MessageFacts> {
  const facts: MessageFacts = { now: deps.now(), ...extra };
  if (event.info?.url && event.state === "ALARM" && deps.config.probeLogGroups.length > 0) {
    const regions = await readRecentResults(deps.config.probeLogGroups, event.info.url, deps.now(), {
      clientFor: deps.logsClientFor,
      sleep: deps.sleep,
      now: deps.now,
      budgetMs: deps.queryBudgetMs,
    });
    facts.results = regions.map(summarizeRegion);
  }
  return facts;
}

/** Keeps a failed delivery where people will look (the dead-letter queue raises an alarm e-mailed straight from SNS). */
export async function deadLetter(deps: NotifierDeps, body: Record<string, unknown>): Promise<void> {
  try {
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.deadLetterQueueUrl, MessageBody: JSON.stringify(body) }));
  } catch (error) {
    deps.log({ level: "ERROR", outcome: "dead-letter-failed", error: `${(error as Error).name}: ${(error as Error).message}`, ...body });
    throw error;
  }
}

/** Sends a message to the channels decided `send`, dead-letters the failures, returns what each got. */
export async function deliver(deps: NotifierDeps, message: AlarmMessage, decisions: readonly ChannelDecision[], source: Record<string, unknown>): Promise<Record<string, ChannelDelivery>> {
  const channels: Record<string, ChannelDelivery> = {};
  for (const decision of decisions) {
    if (decision.action !== "send") channels[decision.channel.name] = { status: decision.action === "defer" ? "deferred" : "suppressed", ...(decision.reason ? { reason: decision.reason } : {}) };
  }
  const sending = decisions.filter((decision) => decision.action === "send").map((decision) => decision.channel);
  const results: ChannelResult[] = await sendToChannels(
    {
      sns: deps.sns,
      emailTopicArn: deps.emailTopicArn,
      secrets: deps.secrets,
      sleep: deps.sleep,
      now: deps.now,
      deadline: deps.now() + Math.max(0, deps.remainingMs() - RECORD_RESERVE_MS),
      random: deps.random,
      retryPolicy: deps.retryPolicy,
      postOptions: deps.postOptions,
    },
    sending,
    message,
  );
  for (const result of results) {
    channels[result.channel] = result.delivery;
    if (result.delivery.status === "failed") {
      await deadLetter(deps, { reason: "delivery failed", channel: result.channel, alarmName: message.alarmName, changedAt: message.changedAt, type: message.type, error: result.delivery.error, attempts: result.delivery.attempts, source });
    }
  }
  return channels;
}

async function notifyOne(deps: NotifierDeps, record: SNSEventRecord): Promise<NotifyResult> {
  const messageId = record.Sns?.MessageId ?? "(no MessageId)";
  let event: AlarmEvent;
  try {
    event = readAlarmEvent(parseAlarmNotification(String(record.Sns?.Message)), deps.config);
    event.test = isTestNotification(record);
  } catch (error) {
    return { outcome: "failed", messageId, error: (error as Error).message.replace(/\n/g, "; ") };
  }
  const change = { alarmName: event.alarmName, changedAt: event.changedAt };
  const about = { messageId, alarmName: event.alarmName, changedAt: event.changedAt };
  // verify's test: nobody is told and the ledger is left to the recorder (the driver deletes the
  // recorder's test item at once; a delivery record written after that would bring a stray item back).
  if (event.test || event.alarmName.startsWith(deps.config.testAlarmPrefix)) {
    const channels = decide(event, deps.config).channels.map((decision) => [decision.channel.name, { status: "suppressed" as const, reason: decision.reason }]);
    return { outcome: "delivered", ...about, channels: Object.fromEntries(channels) };
  }
  // No ledger, no idempotency, but people are still told: a failed claim is logged and the delivery goes on.
  try {
    const claim = await claimDelivery(deps.ledger, change, deps.now(), deps.staleClaimMs ?? 60_000);
    if (claim === "duplicate") return { outcome: "duplicate", ...about };
  } catch (error) {
    deps.log({ level: "ERROR", outcome: "claim-failed", ...about, error: `${(error as Error).name}: ${(error as Error).message}` });
  }

  let earlier: LedgerItem[] = [];
  try {
    earlier = await earlierChanges(deps.ledger, event.alarmName, event.changedAt);
  } catch (error) {
    deps.log({ level: "WARN", outcome: "history-unavailable", ...about, error: `${(error as Error).name}: ${(error as Error).message}` });
  }
  const previous = event.state === "OK" ? previousAlarm(earlier) : undefined;
  const decisions = decide(event, deps.config, { previousAlarmDelivery: previous?.delivery });
  const needed = decisions.channels.some((decision) => decision.action === "send");
  const facts = needed ? await gatherFacts(deps, event, previous ? { alarmSince: previous.changedAt } : {}) : { now: deps.now() };
  const message = buildMessage(event, deps.config, facts);
  const channels = await deliver(deps, message, decisions.channels, { snsMessageId: messageId, notification: record.Sns?.Message });

  const delivery: DeliveryRecord = {
    status: "done",
    claimedAt: new Date(facts.now).toISOString(),
    completedAt: new Date(deps.now()).toISOString(),
    channels,
    ...(decisions.maintenance ? { maintenance: decisions.maintenance } : {}),
    ...(decisions.deferredUntil ? { deferredUntil: decisions.deferredUntil } : {}),
  };
  try {
    await writeDelivery(deps.ledger, change, delivery);
    // The ALARM this OK ends was never sent to some channels and now never will be.
    const waiting = previous?.delivery ? Object.entries(previous.delivery.channels).filter(([, value]) => value.status === "deferred") : [];
    if (previous && waiting.length > 0) {
      await updateDelivery(deps.ledger, previous, {
        channels: Object.fromEntries(waiting.map(([name]) => [name, { status: "suppressed" as const, reason: DELIVERY_REASONS.notInAlarm }])),
        expectedReminders: previous.delivery?.reminders ?? 0,
        deferredUntil: null,
      });
    }
  } catch (error) {
    deps.log({ level: "ERROR", outcome: "record-failed", ...about, error: `${(error as Error).name}: ${(error as Error).message}` });
    await deadLetter(deps, { reason: "delivery record not written", ...about, channels });
  }
  return { outcome: "delivered", ...about, channels };
}

/**
 * Handles every record of an SNS event (SNS sends one per invocation in practice) and logs one
 * line for each. A record that could not be read fails the invocation after the others are done,
 * so Lambda retries it and then dead-letters it.
 */
export async function notifySnsRecords(records: SNSEventRecord[], deps: NotifierDeps): Promise<NotifyResult[]> {
  const results: NotifyResult[] = [];
  for (const record of records) {
    const result = await notifyOne(deps, record);
    const channels = result.channels ? Object.fromEntries(Object.entries(result.channels).map(([name, value]) => [name, value.reason ? `${value.status} (${value.reason})` : value.status])) : undefined;
    const failedChannel = Object.values(result.channels ?? {}).some((value) => value.status === "failed");
    deps.log({ level: result.outcome === "failed" || failedChannel ? "ERROR" : "INFO", outcome: result.outcome, messageId: result.messageId, alarmName: result.alarmName, changedAt: result.changedAt, channels, error: result.error });
    results.push(result);
  }
  const failed = results.filter((result) => result.outcome === "failed");
  if (failed.length > 0) throw new NotificationsNotHandledError(failed);
  return results;
}
