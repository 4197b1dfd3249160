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
import { notifierSamples, sampleMessage } from "../functions/notifier/samples";
import { renderEmail, renderPagerDuty, renderSlack, renderTeams, renderWebhook, WEBHOOK_HEADERS } from "../functions/notifier/render";
import type { AlarmMessage } from "../functions/notifier/message";
import { loadStageConfig } from "../infra/config";
import { planStage } from "../infra/plan/stage";
import { isStageName, PROJECT_ROOT, readStackConfig } from "../infra/stack-files";
import { classifyFailure, defineCommand, helpText, parseOptions, wantsHelp, type OptionTable, type ParsedCommandLine } from "./kit";
import { EXIT, UsageError } from "./usage";

export const NOTIFY_EXIT = EXIT;

/** The options of `npm run notify` (cli/kit.ts prints and parses them). */
export const NOTIFY_OPTIONS = {
  preview: { type: "boolean", help: "render the messages without sending anything (required: the deployed notifier sends them)" },
  stack: { type: "string", value: "stage", help: "the stage whose channels and samples are rendered (Pulumi.<stage>.yaml); required" },
  channel: { type: "string", value: "name", multiple: true, help: "only this channel (default every channel)" },
  json: { type: "boolean", help: "one JSON object per message per line" },
} satisfies OptionTable;

export interface NotifyOptions {
  stack: string;
  channels: string[];
  json: boolean;
}

export function notifyOptions({ values }: ParsedCommandLine<typeof NOTIFY_OPTIONS>): NotifyOptions {
  if (values.preview !== true) throw new UsageError("--preview is required: npm run notify only previews messages (the deployed notifier sends them)");
  if (values.stack === undefined) throw new UsageError("--stack <stage> is required");
  if (!isStageName(values.stack)) throw new UsageError(`--stack: "${values.stack}" is not a valid stage name`);
  return { stack: values.stack, channels: values.channel ?? [], json: values.json === true };
}

export function parseNotifyArgs(argv: string[]): NotifyOptions {
  return notifyOptions(parseOptions(NOTIFY_OPTIONS, argv, false));
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

/** Renders the preview; throws the bad-input errors the kit reports (exit 2). */
function preview(options: NotifyOptions, io: NotifyIo): number {
  const config = loadStageConfig(options.stack, readStackConfig(options.stack, io.root ?? PROJECT_ROOT));
  const runtime = planStage(config).notifier?.runtime;
  const known = runtime?.channels.map((channel) => channel.name) ?? [];
  const unknown = options.channels.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new UsageError(`--channel: ${unknown.map((name) => `"${name}"`).join(", ")} is not a channel of ${options.stack} (${known.join(", ") || "it has none"})`);
  if (!runtime) {
    io.stdout.write(`${options.stack} has no notification channel (webhealth:notifications.channels or webhealth:notifyEmails): nothing to preview.\n`);
    return EXIT.ok;
  }
  let rendered;
  try {
    rendered = previewEntries(runtime, options.channels);
  } catch (error) {
    io.stderr.write(`notify: rendering failed: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failed;
  }
  if (options.json) {
    io.stdout.write(rendered.entries.map((entry) => `${JSON.stringify(entry)}\n`).join(""));
    for (const line of rendered.skipped) io.stderr.write(`skipped: ${line}\n`);
  } else {
    io.stdout.write(rendered.entries.map(formatEntry).join("\n"));
    for (const line of rendered.skipped) io.stdout.write(`(skipped: ${line})\n`);
  }
  return EXIT.ok;
}

export const command = defineCommand({
  name: "notify",
  usage: ["--preview --stack <stage> [--channel <name>]... [--json]"],
  summary:
    "Renders, for each channel the stage configures, the message each sample alarm (single-region ALARM, quorum ALARM, recovery, probe health) would produce, from Pulumi.<stage>.yaml, without sending anything or reading any secret (a secret shows as [secret]).",
  options: NOTIFY_OPTIONS,
  exitCodes: { ok: "rendered", failed: "a message could not be rendered" },
  run: async (input, io) => preview(notifyOptions(input), io),
});

/** The command, synchronously, on the given streams (tests): help, bad input and the preview as the kit does them. */
export function runNotify(argv: string[], io: NotifyIo): number {
  if (wantsHelp(argv)) {
    io.stdout.write(helpText(command.spec));
    return EXIT.ok;
  }
  try {
    return preview(parseNotifyArgs(argv), io);
  } catch (error) {
    const failure = classifyFailure(error);
    io.stderr.write(failure.message.split("\n").map((line) => `notify: ${line}\n`).join(""));
    return failure.code;
  }
}

if (require.main === module) void command.main(process.argv.slice(2));
