/**
 * Servers that misbehave on purpose, each a real socket on 127.0.0.1: every one is bounded by the
 * target's timeout (or fails sooner), and none delays another target's result or the run's deadline.
 */
import { expect } from "chai";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import type { Target } from "../../functions/common/targets";
import { probeTarget } from "../../functions/probe/probe";
import { probeAll } from "../../functions/probe/run";
import { startHttpServer, type TestServer } from "./support/servers";

/** Generous on a busy 2-core machine; what the tests prove is "bounded by the timeout", not speed. */
const SLACK_MS = 3_000;
const TIMEOUT_MS = 600;

interface RawServer {
  url(scheme?: "http" | "https"): string;
  close(): Promise<void>;
}

/** A TCP server whose every connection is handled by `onConnection`; every socket is destroyed on close. */
async function rawServer(onConnection: (socket: net.Socket) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (scheme = "http") => `${scheme}://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `text` one byte at a time, `intervalMs` apart, until the socket closes. */
function drip(socket: net.Socket, text: string, intervalMs: number) {
  let index = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || index >= text.length) return clearInterval(timer);
    socket.write(text[index]);
    index += 1;
  }, intervalMs);
  socket.on("close", () => clearInterval(timer));
}

const onRequest = (socket: net.Socket, answer: (socket: net.Socket) => void) => socket.once("data", () => answer(socket));

describe("hostile servers (raw sockets on 127.0.0.1)", function () {
  const servers: RawServer[] = [];
  let normal: TestServer;
  const hostile: Record<string, () => Promise<RawServer>> = {
    upgrade: () => rawServer((socket) => onRequest(socket, (s) => s.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nhello"))),
    bareUpgrade: () => rawServer((socket) => onRequest(socket, (s) => s.write("HTTP/1.1 101 Switching Protocols\r\n\r\nhello"))),
    dripHeaders: () => rawServer((socket) => onRequest(socket, (s) => drip(s, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Padding: " + "p".repeat(10_000), 20))),
    silentTls: () => rawServer(() => undefined),
    endlessBody: () =>
      rawServer((socket) =>
        onRequest(socket, (s) => {
          s.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
          const timer = setInterval(() => s.write("5\r\nmore \r\n"), 30);
          s.on("close", () => clearInterval(timer));
        }),
      ),
  };
  const started: Partial<Record<keyof typeof hostile, RawServer>> = {};

  before(async () => {
    normal = await startHttpServer();
    for (const [name, start] of Object.entries(hostile)) {
      const server = await start();
      started[name as keyof typeof hostile] = server;
      servers.push(server);
    }
  });
  after(async () => {
    await normal.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  it("fails an unsolicited 101 Switching Protocols promptly with PROTOCOL, not at the timeout", async () => {
    const result = await probeTarget({ url: started.upgrade!.url(), timeoutMs: 20_000 });

    expect(result.error).to.deep.equal({ code: "PROTOCOL", message: 'the server switched protocols to "websocket" (status 101) although the probe asked for no upgrade' });
    expect(result.timings.totalMs).to.be.below(SLACK_MS);
  });

  it("fails a 101 without an Upgrade header (Node does not call it an upgrade) promptly with PROTOCOL too", async () => {
    const result = await probeTarget({ url: started.bareUpgrade!.url(), timeoutMs: 20_000, expect: { status: [101] } });

    expect(result.error).to.deep.equal({ code: "PROTOCOL", message: "the server switched protocols (status 101) although the probe asked for no upgrade" });
    expect(result.status).to.equal(null);
    expect(result.timings.totalMs).to.be.below(SLACK_MS);
  });

  it("bounds headers sent one byte at a time by the target's timeout (TIMEOUT)", async () => {
    const result = await probeTarget({ url: started.dripHeaders!.url(), timeoutMs: TIMEOUT_MS });

    expect(result.error).to.deep.equal({ code: "TIMEOUT", message: `no complete answer within ${TIMEOUT_MS} ms` });
    expect(result.status).to.equal(null);
    expect(result.timings.totalMs).to.be.at.least(TIMEOUT_MS - 1).and.below(TIMEOUT_MS + SLACK_MS);
  });

  it("bounds a TLS handshake that never completes by the target's timeout (TIMEOUT, connect timed, no TLS phase)", async () => {
    const result = await probeTarget({ url: started.silentTls!.url("https"), timeoutMs: TIMEOUT_MS });

    expect(result.error?.code).to.equal("TIMEOUT");
    expect(result.timings.connectMs).to.be.a("number");
    expect(result.timings.tlsMs).to.equal(null);
    expect(result.timings.totalMs).to.be.at.least(TIMEOUT_MS - 1).and.below(TIMEOUT_MS + SLACK_MS);
  });

  it("bounds a chunked body that never ends by the target's timeout", async () => {
    const result = await probeTarget({ url: started.endlessBody!.url(), timeoutMs: TIMEOUT_MS, expect: { bodyContains: "never" } });

    expect(result.error?.code).to.equal("TIMEOUT");
    expect(result.timings.ttfbMs).to.be.a("number");
    expect(result.timings.totalMs).to.be.below(TIMEOUT_MS + SLACK_MS);
  });

  it("lets none of them delay another target's result: all at once, the normal target answers long before their timeouts", async () => {
    const longTimeoutMs = 4_000;
    const targets: Target[] = [
      { url: started.dripHeaders!.url(), timeoutMs: longTimeoutMs },
      { url: started.silentTls!.url("https"), timeoutMs: longTimeoutMs },
      { url: started.endlessBody!.url(), timeoutMs: longTimeoutMs },
      { url: started.upgrade!.url(), timeoutMs: longTimeoutMs },
      { url: normal.url("/ok"), timeoutMs: longTimeoutMs },
    ];
    const doneAt: number[] = [];
    const runStart = performance.now();

    const { results } = await probeAll(targets, { concurrency: targets.length, onProgress: () => doneAt.push(performance.now() - runStart) });

    expect(results.map((result) => result.error?.code ?? "ok")).to.deep.equal(["TIMEOUT", "TIMEOUT", "TIMEOUT", "PROTOCOL", "ok"]);
    // The normal target (and the upgrade) were done long before the hostile timeouts ran out.
    expect(results[4].timings.totalMs).to.be.below(longTimeoutMs / 2);
    expect(doneAt.slice(0, 2).every((at) => at < longTimeoutMs / 2)).to.equal(true);
    // The run ends when the slowest target's timeout does, not later.
    expect(performance.now() - runStart).to.be.below(longTimeoutMs + SLACK_MS);
  });

  it("stops at the run's deadline however hostile the targets are: they are skipped, not waited for", async () => {
    const deadline = new AbortController();
    const targets: Target[] = [
      { url: started.dripHeaders!.url(), timeoutMs: 30_000 },
      { url: started.silentTls!.url("https"), timeoutMs: 30_000 },
      { url: started.endlessBody!.url(), timeoutMs: 30_000 },
    ];
    const runStart = performance.now();
    setTimeout(() => deadline.abort(), 300);

    const { results } = await probeAll(targets, { concurrency: 4, deadline: deadline.signal });

    expect(results.map((result) => result.skipped ?? false)).to.deep.equal([true, true, true]);
    expect(performance.now() - runStart).to.be.below(300 + SLACK_MS);
  });
});
