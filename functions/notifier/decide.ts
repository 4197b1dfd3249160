/**
 * Who is told about a state change, per channel: sent now, deferred (the sweep sends it later if
 * the alarm is still in ALARM then) or suppressed, with the reason the delivery record keeps.
 * Pure. The ledger records every change whatever is decided here.
 *
 * - `npm run deploy -- verify`'s test notification: suppressed everywhere.
 * - A new alarm (created or changed moments ago) that goes INSUFFICIENT_DATA -> ALARM only because
 *   it has no data yet: deferred until its evaluation window has passed once more; working probes
 *   turn it OK before then (and that first OK is suppressed too), a dead probe leaves it in ALARM
 *   and the sweep sends it. So a new stage does not page, and a broken one is not silent.
 * - Inside a maintenance window covering the target: ALARM deferred to the window's end (sent then
 *   if still in ALARM), OK suppressed, except PagerDuty's resolve of an incident it was sent before
 *   the window: a resolve pages nobody, and without it the incident would stay open.
 * - OK after an ALARM that a channel was not told about: suppressed for that channel.
 * - The notifier's own alarms are e-mailed straight from SNS: not e-mailed again.
 */
import { DELIVERY_REASONS, type DeliveryRecord } from "../common/delivery";
import { activeMaintenance } from "../common/maintenance";
import type { NotifierRuntimeConfig, RuntimeChannel } from "../common/notifier-config";
import { isNoDataReason, type AlarmEvent } from "./alarm";

/** When CloudWatch does not say the alarm's period (it always does for metric alarms), assume this much. */
const DEFAULT_HOLD_MS = 10 * 60_000;
/** Added to a new alarm's evaluation window before its no-data ALARM counts as real. */
const NEW_ALARM_GRACE_MS = 5 * 60_000;

export type Action = "send" | "defer" | "suppress";

export interface ChannelDecision {
  channel: RuntimeChannel;
  action: Action;
  reason?: string;
}

export interface Decisions {
  channels: ChannelDecision[];
  maintenance?: string;
  /** Deferred channels: the sweep sends them from this time on (ISO 8601 UTC). */
  deferredUntil?: string;
}

/** How long a new alarm's evaluation takes: periods x period, plus a grace. */
export function newAlarmHoldMs(event: AlarmEvent): number {
  if (!event.periodSeconds || !event.evaluationPeriods) return DEFAULT_HOLD_MS;
  return event.periodSeconds * event.evaluationPeriods * 1000 + NEW_ALARM_GRACE_MS;
}

/** INSUFFICIENT_DATA -> ALARM for lack of data, within the hold of the alarm's creation (or last change). */
export function isNewAlarmWithoutData(event: AlarmEvent): boolean {
  if (event.state !== "ALARM" || event.previousState !== "INSUFFICIENT_DATA" || !isNoDataReason(event.reason) || !event.configUpdatedAt) return false;
  const age = Date.parse(event.changedAt) - Date.parse(event.configUpdatedAt);
  return age >= 0 && age <= newAlarmHoldMs(event);
}

/** The channels an alarm is routed to (every channel for an alarm the plan does not know). */
export function routedChannels(event: AlarmEvent, config: NotifierRuntimeConfig): RuntimeChannel[] {
  const names = event.info?.channels;
  return names ? config.channels.filter((channel) => names.includes(channel.name)) : config.channels;
}

export interface DecideContext {
  /** The record of the alarm's previous change into ALARM (for an OK), when the ledger has one. */
  previousAlarmDelivery?: DeliveryRecord;
}

export function decide(event: AlarmEvent, config: NotifierRuntimeConfig, context: DecideContext = {}): Decisions {
  const channels = routedChannels(event, config);
  const all = (action: Action, reason: string) => channels.map((channel) => ({ channel, action, reason }));
  if (event.test || event.alarmName.startsWith(config.testAlarmPrefix)) return { channels: all("suppress", DELIVERY_REASONS.test) };

  const changedAt = Date.parse(event.changedAt);
  const maintenance = event.info?.url ? activeMaintenance(config.maintenance, event.info.url, changedAt) : undefined;
  const base: Pick<Decisions, "maintenance"> = maintenance ? { maintenance: maintenance.name } : {};

  if (event.state === "ALARM" && isNewAlarmWithoutData(event)) {
    return { ...base, channels: all("defer", DELIVERY_REASONS.newAlarm), deferredUntil: new Date(changedAt + newAlarmHoldMs(event)).toISOString() };
  }
  if (event.state === "OK" && event.previousState === "INSUFFICIENT_DATA") return { ...base, channels: all("suppress", DELIVERY_REASONS.firstOk) };
  if (maintenance) {
    const reason = DELIVERY_REASONS.maintenance(maintenance.name);
    if (event.state === "ALARM") return { ...base, channels: all("defer", reason), deferredUntil: maintenance.until };
    const toldBefore = (channel: RuntimeChannel) => context.previousAlarmDelivery?.channels[channel.name]?.status === "sent";
    return {
      ...base,
      channels: channels.map((channel): ChannelDecision => (channel.type === "pagerduty" && event.state === "OK" && toldBefore(channel) ? { channel, action: "send" } : { channel, action: "suppress", reason })),
    };
  }
  return {
    ...base,
    channels: channels.map((channel): ChannelDecision => {
      if (channel.type === "email" && event.info?.directEmail) return { channel, action: "suppress", reason: DELIVERY_REASONS.directEmail };
      if (event.state === "OK" && context.previousAlarmDelivery) {
        const told = context.previousAlarmDelivery.channels[channel.name];
        if (told?.status !== "sent") return { channel, action: "suppress", reason: DELIVERY_REASONS.unannouncedRecovery };
      }
      return { channel, action: "send" };
    }),
  };
}
