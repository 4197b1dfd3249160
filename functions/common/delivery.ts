/**
 * The delivery record: what the notifier did about one alarm state change, per channel, written on
 * the change's ledger item (attribute `delivery`) and shown by `npm run alarms`.
 */

export type ChannelStatus = "sent" | "failed" | "suppressed" | "deferred";

/** Why a channel was not told (suppressed) or not told yet (deferred). One wording, used everywhere. */
export const DELIVERY_REASONS = {
  maintenance: (window: string) => `maintenance: ${window}`,
  newAlarm: "new alarm without data yet",
  test: "test notification (npm run deploy -- verify)",
  directEmail: "e-mailed straight from SNS (operators topic)",
  unannouncedRecovery: "recovery of an ALARM people were not told about",
  firstOk: "a new alarm's first OK, not a recovery",
  notInAlarm: "no longer in ALARM",
  remindersToPagerDuty: "PagerDuty escalates by itself",
} as const;

export interface ChannelDelivery {
  status: ChannelStatus;
  /** Suppressed or deferred: why. */
  reason?: string;
  /** Attempts made (sent or failed). */
  attempts?: number;
  /** When it was sent, or given up (ISO 8601 UTC). */
  at?: string;
  /** Failed: the last error, with every secret value removed. */
  error?: string;
}

export interface DeliveryRecord {
  /** `pending` while the notifier delivers (a duplicate delivery of the notification is skipped meanwhile), then `done`. */
  status: "pending" | "done";
  claimedAt: string;
  completedAt?: string;
  /** Channel name -> what happened. Channels the alarm is not routed to are left out. */
  channels: Record<string, ChannelDelivery>;
  /** The maintenance window open when the state changed (the change is still recorded). */
  maintenance?: string;
  /** Deferred channels are sent by the sweep from this time on if the alarm is still in ALARM (ISO 8601 UTC). */
  deferredUntil?: string;
  /** Reminders sent while the alarm stayed in ALARM. */
  reminders?: number;
  lastReminderAt?: string;
}

/**
 * One line for a table: `sent: email, slack; failed: pager; suppressed (maintenance: deploys): teams`.
 * `-` when there is no record (a change recorded before the notifier existed, or with no channel).
 */
export function summarizeDelivery(record: DeliveryRecord | undefined): string {
  if (!record) return "-";
  if (record.status === "pending") return "delivering";
  const groups = new Map<string, string[]>();
  for (const [channel, delivery] of Object.entries(record.channels).sort(([a], [b]) => a.localeCompare(b))) {
    const label = delivery.reason ? `${delivery.status} (${delivery.reason})` : delivery.status;
    groups.set(label, [...(groups.get(label) ?? []), channel]);
  }
  const order = (label: string) => ["sent", "failed", "deferred", "suppressed"].findIndex((status) => label.startsWith(status));
  const parts = [...groups.entries()].sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b)).map(([label, channels]) => `${label}: ${channels.join(", ")}`);
  if (record.reminders) parts.push(`${record.reminders} reminder${record.reminders === 1 ? "" : "s"}`);
  return parts.length > 0 ? parts.join("; ") : "no channel";
}
