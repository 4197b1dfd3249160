/**
 * The sweep (every 5 minutes, `{ "sweep": true }`): for every alarm of the stage still in ALARM,
 * - sends what was deferred once it is due (a new alarm still in ALARM after its evaluation
 *   window: not just missing first data; an outage still on when its maintenance window ended);
 * - reminds, every `reminderMinutes` from when they were first told, the channels that were told,
 *   saying how long it has been down (since the change into ALARM).
 * The alarm's state comes from CloudWatch (DescribeAlarms), what was sent from the ledger.
 */
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DELIVERY_REASONS, type ChannelDelivery, type DeliveryRecord } from "../common/delivery";
import type { LedgerItem } from "../common/ledger";
import { activeMaintenance } from "../common/maintenance";
import { TARGET_METRICS } from "../common/metrics";
import { formatDuration } from "../common/time";
import { observedValues, type AlarmEvent } from "./alarm";
import type { ChannelDecision } from "./decide";
import { routedChannels } from "./decide";
import { earlierChanges, updateDelivery } from "./ledger";
import { buildMessage } from "./message";
import { deliver, gatherFacts, type NotifierDeps } from "./notifier";

/** The newest change of an alarm: a key after every ISO time. */
const AFTER_EVERY_CHANGE = "9999-12-31T23:59:59.999Z";

export interface SweepResult {
  inAlarm: number;
  deferredSent: string[];
  reminded: string[];
}

/**
 * The names of the stage's alarms in ALARM: metric alarms and composite alarms (a target's SLO
 * burn-rate alarm is composite). Without `AlarmTypes` DescribeAlarms lists metric alarms only.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
 */
async function alarmsInAlarm(deps: NotifierDeps): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await deps.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: `webhealth-${deps.config.stage}-`, StateValue: "ALARM", AlarmTypes: ["MetricAlarm", "CompositeAlarm"], NextToken: nextToken, MaxRecords: 100 }),
    );
    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) if (alarm.AlarmName) names.push(alarm.AlarmName);
    nextToken = page.NextToken;
  } while (nextToken);
  return names;
}

/** The ALARM change as an AlarmEvent, from its ledger item (the sweep has no notification). */
export function eventFromItem(item: LedgerItem, deps: NotifierDeps): AlarmEvent {
  const info = deps.config.alarms[item.alarmName];
  const regions = deps.config.probeLogGroups.map((group) => group.region);
  return {
    alarmName: item.alarmName,
    kind: info?.kind ?? "unknown",
    info,
    state: "ALARM",
    previousState: (item.oldState as AlarmEvent["previousState"]) ?? "OK",
    changedAt: item.changedAt,
    reason: item.reason ?? "",
    description: item.description,
    region: item.region ?? deps.config.homeRegion,
    // A quorum alarm reads every probe region: the Check metric (all regions write it) or metric math (the layout before).
    regions: (item.expression || item.metricName === TARGET_METRICS.check) && regions.length > 1 ? regions : [item.region ?? deps.config.homeRegion],
    expression: item.expression,
    ...(item.metricName && !item.expression ? { metricName: item.metricName } : {}),
    threshold: item.threshold,
    comparisonOperator: item.comparisonOperator,
    observed: observedValues(item.reason ?? ""),
  };
}

async function sendDeferred(deps: NotifierDeps, item: LedgerItem, record: DeliveryRecord, now: number): Promise<boolean> {
  const deferred = Object.entries(record.channels).filter(([, value]) => value.status === "deferred");
  if (deferred.length === 0 || !record.deferredUntil || Date.parse(record.deferredUntil) > now) return false;
  const event = eventFromItem(item, deps);
  const window = event.info?.url ? activeMaintenance(deps.config.maintenance, event.info.url, now) : undefined;
  if (window) return false; // Another window is open: the next sweep after it looks again.
  const names = new Set(deferred.map(([name]) => name));
  const decisions: ChannelDecision[] = routedChannels(event, deps.config)
    .filter((channel) => names.has(channel.name))
    .map((channel) => (channel.type === "email" && event.info?.directEmail ? { channel, action: "suppress", reason: DELIVERY_REASONS.directEmail } : { channel, action: "send" }));
  const wasNew = deferred.some(([, value]) => value.reason === DELIVERY_REASONS.newAlarm);
  const note = wasNew
    ? `Still in ALARM ${formatDuration(now - Date.parse(item.changedAt))} after this new alarm first went to ALARM for lack of data: the probe is not reporting.`
    : `Still in ALARM after the maintenance window ${record.maintenance ?? ""} ended.`.replace("  ", " ");
  const facts = await gatherFacts(deps, event, { note });
  const message = buildMessage(event, deps.config, facts);
  const channels = await deliver(deps, message, decisions, { sweep: true, alarmName: item.alarmName, changedAt: item.changedAt });
  await updateDelivery(deps.ledger, item, { channels, expectedReminders: record.reminders ?? 0, deferredUntil: null });
  return true;
}

/** A sweep starts a few seconds after its 5-minute tick: a reminder due within this of the tick is sent on it, not 5 minutes later. */
const SWEEP_JITTER_MS = 30_000;

async function remind(deps: NotifierDeps, item: LedgerItem, record: DeliveryRecord, now: number): Promise<boolean> {
  const interval = deps.config.reminderMinutes * 60_000;
  if (interval <= 0) return false;
  const toldAt = Object.entries(record.channels).filter(([, value]) => value.status === "sent");
  if (toldAt.length === 0) return false;
  // Intervals count from when people were first told: an ALARM sent late (held for a window or a
  // new alarm's first data) is not reminded minutes after its first message.
  const firstTold = Math.min(...toldAt.map(([, value]) => (value.at ? Date.parse(value.at) : Date.parse(item.changedAt))));
  const due = Math.floor((now - firstTold + SWEEP_JITTER_MS) / interval);
  const sent = record.reminders ?? 0;
  if (due <= sent) return false;
  const event = eventFromItem(item, deps);
  if (event.info?.url && activeMaintenance(deps.config.maintenance, event.info.url, now)) return false;
  const told = new Set(toldAt.map(([name]) => name));
  const channels = routedChannels(event, deps.config).filter((channel) => told.has(channel.name));
  if (channels.length === 0) return false;
  // Counted first (conditionally), sent after: two sweeps never send the same reminder.
  const claimed = await updateDelivery(deps.ledger, item, { reminders: due, lastReminderAt: new Date(now).toISOString(), expectedReminders: sent });
  if (claimed !== "updated") return false;
  const decisions: ChannelDecision[] = channels.map((channel) =>
    channel.type === "pagerduty" ? { channel, action: "suppress", reason: DELIVERY_REASONS.remindersToPagerDuty } : { channel, action: "send" },
  );
  const facts = await gatherFacts(deps, event, { reminder: { count: due }, alarmSince: item.changedAt });
  const message = buildMessage(event, deps.config, facts);
  const results = await deliver(deps, message, decisions, { sweep: true, reminder: due, alarmName: item.alarmName, changedAt: item.changedAt });
  deps.log({ level: "INFO", outcome: "reminded", alarmName: item.alarmName, changedAt: item.changedAt, reminder: due, channels: Object.fromEntries(Object.entries(results).map(([name, value]) => [name, value.status])) });
  return true;
}

export async function sweep(deps: NotifierDeps): Promise<SweepResult> {
  const now = deps.now();
  const result: SweepResult = { inAlarm: 0, deferredSent: [], reminded: [] };
  for (const alarmName of await alarmsInAlarm(deps)) {
    result.inAlarm++;
    const [latest] = await earlierChanges(deps.ledger, alarmName, AFTER_EVERY_CHANGE, 1);
    if (!latest || latest.newState !== "ALARM" || !latest.delivery || latest.delivery.status !== "done") continue;
    if (await sendDeferred(deps, latest, latest.delivery, now)) {
      result.deferredSent.push(alarmName);
      continue;
    }
    if (await remind(deps, latest, latest.delivery, now)) result.reminded.push(alarmName);
  }
  deps.log({ level: "INFO", outcome: "swept", ...result });
  return result;
}

export type { ChannelDelivery };
