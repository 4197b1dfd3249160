import { expect } from "chai";
import { performance } from "node:perf_hooks";
import { runPool } from "../../functions/probe/pool";
import { DEFAULT_CONCURRENCY, probeAll } from "../../functions/probe/run";
import { startHttpServer, type TestServer } from "./support/servers";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("concurrency pool and deadline", function () {
  let server: TestServer;
  before(async () => {
    server = await startHttpServer();
  });
  after(() => server.close());

  it("runs at most `concurrency` tasks at once and keeps input order", async () => {
    let inFlight = 0;
    let observedMax = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);

    const outcome = await runPool(items, 4, async (item) => {
      inFlight += 1;
      observedMax = Math.max(observedMax, inFlight);
      await sleep(5 + ((item * 7) % 11));
      inFlight -= 1;
      return item * 10;
    });

    expect(outcome.results).to.deep.equal(items.map((i) => i * 10));
    expect(observedMax).to.equal(4);
    expect(outcome.maxInFlight).to.equal(4);
  });

  for (const bad of [0, -1, 1.5]) {
    it(`refuses concurrency ${bad}`, async () => {
      const error = await runPool([1], bad, async (x) => x).catch((e: Error) => e);
      expect(error).to.be.instanceOf(RangeError);
    });
  }

  it("never has more requests at the server than the concurrency", async () => {
    server.resetStats();
    const targets = Array.from({ length: 12 }, (_, i) => ({ url: server.url(`/delay/300?i=${i}`) }));

    const outcome = await probeAll(targets, { concurrency: 4 });

    expect(outcome.results.every((result) => result.ok)).to.equal(true);
    expect(server.stats.requests).to.equal(12);
    expect(server.stats.maxInFlight).to.equal(4);
    expect(outcome.maxInFlight).to.equal(4);
    for (const figure of Object.values(outcome.eventLoopDelay)) expect(figure).to.be.a("number").and.at.least(0);
  });

  it("bounds the pool at 32 by default", async () => {
    server.resetStats();
    const targets = Array.from({ length: 40 }, (_, i) => ({ url: server.url(`/delay/300?default=${i}`) }));

    const outcome = await probeAll(targets);

    expect(outcome.results.every((result) => result.ok)).to.equal(true);
    expect(DEFAULT_CONCURRENCY).to.equal(32);
    expect(outcome.maxInFlight).to.equal(32);
    expect(server.stats.maxInFlight).to.equal(32);
  });

  it("skips targets the deadline interrupts or never reaches, and reports them all", async () => {
    const deadline = new AbortController();
    setTimeout(() => deadline.abort(), 400);
    const targets = [
      { url: server.url("/delay/20") },
      { url: server.url("/hang"), timeoutMs: 10_000 },
      { url: server.url("/hang?again"), timeoutMs: 10_000 },
      { url: server.url("/ok?queued") },
    ];
    const started = performance.now();

    const { results } = await probeAll(targets, { concurrency: 2, deadline: deadline.signal });

    expect(performance.now() - started).to.be.below(5_000);
    expect(results.map((result) => result.url)).to.deep.equal(targets.map((target) => target.url));
    expect(results[0]).to.include({ ok: true, status: 200 });
    expect(results[0]).to.not.have.property("skipped");
    // The first /hang was running when the deadline came; the second started after /delay/20 and was
    // running too; /ok?queued waited for a free slot and never started.
    for (const [index, attempts] of [
      [1, 1],
      [2, 1],
      [3, 0],
    ]) {
      expect(results[index], `result ${index}`).to.deep.equal({
        url: targets[index].url,
        name: null,
        ok: false,
        status: null,
        error: null,
        timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, transferMs: null, totalMs: null },
        tls: null,
        redirects: 0,
        attempts,
        warnings: [],
        skipped: true,
      });
    }
  });

  it("shares one deadline among many targets in flight without a listener-leak warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const deadline = new AbortController();
      const targets = Array.from({ length: 40 }, (_, i) => ({ url: server.url(`/delay/50?many=${i}`) }));

      const { results } = await probeAll(targets, { concurrency: 32, deadline: deadline.signal });
      await new Promise((resolve) => setImmediate(resolve));

      expect(results.every((result) => result.ok)).to.equal(true);
      expect(warnings.map((warning) => warning.name)).to.deep.equal([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("skips a retry the deadline leaves no time for", async () => {
    const deadline = new AbortController();
    setTimeout(() => deadline.abort(), 300);

    const { results } = await probeAll([{ url: server.url("/status/503"), retries: 1 }], { deadline: deadline.signal, retryPauseMs: 5_000 });

    expect(results[0]).to.include({ skipped: true, attempts: 1, ok: false });
  });

  it("skips everything when the deadline has already passed", async () => {
    const deadline = new AbortController();
    deadline.abort();
    server.resetStats();

    const { results } = await probeAll([{ url: server.url("/ok") }, { url: server.url("/ok?2") }], { deadline: deadline.signal });

    expect(results.map((result) => [result.skipped, result.attempts])).to.deep.equal([
      [true, 0],
      [true, 0],
    ]);
    expect(server.stats.requests).to.equal(0);
  });
});
