/**
 * Sending one channel's request, with retries: on 429 (waiting what `Retry-After` says), on 5xx
 * and on network errors (refused, reset, timed out), with exponential backoff and jitter; never on
 * another 4xx (the request itself is wrong, and sending it again cannot help). Each channel runs
 * on its own (the notifier starts them all at once), bounded by a deadline, so one slow or broken
 * channel never delays another. PagerDuty documents exactly this policy
 * (https://developer.pagerduty.com/docs/events-api-v2/overview/#response-codes--retry-logic);
 * Slack and Teams answer 429 with `Retry-After` when rate limited
 * (https://api.slack.com/docs/rate-limits).
 */
import * as http from "node:http";
import * as https from "node:https";
import { REDACTED } from "../common/secrets";

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  requestTimeoutMs: number;
  maxRetryAfterMs: number;
  maxErrorBodyChars: number;
}

export const RETRY_POLICY: RetryPolicy = {
  /** First try plus three retries. */
  attempts: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
  /** A channel that answers nothing within this is treated as a network error. */
  requestTimeoutMs: 10_000,
  /** A longer `Retry-After` than this (or than the time left) ends the retries: the delivery goes to the dead-letter queue. */
  maxRetryAfterMs: 30_000,
  /** What is kept of an error response's body for the delivery record. */
  maxErrorBodyChars: 200,
};

export interface HttpAnswer {
  status: number;
  retryAfter?: string;
  body: string;
}

export interface DeliveryOutcome {
  ok: boolean;
  attempts: number;
  /** The last HTTP status, when there was one. */
  status?: number;
  /** Why it failed (secrets removed by the caller's `redact`). */
  error?: string;
  /** The waits between attempts, in milliseconds (tests read them; nothing else does). */
  waits: number[];
}

export interface RetryOptions {
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Epoch ms after which no attempt starts. */
  deadline: number;
  random?: () => number;
  policy?: Partial<RetryPolicy>;
}

/** `Retry-After` is seconds or an HTTP date. https://www.rfc-editor.org/rfc/rfc9110#field.retry-after */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Runs `attempt` until it succeeds, fails for good, or the attempts or the time run out. */
export async function withRetries(attempt: () => Promise<HttpAnswer>, options: RetryOptions): Promise<DeliveryOutcome> {
  const policy = { ...RETRY_POLICY, ...options.policy };
  const random = options.random ?? Math.random;
  const waits: number[] = [];
  let last: { status?: number; error: string } = { error: "not attempted" };
  for (let count = 1; count <= policy.attempts; count++) {
    let wait: number;
    try {
      const answer = await attempt();
      if (answer.status >= 200 && answer.status < 300) return { ok: true, attempts: count, status: answer.status, waits };
      const body = answer.body.trim().slice(0, policy.maxErrorBodyChars);
      last = { status: answer.status, error: `HTTP ${answer.status}${body ? `: ${body}` : ""}` };
      if (!isRetryableStatus(answer.status)) return { ok: false, attempts: count, ...last, waits };
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (count - 1)) * (0.5 + random() / 2);
      const asked = answer.status === 429 ? retryAfterMs(answer.retryAfter, options.now()) : undefined;
      if (asked !== undefined && asked > policy.maxRetryAfterMs) {
        return { ok: false, attempts: count, ...last, error: `${last.error} (Retry-After ${Math.round(asked / 1000)} s is longer than the notifier waits)`, waits };
      }
      wait = asked ?? backoff;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      last = { error: `network error: ${code ? `${code}: ` : ""}${(error as Error).message}` };
      wait = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (count - 1)) * (0.5 + random() / 2);
    }
    if (count === policy.attempts) break;
    if (options.now() + wait >= options.deadline) {
      return { ok: false, attempts: count, ...last, error: `${last.error} (no time left for another attempt)`, waits };
    }
    waits.push(Math.round(wait));
    await options.sleep(wait);
  }
  return { ok: false, attempts: policy.attempts, ...last, waits };
}

export interface PostOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Tests only: the CA of a local HTTPS server. */
  ca?: string | Buffer;
}

/** POSTs a body and reads the answer (a fresh connection each time: deliveries are rare). */
export function postJson(url: string, body: string, options: PostOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === "https:" ? https : http;
    const request = transport.request(
      target,
      {
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": "webhealth-notifier", ...options.headers },
        timeout: options.timeoutMs ?? RETRY_POLICY.requestTimeoutMs,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= 4096) chunks.push(chunk);
        });
        response.on("end", () => {
          const retryAfter = response.headers["retry-after"];
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), ...(typeof retryAfter === "string" ? { retryAfter } : {}) });
        });
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs ?? RETRY_POLICY.requestTimeoutMs} ms`), { code: "TIMEOUT" })));
    request.on("error", reject);
    request.end(body);
  });
}

/** A path segment or query value this long in a secret URL is taken for a token (Slack's, a Workflows `sig`). */
const TOKEN_MIN_LENGTH = 16;

/**
 * The parts of a secret value an error could echo on their own: the value, and for a URL its
 * path and query, and every path segment or query value long enough to be a token (a receiver
 * answering `invalid token <the last segment>` must not put it in a delivery record).
 */
export function secretFragments(value: string): string[] {
  const fragments = [value];
  if (!URL.canParse(value)) return fragments;
  const url = new URL(value);
  if (url.pathname.length > 1 || url.search) fragments.push(`${url.pathname}${url.search}`);
  for (const segment of url.pathname.split("/")) if (segment.length >= TOKEN_MIN_LENGTH) fragments.push(segment, decodeURIComponent(segment));
  for (const query of url.searchParams.values()) if (query.length >= TOKEN_MIN_LENGTH) fragments.push(query, encodeURIComponent(query));
  return fragments;
}

/** Replaces every secret value in a text (errors can echo a URL or a key). */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  const values = [...new Set(secrets)].filter((value) => value.length > 0).sort((a, b) => b.length - a.length);
  for (const value of values) out = out.split(value).join(REDACTED);
  return out;
}
