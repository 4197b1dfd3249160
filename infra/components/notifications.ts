/**
 * Where alarms go: an SNS topic encrypted with a customer-managed KMS key that CloudWatch may use
 * (CloudWatch cannot publish to a topic under the AWS-managed alias/aws/sns key), a topic policy
 * that lets only this stage's alarms in this account publish. People are subscribed to the
 * notifier's topics (infra/components/notifier.ts), not to this one: the alarm topic carries
 * CloudWatch's raw notifications to the recorder and the notifier. The same key encrypts the
 * stage's secrets in SSM Parameter Store.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { HUMAN_FILTER_POLICY, HUMAN_FILTER_POLICY_SCOPE } from "../../functions/common/contract";
import { STATEFUL_RESOURCES } from "../plan/names";
import { policyDocument } from "./policy";

/**
 * The arguments of a subscription that reaches people: the filter policy that drops `verify`'s test
 * notification. Every human-facing subscription (the e-mail ones today; chat or paging relays
 * later) is created through this, so none can miss it.
 */
export function humanSubscriptionArgs(topicArn: pulumi.Input<string>, protocol: string, endpoint: pulumi.Input<string>): aws.sns.TopicSubscriptionArgs {
  return { topic: topicArn, protocol, endpoint, filterPolicy: JSON.stringify(HUMAN_FILTER_POLICY), filterPolicyScope: HUMAN_FILTER_POLICY_SCOPE };
}

/** What the account may do to administer the key (PutKeyPolicy included, so it can never lock itself out). */
export const KEY_ADMIN_ACTIONS = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
  "kms:RotateKeyOnDemand",
];

export interface NotificationsArgs {
  prefix: string;
  alarmNamePrefix: string;
  region: string;
  accountId: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  /** Options of stateful resources (protect/retainOnDelete in stages that protect data). */
  statefulOptions: pulumi.CustomResourceOptions;
  /** Days KMS waits before deleting the key. */
  keyDeletionWindowDays: number;
  /** The stage keeps secrets in SSM Parameter Store under this key: open it to the account through SSM. */
  keyEncryptsSecrets?: boolean;
}

export class Notifications extends pulumi.ComponentResource {
  public readonly key: aws.kms.Key;
  public readonly topic: aws.sns.Topic;

  constructor(name: string, args: NotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webhealth:infra:Notifications", name, {}, opts);
    const child = { parent: this };
    const { accountId, partition } = args;

    this.key = new aws.kms.Key(
      STATEFUL_RESOURCES.alarmKey.name,
      {
        description: `Encrypts the ${args.prefix} alarm topic`,
        enableKeyRotation: true,
        deletionWindowInDays: args.keyDeletionWindowDays,
        policy: policyDocument([
          // The account administers the key through its IAM policies (the key-administrator action
          // families of AWS's default key policy, without kms:*).
          // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
          { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${accountId}:root` }, Action: KEY_ADMIN_ACTIONS, Resource: "*" },
          // CloudWatch alarms publish to the encrypted topic through SNS with this key.
          // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
          { Sid: "CloudWatchAlarmsEncrypt", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*" },
          // People and the deploy driver's `verify` publish test notifications: SNS uses the key with the
          // publisher's own rights, which the key policy must open to the account, and only through SNS.
          // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
          {
            Sid: "AccountPublishesThroughSns",
            Effect: "Allow",
            Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${accountId}:root` },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
            Condition: { StringEquals: { "kms:ViaService": `sns.${args.region}.amazonaws.com`, "kms:CallerAccount": accountId } },
          },
          // SSM encrypts and decrypts the stage's SecureString parameters with the caller's own rights
          // (the deploy role writes them, the probe roles read theirs): the key policy opens the key to the
          // account's IAM policies, only through SSM in this region, and IAM names who.
          // https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html
          ...(args.keyEncryptsSecrets
            ? [
                {
                  Sid: "AccountUsesThroughSsm",
                  Effect: "Allow" as const,
                  Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${accountId}:root` },
                  Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
                  Resource: "*",
                  Condition: { StringEquals: { "kms:ViaService": `ssm.${args.region}.amazonaws.com`, "kms:CallerAccount": accountId } },
                },
              ]
            : []),
        ]),
      },
      { ...child, ...args.statefulOptions },
    );
    new aws.kms.Alias("alarm-key-alias", { name: `alias/${args.prefix}-alarms`, targetKeyId: this.key.keyId }, child);

    this.topic = new aws.sns.Topic(STATEFUL_RESOURCES.alarmTopic.name, { name: `${args.prefix}-alarms`, kmsMasterKeyId: this.key.arn }, { ...child, ...args.statefulOptions });
    new aws.sns.TopicPolicy(
      "alarm-topic-policy",
      {
        arn: this.topic.arn,
        policy: policyDocument([
          {
            Sid: "OnlyThisStagesAlarms",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["sns:Publish"],
            Resource: this.topic.arn,
            Condition: {
              StringEquals: { "aws:SourceAccount": accountId },
              ArnLike: { "aws:SourceArn": pulumi.interpolate`arn:${partition}:cloudwatch:${args.region}:${accountId}:alarm:${args.alarmNamePrefix}*` },
            },
          },
        ]),
      },
      child,
    );
    this.registerOutputs({ topicArn: this.topic.arn, keyArn: this.key.arn });
  }
}
