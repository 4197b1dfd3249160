/**
 * The probe side of the benchmark's load runs, in its own process so that it can be given a CPU
 * share (a cgroup quota standing in for a Lambda memory size) and shares nothing with the driver.
 * It waits for `{ targets, concurrency, ca }` over IPC, probes them with the engine and answers
 * with the figures.
 */
import { performance } from "node:perf_hooks";
import type { Target } from "../functions/common/targets";
import { probeAll } from "../functions/probe/run";

export interface LoadRequest {
  targets: Target[];
  concurrency: number;
  ca?: string;
}

export interface LoadReply {
  wallMs: number;
  maxInFlight: number;
  ttfbMs: number[];
  failures: string[];
  loopDelayP99Ms: number;
}

process.on("message", (request: LoadRequest) => {
  void (async () => {
    const started = performance.now();
    const outcome = await probeAll(request.targets, { concurrency: request.concurrency, ...(request.ca ? { ca: request.ca } : {}) });
    const wallMs = performance.now() - started;
    const reply: LoadReply = {
      wallMs,
      maxInFlight: outcome.maxInFlight,
      ttfbMs: outcome.results.map((result) => result.timings.ttfbMs ?? NaN),
      failures: outcome.results.filter((result) => !result.ok).map((result) => `${result.error?.code}: ${result.error?.message}`),
      loopDelayP99Ms: outcome.eventLoopDelay.p99Ms,
    };
    process.send?.(reply);
  })();
});
process.send?.({ ready: true });
