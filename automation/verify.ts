/**
 * Post-deploy checks of a stage: the probe answers a self-test for every target, an alarm
 * notification travels SNS -> recorder -> ledger, and no alarm of the stage fires during the bake.
 */
import { DescribeAlarmsCommand, GetMetricDataCommand, type CompositeAlarm, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { DeleteItemCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, PublishCommand, type Subscription } from "@aws-sdk/client-sns";
import * as z from "zod";
import { HUMAN_FILTER_POLICY, HUMAN_FILTER_POLICY_SCOPE, HUMAN_PROTOCOLS, TEST_NOTIFICATION, VERIFY_ALARM_PREFIX, type SelfTestReport } from "../functions/common/contract";
import { LEDGER_ATTRIBUTES } from "../functions/common/ledger";
import { EMAIL_CHANNEL_ATTRIBUTE, emailChannelFilterPolicy } from "../functions/common/notifier-config";
import { DEFAULT_NAMESPACE, DIMENSIONS, PROBE_METRICS } from "../functions/common/metrics";
import { validate, ValidationError, type Target } from "../functions/common/targets";
import type { StackOutputs } from "../infra/outputs";
import { readConfigValue, stackFileTargets } from "../infra/config";
import { NotificationsSchema } from "../infra/config-notifications";
import { readStackConfig } from "../infra/stack-files";
import { breachesThreshold } from "../infra/plan/alarms";
import { DeployError } from "./engine";
import { formatDuration, type Runtime } from "./runtime";

/** The canary functions that are probes: `probe-<region>` in the outputs. */
export const PROBE_KEY_PREFIX = "probe-";
/** The probe's first check exercises a local HTTP server; it must pass whatever the targets do. */
export const LOOPBACK_CHECK = "loopback";
/** Every verify notification's alarm name starts with this, so the ledger item is clearly a test. */
export { VERIFY_ALARM_PREFIX };

export interface VerifyOptions {
  stage: string;
  bakeMs: number;
  /** How long the warm-up may wait for data before the bake. */
  warmupMs: number;
  /** The last up's times (from the verify record), when it recorded them. */
  deployment?: DeploymentTimes;
}

const SelfTestReportSchema = z.object({
  selfTest: z.literal(true),
  passed: z.boolean(),
  checks: z.array(z.object({ name: z.string(), passed: z.boolean(), detail: z.string().optional() })),
}) satisfies z.ZodType<SelfTestReport>;

/** The stage's targets, from `webhealth:targets` in Pulumi.<stage>.yaml. */
export function stageTargets(stage: string, root: string): Target[] {
  const config = readStackConfig(stage, root);
  try {
    return stackFileTargets(config["webhealth:targets"], "webhealth:targets");
  } catch (error) {
    if (error instanceof ValidationError) throw new DeployError(`Pulumi.${stage}.yaml:\n${error.problems.map((p) => `  ${p}`).join("\n")}`);
    throw error;
  }
}

/**
 * Invokes every probe alias with a self-test. Required: a SelfTestReport, a passing loopback
 * check (the probe itself works) and a check named by each target URL. A target whose own check
 * fails is reported but does not fail the deploy: the site being down is what webhealth reports,
 * not a fault of this deployment.
 */
export async function checkProbes(runtime: Runtime, outputs: StackOutputs, targets: Target[]): Promise<string[]> {
  const problems: string[] = [];
  const probes = Object.entries(outputs.canaryFunctions).filter(([key]) => key.startsWith(PROBE_KEY_PREFIX));
  if (probes.length === 0) return [`no probe function (${PROBE_KEY_PREFIX}<region>) in the stack outputs`];
  for (const [key, fn] of probes) {
    const label = `${key} (${fn.functionName}:${fn.alias})`;
    const response = await runtime.aws(fn.region).lambda.send(
      new InvokeCommand({ FunctionName: fn.functionName, Qualifier: fn.alias, Payload: Buffer.from(JSON.stringify({ selfTest: true, targets })) }),
    );
    const payload = response.Payload ? Buffer.from(response.Payload).toString("utf8") : "";
    if (response.FunctionError) {
      problems.push(`${label}: the self-test invocation failed (${response.FunctionError}): ${payload.slice(0, 500)}`);
      continue;
    }
    let report: SelfTestReport;
    try {
      report = validate(SelfTestReportSchema, JSON.parse(payload), "report");
    } catch (error) {
      const reason = error instanceof ValidationError ? error.problems.join("; ") : "not JSON";
      problems.push(`${label}: the self-test did not return a SelfTestReport (${reason})`);
      continue;
    }
    const byName = new Map(report.checks.map((check) => [check.name, check]));
    const loopback = byName.get(LOOPBACK_CHECK);
    if (!loopback) problems.push(`${label}: no "${LOOPBACK_CHECK}" check in the self-test report`);
    else if (!loopback.passed) problems.push(`${label}: the "${LOOPBACK_CHECK}" check failed: ${loopback.detail ?? "no detail"}`);
    for (const target of targets) {
      const check = byName.get(target.url);
      if (!check) {
        problems.push(`${label}: no result for target ${target.url}`);
        continue;
      }
      runtime.out.write(`${label}: ${target.url} ${check.passed ? "ok" : "FAILING (reported, not a deploy failure)"}${check.detail ? `: ${check.detail}` : ""}\n`);
    }
    if (!problems.some((problem) => problem.startsWith(label))) runtime.out.write(`${label}: self-test answered for ${targets.length} target(s)\n`);
  }
  return problems;
}

/** CloudWatch's display names of regions, as in the `Region` field of alarm notifications. */
const REGION_NAMES: Record<string, string> = {
  "us-east-1": "US East (N. Virginia)",
  "us-east-2": "US East (Ohio)",
  "us-west-1": "US West (N. California)",
  "us-west-2": "US West (Oregon)",
  "eu-west-1": "EU (Ireland)",
  "eu-west-2": "EU (London)",
  "eu-west-3": "EU (Paris)",
  "eu-central-1": "EU (Frankfurt)",
  "eu-north-1": "EU (Stockholm)",
  "ap-southeast-1": "Asia Pacific (Singapore)",
  "ap-southeast-2": "Asia Pacific (Sydney)",
  "ap-northeast-1": "Asia Pacific (Tokyo)",
  "ap-south-1": "Asia Pacific (Mumbai)",
  "sa-east-1": "South America (Sao Paulo)",
  "ca-central-1": "Canada (Central)",
};

/** `2026-11-26T10:03:41.123+0000`, CloudWatch's StateChangeTime format. */
export function cloudWatchTime(date: Date): string {
  return date.toISOString().replace("Z", "+0000");
}

/** A CloudWatch alarm notification (the SNS Message) for a test alarm that does not exist in CloudWatch. */
export function verifyNotification(outputs: StackOutputs, alarmName: string, changedAt: Date): Record<string, unknown> {
  const account = outputs.topicArn.split(":")[4] ?? "";
  const partition = outputs.topicArn.split(":")[1] ?? "aws";
  return {
    AlarmName: alarmName,
    AlarmDescription: "webhealth deploy verify: a test notification, not a real alarm (the driver deletes its ledger item)",
    // The mark human-facing subscriptions filter on (their filter policy reads the body).
    [TEST_NOTIFICATION.marker]: true,
    AWSAccountId: account,
    NewStateValue: "ALARM",
    NewStateReason: "Test notification sent by `npm run deploy -- verify`",
    StateChangeTime: cloudWatchTime(changedAt),
    Region: REGION_NAMES[outputs.homeRegion] ?? outputs.homeRegion,
    AlarmArn: `arn:${partition}:cloudwatch:${outputs.homeRegion}:${account}:alarm:${alarmName}`,
    OldStateValue: "OK",
    Trigger: {
      MetricName: PROBE_METRICS.targetsProbed,
      Namespace: DEFAULT_NAMESPACE,
      StatisticType: "Statistic",
      Statistic: "SUM",
      Unit: null,
      Dimensions: [{ name: DIMENSIONS.url, value: `https://verify.webhealth.invalid/${outputs.stage}` }],
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: "LessThanThreshold",
      Threshold: 1,
      TreatMissingData: "breaching",
      EvaluateLowSampleCountPercentile: "",
    },
  };
}

/**
 * Publishes a test alarm notification (marked as a test: the human-facing subscriptions drop it) to
 * the stage's topic and waits for the recorder's ledger item (key: the alarm name and the state change time as ISO UTC), then deletes the item.
 */
export async function checkNotificationPath(runtime: Runtime, outputs: StackOutputs, stage: string): Promise<string[]> {
  const clients = runtime.aws(outputs.homeRegion);
  const alarmName = `${VERIFY_ALARM_PREFIX}${stage}-${runtime.randomId()}`;
  const changedAt = runtime.now();
  await clients.sns.send(
    new PublishCommand({
      TopicArn: outputs.topicArn,
      Subject: `ALARM: "${alarmName}"`.slice(0, 100),
      Message: JSON.stringify(verifyNotification(outputs, alarmName, changedAt)),
      MessageAttributes: { [TEST_NOTIFICATION.marker]: { DataType: "String", StringValue: "true" } },
    }),
  );
  runtime.out.write(`notification: published ${alarmName} to ${outputs.topicArn}\n`);

  const key = { [LEDGER_ATTRIBUTES.alarmName]: { S: alarmName }, [LEDGER_ATTRIBUTES.changedAt]: { S: changedAt.toISOString() } };
  const started = runtime.now().getTime();
  for (;;) {
    const { Item } = await clients.dynamodb.send(new GetItemCommand({ TableName: outputs.alarmTableName, Key: key, ConsistentRead: true }));
    if (Item) {
      await clients.dynamodb.send(new DeleteItemCommand({ TableName: outputs.alarmTableName, Key: key }));
      runtime.out.write(`notification: the recorder wrote it to ${outputs.alarmTableName} (test item deleted)\n`);
      return [];
    }
    if (runtime.now().getTime() - started >= runtime.timings.ledgerTimeoutMs) break;
    await runtime.sleep(runtime.timings.ledgerPollMs, runtime.signal);
  }
  return [
    `notification: no ledger item for ${alarmName} at ${changedAt.toISOString()} in ${outputs.alarmTableName} after ${formatDuration(runtime.timings.ledgerTimeoutMs)}: ` +
      `check the recorder's subscription to the topic and its logs (and its dead-letter queue)`,
  ];
}

/**
 * The regions holding the stage's alarms: the home region (per-target, probe-health and
 * dead-letter alarms) first, then every other canary function's region (the errors and duration
 * alarms of a probe's `live` alias sit next to the function).
 */
export function alarmRegions(outputs: StackOutputs): string[] {
  const others = Object.values(outputs.canaryFunctions)
    .map((fn) => fn.region)
    .filter((region) => region !== outputs.homeRegion);
  return [outputs.homeRegion, ...[...new Set(others)].sort()];
}

/** One alarm of the stage as verify judges it. */
export interface StageAlarm {
  name: string;
  region: string;
  /** `webhealth` (fails verify) or `target` (reported only): ALARM_MEASURES of its kind, from the stack outputs. */
  measures: "webhealth" | "target";
  state: string;
  reason: string;
  /** CloudWatch's StateReasonData (JSON), when it gives one. */
  reasonData?: string;
  treatMissingData?: string;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
  comparisonOperator?: string;
  threshold?: number;
  /** When the alarm was created or last changed (AlarmConfigurationUpdatedTimestamp). */
  configuredAt?: Date;
  /** When it last changed state (StateTransitionedTimestamp, else StateUpdatedTimestamp). */
  since?: Date;
  /** The monitored URL of a target alarm (its `Url` dimension). */
  url?: string;
}

/** DescribeAlarms returns at most 100 alarms a page. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html */
const DESCRIBE_ALARMS_PAGE = 100;

function selfAlarmKeys(outputs: StackOutputs): Set<string> {
  if (!outputs.selfAlarms || !outputs.heartbeats) {
    throw new DeployError(
      `stack ${outputs.stage} outputs have no selfAlarms/heartbeats (it was deployed by an older webhealth): run up first, so verify knows which alarms measure webhealth itself`,
    );
  }
  return new Set(outputs.selfAlarms.map((alarm) => `${alarm.region}/${alarm.name}`));
}

function urlOf(alarm: MetricAlarm): string | undefined {
  const dimensions = [...(alarm.Dimensions ?? []), ...(alarm.Metrics ?? []).flatMap((metric) => metric.MetricStat?.Metric?.Dimensions ?? [])];
  return dimensions.find((dimension) => dimension.Name === DIMENSIONS.url)?.Value;
}

/** The stage's alarms (metric and composite) in every region that holds some; only those in ALARM when `onlyFiring`. */
export async function describeStageAlarms(runtime: Runtime, outputs: StackOutputs, onlyFiring: boolean): Promise<StageAlarm[]> {
  const self = selfAlarmKeys(outputs);
  const alarms: StageAlarm[] = [];
  for (const region of alarmRegions(outputs)) {
    const cloudWatch = runtime.aws(region).cloudWatch;
    let nextToken: string | undefined;
    do {
      const page = await cloudWatch.send(
        new DescribeAlarmsCommand({
          AlarmNamePrefix: outputs.alarmNamePrefix,
          ...(onlyFiring ? { StateValue: "ALARM" } : {}),
          AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
          MaxRecords: DESCRIBE_ALARMS_PAGE,
          NextToken: nextToken,
        }),
      );
      const metricAlarms: Array<MetricAlarm | CompositeAlarm> = page.MetricAlarms ?? [];
      for (const alarm of [...metricAlarms, ...(page.CompositeAlarms ?? [])]) {
        const name = alarm.AlarmName ?? "?";
        const metric = "EvaluationPeriods" in alarm || "Dimensions" in alarm || "Metrics" in alarm ? (alarm as MetricAlarm) : undefined;
        alarms.push({
          name,
          region,
          measures: self.has(`${region}/${name}`) ? "webhealth" : "target",
          state: alarm.StateValue ?? "INSUFFICIENT_DATA",
          reason: alarm.StateReason ?? "",
          reasonData: alarm.StateReasonData,
          treatMissingData: metric?.TreatMissingData,
          evaluationPeriods: metric?.EvaluationPeriods,
          datapointsToAlarm: metric?.DatapointsToAlarm,
          comparisonOperator: metric?.ComparisonOperator,
          threshold: metric?.Threshold,
          configuredAt: alarm.AlarmConfigurationUpdatedTimestamp,
          since: alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp,
          url: metric ? urlOf(metric) : undefined,
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return alarms;
}

/** CloudWatch's StateReason when missing datapoints were filled in as breaching, e.g.
 * "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching]." */
const MISSING_AS_BREACHING = /missing datapoints? (?:was|were) treated as \[Breaching\]/i;

/**
 * Whether an alarm is in ALARM only because missing datapoints counted as breaching, as every
 * `breaching` alarm is before its metric has enough data: CloudWatch fills the periods it lacks
 * with the missing-data treatment until N real datapoints exist (CloudWatch user guide, "How
 * alarm state is evaluated when data is missing":
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data).
 * Its real datapoints (StateReasonData.recentDatapoints) alone would not reach DatapointsToAlarm.
 */
export function inAlarmForWantOfData(alarm: StageAlarm): boolean {
  if (alarm.state !== "ALARM" || alarm.treatMissingData !== "breaching" || !MISSING_AS_BREACHING.test(alarm.reason)) return false;
  let recent: number[] = [];
  try {
    const data = JSON.parse(alarm.reasonData ?? "{}") as { recentDatapoints?: unknown };
    if (Array.isArray(data.recentDatapoints)) recent = data.recentDatapoints.filter((value): value is number => typeof value === "number");
  } catch {
    // No readable reason data: the reason text says missing data took part; treat it as decisive.
  }
  const needed = alarm.datapointsToAlarm ?? alarm.evaluationPeriods ?? 1;
  const realBreaching = recent.filter((value) => breachesThreshold(value, alarm.comparisonOperator, alarm.threshold ?? 0) === true).length;
  return realBreaching < needed;
}

/** Why an alarm has not been evaluated on real data yet, or undefined when it has. */
function awaitingData(alarm: StageAlarm): string | undefined {
  if (alarm.state === "INSUFFICIENT_DATA") return "INSUFFICIENT_DATA";
  if (inAlarmForWantOfData(alarm)) return "ALARM for want of data";
  return undefined;
}

/** When the last `up` of the stage happened, from the stage's verify record. */
export interface DeploymentTimes {
  /** When `up` started: alarms configured since were created or changed by it. */
  startedAt: Date;
  /** When its canaries had shifted every alias: datapoints since then come from the new code. */
  liveAt?: Date;
}

function periodStartAfter(time: Date, periodSeconds: number): Date {
  const period = periodSeconds * 1000;
  return new Date(Math.ceil(time.getTime() / period) * period);
}

/** GetMetricData takes at most 500 queries a call. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html */
const METRIC_DATA_MAX_QUERIES = 500;

/** Probe regions whose heartbeat has no datapoint for a period that started at or after `since`. */
async function regionsWithoutHeartbeat(runtime: Runtime, outputs: StackOutputs, since: Date): Promise<string[]> {
  const heartbeats = outputs.heartbeats ?? [];
  const seen = new Set<number>();
  const cloudWatch = runtime.aws(outputs.homeRegion).cloudWatch;
  for (let start = 0; start < heartbeats.length; start += METRIC_DATA_MAX_QUERIES) {
    const batch = heartbeats.slice(start, start + METRIC_DATA_MAX_QUERIES);
    const longest = Math.max(...batch.map((heartbeat) => heartbeat.periodSeconds));
    let nextToken: string | undefined;
    do {
      const page = await cloudWatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: batch.map((heartbeat, index) => ({
            Id: `h${start + index}`,
            MetricStat: {
              Metric: { Namespace: heartbeat.namespace, MetricName: heartbeat.metricName, Dimensions: Object.entries(heartbeat.dimensions).map(([Name, Value]) => ({ Name, Value })) },
              Period: heartbeat.periodSeconds,
              Stat: "Sum",
            },
            ReturnData: true,
          })),
          StartTime: new Date(since.getTime() - longest * 1000),
          EndTime: new Date(runtime.now().getTime() + longest * 1000),
          NextToken: nextToken,
        }),
      );
      for (const result of page.MetricDataResults ?? []) {
        const index = Number(result.Id?.slice(1));
        const heartbeat = heartbeats[index];
        if (!heartbeat) continue;
        const first = periodStartAfter(since, heartbeat.periodSeconds).getTime();
        if ((result.Timestamps ?? []).some((timestamp) => new Date(timestamp).getTime() >= first)) seen.add(index);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return heartbeats.filter((_, index) => !seen.has(index)).map((heartbeat) => heartbeat.probeRegion);
}

/** At most this many alarm names in one progress line; the rest are counted. */
const NAMES_PER_LINE = 5;

function listNames(names: string[]): string {
  return names.length <= NAMES_PER_LINE ? names.join(", ") : `${names.slice(0, NAMES_PER_LINE).join(", ")} and ${names.length - NAMES_PER_LINE} more`;
}

function alarmLabel(alarm: StageAlarm, outputs: StackOutputs): string {
  return alarm.region === outputs.homeRegion ? alarm.name : `${alarm.name} (${alarm.region})`;
}

/**
 * Waits (at most `warmupMs`) until every probe region's heartbeat has a datapoint from after the
 * deployment and every alarm the deployment created or changed has been evaluated on real data:
 * a new alarm starts in INSUFFICIENT_DATA and a `breaching` one goes to ALARM before its first
 * datapoints, so baking before then would judge missing data, not this deployment. Prints what it
 * still waits for on every poll (at least every 30 s). Alarms that treat missing data as `ignore`
 * (the certificate alarms) keep INSUFFICIENT_DATA until their first datapoint, which a site that
 * never completes a TLS handshake never sends: they never hold the warm-up up.
 */
export async function warmUp(runtime: Runtime, outputs: StackOutputs, warmupMs: number, deployment: DeploymentTimes | undefined): Promise<string[]> {
  const started = runtime.now();
  const dataSince = deployment?.liveAt ?? deployment?.startedAt ?? started;
  const changedSince = deployment?.startedAt;
  runtime.out.write(
    `warm-up: waiting up to ${formatDuration(warmupMs)} for every probe region's heartbeat after ${dataSince.toISOString()} and for ` +
      `${changedSince ? `the alarms created or changed since ${changedSince.toISOString()}` : "every alarm of the stage (no deployment time recorded)"} to be evaluated on data\n`,
  );
  for (;;) {
    const regions = await regionsWithoutHeartbeat(runtime, outputs, dataSince);
    const alarms = (await describeStageAlarms(runtime, outputs, false)).filter(
      (alarm) => changedSince === undefined || alarm.configuredAt === undefined || alarm.configuredAt.getTime() >= changedSince.getTime(),
    );
    const waiting = alarms.filter((alarm) => alarm.treatMissingData !== "ignore" && awaitingData(alarm) !== undefined);
    const elapsed = runtime.now().getTime() - started.getTime();
    if (regions.length === 0 && waiting.length === 0) {
      runtime.out.write(`warm-up: done after ${formatDuration(elapsed)}: every heartbeat has data and ${alarms.length} alarm(s) have been evaluated on it\n`);
      const quiet = alarms.filter((alarm) => alarm.treatMissingData === "ignore" && alarm.state === "INSUFFICIENT_DATA").map((alarm) => alarmLabel(alarm, outputs));
      if (quiet.length > 0) runtime.out.write(`warm-up: still INSUFFICIENT_DATA, not waited for (they ignore missing data): ${listNames(quiet)}\n`);
      return [];
    }
    const described = [
      ...(regions.length > 0 ? [`heartbeat from ${regions.join(", ")}`] : []),
      ...(waiting.length > 0 ? [`${waiting.length} alarm(s): ${listNames(waiting.map((alarm) => `${alarmLabel(alarm, outputs)} ${awaitingData(alarm)}`))}`] : []),
    ].join("; ");
    const left = warmupMs - elapsed;
    if (left <= 0) {
      return [
        `warm-up: after ${formatDuration(elapsed)} still without data: ` +
          [
            ...(regions.length > 0 ? [`probe regions ${regions.join(", ")} (no ${outputs.heartbeats?.[0]?.metricName ?? "heartbeat"} datapoint after ${dataSince.toISOString()})`] : []),
            ...(waiting.length > 0 ? [`alarms ${waiting.map((alarm) => `${alarmLabel(alarm, outputs)} (${awaitingData(alarm)})`).join(", ")}`] : []),
          ].join("; ") +
          `. Check the probe's schedule, logs and failure queue; a longer --warmup helps when the first runs are just late`,
      ];
    }
    runtime.out.write(`warm-up: ${formatDuration(left)} left, waiting for ${described}\n`);
    await runtime.sleep(Math.min(runtime.timings.bakePollMs, left), runtime.signal);
  }
}

function describeTargetAlarm(alarm: StageAlarm, outputs: StackOutputs): string {
  const since = alarm.since ? ` since ${alarm.since.toISOString()}` : "";
  return `${alarmLabel(alarm, outputs)}${alarm.url ? ` (${alarm.url})` : ""} in ALARM${since}: ${alarm.reason}`;
}

/**
 * Watches the stage's alarms for `bakeMs`. Fails as soon as an alarm that measures webhealth
 * itself (ALARM_MEASURES in the plan, listed by the `selfAlarms` output) is in ALARM. A target's
 * alarm in ALARM is reported (which target, since when, why) but never fails the bake: the site
 * being down is what webhealth reports, not a fault of this deployment. Looks at least once and
 * prints a line on every poll (every 30 s).
 */
export async function bake(runtime: Runtime, outputs: StackOutputs, bakeMs: number): Promise<string[]> {
  const started = runtime.now().getTime();
  const regions = alarmRegions(outputs).join(", ");
  const watched = outputs.selfAlarms?.length ?? 0;
  runtime.out.write(`bake: watching ${watched} webhealth alarm(s) ${outputs.alarmNamePrefix}* in ${regions} for ${formatDuration(bakeMs)}; target alarms are reported, not judged\n`);
  const reported = new Set<string>();
  let targetsFiring: StageAlarm[];
  for (;;) {
    const firing = await describeStageAlarms(runtime, outputs, true);
    const broken = firing.filter((alarm) => alarm.measures === "webhealth");
    targetsFiring = firing.filter((alarm) => alarm.measures === "target");
    for (const alarm of targetsFiring.filter((candidate) => !reported.has(`${candidate.region}/${candidate.name}`))) {
      reported.add(`${alarm.region}/${alarm.name}`);
      runtime.out.write(`bake: target alarm ${describeTargetAlarm(alarm, outputs)} (reported, not a deploy failure)\n`);
    }
    const elapsed = runtime.now().getTime() - started;
    if (broken.length > 0) {
      return broken.map((alarm) => `bake: alarm ${alarmLabel(alarm, outputs)} is in ALARM after ${formatDuration(elapsed)}: ${alarm.reason}`);
    }
    const left = bakeMs - elapsed;
    if (left <= 0) break;
    runtime.out.write(
      `bake: ${formatDuration(left)} left, watching ${watched} webhealth alarm(s) in ${regions}: none in ALARM; ` +
        `${targetsFiring.length === 0 ? "no target alarm in ALARM" : `target alarm(s) in ALARM (reported): ${listNames(targetsFiring.map((alarm) => alarmLabel(alarm, outputs)))}`}\n`,
    );
    await runtime.sleep(Math.min(runtime.timings.bakePollMs, left), runtime.signal);
  }
  runtime.out.write(`bake: no webhealth alarm fired in ${formatDuration(bakeMs)}\n`);
  if (targetsFiring.length > 0) {
    runtime.out.write(`bake: target alarms still in ALARM (reported, not a deploy failure):\n${targetsFiring.map((alarm) => `  ${describeTargetAlarm(alarm, outputs)}\n`).join("")}`);
  }
  return [];
}

/** SNS's SubscriptionArn of a subscription whose endpoint has not confirmed it.
 * https://docs.aws.amazon.com/sns/latest/api/API_Subscription.html */
export const PENDING_CONFIRMATION = "PendingConfirmation";

/** Every topic whose subscriptions reach people, with the filter each of its human subscriptions must carry. */
function humanTopics(outputs: StackOutputs): Array<{ arn: string; accepts: (policy: string | undefined, scope: string | undefined) => boolean }> {
  const dropsTestByBody = (policy: string | undefined, scope: string | undefined) => policy === JSON.stringify(HUMAN_FILTER_POLICY) && scope === HUMAN_FILTER_POLICY_SCOPE;
  // The notifier's e-mail topic: each subscription takes one channel's messages, filtered on the channel attribute, which verify's test never carries.
  const oneChannel = (policy: string | undefined, scope: string | undefined) => {
    if (scope !== undefined && scope !== "MessageAttributes") return false;
    const parsed = policy ? (JSON.parse(policy) as Record<string, unknown>) : {};
    const values = parsed[EMAIL_CHANNEL_ATTRIBUTE];
    return Object.keys(parsed).length === 1 && Array.isArray(values) && values.length === 1 && JSON.stringify(parsed) === JSON.stringify(emailChannelFilterPolicy(String(values[0])));
  };
  return [
    { arn: outputs.topicArn, accepts: dropsTestByBody },
    ...(outputs.emailTopicArn ? [{ arn: outputs.emailTopicArn, accepts: oneChannel }] : []),
    ...(outputs.operatorsTopicArn ? [{ arn: outputs.operatorsTopicArn, accepts: dropsTestByBody }] : []),
  ];
}

const topicName = (arn: string | undefined) => arn?.split(":").pop() ?? "";

/**
 * The stage's channels that reach people without an SNS subscription to confirm (chat, paging,
 * webhooks: the notifier posts to them), as `name (type)`, from `webhealth:notifications` of the
 * stage file (through the one config parser); none when the key is absent or invalid (`up` would
 * have refused an invalid one).
 */
export function directChannels(stage: string, root: string): string[] {
  const parsed = NotificationsSchema.safeParse(readConfigValue("notifications", readStackConfig(stage, root)["webhealth:notifications"]) ?? {});
  return parsed.success ? parsed.data.channels.filter((channel) => channel.type !== "email").map((channel) => `${channel.name} (${channel.type})`) : [];
}

/**
 * Who will be told: lists the stage's subscriptions that reach people (on the alarm topic and, with
 * a notifier, its e-mail and operators topics) still pending confirmation, warns (never fails) when
 * none is confirmed and no chat or paging channel of the notifier reaches people either, and when
 * one lacks the filter that keeps verify's test notification from it.
 */
export async function checkSubscribers(runtime: Runtime, outputs: StackOutputs, stage = outputs.stage): Promise<void> {
  const sns = runtime.aws(outputs.homeRegion).sns;
  const topics = humanTopics(outputs);
  const subscriptions: Array<Subscription & { accepts: (policy: string | undefined, scope: string | undefined) => boolean }> = [];
  for (const topic of topics) {
    try {
      let nextToken: string | undefined;
      do {
        const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic.arn, NextToken: nextToken }));
        subscriptions.push(...(page.Subscriptions ?? []).map((subscription) => ({ ...subscription, TopicArn: subscription.TopicArn ?? topic.arn, accepts: topic.accepts })));
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      if (runtime.signal.aborted) throw error;
      runtime.out.write(`warning: subscriptions: could not list the subscriptions of ${topic.arn}: ${(error as Error).message}\n`);
      return;
    }
  }
  const several = topics.length > 1;
  const where = (subscription: Subscription) => (several ? ` on ${topicName(subscription.TopicArn)}` : "");
  const human = subscriptions.filter((subscription) => (HUMAN_PROTOCOLS as readonly string[]).includes(subscription.Protocol ?? ""));
  const pending = human.filter((subscription) => subscription.SubscriptionArn === PENDING_CONFIRMATION);
  const confirmed = human.filter((subscription) => subscription.SubscriptionArn !== PENDING_CONFIRMATION);
  for (const subscription of pending) {
    runtime.out.write(`subscriptions: ${subscription.Protocol} ${subscription.Endpoint}${where(subscription)} is pending confirmation: it receives nothing until the link in AWS's e-mail is followed\n`);
  }
  if (confirmed.length === 0) {
    const direct = directChannels(stage, runtime.root);
    if (direct.length > 0) {
      runtime.out.write(
        `subscriptions: no confirmed e-mail subscriber yet${pending.length > 0 ? ` (${pending.length} pending confirmation)` : ""}; the notifier tells people through ${direct.join(", ")}\n`,
      );
      return;
    }
    runtime.out.write(
      `warning: subscriptions: no confirmed human subscriber on ${topics.map((topic) => topic.arn).join(", ")}: alarms reach the ledger but no person` +
        `${pending.length > 0 ? ` (${pending.length} pending confirmation)` : " (add an e-mail channel to webhealth:notifications)"}\n`,
    );
    return;
  }
  runtime.out.write(`subscriptions: ${confirmed.length} confirmed human subscriber(s): ${confirmed.map((subscription) => `${subscription.Protocol} ${subscription.Endpoint}${where(subscription)}`).join(", ")}\n`);
  for (const subscription of confirmed) {
    try {
      const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription.SubscriptionArn }));
      const policy = Attributes?.FilterPolicy ? JSON.stringify(JSON.parse(Attributes.FilterPolicy)) : undefined;
      if (!subscription.accepts(policy, Attributes?.FilterPolicyScope)) {
        runtime.out.write(`warning: subscriptions: ${subscription.Protocol} ${subscription.Endpoint}${where(subscription)} has no filter for verify's test notification (not created by this stage's program?): it receives the test\n`);
      }
    } catch (error) {
      if (runtime.signal.aborted) throw error;
      runtime.out.write(`warning: subscriptions: could not read the filter policy of ${subscription.SubscriptionArn}: ${(error as Error).message}\n`);
    }
  }
}

/** Where verify results are kept: a stack tag, readable by a later job with the backend's credentials. */
export const VERIFY_TAG = "webhealth-verify";

export interface VerifyRecord {
  sha: string;
  passed: boolean;
  /** ISO UTC time of the verify (or of the deployment's start, when `deployed`). */
  at: string;
  /** Set by `up` before it deploys: what runs no longer matches the last verify until verify runs again. */
  deployed?: true;
  /** Set by `up` once every canary alias is shifted: when the new code went live (verify's warm-up waits for data after it). */
  liveAt?: string;
  /** Set by `rollback` before it moves any alias: the stage no longer runs what was verified at `sha`. */
  rolledBack?: true;
}

/** Pulumi Cloud rejects a stack tag value longer than this (ValidateStackTags in pulumi/pulumi); DIY backends store it as is. */
export const STACK_TAG_VALUE_MAX = 256;

/** The tag value of a verify record (a 40-character SHA-1 commit makes it about 100 characters). */
export function formatVerifyRecord(record: VerifyRecord): string {
  const value = JSON.stringify(record);
  if (value.length > STACK_TAG_VALUE_MAX) {
    throw new DeployError(`the verify record is ${value.length} characters, more than a stack tag holds (${STACK_TAG_VALUE_MAX}): ${value}`);
  }
  return value;
}

const VerifyRecordSchema = z.object({
  sha: z.string(),
  passed: z.boolean(),
  at: z.string(),
  deployed: z.literal(true).optional(),
  liveAt: z.string().optional(),
  rolledBack: z.literal(true).optional(),
}) satisfies z.ZodType<VerifyRecord>;

/** The deployment a `deployed` record describes (verify's warm-up), or undefined. */
export function deploymentTimes(record: VerifyRecord | undefined): DeploymentTimes | undefined {
  if (!record?.deployed) return undefined;
  const startedAt = new Date(record.at);
  if (Number.isNaN(startedAt.getTime())) return undefined;
  const liveAt = record.liveAt ? new Date(record.liveAt) : undefined;
  return { startedAt, ...(liveAt && !Number.isNaN(liveAt.getTime()) ? { liveAt } : {}) };
}

export function parseVerifyRecord(value: string | undefined): VerifyRecord | undefined {
  if (value === undefined) return undefined;
  try {
    return VerifyRecordSchema.parse(JSON.parse(value));
  } catch {
    return undefined;
  }
}

/** Runs every check; returns the problems (empty when verify passed). Cancellation propagates. */
export async function runChecks(runtime: Runtime, outputs: StackOutputs, options: VerifyOptions): Promise<string[]> {
  const targets = stageTargets(options.stage, runtime.root);
  selfAlarmKeys(outputs);
  await checkSubscribers(runtime, outputs, options.stage);
  const probeProblems = await checkProbes(runtime, outputs, targets);
  if (probeProblems.length > 0) return probeProblems;
  const notificationProblems = await checkNotificationPath(runtime, outputs, options.stage);
  if (notificationProblems.length > 0) return notificationProblems;
  const warmupProblems = await warmUp(runtime, outputs, options.warmupMs, options.deployment);
  if (warmupProblems.length > 0) return warmupProblems;
  return bake(runtime, outputs, options.bakeMs);
}

