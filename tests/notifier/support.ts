/**
 * Stand-ins for the services the notifier talks to: real HTTP/HTTPS servers on 127.0.0.1 playing
 * Slack, Teams, PagerDuty and a webhook receiver (each records exactly what it received and
 * answers what the test scripts), dynalite for the ledger, and aws-sdk-client-mock for SNS, SQS,
 * CloudWatch and Logs Insights, which no local server here speaks.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { SNSEvent } from "aws-lambda";
import { snsEventOf } from "../../cli/ledger-record";
import type { NotifierRuntimeConfig, RuntimeChannel } from "../../functions/common/notifier-config";
import { loadStageConfig } from "../../infra/config";
import { planStage } from "../../infra/plan/stage";
import type { NotifierDeps } from "../../functions/notifier/notifier";
import { staticSecretSource } from "../../functions/notifier/secrets";
import type { LocalDynamo } from "../ledger/helpers";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Answer = { status: number; headers?: Record<string, string>; body?: string } | "hang" | "reset";

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** What the next requests get, in order; the last one repeats. */
  answers: Answer[];
  close(): Promise<void>;
}

export async function startReceiver(options: { tls?: { key: string; cert: string }; path?: string } = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const receiver: Receiver = { url: "", requests, answers: [{ status: 200, body: "ok" }], close: async () => undefined };
  const hanging: http.ServerResponse[] = [];
  const handler = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({ method: request.method ?? "", path: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      const answer = receiver.answers[Math.min(requests.length - 1, receiver.answers.length - 1)];
      if (answer === "hang") {
        hanging.push(response);
        return;
      }
      if (answer === "reset") {
        request.socket.destroy();
        return;
      }
      response.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
      response.end(answer.body ?? "");
    });
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  receiver.url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}${options.path ?? "/hook"}`;
  receiver.close = async () => {
    for (const response of hanging) response.destroy();
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

/** A stage config with every channel type, its secrets plain (the test owns them). */
export function stageWithChannels(urls: { slack: string; teams: string; pagerduty: string; webhook: string }, extra: Record<string, unknown> = {}) {
  return loadStageConfig("beta", {
    "aws:region": "us-east-1",
    "webhealth:targets": [
      { url: "https://shop.example.com/", name: "shop", latencyMs: 1500, runbookUrl: "https://wiki.example.com/runbooks/shop" },
      { url: "https://blog.example.com/", name: "blog", channels: ["oncall", "team-chat"] },
    ],
    "webhealth:notifications": {
      channels: [
        { name: "oncall", type: "email", addresses: ["oncall@example.com"] },
        { name: "team-chat", type: "slack", webhookUrl: { secret: "slack-url" } },
        { name: "ops-teams", type: "teams", webhookUrl: { secret: "teams-url" } },
        { name: "pager", type: "pagerduty", routingKey: { secret: "pd-key" }, eventsUrl: urls.pagerduty },
        { name: "receiver", type: "webhook", url: { secret: "hook-url" }, signingKey: { secret: "hook-key" } },
      ],
      ...extra,
    },
    "webhealth:secrets": { "slack-url": urls.slack, "teams-url": urls.teams, "pd-key": SECRETS.routingKey, "hook-url": urls.webhook, "hook-key": SECRETS.signingKey },
  });
}

/** Values no output may ever show. */
export const SECRETS = { routingKey: "R0UT1NGKEYsecretsecret0123456789a", signingKey: "whsec-Signing-Key-7f3a9c" } as const;

export function runtimeOf(config: ReturnType<typeof loadStageConfig>): NotifierRuntimeConfig {
  const runtime = planStage(config).notifier?.runtime;
  if (!runtime) throw new Error("no notifier");
  return runtime;
}

/** The secret values of a stage config, by SSM parameter name (what SSM would hold). */
export function parameterValues(config: ReturnType<typeof loadStageConfig>, runtime: NotifierRuntimeConfig): Record<string, string> {
  const values: Record<string, string> = {};
  const byName = (name: string) => config.secrets[name].reveal() as string;
  for (const channel of runtime.channels as RuntimeChannel[]) {
    if (channel.type === "slack" || channel.type === "teams") values[channel.webhookUrl.parameter] = byName(channel.webhookUrl.secret);
    if (channel.type === "pagerduty") values[channel.routingKey.parameter] = byName(channel.routingKey.secret);
    if (channel.type === "webhook") {
      values[channel.url.parameter] = byName(channel.url.secret);
      values[channel.signingKey.parameter] = byName(channel.signingKey.secret);
    }
  }
  return values;
}

export interface Harness {
  deps: NotifierDeps;
  logs: Record<string, unknown>[];
  waits: number[];
  clock: { now: number };
}

/** Notifier dependencies on dynalite and (mocked) AWS clients; sleeping only advances the virtual clock. */
export function harness(dynamo: LocalDynamo, tableName: string, runtime: NotifierRuntimeConfig, secrets: Record<string, string>, overrides: Partial<NotifierDeps> = {}): Harness {
  const logs: Record<string, unknown>[] = [];
  const waits: number[] = [];
  const clock = { now: Date.parse("2026-11-26T10:04:00.000Z") };
  const deps: NotifierDeps = {
    config: runtime,
    ledger: { client: dynamo.client, tableName, retentionDays: 400 },
    sns: new SNSClient({ region: "us-east-1" }),
    emailTopicArn: "arn:aws:sns:us-east-1:123456789012:webhealth-beta-email",
    sqs: new SQSClient({ region: "us-east-1" }),
    deadLetterQueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/webhealth-beta-notifier-dead-letters",
    cloudwatch: new CloudWatchClient({ region: "us-east-1" }),
    logsClientFor: (region) => new CloudWatchLogsClient({ region }),
    secrets: staticSecretSource(secrets),
    now: () => clock.now,
    sleep: async (ms) => {
      waits.push(ms);
      clock.now += ms;
    },
    random: () => 1,
    remainingMs: () => 60_000,
    log: (line) => logs.push(line),
    queryBudgetMs: 2_000,
    ...overrides,
  };
  return { deps, logs, waits, clock };
}

/** The SNS event CloudWatch's notification arrives in. */
export function eventOf(notification: Record<string, unknown>): SNSEvent {
  return snsEventOf([JSON.stringify(notification)]);
}

export function cloudWatchTime(iso: string): string {
  return iso.replace("Z", "+0000");
}

/** A single-metric notification for one of the stage's alarms. */
export function notification(alarmName: string, change: { from: string; to: string; at: string; reason?: string; url?: string; metric?: string; configUpdatedAt?: string; extra?: Record<string, unknown> }) {
  return {
    AlarmName: alarmName,
    AlarmDescription: null,
    AWSAccountId: "123456789012",
    ...(change.configUpdatedAt ? { AlarmConfigurationUpdatedTimestamp: cloudWatchTime(change.configUpdatedAt) } : {}),
    NewStateValue: change.to,
    NewStateReason: change.reason ?? `Threshold Crossed: 2 out of the last 3 datapoints [0.0 (26/11/26 10:02:00), 0.0 (26/11/26 10:01:00)] were less than the threshold (1.0).`,
    StateChangeTime: cloudWatchTime(change.at),
    Region: "US East (N. Virginia)",
    AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`,
    OldStateValue: change.from,
    Trigger: {
      MetricName: change.metric ?? "Availability",
      Namespace: "WebHealth",
      Statistic: "MINIMUM",
      Dimensions: change.url ? [{ value: change.url, name: "Url" }] : [],
      Period: 60,
      EvaluationPeriods: 3,
      ComparisonOperator: "LessThanThreshold",
      Threshold: 1,
      TreatMissingData: "breaching",
      ...change.extra,
    },
  };
}
