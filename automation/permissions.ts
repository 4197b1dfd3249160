/**
 * What a stage's deploy role must be allowed to do: every action `pulumi up` (through the AWS
 * provider) calls for the resource types the program creates, and every action the driver sends
 * (`up`'s canaries, `verify`, `rollback`, `outputs`). The README's deploy-role policy is printed
 * from this (tests/automation/permissions.test.ts checks the README shows exactly this, that every
 * action exists in the IAM Service Authorization Reference, that every resource type of the
 * program's synth has an entry, and that every SDK command in automation/ is covered).
 *
 * The provider's calls per resource type follow the AWS APIs the Terraform AWS provider (which
 * Pulumi's wraps) uses to create, read, update, tag and delete each resource; AWS publishes no list
 * of them, so a call missing here shows up as an AccessDenied naming the action in `pulumi up`'s
 * output: add it here.
 */

/** Pulumi resource type token -> the IAM actions the provider needs to manage it. */
export const PROGRAM_ACTIONS: Record<string, readonly string[]> = {
  "pulumi:providers:aws": ["sts:GetCallerIdentity"],
  // The SLO burn-rate alarms (webhealth:slo.burnRateAlarms): PutCompositeAlarm creates and updates them, tags as for metric alarms.
  "aws:cloudwatch/compositeAlarm:CompositeAlarm": ["cloudwatch:PutCompositeAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms", "cloudwatch:ListTagsForResource", "cloudwatch:TagResource", "cloudwatch:UntagResource"],
  "aws:cloudwatch/dashboard:Dashboard": ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards", "cloudwatch:ListDashboards"],
  "aws:cloudwatch/eventRule:EventRule": [
    "events:PutRule",
    "events:DescribeRule",
    "events:DeleteRule",
    "events:EnableRule",
    "events:DisableRule",
    "events:ListTagsForResource",
    "events:TagResource",
    "events:UntagResource",
  ],
  "aws:cloudwatch/eventTarget:EventTarget": ["events:PutTargets", "events:ListTargetsByRule", "events:RemoveTargets"],
  "aws:cloudwatch/logGroup:LogGroup": [
    "logs:CreateLogGroup",
    "logs:DescribeLogGroups",
    "logs:DeleteLogGroup",
    "logs:PutRetentionPolicy",
    "logs:DeleteRetentionPolicy",
    "logs:ListTagsForResource",
    "logs:TagResource",
    "logs:UntagResource",
  ],
  "aws:cloudwatch/metricAlarm:MetricAlarm": ["cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms", "cloudwatch:ListTagsForResource", "cloudwatch:TagResource", "cloudwatch:UntagResource"],
  "aws:codedeploy/application:Application": [
    "codedeploy:CreateApplication",
    "codedeploy:GetApplication",
    "codedeploy:UpdateApplication",
    "codedeploy:DeleteApplication",
    "codedeploy:ListTagsForResource",
    "codedeploy:TagResource",
    "codedeploy:UntagResource",
  ],
  // Creating a group passes its CodeDeploy service role: iam:PassRole, limited to codedeploy.amazonaws.com below.
  "aws:codedeploy/deploymentGroup:DeploymentGroup": [
    "codedeploy:CreateDeploymentGroup",
    "codedeploy:GetDeploymentGroup",
    "codedeploy:UpdateDeploymentGroup",
    "codedeploy:DeleteDeploymentGroup",
    "iam:PassRole",
  ],
  "aws:dynamodb/table:Table": [
    "dynamodb:CreateTable",
    "dynamodb:DescribeTable",
    "dynamodb:UpdateTable",
    "dynamodb:DeleteTable",
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:UpdateContinuousBackups",
    "dynamodb:DescribeTimeToLive",
    "dynamodb:UpdateTimeToLive",
    "dynamodb:ListTagsOfResource",
    "dynamodb:TagResource",
    "dynamodb:UntagResource",
  ],
  "aws:iam/role:Role": [
    "iam:CreateRole",
    "iam:GetRole",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRole",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:TagRole",
    "iam:UntagRole",
  ],
  "aws:iam/rolePolicy:RolePolicy": ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
  "aws:kms/alias:Alias": ["kms:CreateAlias", "kms:ListAliases", "kms:UpdateAlias", "kms:DeleteAlias"],
  "aws:kms/key:Key": [
    "kms:CreateKey",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:UpdateKeyDescription",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:ListResourceTags",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
  ],
  "aws:lambda/alias:Alias": ["lambda:CreateAlias", "lambda:GetAlias", "lambda:UpdateAlias", "lambda:DeleteAlias"],
  // Creating a function passes its execution role: iam:PassRole, limited to lambda.amazonaws.com below.
  "aws:lambda/function:Function": [
    "lambda:CreateFunction",
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetRuntimeManagementConfig",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:PublishVersion",
    "lambda:ListVersionsByFunction",
    "lambda:DeleteFunction",
    "lambda:ListTags",
    "lambda:TagResource",
    "lambda:UntagResource",
    "iam:PassRole",
  ],
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": [
    "lambda:PutFunctionEventInvokeConfig",
    "lambda:GetFunctionEventInvokeConfig",
    "lambda:UpdateFunctionEventInvokeConfig",
    "lambda:DeleteFunctionEventInvokeConfig",
  ],
  "aws:lambda/permission:Permission": ["lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"],
  "aws:sns/topic:Topic": ["sns:CreateTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:DeleteTopic", "sns:ListTagsForResource", "sns:TagResource", "sns:UntagResource"],
  "aws:sns/topicPolicy:TopicPolicy": ["sns:SetTopicAttributes", "sns:GetTopicAttributes"],
  "aws:sns/topicSubscription:TopicSubscription": ["sns:Subscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:Unsubscribe"],
  "aws:sqs/queue:Queue": ["sqs:CreateQueue", "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:DeleteQueue", "sqs:ListQueueTags", "sqs:TagQueue", "sqs:UntagQueue"],
  "aws:sqs/queuePolicy:QueuePolicy": ["sqs:SetQueueAttributes", "sqs:GetQueueAttributes"],
  // A stage's secrets (webhealth:secrets): SecureString parameters under the stage key, which SSM
  // encrypts (PutParameter) and decrypts (the provider reads the value back) with the caller's KMS
  // rights; the key policy lets IAM grant them through SSM only (infra/components/notifications.ts).
  "aws:ssm/parameter:Parameter": [
    "ssm:PutParameter",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:DescribeParameters",
    "ssm:DeleteParameter",
    "ssm:AddTagsToResource",
    "ssm:RemoveTagsFromResource",
    "ssm:ListTagsForResource",
    "kms:Encrypt",
    "kms:Decrypt",
  ],
};

/**
 * What the driver sends. Every SDK command in automation/ maps to one of these (`InvokeCommand` is
 * `lambda:InvokeFunction`); CreateDeployment also needs the revision and config reads CodeDeploy
 * makes on the caller's behalf, and `UpdateDeploymentGroup` for its `overrideAlarmConfiguration`
 * (rollbacks). https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html
 */
export const DRIVER_ACTIONS: readonly string[] = [
  "lambda:GetAlias",
  "lambda:ListVersionsByFunction",
  "lambda:InvokeFunction",
  "codedeploy:ListDeployments",
  "codedeploy:CreateDeployment",
  "codedeploy:GetDeployment",
  "codedeploy:GetDeploymentGroup",
  "codedeploy:ListDeploymentTargets",
  "codedeploy:GetDeploymentTarget",
  "codedeploy:GetDeploymentConfig",
  "codedeploy:RegisterApplicationRevision",
  "codedeploy:GetApplicationRevision",
  "codedeploy:UpdateDeploymentGroup",
  "cloudwatch:DescribeAlarms",
  "cloudwatch:GetMetricData",
  "sns:Publish",
  "sns:ListSubscriptionsByTopic",
  "sns:GetSubscriptionAttributes",
  "dynamodb:GetItem",
  "dynamodb:DeleteItem",
];

/**
 * SNS encrypts a published message with the publisher's KMS rights (the program's key policy
 * delegates these two, through SNS only); the integration tests read metrics and query the ledger.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 */
export const SUPPORT_ACTIONS: readonly string[] = ["kms:GenerateDataKey", "kms:Decrypt", "cloudwatch:ListMetrics", "cloudwatch:GetMetricStatistics", "dynamodb:Query"];

/** The services a role is passed to (`iam:PassedToService`): the functions' and the deployment groups' roles. */
export const PASSED_TO_SERVICES = ["lambda.amazonaws.com", "codedeploy.amazonaws.com"] as const;

function sorted(actions: Iterable<string>): string[] {
  return [...new Set(actions)].sort((a, b) => a.localeCompare(b));
}

/**
 * The deploy role's identity policy: everything above on `*` (scope it to `webhealth-<stage>-*`
 * resource names if you like: the program names every resource that way), and iam:PassRole in
 * its own statement, only to Lambda and CodeDeploy. The state bucket's S3 rights are separate
 * (see the README).
 */
export function deployRolePolicy(): { Version: string; Statement: Array<Record<string, unknown>> } {
  const all = [...Object.values(PROGRAM_ACTIONS).flat(), ...DRIVER_ACTIONS, ...SUPPORT_ACTIONS].filter((action) => action !== "iam:PassRole");
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "DeployAndVerifyWebhealth", Effect: "Allow", Action: sorted(all), Resource: "*" },
      { Sid: "PassFunctionAndDeploymentRoles", Effect: "Allow", Action: "iam:PassRole", Resource: "*", Condition: { StringEquals: { "iam:PassedToService": [...PASSED_TO_SERVICES] } } },
    ],
  };
}

/**
 * What a stage's read-only preview role needs besides the AWS managed policy `ReadOnlyAccess`. A
 * preview refreshes first (`pulumi preview --refresh`), and the provider reads an SSM parameter
 * back decrypted (GetParameter with WithDecryption, which the Terraform AWS provider always asks
 * for), so SSM decrypts the stage's SecureString secrets with the caller's own kms:Decrypt on the
 * stage key; ReadOnlyAccess holds only kms:Describe*, kms:Get* and kms:List*. Through SSM only, as
 * the key policy opens the key to the account (infra/components/notifications.ts). It reveals no
 * more than the preview job already can: it holds PULUMI_CONFIG_PASSPHRASE, which decrypts the
 * same secrets in Pulumi.<stage>.yaml.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html
 */
export function previewRolePolicy(): { Version: string; Statement: Array<Record<string, unknown>> } {
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "RefreshStageSecrets", Effect: "Allow", Action: "kms:Decrypt", Resource: "*", Condition: { StringLike: { "kms:ViaService": "ssm.*.amazonaws.com" } } }],
  };
}
