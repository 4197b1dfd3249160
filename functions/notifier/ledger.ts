/**
 * The notifier's side of the alarm ledger: the delivery record on the change's item, and the
 * alarm's earlier changes. The item's key is the recorder's (alarm name, state change time); the
 * notifier may get there first, so its writes create the item if needed and never touch the
 * recorder's fields (the recorder's write keeps `delivery`: functions/recorder/dynamo.ts).
 */
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ChannelDelivery, DeliveryRecord } from "../common/delivery";
import { LEDGER_ATTRIBUTES, type LedgerItem } from "../common/ledger";
import { errorName } from "../recorder/dynamo";

const SECONDS_PER_DAY = 86_400;

export interface ChangeKey {
  alarmName: string;
  changedAt: string;
}

export interface LedgerAccess {
  client: DynamoDBDocumentClient;
  tableName: string;
  retentionDays: number;
}

function keyOf(change: ChangeKey) {
  return { [LEDGER_ATTRIBUTES.alarmName]: change.alarmName, [LEDGER_ATTRIBUTES.changedAt]: change.changedAt };
}

function expiresAt(change: ChangeKey, retentionDays: number): number {
  return Math.floor(Date.parse(change.changedAt) / 1000) + retentionDays * SECONDS_PER_DAY;
}

/**
 * Claims the delivery of a change: the first notifier to claim it delivers; a duplicate (SNS
 * delivers at least once, CloudWatch may notify twice) finds the claim and stops. A claim left
 * `pending` for longer than `staleMs` (the notifier that made it died) can be taken over.
 */
export async function claimDelivery(ledger: LedgerAccess, change: ChangeKey, now: number, staleMs: number): Promise<"claimed" | "duplicate"> {
  const record: DeliveryRecord = { status: "pending", claimedAt: new Date(now).toISOString(), channels: {} };
  try {
    await ledger.client.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: keyOf(change),
        UpdateExpression: "SET #delivery = :record, #expiresAt = if_not_exists(#expiresAt, :expiresAt)",
        ConditionExpression: "attribute_not_exists(#delivery) OR (#delivery.#status = :pending AND #delivery.#claimedAt < :stale)",
        ExpressionAttributeNames: { "#delivery": "delivery", "#expiresAt": LEDGER_ATTRIBUTES.expiresAt, "#status": "status", "#claimedAt": "claimedAt" },
        ExpressionAttributeValues: { ":record": record, ":expiresAt": expiresAt(change, ledger.retentionDays), ":pending": "pending", ":stale": new Date(now - staleMs).toISOString() },
      }),
    );
    return "claimed";
  } catch (error) {
    if (errorName(error) === "ConditionalCheckFailedException") return "duplicate";
    throw error;
  }
}

/** Writes the finished record (what each channel got). */
export async function writeDelivery(ledger: LedgerAccess, change: ChangeKey, record: DeliveryRecord): Promise<void> {
  await ledger.client.send(
    new UpdateCommand({
      TableName: ledger.tableName,
      Key: keyOf(change),
      UpdateExpression: "SET #delivery = :record, #expiresAt = if_not_exists(#expiresAt, :expiresAt)",
      ExpressionAttributeNames: { "#delivery": "delivery", "#expiresAt": LEDGER_ATTRIBUTES.expiresAt },
      ExpressionAttributeValues: { ":record": record, ":expiresAt": expiresAt(change, ledger.retentionDays) },
    }),
  );
}

/**
 * Updates some channels of a finished record (a deferred delivery sent, reminders counted), only
 * if the record still says what the caller read (`expectedReminders`): two sweeps never both send.
 */
export async function updateDelivery(
  ledger: LedgerAccess,
  change: ChangeKey,
  update: { channels?: Record<string, ChannelDelivery>; reminders?: number; lastReminderAt?: string; expectedReminders: number; deferredUntil?: null },
): Promise<"updated" | "changed-meanwhile"> {
  const names: Record<string, string> = { "#delivery": "delivery", "#reminders": "reminders" };
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  Object.entries(update.channels ?? {}).forEach(([channel, delivery], index) => {
    names["#channels"] = "channels";
    names[`#c${index}`] = channel;
    values[`:c${index}`] = delivery;
    sets.push(`#delivery.#channels.#c${index} = :c${index}`);
  });
  if (update.reminders !== undefined) {
    values[":reminders"] = update.reminders;
    sets.push("#delivery.#reminders = :reminders");
  }
  if (update.lastReminderAt !== undefined) {
    names["#lastReminderAt"] = "lastReminderAt";
    values[":lastReminderAt"] = update.lastReminderAt;
    sets.push("#delivery.#lastReminderAt = :lastReminderAt");
  }
  if (update.deferredUntil === null) {
    names["#deferredUntil"] = "deferredUntil";
    removes.push("#delivery.#deferredUntil");
  }
  values[":expected"] = update.expectedReminders;
  const condition = update.expectedReminders === 0 ? "attribute_exists(#delivery) AND (attribute_not_exists(#delivery.#reminders) OR #delivery.#reminders = :expected)" : "#delivery.#reminders = :expected";
  try {
    await ledger.client.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: keyOf(change),
        UpdateExpression: [sets.length > 0 ? `SET ${sets.join(", ")}` : "", removes.length > 0 ? `REMOVE ${removes.join(", ")}` : ""].filter(Boolean).join(" "),
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return "updated";
  } catch (error) {
    if (errorName(error) === "ConditionalCheckFailedException") return "changed-meanwhile";
    throw error;
  }
}

/** The alarm's recorded changes before `before` (ISO), newest first; items the recorder has not written yet are skipped. */
export async function earlierChanges(ledger: LedgerAccess, alarmName: string, before: string, limit = 10): Promise<LedgerItem[]> {
  const answer = await ledger.client.send(
    new QueryCommand({
      TableName: ledger.tableName,
      KeyConditionExpression: "#alarmName = :alarmName AND #changedAt < :before",
      ExpressionAttributeNames: { "#alarmName": LEDGER_ATTRIBUTES.alarmName, "#changedAt": LEDGER_ATTRIBUTES.changedAt },
      ExpressionAttributeValues: { ":alarmName": alarmName, ":before": before },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return ((answer.Items ?? []) as LedgerItem[]).filter((item) => item.newState !== undefined || item.delivery !== undefined);
}
