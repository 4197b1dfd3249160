import type { WarningCode } from "./warnings";

/**
 * The shape of one probe result: the CLI's `--json` line, the handler's per-target log line and
 * the `results` of its summary. Field names are a public contract (scripts parse them).
 */

/** The stable failure vocabulary: alarms, dashboards and scripts may match on these. */
export const ERROR_CODES = ["DNS", "REFUSED", "RESET", "TIMEOUT", "TLS", "STATUS", "BODY", "HEADER", "REDIRECTS", "PROTOCOL", "SECRET"] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ProbeError {
  code: ErrorCode;
  message: string;
}

/** Phase timings of the final hop in milliseconds (null where the phase did not happen), plus the chain's wall time. */
export interface Timings {
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  /** From the moment the request could be sent (TCP or TLS ready) to the first response byte. */
  ttfbMs: number | null;
  /** From the first response byte to the end of the body (or the body cap). */
  transferMs: number | null;
  /** Wall time of the whole redirect chain of the reported attempt; null for a skipped target and for one that sent nothing (SECRET). */
  totalMs: number | null;
}

export interface TlsInfo {
  /** Whole days until the leaf certificate expires, floored (negative once expired). */
  daysRemaining: number;
  /** ISO 8601 UTC. */
  validTo: string;
  /** The issuer's distinguished name, e.g. `C=US, O=Let's Encrypt, CN=R11`. */
  issuer: string;
}

export interface ProbeResult {
  url: string;
  name: string | null;
  ok: boolean;
  status: number | null;
  error: ProbeError | null;
  timings: Timings;
  tls: TlsInfo | null;
  redirects: number;
  attempts: number;
  /** What the stage's alarms would object to (`SLOW`, `CERTIFICATE`); empty when nothing, or when no thresholds were given. */
  warnings: WarningCode[];
  /**
   * Present (and true) only when the invocation's deadline left no time to finish this target:
   * `ok` is false, `error` is null and no metric is published for it. Absent on every measured result.
   */
  skipped?: true;
}

export const NO_TIMINGS: Timings = { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, transferMs: null, totalMs: null };

/** The result of a target the invocation's deadline did not leave time for. */
export function skippedResult(target: { url: string; name?: string }, attempts = 0): ProbeResult {
  return {
    url: target.url,
    name: target.name ?? null,
    ok: false,
    status: null,
    error: null,
    timings: { ...NO_TIMINGS },
    tls: null,
    redirects: 0,
    attempts,
    warnings: [],
    skipped: true,
  };
}
