/**
 * The benchmark's endpoint, run in its own process so that serving does not share the probe's
 * event loop: `/delay/<ms>` answers after a known delay, over HTTP and (given a certificate in
 * BENCH_TLS_KEY / BENCH_TLS_CERT) HTTPS. It reports its ports, and on request the most requests
 * it has had in flight at once, over IPC.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";

let inFlight = 0;
let maxInFlight = 0;
const BODY = Buffer.from("benchmark body\n");

const handle: http.RequestListener = (request, response) => {
  inFlight += 1;
  maxInFlight = Math.max(maxInFlight, inFlight);
  response.on("close", () => (inFlight -= 1));
  const match = /^\/delay\/(\d+)/.exec(request.url ?? "");
  const delay = match ? Number(match[1]) : 0;
  setTimeout(() => {
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
  if (message.command === "stats") process.send?.({ maxInFlight });
  if (message.command === "reset") {
    maxInFlight = 0;
    process.send?.({ reset: true });
  }
  if (message.command === "stop") {
    for (const server of servers) server.close();
    process.disconnect?.();
  }
});
