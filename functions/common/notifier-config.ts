/**
 * The notifier's runtime configuration: what the Pulumi program derives from the stage config and
 * the plan (infra/plan/notifier.ts) and ships as NOTIFIER_CONFIG_FILE in the function's archive,
 * and what the notifier and `npm run notify -- --preview` read. Secrets appear only as the names
 * of their SSM parameters, never as values.
 */
import * as z from "zod/mini";
import { MaintenanceWindowSchema, type MaintenanceWindow } from "./maintenance";

export const CHANNEL_TYPES = ["email", "slack", "teams", "pagerduty", "webhook"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** `oncall`, `team-chat`: it names SNS filter policies and delivery records. */
export const CHANNEL_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const CHANNEL_NAME_RULE = "1-32 lowercase letters, digits or -, starting with a letter or digit";

/** The SNS message attribute that routes a readable e-mail to the subscriptions of one e-mail channel. */
export const EMAIL_CHANNEL_ATTRIBUTE = "channel";

/**
 * The filter policy (on message attributes, SNS's default scope) of an e-mail channel's
 * subscriptions on the notifier's e-mail topic. Only the notifier publishes there, always with this
 * attribute; a message without it, such as `verify`'s test notification, matches no subscription.
 */
export function emailChannelFilterPolicy(channel: string): Record<string, string[]> {
  return { [EMAIL_CHANNEL_ATTRIBUTE]: [channel] };
}

/** A secret a channel uses: its name in `webhealth:secrets` and its SSM parameter. */
export interface SecretUse {
  secret: string;
  parameter: string;
}

export type RuntimeChannel =
  | { name: string; type: "email" }
  | { name: string; type: "slack"; webhookUrl: SecretUse }
  | { name: string; type: "teams"; webhookUrl: SecretUse }
  | { name: string; type: "pagerduty"; routingKey: SecretUse; eventsUrl: string }
  | { name: string; type: "webhook"; url: SecretUse; signingKey: SecretUse };

/** What kind of alarm a name belongs to: the plan knows every alarm it creates. */
export const ALARM_KINDS = [
  "availability",
  "latency",
  "certificate",
  "probe-health",
  "function-errors",
  "function-duration",
  "dead-letters",
  /** A target's SLO burn-rate (composite) alarm: its error budget burns too fast (infra/plan/slo.ts). */
  "burn-rate",
] as const;
export type NotifiedAlarmKind = (typeof ALARM_KINDS)[number];

/** Alarms about webhealth itself rather than a monitored site. */
export const WEBHEALTH_ALARM_KINDS: readonly NotifiedAlarmKind[] = ["probe-health", "function-errors", "function-duration", "dead-letters"];

export interface RuntimeAlarm {
  kind: NotifiedAlarmKind;
  /** Per-target alarms. */
  url?: string;
  targetName?: string;
  /** The latency alarm's threshold in milliseconds. */
  latencyMs?: number;
  /** The channels this alarm goes to (a target's `channels`; every channel otherwise). */
  channels: string[];
  runbookUrl?: string;
  /** Also e-mailed straight from SNS (the operators topic): the notifier does not e-mail it again. */
  directEmail?: boolean;
  /** What the alarm watches, for the message (probe-health: the region; function alarms: the function). */
  subject?: string;
}

export interface ProbeLogGroup {
  region: string;
  logGroupName: string;
}

export interface NotifierRuntimeConfig {
  stage: string;
  homeRegion: string;
  dashboardUrl: string;
  channels: RuntimeChannel[];
  alarms: Record<string, RuntimeAlarm>;
  /** Where each probe region writes its `probe-result` log lines (read with Logs Insights). */
  probeLogGroups: ProbeLogGroup[];
  maintenance: MaintenanceWindow[];
  /** 0: no reminders. */
  reminderMinutes: number;
  /** Alarm names starting with this are `npm run deploy -- verify`'s test notifications: recorded, never sent. */
  testAlarmPrefix: string;
}

const name = () => z.string().check(z.regex(CHANNEL_NAME_PATTERN));
const secretUse = z.object({ secret: z.string(), parameter: z.string() });
const channel = z.discriminatedUnion("type", [
  z.object({ name: name(), type: z.literal("email") }),
  z.object({ name: name(), type: z.literal("slack"), webhookUrl: secretUse }),
  z.object({ name: name(), type: z.literal("teams"), webhookUrl: secretUse }),
  z.object({ name: name(), type: z.literal("pagerduty"), routingKey: secretUse, eventsUrl: z.url() }),
  z.object({ name: name(), type: z.literal("webhook"), url: secretUse, signingKey: secretUse }),
]);

/** The shape of NOTIFIER_CONFIG_FILE, checked when the notifier starts (and by its self-test). */
export const NotifierRuntimeConfigSchema = z.object({
  stage: z.string(),
  homeRegion: z.string(),
  dashboardUrl: z.string(),
  channels: z.array(channel),
  alarms: z.record(
    z.string(),
    z.object({
      kind: z.enum(ALARM_KINDS),
      url: z.optional(z.string()),
      targetName: z.optional(z.string()),
      latencyMs: z.optional(z.number()),
      channels: z.array(z.string()),
      runbookUrl: z.optional(z.string()),
      directEmail: z.optional(z.boolean()),
      subject: z.optional(z.string()),
    }),
  ),
  probeLogGroups: z.array(z.object({ region: z.string(), logGroupName: z.string() })),
  maintenance: z.array(MaintenanceWindowSchema),
  reminderMinutes: z.number().check(z.minimum(0)),
  testAlarmPrefix: z.string(),
});

/** PagerDuty's Events API v2 endpoint. https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ */
export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

/** Every secret the channels use, once each. */
export function channelSecrets(channels: readonly RuntimeChannel[]): SecretUse[] {
  const uses = new Map<string, SecretUse>();
  for (const item of channels) {
    const list: SecretUse[] =
      item.type === "slack" || item.type === "teams" ? [item.webhookUrl] : item.type === "pagerduty" ? [item.routingKey] : item.type === "webhook" ? [item.url, item.signingKey] : [];
    for (const use of list) uses.set(use.parameter, use);
  }
  return [...uses.values()];
}
