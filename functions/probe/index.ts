/**
 * The probe Lambda: probes the event's targets, publishes their metrics and a heartbeat, logs one
 * JSON line per target and one summary line, and returns the summary. `{ "selfTest": true }`
 * publishes nothing and returns a SelfTestReport instead.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { performance } from "node:perf_hooks";
import type { SelfTestReport } from "../common/contract";
import { PROBE_LOG_TYPES } from "../common/probe-log";
import { parseProbeEvent, type ProbeEvent } from "./event";
import { probeResultLogLine } from "./log-line";
import type { EventLoopDelay } from "./loop-delay";
import type { EngineOptions } from "./probe";
import { heartbeatDatum, publishDatums, PublishError, targetDatums, type PublishOptions, type PublishReport } from "./publish";
import type { ProbeResult } from "./result";
import type { Target } from "../common/targets";
import { probeAll } from "./run";
import type { SecretValues } from "./request";
import { secretReferences } from "../common/targets";
import { runSelfTest } from "./self-test";
import { readProbeSettings, type ProbeSettings } from "./settings";

/**
 * Probing stops this long before Lambda would end the invocation, leaving time to publish and
 * log: a few PutMetricData requests (one per 1,000 datums), each bounded by
 * PUBLISH_REQUEST_TIMEOUT_MS, with throttling backoff. Targets still running then are skipped.
 */
export const PUBLISH_RESERVE_MS = 5_000;
/** Publishing starts no retry this close to Lambda's timeout, so the handler always returns. */
export const RETURN_MARGIN_MS = 500;
/** One PutMetricData request normally takes tens of milliseconds; a hung one is abandoned (and retried). */
export const PUBLISH_REQUEST_TIMEOUT_MS = 2_000;
const CONNECTION_TIMEOUT_MS = 1_000;

/** The part of the Lambda context the probe uses. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

export interface ProbeSummary {
  probed: number;
  ok: number;
  failed: number;
  skipped: number;
  datumsPublished: number;
  publishRequests: number;
  publishRetries: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  durationMs: number;
  shard: { index: number; count: number } | null;
  /** In event order; the same shape as `npm run probe -- --json` lines. */
  results: ProbeResult[];
}

export interface HandlerDependencies {
  env?: NodeJS.ProcessEnv;
  /** Receives each log line (one JSON object); by default written to stdout as is. */
  log?: (line: string) => void;
  createClient?: (region: string | undefined) => CloudWatchClient;
  /** The SSM client secrets are read with (one per container). */
  createSecretsClient?: (region: string | undefined) => SSMClient;
  publish?: Pick<PublishOptions, "sleep" | "random">;
  /** Tests only: host name resolution and trusted CA for their local servers. */
  engine?: Pick<EngineOptions, "lookup" | "ca" | "retryPauseMs">;
}

/**
 * The client for the home region. Endpoint settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CLOUDWATCH)
 * are left to the SDK; its own retries are off because publishDatums retries with a deadline.
 */
export function createCloudWatchClient(region: string | undefined): CloudWatchClient {
  if (!region) throw new Error("METRICS_REGION: is required when AWS_REGION is not set");
  return new CloudWatchClient({
    region,
    maxAttempts: 1,
    // Without throwOnRequestTimeout, @smithy/node-http-handler 4.x only warns when requestTimeout passes.
    requestHandler: { requestTimeout: PUBLISH_REQUEST_TIMEOUT_MS, connectionTimeout: CONNECTION_TIMEOUT_MS, throwOnRequestTimeout: true },
  });
}

const loopDelayFigures = (delay: EventLoopDelay) => ({ p50: delay.p50Ms, p99: delay.p99Ms, max: delay.maxMs });

export function summarize(results: ProbeResult[], published: PublishReport, eventLoopDelay: EventLoopDelay, durationMs: number, shard: ProbeSummary["shard"]): ProbeSummary {
  const skipped = results.filter((result) => result.skipped).length;
  const ok = results.filter((result) => result.ok).length;
  return {
    probed: results.length - skipped,
    ok,
    failed: results.length - skipped - ok,
    skipped,
    datumsPublished: published.datums,
    publishRequests: published.requests,
    publishRetries: published.retries,
    eventLoopDelayMs: loopDelayFigures(eventLoopDelay),
    durationMs: Math.round(durationMs),
    shard,
    results,
  };
}

/**
 * One log event per line whose whole message is the JSON object, so CloudWatch Logs Insights
 * discovers its fields. Written to stdout directly rather than through console.log, which the
 * Lambda runtime prefixes with a timestamp, request id and level in its text log format (the way
 * Powertools' Logger writes its JSON lines too).
 */
export function writeLogLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * The run's scheduled time: the EventBridge event's `time`, else when the invocation started.
 * Every region's datums of one scheduled run carry it, so they land in the same alarm period
 * whatever each region's delivery delay, cold start or probing time was (a region finishing at
 * second 61 would otherwise count in the next minute and leave its own minute short).
 */
export function scheduledTime(event: ProbeEvent, startedAt: Date): Date {
  return event.time ? new Date(event.time) : startedAt;
}

export function createHandler(dependencies: HandlerDependencies = {}) {
  const log = dependencies.log ?? writeLogLine;
  let settings: ProbeSettings | undefined;
  let client: CloudWatchClient | undefined;
  let secretsProvider: SSMProvider | undefined;

  /** The values of the secrets these targets name; none when the stage has no secrets (such targets then fail with SECRET). */
  const secretsFor = async (targets: readonly Target[], current: ProbeSettings): Promise<SecretValues | undefined> => {
    if (!current.secrets || !targets.some((target) => secretReferences(target).length > 0)) return undefined;
    // Loaded on first use: the SSM client and Powertools cost tens of milliseconds of cold start that
    // a stage without secrets must not pay.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deliberate lazy load, see above
    const { createSecretsClient, createSecretsProvider, readSecrets, secretNamesOf } = require("./secrets") as typeof import("./secrets");
    secretsProvider ??= createSecretsProvider((dependencies.createSecretsClient ?? createSecretsClient)(current.secrets.region));
    return readSecrets(secretsProvider, current.secrets.parameterPath, secretNamesOf(targets));
  };

  return async function handler(event: unknown, context: InvocationContext): Promise<ProbeSummary | SelfTestReport> {
    const started = performance.now();
    const startedAt = new Date();
    const probeEvent = parseProbeEvent(event);
    const scheduledAt = scheduledTime(probeEvent, startedAt);
    settings ??= readProbeSettings(dependencies.env ?? process.env);
    const remainingMs = context.getRemainingTimeInMillis();

    const deadline = new AbortController();
    const probeBudgetMs = remainingMs - PUBLISH_RESERVE_MS;
    const timer = setTimeout(() => deadline.abort(), Math.max(0, probeBudgetMs));
    if (probeBudgetMs <= 0) deadline.abort();
    const targets = probeEvent.targets ?? [];
    let runOptions;
    try {
      runOptions = { ...dependencies.engine, concurrency: settings.concurrency, deadline: deadline.signal, warnings: settings.warnings, secrets: await secretsFor(targets, settings) };
    } catch (error) {
      clearTimeout(timer);
      throw error;
    }

    if (probeEvent.selfTest) {
      try {
        const report = await runSelfTest(targets, runOptions);
        log(JSON.stringify({ type: PROBE_LOG_TYPES.selfTest, ...report }));
        return report;
      } finally {
        clearTimeout(timer);
      }
    }

    let run;
    try {
      run = await probeAll(targets, runOptions);
    } finally {
      clearTimeout(timer);
    }
    const logContext = { region: settings.probeRegion, scheduledAt };
    for (const result of run.results) log(JSON.stringify(probeResultLogLine(result, logContext)));

    const datums = [...run.results.flatMap((result) => targetDatums(result, settings!, scheduledAt)), heartbeatDatum(run.results, settings.regionDimension, scheduledAt)];
    let published: PublishReport;
    let publishError: PublishError | undefined;
    try {
      client ??= (dependencies.createClient ?? createCloudWatchClient)(settings.metricsRegion);
      published = await publishDatums(client, settings.namespace, datums, { log, ...dependencies.publish, deadline: started + remainingMs - RETURN_MARGIN_MS });
    } catch (error) {
      if (!(error instanceof PublishError)) throw error;
      publishError = error;
      published = error.report;
    }

    const summary = summarize(run.results, published, run.eventLoopDelay, performance.now() - started, probeEvent.shard ?? null);
    const { results: _results, ...counts } = summary;
    log(
      JSON.stringify({
        type: PROBE_LOG_TYPES.summary,
        region: settings.probeRegion ?? null,
        scheduledAt: scheduledAt.toISOString(),
        ...counts,
        ...(publishError ? { publishError: publishError.message } : {}),
      }),
    );
    // A failed publish fails the invocation: the Lambda's Errors metric and the missing heartbeat both show it.
    if (publishError) throw publishError;
    return summary;
  };
}

/** One handler per container: settings read and the CloudWatch client created on first use, then reused. */
export const handler = createHandler();
