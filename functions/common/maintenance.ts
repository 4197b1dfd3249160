/**
 * Maintenance windows: when people are not notified of a target's alarms. Pure and shared by the
 * notifier (which suppresses deliveries) and `npm run notify` (which previews them); the stage
 * config validates the same shapes (infra/config-notifications.ts).
 *
 * A recurring window starts at every match of a 5-field cron expression (minute hour day-of-month
 * month day-of-week) read in an IANA time zone, and lasts `durationMinutes` of elapsed time. On the
 * day clocks spring forward, a start time that does not exist locally (02:30 in Europe/Berlin)
 * moves to the end of the gap (03:00 local); on the day they fall back, a start time that happens
 * twice starts once, at its first occurrence (croner's behaviour, tested in tests/notifier/quiet.test.ts).
 * A one-off window runs from `start` to `end` (ISO 8601 times with a zone).
 */
import { Cron } from "croner";
import * as z from "zod/mini";

export interface RecurringWindow {
  name: string;
  cron: string;
  durationMinutes: number;
  timeZone: string;
  /** URLs of the targets the window covers; absent: every target. */
  urls?: string[];
}

export interface OneOffWindow {
  name: string;
  /** ISO 8601 with a zone. */
  start: string;
  end: string;
  urls?: string[];
}

export type MaintenanceWindow = RecurringWindow | OneOffWindow;

/** The shape of a window in the functions' configuration files (the stage config validates the rest: infra/config-notifications.ts). */
export const MaintenanceWindowSchema = z.union([
  z.object({ name: z.string(), cron: z.string(), durationMinutes: z.number().check(z.positive()), timeZone: z.string(), urls: z.optional(z.array(z.string())) }),
  z.object({ name: z.string(), start: z.string(), end: z.string(), urls: z.optional(z.array(z.string())) }),
]);

export function isRecurring(window: MaintenanceWindow): window is RecurringWindow {
  return (window as RecurringWindow).cron !== undefined;
}

const MINUTE_MS = 60_000;

/** A cron that only computes (never runs a job). Throws on a bad pattern or time zone. */
export function cronOf(window: Pick<RecurringWindow, "cron" | "timeZone">): Cron {
  return new Cron(window.cron, { timezone: window.timeZone, paused: true });
}

/**
 * The occurrence of a window that contains `at` (epoch ms), as [start, end) in epoch ms, or
 * undefined. A recurring window is open at `at` when its first start after `at - duration` is not
 * later than `at`.
 */
export function openOccurrence(window: MaintenanceWindow, at: number): [number, number] | undefined {
  if (!isRecurring(window)) {
    const start = Date.parse(window.start);
    const end = Date.parse(window.end);
    return at >= start && at < end ? [start, end] : undefined;
  }
  const durationMs = window.durationMinutes * MINUTE_MS;
  // nextRun is exclusive of its start date: start one millisecond earlier so a window that opens
  // exactly `duration` before `at` is found (and then found closed).
  const start = cronOf(window).nextRun(new Date(at - durationMs - 1))?.getTime();
  if (start === undefined || start > at) return undefined;
  return start + durationMs > at ? [start, start + durationMs] : undefined;
}

/** Whether the window covers alarms of the target with this URL (undefined: not a target's alarm). */
export function coversUrl(window: MaintenanceWindow, url: string | undefined): boolean {
  if (url === undefined) return false;
  return window.urls === undefined || window.urls.includes(url);
}

export interface ActiveMaintenance {
  name: string;
  /** ISO 8601 UTC. */
  until: string;
}

/**
 * The window (the one ending last, when several overlap) that silences the alarms of `url` at
 * `at`. Only target alarms are silenced: alarms about webhealth itself (probe health, dead letters,
 * deployments) always reach people.
 */
export function activeMaintenance(windows: readonly MaintenanceWindow[], url: string | undefined, at: number): ActiveMaintenance | undefined {
  let found: ActiveMaintenance | undefined;
  for (const window of windows) {
    if (!coversUrl(window, url)) continue;
    const open = openOccurrence(window, at);
    if (open && (!found || open[1] > Date.parse(found.until))) found = { name: window.name, until: new Date(open[1]).toISOString() };
  }
  return found;
}
