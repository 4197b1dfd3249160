/**
 * The stage's estimated monthly cost in USD, from the plan the program deploys: every AWS charge
 * the stage creates, line by line (custom metrics, alarm metrics, Lambda, logs, KMS, API
 * requests, the dashboard, SNS, DynamoDB). A pure module: no Pulumi, no AWS.
 *
 * Free tiers are ignored (the "no free tier": the dashboard too, though an account's first
 * three dashboards of up to 50 metrics are free), so the figure is an upper bound for a small
 * account and close to exact for a large one.
 */
import { PHASE_METRICS, TARGET_METRICS } from "../functions/common/metrics";
import type { Target } from "../functions/common/targets";
import { loadStageConfig, type StageConfig } from "./config";
import type { CostLineItems } from "./outputs";
import { metricsRead } from "./plan/alarms";
import { dashboardUsage, type DashboardUsage } from "./plan/dashboard";
import { allAlarms, planStage, RECORDER_SETTINGS, type StagePlan } from "./plan/stage";
import { NOTIFIER_SETTINGS } from "./plan/notifier";

/** When the prices below were last checked against AWS's pricing pages (and Checkly's). */
export const PRICES_CHECKED = "2026-12-01";

/**
 * us-east-1 list prices, checked on PRICES_CHECKED against aws.amazon.com/cloudwatch/pricing,
 * /lambda/pricing, /kms/pricing, /sns/pricing and /dynamodb/pricing/on-demand (stored copies and
 * AWS-published quotes of them; see docs/program.md#cost for each source).
 */
export const PRICES = {
  /** Per custom metric-month, in tiers: first 10,000, next 240,000, next 750,000, beyond. Prorated by
   * the hour: "metered only when you send metrics to CloudWatch". */
  customMetricTiers: [
    { upTo: 10_000, perMetric: 0.3 },
    { upTo: 250_000, perMetric: 0.1 },
    { upTo: 1_000_000, perMetric: 0.05 },
    { upTo: Infinity, perMetric: 0.02 },
  ],
  /** PutMetricData: $0.01 per 1,000 requests. */
  metricRequest: 0.01 / 1000,
  /** GetMetricData (what dashboards graph with): $0.01 per 1,000 metrics requested. */
  metricDataRead: 0.01 / 1000,
  /** Standard-resolution alarm, per metric it reads, per month. */
  alarmMetricMonth: 0.1,
  /** Composite alarm, per month (the SLO burn-rate alarms). From third-party price lists (c3x.dev,
   * infracost): not yet confirmed on aws.amazon.com/cloudwatch/pricing. */
  compositeAlarmMonth: 0.5,
  /** Per dashboard per month (the free tier's 3 dashboards of up to 50 metrics each ignored, like every free tier here). */
  dashboardMonth: 3,
  /** Lambda: $0.20 per million requests. */
  lambdaRequest: 0.2 / 1_000_000,
  /** Lambda arm64 duration, per GB-second (first 7.5 billion GB-s a month). */
  lambdaArmGbSecond: 0.0000133334,
  /** CloudWatch Logs standard ingestion, per GB. */
  logIngestionGb: 0.5,
  /** CloudWatch Logs storage, per GB-month. */
  logStorageGbMonth: 0.03,
  /** CloudWatch Logs Insights, per GB scanned. */
  logsInsightsGb: 0.005,
  /** KMS customer-managed key per month (rotation adds $1 for each of the first two rotations). */
  kmsKeyMonth: 1,
  /** KMS symmetric requests: $0.03 per 10,000. */
  kmsRequest: 0.03 / 10_000,
  /** SNS email notifications: $2.00 per 100,000. */
  snsEmail: 2 / 100_000,
  /** DynamoDB on-demand: $0.625 per million write request units. */
  dynamoWrite: 0.625 / 1_000_000,
  /** DynamoDB on-demand: $0.125 per million read request units. */
  dynamoRead: 0.125 / 1_000_000,
  /** CloudWatch API requests such as DescribeAlarms: $0.01 per 1,000 (free tier ignored). */
  cloudWatchApiRequest: 0.01 / 1000,
  /** CloudWatch Synthetics, per canary run (for the comparison only). */
  syntheticsRun: 0.0012,
  /** Checkly API checks, prepaid bundles: $2 per 10,000 runs, each location a run (for the comparison only;
   * plan fees not included). https://docs.checklyhq.com/docs/monitoring/check-pricing */
  checklyApiRun: 2 / 10_000,
} as const;

/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

/**
 * Assumptions about how the deployed code behaves, stated so they can be checked against a real
 * bill. The probe's own CPU time per target is what `npm run bench:probe` measured (section 6, `scale`); the
 * sites' answer time is the one figure no local run can measure.
 */
export const USAGE_ASSUMPTIONS = {
  /** A healthy site answers in well under a second: the wall time of one wave of `concurrency` probes. */
  probeWaveSeconds: 0.5,
  /** The probe's own CPU time per https target on one full vCPU (TLS handshake, parsing, log line, datum),
   * measured by bench:probe section 6 (2.06 ms on 2026-12-01 at load average 4.8, with issue 10's shared TLS
   * context; 2.58 ms before it); Lambda gives a function CPU in proportion to its memory. */
  probeCpuSecondsPerTarget: 0.0021,
  /** Runtime start, event parsing and PutMetricData per invocation. */
  probeOverheadSeconds: 0.3,
  /** One probe-result line per target (about 550 bytes with a 40-character URL; tested against a real line). */
  logBytesPerTarget: 600,
  /** START, END and REPORT lines and the summary per invocation. */
  logBytesPerInvocation: 900,
  /** Dashboard views a month; each refreshes every graph and runs every Logs Insights widget once. */
  dashboardViewsPerMonth: 60,
  /** The time range each view shows (CloudWatch's default is 3 hours). */
  dashboardRangeHours: 3,
  /** Alarm state changes per target per month (two incidents: ALARM and OK each). */
  stateChangesPerTargetMonth: 4,
  /** The recorder's billed time per notification. */
  recorderSeconds: 0.2,
  /** Item + two GSI entries (byUrl, byDay), each one write unit. */
  writeUnitsPerLedgerItem: 3,
  /** SNS reuses a data key for 5 minutes and calls KMS twice per reuse period per publisher.
   * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html */
  kmsDataKeyReuseSeconds: 300,
  /** The notifier's billed time per notification: its Logs Insights queries wait a few seconds. */
  notifierSeconds: 3,
  /** Reading the latest probe results of a failing target scans the last hour of each probe region's log group. */
  probeResultWindowMinutes: 60,
  /** One sweep (reminders, deferred deliveries) every 5 minutes, 0.3 s each. */
  sweepsPerHour: 12,
  sweepSeconds: 0.3,
  /** Per notification: claiming the delivery and writing its record, two UpdateItems on an item in both GSIs. */
  writeUnitsPerDelivery: 6,
  /** Per notification: one Query for the alarm's previous change. */
  readUnitsPerDelivery: 1,
  /** Per notification and secret: an SSM decrypt (values are cached for 5 minutes, so often fewer). */
  kmsRequestsPerSecretRead: 1,
} as const;

export interface UsageEstimate {
  /** Custom metric-months: each metric counts for the share of the month's hours in which it receives data. */
  customMetrics: number;
  putMetricDataRequests: number;
  /** Metrics requested by the dashboard's graphs (GetMetricData). */
  getMetricDataMetrics: number;
  alarmMetrics: number;
  compositeAlarms: number;
  billableDashboards: number;
  lambdaRequests: number;
  lambdaGbSeconds: number;
  logIngestionGb: number;
  /** Stored log data at steady state (retention x ingestion, uncompressed: an upper bound). */
  logStorageGbMonths: number;
  /** Scanned by Logs Insights: the dashboard's log widgets and the notifier's probe-result queries. */
  logsInsightsGb: number;
  kmsKeys: number;
  kmsRequests: number;
  snsEmails: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  cloudWatchApiRequests: number;
}

export type UsageCost = Record<keyof UsageEstimate, number>;

/** PutMetricData takes at most 1,000 datums per request.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html */
const MAX_DATUMS_PER_REQUEST = 1000;

const isHttps = (target: Target) => target.url.startsWith("https:");

/** The opt-in phase metrics a target publishes (TlsTime only for https). */
export function phaseMetricsPerTarget(target: Target, phaseMetrics: boolean): number {
  if (!phaseMetrics) return 0;
  return PHASE_METRICS.filter((name) => isHttps(target) || name !== TARGET_METRICS.tlsTime).length;
}

/**
 * A target's custom metric-months, whatever the number of probe regions (every region writes
 * the same metrics): `Check` all month, the phase metrics all month when on, and
 * CertificateDaysRemaining for the one hour a day it receives data (https only).
 */
export function metricMonthsPerTarget(target: Target, phaseMetrics: boolean): number {
  const certificate = isHttps(target) ? 1 / 24 : 0;
  return 1 + phaseMetricsPerTarget(target, phaseMetrics) + certificate;
}

/** Datums a target adds to one run's PutMetricData (the daily certificate datum aside). */
function datumsPerTarget(target: Target, phaseMetrics: boolean): number {
  return 1 + phaseMetricsPerTarget(target, phaseMetrics);
}

/** "At 1,769 MB, a function has the equivalent of one vCPU"; less memory, a proportional share.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html */
export const LAMBDA_ONE_VCPU_MB = 1769;

/**
 * Billed seconds of one probe invocation over `targets` at `concurrency` with `memoryMb`: the
 * waves of waiting for the sites, the probe's own CPU time at the function's CPU share, and the
 * start and publishing (an upper bound: CPU work partly overlaps the waiting).
 */
export function probeRunSeconds(targets: number, concurrency: number, memoryMb: number): number {
  const a = USAGE_ASSUMPTIONS;
  const cpuShare = Math.min(1, memoryMb / LAMBDA_ONE_VCPU_MB);
  return Math.ceil(targets / concurrency) * a.probeWaveSeconds + (targets * a.probeCpuSecondsPerTarget) / cpuShare + a.probeOverheadSeconds;
}

/** Usage of one month, from the config and the plan built from it. */
export function estimateUsage(config: StageConfig, plan: StagePlan, dashboard: DashboardUsage): UsageEstimate {
  const runsPerMonth = (HOURS_PER_MONTH * 3600) / config.periodSeconds;
  const regions = config.probeRegions.length;
  const a = USAGE_ASSUMPTIONS;

  // Per-target metrics are shared by all regions; one heartbeat per region.
  const customMetrics = config.targets.reduce((sum, target) => sum + metricMonthsPerTarget(target, config.phaseMetrics), 0) + regions;

  let putRequestsPerRun = 0;
  let gbSecondsPerRun = 0;
  let logBytesPerRun = 0;
  for (const shard of plan.shards) {
    const datums = shard.targets.reduce((sum, target) => sum + datumsPerTarget(target, config.phaseMetrics), 0) + 1;
    putRequestsPerRun += Math.ceil(datums / MAX_DATUMS_PER_REQUEST);
    gbSecondsPerRun += probeRunSeconds(shard.targets.length, config.probeConcurrency, config.probeMemoryMb) * (config.probeMemoryMb / 1024);
    logBytesPerRun += shard.targets.length * a.logBytesPerTarget + a.logBytesPerInvocation;
  }
  // A burn-rate alarm changes state with the incidents that burn budget: counted like the target's own.
  const stateChanges = config.targets.length * a.stateChangesPerTargetMonth * (config.slo.burnRateAlarms ? 1.5 : 1);
  const recorderGbSeconds = stateChanges * a.recorderSeconds * (RECORDER_SETTINGS.memoryMb / 1024);
  const logBytesPerMonth = logBytesPerRun * regions * runsPerMonth;
  const logBytesPerHourPerRegion = (logBytesPerRun * 3600) / config.periodSeconds;
  const gb = 1024 ** 3;
  const notifier = notifierUsage(config, plan, stateChanges, logBytesPerRun);

  return {
    customMetrics,
    putMetricDataRequests: putRequestsPerRun * regions * runsPerMonth,
    getMetricDataMetrics: dashboard.metricCount * a.dashboardViewsPerMonth,
    alarmMetrics: allAlarms(plan).reduce((sum, spec) => sum + metricsRead(spec), 0),
    compositeAlarms: plan.burnRateAlarms.length,
    billableDashboards: 1,
    lambdaRequests: plan.shards.length * regions * runsPerMonth + stateChanges + notifier.lambdaRequests,
    lambdaGbSeconds: gbSecondsPerRun * regions * runsPerMonth + recorderGbSeconds + notifier.lambdaGbSeconds,
    logIngestionGb: logBytesPerMonth / gb,
    logStorageGbMonths: ((logBytesPerMonth / gb) * config.logRetentionDays) / (HOURS_PER_MONTH / 24),
    // Each view runs each log widget of each region over that region's last few hours of probe
    // logs; the notifier queries each region's last hour for a target that fails.
    logsInsightsGb: (a.dashboardViewsPerMonth * dashboard.logWidgetsPerRegion * regions * logBytesPerHourPerRegion * a.dashboardRangeHours) / gb + notifier.logsInsightsGb,
    kmsKeys: 1,
    kmsRequests: ((HOURS_PER_MONTH * 3600) / a.kmsDataKeyReuseSeconds) * 2 + notifier.kmsRequests,
    snsEmails: notifier.snsEmails,
    dynamoWriteUnits: stateChanges * a.writeUnitsPerLedgerItem + notifier.dynamoWriteUnits,
    dynamoReadUnits: notifier.dynamoReadUnits,
    cloudWatchApiRequests: notifier.cloudWatchApiRequests,
  };
}

/**
 * The notifier's share: one invocation per state change and a sweep every 5 minutes; for every
 * change into ALARM (half of them), one Logs Insights query per probe region over the last hour of
 * that region's probe log; e-mails (one per change and address); the delivery record.
 */
function notifierUsage(config: StageConfig, plan: StagePlan, stateChanges: number, logBytesPerRun: number) {
  const a = USAGE_ASSUMPTIONS;
  const none = { lambdaRequests: 0, lambdaGbSeconds: 0, kmsRequests: 0, snsEmails: 0, dynamoWriteUnits: 0, dynamoReadUnits: 0, logsInsightsGb: 0, cloudWatchApiRequests: 0 };
  if (!plan.notifier) return none;
  const gb = NOTIFIER_SETTINGS.memoryMb / 1024;
  const sweeps = HOURS_PER_MONTH * a.sweepsPerHour;
  const alarmsPages = Math.ceil(allAlarms(plan).length / 100);
  const runsPerWindow = (a.probeResultWindowMinutes * 60) / config.periodSeconds;
  const bytesScannedPerQuery = logBytesPerRun * runsPerWindow;
  const alarmChanges = stateChanges / 2;
  const addresses = plan.notifier.emailSubscriptions.length;
  return {
    lambdaRequests: stateChanges + sweeps,
    lambdaGbSeconds: (stateChanges * a.notifierSeconds + sweeps * a.sweepSeconds) * gb,
    kmsRequests: stateChanges * (plan.notifier.secrets.length * a.kmsRequestsPerSecretRead + 2),
    snsEmails: stateChanges * addresses,
    dynamoWriteUnits: stateChanges * a.writeUnitsPerDelivery,
    dynamoReadUnits: stateChanges * a.readUnitsPerDelivery,
    logsInsightsGb: (alarmChanges * config.probeRegions.length * bytesScannedPerQuery) / 1024 ** 3,
    cloudWatchApiRequests: sweeps * alarmsPages,
  };
}

/** The monthly charge for n custom metric-months, tier by tier. */
export function customMetricsCost(count: number): number {
  let cost = 0;
  let from = 0;
  for (const tier of PRICES.customMetricTiers) {
    cost += Math.max(0, Math.min(count, tier.upTo) - from) * tier.perMetric;
    from = tier.upTo;
  }
  return cost;
}

const UNIT_PRICE: Record<Exclude<keyof UsageEstimate, "customMetrics">, number> = {
  putMetricDataRequests: PRICES.metricRequest,
  getMetricDataMetrics: PRICES.metricDataRead,
  alarmMetrics: PRICES.alarmMetricMonth,
  compositeAlarms: PRICES.compositeAlarmMonth,
  billableDashboards: PRICES.dashboardMonth,
  lambdaRequests: PRICES.lambdaRequest,
  lambdaGbSeconds: PRICES.lambdaArmGbSecond,
  logIngestionGb: PRICES.logIngestionGb,
  logStorageGbMonths: PRICES.logStorageGbMonth,
  logsInsightsGb: PRICES.logsInsightsGb,
  kmsKeys: PRICES.kmsKeyMonth,
  kmsRequests: PRICES.kmsRequest,
  snsEmails: PRICES.snsEmail,
  dynamoWriteUnits: PRICES.dynamoWrite,
  dynamoReadUnits: PRICES.dynamoRead,
  cloudWatchApiRequests: PRICES.cloudWatchApiRequest,
};

/** The charge of each usage quantity, unrounded. */
export function usageCost(usage: UsageEstimate): UsageCost {
  const lines = { customMetrics: customMetricsCost(usage.customMetrics) } as UsageCost;
  for (const key of Object.keys(UNIT_PRICE) as Array<keyof typeof UNIT_PRICE>) lines[key] = usage[key] * UNIT_PRICE[key];
  return lines;
}

/** Which usage quantities make up each line item. */
const LINE_ITEMS: Record<keyof CostLineItems, Array<keyof UsageEstimate>> = {
  customMetrics: ["customMetrics"],
  // Metric alarms (one metric each) and the SLO burn-rate composite alarms.
  alarms: ["alarmMetrics", "compositeAlarms"],
  lambda: ["lambdaRequests", "lambdaGbSeconds"],
  logs: ["logIngestionGb", "logStorageGbMonths", "logsInsightsGb"],
  kms: ["kmsKeys", "kmsRequests"],
  apiRequests: ["putMetricDataRequests", "getMetricDataMetrics", "cloudWatchApiRequests"],
  dashboard: ["billableDashboards"],
  notifications: ["snsEmails"],
  alarmLedger: ["dynamoWriteUnits", "dynamoReadUnits"],
};

const cents = (usd: number) => Math.round(usd * 100) / 100;

/** The bill by line item, unrounded. */
export function costLineItems(usage: UsageEstimate): CostLineItems {
  const costs = usageCost(usage);
  const items = {} as CostLineItems;
  for (const [item, keys] of Object.entries(LINE_ITEMS) as Array<[keyof CostLineItems, Array<keyof UsageEstimate>]>) {
    items[item] = keys.reduce((sum, key) => sum + costs[key], 0);
  }
  return items;
}

/** The line items rounded to cents, as the stack output shows them. */
export function costLineItemsUsd(usage: UsageEstimate): CostLineItems {
  const items = costLineItems(usage);
  return Object.fromEntries(Object.entries(items).map(([key, usd]) => [key, cents(usd)])) as unknown as CostLineItems;
}

/** The total rounded to cents (from the unrounded line items), as the stack output shows it. */
export function estimatedMonthlyCostUsd(usage: UsageEstimate): number {
  return cents(Object.values(usageCost(usage)).reduce((sum, value) => sum + value, 0));
}

/** The estimate of a stage from its config alone (plan and dashboard derived here). */
export function estimateStage(config: StageConfig): { usage: UsageEstimate; totalUsd: number; lineItemsUsd: CostLineItems } {
  const plan = planStage(config);
  const usage = estimateUsage(config, plan, dashboardUsage(config, plan));
  return { usage, totalUsd: estimatedMonthlyCostUsd(usage), lineItemsUsd: costLineItemsUsd(usage) };
}

/** What CloudWatch Synthetics charges for the same checks: one canary per URL per region, one run per period. */
export function syntheticsMonthlyCostUsd(urls: number, regions: number, periodSeconds = 60): number {
  const runs = (HOURS_PER_MONTH * 3600) / periodSeconds;
  return cents(urls * regions * runs * PRICES.syntheticsRun);
}

/** What Checkly charges for the same checks: one API check per URL, run from each location every period. */
export function checklyMonthlyCostUsd(urls: number, regions: number, periodSeconds = 60): number {
  const runs = (HOURS_PER_MONTH * 3600) / periodSeconds;
  return cents(urls * regions * runs * PRICES.checklyApiRun);
}

export interface CostTableRow {
  urls: number;
  regions: number;
  webhealthUsd: number;
  perUrlUsd: number;
  syntheticsUsd: number;
  checklyUsd: number;
}

/** Generated https targets with the stage defaults, for the README's cost table and the scale check. */
export function generatedTargets(count: number): Target[] {
  return Array.from({ length: count }, (_, index) => ({ url: `https://site-${index + 1}.example.com/health`, latencyMs: 1500 }));
}

/** A generated stage's raw config (what a stack file holds): `urls` https targets from the given regions, every minute, defaults, one email. */
export function generatedStageRawConfig(urls: number, regions: readonly string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "aws:region": regions[0],
    "webhealth:targets": generatedTargets(urls),
    "webhealth:probeRegions": [...regions],
    "webhealth:notifications": { channels: [{ name: "oncall", type: "email", addresses: ["oncall@example.com"] }] },
    ...extra,
  };
}

/** The generated stage, loaded: the one the README's cost table prices and bench:synth synthesises. */
export function generatedStageConfig(urls: number, regions: readonly string[], extra: Record<string, unknown> = {}): StageConfig {
  return loadStageConfig("cost", generatedStageRawConfig(urls, regions, extra));
}

/**
 * The README table: webhealth with default settings (every minute, phase metrics off) for each
 * number of URLs and each region set, next to CloudWatch Synthetics and Checkly for the same checks.
 */
export function costTable(counts: readonly number[], regionSets: ReadonlyArray<readonly string[]>): CostTableRow[] {
  const rows: CostTableRow[] = [];
  for (const regions of regionSets) {
    for (const urls of counts) {
      const { totalUsd } = estimateStage(generatedStageConfig(urls, regions));
      rows.push({
        urls,
        regions: regions.length,
        webhealthUsd: totalUsd,
        perUrlUsd: Math.round((totalUsd / urls) * 1000) / 1000,
        syntheticsUsd: syntheticsMonthlyCostUsd(urls, regions.length),
        checklyUsd: checklyMonthlyCostUsd(urls, regions.length),
      });
    }
  }
  return rows;
}
