/**
 * Post-deploy checks of a stage: the probe answers a self-test for every target, an alarm
 * notification travels SNS -> recorder -> ledger, and no alarm of the stage fires during the bake.
 */
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteItemCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { PublishCommand } from "@aws-sdk/client-sns";
import { z } from "zod";
import { VERIFY_ALARM_PREFIX, type SelfTestReport } from "../functions/common/contract";
import { LEDGER_ATTRIBUTES } from "../functions/common/ledger";
import { DEFAULT_NAMESPACE, DIMENSIONS, PROBE_METRICS } from "../functions/common/metrics";
import { validate, ValidationError, type Target } from "../functions/common/targets";
import type { StackOutputs } from "../infra/outputs";
import { stackFileTargets } from "../infra/config";
import { readStackConfig } from "../infra/stack-files";
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
 * Publishes a test alarm notification to the stage's topic and waits for the recorder's ledger
 * item (key: the alarm name and the state change time as ISO UTC), then deletes the item.
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

/** The stage's alarms in ALARM now (metric and composite alarms), in every region that holds some. */
async function alarmsFiring(runtime: Runtime, outputs: StackOutputs): Promise<Array<{ name: string; reason: string; region: string }>> {
  const firing: Array<{ name: string; reason: string; region: string }> = [];
  for (const region of alarmRegions(outputs)) {
    const cloudWatch = runtime.aws(region).cloudWatch;
    let nextToken: string | undefined;
    do {
      const page = await cloudWatch.send(
        new DescribeAlarmsCommand({ AlarmNamePrefix: outputs.alarmNamePrefix, StateValue: "ALARM", AlarmTypes: ["MetricAlarm", "CompositeAlarm"], NextToken: nextToken }),
      );
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        firing.push({ name: alarm.AlarmName ?? "?", reason: alarm.StateReason ?? "", region });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return firing;
}

/** Watches the stage's alarms for `bakeMs`, failing as soon as one is in ALARM. Looks at least once. */
export async function bake(runtime: Runtime, outputs: StackOutputs, bakeMs: number): Promise<string[]> {
  const started = runtime.now().getTime();
  runtime.out.write(`bake: watching alarms ${outputs.alarmNamePrefix}* in ${alarmRegions(outputs).join(", ")} for ${formatDuration(bakeMs)}\n`);
  for (;;) {
    const firing = await alarmsFiring(runtime, outputs);
    if (firing.length > 0) {
      return firing.map((alarm) => `bake: alarm ${alarm.name}${alarm.region === outputs.homeRegion ? "" : ` (${alarm.region})`} is in ALARM after ${formatDuration(runtime.now().getTime() - started)}: ${alarm.reason}`);
    }
    const left = bakeMs - (runtime.now().getTime() - started);
    if (left <= 0) break;
    await runtime.sleep(Math.min(runtime.timings.bakePollMs, left), runtime.signal);
  }
  runtime.out.write(`bake: no alarm fired in ${formatDuration(bakeMs)}\n`);
  return [];
}

/** Where verify results are kept: a stack tag, readable by a later job with the backend's credentials. */
export const VERIFY_TAG = "webhealth-verify";

export interface VerifyRecord {
  sha: string;
  passed: boolean;
  /** ISO UTC time of the verify (or of the deployment, when `deployed`). */
  at: string;
  /** Set by `up` before it deploys: what runs no longer matches the last verify until verify runs again. */
  deployed?: true;
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

const VerifyRecordSchema = z.object({ sha: z.string(), passed: z.boolean(), at: z.string(), deployed: z.literal(true).optional() }) satisfies z.ZodType<VerifyRecord>;

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
  const probeProblems = await checkProbes(runtime, outputs, targets);
  if (probeProblems.length > 0) return probeProblems;
  const notificationProblems = await checkNotificationPath(runtime, outputs, options.stage);
  if (notificationProblems.length > 0) return notificationProblems;
  return bake(runtime, outputs, options.bakeMs);
}

