import { expect } from "chai";
import { mock } from "node:test";
import { probeTarget } from "../../functions/probe/probe";
import { probeAll } from "../../functions/probe/run";
import { TARGET_DEFAULTS, type Target } from "../../functions/common/targets";
import { refusedPort, startGarbageServer, startHttpServer, testLookup, type TestServer } from "./support/servers";

// Margins for a busy 2-core machine: timings are checked for what they must be at least, and
// bounded above only loosely.
const SLACK_MS = 3_000;

describe("probe engine over HTTP (real servers on 127.0.0.1)", function () {
  let server: TestServer;
  before(async () => {
    server = await startHttpServer();
  });
  after(() => server.close());

  it("measures a known delay: ok 200, time to first byte at least the delay, no DNS phase for an IP literal", async () => {
    const result = await probeTarget({ url: server.url("/delay/200"), name: "slow" });

    expect(result).to.include({ url: server.url("/delay/200"), name: "slow", ok: true, status: 200, error: null, tls: null, redirects: 0, attempts: 1 });
    const { timings } = result;
    expect(timings.dnsMs).to.equal(null);
    expect(timings.tlsMs).to.equal(null);
    expect(timings.connectMs).to.be.a("number").and.at.least(0);
    expect(timings.ttfbMs).to.be.at.least(199).and.below(200 + SLACK_MS);
    expect(timings.transferMs).to.be.a("number").and.at.least(0);
    expect(timings.totalMs).to.be.at.least(timings.ttfbMs as number);
    expect(Object.keys(result)).to.deep.equal(["url", "name", "ok", "status", "error", "timings", "tls", "redirects", "attempts", "warnings"]);
  });

  it("times the DNS phase when the URL names a host", async () => {
    const url = server.url("/ok").replace("127.0.0.1", "site.test");

    const result = await probeTarget({ url }, { lookup: testLookup });

    expect(result.ok).to.equal(true);
    expect(result.timings.dnsMs).to.be.a("number").and.at.least(0);
    expect(result.timings.connectMs).to.be.a("number").and.at.least(0);
  });

  it("reports a failed name lookup as DNS", async () => {
    const result = await probeTarget({ url: "http://missing.test/" }, { lookup: testLookup });

    expect(result.ok).to.equal(false);
    expect(result.status).to.equal(null);
    expect(result.error?.code).to.equal("DNS");
    expect(result.error?.message).to.contain("ENOTFOUND");
  });

  it("follows a redirect chain of the default limit (5) and reports the final hop", async () => {
    const result = await probeTarget({ url: server.url("/redirect/5") });

    expect(result).to.include({ ok: true, status: 200, redirects: 5, url: server.url("/redirect/5") });
    expect(result.timings.ttfbMs).to.be.a("number");
  });

  it("opens a fresh connection for every hop of every probe (no keep-alive), each with its own connect phase", async () => {
    server.resetStats();

    const results = [await probeTarget({ url: server.url("/redirect/3") }), await probeTarget({ url: server.url("/redirect/3") })];

    expect(results.map((result) => [result.ok, result.redirects])).to.deep.equal([
      [true, 3],
      [true, 3],
    ]);
    for (const result of results) expect(result.timings.connectMs).to.be.a("number");
    expect(server.stats.requests).to.equal(8);
    expect(server.stats.connections).to.equal(8);
  });

  const redirectFailures: Array<{ path: string; redirects: number; message: RegExp }> = [
    { path: "/redirect/6", redirects: 5, message: /more than 5 redirects/ },
    { path: "/loop/a", redirects: 1, message: /redirect loop: .*\/loop\/b redirects back to .*\/loop\/a/ },
    { path: "/redirect-to?location=ftp://files.test/x", redirects: 0, message: /unsupported scheme ftp:/ },
  ];
  for (const { path, redirects, message } of redirectFailures) {
    it(`fails ${path} with REDIRECTS after ${redirects} redirect(s)`, async () => {
      const result = await probeTarget({ url: server.url(path) });

      expect(result).to.include({ ok: false, status: null, redirects });
      expect(result.error?.code).to.equal("REDIRECTS");
      expect(result.error?.message).to.match(message);
    });
  }

  it("stops at a redirect whose status the target expects", async () => {
    const result = await probeTarget({ url: server.url("/moved"), expect: { status: [301] } });

    expect(result).to.include({ ok: true, status: 301, redirects: 0, error: null });
  });

  const assertionCases: Array<{ title: string; target: Omit<Target, "url">; path: string; error: { code: string; message: string } | null }> = [
    { title: "any 2xx by default", path: "/status/204", target: {}, error: null },
    { title: "a 5xx by default", path: "/status/503", target: {}, error: { code: "STATUS", message: "status 503 is not accepted (expected 2xx)" } },
    { title: "a listed status", path: "/status/404", target: { expect: { status: [404] } }, error: null },
    { title: "an unlisted 2xx", path: "/ok", target: { expect: { status: [201, 202] } }, error: { code: "STATUS", message: "status 200 is not accepted (expected one of 201, 202)" } },
    { title: "a body that contains the text", path: "/ok", target: { expect: { bodyContains: "from webhealth" } }, error: null },
    { title: "a body without the text", path: "/ok", target: { expect: { bodyContains: "maintenance" } }, error: { code: "BODY", message: 'body does not contain "maintenance"' } },
    { title: "a body matching the regex", path: "/headers", target: { expect: { bodyMatches: '"version":"1\\.\\d+' } }, error: null },
    { title: "a body not matching the regex", path: "/headers", target: { expect: { bodyMatches: "^<html" } }, error: { code: "BODY", message: "body does not match /^<html/" } },
    { title: "a header containing the value, any case", path: "/headers", target: { expect: { headers: { "Content-Type": "JSON" } } }, error: null },
    {
      title: "a header with another value",
      path: "/headers",
      target: { expect: { headers: { "x-build": "zzz" } } },
      error: { code: "HEADER", message: 'header x-build is "abc123", expected it to contain "zzz"' },
    },
    { title: "a missing header", path: "/headers", target: { expect: { headers: { "x-missing": "a" } } }, error: { code: "HEADER", message: "header x-missing is missing" } },
    {
      title: "the status before the body",
      path: "/status/500",
      target: { expect: { bodyContains: "never" } },
      error: { code: "STATUS", message: "status 500 is not accepted (expected 2xx)" },
    },
  ];
  for (const { title, target, path, error } of assertionCases) {
    it(`assertions: ${title} -> ${error ? error.code : "ok"}`, async () => {
      const result = await probeTarget({ url: server.url(path), ...target });

      expect(result.error).to.deep.equal(error);
      expect(result.ok).to.equal(error === null);
      expect(result.status).to.be.a("number");
    });
  }

  it("times out a server that never answers with TIMEOUT, near the target's timeout", async () => {
    const result = await probeTarget({ url: server.url("/hang"), timeoutMs: 300 });

    expect(result.error?.code).to.equal("TIMEOUT");
    expect(result.error?.message).to.equal("no complete answer within 300 ms");
    expect(result.status).to.equal(null);
    expect(result.timings.connectMs).to.be.a("number");
    expect(result.timings.ttfbMs).to.equal(null);
    expect(result.timings.totalMs).to.be.at.least(299).and.below(300 + SLACK_MS);
  });

  it("times out after 10 s by default (the clock mocked: node:test's MockTimers)", async () => {
    server.resetStats();
    const turns = async (count: number) => {
      for (let i = 0; i < count; i += 1) await new Promise((resolve) => setImmediate(resolve));
    };
    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      const pending = probeTarget({ url: server.url("/hang") });
      let settled = false;
      void pending.then(() => (settled = true));
      // Real I/O still runs: wait (boundedly) until the request is at the server, then move the clock.
      for (let i = 0; i < 1_000 && server.stats.requests === 0; i += 1) await turns(1);

      mock.timers.tick(TARGET_DEFAULTS.timeoutMs - 1);
      await turns(20);
      const settledBeforeTimeout = settled;
      mock.timers.tick(1);
      const result = await pending;

      expect([server.stats.requests, settledBeforeTimeout]).to.deep.equal([1, false]);
      expect(result.error).to.deep.equal({ code: "TIMEOUT", message: "no complete answer within 10000 ms" });
    } finally {
      mock.timers.reset();
    }
  });

  it("times out a body that never ends: the timeout bounds the whole response", async () => {
    const result = await probeTarget({ url: server.url("/endless"), timeoutMs: 400 });

    expect(result.error?.code).to.equal("TIMEOUT");
    expect(result.timings.ttfbMs).to.be.a("number");
    expect(result.timings.transferMs).to.equal(null);
    expect(result.timings.totalMs).to.be.at.least(399).and.below(400 + SLACK_MS);
  });

  it("reads a huge body up to the cap, then drops the connection without failing", async () => {
    server.resetStats();

    const result = await probeTarget({ url: server.url("/huge"), expect: { bodyContains: "xxxx" } });

    expect(result).to.include({ ok: true, status: 200, error: null });
    expect(result.timings.transferMs).to.be.a("number");
    // The server had 64 MiB to send; the probe read 1 MiB and hung up (socket buffers hold a few MiB more at most).
    expect(server.stats.bytesWritten).to.be.below(16 * 1024 * 1024);
  });

  it("caps the body at 1 MiB by default", async () => {
    const result = await probeTarget({ url: server.url("/huge"), expect: { bodyContains: "the end" } });

    expect(result.error).to.deep.equal({ code: "BODY", message: 'body does not contain "the end" (in the first 1048576 bytes)' });
  });

  it("checks body assertions only within the cap, and says so", async () => {
    const result = await probeTarget({ url: server.url("/huge"), expect: { bodyContains: "the end" } }, { bodyCapBytes: 1024 });

    expect(result.error).to.deep.equal({ code: "BODY", message: 'body does not contain "the end" (in the first 1024 bytes)' });
  });

  it("reports a refused port as REFUSED", async () => {
    const port = await refusedPort();

    const result = await probeTarget({ url: `http://127.0.0.1:${port}/` });

    expect(result.error?.code).to.equal("REFUSED");
    expect(result.error?.message).to.contain("ECONNREFUSED");
    expect(result.timings.connectMs).to.equal(null);
    expect(result.timings.totalMs).to.be.a("number");
  });

  it("reports a connection dropped before the answer as RESET", async () => {
    const result = await probeTarget({ url: server.url("/reset") });

    expect(result.error?.code).to.equal("RESET");
  });

  it("reports a body cut short as RESET", async () => {
    const result = await probeTarget({ url: server.url("/cut") });

    expect(result.error?.code).to.equal("RESET");
    expect(result.status).to.equal(null);
  });

  it("reports an answer that is not HTTP as PROTOCOL", async () => {
    const garbage = await startGarbageServer();
    try {
      const result = await probeTarget({ url: garbage.url });

      expect(result.error?.code).to.equal("PROTOCOL");
    } finally {
      await garbage.close();
    }
  });

  it("reports an https URL answered by a plain HTTP server as TLS", async () => {
    const result = await probeTarget({ url: server.url("/ok").replace("http:", "https:") });

    expect(result.error?.code).to.equal("TLS");
    expect(result.error?.message).to.match(/^TLS handshake failed: wrong version number/);
  });

  it("retries a failing target and counts the attempts", async () => {
    const result = await probeTarget({ url: server.url("/flaky/first"), retries: 2 }, { retryPauseMs: 0 });

    expect(result).to.include({ ok: true, status: 200, attempts: 2 });
  });

  it("reports the last failure once the retries run out", async () => {
    const result = await probeTarget({ url: server.url("/status/500"), retries: 2 }, { retryPauseMs: 0 });

    expect(result).to.include({ ok: false, status: 500, attempts: 3 });
    expect(result.error?.code).to.equal("STATUS");
  });

  it("keeps each target's failure out of the others' results, in input order", async () => {
    const port = await refusedPort();
    const targets: Target[] = [
      { url: server.url("/ok?n=1") },
      { url: server.url("/hang"), timeoutMs: 300 },
      { url: `http://127.0.0.1:${port}/` },
      { url: server.url("/reset") },
      { url: server.url("/ok?n=2") },
    ];

    const { results } = await probeAll(targets);

    expect(results.map((result) => result.url)).to.deep.equal(targets.map((target) => target.url));
    expect(results.map((result) => result.error?.code ?? "ok")).to.deep.equal(["ok", "TIMEOUT", "REFUSED", "RESET", "ok"]);
    expect(results[0].status).to.equal(200);
    expect(results[4].status).to.equal(200);
  });
});
