/**
 * What `pulumi up` asks AWS for: each resource type of the synthesised plan mapped to the API
 * request(s) the AWS provider (pulumi-aws, built on terraform-provider-aws) sends to create it, as
 * the AWS API names the members. The one table of this mapping: a resource type missing here fails
 * the contract tests, so every resource a later change adds must be mapped first.
 *
 * The translation follows each resource's arguments as the provider documents them
 * (https://www.pulumi.com/registry/packages/aws/api-docs/ and the matching
 * https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ page), including
 * the defaults the provider documents and sends when an argument is left out (a role's path "/",
 * a queue's visibility timeout 30 s, a rule's state ENABLED...). What the provider sends could
 * only be read from its documentation here, not observed.
 */
import { autoName, mockKeyId, type SynthRecord } from "../../infra/synth";

export interface AwsRequest {
  /** The aws-sdk v2 model name (the endpoint prefix), e.g. `monitoring` for CloudWatch. */
  service: ModelService;
  /** The API operation, e.g. `PutMetricAlarm`. */
  operation: string;
  params: Record<string, unknown>;
}

/** The aws-sdk v2 model of each service the program touches (`aws-sdk/apis/<service>-<apiVersion>.min.json`). */
export const API_VERSIONS = {
  monitoring: "2010-08-01",
  events: "2015-10-07",
  logs: "2014-03-28",
  codedeploy: "2014-10-06",
  dynamodb: "2012-08-10",
  iam: "2010-05-08",
  kms: "2014-11-01",
  lambda: "2015-03-31",
  sns: "2010-03-31",
  sqs: "2012-11-05",
  ssm: "2014-11-06",
} as const;
export type ModelService = keyof typeof API_VERSIONS;

type Inputs = Record<string, unknown>;

interface RequestMapping {
  /** The operations the mapping produces (the constraint table is generated for exactly these). */
  operations: ReadonlyArray<[ModelService, string]>;
  requests(record: SynthRecord): AwsRequest[];
}

/** Removes undefined members: the provider leaves unset optional arguments out of the request. */
function defined(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
}

function request(service: ModelService, operation: string, params: Record<string, unknown>): AwsRequest {
  return { service, operation, params: defined(params) };
}

const list = (value: unknown): Inputs[] => (Array.isArray(value) ? (value as Inputs[]) : []);
const dimensionList = (dimensions: unknown) =>
  dimensions && typeof dimensions === "object" ? Object.entries(dimensions as Record<string, string>).map(([Name, Value]) => ({ Name, Value })) : undefined;

/** A string map as SQS and SNS attributes carry it: every value a string. */
function attributes(values: Record<string, unknown>): Record<string, string> | undefined {
  const entries = Object.entries(values).filter(([, value]) => value !== undefined);
  return entries.length ? Object.fromEntries(entries.map(([key, value]) => [key, String(value)])) : undefined;
}

/** A Lambda deployment package as the mocks summarise it (`{ archive: { "index.js": { bytes } } }`): a buffer of that size. */
function zipFile(code: unknown): Buffer {
  const archive = (code as { archive?: Record<string, { bytes?: number }> } | undefined)?.archive ?? {};
  const bytes = Object.values(archive).reduce((sum, asset) => sum + (asset.bytes ?? 0), 0);
  return Buffer.alloc(Math.max(bytes, 1));
}

/** The KMS key id the mocks give a key (a key's ARN ends in `key/<id>`). */
function keyIdOf(record: SynthRecord, inputs: Inputs): string {
  return String(inputs.keyId ?? mockKeyId(record.name));
}

export const RESOURCE_REQUESTS: Record<string, RequestMapping> = {
  // The provider is configuration of the engine, not an AWS resource.
  "pulumi:providers:aws": { operations: [], requests: () => [] },

  // https://www.pulumi.com/registry/packages/aws/api-docs/cloudwatch/dashboard/
  "aws:cloudwatch/dashboard:Dashboard": {
    operations: [["monitoring", "PutDashboard"]],
    requests: ({ inputs }) => [request("monitoring", "PutDashboard", { DashboardName: inputs.dashboardName, DashboardBody: inputs.dashboardBody })],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/cloudwatch/eventrule/ (state defaults to ENABLED)
  "aws:cloudwatch/eventRule:EventRule": {
    operations: [["events", "PutRule"]],
    requests: ({ inputs }) => [
      request("events", "PutRule", {
        Name: inputs.name,
        Description: inputs.description,
        ScheduleExpression: inputs.scheduleExpression,
        EventPattern: inputs.eventPattern,
        EventBusName: inputs.eventBusName,
        State: inputs.state ?? "ENABLED",
      }),
    ],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/cloudwatch/eventtarget/
  "aws:cloudwatch/eventTarget:EventTarget": {
    operations: [["events", "PutTargets"]],
    requests: ({ inputs }) => {
      const retry = inputs.retryPolicy as Inputs | undefined;
      const deadLetter = inputs.deadLetterConfig as Inputs | undefined;
      return [
        request("events", "PutTargets", {
          Rule: inputs.rule,
          EventBusName: inputs.eventBusName,
          Targets: [
            defined({
              Id: inputs.targetId,
              Arn: inputs.arn,
              Input: inputs.input,
              InputTransformer: inputs.inputTransformer
                ? defined({
                    InputPathsMap: (inputs.inputTransformer as Inputs).inputPaths,
                    InputTemplate: (inputs.inputTransformer as Inputs).inputTemplate,
                  })
                : undefined,
              RoleArn: inputs.roleArn,
              RetryPolicy: retry ? defined({ MaximumRetryAttempts: retry.maximumRetryAttempts, MaximumEventAgeInSeconds: retry.maximumEventAgeInSeconds }) : undefined,
              DeadLetterConfig: deadLetter ? { Arn: deadLetter.arn } : undefined,
            }),
          ],
        }),
      ];
    },
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/cloudwatch/loggroup/ (logGroupClass defaults to STANDARD)
  "aws:cloudwatch/logGroup:LogGroup": {
    operations: [
      ["logs", "CreateLogGroup"],
      ["logs", "PutRetentionPolicy"],
    ],
    requests: ({ inputs }) => [
      request("logs", "CreateLogGroup", { logGroupName: inputs.name, kmsKeyId: inputs.kmsKeyId, logGroupClass: inputs.logGroupClass ?? "STANDARD" }),
      ...(inputs.retentionInDays === undefined ? [] : [request("logs", "PutRetentionPolicy", { logGroupName: inputs.name, retentionInDays: inputs.retentionInDays })]),
    ],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/cloudwatch/metricalarm/
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    operations: [["monitoring", "PutMetricAlarm"]],
    requests: ({ inputs }) => [
      request("monitoring", "PutMetricAlarm", {
        AlarmName: inputs.name,
        AlarmDescription: inputs.alarmDescription,
        ActionsEnabled: inputs.actionsEnabled ?? true,
        AlarmActions: inputs.alarmActions,
        OKActions: inputs.okActions,
        InsufficientDataActions: inputs.insufficientDataActions,
        MetricName: inputs.metricName,
        Namespace: inputs.namespace,
        Statistic: inputs.statistic,
        ExtendedStatistic: inputs.extendedStatistic,
        Dimensions: dimensionList(inputs.dimensions),
        Period: inputs.period,
        Unit: inputs.unit,
        EvaluationPeriods: inputs.evaluationPeriods,
        DatapointsToAlarm: inputs.datapointsToAlarm,
        Threshold: inputs.threshold,
        ComparisonOperator: inputs.comparisonOperator,
        TreatMissingData: inputs.treatMissingData ?? "missing",
        Metrics: inputs.metricQueries
          ? list(inputs.metricQueries).map((query) => {
              const metric = query.metric as Inputs | undefined;
              return defined({
                Id: query.id,
                Expression: query.expression,
                Label: query.label,
                ReturnData: query.returnData,
                Period: query.period,
                MetricStat: metric
                  ? defined({
                      Metric: defined({ Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: dimensionList(metric.dimensions) }),
                      Period: metric.period,
                      Stat: metric.stat,
                      Unit: metric.unit,
                    })
                  : undefined,
              });
            })
          : undefined,
      }),
    ],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/cloudwatch/compositealarm/
  "aws:cloudwatch/compositeAlarm:CompositeAlarm": {
    operations: [["monitoring", "PutCompositeAlarm"]],
    requests: ({ inputs }) => [
      request("monitoring", "PutCompositeAlarm", {
        AlarmName: inputs.alarmName,
        AlarmDescription: inputs.alarmDescription,
        AlarmRule: inputs.alarmRule,
        ActionsEnabled: inputs.actionsEnabled ?? true,
        AlarmActions: inputs.alarmActions,
        OKActions: inputs.okActions,
        InsufficientDataActions: inputs.insufficientDataActions,
      }),
    ],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/codedeploy/application/
  "aws:codedeploy/application:Application": {
    operations: [["codedeploy", "CreateApplication"]],
    requests: ({ inputs }) => [request("codedeploy", "CreateApplication", { applicationName: inputs.name, computePlatform: inputs.computePlatform ?? "Server" })],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/codedeploy/deploymentgroup/
  "aws:codedeploy/deploymentGroup:DeploymentGroup": {
    operations: [["codedeploy", "CreateDeploymentGroup"]],
    requests: ({ inputs }) => {
      const style = inputs.deploymentStyle as Inputs | undefined;
      const rollback = inputs.autoRollbackConfiguration as Inputs | undefined;
      const alarms = inputs.alarmConfiguration as Inputs | undefined;
      return [
        request("codedeploy", "CreateDeploymentGroup", {
          applicationName: inputs.appName,
          deploymentGroupName: inputs.deploymentGroupName,
          serviceRoleArn: inputs.serviceRoleArn,
          deploymentConfigName: inputs.deploymentConfigName,
          deploymentStyle: style ? defined({ deploymentType: style.deploymentType, deploymentOption: style.deploymentOption }) : undefined,
          autoRollbackConfiguration: rollback ? defined({ enabled: rollback.enabled, events: rollback.events }) : undefined,
          alarmConfiguration: alarms
            ? defined({
                enabled: alarms.enabled,
                ignorePollAlarmFailure: alarms.ignorePollAlarmFailure ?? false,
                alarms: (alarms.alarms as string[] | undefined)?.map((name) => ({ name })),
              })
            : undefined,
        }),
      ];
    },
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/dynamodb/table/ (TTL and point-in-time
  // recovery are separate calls after CreateTable; encryption without a key ARN uses the AWS-owned KMS key)
  "aws:dynamodb/table:Table": {
    operations: [
      ["dynamodb", "CreateTable"],
      ["dynamodb", "UpdateTimeToLive"],
      ["dynamodb", "UpdateContinuousBackups"],
    ],
    requests: ({ inputs }) => {
      const keySchema = (hash: unknown, range: unknown) => [
        { AttributeName: hash, KeyType: "HASH" },
        ...(range === undefined ? [] : [{ AttributeName: range, KeyType: "RANGE" }]),
      ];
      const sse = inputs.serverSideEncryption as Inputs | undefined;
      const ttl = inputs.ttl as Inputs | undefined;
      const pitr = inputs.pointInTimeRecovery as Inputs | undefined;
      return [
        request("dynamodb", "CreateTable", {
          TableName: inputs.name,
          BillingMode: inputs.billingMode ?? "PROVISIONED",
          KeySchema: keySchema(inputs.hashKey, inputs.rangeKey),
          AttributeDefinitions: list(inputs.attributes).map((attribute) => ({ AttributeName: attribute.name, AttributeType: attribute.type })),
          GlobalSecondaryIndexes: inputs.globalSecondaryIndexes
            ? list(inputs.globalSecondaryIndexes).map((index) => ({
                IndexName: index.name,
                KeySchema: keySchema(index.hashKey, index.rangeKey),
                Projection: defined({ ProjectionType: index.projectionType, NonKeyAttributes: index.nonKeyAttributes }),
              }))
            : undefined,
          SSESpecification: sse?.enabled ? defined({ Enabled: true, SSEType: "KMS", KMSMasterKeyId: sse.kmsKeyArn }) : undefined,
          DeletionProtectionEnabled: inputs.deletionProtectionEnabled,
          TableClass: inputs.tableClass,
        }),
        ...(ttl ? [request("dynamodb", "UpdateTimeToLive", { TableName: inputs.name, TimeToLiveSpecification: { AttributeName: ttl.attributeName, Enabled: ttl.enabled } })] : []),
        ...(pitr ? [request("dynamodb", "UpdateContinuousBackups", { TableName: inputs.name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: pitr.enabled } })] : []),
      ];
    },
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/iam/role/ (path "/" and 3,600 s sessions by default; unnamed roles are auto-named)
  "aws:iam/role:Role": {
    operations: [["iam", "CreateRole"]],
    requests: ({ name, inputs }) => [
      request("iam", "CreateRole", {
        RoleName: inputs.name ?? autoName(name),
        AssumeRolePolicyDocument: inputs.assumeRolePolicy,
        Description: inputs.description,
        Path: inputs.path ?? "/",
        MaxSessionDuration: inputs.maxSessionDuration ?? 3600,
      }),
    ],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/iam/rolepolicy/
  "aws:iam/rolePolicy:RolePolicy": {
    operations: [["iam", "PutRolePolicy"]],
    requests: ({ name, inputs }) => [request("iam", "PutRolePolicy", { RoleName: inputs.role, PolicyName: inputs.name ?? autoName(name), PolicyDocument: inputs.policy })],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/kms/alias/
  "aws:kms/alias:Alias": {
    operations: [["kms", "CreateAlias"]],
    requests: ({ inputs }) => [request("kms", "CreateAlias", { AliasName: inputs.name, TargetKeyId: inputs.targetKeyId })],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/kms/key/ (rotation is a separate call;
  // deletionWindowInDays is sent as ScheduleKeyDeletion's PendingWindowInDays when the key is deleted)
  "aws:kms/key:Key": {
    operations: [
      ["kms", "CreateKey"],
      ["kms", "EnableKeyRotation"],
      ["kms", "ScheduleKeyDeletion"],
    ],
    requests: (record) => {
      const { inputs } = record;
      const keyId = keyIdOf(record, inputs);
      return [
        request("kms", "CreateKey", {
          Description: inputs.description,
          Policy: inputs.policy,
          KeyUsage: inputs.keyUsage ?? "ENCRYPT_DECRYPT",
          KeySpec: inputs.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT",
          BypassPolicyLockoutSafetyCheck: inputs.bypassPolicyLockoutSafetyCheck ?? false,
        }),
        ...(inputs.enableKeyRotation ? [request("kms", "EnableKeyRotation", { KeyId: keyId, RotationPeriodInDays: inputs.rotationPeriodInDays })] : []),
        request("kms", "ScheduleKeyDeletion", { KeyId: keyId, PendingWindowInDays: inputs.deletionWindowInDays ?? 30 }),
      ];
    },
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/lambda/alias/
  "aws:lambda/alias:Alias": {
    operations: [["lambda", "CreateAlias"]],
    requests: ({ inputs }) => [
      request("lambda", "CreateAlias", { FunctionName: inputs.functionName, Name: inputs.name, FunctionVersion: inputs.functionVersion, Description: inputs.description }),
    ],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/lambda/function/ (packageType defaults to Zip)
  "aws:lambda/function:Function": {
    operations: [["lambda", "CreateFunction"]],
    requests: ({ inputs }) => {
      const environment = inputs.environment as { variables?: Record<string, string> } | undefined;
      const logging = inputs.loggingConfig as Inputs | undefined;
      return [
        request("lambda", "CreateFunction", {
          FunctionName: inputs.name,
          Role: inputs.role,
          Runtime: inputs.runtime,
          Handler: inputs.handler,
          Code: { ZipFile: zipFile(inputs.code) },
          Description: inputs.description,
          Architectures: inputs.architectures,
          Publish: inputs.publish ?? false,
          Timeout: inputs.timeout ?? 3,
          MemorySize: inputs.memorySize ?? 128,
          PackageType: inputs.packageType ?? "Zip",
          Environment: environment?.variables ? { Variables: environment.variables } : undefined,
          LoggingConfig: logging
            ? defined({ LogFormat: logging.logFormat, LogGroup: logging.logGroup, ApplicationLogLevel: logging.applicationLogLevel, SystemLogLevel: logging.systemLogLevel })
            : undefined,
        }),
      ];
    },
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/lambda/functioneventinvokeconfig/
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {
    operations: [["lambda", "PutFunctionEventInvokeConfig"]],
    requests: ({ inputs }) => {
      const destinations = inputs.destinationConfig as { onFailure?: { destination: string }; onSuccess?: { destination: string } } | undefined;
      return [
        request("lambda", "PutFunctionEventInvokeConfig", {
          FunctionName: inputs.functionName,
          Qualifier: inputs.qualifier,
          MaximumRetryAttempts: inputs.maximumRetryAttempts,
          MaximumEventAgeInSeconds: inputs.maximumEventAgeInSeconds,
          DestinationConfig: destinations
            ? defined({
                OnFailure: destinations.onFailure ? { Destination: destinations.onFailure.destination } : undefined,
                OnSuccess: destinations.onSuccess ? { Destination: destinations.onSuccess.destination } : undefined,
              })
            : undefined,
        }),
      ];
    },
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/lambda/permission/ (statementId is auto-named)
  "aws:lambda/permission:Permission": {
    operations: [["lambda", "AddPermission"]],
    requests: ({ name, inputs }) => [
      request("lambda", "AddPermission", {
        FunctionName: inputs.function,
        StatementId: inputs.statementId ?? autoName(name),
        Action: inputs.action,
        Principal: inputs.principal,
        SourceArn: inputs.sourceArn,
        SourceAccount: inputs.sourceAccount,
        Qualifier: inputs.qualifier,
      }),
    ],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/sns/topic/
  "aws:sns/topic:Topic": {
    operations: [["sns", "CreateTopic"]],
    requests: ({ inputs }) => [request("sns", "CreateTopic", { Name: inputs.name, Attributes: attributes({ KmsMasterKeyId: inputs.kmsMasterKeyId, DisplayName: inputs.displayName }) })],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/sns/topicpolicy/
  "aws:sns/topicPolicy:TopicPolicy": {
    operations: [["sns", "SetTopicAttributes"]],
    requests: ({ inputs }) => [request("sns", "SetTopicAttributes", { TopicArn: inputs.arn, AttributeName: "Policy", AttributeValue: inputs.policy })],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/sns/topicsubscription/
  "aws:sns/topicSubscription:TopicSubscription": {
    operations: [["sns", "Subscribe"]],
    requests: ({ inputs }) => [
      request("sns", "Subscribe", {
        TopicArn: inputs.topic,
        Protocol: inputs.protocol,
        Endpoint: inputs.endpoint,
        ReturnSubscriptionArn: true,
        Attributes: attributes({
          RedrivePolicy: inputs.redrivePolicy,
          FilterPolicy: inputs.filterPolicy,
          FilterPolicyScope: inputs.filterPolicyScope,
          RawMessageDelivery: inputs.rawMessageDelivery,
        }),
      }),
    ],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/sqs/queue/ (the provider sends its documented defaults)
  "aws:sqs/queue:Queue": {
    operations: [["sqs", "CreateQueue"]],
    requests: ({ inputs }) => [
      request("sqs", "CreateQueue", {
        QueueName: inputs.name,
        Attributes: attributes({
          DelaySeconds: inputs.delaySeconds ?? 0,
          MaximumMessageSize: inputs.maxMessageSize ?? 262_144,
          MessageRetentionPeriod: inputs.messageRetentionSeconds ?? 345_600,
          ReceiveMessageWaitTimeSeconds: inputs.receiveWaitTimeSeconds ?? 0,
          VisibilityTimeout: inputs.visibilityTimeoutSeconds ?? 30,
          SqsManagedSseEnabled: inputs.sqsManagedSseEnabled,
          KmsMasterKeyId: inputs.kmsMasterKeyId,
          Policy: inputs.policy,
          RedrivePolicy: inputs.redrivePolicy,
        }),
      }),
    ],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/ssm/parameter/ (no overwrite on create;
  // the value is a Pulumi secret, which the synth shows redacted: the request carries the redaction
  // marker in its place, as long as a real value could be)
  "aws:ssm/parameter:Parameter": {
    operations: [["ssm", "PutParameter"]],
    requests: ({ inputs }) => [
      request("ssm", "PutParameter", {
        Name: inputs.name,
        Description: inputs.description,
        Value: inputs.value,
        Type: inputs.type,
        KeyId: inputs.keyId,
        Tier: inputs.tier,
        DataType: inputs.dataType ?? "text",
      }),
    ],
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/sqs/queuepolicy/
  "aws:sqs/queuePolicy:QueuePolicy": {
    operations: [["sqs", "SetQueueAttributes"]],
    requests: ({ inputs }) => [request("sqs", "SetQueueAttributes", { QueueUrl: inputs.queueUrl, Attributes: { Policy: String(inputs.policy) } })],
  },
};

/** Every operation of the mapping, per service: what the constraint table must cover. */
export const MODEL_OPERATIONS: Record<ModelService, { apiVersion: string; operations: string[] }> = (() => {
  const byService = {} as Record<ModelService, { apiVersion: string; operations: string[] }>;
  for (const mapping of Object.values(RESOURCE_REQUESTS)) {
    for (const [service, operation] of mapping.operations) {
      byService[service] ??= { apiVersion: API_VERSIONS[service], operations: [] };
      if (!byService[service].operations.includes(operation)) byService[service].operations.push(operation);
    }
  }
  return byService;
})();

/** Thrown for a resource type the table does not map: a new resource must be mapped before it ships. */
export class UnmappedResourceError extends Error {}

/** The requests `pulumi up` makes to create one resource of the plan. */
export function requestsFor(record: SynthRecord): AwsRequest[] {
  const mapping = RESOURCE_REQUESTS[record.type];
  if (!mapping) {
    throw new UnmappedResourceError(
      `${record.type} (${record.name}) is not mapped to the AWS requests that create it: add it to RESOURCE_REQUESTS in tests/contracts/aws-requests.ts`,
    );
  }
  const requests = mapping.requests(record);
  for (const made of requests) {
    if (!mapping.operations.some(([service, operation]) => service === made.service && operation === made.operation)) {
      throw new Error(`${record.type}: ${made.service}:${made.operation} is not listed in its mapping's operations`);
    }
  }
  return requests;
}
