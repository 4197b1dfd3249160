/**
 * The stage's estimated monthly cost in USD, from the plan the program deploys: custom metrics
 * (one per metric name and dimension set, so a second probe region doubles them), PutMetricData
 * requests, alarms (a metric-math alarm is billed per metric it reads), the dashboard, Lambda
 * requests and arm64 GB-seconds, log ingestion, the KMS key, SNS email and DynamoDB writes.
 * A pure module: no Pulumi, no AWS.
 *
 * Free tiers are ignored except the dashboards' (below), so the figure is an upper bound for a
 * small account and close to exact for a large one.
 */
import { PHASE_METRICS, TARGET_METRICS } from "../functions/common/metrics";
import type { Target } from "../functions/common/targets";
import { loadStageConfig, type StageConfig } from "./config";
import { metricsRead } from "./plan/alarms";
import { allAlarms, planStage, RECORDER_SETTINGS, type StagePlan } from "./plan/stage";
import { NOTIFIER_SETTINGS } from "./plan/notifier";

/**
 * us-east-1 list prices, checked 2026-11-26 against the AWS pricing pages (aws.amazon.com/cloudwatch/pricing,
 * /lambda/pricing, /kms/pricing, /sns/pricing, /dynamodb/pricing/on-demand) and the project's field notes.
 */
export const PRICES = {
  /** Per custom metric per month, in tiers: first 10,000, next 240,000, next 750,000, beyond. */
  customMetricTiers: [
    { upTo: 10_000, perMetric: 0.3 },
    { upTo: 250_000, perMetric: 0.1 },
    { upTo: 1_000_000, perMetric: 0.05 },
    { upTo: Infinity, perMetric: 0.02 },
  ],
  /** PutMetricData: $0.01 per 1,000 requests. */
  metricRequest: 0.01 / 1000,
  /** Standard-resolution alarm, per metric it reads, per month. */
  alarmMetricMonth: 0.1,
  /** Composite alarm, per month (the SLO burn-rate alarms). From third-party price lists (c3x.dev,
   * infracost): not yet confirmed on aws.amazon.com/cloudwatch/pricing. */
  compositeAlarmMonth: 0.5,
  /** Per dashboard per month beyond the free tier (3 dashboards of up to 50 metrics each). */
  dashboardMonth: 3,
  /** Lambda: $0.20 per million requests. */
  lambdaRequest: 0.2 / 1_000_000,
  /** Lambda arm64 duration, per GB-second (first 7.5 billion GB-s a month). */
  lambdaArmGbSecond: 0.0000133334,
  /** CloudWatch Logs standard ingestion, per GB. */
  logIngestionGb: 0.5,
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
  /** CloudWatch Logs Insights: $0.005 per GB of log data scanned. */
  logsInsightsGb: 0.005,
  /** CloudWatch API requests such as DescribeAlarms: $0.01 per 1,000 (free tier ignored). */
  cloudWatchApiRequest: 0.01 / 1000,
  /** CloudWatch Synthetics, per canary run (for the comparison only). */
  syntheticsRun: 0.0012,
} as const;

/** The free dashboards: 3 per account, for dashboards of up to 50 metrics. */
export const FREE_DASHBOARD_METRICS = 50;
/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

/** Assumptions about how the deployed code behaves, stated so they can be checked against a real bill. */
export const USAGE_ASSUMPTIONS = {
  /** A healthy target answers in well under a second: billed time per wave of `concurrency` probes. */
  probeWaveSeconds: 0.5,
  /** Runtime start, event parsing and PutMetricData per invocation. */
  probeOverheadSeconds: 0.3,
  /** One structured log line per target, plus START/END/REPORT and the summary per invocation. */
  logBytesPerTarget: 400,
  logBytesPerInvocation: 800,
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
  customMetrics: number;
  putMetricDataRequests: number;
  alarmMetrics: number;
  compositeAlarms: number;
  billableDashboards: number;
  lambdaRequests: number;
  lambdaGbSeconds: number;
  logIngestionGb: number;
  kmsKeys: number;
  kmsRequests: number;
  snsEmails: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  /** The notifier reading a failing target's latest probe results. */
  logsInsightsGb: number;
  cloudWatchApiRequests: number;
}

export type CostBreakdown = Record<keyof UsageEstimate, number>;

/** PutMetricData takes at most 1,000 datums per request.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html */
const MAX_DATUMS_PER_REQUEST = 1000;

/** The metrics the probe publishes per target per region. */
export function metricsPerTarget(target: Target, phaseMetrics: boolean): number {
  const https = target.url.startsWith("https:");
  const base = 2 + (https ? 1 : 0); // Availability, Latency, CertificateDaysRemaining
  if (!phaseMetrics) return base;
  // TlsTime only exists for https.
  return base + PHASE_METRICS.filter((name) => https || name !== TARGET_METRICS.tlsTime).length;
}

/** Usage of one month, from the config and the plan built from it. */
export function estimateUsage(config: StageConfig, plan: StagePlan, dashboardMetrics: number): UsageEstimate {
  const runsPerMonth = (HOURS_PER_MONTH * 3600) / config.periodSeconds;
  const regions = config.probeRegions.length;
  const a = USAGE_ASSUMPTIONS;

  const perTarget = config.targets.map((target) => metricsPerTarget(target, config.phaseMetrics));
  // Each region publishes its own dimension set (Url + Region) when multi-region; one heartbeat per region.
  const customMetrics = perTarget.reduce((sum, n) => sum + n, 0) * regions + regions;

  let putRequestsPerRun = 0;
  let gbSecondsPerRun = 0;
  let logBytesPerRun = 0;
  for (const shard of plan.shards) {
    const datums = shard.targets.reduce((sum, target) => sum + metricsPerTarget(target, config.phaseMetrics), 0) + 1;
    putRequestsPerRun += Math.ceil(datums / MAX_DATUMS_PER_REQUEST);
    const seconds = Math.ceil(shard.targets.length / config.probeConcurrency) * a.probeWaveSeconds + a.probeOverheadSeconds;
    gbSecondsPerRun += seconds * (config.probeMemoryMb / 1024);
    logBytesPerRun += shard.targets.length * a.logBytesPerTarget + a.logBytesPerInvocation;
  }
  // A burn-rate alarm changes state with the incidents that burn budget: counted like the target's own.
  const stateChanges = config.targets.length * a.stateChangesPerTargetMonth * (config.slo.burnRateAlarms ? 1.5 : 1);
  const recorderGbSeconds = stateChanges * a.recorderSeconds * (RECORDER_SETTINGS.memoryMb / 1024);
  const notifier = notifierUsage(config, plan, stateChanges, logBytesPerRun);

  return {
    customMetrics,
    putMetricDataRequests: putRequestsPerRun * regions * runsPerMonth,
    alarmMetrics: allAlarms(plan).reduce((sum, spec) => sum + metricsRead(spec), 0),
    compositeAlarms: plan.burnRateAlarms.length,
    billableDashboards: dashboardMetrics > FREE_DASHBOARD_METRICS ? 1 : 0,
    lambdaRequests: plan.shards.length * regions * runsPerMonth + stateChanges + notifier.lambdaRequests,
    lambdaGbSeconds: gbSecondsPerRun * regions * runsPerMonth + recorderGbSeconds + notifier.lambdaGbSeconds,
    logIngestionGb: (logBytesPerRun * regions * runsPerMonth) / 1024 ** 3,
    kmsKeys: 1,
    kmsRequests: ((HOURS_PER_MONTH * 3600) / a.kmsDataKeyReuseSeconds) * 2 + notifier.kmsRequests,
    snsEmails: notifier.snsEmails,
    dynamoWriteUnits: stateChanges * a.writeUnitsPerLedgerItem + notifier.dynamoWriteUnits,
    dynamoReadUnits: notifier.dynamoReadUnits,
    logsInsightsGb: notifier.logsInsightsGb,
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

/** The monthly charge for n custom metrics, tier by tier. */
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
  alarmMetrics: PRICES.alarmMetricMonth,
  compositeAlarms: PRICES.compositeAlarmMonth,
  billableDashboards: PRICES.dashboardMonth,
  lambdaRequests: PRICES.lambdaRequest,
  lambdaGbSeconds: PRICES.lambdaArmGbSecond,
  logIngestionGb: PRICES.logIngestionGb,
  kmsKeys: PRICES.kmsKeyMonth,
  kmsRequests: PRICES.kmsRequest,
  snsEmails: PRICES.snsEmail,
  dynamoWriteUnits: PRICES.dynamoWrite,
  dynamoReadUnits: PRICES.dynamoRead,
  logsInsightsGb: PRICES.logsInsightsGb,
  cloudWatchApiRequests: PRICES.cloudWatchApiRequest,
};

export function costBreakdown(usage: UsageEstimate): CostBreakdown {
  const lines = { customMetrics: customMetricsCost(usage.customMetrics) } as CostBreakdown;
  for (const key of Object.keys(UNIT_PRICE) as Array<keyof typeof UNIT_PRICE>) lines[key] = usage[key] * UNIT_PRICE[key];
  return lines;
}

/** Rounded to cents, as the stack output shows it. */
export function estimatedMonthlyCostUsd(usage: UsageEstimate): number {
  const total = Object.values(costBreakdown(usage)).reduce((sum, value) => sum + value, 0);
  return Math.round(total * 100) / 100;
}

/** What CloudWatch Synthetics charges for the same checks: one canary per URL per region, one run per period. */
export function syntheticsMonthlyCostUsd(urls: number, regions: number, periodSeconds = 60): number {
  const runs = (HOURS_PER_MONTH * 3600) / periodSeconds;
  return Math.round(urls * regions * runs * PRICES.syntheticsRun * 100) / 100;
}

export interface CostTableRow {
  urls: number;
  regions: number;
  webhealthUsd: number;
  syntheticsUsd: number;
}

/** Generated https targets with the stage defaults, for the README's cost table and the scale check. */
export function generatedTargets(count: number): Target[] {
  return Array.from({ length: count }, (_, index) => ({ url: `https://site-${index + 1}.example.com/health`, latencyMs: 1500 }));
}

/**
 * The README table: webhealth with default settings (every minute, phase metrics on) for 1, 10,
 * 100 and 1,000 URLs, next to CloudWatch Synthetics (one canary per URL and region).
 * `dashboardMetricsFor` counts the metrics the dashboard would show (infra/plan/dashboard.ts).
 */
export function costTable(
  counts: number[],
  regionSets: string[][],
  dashboardMetricsFor: (config: StageConfig) => number,
): CostTableRow[] {
  const rows: CostTableRow[] = [];
  for (const regions of regionSets) {
    for (const urls of counts) {
      const config = loadStageConfig("cost", {
        "aws:region": regions[0],
        "webhealth:targets": generatedTargets(urls),
        "webhealth:probeRegions": regions,
        "webhealth:notifications": { channels: [{ name: "oncall", type: "email", addresses: ["oncall@example.com"] }] },
      });
      const usage = estimateUsage(config, planStage(config), dashboardMetricsFor(config));
      rows.push({ urls, regions: regions.length, webhealthUsd: estimatedMonthlyCostUsd(usage), syntheticsUsd: syntheticsMonthlyCostUsd(urls, regions.length) });
    }
  }
  return rows;
}
