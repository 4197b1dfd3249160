/**
 * Times on the command line (`--since`, `--until` of alarms and report): a duration back from a
 * reference instant (`30m`, `24h`, `7d`, `2w`) or an ISO 8601 date or date-time with a zone
 * (`2026-11-25`, `2026-11-25T10:00:00Z`, `...+01:00`; a bare date is UTC midnight).
 */
import { isRealTime } from "../functions/common/time";
import { UsageError } from "./usage";

const DURATION = /^(\d+)(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
/** A date (`2026-11-25`) or date-time with a zone (`2026-11-25T10:00:00Z`, `...+01:00`). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;


/** A duration (`24h`) as milliseconds, or undefined when `value` is not one. */
export function parseDurationMs(value: string): number | undefined {
  const duration = DURATION.exec(value);
  return duration ? Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS] : undefined;
}

/**
 * `value` of `option` as epoch milliseconds: a duration counts back from `reference`; an ISO time
 * is that instant. Throws a UsageError naming the option.
 */
export function parseTime(option: string, value: string, reference: number): number {
  const duration = parseDurationMs(value);
  if (duration !== undefined) {
    if (duration === 0) throw new UsageError(`${option}: "${value}" is an empty window`);
    return reference - duration;
  }
  if (ISO_TIME.test(value)) {
    const time = Date.parse(value);
    if (Number.isNaN(time) || !isRealTime(value)) throw new UsageError(`${option}: "${value}" is not a valid time`);
    return time;
  }
  throw new UsageError(`${option}: "${value}" is neither a duration (30m, 24h, 7d, 2w) nor an ISO time (2026-11-25T10:00:00Z)`);
}

export interface TimeWindow {
  /** Epoch milliseconds, inclusive. */
  since: number;
  /** Epoch milliseconds: now unless --until says otherwise. */
  until: number;
}

/**
 * The window of `--since` and `--until`: `--until` (default now) may be a duration back from now or
 * an ISO time, not in the future; `--since` (default `defaultSince`) a duration back from the
 * window's end or an ISO time, before the end.
 */
export function parseWindow(since: string | undefined, until: string | undefined, now: number, defaultSince: string): TimeWindow {
  const end = until === undefined ? now : parseTime("--until", until, now);
  if (end > now) throw new UsageError(`--until: "${until}" is in the future (leave --until out to mean now)`);
  const sinceText = since ?? defaultSince;
  const start = parseTime("--since", sinceText, end);
  if (start >= end) {
    throw new UsageError(until === undefined ? `--since: "${sinceText}" is not in the past` : `--since: "${sinceText}" is not before --until "${until}"`);
  }
  return { since: start, until: end };
}
