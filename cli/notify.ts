/**
 * `npm run notify -- --preview --stack <stage> [--channel <name>]... [--json]`: renders, for each
 * channel the stage configures, the message each sample alarm (single-region ALARM, quorum ALARM,
 * recovery, probe health) would produce, from `Pulumi.<stage>.yaml`, without sending anything or
 * reading any secret (a secret shows as `[secret]`).
 *
 * Exit codes (as the other commands): 0 rendered, 1 a message could not be rendered, 2 bad input
 * (arguments, stack file, config, unknown channel), 130 interrupted (Ctrl-C).
 */
import { REDACTED } from "../functions/common/secrets";
import type { NotifierRuntimeConfig, RuntimeChannel } from "../functions/common/notifier-config";
import { ValidationError } from "../functions/common/targets";
import { notifierSamples, sampleMessage } from "../functions/notifier/samples";
import { renderEmail, renderPagerDuty, renderSlack, renderTeams, renderWebhook, WEBHOOK_HEADERS } from "../functions/notifier/render";
import type { AlarmMessage } from "../functions/notifier/message";
import { loadStageConfig } from "../infra/config";
import { planStage } from "../infra/plan/stage";
import { isStageName, PROJECT_ROOT, readStackConfig, StackFileError } from "../infra/stack-files";
import { parseCommandLine, UsageError } from "./usage";

export const NOTIFY_USAGE = "usage: npm run notify -- --preview --stack <stage> [--channel <name>]... [--json]";
export const NOTIFY_EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const;

export interface NotifyOptions {
  stack: string;
  channels: string[];
  json: boolean;
  help: boolean;
}

export function parseNotifyArgs(argv: string[]): NotifyOptions {
  const { values } = parseCommandLine({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      preview: { type: "boolean" },
      stack: { type: "string" },
      channel: { type: "string", multiple: true },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const help = values.help === true;
  if (help) return { stack: "", channels: [], json: false, help };
  if (values.preview !== true) throw new UsageError("--preview is required: npm run notify only previews messages (the deployed notifier sends them)");
  if (values.stack === undefined) throw new UsageError("--stack <stage> is required");
  if (!isStageName(values.stack)) throw new UsageError(`--stack: "${values.stack}" is not a valid stage name`);
  return { stack: values.stack, channels: values.channel ?? [], json: values.json === true, help };
}

/** What would be sent: an e-mail, or an HTTP request whose secret parts are shown as `[secret]`. */
export type PreviewRequest =
  | { kind: "email"; topic: string; subject: string; text: string; attributes: Record<string, string> }
  | { kind: "http"; method: "POST"; url: string; headers: Record<string, string>; body: unknown };

export function previewRequest(channel: RuntimeChannel, message: AlarmMessage): PreviewRequest {
  const secretUrl = (secret: string) => `${REDACTED} (the value of webhealth:secrets.${secret})`;
  const json = { "content-type": "application/json" };
  switch (channel.type) {
    case "email": {
      const email = renderEmail(message, channel.name);
      return { kind: "email", topic: `webhealth-${message.stage}-email`, subject: email.subject, text: email.text, attributes: { channel: channel.name } };
    }
    case "slack":
      return { kind: "http", method: "POST", url: secretUrl(channel.webhookUrl.secret), headers: json, body: renderSlack(message) };
    case "teams":
      return { kind: "http", method: "POST", url: secretUrl(channel.webhookUrl.secret), headers: json, body: renderTeams(message) };
    case "pagerduty":
      return { kind: "http", method: "POST", url: channel.eventsUrl, headers: json, body: { routing_key: REDACTED, ...renderPagerDuty(message) } };
    case "webhook":
      return {
        kind: "http",
        method: "POST",
        url: secretUrl(channel.url.secret),
        headers: { ...json, [WEBHOOK_HEADERS.timestamp]: "<unix seconds when sent>", [WEBHOOK_HEADERS.signature]: `v1=<HMAC-SHA256 with ${REDACTED} webhealth:secrets.${channel.signingKey.secret}>` },
        body: renderWebhook(message),
      };
  }
}

export interface PreviewEntry {
  channel: string;
  type: RuntimeChannel["type"];
  sample: string;
  request: PreviewRequest;
}

export function previewEntries(config: NotifierRuntimeConfig, only: readonly string[]): { entries: PreviewEntry[]; skipped: string[] } {
  const { samples, skipped } = notifierSamples(config);
  const channels = only.length > 0 ? config.channels.filter((channel) => only.includes(channel.name)) : config.channels;
  const entries: PreviewEntry[] = [];
  for (const channel of channels) {
    for (const sample of samples) entries.push({ channel: channel.name, type: channel.type, sample: sample.name, request: previewRequest(channel, sampleMessage(sample, config)) });
  }
  return { entries, skipped };
}

export function formatEntry(entry: PreviewEntry): string {
  const heading = `=== ${entry.channel} (${entry.type}): ${entry.sample} ===`;
  if (entry.request.kind === "email") {
    return [heading, `SNS Publish to ${entry.request.topic} (attribute channel=${entry.request.attributes.channel})`, `Subject: ${entry.request.subject}`, "", entry.request.text, ""].join("\n");
  }
  const headers = Object.entries(entry.request.headers).map(([name, value]) => `${name}: ${value}`);
  return [heading, `POST ${entry.request.url}`, ...headers, "", JSON.stringify(entry.request.body, null, 2), ""].join("\n");
}

export interface NotifyIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  root?: string;
}

export function runNotify(argv: string[], io: NotifyIo): number {
  let options: NotifyOptions;
  let runtime: NotifierRuntimeConfig | undefined;
  try {
    options = parseNotifyArgs(argv);
    if (options.help) {
      io.stdout.write(`${NOTIFY_USAGE}\n`);
      return NOTIFY_EXIT.ok;
    }
    const config = loadStageConfig(options.stack, readStackConfig(options.stack, io.root ?? PROJECT_ROOT));
    runtime = planStage(config).notifier?.runtime;
    const known = runtime?.channels.map((channel) => channel.name) ?? [];
    const unknown = options.channels.filter((name) => !known.includes(name));
    if (unknown.length > 0) throw new UsageError(`--channel: ${unknown.map((name) => `"${name}"`).join(", ")} is not a channel of ${options.stack} (${known.join(", ") || "it has none"})`);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ValidationError || error instanceof StackFileError) {
      io.stderr.write(`notify: ${error.message}\n${error instanceof UsageError ? `${NOTIFY_USAGE}\n` : ""}`);
      return NOTIFY_EXIT.badInput;
    }
    throw error;
  }
  if (!runtime) {
    io.stdout.write(`${options.stack} has no notification channel (webhealth:notifications.channels or webhealth:notifyEmails): nothing to preview.\n`);
    return NOTIFY_EXIT.ok;
  }
  let preview;
  try {
    preview = previewEntries(runtime, options.channels);
  } catch (error) {
    io.stderr.write(`notify: rendering failed: ${(error as Error).stack ?? String(error)}\n`);
    return NOTIFY_EXIT.failed;
  }
  if (options.json) {
    io.stdout.write(preview.entries.map((entry) => `${JSON.stringify(entry)}\n`).join(""));
    for (const line of preview.skipped) io.stderr.write(`skipped: ${line}\n`);
  } else {
    io.stdout.write(preview.entries.map(formatEntry).join("\n"));
    for (const line of preview.skipped) io.stdout.write(`(skipped: ${line})\n`);
  }
  return NOTIFY_EXIT.ok;
}

if (require.main === module) {
  // Ctrl-C: stop at once with 130, like the other commands.
  process.on("SIGINT", () => process.exit(NOTIFY_EXIT.interrupted));
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
  try {
    process.exitCode = runNotify(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
  } catch (error) {
    process.stderr.write(`notify: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = NOTIFY_EXIT.failed;
  }
}
