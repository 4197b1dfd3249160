/**
 * A Lambda function that ships through a CodeDeploy canary: it publishes a version on every code
 * change, a `live` alias that Pulumi creates once and then leaves to CodeDeploy, the alias's
 * rollback alarms, a CodeDeploy application and BLUE_GREEN deployment group, and the pre-traffic
 * hook that invokes the new version with a self-test before any traffic moves.
 *
 * Both versions of a function share its execution role (replacing the role would break the
 * traffic shift), so the role's logical name must never change.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { HOOK_ENV, LAMBDA_RUNTIME, LIVE_ALIAS } from "../../functions/common/contract";
import type { CanaryFunctionPlan } from "../plan/stage";
import { assumeRolePolicy, logStatements, metricAlarmArgs, policyDocument, type PolicyStatement } from "./policy";

/**
 * The options of every `live` alias. CodeDeploy moves the alias (version and weighted routing)
 * after `pulumi up`; without ignoreChanges the next `up` would move it back. Synth records the
 * options each alias really gets (infra/synth.ts), which tests/contracts/options.test.ts checks.
 */
export const LIVE_ALIAS_OPTIONS: pulumi.CustomResourceOptions = { ignoreChanges: ["functionVersion", "routingConfig"] };

/** Architecture of every function (arm64 is 20% cheaper per GB-second); the runtime is LAMBDA_RUNTIME. */
export const LAMBDA_ARCHITECTURE = "arm64";
export const LAMBDA_HANDLER = "index.handler";

/** CodeDeploy rolls back on a failed deployment, on an alarm, and when someone stops it. */
export const ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"];

/**
 * What CodeDeploy's alarm poll (DescribeAlarms) is granted on: every alarm of the account in the
 * function's region. DescribeAlarms is a List action that CloudWatch may evaluate on `alarm:*`
 * rather than on each named alarm (callers scoped to alarm names get "not authorized to perform:
 * cloudwatch:DescribeAlarms on resource: arn:aws:cloudwatch:<region>:<account>:alarm:*"), and AWS's
 * own AWSCodeDeployRoleForLambda grants it on "*". It only reads alarm definitions and states.
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForLambda.html
 */
export function describeAlarmsResource(partition: pulumi.Input<string>, region: string, accountId: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`arn:${partition}:cloudwatch:${region}:${accountId}:alarm:*`;
}

export interface AsyncInvokeSettings {
  /** Where failed asynchronous invocations go (an SQS queue ARN). */
  onFailureArn: pulumi.Input<string>;
  maximumRetryAttempts: number;
  maximumEventAgeInSeconds: number;
}

export interface CanaryFunctionArgs {
  plan: CanaryFunctionPlan;
  code: pulumi.asset.Archive;
  hookCode: pulumi.asset.Archive;
  environment: Record<string, pulumi.Input<string>>;
  /** What the function itself may do, beyond writing its logs. */
  statements: PolicyStatement[];
  asyncInvoke?: AsyncInvokeSettings;
  /** Where the alias's alarms send ALARM and OK when their specs notify (by default they only drive CodeDeploy). */
  alarmTopics?: { topicArn: pulumi.Input<string>; operatorsTopicArn?: pulumi.Input<string> };
  logRetentionDays: number;
  deploymentConfigName: string;
  accountId: pulumi.Input<string>;
  partition: pulumi.Input<string>;
}

export class CanaryFunction extends pulumi.ComponentResource {
  public readonly role: aws.iam.Role;
  public readonly function: aws.lambda.Function;
  public readonly alias: aws.lambda.Alias;
  public readonly application: aws.codedeploy.Application;
  public readonly deploymentGroup: aws.codedeploy.DeploymentGroup;
  public readonly hook: aws.lambda.Function;
  public readonly alarms: aws.cloudwatch.MetricAlarm[];

  constructor(name: string, args: CanaryFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webhealth:infra:CanaryFunction", name, {}, opts);
    const { plan, accountId, partition } = args;
    const child = { parent: this };
    const region = plan.region;

    // The function: its role, its log group, its code.
    const logGroupName = `/aws/lambda/${plan.functionName}`;
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { name: logGroupName, retentionInDays: args.logRetentionDays }, child);
    this.role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"), description: `Runs ${plan.functionName}` }, child);
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: this.role.id, policy: policyDocument([...logStatements(partition, region, accountId, logGroupName), ...args.statements]) },
      child,
    );
    this.function = new aws.lambda.Function(
      `${name}-function`,
      {
        name: plan.functionName,
        role: this.role.arn,
        runtime: LAMBDA_RUNTIME,
        architectures: [LAMBDA_ARCHITECTURE],
        handler: LAMBDA_HANDLER,
        code: args.code,
        publish: true,
        timeout: plan.timeoutSeconds,
        memorySize: plan.memoryMb,
        environment: { variables: args.environment },
        loggingConfig: { logFormat: "Text", logGroup: logGroupName },
      },
      { ...child, dependsOn: [logGroup, rolePolicy] },
    );
    this.alias = new aws.lambda.Alias(
      `${name}-live`,
      { name: LIVE_ALIAS, functionName: this.function.name, functionVersion: this.function.version, description: "Moved by CodeDeploy after each deploy" },
      { ...child, ...LIVE_ALIAS_OPTIONS },
    );
    if (args.asyncInvoke) {
      new aws.lambda.FunctionEventInvokeConfig(
        `${name}-async`,
        {
          functionName: this.function.name,
          qualifier: this.alias.name,
          maximumRetryAttempts: args.asyncInvoke.maximumRetryAttempts,
          maximumEventAgeInSeconds: args.asyncInvoke.maximumEventAgeInSeconds,
          destinationConfig: { onFailure: { destination: args.asyncInvoke.onFailureArn } },
        },
        child,
      );
    }

    // The alias's rollback alarms, in the function's region.
    this.alarms = plan.alarms.map(
      (spec) => new aws.cloudwatch.MetricAlarm(spec.logicalName, metricAlarmArgs(spec, args.alarmTopics?.topicArn, args.alarmTopics?.operatorsTopicArn), child),
    );

    // CodeDeploy: application, deployment group, and the role CodeDeploy acts with.
    const applicationName = plan.functionName;
    const groupName = plan.functionName;
    this.application = new aws.codedeploy.Application(`${name}-deploy-app`, { name: applicationName, computePlatform: "Lambda" }, child);
    const groupArn = pulumi.interpolate`arn:${partition}:codedeploy:${region}:${accountId}:deploymentgroup:${applicationName}/${groupName}`;
    const applicationArn = pulumi.interpolate`arn:${partition}:codedeploy:${region}:${accountId}:application:${applicationName}`;

    // The hook: invokes the new version with the self-test and reports to CodeDeploy.
    const hookLogGroupName = `/aws/lambda/${plan.hookFunctionName}`;
    const hookLogGroup = new aws.cloudwatch.LogGroup(`${name}-hook-logs`, { name: hookLogGroupName, retentionInDays: args.logRetentionDays }, child);
    const hookRole = new aws.iam.Role(`${name}-hook-role`, { assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com"), description: `Runs ${plan.hookFunctionName}` }, child);
    const hookPolicy = new aws.iam.RolePolicy(
      `${name}-hook-policy`,
      {
        role: hookRole.id,
        policy: policyDocument([
          ...logStatements(partition, region, accountId, hookLogGroupName),
          { Sid: "ReadDeployment", Effect: "Allow", Action: ["codedeploy:GetDeployment"], Resource: groupArn },
          // The IAM Service Authorization Reference lists no resource type for this action: a statement
          // naming a deployment group matches nothing, the hook's report would be denied and every
          // canary would wait out the hook timeout and fail. Only "*" grants it (its own statement,
          // so the other hook permissions stay scoped); the call can only report on a lifecycle
          // event CodeDeploy handed to this hook.
          // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html
          { Sid: "ReportHookStatus", Effect: "Allow", Action: ["codedeploy:PutLifecycleEventHookExecutionStatus"], Resource: "*" },
          { Sid: "ReadRevision", Effect: "Allow", Action: ["codedeploy:GetApplicationRevision"], Resource: applicationArn },
          // Only versions of this function: the hook invokes the version being deployed, never the alias or $LATEST.
          { Sid: "InvokeNewVersion", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: pulumi.interpolate`${this.function.arn}:*` },
        ]),
      },
      child,
    );
    this.hook = new aws.lambda.Function(
      `${name}-hook`,
      {
        name: plan.hookFunctionName,
        role: hookRole.arn,
        runtime: LAMBDA_RUNTIME,
        architectures: [LAMBDA_ARCHITECTURE],
        handler: LAMBDA_HANDLER,
        code: args.hookCode,
        timeout: plan.hookTimeoutSeconds,
        memorySize: 128,
        environment: { variables: { [HOOK_ENV.selfTestEvent]: plan.selfTestEvent } },
        loggingConfig: { logFormat: "Text", logGroup: hookLogGroupName },
      },
      { ...child, dependsOn: [hookLogGroup, hookPolicy] },
    );

    const deployRole = new aws.iam.Role(
      `${name}-deploy-role`,
      { assumeRolePolicy: assumeRolePolicy("codedeploy.amazonaws.com"), description: `CodeDeploy shifting ${plan.functionName}:${LIVE_ALIAS}` },
      child,
    );
    // Written out instead of the managed AWSCodeDeployRoleForLambda, whose resources are "*":
    // the alias of this function, exactly this hook, exactly these alarms.
    const deployPolicy = new aws.iam.RolePolicy(
      `${name}-deploy-policy`,
      {
        role: deployRole.id,
        policy: policyDocument([
          {
            Sid: "ShiftLiveAlias",
            Effect: "Allow",
            Action: ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"],
            Resource: [this.function.arn, pulumi.interpolate`${this.function.arn}:*`],
          },
          { Sid: "InvokeThisHook", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: this.hook.arn },
          // Not the two alarm ARNs: a DescribeAlarms call can be authorized against `alarm:*` (see
          // describeAlarmsResource), and a denied alarm poll stops every deployment.
          { Sid: "ReadRollbackAlarms", Effect: "Allow", Action: ["cloudwatch:DescribeAlarms"], Resource: describeAlarmsResource(partition, region, accountId) },
        ]),
      },
      child,
    );
    this.deploymentGroup = new aws.codedeploy.DeploymentGroup(
      `${name}-deploy-group`,
      {
        appName: this.application.name,
        deploymentGroupName: groupName,
        serviceRoleArn: deployRole.arn,
        deploymentConfigName: args.deploymentConfigName,
        deploymentStyle: { deploymentOption: "WITH_TRAFFIC_CONTROL", deploymentType: "BLUE_GREEN" },
        autoRollbackConfiguration: { enabled: true, events: ROLLBACK_EVENTS },
        alarmConfiguration: { enabled: true, alarms: this.alarms.map((alarm) => alarm.name) },
      },
      { ...child, dependsOn: [deployPolicy] },
    );

    this.registerOutputs({
      functionName: this.function.name,
      version: this.function.version,
      alias: this.alias.name,
      deploymentGroup: this.deploymentGroup.deploymentGroupName,
      hookFunctionName: this.hook.name,
    });
  }
}

/**
 * Subscribes a canary function's `live` alias to an SNS topic: the permission for SNS to invoke
 * that alias (created first, or SNS's first delivery may be refused) and the subscription, whose
 * redrive policy keeps the notifications SNS could not deliver in `deadLetterArn`. The resources
 * are `<name>-sns-invoke` and `<name>-subscription`, children of `opts.parent`.
 */
export function subscribeAliasToTopic(
  name: string,
  target: Pick<CanaryFunction, "function" | "alias">,
  args: { topicArn: pulumi.Input<string>; deadLetterArn: pulumi.Input<string> },
  opts: pulumi.CustomResourceOptions,
): aws.sns.TopicSubscription {
  const permission = new aws.lambda.Permission(
    `${name}-sns-invoke`,
    { action: "lambda:InvokeFunction", function: target.function.name, qualifier: target.alias.name, principal: "sns.amazonaws.com", sourceArn: args.topicArn },
    opts,
  );
  return new aws.sns.TopicSubscription(
    `${name}-subscription`,
    { topic: args.topicArn, protocol: "lambda", endpoint: target.alias.arn, redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: args.deadLetterArn }) },
    { ...opts, dependsOn: [permission] },
  );
}
