/**
 * Real HTTP and HTTPS servers on 127.0.0.1 with the behaviours the probe must handle: known
 * delays, status codes, redirect chains and loops, a server that never answers, bodies that never
 * end or are huge, resets, flaky answers. They count requests in flight to check the pool's bound.
 */
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import type { TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";

export const OK_BODY = "hello from webhealth";

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
const CHUNK = Buffer.alloc(64 * 1024, "x");

export interface TestServer {
  port: number;
  /** `http://127.0.0.1:<port><path>` (or https). */
  url(path: string): string;
  /** Requests in flight now and at most so far, requests and TCP connections accepted (reset with resetStats). */
  stats: { inFlight: number; maxInFlight: number; requests: number; connections: number; resumedTlsSessions: number; bytesWritten: number };
  /** Every request received since the last resetStats: method, path, headers (lower-case names) and body. */
  seen: SeenRequest[];
  resetStats(): void;
  close(): Promise<void>;
}

/** The routes every test server answers. */
function route(request: http.IncomingMessage, response: http.ServerResponse, stats: TestServer["stats"], flakySeen: Set<string>): void {
  const url = new URL(request.url ?? "/", "http://placeholder");
  const parts = url.pathname.split("/").filter(Boolean);
  const [first, second] = parts;
  switch (first) {
    case "ok":
      response.setHeader("content-type", "text/plain; charset=utf-8");
      response.end(OK_BODY);
      return;
    case "delay": // /delay/<ms>: the answer (headers and body) after a known delay
      setTimeout(() => response.end(OK_BODY), Number(second));
      return;
    case "status": // /status/<code>
      response.statusCode = Number(second);
      response.end(`status ${second}`);
      return;
    case "redirect": {
      // /redirect/<n>: n redirects (relative Locations) and then /ok
      const n = Number(second);
      response.statusCode = 302;
      response.setHeader("location", n > 1 ? `/redirect/${n - 1}` : "/ok");
      response.end();
      return;
    }
    case "moved": // /moved: a 301 to /ok
      response.statusCode = 301;
      response.setHeader("location", "/ok");
      response.end();
      return;
    case "loop": // /loop/a <-> /loop/b
      response.statusCode = 302;
      response.setHeader("location", second === "a" ? "/loop/b" : "/loop/a");
      response.end();
      return;
    case "redirect-to": // /redirect-to?location=<any>
      response.statusCode = 307;
      response.setHeader("location", url.searchParams.get("location") ?? "/ok");
      response.end();
      return;
    case "hang": // never answers
      return;
    case "endless": // headers at once, then a chunk every 50 ms forever
      response.writeHead(200, { "content-type": "text/plain" });
      response.write("start ");
      {
        const timer = setInterval(() => response.write("more "), 50);
        response.on("close", () => clearInterval(timer));
      }
      return;
    case "huge": {
      // /huge: 64 MiB, written as fast as the client reads
      const total = 64 * 1024 * 1024;
      let sent = 0;
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(total) });
      const pump = () => {
        while (sent < total && !response.destroyed) {
          sent += CHUNK.length;
          stats.bytesWritten += CHUNK.length;
          if (!response.write(CHUNK)) return void response.once("drain", pump);
        }
        response.end();
      };
      pump();
      return;
    }
    case "echo": // /echo: the request as JSON { method, path, headers, body }
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ method: request.method, path: request.url, headers: request.headers, body: (request as { body?: string }).body ?? "" }));
      return;
    case "reflect": {
      // /reflect?into=json|header|location&pad=<n>: the request's Authorization, as received, after
      // n "x": in a JSON body { echo }, in the response header x-echo, or in a redirect Location
      // (its query, unencoded: the redirect repeats itself, a loop).
      const echoed = "x".repeat(Number(url.searchParams.get("pad") ?? 0)) + (request.headers.authorization ?? "");
      const into = url.searchParams.get("into");
      if (into === "location") {
        response.statusCode = 302;
        response.setHeader("location", `/reflect?into=location&t=${echoed}`);
        response.end();
      } else if (into === "header") {
        response.setHeader("x-echo", echoed);
        response.end(OK_BODY);
      } else {
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify({ echo: echoed }));
      }
      return;
    }
    case "json": // /json?doc=<url-encoded JSON text>: that text as the body
      response.setHeader("content-type", "application/json");
      response.end(url.searchParams.get("doc") ?? "{}");
      return;
    case "gzip": // a gzip-compressed body whatever accept-encoding says
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      response.end(gzipSync(JSON.stringify({ status: "green" })));
      return;
    case "redirect-post": // /redirect-post/<status>?location=<url>: redirects with that status
      response.statusCode = Number(second);
      response.setHeader("location", url.searchParams.get("location") ?? "/echo");
      response.end();
      return;
    case "a-run": // a million "a" and a "!" (within the body cap): a backtracking engine would never finish (a+)+$ on it
      response.setHeader("content-type", "text/plain");
      response.end("a".repeat(1_000_000) + "!");
      return;
    case "headers":
      response.setHeader("content-type", "application/json; charset=utf-8");
      response.setHeader("x-build", "abc123");
      response.end('{"status":"green","version":"1.2.3"}');
      return;
    case "reset": // the connection is dropped once the request is read
      request.socket.destroy();
      return;
    case "cut": // promises 1,000 bytes, sends 5 and closes
      response.writeHead(200, { "content-length": "1000" });
      response.write("short", () => request.socket.destroy());
      return;
    case "flaky": // /flaky/<key>: 503 the first time per key, then 200
      if (flakySeen.has(second)) {
        response.end(OK_BODY);
      } else {
        flakySeen.add(second);
        response.statusCode = 503;
        response.end("try again");
      }
      return;
    default:
      response.statusCode = 404;
      response.end("not found");
  }
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

async function start(server: http.Server, scheme: "http" | "https", stats: TestServer["stats"], seen: SeenRequest[]): Promise<TestServer> {
  // Counted at accept time, before TLS: every fresh connection the probe opens shows here.
  server.on("connection", () => (stats.connections += 1));
  // A resumed session would skip the full handshake the probe must measure every time.
  server.on("secureConnection", (socket: TLSSocket) => {
    if (socket.isSessionReused()) stats.resumedTlsSessions += 1;
  });
  const port = await listen(server);
  return {
    port,
    url: (path) => `${scheme}://127.0.0.1:${port}${path}`,
    stats,
    seen,
    resetStats() {
      Object.assign(stats, newStats());
      seen.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function handlerWithStats(stats: TestServer["stats"], seen: SeenRequest[]): http.RequestListener {
  const flakySeen = new Set<string>();
  return (request, response) => {
    stats.requests += 1;
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    response.on("close", () => (stats.inFlight -= 1));
    // The whole request body is read first, so routes and tests can see what was sent.
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: request.method ?? "", path: request.url ?? "", headers: request.headers, body });
      (request as { body?: string }).body = body;
      route(request, response, stats, flakySeen);
    });
  };
}

const newStats = (): TestServer["stats"] => ({ inFlight: 0, maxInFlight: 0, requests: 0, connections: 0, resumedTlsSessions: 0, bytesWritten: 0 });

export function startHttpServer(): Promise<TestServer> {
  const stats = newStats();
  const seen: SeenRequest[] = [];
  return start(http.createServer(handlerWithStats(stats, seen)), "http", stats, seen);
}

export function startHttpsServer(credentials: { key: string; cert: string }): Promise<TestServer> {
  const stats = newStats();
  const seen: SeenRequest[] = [];
  return start(https.createServer(credentials, handlerWithStats(stats, seen)), "https", stats, seen);
}

/** A TCP server that answers every connection with bytes that are not HTTP. */
export async function startGarbageServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    socket.end("SSH-2.0-OpenSSH_9.6\r\nthis is not HTTP\r\n\r\n");
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening (bound once, then released). */
export async function refusedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A stand-in for dns.lookup that never leaves the machine: `*.test` names resolve to 127.0.0.1
 * (asynchronously, like the real one, so the socket's `lookup` event is seen), `missing.test`
 * fails the way getaddrinfo does.
 */
export const testLookup = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
  setImmediate(() => {
    if (hostname === "missing.test" || !hostname.endsWith(".test")) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname }));
    } else if (options.all) {
      callback(null, [{ address: "127.0.0.1", family: 4 }]);
    } else {
      callback(null, "127.0.0.1", 4);
    }
  });
}) as unknown as net.LookupFunction;
