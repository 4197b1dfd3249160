/** Time checks shared by the recorder, the notifier, the config and the CLI. */

/**
 * Whether the date and time fields of an ISO 8601 time (`2026-02-30T10:00:00...`) exist as
 * written: V8's Date.parse reads 2026-02-30 as 2 March and 2026-02-31 as 3 March.
 */
export function isRealTime(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  const date = new Date(Date.UTC(year, month - 1, day));
  return month >= 1 && month <= 12 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour <= 23 && minute <= 59 && second <= 59;
}
