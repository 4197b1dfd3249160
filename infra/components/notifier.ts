/**
 * The notifier: a function behind `live` (CodeDeploy canary, pre-traffic self-test) subscribed to
 * the alarm topic beside the recorder, that tells people about alarms in their channels; the
 * e-mail topic it publishes readable e-mails to (one filtered subscription per e-mail channel and
 * address); the operators topic that e-mails the notifier's own alarms straight from SNS; its
 * dead-letter queue and alarm; the sweep rule that sends reminders and deferred deliveries.
 * See infra/plan/notifier.ts for the two paths to people.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NOTIFIER_CONFIG_FILE, NOTIFIER_ENV } from "../../functions/common/contract";
import { emailChannelFilterPolicy } from "../../functions/common/notifier-config";
import type { CanaryFunctionPlan } from "../plan/stage";
import { SWEEP_EVENT, SWEEP_SCHEDULE, NOTIFIER_SETTINGS, type NotifierPlan } from "../plan/notifier";
import { CanaryFunction, subscribeAliasToTopic } from "./canary-function";
import { humanSubscriptionArgs } from "./notifications";
import { metricAlarmArgs, policyDocument, serviceSendsToQueue } from "./policy";

/**
 * The ledger actions the notifier needs: UpdateItem for the delivery record on the change's item,
 * Query for the alarm's previous changes (how long it was down, reminders), DescribeTable for its
 * self-test. On the table ARN only: it never reads an index.
 */
export const NOTIFIER_TABLE_ACTIONS = ["dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:DescribeTable"];
const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

export interface NotifierArgs {
  plan: NotifierPlan;
  functionPlan: CanaryFunctionPlan;
  /** The notifier's bundle (`index.js` and side modules); its runtime configuration is added to the archive as NOTIFIER_CONFIG_FILE. */
  files: Record<string, string>;
  hookCode: pulumi.asset.Archive;
  alarmTopicArn: pulumi.Input<string>;
  keyArn: pulumi.Input<string>;
  tableName: pulumi.Input<string>;
  tableArn: pulumi.Input<string>;
  retentionDays: number;
  region: string;
  logRetentionDays: number;
  deploymentConfigName: string;
  accountId: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  /** Options of stateful resources: the topics keep people's confirmed subscriptions. */
  statefulOptions: pulumi.CustomResourceOptions;
}

export class Notifier extends pulumi.ComponentResource {
  public readonly emailTopic: aws.sns.Topic;
  public readonly operatorsTopic: aws.sns.Topic;
  public readonly deadLetters: aws.sqs.Queue;
  public readonly notifier: CanaryFunction;
  /** The notifier's subscription to the alarm topic (what the alarms wait for). */
  public readonly subscription: aws.sns.TopicSubscription;

  constructor(name: string, args: NotifierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webhealth:infra:Notifier", name, {}, opts);
    const { plan, accountId, partition, region } = args;
    const child = { parent: this };

    this.emailTopic = new aws.sns.Topic("email-topic", { name: plan.emailTopicName, kmsMasterKeyId: args.keyArn }, { ...child, ...args.statefulOptions });
    plan.emailSubscriptions.forEach((subscription, index) => {
      new aws.sns.TopicSubscription(
        `email-${subscription.channel}-${index}`,
        {
          topic: this.emailTopic.arn,
          protocol: "email",
          endpoint: subscription.address,
          // Each e-mail channel gets only the notifier's messages routed to it; verify's test notification
          // (never published here, and without this attribute) could not match either.
          filterPolicy: JSON.stringify(emailChannelFilterPolicy(subscription.channel)),
        },
        child,
      );
    });

    this.operatorsTopic = new aws.sns.Topic("operators-topic", { name: plan.operatorsTopicName, kmsMasterKeyId: args.keyArn }, { ...child, ...args.statefulOptions });
    new aws.sns.TopicPolicy(
      "operators-topic-policy",
      {
        arn: this.operatorsTopic.arn,
        policy: policyDocument([
          {
            Sid: "OnlyTheNotifiersAlarms",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["sns:Publish"],
            Resource: this.operatorsTopic.arn,
            Condition: {
              StringEquals: { "aws:SourceAccount": accountId },
              ArnLike: { "aws:SourceArn": plan.operatorAlarmNames.map((alarm) => pulumi.interpolate`arn:${partition}:cloudwatch:${region}:${accountId}:alarm:${alarm}`) },
            },
          },
        ]),
      },
      child,
    );
    // CloudWatch's own JSON reaches people here: the subscriptions drop verify's test by its body, like every human-facing one.
    plan.operatorAddresses.forEach((address, index) => {
      new aws.sns.TopicSubscription(`operators-email-${index}`, humanSubscriptionArgs(this.operatorsTopic.arn, "email", address), child);
    });

    this.deadLetters = new aws.sqs.Queue(
      "notifier-dead-letters",
      { name: plan.deadLetterQueueName, messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS, sqsManagedSseEnabled: true },
      child,
    );

    const sweepRuleArn = pulumi.interpolate`arn:${partition}:events:${region}:${accountId}:rule/${plan.sweepRuleName}`;
    new aws.sqs.QueuePolicy(
      "notifier-dead-letters-policy",
      {
        queueUrl: this.deadLetters.url,
        policy: policyDocument([
          serviceSendsToQueue("AlarmTopicDeadLetters", "sns.amazonaws.com", this.deadLetters.arn, { ArnEquals: { "aws:SourceArn": args.alarmTopicArn } }),
          serviceSendsToQueue("SweepDeadLetters", "events.amazonaws.com", this.deadLetters.arn, { ArnEquals: { "aws:SourceArn": sweepRuleArn } }),
        ]),
      },
      child,
    );

    const secretArns = plan.secrets.map((use) => pulumi.interpolate`arn:${partition}:ssm:${region}:${accountId}:parameter${use.parameter}`);
    // The Service Authorization Reference's log-group ARN, and the `:*` form Lambda's own policies use.
    const probeLogGroupArns = plan.runtime.probeLogGroups.flatMap((group) => [
      pulumi.interpolate`arn:${partition}:logs:${group.region}:${accountId}:log-group:${group.logGroupName}`,
      pulumi.interpolate`arn:${partition}:logs:${group.region}:${accountId}:log-group:${group.logGroupName}:*`,
    ]);
    const assets: Record<string, pulumi.asset.StringAsset> = {};
    for (const [file, content] of Object.entries(args.files)) assets[file] = new pulumi.asset.StringAsset(content);
    assets[NOTIFIER_CONFIG_FILE] = new pulumi.asset.StringAsset(JSON.stringify(plan.runtime));
    const archive = new pulumi.asset.AssetArchive(assets);

    this.notifier = new CanaryFunction(
      "notifier",
      {
        plan: args.functionPlan,
        code: archive,
        hookCode: args.hookCode,
        environment: {
          [NOTIFIER_ENV.tableName]: args.tableName,
          [NOTIFIER_ENV.retentionDays]: String(args.retentionDays),
          [NOTIFIER_ENV.emailTopicArn]: this.emailTopic.arn,
          [NOTIFIER_ENV.deadLetterQueueUrl]: this.deadLetters.url,
        },
        statements: [
          { Sid: "DeliveryRecord", Effect: "Allow", Action: NOTIFIER_TABLE_ACTIONS, Resource: args.tableArn },
          { Sid: "SendEmail", Effect: "Allow", Action: ["sns:Publish"], Resource: this.emailTopic.arn },
          // SNS encrypts what the notifier publishes with the publisher's own rights on the topic's key,
          // and SSM decrypts the secrets the same way. https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
          { Sid: "UseStageKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: args.keyArn },
          ...(secretArns.length > 0 ? [{ Sid: "ReadChannelSecrets", Effect: "Allow" as const, Action: ["ssm:GetParameters"], Resource: secretArns }] : []),
          // The latest probe results of a failing target, from each probe region's log group. Both
          // actions take the log group as their resource (Service Authorization Reference); a query the
          // notifier stops waiting for is not stopped (StopQuery has no resource type: it would need "*").
          { Sid: "QueryProbeResults", Effect: "Allow", Action: ["logs:StartQuery", "logs:GetQueryResults"], Resource: probeLogGroupArns },
          // The sweep lists the alarms still in ALARM (a List action evaluated on alarm:*, see canary-function.ts).
          { Sid: "ListAlarmsInAlarm", Effect: "Allow", Action: ["cloudwatch:DescribeAlarms"], Resource: pulumi.interpolate`arn:${partition}:cloudwatch:${region}:${accountId}:alarm:*` },
          // Failed deliveries (sent by the code) and failed invocations (Lambda's on-failure destination).
          { Sid: "KeepFailedDeliveries", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: this.deadLetters.arn },
        ],
        asyncInvoke: { onFailureArn: this.deadLetters.arn, maximumRetryAttempts: NOTIFIER_SETTINGS.asyncRetries, maximumEventAgeInSeconds: NOTIFIER_SETTINGS.maxEventAgeSeconds },
        alarmTopics: { topicArn: args.alarmTopicArn, operatorsTopicArn: this.operatorsTopic.arn },
        logRetentionDays: args.logRetentionDays,
        deploymentConfigName: args.deploymentConfigName,
        accountId,
        partition,
      },
      child,
    );

    this.subscription = subscribeAliasToTopic("notifier", this.notifier, { topicArn: args.alarmTopicArn, deadLetterArn: this.deadLetters.arn }, child);

    const sweep = new aws.cloudwatch.EventRule("notifier-sweep", { name: plan.sweepRuleName, scheduleExpression: SWEEP_SCHEDULE, description: "Reminders and deferred deliveries" }, child);
    new aws.lambda.Permission(
      "notifier-sweep-invoke",
      { action: "lambda:InvokeFunction", function: this.notifier.function.name, qualifier: this.notifier.alias.name, principal: "events.amazonaws.com", sourceArn: sweep.arn },
      child,
    );
    new aws.cloudwatch.EventTarget(
      "notifier-sweep-target",
      {
        rule: sweep.name,
        targetId: "notifier-sweep",
        arn: this.notifier.alias.arn,
        input: JSON.stringify(SWEEP_EVENT),
        // A missed sweep is made up by the next one five minutes later.
        retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
        deadLetterConfig: { arn: this.deadLetters.arn },
      },
      child,
    );

    new aws.cloudwatch.MetricAlarm(plan.deadLetterAlarm.logicalName, metricAlarmArgs(plan.deadLetterAlarm, args.alarmTopicArn, this.operatorsTopic.arn), child);
    this.registerOutputs({ emailTopicArn: this.emailTopic.arn, operatorsTopicArn: this.operatorsTopic.arn });
  }
}
