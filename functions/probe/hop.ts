/**
 * One HTTP request/response on a fresh connection, with the marks needed for phase timings.
 *
 * Nothing is reused between samples: agents never keep a socket alive (which would hide DNS, TCP
 * and TLS) and cache no TLS session (which would shorten the handshake). What is shared is the TLS
 * *context* (trusted roots, protocol settings): building one per connection costs about a
 * millisecond of CPU that would land inside the measured phases. The marks come from the socket's
 * own events, on the monotonic clock `performance.now()`.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { LookupFunction } from "node:net";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import { ProbeFailure } from "./errors";
import type { TlsInfo } from "./result";

const MS_PER_DAY = 86_400_000;

export interface HopMarks {
  start: number;
  lookup?: number;
  connect?: number;
  secureConnect?: number;
  firstByte?: number;
  end?: number;
}

export interface HopOptions {
  /** Aborts the hop; its reason becomes the hop's error. */
  signal: AbortSignal;
  bodyCapBytes: number;
  method: string;
  /** Sent as is (the target's content-type applies); undefined for none. */
  body?: string;
  /** Decides from the status line whether the body matters (not for a redirect that will be followed). */
  wantsBody: (status: number, headers: http.IncomingHttpHeaders) => boolean;
  headers: Record<string, string>;
  /** Replaces `dns.lookup` (tests map their own host names to 127.0.0.1). */
  lookup?: LookupFunction;
  /** Replaces the trusted roots (tests only; in production Node's roots plus NODE_EXTRA_CA_CERTS apply). */
  ca?: string | Buffer | Array<string | Buffer>;
}

export interface HopResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body up to the cap (empty when not wanted). */
  body: Buffer;
  bodyTruncated: boolean;
  marks: HopMarks;
  tls: TlsInfo | null;
}

/** A hop that failed, with the marks it reached so the result can still show the phases that happened. */
export class HopError extends Error {
  constructor(
    public readonly reason: unknown,
    public readonly marks: HopMarks,
  ) {
    super(reason instanceof Error ? reason.message : String(reason));
    this.name = "HopError";
  }
}

/** No keep-alive: every request opens (and closes) its own connection. */
const httpAgent = new http.Agent({ keepAlive: false });
/** No keep-alive and no TLS session cache: every https request does a full handshake. */
const httpsAgent = new https.Agent({ keepAlive: false, maxCachedSessions: 0 });

/** One TLS context per set of trusted roots, built once (the default roots, or a test CA). */
const secureContexts = new Map<HopOptions["ca"], tls.SecureContext>();
function secureContextFor(ca: HopOptions["ca"]): tls.SecureContext {
  let context = secureContexts.get(ca);
  if (!context) {
    context = tls.createSecureContext(ca === undefined ? {} : { ca });
    secureContexts.set(ca, context);
  }
  return context;
}

/** `C=US, O=Let's Encrypt, CN=R11` from the issuer object Node gives. */
export function formatDistinguishedName(name: Record<string, string | string[] | undefined>): string {
  return Object.entries(name)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("+") : value}`)
    .join(", ");
}

export function tlsInfoOf(socket: tls.TLSSocket, nowMs = Date.now()): TlsInfo | null {
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.valid_to) return null;
  const validToMs = Date.parse(cert.valid_to);
  if (Number.isNaN(validToMs)) return null;
  return {
    daysRemaining: Math.floor((validToMs - nowMs) / MS_PER_DAY),
    validTo: new Date(validToMs).toISOString(),
    issuer: formatDistinguishedName(cert.issuer as unknown as Record<string, string | string[]>),
  };
}

const connectionClosed = () => Object.assign(new Error("the connection closed before the response was complete"), { code: "ECONNRESET" });

export function requestHop(url: URL, options: HopOptions): Promise<HopResponse> {
  return new Promise((resolve, reject) => {
    const marks: HopMarks = { start: performance.now() };
    let tlsInfo: TlsInfo | null = null;
    let settled = false;

    const isHttps = url.protocol === "https:";
    const request = (isHttps ? https : http).request(url, {
      method: options.method,
      agent: isHttps ? httpsAgent : httpAgent,
      // Node frames a body itself only for methods it expects one with (not DELETE, OPTIONS...): say its length always.
      headers: options.body === undefined ? options.headers : { ...options.headers, "content-length": String(Buffer.byteLength(options.body)) },
      lookup: options.lookup,
      ...(isHttps ? { secureContext: secureContextFor(options.ca) } : {}),
    });

    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener("abort", onAbort);
      outcome();
    };
    const fail = (reason: unknown) => {
      finish(() => reject(new HopError(reason, marks)));
      request.destroy();
    };
    const onAbort = () => fail(options.signal.reason);

    // The socket is handed to the request a tick after it is created, before any I/O completes, so
    // these listeners see lookup, connect and the handshake. The first byte is the socket's first
    // `data`, before the HTTP parser (attached by now) reads the status line.
    request.once("socket", (socket: Duplex) => {
      socket.once("lookup", () => (marks.lookup = performance.now()));
      socket.once("connect", () => (marks.connect = performance.now()));
      socket.once("secureConnect", () => {
        marks.secureConnect = performance.now();
        tlsInfo = tlsInfoOf(socket as tls.TLSSocket);
      });
      socket.prependOnceListener("data", () => (marks.firstByte ??= performance.now()));
    });
    request.on("error", fail);
    // Node hands an unsolicited `101 Switching Protocols` to `upgrade` listeners only, and without
    // one closes the request silently: without this the hop would wait out the whole timeout.
    const switchedProtocols = (response: http.IncomingMessage) => {
      const protocol = response.headers.upgrade ? ` to ${JSON.stringify(response.headers.upgrade)}` : "";
      fail(new ProbeFailure("PROTOCOL", `the server switched protocols${protocol} (status ${response.statusCode}) although the probe asked for no upgrade`));
    };
    request.on("upgrade", (response: http.IncomingMessage, socket: Duplex) => {
      socket.destroy();
      switchedProtocols(response);
    });
    // Whatever else ends the request without a response or an error must not leave the hop waiting.
    request.on("close", () => fail(connectionClosed()));
    request.on("response", (response) => {
      marks.firstByte ??= performance.now();
      const status = response.statusCode ?? 0;
      // A 101 without an Upgrade header is a response to Node, not an upgrade: it is one all the same
      // (what follows on the connection is not HTTP/1.1), whatever status the target accepts.
      if (status === 101) {
        switchedProtocols(response);
        return;
      }
      const succeed = (body: Buffer, bodyTruncated: boolean) => {
        if (settled) return;
        marks.end = performance.now();
        finish(() => resolve({ status, headers: response.headers, body, bodyTruncated, marks, tls: tlsInfo }));
        request.destroy();
      };
      if (!options.wantsBody(status, response.headers)) {
        succeed(Buffer.alloc(0), false);
        return;
      }
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on("data", (chunk: Buffer) => {
        const room = options.bodyCapBytes - kept;
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
        chunks.push(part);
        kept += part.length;
        // The cap is reached: keep what was read and drop the rest without failing.
        if (kept >= options.bodyCapBytes) succeed(Buffer.concat(chunks), true);
      });
      response.on("end", () => succeed(Buffer.concat(chunks), false));
      response.on("error", fail);
      response.on("close", () => {
        if (!response.complete) fail(Object.assign(new Error("the connection closed before the body ended"), { code: "ECONNRESET" }));
      });
    });

    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener("abort", onAbort, { once: true });
    request.end(options.body);
  });
}
