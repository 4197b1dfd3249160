/**
 * One AlarmMessage, formatted for each channel type. Pure: nothing here reads a secret; the values
 * a request needs (a webhook URL, PagerDuty's routing key, the signing key) are added when it is
 * sent (functions/notifier/deliver.ts), so previews and tests render without them.
 *
 * - e-mail: plain text through SNS (Subject: ASCII, under 100 characters, no line breaks;
 *   https://docs.aws.amazon.com/sns/latest/api/API_Publish.html);
 * - Slack incoming webhook: Block Kit with a `text` fallback (https://api.slack.com/messaging/webhooks);
 * - Microsoft Teams Workflows webhook ("When a Teams webhook request is received"): a message whose
 *   first attachment is an Adaptive Card 1.4 (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using);
 * - PagerDuty Events API v2: `trigger` on ALARM (and reminders), `resolve` on OK, one dedup_key per
 *   alarm (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/);
 * - generic webhook: WEBHOOK_PAYLOAD_VERSION JSON, signed (signWebhook).
 */
import { createHmac } from "node:crypto";
import { readableTime } from "../common/time";
import { stateLabel, truncateUnits, type AlarmMessage } from "./message";

export interface EmailMessage {
  subject: string;
  text: string;
}

/** SNS limits a subject to ASCII, without line breaks, under 100 characters. */
export const EMAIL_SUBJECT_MAX = 99;
/** Slack: header text at most 150 characters, a section at most 3,000. https://api.slack.com/reference/block-kit/blocks */
export const SLACK_LIMITS = { header: 150, section: 3000, buttons: 25 } as const;
/** PagerDuty: summary at most 1,024 characters. */
export const PAGERDUTY_SUMMARY_MAX = 1024;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${truncateUnits(text, max - 1)}…`;
}

function ascii(text: string): string {
  return text.normalize("NFKD").replace(/[^\x20-\x7e]/g, "").replace(/\s+/g, " ").trim();
}

export function renderEmail(message: AlarmMessage, channel: string): EmailMessage {
  const subject = cut(ascii(`${stateLabel(message)}: ${message.title} [${message.stage}]`), EMAIL_SUBJECT_MAX);
  const lines = [`${stateLabel(message)}: ${message.title}`, "", message.summary, ""];
  if (message.details.length > 0) lines.push(...message.details.map((line) => `  ${line}`), "");
  if (message.target) lines.push(`Target:  ${message.target.name} (${message.target.url})`);
  lines.push(`Alarm:   ${message.alarmName}`, `Change:  ${message.previousState} -> ${message.state} at ${readableTime(message.changedAt)}`, `Stage:   ${message.stage}`);
  if (!message.aboutWebhealth && message.target) lines.push(`Reason:  ${message.reason}`);
  lines.push("");
  for (const link of message.links) lines.push(`${link.label}: ${link.url}`);
  lines.push("", `-- webhealth, stage ${message.stage}: sent to the e-mail channel "${channel}".`);
  return { subject, text: lines.join("\n") };
}

/** Slack's mrkdwn needs `&`, `<` and `>` escaped. https://api.slack.com/reference/surfaces/formatting#escaping */
function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function stateEmoji(message: AlarmMessage): string {
  return message.state === "OK" ? ":large_green_circle:" : message.severity === "warning" ? ":large_orange_circle:" : ":red_circle:";
}

export function renderSlack(message: AlarmMessage): Record<string, unknown> {
  const label = `${stateLabel(message)}: ${message.title}`;
  const blocks: Array<Record<string, unknown>> = [
    { type: "header", text: { type: "plain_text", text: cut(label, SLACK_LIMITS.header), emoji: true } },
    { type: "section", text: { type: "mrkdwn", text: cut(`${stateEmoji(message)} ${slackEscape(message.summary)}`, SLACK_LIMITS.section) } },
  ];
  if (message.details.length > 0) blocks.push({ type: "section", text: { type: "mrkdwn", text: cut(message.details.map(slackEscape).join("\n"), SLACK_LIMITS.section) } });
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: cut(slackEscape(`${message.alarmName} · ${message.previousState} -> ${message.state} at ${readableTime(message.changedAt)} · stage ${message.stage}`), SLACK_LIMITS.section) }],
  });
  if (message.links.length > 0) {
    blocks.push({
      type: "actions",
      elements: message.links.slice(0, SLACK_LIMITS.buttons).map((link) => ({ type: "button", text: { type: "plain_text", text: cut(link.label, 75) }, url: link.url })),
    });
  }
  return { text: cut(`${label}: ${message.summary}`, SLACK_LIMITS.section), blocks };
}

export function renderTeams(message: AlarmMessage): Record<string, unknown> {
  const facts = [
    ...(message.target ? [{ title: "Target", value: `${message.target.name} (${message.target.url})` }] : []),
    { title: "Alarm", value: message.alarmName },
    { title: "Change", value: `${message.previousState} → ${message.state} at ${readableTime(message.changedAt)}` },
    { title: "Stage", value: message.stage },
  ];
  const card = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
    body: [
      { type: "TextBlock", text: `${stateLabel(message)}: ${message.title}`, weight: "Bolder", size: "Medium", wrap: true, color: message.state === "OK" ? "Good" : message.severity === "warning" ? "Warning" : "Attention" },
      { type: "TextBlock", text: message.summary, wrap: true },
      ...message.details.map((line) => ({ type: "TextBlock", text: line, wrap: true, spacing: "None", isSubtle: true })),
      { type: "FactSet", facts },
    ],
    actions: message.links.map((link) => ({ type: "Action.OpenUrl", title: link.label, url: link.url })),
  };
  return { type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }] };
}

/** The PagerDuty event without its routing key, which the sender adds (it is a secret). */
export function renderPagerDuty(message: AlarmMessage): Record<string, unknown> {
  if (message.type === "recovery") return { event_action: "resolve", dedup_key: message.dedupKey };
  const source = message.target ? new URL(message.target.url).host : `webhealth-${message.stage}`;
  return {
    event_action: "trigger",
    dedup_key: message.dedupKey,
    payload: {
      summary: cut(`${stateLabel(message)}: ${message.title}: ${message.summary}`, PAGERDUTY_SUMMARY_MAX),
      source,
      severity: message.severity === "info" ? "info" : message.severity,
      timestamp: message.changedAt,
      component: message.target?.name ?? message.alarmName,
      group: `webhealth-${message.stage}`,
      class: message.kind,
      custom_details: {
        alarm: message.alarmName,
        state: message.state,
        previous_state: message.previousState,
        ...(message.target ? { url: message.target.url } : {}),
        regions: message.regions,
        details: message.details,
        ...(message.failingSince ? { failing_since: message.failingSince } : {}),
        ...(message.lastOkAt ? { last_ok_at: message.lastOkAt } : {}),
        ...(message.reminder ? { reminder: message.reminder.count } : {}),
        reason: message.reason,
      },
    },
    links: message.links.map((link) => ({ href: link.url, text: link.label })),
    client: "webhealth",
    client_url: message.links[0]?.url,
  };
}

/** The documented generic-webhook payload (docs/notifications.md#generic-webhook). */
export const WEBHOOK_PAYLOAD_VERSION = "webhealth.alarm/v1";

export function renderWebhook(message: AlarmMessage): Record<string, unknown> {
  return {
    version: WEBHOOK_PAYLOAD_VERSION,
    type: message.type,
    stage: message.stage,
    alarm: { name: message.alarmName, kind: message.kind, state: message.state, previousState: message.previousState, changedAt: message.changedAt, reason: message.reason },
    target: message.target ?? null,
    severity: message.severity,
    aboutWebhealth: message.aboutWebhealth,
    title: message.title,
    summary: message.summary,
    details: message.details,
    regions: message.regions,
    failingSince: message.failingSince ?? null,
    lastOkAt: message.lastOkAt ?? null,
    downForSeconds: message.downForSeconds ?? null,
    reminder: message.reminder?.count ?? null,
    links: message.links,
    dedupKey: message.dedupKey,
  };
}

/** Headers of a signed webhook request. */
export const WEBHOOK_HEADERS = { timestamp: "X-Webhealth-Timestamp", signature: "X-Webhealth-Signature" } as const;

/**
 * `X-Webhealth-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the signing key>`, with
 * `X-Webhealth-Timestamp: <unix seconds>`: a receiver recomputes the HMAC over the raw body and
 * rejects a request whose timestamp is more than 5 minutes off (a replay).
 */
export function signWebhook(body: string, signingKey: string, timestampSeconds: number): Record<string, string> {
  const signature = createHmac("sha256", signingKey).update(`${timestampSeconds}.${body}`).digest("hex");
  return { [WEBHOOK_HEADERS.timestamp]: String(timestampSeconds), [WEBHOOK_HEADERS.signature]: `v1=${signature}` };
}
