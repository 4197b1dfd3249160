/**
 * Warnings: what the stage's alarms would object to in a result that is otherwise ok or not. The
 * local probe uses them to judge like the deployed alarms (`--strict` counts them as failures).
 */
import type { Target } from "../common/targets";
import type { ProbeResult } from "./result";

/** `SLOW`: the total time is over the target's latency threshold; `CERTIFICATE`: the certificate expires within the threshold. */
export const WARNING_CODES = ["SLOW", "CERTIFICATE"] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export interface WarningThresholds {
  /** The certificate alarm's threshold: fewer days remaining than this warns. */
  certificateDays: number;
  /** The latency threshold of a target without `latencyMs`. */
  defaultLatencyMs: number;
}

/**
 * The warnings of a measured result, like the alarms judge it: the latency alarm counts the checks
 * that passed slower than `latencyMs` (or the stage's default) - a failed check is the
 * availability alarm's, never slow (functions/common/metrics.ts); the certificate alarm fires below
 * `certificateDays` days remaining.
 */
export function warningsOf(result: Pick<ProbeResult, "ok" | "status" | "timings" | "tls">, target: Pick<Target, "latencyMs">, thresholds: WarningThresholds | undefined): WarningCode[] {
  if (!thresholds) return [];
  const warnings: WarningCode[] = [];
  const latencyMs = target.latencyMs ?? thresholds.defaultLatencyMs;
  if (result.ok && result.timings.totalMs !== null && result.timings.totalMs > latencyMs) warnings.push("SLOW");
  if (result.tls && result.tls.daysRemaining < thresholds.certificateDays) warnings.push("CERTIFICATE");
  return warnings;
}
