/**
 * What an alarm notification says, read for people: the alarm's kind (from the plan, which knows
 * every alarm it created), the target, the regions a quorum alarm reads, the values CloudWatch saw.
 * A per-target alarm reads the `Check` metric, which every probe region writes (no `Region`
 * dimension: the regions are the stage's probe regions, and a quorum datapoint is a percent of the
 * period's checks, functions/common/metrics.ts). Metric-math alarms (the multi-region quorum of the
 * layout before, `Trigger.Metrics[]`, one metric per region) are still read, for notifications and
 * ledger items from before the migration.
 */
import { checksOfPercent, DIMENSIONS, TARGET_METRICS } from "../common/metrics";
import type { NotifiedAlarmKind, NotifierRuntimeConfig, RuntimeAlarm } from "../common/notifier-config";
import type { AlarmNotification } from "../recorder/notification";
import { regionFromAlarmArn } from "../recorder/item";

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface AlarmEvent {
  alarmName: string;
  kind: NotifiedAlarmKind | "unknown";
  /** The plan's facts about the alarm; undefined for an alarm the plan did not create. */
  info?: RuntimeAlarm;
  state: AlarmState;
  previousState: AlarmState;
  /** ISO 8601 UTC. */
  changedAt: string;
  reason: string;
  description?: string;
  /** Region code of the alarm. */
  region: string;
  /** The regions whose metrics the alarm reads (quorum alarms: one per region). */
  regions: string[];
  /** Metric math: the expression watched. */
  expression?: string;
  /** The metric a single-metric alarm reads. */
  metricName?: string;
  threshold?: number;
  comparisonOperator?: string;
  /** The datapoint values CloudWatch quotes in its reason, newest first. */
  observed: number[];
  /** Seconds per period and periods evaluated: how long a new alarm waits for data. */
  periodSeconds?: number;
  evaluationPeriods?: number;
  /** ISO 8601 UTC, when CloudWatch reports it: when the alarm was created or last changed. */
  configUpdatedAt?: string;
  /** `npm run deploy -- verify`'s test notification (marked by TEST_NOTIFICATION): recorded, never sent. */
  test?: boolean;
}

/**
 * How many regions an alarm datapoint says agree: a percent of the period's checks for the `Check`
 * metric (one check per region and period), the count itself for a metric-math quorum.
 */
export function regionsOfDatapoint(event: Pick<AlarmEvent, "metricName" | "regions">, value: number): number {
  return event.metricName === TARGET_METRICS.check ? checksOfPercent(value, event.regions.length) : Math.round(value);
}

/** `Threshold Crossed: 3 out of the last 3 datapoints [0.0 (26/11/26 10:02:00), 1.0 (...)]` -> [0, 1]. */
export function observedValues(reason: string): number[] {
  const list = /\[([^\]]*)\]/.exec(reason)?.[1];
  if (!list) return [];
  return [...list.matchAll(/(-?\d+(?:\.\d+)?(?:E[+-]?\d+)?)\s*(?:\(|,|$)/gi)].map((match) => Number(match[1])).filter((value) => Number.isFinite(value));
}

/** CloudWatch says this when an alarm went to ALARM only because it had no data (missing data is breaching). */
export function isNoDataReason(reason: string): boolean {
  return /no datapoints were received/i.test(reason);
}

function dimensionValue(dimensions: Array<{ name: string; value: string }> | undefined, name: string): string | undefined {
  return dimensions?.find((dimension) => dimension.name === name)?.value;
}

/** `2026-11-20T08:00:00.000+0000` -> ISO UTC; undefined when absent or unreadable. */
function isoOrUndefined(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const millis = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString();
}

export function readAlarmEvent(notification: AlarmNotification, config: NotifierRuntimeConfig): AlarmEvent {
  const info = config.alarms[notification.AlarmName];
  const trigger = notification.Trigger;
  const metrics = trigger?.Metrics?.map((entry) => entry.MetricStat?.Metric).filter((metric) => metric !== undefined) ?? [];
  const probeRegions = config.probeLogGroups.map((group) => group.region);
  const regions = trigger?.MetricName === TARGET_METRICS.check ? probeRegions : [
    ...new Set(
      (metrics.length > 0 ? metrics.map((metric) => dimensionValue(metric.Dimensions, DIMENSIONS.region)) : [dimensionValue(trigger?.Dimensions, DIMENSIONS.region)]).filter(
        (region): region is string => region !== undefined,
      ),
    ),
  ];
  const returned = trigger?.Metrics?.find((entry) => entry.ReturnData === true);
  const region = regionFromAlarmArn(notification.AlarmArn) ?? config.homeRegion;
  return {
    alarmName: notification.AlarmName,
    kind: info?.kind ?? "unknown",
    info,
    state: notification.NewStateValue,
    previousState: notification.OldStateValue,
    changedAt: notification.StateChangeTime,
    reason: notification.NewStateReason,
    description: notification.AlarmDescription ?? undefined,
    region,
    regions: regions.length > 0 ? regions : [region],
    expression: returned?.Expression,
    ...(trigger?.MetricName ? { metricName: trigger.MetricName } : {}),
    threshold: trigger?.Threshold,
    comparisonOperator: trigger?.ComparisonOperator,
    observed: observedValues(notification.NewStateReason),
    periodSeconds: trigger?.Period,
    evaluationPeriods: trigger?.EvaluationPeriods,
    configUpdatedAt: isoOrUndefined(notification.AlarmConfigurationUpdatedTimestamp),
  };
}
