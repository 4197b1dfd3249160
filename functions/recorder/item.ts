/** Turns a parsed alarm notification into the ledger item the recorder writes. */
import { DIMENSIONS } from "../common/metrics";
import { ledgerDay, ledgerEventKey, type LedgerItem } from "../common/ledger";
import { activeMaintenance } from "../common/maintenance";
import type { RecorderMaintenance } from "./config";
import type { AlarmNotification, NotificationDimension } from "./notification";

export interface ItemContext {
  snsMessageId: string;
  /** When the item is written (epoch milliseconds). */
  now: number;
  retentionDays: number;
  /** The stage's maintenance windows (a change of a target's alarm inside one is marked with the window's name) and composite alarms' URLs. */
  maintenance?: RecorderMaintenance;
}

const SECONDS_PER_DAY = 86_400;

/** `arn:aws:cloudwatch:us-east-2:123456789012:alarm:name` -> `us-east-2`. */
export function regionFromAlarmArn(arn: string | undefined): string | undefined {
  const parts = arn?.split(":");
  return parts && parts.length >= 6 && parts[0] === "arn" && parts[3] ? parts[3] : undefined;
}

function urlOf(dimensions: NotificationDimension[] | undefined): string | undefined {
  return dimensions?.find((dimension) => dimension.name === DIMENSIONS.url)?.value;
}

function distinct(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((value): value is string => value !== undefined))];
}

/**
 * The metric side of the item. A single-metric alarm names its metric and dimensions in `Trigger`;
 * a metric-math alarm (the multi-region quorum alarm) lists the metrics it reads in
 * `Trigger.Metrics[].MetricStat.Metric`. The URL is kept only when the metrics agree on one.
 */
function metricFields(trigger: AlarmNotification["Trigger"]): Pick<LedgerItem, "url" | "metricName" | "namespace" | "expression"> {
  if (!trigger) return {};
  if (trigger.Metrics && trigger.Metrics.length > 0) {
    const metrics = trigger.Metrics.map((entry) => entry.MetricStat?.Metric).filter((metric) => metric !== undefined);
    const urls = distinct(metrics.map((metric) => urlOf(metric.Dimensions)));
    const names = distinct(metrics.map((metric) => metric.MetricName));
    const namespaces = distinct(metrics.map((metric) => metric.Namespace));
    const returned = trigger.Metrics.find((entry) => entry.ReturnData === true) ?? trigger.Metrics[trigger.Metrics.length - 1];
    return {
      url: urls.length === 1 ? urls[0] : undefined,
      metricName: names.length > 0 ? names.join(",") : undefined,
      namespace: namespaces.length > 0 ? namespaces.join(",") : undefined,
      expression: returned.Expression,
    };
  }
  return { url: urlOf(trigger.Dimensions), metricName: trigger.MetricName, namespace: trigger.Namespace };
}

/** Drops undefined fields so the item holds only what the notification said (and `byUrl` stays sparse). */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/**
 * The maintenance window open at the change for the alarm's target, if any. Alarms about
 * webhealth itself have no target and are never marked.
 */
function maintenanceAt(url: string | undefined, changedAt: string, maintenance: RecorderMaintenance | undefined): string | undefined {
  if (!maintenance || maintenance.windows.length === 0) return undefined;
  return activeMaintenance(maintenance.windows, url, Date.parse(changedAt))?.name;
}

export function buildLedgerItem(notification: AlarmNotification, context: ItemContext): LedgerItem {
  const changedAt = notification.StateChangeTime;
  const changedAtSeconds = Math.floor(Date.parse(changedAt) / 1000);
  const metric = metricFields(notification.Trigger);
  // The target from the alarm's `Url` dimension, or from the plan for a target alarm that names none (a composite alarm).
  metric.url ??= context.maintenance?.alarmUrls[notification.AlarmName];
  return withoutUndefined<LedgerItem>({
    alarmName: notification.AlarmName,
    changedAt,
    day: ledgerDay(changedAt),
    eventKey: ledgerEventKey(changedAt, notification.AlarmName),
    ...metric,
    description: notification.AlarmDescription || undefined,
    maintenance: maintenanceAt(metric.url, changedAt, context.maintenance),
    newState: notification.NewStateValue,
    oldState: notification.OldStateValue,
    reason: notification.NewStateReason,
    region: regionFromAlarmArn(notification.AlarmArn) ?? notification.Region,
    regionName: notification.Region,
    account: notification.AWSAccountId,
    alarmArn: notification.AlarmArn,
    threshold: notification.Trigger?.Threshold,
    comparisonOperator: notification.Trigger?.ComparisonOperator,
    snsMessageId: context.snsMessageId,
    recordedAt: new Date(context.now).toISOString(),
    // Retention counts from the state change, so the ledger always holds the same span of history.
    expiresAt: changedAtSeconds + context.retentionDays * SECONDS_PER_DAY,
  });
}
