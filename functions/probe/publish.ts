/**
 * Turns results into CloudWatch datums and publishes them with PutMetricData, in batches that fit
 * the API's limits and with backoff when CloudWatch throttles.
 */
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { performance } from "node:perf_hooks";
import {
  CHECK_FAILED_VALUE,
  isCertificateHour,
  METRIC_UNITS,
  PROBE_METRICS,
  TARGET_METRICS,
  probeDimensions,
  targetDimensions,
} from "../common/metrics";
import { checkDatums } from "./datum-check";
import type { ProbeResult } from "./result";

/** PutMetricData accepts at most 1,000 datums and 1 MB per request.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html */
export const MAX_DATUMS_PER_REQUEST = 1000;
/** 1 MB read as 1,000,000 bytes (the smaller reading), less room for the request envelope. */
export const MAX_REQUEST_BYTES = 1_000_000;
const ENVELOPE_ALLOWANCE_BYTES = 2_048;

export interface MetricSettings {
  namespace: string;
  /** The probe's region as the heartbeat's `Region` dimension, when the stage probes from several. */
  regionDimension?: string;
  phaseMetrics: boolean;
}

function datum(name: string, value: number, dimensions: MetricDatum["Dimensions"], timestamp: Date): MetricDatum {
  return { MetricName: name, Dimensions: dimensions, Value: value, Unit: METRIC_UNITS[name], Timestamp: timestamp };
}

/** The `Check` value of a measured result (functions/common/metrics.ts): its time when it passed, the failure value otherwise. */
export function checkValue(result: ProbeResult): number {
  return result.ok && result.timings.totalMs !== null ? result.timings.totalMs : CHECK_FAILED_VALUE;
}

/**
 * The datums of one result, all stamped with the run's scheduled time (`scheduledAt`, the
 * EventBridge event's `time`): every region's sample of one scheduled run then lands in the same
 * alarm period, however long each region took to get there, which is what the quorum statistics
 * count. `Check` is published for every measured target; the phase metrics (opt-in) only when a
 * response arrived and the phase happened; CertificateDaysRemaining when a certificate was seen
 * and the run is scheduled in the certificate hour (once a day is enough, and billed as one hour).
 * A skipped target publishes nothing. No `Region` dimension: every region writes the same metrics.
 */
export function targetDatums(result: ProbeResult, settings: MetricSettings, scheduledAt: Date): MetricDatum[] {
  if (result.skipped) return [];
  const dimensions = targetDimensions(result.url);
  const datums = [datum(TARGET_METRICS.check, checkValue(result), dimensions, scheduledAt)];
  const { timings } = result;
  if (settings.phaseMetrics && result.status !== null) {
    const phases: Array<[string, number | null]> = [
      [TARGET_METRICS.timeToFirstByte, timings.ttfbMs],
      [TARGET_METRICS.dnsTime, timings.dnsMs],
      [TARGET_METRICS.connectTime, timings.connectMs],
      [TARGET_METRICS.tlsTime, timings.tlsMs],
      [TARGET_METRICS.transferTime, timings.transferMs],
    ];
    for (const [name, value] of phases) if (value !== null) datums.push(datum(name, value, dimensions, scheduledAt));
  }
  if (result.tls && isCertificateHour(scheduledAt)) {
    datums.push(datum(TARGET_METRICS.certificateDaysRemaining, result.tls.daysRemaining, dimensions, scheduledAt));
  }
  return datums;
}

/** The heartbeat: how many targets this invocation measured (skipped ones excluded). */
export function heartbeatDatum(results: readonly ProbeResult[], regionDimension: string | undefined, scheduledAt: Date): MetricDatum {
  const probed = results.filter((result) => !result.skipped).length;
  return datum(PROBE_METRICS.targetsProbed, probed, probeDimensions(regionDimension), scheduledAt);
}

/** An upper estimate of a datum's size in the request body (the client speaks AWS JSON 1.0). */
export function datumBytes(metric: MetricDatum): number {
  return Buffer.byteLength(JSON.stringify(metric)) + 1;
}

/** Splits datums into requests of at most 1,000 datums and 1 MB, keeping their order. */
export function batchDatums(datums: readonly MetricDatum[], namespace: string): MetricDatum[][] {
  const budget = MAX_REQUEST_BYTES - ENVELOPE_ALLOWANCE_BYTES - Buffer.byteLength(namespace);
  const batches: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = 0;
  for (const metric of datums) {
    const size = datumBytes(metric);
    if (current.length > 0 && (current.length >= MAX_DATUMS_PER_REQUEST || bytes + size > budget)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(metric);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

const THROTTLING_NAMES = new Set(["Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded", "TooManyRequestsException"]);

/** Throttling, or a server-side or network failure that another try may get past. */
export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string } | null;
  if (!e) return false;
  if (e.name && THROTTLING_NAMES.has(e.name)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || (status !== undefined && status >= 500)) return true;
  return e.name === "TimeoutError" || e.code === "ECONNRESET" || e.code === "ETIMEDOUT";
}

export const RETRY_POLICY = {
  /** Tries per request, the first included. */
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 3_000,
} as const;

export interface PublishOptions {
  /** Injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable jitter in [0, 1). */
  random?: () => number;
  /** `performance.now()` time after which no retry is started (the Lambda must return before its timeout). */
  deadline?: number;
  /** Writes one log line per datum refused before sending (default console.log). */
  log?: (line: string) => void;
  /** The time datums are checked against (injectable for tests). */
  now?: () => Date;
}

export interface PublishReport {
  requests: number;
  datums: number;
  /** Requests repeated after throttling or a transient failure. */
  retries: number;
}

/** A publish that did not get every datum through; `report` counts what did. */
export class PublishError extends Error {
  constructor(
    message: string,
    public readonly report: PublishReport,
    public readonly causes: unknown[],
  ) {
    super(message);
    this.name = "PublishError";
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/ */
export function backoffDelay(retry: number, random: () => number): number {
  return Math.floor(random() * Math.min(RETRY_POLICY.maxDelayMs, RETRY_POLICY.baseDelayMs * 2 ** retry));
}

/**
 * Publishes every batch in order. A datum CloudWatch would reject is refused first and logged with
 * its reason (datum-check.ts), so it cannot fail the request of every other datum. A batch that
 * keeps failing does not stop the others; at the end a PublishError lists what failed, so the
 * invocation fails visibly instead of silently losing data.
 */
export async function publishDatums(client: CloudWatchClient, namespace: string, all: readonly MetricDatum[], options: PublishOptions = {}): Promise<PublishReport> {
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const log = options.log ?? ((line: string) => console.log(line));
  const { valid: datums, refused } = checkDatums(all, (options.now ?? (() => new Date()))());
  for (const { datum, reason } of refused) {
    log(JSON.stringify({ type: "datum-refused", metricName: datum.MetricName, dimensions: datum.Dimensions, value: datum.Value, timestamp: datum.Timestamp, reason }));
  }
  const report: PublishReport = { requests: 0, datums: 0, retries: 0 };
  const causes: unknown[] = [];
  for (const batch of batchDatums(datums, namespace)) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        report.requests += 1;
        await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch }));
        report.datums += batch.length;
        break;
      } catch (error) {
        const delay = backoffDelay(attempt - 1, random);
        const outOfTime = options.deadline !== undefined && performance.now() + delay > options.deadline;
        if (!isRetryable(error) || attempt >= RETRY_POLICY.maxAttempts || outOfTime) {
          causes.push(error);
          break;
        }
        report.retries += 1;
        await sleep(delay);
      }
    }
  }
  if (causes.length > 0) {
    const first = causes[0] as Error;
    const lost = datums.length - report.datums;
    throw new PublishError(`PutMetricData failed for ${lost} of ${datums.length} datums: ${first.name ?? "Error"}: ${first.message}`, report, causes);
  }
  return report;
}
