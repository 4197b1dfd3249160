/**
 * Maps what Node throws while probing onto the stable error vocabulary, so a failure is always a
 * result with a code, never a crash.
 */
import type { ErrorCode, ProbeError } from "./result";

/** A failure the engine decided on itself (an assertion, a redirect rule, a timeout). */
export class ProbeFailure extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ProbeFailure";
  }
}

/** Why an in-flight probe was aborted: its own timeout (a TIMEOUT failure) or the invocation's deadline (skipped). */
export class DeadlineReached extends Error {
  constructor() {
    super("the invocation's deadline was reached");
    this.name = "DeadlineReached";
  }
}

// getaddrinfo and c-ares codes: https://nodejs.org/api/dns.html#error-codes
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EAI_NODATA", "ENODATA", "ESERVFAIL", "ENOTIMP", "EREFUSED", "EBADNAME", "ETIMEOUT"]);
// Nothing accepted the connection: refused outright, or no route to the host.
const REFUSED_CODES = new Set(["ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH", "EHOSTDOWN", "EADDRNOTAVAIL"]);
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);
// OpenSSL verification results surfaced by Node: https://nodejs.org/api/tls.html#x509-certificate-error-codes
const TLS_CODES = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_CRL",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CRL_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "CRL_NOT_YET_VALID",
  "CRL_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "ERROR_IN_CRL_LAST_UPDATE_FIELD",
  "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
  "OUT_OF_MEM",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function classifyCode(code: string | undefined, message: string): ErrorCode {
  if (code === undefined) return "PROTOCOL";
  if (DNS_CODES.has(code)) return "DNS";
  if (REFUSED_CODES.has(code)) return "REFUSED";
  if (RESET_CODES.has(code)) return "RESET";
  if (code === "ETIMEDOUT") return "TIMEOUT";
  if (TLS_CODES.has(code) || code.startsWith("ERR_TLS_") || code.startsWith("ERR_SSL_")) return "TLS";
  // An https URL answered by a plain-HTTP server fails inside OpenSSL with EPROTO ("wrong version number").
  if (code === "EPROTO" && /ssl|tls|certificate|handshake|version/i.test(message)) return "TLS";
  // Everything else (llhttp's HPE_* parse errors, invalid header characters...) means the peer broke HTTP.
  return "PROTOCOL";
}

/** Turns anything thrown during a probe into a `{ code, message }` that names the cause. */
export function toProbeError(error: unknown): ProbeError {
  if (error instanceof ProbeFailure) return { code: error.code, message: error.message };
  const raw = (error instanceof Error ? error.message : String(error)).trim();
  // OpenSSL's errors read `write EPROTO 80...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/...`.
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(raw);
  const message = openssl ? `TLS handshake failed: ${openssl[1]}` : raw;
  const code = codeOf(error);
  const withCode = code && !message.includes(code) ? `${message} (${code})` : message;
  return { code: classifyCode(code, raw), message: withCode };
}
