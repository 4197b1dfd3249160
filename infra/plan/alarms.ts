/**
 * Every CloudWatch alarm of a stage as plain data: the program turns each spec into an
 * `aws.cloudwatch.MetricAlarm`, the dashboard lists them and the cost model bills them, so the
 * three can never disagree. Metrics, dimensions and statistics come from
 * functions/common/metrics.ts, exactly what the probe publishes: `Url` per target (every region
 * writes the same metric), none (or `Region`) for the heartbeat.
 */
import { CLOUDWATCH_LIMITS } from "../../functions/common/aws-limits";
import {
  CHECK_STATISTICS,
  PROBE_METRICS,
  quorumPercentThreshold,
  TARGET_METRICS,
  probeDimensions,
  slowPercentStatistic,
  targetDimensions,
  type MetricDimension,
} from "../../functions/common/metrics";
import { LIVE_ALIAS } from "../../functions/common/contract";
import type { Target } from "../../functions/common/targets";
import type { StageConfig } from "../config";
import { alarmNamePrefix, targetKey } from "./names";

export type AlarmKind =
  | "availability"
  | "latency"
  | "certificate"
  | "probe-health"
  | "function-errors"
  | "function-duration"
  | "dead-letters"
  /** One window of an SLO burn-rate pair (infra/plan/slo.ts): no actions, read by the target's composite alarm. */
  | "burn-rate-window";

/**
 * What each kind of alarm measures: webhealth itself (a failed deploy, a dead probe, lost alarm
 * notifications: `verify` fails on these) or a monitored target (reported, never a deploy
 * failure: an outage of a monitored site is when people most need to ship a monitoring change).
 * A new kind must be classified here (the Record makes that a type error otherwise).
 */
export const ALARM_MEASURES: Record<AlarmKind, "webhealth" | "target"> = {
  availability: "target",
  latency: "target",
  certificate: "target",
  "probe-health": "webhealth",
  "function-errors": "webhealth",
  "function-duration": "webhealth",
  "dead-letters": "webhealth",
  "burn-rate-window": "target",
};

export interface MetricRef {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** A statistic (`Minimum`, `Sum`...) or an extended statistic (`PR(n:m)`, `p99`). */
  stat: string;
  period: number;
}

/**
 * Whether one datapoint breaches a threshold alarm's condition (`ComparisonOperator`, PutMetricAlarm
 * API reference); undefined for an operator that is not a static threshold (anomaly detection).
 */
export function breachesThreshold(value: number, operator: string | undefined, threshold: number): boolean | undefined {
  switch (operator) {
    case "GreaterThanThreshold":
      return value > threshold;
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
    default:
      return undefined;
  }
}

export interface AlarmSpec {
  /** Pulumi logical name, unique in the stage. */
  logicalName: string;
  alarmName: string;
  description: string;
  kind: AlarmKind;
  /** The region the alarm lives in (the metrics' region). */
  region: string;
  /** The target watched, for per-target alarms. */
  url?: string;
  comparisonOperator: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: "breaching" | "notBreaching" | "ignore" | "missing";
  /** The one metric the alarm reads (CloudWatch bills a standard alarm per metric it reads). */
  metric: MetricRef;
  /** Sends ALARM and OK to the stage's topic. */
  notify: boolean;
  /** Also sends ALARM and OK to the operators topic: e-mail straight from SNS, for alarms about the notifier itself. */
  notifyOperators?: boolean;
}

/** The statistics PutMetricAlarm takes as `Statistic`; anything else goes in `ExtendedStatistic`.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html */
export const STANDARD_STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"] as const;

export function isStandardStatistic(stat: string): boolean {
  return (STANDARD_STATISTICS as readonly string[]).includes(stat);
}

/**
 * Certificates change over days: the probe publishes their days once a day (in the first hour
 * of the UTC day, functions/common/metrics.ts CERTIFICATE_UTC_HOUR), and the alarm reads the
 * day's minimum. A one-day period is CloudWatch's longest (period x evaluation periods may reach
 * 7 days above one-hour periods).
 */
export const CERTIFICATE_PERIOD_SECONDS = 86_400;
/** The CodeDeploy rollback alarms watch one-minute Lambda metrics of the alias. */
const FUNCTION_ALARM_PERIOD_SECONDS = 60;
/**
 * A deployment rolls back when the new code runs this close to its timeout. Above the shard plan's
 * own worst case (every target timing out still ends 5 s before the timeout, 91.7% of a minute),
 * so only code that overruns its plan trips it, not a bad minute on the monitored sites.
 */
export const DURATION_ALARM_FRACTION = 0.95;

function dimensionRecord(dimensions: MetricDimension[]): Record<string, string> {
  return Object.fromEntries(dimensions.map((dimension) => [dimension.Name, dimension.Value]));
}

/** The number of metrics an alarm reads: what CloudWatch bills it for. */
export function metricsRead(_spec: AlarmSpec): number {
  return 1;
}

/** The quorum as a percent-rank threshold (functions/common/metrics.ts, where the notifier reads it too). */
export { quorumPercentThreshold };

/**
 * A per-target alarm description that fits PutMetricAlarm's 1,024 characters whatever the URL (the
 * schema accepts URLs of 1,024 characters): when the whole text would not fit, the URL is cut with
 * an ellipsis, keeping its scheme, host and the start of its path. The alarm stays identifiable:
 * its name carries the target's key, and its dimensions the full URL.
 */
export function targetDescription(url: string, describe: (url: string) => string): string {
  const max = CLOUDWATCH_LIMITS.alarmDescriptionMaxLength;
  const full = describe(url);
  if (full.length <= max) return full;
  const room = max - (full.length - url.length) - 1;
  const shortened = describe(`${url.slice(0, Math.max(room, 0))}…`);
  return shortened.length <= max ? shortened : `${shortened.slice(0, max - 1)}…`;
}

function latencyThreshold(target: Target, config: StageConfig): number {
  return target.latencyMs ?? config.alarms.defaultLatencyMs;
}

function isHttps(target: Target): boolean {
  return target.url.startsWith("https:");
}

/** "k of the n regions' samples (us-east-1, eu-west-1, ...)" or "its sample" when single-region. */
function quorumPhrase(config: StageConfig): string {
  if (!config.multiRegion) return "its check";
  return `at least ${config.alarms.quorum} of the ${config.probeRegions.length} regions' checks (${config.probeRegions.join(", ")})`;
}

/**
 * The per-target alarms: availability, latency and (for https) certificate expiry, each reading
 * one metric whichever the number of probe regions.
 */
export function planTargetAlarms(config: StageConfig): AlarmSpec[] {
  const prefix = alarmNamePrefix(config.stage);
  const { alarms, periodSeconds, namespace } = config;
  const threshold = quorumPercentThreshold(alarms.quorum, config.probeRegions.length);
  const specs: AlarmSpec[] = [];
  for (const target of config.targets) {
    const key = targetKey(target);
    const base = { region: config.homeRegion, url: target.url, notify: true };
    const dimensions = dimensionRecord(targetDimensions(target.url));
    const latencyMs = latencyThreshold(target, config);
    const who = quorumPhrase(config);

    specs.push({
      ...base,
      logicalName: `${key}-availability`,
      alarmName: `${prefix}${key}-availability`,
      description: targetDescription(
        target.url,
        (url) => `${url}: ${who} failed in ${alarms.availabilityDatapoints} of ${alarms.availabilityPeriods} periods (a period with no sample at all counts as down: a dead probe must not look healthy)`,
      ),
      kind: "availability",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold,
      evaluationPeriods: alarms.availabilityPeriods,
      datapointsToAlarm: alarms.availabilityDatapoints,
      treatMissingData: "breaching",
      metric: { namespace, metricName: TARGET_METRICS.check, dimensions, stat: CHECK_STATISTICS.failedPercent, period: periodSeconds },
    });
    specs.push({
      ...base,
      logicalName: `${key}-latency`,
      alarmName: `${prefix}${key}-latency`,
      description: targetDescription(target.url, (url) => `${url}: ${who} passed slower than ${latencyMs} ms in ${alarms.latencyDatapoints} of ${alarms.latencyPeriods} periods`),
      kind: "latency",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold,
      evaluationPeriods: alarms.latencyPeriods,
      datapointsToAlarm: alarms.latencyDatapoints,
      // A site that is down is not slow; the availability alarm speaks for it.
      treatMissingData: "notBreaching",
      metric: { namespace, metricName: TARGET_METRICS.check, dimensions, stat: slowPercentStatistic(latencyMs), period: periodSeconds },
    });

    if (isHttps(target)) {
      specs.push({
        ...base,
        logicalName: `${key}-certificate`,
        alarmName: `${prefix}${key}-certificate`,
        description: targetDescription(target.url, (url) => `The TLS certificate of ${url} expires in less than ${alarms.certificateDays} days (checked once a day)`),
        kind: "certificate",
        comparisonOperator: "LessThanThreshold",
        threshold: alarms.certificateDays,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // No data (site down in the certificate hour, probe dead) keeps the last state: other alarms report those.
        treatMissingData: "ignore",
        metric: { namespace, metricName: TARGET_METRICS.certificateDaysRemaining, dimensions, stat: "Minimum", period: CERTIFICATE_PERIOD_SECONDS },
      });
    }
  }
  return specs;
}

/**
 * The monitor watching itself, one alarm per probe region in the home region: the heartbeat
 * `TargetsProbed` (one datum per shard run, its value the targets probed) must add up to every
 * target each period. A probe that errors, times out, skips targets or is not invoked at all
 * falls short or sends nothing, and no data is breaching.
 */
export function planProbeHealthAlarms(config: StageConfig): AlarmSpec[] {
  const prefix = alarmNamePrefix(config.stage);
  return config.probeRegions.map((region) => {
    const suffix = config.multiRegion ? `probe-health-${region}` : "probe-health";
    return {
      logicalName: suffix,
      alarmName: `${prefix}${suffix}`,
      description: `The probe in ${region} did not probe all ${config.targets.length} targets in ${config.alarms.availabilityDatapoints} of ${config.alarms.availabilityPeriods} periods (errors, timeouts, skipped targets or no runs at all)`,
      kind: "probe-health",
      region: config.homeRegion,
      comparisonOperator: "LessThanThreshold",
      threshold: config.targets.length,
      evaluationPeriods: config.alarms.availabilityPeriods,
      datapointsToAlarm: config.alarms.availabilityDatapoints,
      treatMissingData: "breaching",
      notify: true,
      metric: {
        namespace: config.namespace,
        metricName: PROBE_METRICS.targetsProbed,
        dimensions: dimensionRecord(probeDimensions(config.multiRegion ? region : undefined)),
        stat: "Sum",
        period: config.periodSeconds,
      },
    } satisfies AlarmSpec;
  });
}

/**
 * The alarms a CodeDeploy deployment group watches to roll back: errors and duration of the
 * `live` alias (dimensions FunctionName + Resource `<function>:live`), in the function's region.
 * They have no actions: CodeDeploy acts on them, and the probe-health alarm pages.
 */
export function planFunctionAlarms(stage: string, role: string, region: string, fnName: string, timeoutSeconds: number): AlarmSpec[] {
  const prefix = alarmNamePrefix(stage);
  const dimensions = { FunctionName: fnName, Resource: `${fnName}:${LIVE_ALIAS}` };
  const base = { region, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: "notBreaching" as const, notify: false };
  return [
    {
      ...base,
      logicalName: `${role}-errors`,
      alarmName: `${prefix}${role}-errors`,
      description: `${fnName}:${LIVE_ALIAS} raised an error: CodeDeploy rolls a deployment back on it`,
      kind: "function-errors",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      metric: { namespace: "AWS/Lambda", metricName: "Errors", dimensions, stat: "Sum", period: FUNCTION_ALARM_PERIOD_SECONDS },
    },
    {
      ...base,
      logicalName: `${role}-duration`,
      alarmName: `${prefix}${role}-duration`,
      description: `${fnName}:${LIVE_ALIAS} ran longer than ${DURATION_ALARM_FRACTION * 100}% of its ${timeoutSeconds} s timeout: CodeDeploy rolls a deployment back on it`,
      kind: "function-duration",
      comparisonOperator: "GreaterThanThreshold",
      threshold: Math.round(timeoutSeconds * 1000 * DURATION_ALARM_FRACTION),
      metric: { namespace: "AWS/Lambda", metricName: "Duration", dimensions, stat: "Maximum", period: FUNCTION_ALARM_PERIOD_SECONDS },
    },
  ];
}

export interface DeadLetterAlarmArgs {
  /** Whose queue it is: names the alarm `<prefix><role>-dead-letters`. */
  role: string;
  stage: string;
  region: string;
  queueName: string;
  description: string;
  /** How often the queue's depth is looked at. */
  periodSeconds: number;
  /** Also e-mail operators straight from SNS (a path that does not depend on the notifier). */
  notifyOperators?: boolean;
}

/** A dead-letter queue holding anything: one datapoint of a visible message is enough, someone must look. */
export function deadLetterAlarm(args: DeadLetterAlarmArgs): AlarmSpec {
  return {
    logicalName: `${args.role}-dead-letters`,
    alarmName: `${alarmNamePrefix(args.stage)}${args.role}-dead-letters`,
    description: args.description,
    kind: "dead-letters",
    region: args.region,
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: "notBreaching",
    notify: true,
    ...(args.notifyOperators ? { notifyOperators: true } : {}),
    metric: { namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: args.queueName }, stat: "Maximum", period: args.periodSeconds },
  };
}

/** Alarm notifications the recorder could not take land in its dead-letter queue. */
export function planDeadLetterAlarm(stage: string, region: string, queueName: string): AlarmSpec {
  return deadLetterAlarm({ role: "recorder", stage, region, queueName, description: `Alarm notifications the recorder could not store are waiting in ${queueName}`, periodSeconds: 300 });
}
