// Every policy rule over fake resources: a passing case and each violation with its exact message.
import { expect } from "chai";
import * as policyProxy from "@pulumi/policy/proxy";
import { isUnknownValue, PolicyResource, ResourceRule } from "../../policy/rule-kit";
import * as rules from "../../policy/rules";

const ACCOUNT = "123456789012";
const ALIAS_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:webhealth-beta-probe:live`;
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:webhealth-beta-probe`;
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:webhealth-beta-dlq`;

/** Runs one rule the way the pack does (type filter included) and returns the reported messages. */
function messages(rule: ResourceRule, resource: PolicyResource): string[] {
  const reported: string[] = [];
  if (rule.resourceTypes.includes(resource.type)) rule.validate(resource, (message) => reported.push(message));
  return reported;
}

function resource(type: string, props: Record<string, unknown>, opts?: PolicyResource["opts"]): PolicyResource {
  return { type, name: "r", props, opts };
}

interface Case {
  label: string;
  resource: PolicyResource;
  expected: string[];
}

function table(rule: ResourceRule, cases: Case[]) {
  describe(rule.name, () => {
    for (const { label, resource: input, expected } of cases) {
      it(`${label} -> ${expected.length === 0 ? "no violation" : expected.join(" | ")}`, () => {
        expect(messages(rule, input)).to.deep.equal(expected);
      });
    }
  });
}

/** @pulumi/policy's own preview machinery (internal, untyped): the proxy the pack wraps props in, and the unknown-string sentinel. */
const { unknownCheckingProxy, unknownStringValue } = policyProxy as unknown as {
  unknownCheckingProxy<T extends object>(value: T): T;
  unknownStringValue: string;
};

const document = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe("policy rules", () => {
  table(rules.liveAliasIgnoresCodeDeployFields, [
    {
      label: "live alias ignoring both fields",
      resource: resource(rules.TYPES.alias, { name: "live", functionVersion: "1" }, { ignoreChanges: ["functionVersion", "routingConfig"] }),
      expected: [],
    },
    {
      label: "live alias without options",
      resource: resource(rules.TYPES.alias, { name: "live", functionVersion: "1" }),
      expected: ["ignoreChanges must include functionVersion and routingConfig: CodeDeploy moves the alias during a canary and pulumi up would move it back"],
    },
    {
      label: "live alias ignoring only functionVersion",
      resource: resource(rules.TYPES.alias, { name: "live", functionVersion: "1" }, { ignoreChanges: ["functionVersion"] }),
      expected: ["ignoreChanges must include routingConfig: CodeDeploy moves the alias during a canary and pulumi up would move it back"],
    },
    {
      label: "live alias on $LATEST",
      resource: resource(rules.TYPES.alias, { name: "live", functionVersion: "$LATEST" }, { ignoreChanges: ["functionVersion", "routingConfig"] }),
      expected: ["functionVersion must be a published version, not $LATEST: CodeDeploy cannot shift traffic from $LATEST"],
    },
    { label: "another alias", resource: resource(rules.TYPES.alias, { name: "staging", functionVersion: "$LATEST" }), expected: [] },
  ]);

  const goodGroup = {
    appName: "webhealth-beta-probe",
    deploymentConfigName: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
    alarmConfiguration: { enabled: true, alarms: ["webhealth-beta-probe-live-errors"] },
    autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"] },
  };
  table(rules.deploymentGroupSafeRollout, [
    { label: "a safe Lambda canary group", resource: resource(rules.TYPES.deploymentGroup, goodGroup), expected: [] },
    {
      label: "a custom deployment config",
      resource: resource(rules.TYPES.deploymentGroup, { ...goodGroup, deploymentConfigName: "webhealth-canary-25-percent-3-minutes" }),
      expected: [],
    },
    {
      label: "an empty group",
      resource: resource(rules.TYPES.deploymentGroup, { appName: "a" }),
      expected: [
        "deploymentStyle must be BLUE_GREEN with WITH_TRAFFIC_CONTROL for a Lambda canary, got IN_PLACE with WITHOUT_TRAFFIC_CONTROL",
        "deploymentConfigName must be a Lambda deployment config (CodeDeployDefault.Lambda... or a custom one), got none",
        "alarmConfiguration.enabled must be true: without it CodeDeploy never stops a canary on an alarm",
        "alarmConfiguration.alarms must name at least one alarm (the alias's errors and duration alarms)",
        "autoRollbackConfiguration.enabled must be true: a failed or stopped canary must put the alias back",
        "autoRollbackConfiguration.events must include DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM, DEPLOYMENT_STOP_ON_REQUEST",
      ],
    },
    {
      label: "an EC2 config, alarms disabled and ignored, rollback only on failure",
      resource: resource(rules.TYPES.deploymentGroup, {
        ...goodGroup,
        deploymentConfigName: "CodeDeployDefault.OneAtATime",
        alarmConfiguration: { enabled: false, alarms: ["x"], ignorePollAlarmFailure: true },
        autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE"] },
      }),
      expected: [
        'deploymentConfigName must be a Lambda deployment config (CodeDeployDefault.Lambda... or a custom one), got "CodeDeployDefault.OneAtATime"',
        "alarmConfiguration.enabled must be true: without it CodeDeploy never stops a canary on an alarm",
        "alarmConfiguration.ignorePollAlarmFailure must not be true: a canary must stop when alarm states cannot be read",
        "autoRollbackConfiguration.events must include DEPLOYMENT_STOP_ON_ALARM, DEPLOYMENT_STOP_ON_REQUEST",
      ],
    },
    {
      label: "blue/green without traffic control and no alarms",
      resource: resource(rules.TYPES.deploymentGroup, {
        ...goodGroup,
        deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITHOUT_TRAFFIC_CONTROL" },
        alarmConfiguration: { enabled: true, alarms: [] },
      }),
      expected: [
        "deploymentStyle must be BLUE_GREEN with WITH_TRAFFIC_CONTROL for a Lambda canary, got BLUE_GREEN with WITHOUT_TRAFFIC_CONTROL",
        "alarmConfiguration.alarms must name at least one alarm (the alias's errors and duration alarms)",
      ],
    },
  ]);

  table(rules.snsTopicCustomerManagedKey, [
    { label: "a CMK by ARN", resource: resource(rules.TYPES.topic, { kmsMasterKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd` }), expected: [] },
    { label: "a CMK alias", resource: resource(rules.TYPES.topic, { kmsMasterKeyId: "alias/webhealth-beta" }), expected: [] },
    {
      label: "no key",
      resource: resource(rules.TYPES.topic, { name: "t" }),
      expected: ["kmsMasterKeyId must be set: the topic carries alarm details and must be encrypted at rest"],
    },
    {
      label: "the AWS-managed key",
      resource: resource(rules.TYPES.topic, { kmsMasterKeyId: "alias/aws/sns" }),
      expected: [
        "kmsMasterKeyId must be a customer-managed key, not alias/aws/sns: CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed key",
      ],
    },
    {
      label: "the AWS-managed key by alias ARN",
      resource: resource(rules.TYPES.topic, { kmsMasterKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:alias/aws/sns` }),
      expected: [
        "kmsMasterKeyId must be a customer-managed key, not alias/aws/sns: CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed key",
      ],
    },
  ]);

  table(rules.dynamoDbEncryptedAndRecoverable, [
    {
      label: "encrypted with PITR",
      resource: resource(rules.TYPES.table, { serverSideEncryption: { enabled: true }, pointInTimeRecovery: { enabled: true } }),
      expected: [],
    },
    {
      label: "neither",
      resource: resource(rules.TYPES.table, { billingMode: "PAY_PER_REQUEST" }),
      expected: [
        "serverSideEncryption.enabled must be true: the alarm ledger is encrypted with a KMS key",
        "pointInTimeRecovery.enabled must be true: the alarm history must survive a bad write or a deleted item",
      ],
    },
    {
      label: "PITR disabled",
      resource: resource(rules.TYPES.table, { serverSideEncryption: { enabled: true }, pointInTimeRecovery: { enabled: false } }),
      expected: ["pointInTimeRecovery.enabled must be true: the alarm history must survive a bad write or a deleted item"],
    },
  ]);

  table(rules.kmsKeyRotation, [
    { label: "rotating", resource: resource(rules.TYPES.kmsKey, { enableKeyRotation: true }), expected: [] },
    { label: "not rotating", resource: resource(rules.TYPES.kmsKey, {}), expected: ["enableKeyRotation must be true"] },
  ]);

  const trust = document({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" });
  table(rules.iamNoWildcardActions, [
    {
      label: "a scoped role",
      resource: resource(rules.TYPES.role, {
        assumeRolePolicy: trust,
        inlinePolicies: [{ name: "ledger", policy: document({ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: "arn:aws:dynamodb:us-east-1:1:table/t" }) }],
      }),
      expected: [],
    },
    {
      label: "a role with an object document, a * action and a service wildcard",
      resource: resource(rules.TYPES.role, {
        assumeRolePolicy: trust,
        inlinePolicies: [
          { name: "a", policy: { Version: "2012-10-17", Statement: [{ Sid: "Everything", Effect: "Allow", Action: "*", Resource: "*" }] } },
          { name: "b", policy: document({ Effect: "Allow", Action: ["logs:CreateLogStream", "s3:*"], Resource: "*" }) },
        ],
      }),
      expected: [
        'inlinePolicies[0].policy statement Sid "Everything" allows every action ("*")',
        'inlinePolicies[1].policy statement #0 allows every s3 action ("s3:*")',
      ],
    },
    {
      label: "a trust policy allowing every sts action",
      resource: resource(rules.TYPES.role, { assumeRolePolicy: document({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:*" }) }),
      expected: ['assumeRolePolicy statement #0 allows every sts action ("sts:*")'],
    },
    {
      label: "action families and Deny wildcards",
      resource: resource("aws:iam/rolePolicy:RolePolicy", {
        policy: document(
          { Effect: "Allow", Action: ["kms:Describe*", "kms:Get*"], Resource: "*" },
          { Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
        ),
      }),
      expected: [],
    },
    {
      label: "NotAction and a cross-service wildcard",
      resource: resource("aws:iam/policy:Policy", {
        policy: document({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }, { Effect: "Allow", Action: "*:Get*", Resource: "*" }),
      }),
      expected: [
        "policy statement #0 uses NotAction with Allow, which allows every action not listed",
        'policy statement #1 allows actions of every service ("*:Get*")',
      ],
    },
    {
      label: "a KMS key policy's default statement (kms:* for the account root alone)",
      resource: resource(rules.TYPES.kmsKey, {
        enableKeyRotation: true,
        policy: document({ Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }),
      }),
      expected: [],
    },
    {
      label: "a KMS key policy giving kms:* to a role, and * to the root",
      resource: resource("aws:kms/keyPolicy:KeyPolicy", {
        policy: document(
          { Sid: "Role", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/ops` }, Action: "kms:*", Resource: "*" },
          { Sid: "Root", Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: "*", Resource: "*" },
          { Sid: "Two", Effect: "Allow", Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:root`, "arn:aws:iam::210987654321:root"] }, Action: "kms:*", Resource: "*" },
        ),
      }),
      expected: [
        'policy statement Sid "Role" allows every kms action ("kms:*")',
        'policy statement Sid "Root" allows every action ("*")',
        'policy statement Sid "Two" allows every kms action ("kms:*")',
      ],
    },
    {
      label: "kms:* for the root outside a key policy",
      resource: resource("aws:iam/policy:Policy", { policy: document({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }) }),
      expected: ['policy statement #0 allows every kms action ("kms:*")'],
    },
    { label: "a policy that is not JSON", resource: resource("aws:iam/policy:Policy", { policy: "{not json" }), expected: ["policy is not valid JSON"] },
    {
      label: "a Lambda permission for lambda:*",
      resource: resource(rules.TYPES.permission, { action: "lambda:*", principal: "events.amazonaws.com" }),
      expected: ['action "lambda:*" allows every lambda action: grant lambda:InvokeFunction only'],
    },
    { label: "a Lambda permission to invoke", resource: resource(rules.TYPES.permission, { action: "lambda:InvokeFunction" }), expected: [] },
    {
      label: "AdministratorAccess attached",
      resource: resource(rules.TYPES.rolePolicyAttachment, { role: "r", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }),
      expected: ['policyArn "arn:aws:iam::aws:policy/AdministratorAccess" grants whole services: write a least-privilege policy instead'],
    },
    {
      label: "the basic execution role attached",
      resource: resource(rules.TYPES.rolePolicyAttachment, { role: "r", policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" }),
      expected: [],
    },
    {
      label: "a role with a FullAccess managed policy",
      resource: resource(rules.TYPES.role, { assumeRolePolicy: trust, managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"] }),
      expected: ['managedPolicyArns includes "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess", which grants whole services: write a least-privilege policy instead'],
    },
    {
      label: "a topic policy for CloudWatch",
      resource: resource("aws:sns/topicPolicy:TopicPolicy", {
        policy: document({ Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:*", Resource: "*" }),
      }),
      expected: ['policy statement #0 allows every sns action ("sns:*")'],
    },
  ]);

  table(rules.putMetricDataNamespaceCondition, [
    {
      label: "PutMetricData limited to the namespace",
      resource: resource("aws:iam/rolePolicy:RolePolicy", {
        policy: document({ Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": "WebHealth" } } }),
      }),
      expected: [],
    },
    {
      label: "PutMetricData without a condition",
      resource: resource(rules.TYPES.role, {
        inlinePolicies: [{ name: "metrics", policy: document({ Sid: "Metrics", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*" }) }],
      }),
      expected: ['inlinePolicies[0].policy statement Sid "Metrics" allows cloudwatch:PutMetricData without a cloudwatch:namespace condition'],
    },
    {
      label: "cloudwatch:Put* without a condition",
      resource: resource("aws:iam/policy:Policy", { policy: document({ Effect: "Allow", Action: "cloudwatch:put*", Resource: "*" }) }),
      expected: ["policy statement #0 allows cloudwatch:PutMetricData without a cloudwatch:namespace condition"],
    },
    {
      label: "a topic policy is not an identity policy",
      resource: resource("aws:sns/topicPolicy:TopicPolicy", { policy: document({ Effect: "Allow", Principal: "*", Action: "cloudwatch:PutMetricData" }) }),
      expected: [],
    },
  ]);

  table(rules.resourcePolicyScopedPrincipals, [
    {
      label: "CloudWatch pinned to the account",
      resource: resource("aws:sns/topicPolicy:TopicPolicy", {
        policy: document({
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: "arn:aws:sns:us-east-1:1:t",
          Condition: { StringEquals: { "AWS:SourceAccount": ACCOUNT }, ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:*` } },
        }),
      }),
      expected: [],
    },
    {
      label: "SNS and EventBridge writing to a DLQ without conditions, and anyone",
      resource: resource("aws:sqs/queuePolicy:QueuePolicy", {
        policy: document(
          { Effect: "Allow", Principal: { Service: ["sns.amazonaws.com", "events.amazonaws.com"] }, Action: "sqs:SendMessage", Resource: QUEUE_ARN },
          { Sid: "Anyone", Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: QUEUE_ARN },
        ),
      }),
      expected: [
        "policy statement #0 allows sns.amazonaws.com without an aws:SourceAccount or aws:SourceArn condition",
        "policy statement #0 allows events.amazonaws.com without an aws:SourceAccount or aws:SourceArn condition",
        'policy statement Sid "Anyone" allows any principal without a condition',
      ],
    },
    { label: "a topic without a policy", resource: resource(rules.TYPES.topic, { kmsMasterKeyId: "alias/k" }), expected: [] },
  ]);

  const availability = { metricName: "Check", extendedStatistic: "PR(5000000:20000000)", namespace: "WebHealth", period: 60, evaluationPeriods: 3, datapointsToAlarm: 2 };
  table(rules.availabilityAlarmBreachesOnMissingData, [
    { label: "availability, breaching", resource: resource(rules.TYPES.metricAlarm, { ...availability, treatMissingData: "breaching" }), expected: [] },
    {
      label: "availability, default missing-data handling",
      resource: resource(rules.TYPES.metricAlarm, availability),
      expected: ['treatMissingData must be "breaching" on an availability alarm, got "missing": a dead probe must not look healthy'],
    },
    {
      label: "availability quorum through metric math, notBreaching",
      resource: resource(rules.TYPES.metricAlarm, {
        evaluationPeriods: 3,
        treatMissingData: "notBreaching",
        metricQueries: [
          { id: "a", metric: { metricName: "Check", namespace: "WebHealth", period: 60, stat: "PR(5000000:20000000)" } },
          { id: "down", expression: "a / 100", returnData: true },
        ],
      }),
      expected: ['treatMissingData must be "breaching" on an availability alarm, got "notBreaching": a dead probe must not look healthy'],
    },
    { label: "latency (slow checks of the same metric), default", resource: resource(rules.TYPES.metricAlarm, { ...availability, extendedStatistic: "PR(2000:5000000)" }), expected: [] },
  ]);

  table(rules.alarmWithinCloudWatchLimits, [
    { label: "3 of 1-minute periods", resource: resource(rules.TYPES.metricAlarm, availability), expected: [] },
    {
      label: "1441 one-minute periods and 1442 datapoints",
      resource: resource(rules.TYPES.metricAlarm, { ...availability, evaluationPeriods: 1441, datapointsToAlarm: 1442 }),
      expected: ["period 60 x evaluationPeriods 1441 = 86460 s exceeds CloudWatch's 86400 s", "datapointsToAlarm 1442 exceeds evaluationPeriods 1441"],
    },
    { label: "7 daily periods", resource: resource(rules.TYPES.metricAlarm, { ...availability, period: 86400, evaluationPeriods: 7, datapointsToAlarm: 1 }), expected: [] },
    {
      label: "eleven metrics and no returned value",
      resource: resource(rules.TYPES.metricAlarm, {
        evaluationPeriods: 1,
        metricQueries: Array.from({ length: 11 }, (_, index) => ({ id: `m${index}`, metric: { metricName: "Availability", period: 60, stat: "Minimum" } })),
      }),
      expected: ["metricQueries read 11 metrics, more than CloudWatch's 10 per alarm", "metricQueries must return exactly one value (returnData true), got 0"],
    },
  ]);

  const topicArn = `arn:aws:sns:us-east-1:${ACCOUNT}:webhealth-beta-alarms`;
  table(rules.alarmNotifiesOnOk, [
    { label: "ALARM and OK", resource: resource(rules.TYPES.metricAlarm, { alarmActions: [topicArn], okActions: [topicArn] }), expected: [] },
    { label: "no actions (a deployment-group alarm)", resource: resource(rules.TYPES.metricAlarm, {}), expected: [] },
    {
      label: "ALARM only",
      resource: resource(rules.TYPES.metricAlarm, { alarmActions: [topicArn] }),
      expected: ["okActions must be set when alarmActions are: recoveries must reach people and the alarm ledger"],
    },
  ]);

  const goodTarget = { rule: "webhealth-beta-probe-schedule", arn: ALIAS_ARN, retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 }, deadLetterConfig: { arn: QUEUE_ARN } };
  table(rules.eventTargetsLiveAlias, [
    { label: "the live alias", resource: resource(rules.TYPES.eventTarget, goodTarget), expected: [] },
    {
      label: "the bare function",
      resource: resource(rules.TYPES.eventTarget, { ...goodTarget, arn: FUNCTION_ARN }),
      expected: [`arn must be the function's live alias (…:function:<name>:live); "${FUNCTION_ARN}" is the unqualified function, which runs $LATEST`],
    },
    {
      label: "$LATEST",
      resource: resource(rules.TYPES.eventTarget, { ...goodTarget, arn: `${FUNCTION_ARN}:$LATEST` }),
      expected: [`arn must be the function's live alias (…:function:<name>:live); "${FUNCTION_ARN}:$LATEST" is $LATEST`],
    },
    {
      label: "a pinned version",
      resource: resource(rules.TYPES.eventTarget, { ...goodTarget, arn: `${FUNCTION_ARN}:7` }),
      expected: [`arn must be the function's live alias (…:function:<name>:live); "${FUNCTION_ARN}:7" is qualified by "7"`],
    },
    { label: "an SQS target", resource: resource(rules.TYPES.eventTarget, { rule: "r", arn: QUEUE_ARN }), expected: [] },
  ]);

  table(rules.lambdaEventTargetNoRetryWithDlq, [
    { label: "no retries and a DLQ", resource: resource(rules.TYPES.eventTarget, goodTarget), expected: [] },
    {
      label: "EventBridge defaults",
      resource: resource(rules.TYPES.eventTarget, { rule: "r", arn: ALIAS_ARN }),
      expected: [
        "retryPolicy.maximumRetryAttempts must be 0, got none (EventBridge's default retries for 24 hours)",
        "deadLetterConfig.arn must be set: an event that cannot be delivered is otherwise lost silently",
      ],
    },
    {
      label: "two retries",
      resource: resource(rules.TYPES.eventTarget, { ...goodTarget, retryPolicy: { maximumRetryAttempts: 2 } }),
      expected: ["retryPolicy.maximumRetryAttempts must be 0, got 2 (EventBridge's default retries for 24 hours)"],
    },
  ]);

  table(rules.eventTargetInputWithinLimit, [
    { label: "8,192 characters", resource: resource(rules.TYPES.eventTarget, { ...goodTarget, input: "x".repeat(8192) }), expected: [] },
    {
      label: "8,193 characters",
      resource: resource(rules.TYPES.eventTarget, { ...goodTarget, input: "x".repeat(8193) }),
      expected: ["input is 8193 characters, more than EventBridge's 8192"],
    },
    {
      label: "an input template of 8,193 characters",
      resource: resource(rules.TYPES.eventTarget, { ...goodTarget, inputTransformer: { inputPaths: { time: "$.time" }, inputTemplate: "x".repeat(8193) } }),
      expected: ["inputTransformer.inputTemplate is 8193 characters, more than EventBridge's 8192"],
    },
  ]);

  const goodPermission = {
    action: "lambda:InvokeFunction",
    function: "webhealth-beta-probe",
    principal: "events.amazonaws.com",
    qualifier: "live",
    sourceArn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/webhealth-beta-probe-schedule`,
  };
  table(rules.lambdaPermissionQualifiedByAlias, [
    { label: "qualified by live", resource: resource(rules.TYPES.permission, goodPermission), expected: [] },
    { label: "an alias ARN as function", resource: resource(rules.TYPES.permission, { ...goodPermission, qualifier: undefined, function: ALIAS_ARN }), expected: [] },
    {
      label: "unqualified and unscoped",
      resource: resource(rules.TYPES.permission, { ...goodPermission, qualifier: undefined, sourceArn: undefined }),
      expected: [
        'qualifier must be "live" so events.amazonaws.com may invoke the alias it targets, got none',
        "sourceArn must be set so only our own rule or topic can use this grant",
      ],
    },
    {
      label: "SNS on a version",
      resource: resource(rules.TYPES.permission, { ...goodPermission, principal: "sns.amazonaws.com", qualifier: "3" }),
      expected: ['qualifier must be "live" so sns.amazonaws.com may invoke the alias it targets, got "3"'],
    },
    { label: "another principal", resource: resource(rules.TYPES.permission, { ...goodPermission, principal: "s3.amazonaws.com", qualifier: undefined }), expected: [] },
  ]);

  const goodSubscription = {
    protocol: "lambda",
    topic: topicArn,
    endpoint: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:webhealth-beta-recorder:live`,
    redrivePolicy: JSON.stringify({ deadLetterTargetArn: QUEUE_ARN }),
  };
  table(rules.snsLambdaSubscriptionLiveAliasWithDlq, [
    { label: "the alias with a DLQ", resource: resource(rules.TYPES.topicSubscription, goodSubscription), expected: [] },
    {
      label: "the bare function, no redrive policy",
      resource: resource(rules.TYPES.topicSubscription, { ...goodSubscription, endpoint: FUNCTION_ARN, redrivePolicy: undefined }),
      expected: [
        `endpoint must be the function's live alias (…:function:<name>:live); "${FUNCTION_ARN}" is the unqualified function, which runs $LATEST`,
        "redrivePolicy must name a deadLetterTargetArn: SNS drops a message it cannot deliver after its retries",
      ],
    },
    {
      label: "a redrive policy that is not JSON",
      resource: resource(rules.TYPES.topicSubscription, { ...goodSubscription, redrivePolicy: "{" }),
      expected: ["redrivePolicy must name a deadLetterTargetArn: SNS drops a message it cannot deliver after its retries"],
    },
    { label: "an email subscription", resource: resource(rules.TYPES.topicSubscription, { protocol: "email", endpoint: "ops@example.com" }), expected: [] },
  ]);

  table(rules.lambdaRuntimeAndArchitecture, [
    { label: "nodejs24.x on arm64", resource: resource(rules.TYPES.function, { runtime: "nodejs24.x", architectures: ["arm64"] }), expected: [] },
    {
      label: "defaults",
      resource: resource(rules.TYPES.function, { runtime: "nodejs20.x" }),
      expected: ['runtime must be nodejs24.x, got "nodejs20.x"', 'architectures must be ["arm64"], got none (x86_64)'],
    },
    {
      label: "x86_64",
      resource: resource(rules.TYPES.function, { runtime: "nodejs24.x", architectures: ["x86_64"] }),
      expected: ['architectures must be ["arm64"], got ["x86_64"]'],
    },
  ]);

  describe(rules.eventTargetHasPermission.name, () => {
    const target = { type: rules.TYPES.eventTarget, name: "probe-target", props: goodTarget };
    const permission = { type: rules.TYPES.permission, name: "probe-permission", props: goodPermission };
    function stackMessages(resources: PolicyResource[]): Array<[string, string]> {
      const reported: Array<[string, string]> = [];
      rules.eventTargetHasPermission.validateStack(resources, (message, where) => reported.push([where.name, message]));
      return reported;
    }

    it("accepts a target with a matching permission (by name or by ARN)", () => {
      expect(stackMessages([target, permission])).to.deep.equal([]);
      expect(stackMessages([target, { ...permission, props: { ...goodPermission, function: FUNCTION_ARN } }])).to.deep.equal([]);
    });

    const missing = "no aws:lambda/permission:Permission lets events.amazonaws.com invoke webhealth-beta-probe:live: EventBridge's invocations would fail";
    const mismatches: Array<[string, Record<string, unknown>]> = [
      ["no qualifier", { ...goodPermission, qualifier: undefined }],
      ["another function", { ...goodPermission, function: "webhealth-beta-recorder" }],
      ["another principal", { ...goodPermission, principal: "sns.amazonaws.com" }],
      ["another region", { ...goodPermission, function: FUNCTION_ARN.replace("us-east-1", "eu-west-1") }],
    ];
    for (const [label, props] of mismatches) {
      it(`reports the target when the only permission has ${label}`, () => {
        expect(stackMessages([target, { ...permission, props }])).to.deep.equal([["probe-target", missing]]);
      });
    }
  });

  describe("values unknown during preview", () => {
    it("a rule reports what it can check and then rethrows the unknown value for Pulumi's advisory note", () => {
      const props = unknownCheckingProxy({ name: "live", functionVersion: unknownStringValue });
      const reported: string[] = [];

      let thrown: unknown;
      try {
        rules.liveAliasIgnoresCodeDeployFields.validate({ type: rules.TYPES.alias, name: "a", props, opts: { ignoreChanges: [] } }, (message) => reported.push(message));
      } catch (error) {
        thrown = error;
      }

      expect(reported).to.deep.equal([
        "ignoreChanges must include functionVersion and routingConfig: CodeDeploy moves the alias during a canary and pulumi up would move it back",
      ]);
      expect(isUnknownValue(thrown)).to.equal(true);
      expect((thrown as Error).message).to.equal("string value at .functionVersion can't be known during preview");
    });

    it("the stack rule checks every known target even when another target's ARN is unknown", () => {
      const unknownTarget = { type: rules.TYPES.eventTarget, name: "unknown", props: unknownCheckingProxy({ rule: "r1", arn: unknownStringValue }) };
      const knownTarget = { type: rules.TYPES.eventTarget, name: "known", props: unknownCheckingProxy({ rule: "r2", arn: ALIAS_ARN }) };
      const reported: string[] = [];

      let thrown: unknown;
      try {
        rules.eventTargetHasPermission.validateStack([unknownTarget, knownTarget], (_message, where) => reported.push(where.name));
      } catch (error) {
        thrown = error;
      }

      expect(reported).to.deep.equal(["known"]);
      expect(isUnknownValue(thrown)).to.equal(true);
    });
  });

  it("every rule has a unique, stable kebab-case name and a description", () => {
    const names = [...rules.RESOURCE_RULES, ...rules.STACK_RULES].map((rule) => rule.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const rule of [...rules.RESOURCE_RULES, ...rules.STACK_RULES]) {
      expect(rule.name).to.match(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(rule.description.length).to.be.greaterThan(20);
    }
  });
});
