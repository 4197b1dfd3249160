/**
 * The probe in one region: the canary-shipped probe function, one EventBridge rule per shard
 * whose target is the `live` alias (never $LATEST) with the shard's targets and the scheduled
 * time as input (an input transformer), one invoke permission for all the stage's probe rules
 * qualified by the alias, and a queue that keeps failed runs.
 *
 * A probe run that fails is never retried: the next minute's run is the retry. EventBridge gets
 * no retries and 60 s of event age, Lambda's own asynchronous retries are 0 with a 60 s maximum
 * age, and both send what they drop to the failure queue.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PROBE_ENV } from "../../functions/common/contract";
import type { StageConfig } from "../config";
import { INPUT_PATHS, type Shard } from "../plan/shards";
import type { CanaryFunctionPlan } from "../plan/stage";
import { CanaryFunction } from "./canary-function";
import { policyDocument, serviceSendsToQueue, type PolicyStatement } from "./policy";

/** EventBridge's and Lambda's smallest maximum event age: a run that cannot start within a minute is dropped. */
export const PROBE_MAX_EVENT_AGE_SECONDS = 60;
/** SQS's longest retention, so a failed run can be read for two weeks. */
const FAILURE_RETENTION_SECONDS = 14 * 24 * 3600;

/** The secrets the probe reads: exactly these parameters, decrypted with exactly this key. */
export interface ProbeSecretAccess {
  /** ARNs of the SSM parameters the targets name. */
  parameterArns: pulumi.Input<string>[];
  keyArn: pulumi.Input<string>;
  /** SSM path of the stage's secrets, ending in `/`. */
  parameterPath: string;
  /** Where the parameters and the key are (the home region). */
  region: string;
}

export interface ProbeRegionArgs {
  config: StageConfig;
  /** Absent when no target names a secret: the probe gets no SSM or KMS permission at all. */
  secrets?: ProbeSecretAccess;
  plan: CanaryFunctionPlan;
  shards: Shard[];
  prefix: string;
  code: pulumi.asset.Archive;
  hookCode: pulumi.asset.Archive;
  accountId: pulumi.Input<string>;
  partition: pulumi.Input<string>;
}

/** The probe's environment (names from functions/common/contract.ts). */
export function probeEnvironment(config: StageConfig, region: string, secrets?: Pick<ProbeSecretAccess, "parameterPath" | "region">): Record<string, string> {
  const environment: Record<string, string> = {
    [PROBE_ENV.namespace]: config.namespace,
    [PROBE_ENV.metricsRegion]: config.homeRegion,
    [PROBE_ENV.phaseMetrics]: String(config.phaseMetrics),
    [PROBE_ENV.concurrency]: String(config.probeConcurrency),
    // The alarms' thresholds, so each logged result's `warnings` say what the alarms will judge.
    [PROBE_ENV.certificateDays]: String(config.alarms.certificateDays),
    [PROBE_ENV.defaultLatencyMs]: String(config.alarms.defaultLatencyMs),
  };
  if (config.multiRegion) environment[PROBE_ENV.regionDimension] = region;
  if (secrets) {
    environment[PROBE_ENV.secretsPath] = secrets.parameterPath;
    environment[PROBE_ENV.secretsRegion] = secrets.region;
  }
  return environment;
}

/** Reading exactly the targets' parameters (GetParameters batches them) and decrypting them with exactly the stage key, through SSM. */
export function secretStatements(secrets: ProbeSecretAccess): PolicyStatement[] {
  return [
    { Sid: "ReadTargetSecrets", Effect: "Allow", Action: ["ssm:GetParameters", "ssm:GetParameter"], Resource: secrets.parameterArns },
    {
      Sid: "DecryptTargetSecrets",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: secrets.keyArn,
      // SSM decrypts a SecureString with the parameter's ARN as encryption context: only these parameters.
      // https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html
      Condition: { StringEquals: { "kms:ViaService": `ssm.${secrets.region}.amazonaws.com`, "kms:EncryptionContext:PARAMETER_ARN": secrets.parameterArns } },
    },
  ];
}

export function shardRuleName(prefix: string, index: number | "*"): string {
  return `${prefix}-probe-${index}`;
}

/**
 * The ARN pattern of every shard rule of the stage in a region. Lambda compares a permission's
 * SourceArn with StringLike (https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html),
 * so one permission covers all shards: a function's resource policy is limited to 20 KB (about 50
 * permissions), which one permission per shard would cross at a few thousand targets.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export function shardRuleArnPattern(partition: string, region: string, accountId: string, prefix: string): string {
  return `arn:${partition}:events:${region}:${accountId}:rule/${shardRuleName(prefix, "*")}`;
}

export class ProbeRegion extends pulumi.ComponentResource {
  public readonly probe: CanaryFunction;
  public readonly failures: aws.sqs.Queue;
  public readonly rules: aws.cloudwatch.EventRule[];

  constructor(name: string, args: ProbeRegionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webhealth:infra:ProbeRegion", name, {}, opts);
    const { config, plan, accountId, partition } = args;
    const child = { parent: this };

    this.failures = new aws.sqs.Queue(
      `${name}-failures`,
      { name: `${args.prefix}-probe-failures`, messageRetentionSeconds: FAILURE_RETENTION_SECONDS, sqsManagedSseEnabled: true },
      child,
    );
    this.probe = new CanaryFunction(
      name,
      {
        plan,
        code: args.code,
        hookCode: args.hookCode,
        environment: probeEnvironment(config, plan.region, args.secrets),
        statements: [
          // PutMetricData has no resource-level permissions: the namespace condition is the limit.
          // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html
          { Sid: "PublishOwnMetrics", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": config.namespace } } },
          // Lambda's on-failure destination sends with the function's role.
          { Sid: "KeepFailedRuns", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: this.failures.arn },
          ...(args.secrets ? secretStatements(args.secrets) : []),
        ],
        asyncInvoke: { onFailureArn: this.failures.arn, maximumRetryAttempts: 0, maximumEventAgeInSeconds: PROBE_MAX_EVENT_AGE_SECONDS },
        logRetentionDays: config.logRetentionDays,
        deploymentConfigName: config.deploymentConfig,
        accountId,
        partition,
      },
      child,
    );

    const ruleArns = pulumi.all([partition, accountId]).apply(([p, account]) => shardRuleArnPattern(p, plan.region, account, args.prefix));
    new aws.lambda.Permission(
      `${name}-rules-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: this.probe.function.name,
        qualifier: this.probe.alias.name,
        principal: "events.amazonaws.com",
        sourceArn: ruleArns,
        sourceAccount: accountId,
      },
      child,
    );
    this.rules = args.shards.map((shard) => {
      const rule = new aws.cloudwatch.EventRule(
        `${name}-shard-${shard.index}`,
        {
          name: shardRuleName(args.prefix, shard.index),
          description: `Probes ${shard.targets.length} targets (shard ${shard.index + 1} of ${shard.count}) ${config.schedule}`,
          scheduleExpression: config.schedule,
        },
        child,
      );
      new aws.cloudwatch.EventTarget(
        `${name}-shard-${shard.index}-target`,
        {
          rule: rule.name,
          targetId: `probe-shard-${shard.index}`,
          arn: this.probe.alias.arn,
          // The scheduled time travels with the targets: every region's datums of one run then share one timestamp.
          inputTransformer: { inputPaths: { ...INPUT_PATHS }, inputTemplate: shard.inputTemplate },
          retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: PROBE_MAX_EVENT_AGE_SECONDS },
          deadLetterConfig: { arn: this.failures.arn },
        },
        child,
      );
      return rule;
    });

    // EventBridge sends undeliverable events to the queue only if the queue policy lets these rules
    // do it. One ARN pattern for every shard rule of the stage in this region, like the permission:
    // a queue policy holds at most 10 conditions and 8,192 bytes (RESOURCE_POLICY_LIMITS), which a
    // list of rule ARNs outgrows past ten shards.
    new aws.sqs.QueuePolicy(
      `${name}-failures-policy`,
      {
        queueUrl: this.failures.url,
        policy: policyDocument([
          serviceSendsToQueue("ProbeRulesDeadLetters", "events.amazonaws.com", this.failures.arn, {
            ArnLike: { "aws:SourceArn": ruleArns },
            StringEquals: { "aws:SourceAccount": accountId },
          }),
        ]),
      },
      child,
    );
    this.registerOutputs({ functionName: this.probe.function.name, shards: args.shards.length });
  }
}
