/** Probes a list of targets through the bounded pool, watching the event loop while it runs. */
import { setMaxListeners } from "node:events";
import type { Target } from "../common/targets";
import { startEventLoopMonitor, type EventLoopDelay } from "./loop-delay";
import { runPool } from "./pool";
import { probeTarget, type EngineOptions } from "./probe";
import { skippedResult, type ProbeResult } from "./result";

/** Targets probed at once by default. */
export const DEFAULT_CONCURRENCY = 32;
/** Lambda allows 1,024 open file descriptors per execution environment; each probe holds one socket.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const MAX_CONCURRENCY = 256;

export interface RunOptions extends EngineOptions {
  concurrency?: number;
  /** Called as each target's result is in (the CLI's progress line). */
  onProgress?: (done: number, total: number) => void;
}

export interface RunOutcome {
  /** In input order, one per target. */
  results: ProbeResult[];
  maxInFlight: number;
  eventLoopDelay: EventLoopDelay;
}

export async function probeAll(targets: readonly Target[], options: RunOptions = {}): Promise<RunOutcome> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  // Every target in flight listens to the deadline once; above 10 listeners Node would warn of a leak.
  if (options.deadline) setMaxListeners(concurrency + 10, options.deadline);
  const stopMonitor = startEventLoopMonitor();
  let done = 0;
  const { results, maxInFlight } = await runPool(targets, concurrency, async (target, index) => {
    // A target that takes a slot another just left starts after the I/O already waiting has been
    // handled (setImmediate runs after the poll phase): opening its connection in the middle of a
    // burst of answers would delay the marks of the answers still queued.
    if (index >= concurrency) await new Promise((resolve) => setImmediate(resolve));
    // A target still queued when the deadline is reached is reported skipped, never dropped.
    const result = options.deadline?.aborted ? skippedResult(target) : await probeTarget(target, options);
    done += 1;
    options.onProgress?.(done, targets.length);
    return result;
  });
  return { results, maxInFlight, eventLoopDelay: stopMonitor() };
}
