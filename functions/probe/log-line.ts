/**
 * The probe's per-target log line (functions/common/probe-log.ts), built field by field from an
 * explicit list: whatever else a result may carry (a request's headers, a secret's value) never
 * reaches the log.
 */
import { PROBE_LOG_TYPES, type ProbeResultLogLine } from "../common/probe-log";
import type { ProbeResult } from "./result";

export interface LogContext {
  /** The region the probe runs in (Lambda's AWS_REGION). */
  region: string | undefined;
  /** The run's scheduled time, the same timestamp as its metrics. */
  scheduledAt: Date;
}

export function probeResultLogLine(result: ProbeResult, context: LogContext): ProbeResultLogLine {
  const { timings, tls, error } = result;
  const line: ProbeResultLogLine = {
    type: PROBE_LOG_TYPES.result,
    url: result.url,
    name: result.name,
    region: context.region ?? null,
    scheduledAt: context.scheduledAt.toISOString(),
    ok: result.ok,
    status: result.status,
    error: error ? { code: error.code, message: error.message } : null,
    timings: { dnsMs: timings.dnsMs, connectMs: timings.connectMs, tlsMs: timings.tlsMs, ttfbMs: timings.ttfbMs, transferMs: timings.transferMs, totalMs: timings.totalMs },
    tls: tls ? { daysRemaining: tls.daysRemaining, validTo: tls.validTo, issuer: tls.issuer } : null,
    redirects: result.redirects,
    attempts: result.attempts,
    warnings: [...result.warnings],
  };
  if (result.skipped) line.skipped = true;
  return line;
}
