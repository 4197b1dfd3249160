/**
 * The benchmark's endpoint, run in its own process so that serving does not share the probe's
 * event loop: `/delay/<ms>` answers after a known delay, over HTTP and (given a certificate in
 * BENCH_TLS_KEY / BENCH_TLS_CERT) HTTPS. It reports its ports, and on request the most requests
 * it has had in flight at once and its own lag (how late its timers fired), over IPC.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

let inFlight = 0;
let maxInFlight = 0;
/** How much later than asked each delayed answer was written: the server's share of any timing error. */
let lags: number[] = [];
const BODY = Buffer.from("benchmark body\n");

const handle: http.RequestListener = (request, response) => {
  const arrived = performance.now();
  inFlight += 1;
  maxInFlight = Math.max(maxInFlight, inFlight);
  response.on("close", () => (inFlight -= 1));
  const match = /^\/delay\/(\d+)/.exec(request.url ?? "");
  const delay = match ? Number(match[1]) : 0;
  setTimeout(() => {
    lags.push(performance.now() - arrived - delay);
    response.writeHead(200, { "content-type": "text/plain", "content-length": BODY.length });
    response.end(BODY);
  }, delay);
};

// Plain HTTP always; HTTPS too when the parent passes a key and certificate.
const servers: http.Server[] = [http.createServer(handle)];
if (process.env.BENCH_TLS_KEY && process.env.BENCH_TLS_CERT) servers.push(https.createServer({ key: process.env.BENCH_TLS_KEY, cert: process.env.BENCH_TLS_CERT }, handle));

// A deep accept queue: 50 connections arrive at once.
const listening = servers.map(
  (server) => new Promise<number>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: 1024 }, () => resolve((server.address() as AddressInfo).port))),
);
Promise.all(listening).then(([port, tlsPort]) => process.send?.({ port, tlsPort }));

process.on("message", (message: { command: string }) => {
  if (message.command === "stats") process.send?.({ maxInFlight, lags });
  if (message.command === "reset") {
    maxInFlight = 0;
    lags = [];
    process.send?.({ reset: true });
  }
  if (message.command === "stop") {
    for (const server of servers) server.close();
    process.disconnect?.();
  }
});
