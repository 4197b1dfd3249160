/**
 * The alarm ledger: a DynamoDB table (on demand, point-in-time recovery, encrypted, TTL for
 * retention, deletion protection where data is protected) whose keys come from
 * functions/common/ledger.ts, and the recorder function subscribed to the alarm topic through its
 * `live` alias, with a dead-letter queue for notifications it could not take.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RECORDER_ENV } from "../../functions/common/contract";
import { LEDGER_TABLE } from "../../functions/common/ledger";
import type { StageConfig } from "../config";
import { ledgerTableName, STATEFUL_RESOURCES } from "../plan/names";
import type { CanaryFunctionPlan } from "../plan/stage";
import { CanaryFunction, subscribeAliasToTopic } from "./canary-function";
import { policyDocument, serviceSendsToQueue } from "./policy";

/**
 * The DynamoDB actions the recorder needs (functions/recorder): the idempotent conditional
 * UpdateItem (it keeps a delivery record the notifier may have written first), and DescribeTable
 * for its self-test. On the table ARN only: it never reads an index.
 */
export const RECORDER_TABLE_ACTIONS = ["dynamodb:UpdateItem", "dynamodb:DescribeTable"];
/**
 * SNS invokes the recorder asynchronously: Lambda retries a failed notification twice (a DynamoDB
 * blip passes), for up to 6 hours, then sends it to the dead-letter queue instead of dropping it.
 * SNS's own redrive policy covers the other case, a notification SNS could not hand to Lambda.
 */
export const RECORDER_ASYNC_RETRIES = 2;
export const RECORDER_MAX_EVENT_AGE_SECONDS = 6 * 3600;
const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

export interface AlarmLedgerArgs {
  config: StageConfig;
  plan: CanaryFunctionPlan;
  prefix: string;
  deadLetterQueueName: string;
  topicArn: pulumi.Input<string>;
  code: pulumi.asset.Archive;
  hookCode: pulumi.asset.Archive;
  accountId: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  statefulOptions: pulumi.CustomResourceOptions;
}

export class AlarmLedger extends pulumi.ComponentResource {
  public readonly table: aws.dynamodb.Table;
  public readonly recorder: CanaryFunction;
  public readonly deadLetters: aws.sqs.Queue;
  /** The recorder's subscription to the alarm topic: alarms are created after it, so no state change goes unrecorded. */
  public readonly subscription: aws.sns.TopicSubscription;

  constructor(name: string, args: AlarmLedgerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webhealth:infra:AlarmLedger", name, {}, opts);
    const { config } = args;
    const child = { parent: this };

    this.table = new aws.dynamodb.Table(
      STATEFUL_RESOURCES.ledgerTable.name,
      {
        name: ledgerTableName(config.stage),
        billingMode: "PAY_PER_REQUEST",
        hashKey: LEDGER_TABLE.hashKey,
        rangeKey: LEDGER_TABLE.rangeKey,
        attributes: LEDGER_TABLE.attributes.map((attribute) => ({ name: attribute.name, type: attribute.type })),
        globalSecondaryIndexes: LEDGER_TABLE.globalSecondaryIndexes.map((index) => ({
          name: index.name,
          hashKey: index.hashKey,
          rangeKey: index.rangeKey,
          projectionType: index.projectionType,
        })),
        ttl: { attributeName: LEDGER_TABLE.ttlAttribute, enabled: true },
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: config.protectData,
      },
      { ...child, ...args.statefulOptions },
    );

    this.deadLetters = new aws.sqs.Queue(
      "recorder-dead-letters",
      { name: args.deadLetterQueueName, messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS, sqsManagedSseEnabled: true },
      child,
    );
    new aws.sqs.QueuePolicy(
      "recorder-dead-letters-policy",
      {
        queueUrl: this.deadLetters.url,
        policy: policyDocument([serviceSendsToQueue("AlarmTopicDeadLetters", "sns.amazonaws.com", this.deadLetters.arn, { ArnEquals: { "aws:SourceArn": args.topicArn } })]),
      },
      child,
    );

    this.recorder = new CanaryFunction(
      "recorder",
      {
        plan: args.plan,
        code: args.code,
        hookCode: args.hookCode,
        environment: {
          [RECORDER_ENV.tableName]: this.table.name,
          [RECORDER_ENV.retentionDays]: String(config.ledgerRetentionDays),
        },
        statements: [
          { Sid: "WriteLedger", Effect: "Allow", Action: RECORDER_TABLE_ACTIONS, Resource: this.table.arn },
          // Lambda's on-failure destination sends with the function's role.
          { Sid: "KeepFailedNotifications", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: this.deadLetters.arn },
        ],
        asyncInvoke: { onFailureArn: this.deadLetters.arn, maximumRetryAttempts: RECORDER_ASYNC_RETRIES, maximumEventAgeInSeconds: RECORDER_MAX_EVENT_AGE_SECONDS },
        logRetentionDays: config.logRetentionDays,
        deploymentConfigName: config.deploymentConfig,
        accountId: args.accountId,
        partition: args.partition,
      },
      child,
    );

    this.subscription = subscribeAliasToTopic("recorder", this.recorder, { topicArn: args.topicArn, deadLetterArn: this.deadLetters.arn }, child);
    this.registerOutputs({ tableName: this.table.name });
  }
}
