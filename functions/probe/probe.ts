/**
 * Probes one target: the redirect chain on fresh connections, the assertions, the retries, all
 * bounded by the target's timeout and by the invocation's deadline. Never throws: every failure
 * is a result with an error code.
 */
import { performance } from "node:perf_hooks";
import type { LookupFunction } from "node:net";
import type { IncomingHttpHeaders } from "node:http";
import { redactValues } from "../common/secrets";
import { TARGET_DEFAULTS, type Target } from "../common/targets";
import { checkResponse } from "./assertions";
import { DeadlineReached, ProbeFailure, toProbeError } from "./errors";
import { HopError, requestHop, type HopMarks, type HopResponse } from "./hop";
import { prepareRequest, redirectRequest, type PreparedRequest, type SecretValues } from "./request";
import { NO_TIMINGS, skippedResult, type ProbeResult, type Timings, type TlsInfo } from "./result";
import { warningsOf, type WarningThresholds } from "./warnings";

export const ENGINE_DEFAULTS = {
  /** Bodies are read up to this size for the assertions, then dropped without failing. */
  bodyCapBytes: 1024 * 1024,
  /** Redirects followed before the target fails with REDIRECTS. */
  maxRedirects: 5,
  /** Pause before a retry, so a blip of a few hundred milliseconds can pass. */
  retryPauseMs: 500,
  /** Sent with every request, so site owners can recognise (and allow-list) the probe in their logs. */
  userAgent: "webhealth-probe/0.1",
} as const;

export interface EngineOptions {
  bodyCapBytes?: number;
  maxRedirects?: number;
  retryPauseMs?: number;
  /** Aborted when the invocation must stop probing: targets still running are reported skipped. */
  deadline?: AbortSignal;
  /** The values of the secrets targets name (or why one could not be read). */
  secrets?: SecretValues;
  /** The stage's alarm thresholds: each result's `warnings` judge like the alarms. */
  warnings?: WarningThresholds;
  /** Tests only: resolve their own host names. */
  lookup?: LookupFunction;
  /** Tests only: trust a test CA instead of the system roots. */
  ca?: string | Buffer | Array<string | Buffer>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** A redirect is followed unless the target explicitly accepts its status as the final answer. */
function isFollowedRedirect(status: number, headers: IncomingHttpHeaders, target: Target): boolean {
  return REDIRECT_STATUSES.has(status) && typeof headers.location === "string" && !target.expect?.status?.includes(status);
}

function nextUrl(location: string, current: URL): URL {
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    throw new ProbeFailure("PROTOCOL", `invalid Location header ${JSON.stringify(location)} at ${current.href}`);
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw new ProbeFailure("REDIRECTS", `redirect from ${current.href} to unsupported scheme ${next.protocol}`);
  }
  // Userinfo in a Location is never sent (Node would turn it into an Authorization header) nor shown.
  next.username = "";
  next.password = "";
  return next;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const span = (from: number | undefined, to: number | undefined) => (from === undefined || to === undefined ? null : round(to - from));

/** Phase timings of one hop from its marks; a phase that did not happen is null. */
export function phaseTimings(marks: HopMarks, totalMs: number): Timings {
  const connectStart = marks.lookup ?? marks.start;
  const requestSent = marks.secureConnect ?? marks.connect;
  return {
    dnsMs: span(marks.lookup === undefined ? undefined : marks.start, marks.lookup),
    connectMs: span(marks.connect === undefined ? undefined : connectStart, marks.connect),
    tlsMs: span(marks.connect, marks.secureConnect),
    ttfbMs: span(requestSent, marks.firstByte),
    transferMs: span(marks.firstByte, marks.end),
    totalMs: round(totalMs),
  };
}

type AttemptOutcome = { skipped: true } | { skipped: false; result: Omit<ProbeResult, "attempts" | "warnings"> };

async function attempt(target: Target, prepared: PreparedRequest, options: EngineOptions): Promise<AttemptOutcome> {
  const timeoutMs = target.timeoutMs ?? TARGET_DEFAULTS.timeoutMs;
  const maxRedirects = options.maxRedirects ?? ENGINE_DEFAULTS.maxRedirects;
  const controller = new AbortController();
  // One timer bounds the whole chain, the body included, whatever the server does.
  const timer = setTimeout(() => controller.abort(new ProbeFailure("TIMEOUT", `no complete answer within ${timeoutMs} ms`)), timeoutMs);
  const onDeadline = () => controller.abort(new DeadlineReached());
  if (options.deadline?.aborted) onDeadline();
  else options.deadline?.addEventListener("abort", onDeadline, { once: true });

  const base = { url: target.url, name: target.name ?? null };
  const start = performance.now();
  let url = new URL(target.url);
  const visited = new Set([url.href]);
  let redirects = 0;
  let request = prepared;
  let marks: HopMarks | undefined;
  let tls: TlsInfo | null = null;
  try {
    for (;;) {
      let hop: HopResponse;
      tls = null;
      try {
        hop = await requestHop(url, {
          signal: controller.signal,
          bodyCapBytes: options.bodyCapBytes ?? ENGINE_DEFAULTS.bodyCapBytes,
          wantsBody: (status, headers) => !isFollowedRedirect(status, headers, target),
          method: request.method,
          headers: request.headers,
          body: request.body,
          lookup: options.lookup,
          ca: options.ca,
        });
      } catch (error) {
        if (error instanceof HopError) {
          marks = error.marks;
          throw error.reason;
        }
        throw error;
      }
      marks = hop.marks;
      tls = hop.tls;
      if (isFollowedRedirect(hop.status, hop.headers, target)) {
        const next = nextUrl(hop.headers.location as string, url);
        if (visited.has(next.href)) throw new ProbeFailure("REDIRECTS", `redirect loop: ${url.href} redirects back to ${next.href}`);
        if (redirects >= maxRedirects) throw new ProbeFailure("REDIRECTS", `more than ${maxRedirects} redirects (next: ${next.href})`);
        visited.add(next.href);
        redirects += 1;
        request = redirectRequest(request, hop.status, url, next);
        url = next;
        continue;
      }
      const error = checkResponse(hop, target.expect, request.secretValues);
      const timings = phaseTimings(hop.marks, performance.now() - start);
      return { skipped: false, result: { ...base, ok: error === null, status: hop.status, error, timings, tls, redirects } };
    }
  } catch (reason) {
    if (reason instanceof DeadlineReached) return { skipped: true };
    const totalMs = performance.now() - start;
    const timings = marks ? phaseTimings(marks, totalMs) : phaseTimings({ start }, totalMs);
    return { skipped: false, result: { ...base, ok: false, status: null, error: toProbeError(reason), timings, tls, redirects } };
  } finally {
    clearTimeout(timer);
    options.deadline?.removeEventListener("abort", onDeadline);
  }
}

/** Resolves after `ms`, or to false as soon as the deadline is reached. */
function pause(ms: number, deadline: AbortSignal | undefined): Promise<boolean> {
  if (deadline?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onDeadline = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      deadline?.removeEventListener("abort", onDeadline);
      resolve(true);
    }, ms);
    deadline?.addEventListener("abort", onDeadline, { once: true });
  });
}

/**
 * One measurement of a target, retried on failure up to `target.retries` times. The result is the
 * last attempt's; a target the deadline interrupts is skipped rather than reported down, so the
 * probe's own time limit never raises a false alarm.
 */
export async function probeTarget(target: Target, options: EngineOptions = {}): Promise<ProbeResult> {
  const retries = target.retries ?? TARGET_DEFAULTS.retries;
  const prepared = prepareRequest(target, options.secrets, ENGINE_DEFAULTS.userAgent);
  if ("error" in prepared) return secretFailure(target, prepared.error);
  for (let attempts = 1; ; attempts += 1) {
    const outcome = await attempt(target, prepared, options);
    if (outcome.skipped) return skippedResult(target, attempts);
    if (outcome.result.ok || attempts > retries) {
      const { result } = outcome;
      // A server may echo what it was sent (a token in a body, a redirect URL): messages never show a secret.
      const error = result.error && prepared.secretValues.length > 0 ? { ...result.error, message: redactValues(result.error.message, prepared.secretValues) } : result.error;
      return { ...result, error, attempts, warnings: warningsOf(result, target, options.warnings) };
    }
    if (!(await pause(options.retryPauseMs ?? ENGINE_DEFAULTS.retryPauseMs, options.deadline))) return skippedResult(target, attempts);
  }
}

/** A target that could not be sent because a secret it needs is unavailable: nothing was requested. */
function secretFailure(target: Target, message: string): ProbeResult {
  return { url: target.url, name: target.name ?? null, ok: false, status: null, error: { code: "SECRET", message }, timings: { ...NO_TIMINGS }, tls: null, redirects: 0, attempts: 0, warnings: [] };
}
