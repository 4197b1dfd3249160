/**
 * The notification part of the stage configuration: `webhealth:notifications` (channels,
 * maintenance windows, reminders), the per-target `channels` and `runbookUrl`, and the older
 * `webhealth:notifyEmails`, which still works as one e-mail channel named `email`.
 * Validated here, once; infra/config.ts calls it and reports every problem with the others.
 */
import { z } from "zod";
import { cronOf, type MaintenanceWindow } from "../functions/common/maintenance";
import { CHANNEL_NAME_PATTERN, CHANNEL_NAME_RULE, CHANNEL_TYPES, PAGERDUTY_EVENTS_URL } from "../functions/common/notifier-config";
import { SECRET_NAME_PATTERN, SECRET_NAME_RULE } from "../functions/common/secrets";
import { isRealTime } from "../functions/common/time";

export const NOTIFICATION_LIMITS = {
  maxChannels: 20,
  maxAddressesPerChannel: 50,
  maxWindows: 50,
  /** A window longer than a week is not maintenance: remove the target instead. */
  maxWindowMinutes: 7 * 24 * 60,
  /** The sweep that sends reminders runs every 5 minutes. */
  minReminderMinutes: 5,
  maxReminderMinutes: 7 * 24 * 60,
} as const;

/** The channel `webhealth:notifyEmails` becomes. */
export const LEGACY_EMAIL_CHANNEL = "email";

/** A reference to a value in `webhealth:secrets`. */
export interface SecretRef {
  secret: string;
}

export type ChannelConfig =
  | { name: string; type: "email"; addresses: string[] }
  | { name: string; type: "slack"; webhookUrl: SecretRef }
  | { name: string; type: "teams"; webhookUrl: SecretRef }
  | { name: string; type: "pagerduty"; routingKey: SecretRef; eventsUrl: string }
  | { name: string; type: "webhook"; url: SecretRef; signingKey: SecretRef };

/** A maintenance window as configured: targets by name or URL (resolved to URLs by the config). */
export type WindowConfig = (
  | { name: string; cron: string; durationMinutes: number; timeZone: string }
  | { name: string; start: string; end: string }
) & { targets?: string[] };

export interface NotificationsConfig {
  channels: ChannelConfig[];
  maintenance: MaintenanceWindow[];
  /** 0: off. */
  reminderMinutes: number;
}

/** Per target, from `webhealth:targets[i]`: not part of the probe's target (the probe never needs them). */
export interface TargetNotificationSettings {
  /** Channel names; undefined: every channel. */
  channels?: string[];
  runbookUrl?: string;
}

function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be ${what}`);
}

const secretRef = z.strictObject(
  { secret: z.string({ error: expected("a secret name") }).regex(SECRET_NAME_PATTERN, { error: `must be ${SECRET_NAME_RULE}` }) },
  { error: 'must be { "secret": "<name in webhealth:secrets>" } (the value itself is a secret and is never written here)' },
);
const channelName = z.string({ error: expected("a string") }).regex(CHANNEL_NAME_PATTERN, { error: `must be ${CHANNEL_NAME_RULE}` });
const httpsUrl = z.string({ error: expected("a string") }).refine((value) => URL.canParse(value) && ["https:", "http:"].includes(new URL(value).protocol), {
  error: "must be an http(s) URL",
});

const ChannelSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      name: channelName,
      type: z.literal("email"),
      addresses: z
        .array(z.email({ error: expected("an email address") }), { error: expected("a list of email addresses") })
        .min(1, { error: "must contain at least one address" })
        .max(NOTIFICATION_LIMITS.maxAddressesPerChannel, { error: `must contain at most ${NOTIFICATION_LIMITS.maxAddressesPerChannel} addresses` }),
    }),
    z.strictObject({ name: channelName, type: z.literal("slack"), webhookUrl: secretRef }),
    z.strictObject({ name: channelName, type: z.literal("teams"), webhookUrl: secretRef }),
    z.strictObject({ name: channelName, type: z.literal("pagerduty"), routingKey: secretRef, eventsUrl: httpsUrl.default(PAGERDUTY_EVENTS_URL) }),
    z.strictObject({ name: channelName, type: z.literal("webhook"), url: secretRef, signingKey: secretRef }),
  ],
  { error: (issue) => (issue.code === "invalid_union" ? `must be one of ${CHANNEL_TYPES.join(", ")}` : expected("a channel object")(issue)) },
);

/** An ISO 8601 time with a zone whose date exists. */
const isoTime = z.string({ error: expected("an ISO 8601 time") }).refine((value) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && isRealTime(value) && !Number.isNaN(Date.parse(value)), {
  error: "must be an ISO 8601 time with a zone, like 2026-12-05T20:00:00Z or 2026-12-05T21:00:00+01:00",
});

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const windowName = z.string({ error: expected("a string") }).regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/, { error: "must be 1-64 letters, digits, spaces, _ . or -" });
const windowTargets = z.array(z.string({ error: expected("a target name or URL") }), { error: expected("a list of target names or URLs") }).min(1, { error: "must not be empty (leave it out for every target)" });

const RecurringSchema = z
  .strictObject({
    name: windowName,
    cron: z.string({ error: expected("a cron expression") }),
    durationMinutes: z
      .number({ error: expected("a number") })
      .int({ error: "must be a whole number" })
      .min(1, { error: "must be at least 1" })
      .max(NOTIFICATION_LIMITS.maxWindowMinutes, { error: `must be at most ${NOTIFICATION_LIMITS.maxWindowMinutes} (a week)` }),
    timeZone: z.string({ error: expected("an IANA time zone like Europe/Berlin") }).refine(isTimeZone, { error: "must be an IANA time zone like Europe/Berlin or UTC" }),
    targets: windowTargets.optional(),
  })
  .superRefine((value, ctx) => {
    if (!isTimeZone(value.timeZone)) return; // reported on timeZone
    if (!/^\S+ \S+ \S+ \S+ \S+$/.test(value.cron.trim())) {
      ctx.addIssue({ code: "custom", path: ["cron"], message: "must have 5 fields: minute hour day-of-month month day-of-week (e.g. 0 22 * * 6)" });
      return;
    }
    try {
      // A valid pattern no date matches (30 February) would leave people paged through the maintenance they planned.
      if (cronOf(value).nextRun(new Date(0)) === null) ctx.addIssue({ code: "custom", path: ["cron"], message: "never opens: no date matches it (a day that does not exist in that month?)" });
    } catch (error) {
      ctx.addIssue({ code: "custom", path: ["cron"], message: `is not a valid cron expression: ${(error as Error).message.replace(/^CronPattern: /, "")}` });
    }
  });

const OneOffSchema = z
  .strictObject({ name: windowName, start: isoTime, end: isoTime, targets: windowTargets.optional() })
  .superRefine((value, ctx) => {
    if (!isRealTime(value.start) || !isRealTime(value.end)) return; // reported on the field
    const start = Date.parse(value.start);
    const end = Date.parse(value.end);
    if (end <= start) ctx.addIssue({ code: "custom", path: ["end"], message: "must be after start" });
    else if (end - start > NOTIFICATION_LIMITS.maxWindowMinutes * 60_000) ctx.addIssue({ code: "custom", path: ["end"], message: "must be at most a week after start" });
  });

const WindowSchema = z.unknown().transform((value, ctx): WindowConfig => {
  const isRecurring = typeof value === "object" && value !== null && ("cron" in value || "durationMinutes" in value || "timeZone" in value);
  const schema = isRecurring ? RecurringSchema : OneOffSchema;
  const result = schema.safeParse(value);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: "custom", message: issue.message } as never);
    return z.NEVER;
  }
  return result.data;
});

export const NotificationsSchema = z.strictObject(
  {
    channels: z
      .array(ChannelSchema, { error: expected("a list of channels") })
      .max(NOTIFICATION_LIMITS.maxChannels, { error: `must contain at most ${NOTIFICATION_LIMITS.maxChannels} channels` })
      .superRefine((channels, ctx) => {
        const first = new Map<string, number>();
        channels.forEach((channel, index) => {
          const seen = first.get(channel.name);
          if (seen === undefined) first.set(channel.name, index);
          else ctx.addIssue({ code: "custom", path: [index, "name"], message: `duplicates channels[${seen}].name` });
        });
      })
      .default([]),
    maintenance: z
      .array(WindowSchema, { error: expected("a list of maintenance windows") })
      .max(NOTIFICATION_LIMITS.maxWindows, { error: `must contain at most ${NOTIFICATION_LIMITS.maxWindows} windows` })
      .default([]),
    reminderMinutes: z
      .number({ error: expected("a number of minutes") })
      .int({ error: "must be a whole number" })
      .refine((minutes) => minutes === 0 || (minutes >= NOTIFICATION_LIMITS.minReminderMinutes && minutes <= NOTIFICATION_LIMITS.maxReminderMinutes), {
        error: `must be 0 (off) or ${NOTIFICATION_LIMITS.minReminderMinutes}-${NOTIFICATION_LIMITS.maxReminderMinutes} (the reminder sweep runs every 5 minutes)`,
      })
      .default(0),
  },
  { error: expected("an object with channels, maintenance and reminderMinutes") },
);

export type ParsedNotifications = z.output<typeof NotificationsSchema>;

export const TargetNotificationSchema = z.object({
  channels: z
    .array(channelName, { error: expected("a list of channel names") })
    .min(1, { error: "must not be empty (leave it out for every channel)" })
    .optional(),
  runbookUrl: httpsUrl.optional(),
});

/** Every secret name a channel refers to, with the config path of the reference. */
export function channelSecretRefs(channel: ChannelConfig): Array<{ field: string; secret: string }> {
  switch (channel.type) {
    case "slack":
    case "teams":
      return [{ field: "webhookUrl", secret: channel.webhookUrl.secret }];
    case "pagerduty":
      return [{ field: "routingKey", secret: channel.routingKey.secret }];
    case "webhook":
      return [
        { field: "url", secret: channel.url.secret },
        { field: "signingKey", secret: channel.signingKey.secret },
      ];
    default:
      return [];
  }
}
