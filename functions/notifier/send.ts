/**
 * Sends one message to the channels decided for it, all at once and each on its own: a channel
 * that fails, hangs or waits out a rate limit never delays or blocks another. Returns what each
 * channel got, every error with the secrets taken out.
 */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { ChannelDelivery } from "../common/delivery";
import { channelSecrets, EMAIL_CHANNEL_ATTRIBUTE, type RuntimeChannel, type SecretUse } from "../common/notifier-config";
import { postJson, redactSecrets, secretFragments, withRetries, type DeliveryOutcome, type HttpAnswer, type PostOptions, type RetryPolicy } from "./deliver";
import type { AlarmMessage } from "./message";
import { renderEmail, renderPagerDuty, renderSlack, renderTeams, renderWebhook, signWebhook } from "./render";
import type { SecretSource } from "./secrets";

export interface SendDeps {
  sns: SNSClient;
  emailTopicArn: string;
  secrets: SecretSource;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Epoch ms: no attempt starts after it. */
  deadline: number;
  random?: () => number;
  retryPolicy?: Partial<RetryPolicy>;
  /** Tests only: how HTTP requests are made (a local CA). */
  postOptions?: Pick<PostOptions, "ca">;
}

export interface ChannelResult {
  channel: string;
  delivery: ChannelDelivery;
  /** What was sent, for the dead-letter queue (secret-free). */
  outcome?: DeliveryOutcome;
}

/** SNS answers a throttled or failed publish with an HTTP status in the error's metadata. */
async function publishEmail(deps: SendDeps, channel: RuntimeChannel, message: AlarmMessage): Promise<HttpAnswer> {
  const email = renderEmail(message, channel.name);
  try {
    await deps.sns.send(
      new PublishCommand({
        TopicArn: deps.emailTopicArn,
        Subject: email.subject,
        Message: email.text,
        MessageAttributes: { [EMAIL_CHANNEL_ATTRIBUTE]: { DataType: "String", StringValue: channel.name } },
      }),
    );
    return { status: 200, body: "" };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status) return { status, body: `${(error as Error).name}: ${(error as Error).message}` };
    throw error;
  }
}

function secretsOf(channel: RuntimeChannel): SecretUse[] {
  return channelSecrets([channel]);
}

async function sendOne(deps: SendDeps, channel: RuntimeChannel, message: AlarmMessage, values: Map<string, string>, missing: Map<string, string>): Promise<ChannelResult> {
  const uses = secretsOf(channel);
  const absent = uses.find((use) => !values.has(use.parameter));
  const at = () => new Date(deps.now()).toISOString();
  if (absent) {
    return { channel: channel.name, delivery: { status: "failed", attempts: 0, at: at(), error: `secret "${absent.secret}" (${absent.parameter}) could not be read: ${missing.get(absent.parameter) ?? "missing"}` } };
  }
  const secret = (use: SecretUse) => values.get(use.parameter)!;
  const timeoutMs = deps.retryPolicy?.requestTimeoutMs;
  const post = (url: string, body: string, headers?: () => Record<string, string>) => () => postJson(url, body, { ...deps.postOptions, headers: headers?.(), ...(timeoutMs ? { timeoutMs } : {}) });
  let attempt: () => Promise<HttpAnswer>;
  switch (channel.type) {
    case "email":
      attempt = () => publishEmail(deps, channel, message);
      break;
    case "slack":
      attempt = post(secret(channel.webhookUrl), JSON.stringify(renderSlack(message)));
      break;
    case "teams":
      attempt = post(secret(channel.webhookUrl), JSON.stringify(renderTeams(message)));
      break;
    case "pagerduty":
      attempt = post(channel.eventsUrl, JSON.stringify({ routing_key: secret(channel.routingKey), ...renderPagerDuty(message) }));
      break;
    case "webhook": {
      const body = JSON.stringify(renderWebhook(message));
      // Signed again for every attempt: a retry carries a fresh timestamp, so receivers may reject old ones.
      attempt = post(secret(channel.url), body, () => signWebhook(body, secret(channel.signingKey), Math.floor(deps.now() / 1000)));
      break;
    }
  }
  const outcome = await withRetries(attempt, { sleep: deps.sleep, now: deps.now, deadline: deps.deadline, random: deps.random, policy: deps.retryPolicy });
  const secretValues = uses.flatMap((use) => secretFragments(secret(use)));
  const delivery: ChannelDelivery = outcome.ok
    ? { status: "sent", attempts: outcome.attempts, at: at() }
    : { status: "failed", attempts: outcome.attempts, at: at(), error: redactSecrets(outcome.error ?? "failed", secretValues) };
  return { channel: channel.name, delivery, outcome: { ...outcome, ...(outcome.error ? { error: redactSecrets(outcome.error, secretValues) } : {}) } };
}

export async function sendToChannels(deps: SendDeps, channels: readonly RuntimeChannel[], message: AlarmMessage): Promise<ChannelResult[]> {
  if (channels.length === 0) return [];
  // One read for every secret; a channel without secrets (e-mail) does not wait for it, so a slow SSM delays no e-mail.
  const uses = channelSecrets(channels);
  const reading = uses.length > 0 ? deps.secrets.read(uses) : Promise.resolve({ values: new Map<string, string>(), missing: new Map<string, string>() });
  const none = { values: new Map<string, string>(), missing: new Map<string, string>() };
  return Promise.all(
    channels.map(async (channel): Promise<ChannelResult> => {
      let secrets = none;
      try {
        if (secretsOf(channel).length > 0) secrets = await reading;
        return await sendOne(deps, channel, message, secrets.values, secrets.missing);
      } catch (error) {
        return {
          channel: channel.name,
          delivery: { status: "failed", attempts: 0, at: new Date(deps.now()).toISOString(), error: redactSecrets(`${(error as Error).name}: ${(error as Error).message}`, [...secrets.values.values()].flatMap(secretFragments)) },
        };
      }
    }),
  );
}
