/**
 * The stage's CloudWatch dashboard body (plain JSON, the format PutDashboard takes): alarm
 * states, probe health, availability and latency per target (metrics), and per probe region the
 * phase timings per target and the latest failures (Logs Insights `log` widgets on the probe's
 * own log group in that region: the widget's `region` says where to query, so no log leaves its
 * region and nothing is paid to ship it home).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */
import { CLOUDWATCH_LIMITS } from "../../functions/common/aws-limits";
import { CHECK_STATISTICS, PHASE_METRICS, PROBE_METRICS, TARGET_METRICS, probeDimensions, targetDimensions, type MetricDimension } from "../../functions/common/metrics";
import { phaseTimingsQuery, probeLogGroupName, recentResultsQuery } from "../../functions/common/probe-log";
import type { StageConfig } from "../config";
import type { AlarmSpec } from "./alarms";
import { allAlarms, type StagePlan } from "./stage";

/** An alarm widget shows at most 100 alarms.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html */
export const ALARMS_PER_WIDGET = 100;
/** CloudWatch quotas: up to 500 metrics per dashboard widget and 2,500 per dashboard across all
 * widgets (metrics read by metric math included). The plan's worst case (100 graphed targets from
 * 10 regions) lists 2,100. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html */
export const MAX_METRICS_PER_WIDGET = CLOUDWATCH_LIMITS.maxMetricsPerWidget;
export const MAX_METRICS_PER_DASHBOARD = CLOUDWATCH_LIMITS.maxMetricsPerDashboard;
/** The time series one SEARCH expression returns at most. */
export const MAX_SEARCH_TIME_SERIES = CLOUDWATCH_LIMITS.maxSearchTimeSeries;
/** A conservative 100 widgets per dashboard (CloudWatch's quota is 500), so the page stays usable:
 * alarm widgets are capped so a stage of any size stays under it. The monitor's own alarms come
 * first, then availability, latency and certificates. */
export const MAX_ALARM_WIDGETS = 5;
export const MAX_WIDGETS = 100;
const ALARM_ORDER: AlarmSpec["kind"][] = ["probe-health", "dead-letters", "function-errors", "function-duration", "availability", "latency", "certificate"];
/** Targets per availability/latency graph: more lines than this are unreadable. */
const TARGETS_PER_GRAPH = 10;
/** Targets that get their own graphs; beyond, one SEARCH graph per metric shows them all, keeping
 * the body far below PutDashboard's size limit and the 500-widget limit. */
export const DASHBOARD_TARGET_LIMIT = 100;
/** Targets that get a stacked latency-phase graph each (opt-in phase metrics only). */
export const PHASE_GRAPH_LIMIT = 20;
/** Rows of the latest-failures table per region. */
export const FAILURE_ROWS = 50;
/** Logs Insights widgets per probe region (phases, latest failures). */
export const LOG_WIDGETS_PER_REGION = 2;

const WIDTH = 24;

type MetricLine = Array<string | Record<string, unknown>>;

interface Widget {
  type: "text" | "metric" | "alarm" | "log";
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

export interface DashboardContext {
  partition: string;
  accountId: string;
}

export interface DashboardPlan {
  body: { widgets: Widget[] };
  /** Metrics the dashboard's graphs read, those its SEARCH graphs return included (each view requests them all:
   * GetMetricData is billed per metric; CloudWatch's 2,500 metrics per dashboard counts them). */
  metricCount: number;
  /** Logs Insights widgets per probe region: each view of the dashboard runs each once (the cost model prices the scans). */
  logWidgetsPerRegion: number;
}

/** A Logs Insights query on the given log groups, in the `log` widget's form (`SOURCE '<group>' | <query>`). */
export function logWidgetQuery(logGroups: readonly string[], query: string): string {
  return [...logGroups.map((group) => `SOURCE '${group}'`), query].join(" | ");
}

function metricLine(namespace: string, name: string, dimensions: MetricDimension[], options: Record<string, unknown>): MetricLine {
  return [namespace, name, ...dimensions.flatMap((dimension) => [dimension.Name, dimension.Value]), options];
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

export function alarmArn(spec: AlarmSpec, context: DashboardContext): string {
  return `arn:${context.partition}:cloudwatch:${spec.region}:${context.accountId}:alarm:${spec.alarmName}`;
}

export function planDashboard(config: StageConfig, plan: StagePlan, context: DashboardContext): DashboardPlan {
  const widgets: Widget[] = [];
  let metricCount = 0;
  let y = 0;
  // Lay widgets left to right, wrapping at 24 columns.
  let x = 0;
  let rowHeight = 0;
  const place = (type: Widget["type"], width: number, height: number, properties: Record<string, unknown>) => {
    if (x + width > WIDTH) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    widgets.push({ type, x, y, width, height, properties });
    x += width;
    rowHeight = Math.max(rowHeight, height);
  };
  const graph = (title: string, metrics: MetricLine[], extra: Record<string, unknown> = {}, width = 12) => {
    metricCount += metrics.filter((line) => typeof line[0] === "string").length;
    place("metric", width, 6, { title, view: "timeSeries", region: config.homeRegion, period: config.periodSeconds, metrics, ...extra });
  };
  const ns = config.namespace;
  const regionsFor = config.multiRegion ? config.probeRegions : [undefined];

  place("text", WIDTH, 2, {
    markdown: `# webhealth ${config.stage}\n${config.targets.length} targets probed ${config.schedule} from ${config.probeRegions.join(", ")}; metrics and alarms in ${config.homeRegion}. Availability is the percent of checks that passed (every region's together); latency the mean time of the passed checks. Phases and failures per region come from the probe's logs in that region.`,
  });

  const alarms = allAlarms(plan)
    .filter((spec) => spec.notify && spec.region === config.homeRegion)
    .sort((a, b) => ALARM_ORDER.indexOf(a.kind) - ALARM_ORDER.indexOf(b.kind))
    .slice(0, MAX_ALARM_WIDGETS * ALARMS_PER_WIDGET);
  chunk(alarms, ALARMS_PER_WIDGET).forEach((group, index, groups) => {
    place("alarm", WIDTH, 4, {
      title: groups.length > 1 ? `Alarms (${index + 1}/${groups.length})` : "Alarms",
      alarms: group.map((spec) => alarmArn(spec, context)),
      sortBy: "stateUpdatedTimestamp",
    });
  });

  graph(
    "Probe health: targets probed per period",
    regionsFor.map((region) => metricLine(ns, PROBE_METRICS.targetsProbed, probeDimensions(region), { stat: "Sum", label: region ?? config.homeRegion })),
  );
  graph(
    "Probe errors (live alias)",
    plan.probes.map((probe) =>
      metricLine("AWS/Lambda", "Errors", [{ Name: "FunctionName", Value: probe.functionName }, { Name: "Resource", Value: `${probe.functionName}:${probe.alias}` }], {
        stat: "Sum",
        region: probe.region,
        label: probe.region,
      }),
    ),
  );

  const shown = config.targets.slice(0, DASHBOARD_TARGET_LIMIT);
  for (const group of chunk(shown, TARGETS_PER_GRAPH)) {
    const lines = (stat: string) => group.map((target) => metricLine(ns, TARGET_METRICS.check, targetDimensions(target.url), { stat, label: target.name ?? target.url }));
    graph("Availability (% of checks passed)", lines(CHECK_STATISTICS.passedPercent), { yAxis: { left: { min: 0, max: 100 } } });
    graph("Latency of passed checks (ms)", lines(CHECK_STATISTICS.passedMeanMs));
  }
  if (config.targets.length > DASHBOARD_TARGET_LIMIT) {
    // SEARCH takes "any valid CloudWatch statistic", extended ones included, and returns at most
    // 500 time series: past 500 targets a graph shows 500 of them (CloudWatch picks which), and the
    // alarm widgets and the failures tables speak for the rest.
    const search = (stat: string) => [{ expression: `SEARCH('{${ns},Url} MetricName="${TARGET_METRICS.check}"', '${stat}', ${config.periodSeconds})`, id: "all", label: "" }];
    const returned = Math.min(config.targets.length, MAX_SEARCH_TIME_SERIES);
    const which = returned < config.targets.length ? `up to ${MAX_SEARCH_TIME_SERIES} of the ${config.targets.length} targets (SEARCH's limit)` : `all ${config.targets.length} targets`;
    // Each view requests every metric a SEARCH returns: counted like listed ones.
    metricCount += 2 * returned;
    place("metric", 12, 6, { title: `Availability (% passed), ${which}`, view: "timeSeries", region: config.homeRegion, metrics: [search(CHECK_STATISTICS.passedPercent)] });
    place("metric", 12, 6, { title: `Latency of passed checks (ms), ${which}`, view: "timeSeries", region: config.homeRegion, metrics: [search(CHECK_STATISTICS.passedMeanMs)] });
  }

  // Per probe region, from its own logs: the phases of every target, and what failed lately.
  for (const probe of plan.probes) {
    const groups = [probeLogGroupName(probe.functionName)];
    const logWidget = (title: string, query: string) =>
      place("log", 12, 8, { title, region: probe.region, view: "table", query: logWidgetQuery(groups, query) });
    logWidget(`Phases per target, ms (${probe.region}, mean over the time range)`, phaseTimingsQuery());
    logWidget(`Latest failures (${probe.region})`, recentResultsQuery({ failuresOnly: true, limit: FAILURE_ROWS }));
  }

  if (config.phaseMetrics) {
    // The opt-in phase metrics, stacked: every region's samples together.
    for (const target of config.targets.slice(0, PHASE_GRAPH_LIMIT)) {
      graph(
        `Phases: ${target.name ?? target.url}`,
        PHASE_METRICS.map((phase) => metricLine(ns, phase, targetDimensions(target.url), { stat: "Average", label: phase })),
        { stacked: true, view: "timeSeries" },
        8,
      );
    }
  }
  return { body: { widgets }, metricCount, logWidgetsPerRegion: LOG_WIDGETS_PER_REGION };
}

/** What the cost model needs of the dashboard: the metrics its graphs read and its Logs Insights widgets. */
export type DashboardUsage = Pick<DashboardPlan, "metricCount" | "logWidgetsPerRegion">;

export function dashboardUsage(config: StageConfig, plan: StagePlan): DashboardUsage {
  const { metricCount, logWidgetsPerRegion } = planDashboard(config, plan, { accountId: "0", partition: "aws" });
  return { metricCount, logWidgetsPerRegion };
}
