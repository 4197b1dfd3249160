/**
 * One HTTP request/response on a fresh connection, with the marks needed for phase timings.
 *
 * Every hop gets its own agent, so nothing is reused between samples: no keep-alive socket (which
 * would hide DNS, TCP and TLS) and no TLS session cache (which would shorten the handshake). The
 * marks come from the socket's own events, with listeners attached the moment the socket is
 * created, on the monotonic clock `performance.now()`.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { LookupFunction } from "node:net";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
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

type SocketHook = (socket: Duplex) => void;

class FreshHttpAgent extends http.Agent {
  constructor(private readonly hook: SocketHook) {
    super({ keepAlive: false });
  }
  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    if (socket) this.hook(socket);
    return socket;
  }
}

class FreshHttpsAgent extends https.Agent {
  constructor(private readonly hook: SocketHook) {
    super({ keepAlive: false, maxCachedSessions: 0 });
  }
  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    if (socket) this.hook(socket);
    return socket;
  }
}

/** `C=US, O=Let's Encrypt, CN=R11` from the issuer object Node gives. */
export function formatDistinguishedName(name: Record<string, string | string[] | undefined>): string {
  return Object.entries(name)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join("+") : value}`)
    .join(", ");
}

export function tlsInfoOf(socket: TLSSocket, nowMs = Date.now()): TlsInfo | null {
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

export function requestHop(url: URL, options: HopOptions): Promise<HopResponse> {
  return new Promise((resolve, reject) => {
    const marks: HopMarks = { start: performance.now() };
    let tls: TlsInfo | null = null;
    let settled = false;

    const instrument: SocketHook = (socket) => {
      socket.once("lookup", () => (marks.lookup = performance.now()));
      socket.once("connect", () => (marks.connect = performance.now()));
      socket.once("secureConnect", () => {
        marks.secureConnect = performance.now();
        tls = tlsInfoOf(socket as TLSSocket);
      });
    };

    const isHttps = url.protocol === "https:";
    const request = (isHttps ? https : http).request(url, {
      method: "GET",
      agent: isHttps ? new FreshHttpsAgent(instrument) : new FreshHttpAgent(instrument),
      headers: options.headers,
      lookup: options.lookup,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
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

    // The first byte as the socket sees it, before the HTTP parser has read the status line. Added
    // once the request owns the socket (its parser is attached by then), ahead of the parser's listener.
    request.once("socket", (socket) => socket.prependOnceListener("data", () => (marks.firstByte ??= performance.now())));
    request.on("error", fail);
    request.on("response", (response) => {
      marks.firstByte ??= performance.now();
      const status = response.statusCode ?? 0;
      const succeed = (body: Buffer, bodyTruncated: boolean) => {
        if (settled) return;
        marks.end = performance.now();
        finish(() => resolve({ status, headers: response.headers, body, bodyTruncated, marks, tls }));
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
    request.end();
  });
}

