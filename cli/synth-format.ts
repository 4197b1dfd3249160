/** The readable summary of `npm run synth` (without --json). */
import type { CostLineItems } from "../infra/outputs";
import { DEFAULT_PUT_METRIC_ALARM_PER_SECOND } from "../infra/plan/quotas";
import type { SynthDocument, SynthResource } from "../infra/synth";

const ALARM_TYPE = "aws:cloudwatch/metricAlarm:MetricAlarm";

/** The `Url` a per-target alarm watches, from its dimensions or its metric-math queries. */
export function alarmUrl(alarm: SynthResource): string | undefined {
  const dimensions = alarm.inputs.dimensions as Record<string, string> | undefined;
  if (dimensions?.Url) return dimensions.Url;
  const queries = (alarm.inputs.metricQueries as Array<{ metric?: { dimensions?: Record<string, string> } }> | undefined) ?? [];
  return queries.map((query) => query.metric?.dimensions?.Url).find((url) => url !== undefined);
}

function alarmSummary(alarm: SynthResource, prefix: string): string {
  const name = String(alarm.inputs.name ?? alarm.name);
  const kind = name.slice(prefix.length).split("-").pop();
  const operator = { GreaterThanThreshold: ">", GreaterThanOrEqualToThreshold: ">=", LessThanThreshold: "<" }[String(alarm.inputs.comparisonOperator)] ?? "?";
  const statistic = alarm.inputs.extendedStatistic ?? alarm.inputs.statistic ?? "metric math";
  return `${kind}: ${alarm.inputs.metricName ?? ""} ${statistic} ${operator} ${alarm.inputs.threshold} (${alarm.inputs.datapointsToAlarm} of ${alarm.inputs.evaluationPeriods})`;
}

/** Hours and minutes, for the alarms' creation time. */
function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatSummary(document: SynthDocument): string {
  const lines: string[] = [];
  const counts = new Map<string, number>();
  for (const resource of document.resources) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
  lines.push(`stack ${document.stack}: ${document.resources.length} resources`);
  const width = Math.max(...[...counts.keys()].map((type) => type.length));
  for (const [type, count] of [...counts.entries()].sort()) lines.push(`  ${type.padEnd(width)}  ${String(count).padStart(4)}`);

  const prefix = String(document.outputs.alarmNamePrefix ?? "");
  const byUrl = new Map<string, string[]>();
  for (const alarm of document.resources.filter((resource) => resource.type === ALARM_TYPE)) {
    const url = alarmUrl(alarm);
    if (url) byUrl.set(url, [...(byUrl.get(url) ?? []), alarmSummary(alarm, prefix)]);
  }
  lines.push("", `per-target alarms (${byUrl.size} targets):`);
  for (const [url, alarms] of byUrl) lines.push(`  ${url}`, ...alarms.map((alarm) => `    ${alarm}`));
  const alarmCount = counts.get(ALARM_TYPE) ?? 0;
  lines.push(
    "",
    `alarms: ${alarmCount}; creating them all takes at least ${duration(Math.ceil(alarmCount / DEFAULT_PUT_METRIC_ALARM_PER_SECOND))} at CloudWatch's default ${DEFAULT_PUT_METRIC_ALARM_PER_SECOND} PutMetricAlarm calls a second (an up that changes none makes no call)`,
  );

  lines.push("", "outputs:");
  for (const [key, value] of Object.entries(document.outputs)) {
    if (key === "canaryFunctions" && value && typeof value === "object") {
      lines.push("  canaryFunctions:");
      for (const [role, fn] of Object.entries(value as Record<string, Record<string, string>>)) {
        lines.push(`    ${role}: ${fn.functionName}:${fn.alias} v${fn.version} (${fn.region}), group ${fn.deploymentGroup}, hook ${fn.hookFunctionName}`);
      }
    } else if (key === "estimatedMonthlyCostLineItemsUsd") {
      continue;
    } else {
      lines.push(`  ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
    }
  }
  lines.push("", `estimated monthly cost: $${document.estimatedMonthlyCostUsd.toFixed(2)}`);
  const items = document.outputs.estimatedMonthlyCostLineItemsUsd as CostLineItems | undefined;
  for (const [item, usd] of Object.entries(items ?? {})) lines.push(`  ${item.padEnd(14)} $${usd.toFixed(2)}`);
  return lines.join("\n") + "\n";
}
