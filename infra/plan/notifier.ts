/**
 * The notifier's part of the plan (pure): its function settings, the topics people's e-mail goes
 * through, its dead-letter queue and alarm, the sweep that sends reminders, and the runtime
 * configuration it ships with (functions/common/notifier-config.ts). Only planned when the stage
 * has at least one channel.
 *
 * Two paths reach people:
 * - the notifier: CloudWatch -> alarm topic -> notifier -> channels (e-mail through the e-mail
 *   topic, one subscription filter per e-mail channel, so routing and maintenance apply to e-mail
 *   too);
 * - without the notifier: the notifier's own dead-letter and error alarms publish to the
 *   operators topic as well, whose e-mail subscriptions (every address of every e-mail channel)
 *   have no filter: CloudWatch's own message, straight from SNS, when the notifier is broken.
 */
import { probeLogGroupName } from "../../functions/common/probe-log";
import type { StageConfig } from "../config";
import type { ChannelConfig } from "../config-notifications";
import { VERIFY_ALARM_PREFIX } from "../../functions/common/contract";
import { secretParameterName } from "../../functions/common/secrets";
import { channelSecrets, type NotifierRuntimeConfig, type RuntimeAlarm, type RuntimeChannel } from "../../functions/common/notifier-config";
import { deadLetterAlarm, type AlarmSpec } from "./alarms";
import type { CompositeAlarmSpec } from "./slo";
import { dashboardUrl, NOTIFIER_ROLE, probeRole, functionName, stagePrefix } from "./names";

export const NOTIFIER_SETTINGS = {
  memoryMb: 256,
  /** Deliveries retry within about 40 s (functions/notifier/deliver.ts); the rest is reading and recording. */
  timeoutSeconds: 60,
  /** A notifier that failed as a whole is retried once by Lambda; a notification older than an hour goes to the dead-letter queue. */
  asyncRetries: 1,
  maxEventAgeSeconds: 3600,
} as const;

/** Reminders and deferred deliveries (a new alarm still in ALARM, a window that ended on an outage) are sent by this sweep. */
export const SWEEP_SCHEDULE = "rate(5 minutes)";
export const SWEEP_EVENT = { sweep: true } as const;

export interface EmailSubscription {
  channel: string;
  address: string;
}

export interface NotifierPlan {
  emailTopicName: string;
  operatorsTopicName: string;
  deadLetterQueueName: string;
  sweepRuleName: string;
  /** Readable e-mails: one subscription per channel and address, filtered on the channel. */
  emailSubscriptions: EmailSubscription[];
  /** Every e-mail address once: subscribed to the operators topic without a filter. */
  operatorAddresses: string[];
  /** The alarms CloudWatch also publishes to the operators topic (e-mail straight from SNS). */
  operatorAlarmNames: string[];
  deadLetterAlarm: AlarmSpec;
  /** Every secret the channels read, with its SSM parameter. */
  secrets: Array<{ secret: string; parameter: string }>;
  runtime: NotifierRuntimeConfig;
}

function runtimeChannel(stage: string, channel: ChannelConfig): RuntimeChannel {
  const use = (secret: string) => ({ secret, parameter: secretParameterName(stage, secret) });
  switch (channel.type) {
    case "email":
      return { name: channel.name, type: "email" };
    case "slack":
      return { name: channel.name, type: "slack", webhookUrl: use(channel.webhookUrl.secret) };
    case "teams":
      return { name: channel.name, type: "teams", webhookUrl: use(channel.webhookUrl.secret) };
    case "pagerduty":
      return { name: channel.name, type: "pagerduty", routingKey: use(channel.routingKey.secret), eventsUrl: channel.eventsUrl };
    case "webhook":
      return { name: channel.name, type: "webhook", url: use(channel.url.secret), signingKey: use(channel.signingKey.secret) };
  }
}

/** The notifier's dead-letter alarm: deliveries that failed after their retries, and notifications it could not take. */
export function planNotifierDeadLetterAlarm(stage: string, region: string, queueName: string): AlarmSpec {
  return deadLetterAlarm({
    role: "notifier",
    stage,
    region,
    queueName,
    description: `Alarm notifications the notifier could not deliver are waiting in ${queueName}: people may not have been told about an alarm`,
    periodSeconds: 60,
    notifyOperators: true,
  });
}

/** The runtime alarm of every alarm of the plan, keyed by alarm name. */
function runtimeAlarms(config: StageConfig, alarms: Array<AlarmSpec | CompositeAlarmSpec>, allChannels: string[]): Record<string, RuntimeAlarm> {
  const byUrl = new Map(config.targets.map((target, index) => [target.url, { target, settings: config.targetNotifications[index] ?? {} }]));
  const out: Record<string, RuntimeAlarm> = {};
  for (const spec of alarms) {
    // A burn-rate window has no actions (its composite alarm, kind "burn-rate", notifies): nothing to tell about it.
    if (spec.kind === "burn-rate-window") continue;
    if (spec.kind === "burn-rate") {
      const entry = byUrl.get(spec.url);
      out[spec.alarmName] = {
        kind: "burn-rate",
        channels: entry?.settings.channels ?? allChannels,
        url: spec.url,
        targetName: entry?.target.name ?? spec.url,
        ...(entry?.settings.runbookUrl ? { runbookUrl: entry.settings.runbookUrl } : {}),
      };
      continue;
    }
    const entry = spec.url ? byUrl.get(spec.url) : undefined;
    const alarm: RuntimeAlarm = { kind: spec.kind, channels: entry?.settings.channels ?? allChannels };
    if (entry) {
      alarm.url = entry.target.url;
      alarm.targetName = entry.target.name ?? entry.target.url;
      if (spec.kind === "latency") alarm.latencyMs = entry.target.latencyMs ?? config.alarms.defaultLatencyMs;
      if (entry.settings.runbookUrl) alarm.runbookUrl = entry.settings.runbookUrl;
    }
    if (spec.notifyOperators) alarm.directEmail = true;
    if (spec.kind === "probe-health") alarm.subject = spec.metric?.dimensions.Region ?? config.probeRegions[0];
    if (spec.kind === "function-errors" || spec.kind === "function-duration") alarm.subject = spec.metric?.dimensions.FunctionName;
    if (spec.kind === "dead-letters") alarm.subject = spec.metric?.dimensions.QueueName;
    out[spec.alarmName] = alarm;
  }
  return out;
}

/**
 * The notifier plan, or undefined when the stage has no channel. `alarms` is every alarm of the
 * stage, including the notifier's own (its function alarms and dead-letter alarm).
 */
export function planNotifier(config: StageConfig, alarms: Array<AlarmSpec | CompositeAlarmSpec>, notifierFunctionAlarms: AlarmSpec[]): NotifierPlan | undefined {
  const { channels } = config.notifications;
  if (channels.length === 0) return undefined;
  const prefix = stagePrefix(config.stage);
  const deadLetterQueueName = `${prefix}-notifier-dead-letters`;
  const deadLetterAlarm = planNotifierDeadLetterAlarm(config.stage, config.homeRegion, deadLetterQueueName);
  const emailSubscriptions = channels.flatMap((channel) => (channel.type === "email" ? channel.addresses.map((address) => ({ channel: channel.name, address })) : []));
  const operatorAddresses = [...new Set(emailSubscriptions.map((subscription) => subscription.address.toLowerCase()))];
  const allChannels = channels.map((channel) => channel.name);
  const runtime: NotifierRuntimeConfig = {
    stage: config.stage,
    homeRegion: config.homeRegion,
    dashboardUrl: dashboardUrl(config.homeRegion, prefix),
    channels: channels.map((channel) => runtimeChannel(config.stage, channel)),
    alarms: runtimeAlarms(config, [...alarms, ...notifierFunctionAlarms, deadLetterAlarm], allChannels),
    probeLogGroups: config.probeRegions.map((region) => ({ region, logGroupName: probeLogGroupName(functionName(config.stage, probeRole(region))) })),
    maintenance: config.notifications.maintenance,
    reminderMinutes: config.notifications.reminderMinutes,
    testAlarmPrefix: VERIFY_ALARM_PREFIX,
  };
  return {
    emailTopicName: `${prefix}-email`,
    operatorsTopicName: `${prefix}-operators`,
    deadLetterQueueName,
    sweepRuleName: `${prefix}-notifier-sweep`,
    emailSubscriptions,
    operatorAddresses,
    operatorAlarmNames: [...notifierFunctionAlarms.map((spec) => spec.alarmName), deadLetterAlarm.alarmName],
    deadLetterAlarm,
    secrets: channelSecrets(runtime.channels),
    runtime,
  };
}

export { NOTIFIER_ROLE };
