/**
 * Splits a stage's targets into shards: one EventBridge rule, one constant input and one probe
 * invocation per shard and region. Two limits decide where a shard ends.
 *
 * Size: EventBridge keeps a target's input template to 8,192 characters, so the template
 * `{"time":<time>,"targets":[...],"shard":{"index":i,"count":n}}` of every shard must fit
 * (`<time>` is the scheduled event's time, filled in by EventBridge's input transformer).
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

/** EventBridge's limit on a target's input template (functions/common/aws-limits.ts). */
export const EVENTBRIDGE_INPUT_LIMIT = EVENTBRIDGE_LIMITS.inputTemplateMaxLength;

/** The input transformer's one variable: the scheduled event's `time` (ISO 8601). */
export const INPUT_PATHS = { time: "$.time" } as const;
export const TIME_PLACEHOLDER = "<time>";

/**
 * The input template of a shard's EventBridge target: the probe event with `"time":<time>`
 * first. EventBridge reads `<name>` in a template as a variable, so every `<` and `>` of the
 * targets (a `bodyContains: "<title>"`) is written as its JSON escape `\u003c` / `\u003e`, which the
 * probe's JSON.parse reads back unchanged; the template's only angle brackets are the placeholder.
 * A JSON template gets the variable's string value quoted.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
 */
export function probeInputTemplate(eventJson: string): string {
  const escaped = eventJson.replace(/</g, "\\u003c").replace(/>/g, "\\u003e");
  return `{"time":${TIME_PLACEHOLDER},${escaped.slice(1)}`;
}
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
  /** The EventBridge target's input template: the probe event as JSON, with the scheduled time (probeInputTemplate). */
  inputTemplate: string;
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

/** The input template's length for a single shard; packing adds SHARD_FIELD_RESERVE for larger shard numbers. */
function eventLength(targets: readonly Target[]): number {
  return probeInputTemplate(JSON.stringify({ targets, shard: { index: 0, count: 1 } })).length;
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
      problems.push(`${root}[${index}]: is ${length} characters as a probe event, over EventBridge's ${inputLimit}-character input template limit`);
    }
  });
  return problems;
}

/** A target's share of a template's length: its escaped JSON (the comma between targets is counted apart). */
function targetTemplateLength(target: Target): number {
  return probeInputTemplate(JSON.stringify([target])).length - probeInputTemplate("[]").length;
}

/**
 * Packs targets, in order, into as few shards as the size and time limits allow (greedy: a new
 * shard starts when the next target would break either). Call shardProblems first: a target that
 * fits in no shard throws here. Lengths and worst cases add up target by target, so packing is
 * linear in the number of targets.
 */
export function planShards(targets: readonly Target[], limits: ShardLimits): Shard[] {
  const inputLimit = limits.inputLimit ?? EVENTBRIDGE_INPUT_LIMIT;
  const emptyLength = eventLength([]);
  const groups: Target[][] = [];
  let current: Target[] = [];
  let length = emptyLength;
  let slowestMs = 0;
  const fitsWith = (targetLength: number, targetMs: number) => {
    const n = current.length + 1;
    const nextLength = length + targetLength + (current.length > 0 ? 1 : 0);
    const worstMs = Math.ceil(n / limits.concurrency) * Math.max(slowestMs, targetMs) + PROBE_START_MARGIN_MS;
    return nextLength + SHARD_FIELD_RESERVE <= inputLimit && worstMs <= limits.timeoutMs;
  };
  for (const target of targets) {
    const targetLength = targetTemplateLength(target);
    const targetMs = targetWorstCaseMs(target);
    if (!fitsWith(targetLength, targetMs)) {
      if (current.length === 0) throw new Error(`target ${target.url} fits in no shard (see shardProblems)`);
      groups.push(current);
      current = [];
      length = emptyLength;
      slowestMs = 0;
      if (!fitsWith(targetLength, targetMs)) throw new Error(`target ${target.url} fits in no shard (see shardProblems)`);
    }
    length += targetLength + (current.length > 0 ? 1 : 0);
    slowestMs = Math.max(slowestMs, targetMs);
    current.push(target);
  }
  if (current.length > 0) groups.push(current);

  return groups.map((group, index) => {
    // The probe validates its event with the same schema: a shard it would reject must never deploy.
    const shardTargets = parseTargets(group, `shards[${index}].targets`);
    const event: ProbeEvent = { targets: shardTargets, shard: { index, count: groups.length } };
    const inputTemplate = probeInputTemplate(JSON.stringify(event));
    if (inputTemplate.length > inputLimit) throw new Error(`shard ${index} input template is ${inputTemplate.length} characters, over ${inputLimit}`);
    return { index, count: groups.length, targets: shardTargets, inputTemplate, worstCaseMs: shardWorstCaseMs(shardTargets, limits.concurrency) };
  });
}
