/**
 * The probe's own event-loop delay during a run. A busy loop delays the callbacks that take the
 * timing marks, so every figure it reports would be inflated by about this much: operators see it
 * in the summary and can discount a run whose loop was stalled.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";

/** Node's default sampling interval: finer sampling would itself load the loop being measured. */
export const LOOP_DELAY_RESOLUTION_MS = 10;

export interface EventLoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const NS_PER_MS = 1e6;
// The histogram records the interval between samples, resolution included: an idle loop reads
// about 10 ms. The delay is what exceeds the resolution.
const toMs = (ns: number) => Math.max(0, Math.round((ns / NS_PER_MS - LOOP_DELAY_RESOLUTION_MS) * 100) / 100);

/** Starts sampling; the returned function stops it and gives the figures (zeros when no sample was taken). */
export function startEventLoopMonitor(): () => EventLoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  histogram.enable();
  return () => {
    histogram.disable();
    if (histogram.count === 0) return { p50Ms: 0, p99Ms: 0, maxMs: 0 };
    return { p50Ms: toMs(histogram.percentile(50)), p99Ms: toMs(histogram.percentile(99)), maxMs: toMs(histogram.max) };
  };
}
