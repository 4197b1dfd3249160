/**
 * Splits a stage's targets into shards: one EventBridge rule, one constant input and one probe
 * invocation per shard and region. Two limits decide where a shard ends.
 *
 * Size: EventBridge keeps a target's constant `Input` to 8,192 characters, so the event
 * `{"targets":[...],"shard":{"index":i,"count":n}}` of every shard must fit.
 *
 * Time: a shard must finish inside the Lambda timeout, which is at most the schedule period so a
 * run never overlaps the next one. The probe runs a shard's targets through a pool of
 * `concurrency` slots. A target takes at most `timeoutMs x (retries + 1)` plus a 500 ms pause
 * before each retry; call the largest of these in the shard W. While targets wait, every slot is
 * busy, and a slot busy at time kW frees up by (k+1)W, so c more targets start in every window of
 * W: the last of n targets starts by floor((n-1)/c) x W and ends by ceil(n/c) x W. Adding a start
 * margin (cold start, PutMetricData) gives the shard's worst case:
 *
 *     ceil(n / concurrency) x W + 5 s  <=  Lambda timeout = min(period, 900 s)
 *
 * Example, defaults (rate(1 minute), timeout 10 s, no retries, concurrency 32): W = 10 s, so
 * ceil(n/32) x 10 + 5 <= 60 allows 5 waves = 160 targets per shard; in practice the 8,192
 * characters bind first at about 60-100 targets, depending on URL lengths.
 */
import { EVENTBRIDGE_LIMITS, LAMBDA_LIMITS } from "../../functions/common/aws-limits";
import { parseTargets, TARGET_DEFAULTS, type Target } from "../../functions/common/targets";
import { ENGINE_DEFAULTS } from "../../functions/probe/probe";

/** EventBridge's limit on a target's constant input (functions/common/aws-limits.ts). */
export const EVENTBRIDGE_INPUT_LIMIT = EVENTBRIDGE_LIMITS.targetInputMaxLength;
/** Lambda's maximum timeout (functions/common/aws-limits.ts). */
export const LAMBDA_MAX_TIMEOUT_SECONDS = LAMBDA_LIMITS.maxTimeoutSeconds;
/** Cold start, config parsing and publishing the metrics after the last probe. */
export const PROBE_START_MARGIN_MS = 5_000;
/** Room for the shard numbers in the input while packing (index and count written in full afterwards). */
const SHARD_FIELD_RESERVE = 12;

export interface ProbeEvent {
  targets: Target[];
  shard: { index: number; count: number };
}

export interface Shard {
  index: number;
  count: number;
  targets: Target[];
  /** The EventBridge target's constant input: the probe event as JSON. */
  input: string;
  /** ceil(n / concurrency) x W + margin, in ms. */
  worstCaseMs: number;
}

export interface ShardLimits {
  concurrency: number;
  /** The Lambda timeout in ms; a shard's worst case must fit inside it. */
  timeoutMs: number;
  inputLimit?: number;
}

/** The probe function's timeout: the schedule period, capped at Lambda's maximum. */
export function probeTimeoutSeconds(periodSeconds: number): number {
  return Math.min(periodSeconds, LAMBDA_MAX_TIMEOUT_SECONDS);
}

/** The longest one target can take: every attempt timing out, with the pause before each retry. */
export function targetWorstCaseMs(target: Target): number {
  const retries = target.retries ?? TARGET_DEFAULTS.retries;
  const timeoutMs = target.timeoutMs ?? TARGET_DEFAULTS.timeoutMs;
  return timeoutMs * (retries + 1) + retries * ENGINE_DEFAULTS.retryPauseMs;
}

export function shardWorstCaseMs(targets: readonly Target[], concurrency: number): number {
  const slowest = Math.max(...targets.map(targetWorstCaseMs));
  return Math.ceil(targets.length / concurrency) * slowest + PROBE_START_MARGIN_MS;
}

/** The probe event's length for a single shard; packing adds SHARD_FIELD_RESERVE for larger shard numbers. */
function eventLength(targets: readonly Target[]): number {
  return JSON.stringify({ targets, shard: { index: 0, count: 1 } }).length;
}

/** Problems that no sharding can fix: one target alone too slow or too large. `root` names the list. */
export function shardProblems(targets: readonly Target[], limits: ShardLimits, root: string): string[] {
  const inputLimit = limits.inputLimit ?? EVENTBRIDGE_INPUT_LIMIT;
  const problems: string[] = [];
  targets.forEach((target, index) => {
    const worst = shardWorstCaseMs([target], limits.concurrency);
    if (worst > limits.timeoutMs) {
      const attempts = (target.retries ?? TARGET_DEFAULTS.retries) + 1;
      problems.push(
        `${root}[${index}]: can take ${worst / 1000} s (timeoutMs ${target.timeoutMs ?? TARGET_DEFAULTS.timeoutMs} x ${attempts} attempts + retry pauses + ${PROBE_START_MARGIN_MS / 1000} s start) but a probe run has ${limits.timeoutMs / 1000} s: lower timeoutMs or retries, or use a longer schedule`,
      );
    }
    const length = eventLength([target]);
    if (length + SHARD_FIELD_RESERVE > inputLimit) {
      problems.push(`${root}[${index}]: is ${length} characters as a probe event, over EventBridge's ${inputLimit}-character input limit`);
    }
  });
  return problems;
}

/**
 * Packs targets, in order, into as few shards as the size and time limits allow (greedy: a new
 * shard starts when the next target would break either). Call shardProblems first: a target that
 * fits in no shard throws here.
 */
export function planShards(targets: readonly Target[], limits: ShardLimits): Shard[] {
  const inputLimit = limits.inputLimit ?? EVENTBRIDGE_INPUT_LIMIT;
  const fits = (candidate: Target[]) =>
    eventLength(candidate) + SHARD_FIELD_RESERVE <= inputLimit && shardWorstCaseMs(candidate, limits.concurrency) <= limits.timeoutMs;
  const groups: Target[][] = [];
  let current: Target[] = [];
  for (const target of targets) {
    if (fits([...current, target])) {
      current.push(target);
      continue;
    }
    if (current.length === 0) throw new Error(`target ${target.url} fits in no shard (see shardProblems)`);
    groups.push(current);
    current = [target];
    if (!fits(current)) throw new Error(`target ${target.url} fits in no shard (see shardProblems)`);
  }
  if (current.length > 0) groups.push(current);

  return groups.map((group, index) => {
    // The probe validates its event with the same schema: a shard it would reject must never deploy.
    const shardTargets = parseTargets(group, `shards[${index}].targets`);
    const event: ProbeEvent = { targets: shardTargets, shard: { index, count: groups.length } };
    const input = JSON.stringify(event);
    if (input.length > inputLimit) throw new Error(`shard ${index} input is ${input.length} characters, over ${inputLimit}`);
    return { index, count: groups.length, targets: shardTargets, input, worstCaseMs: shardWorstCaseMs(shardTargets, limits.concurrency) };
  });
}
