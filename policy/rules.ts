/**
 * webhealth's policy rules, as plain functions. `policy/index.ts` wires them into a PolicyPack
 * for `pulumi preview --policy-pack policy`; `tests/policy` runs them over fake resources and over
 * every stage's synth output. Each rule is documented in the README ("Policies").
 */
import { CLOUDWATCH_LIMITS, EVENTBRIDGE_LIMITS } from "../functions/common/aws-limits";
import { HUMAN_FILTER_POLICY, HUMAN_FILTER_POLICY_SCOPE, HUMAN_PROTOCOLS, LAMBDA_RUNTIME, LIVE_ALIAS } from "../functions/common/contract";
import { CHECK_STATISTICS, TARGET_METRICS } from "../functions/common/metrics";
import { CHANNEL_NAME_PATTERN, EMAIL_CHANNEL_ATTRIBUTE } from "../functions/common/notifier-config";
import { actionMatches, DOCUMENT_TYPES, documentsOf, parseDocument, wildcardReason } from "./iam-documents";
import {
  get,
  isLambdaArn,
  list,
  parseLambdaArn,
  PolicyResource,
  Report,
  ResourceRule,
  runChecks,
  shown,
  StackRule,
  text,
} from "./rule-kit";

export const TYPES = {
  alias: "aws:lambda/alias:Alias",
  function: "aws:lambda/function:Function",
  permission: "aws:lambda/permission:Permission",
  deploymentGroup: "aws:codedeploy/deploymentGroup:DeploymentGroup",
  topic: "aws:sns/topic:Topic",
  topicSubscription: "aws:sns/topicSubscription:TopicSubscription",
  table: "aws:dynamodb/table:Table",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
  kmsKey: "aws:kms/key:Key",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  role: "aws:iam/role:Role",
} as const;

/** The fields CodeDeploy changes on the alias during a canary; Pulumi must not put them back. */
export const CODEDEPLOY_ALIAS_FIELDS = ["functionVersion", "routingConfig"] as const;

/** Every way a CodeDeploy deployment can end badly, each of which must roll back.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_AutoRollbackConfiguration.html */
export const REQUIRED_ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"] as const;

/** Lambda architecture every function uses (arm64 is about 20% cheaper per GB-second); the runtime is the bundles' LAMBDA_RUNTIME. */
export { LAMBDA_RUNTIME };
export const LAMBDA_ARCHITECTURE = "arm64";

/** The constant `input` of an EventBridge target (functions/common/aws-limits.ts). */
export const EVENT_TARGET_INPUT_LIMIT = EVENTBRIDGE_LIMITS.targetInputMaxLength;

/** CloudWatch alarm limits (functions/common/aws-limits.ts). */
export const ALARM_LIMITS = {
  maxShortEvaluationSeconds: CLOUDWATCH_LIMITS.maxShortEvaluationSeconds,
  maxEvaluationSeconds: CLOUDWATCH_LIMITS.maxEvaluationSeconds,
  maxMathMetrics: CLOUDWATCH_LIMITS.maxMathMetrics,
} as const;

/** Services that invoke our functions asynchronously and must hit the live alias. */
const INVOKING_SERVICES = ["events.amazonaws.com", "sns.amazonaws.com"] as const;

/** The AWS-managed SNS key: CloudWatch alarms cannot publish to a topic encrypted with it. */
const AWS_MANAGED_SNS_KEY = /(^|:)alias\/aws\/sns$/;

/** AWS managed policies that grant whole services or everything. */
const BROAD_MANAGED_POLICY = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?(AdministratorAccess|PowerUserAccess|[A-Za-z0-9]+FullAccess)$/;

// ---------------------------------------------------------------------------------------------
// Canary aliases and CodeDeploy

export const liveAliasIgnoresCodeDeployFields: ResourceRule = {
  name: "live-alias-ignores-codedeploy-fields",
  description:
    "Every Lambda alias named `live` has ignoreChanges on functionVersion and routingConfig (CodeDeploy moves them) and never points at $LATEST.",
  resourceTypes: [TYPES.alias],
  validate({ props, opts }, report) {
    if (props.name !== LIVE_ALIAS) return;
    runChecks([
      () => {
        const ignored = opts?.ignoreChanges ?? [];
        const missing = CODEDEPLOY_ALIAS_FIELDS.filter((field) => !ignored.includes(field));
        if (missing.length > 0) {
          report(
            `ignoreChanges must include ${missing.join(" and ")}: CodeDeploy moves the alias during a canary and pulumi up would move it back`,
          );
        }
      },
      () => {
        if (props.functionVersion === "$LATEST") report(`functionVersion must be a published version, not $LATEST: CodeDeploy cannot shift traffic from $LATEST`);
      },
    ]);
  },
};

export const deploymentGroupSafeRollout: ResourceRule = {
  name: "deployment-group-safe-rollout",
  description:
    "Every CodeDeploy deployment group is BLUE_GREEN with traffic control, watches at least one alarm, and rolls back on failure, on alarm and on stop.",
  resourceTypes: [TYPES.deploymentGroup],
  validate({ props }, report) {
    runChecks([
      () => {
        const style = props.deploymentStyle;
        const type = text(get(style, "deploymentType")) ?? "IN_PLACE";
        const option = text(get(style, "deploymentOption")) ?? "WITHOUT_TRAFFIC_CONTROL";
        if (type !== "BLUE_GREEN" || option !== "WITH_TRAFFIC_CONTROL") {
          report(`deploymentStyle must be BLUE_GREEN with WITH_TRAFFIC_CONTROL for a Lambda canary, got ${type} with ${option}`);
        }
      },
      () => {
        const config = text(props.deploymentConfigName);
        if (config === undefined || (config.startsWith("CodeDeployDefault.") && !config.startsWith("CodeDeployDefault.Lambda"))) {
          report(`deploymentConfigName must be a Lambda deployment config (CodeDeployDefault.Lambda... or a custom one), got ${shown(config)}`);
        }
      },
      () => {
        if (get(props.alarmConfiguration, "enabled") !== true) {
          report("alarmConfiguration.enabled must be true: without it CodeDeploy never stops a canary on an alarm");
        }
      },
      () => {
        if (list(get(props.alarmConfiguration, "alarms")).length === 0) {
          report("alarmConfiguration.alarms must name at least one alarm (the alias's errors and duration alarms)");
        }
      },
      () => {
        if (get(props.alarmConfiguration, "ignorePollAlarmFailure") === true) {
          report("alarmConfiguration.ignorePollAlarmFailure must not be true: a canary must stop when alarm states cannot be read");
        }
      },
      () => {
        if (get(props.autoRollbackConfiguration, "enabled") !== true) {
          report("autoRollbackConfiguration.enabled must be true: a failed or stopped canary must put the alias back");
        }
      },
      () => {
        const events = list(get(props.autoRollbackConfiguration, "events"));
        const missing = REQUIRED_ROLLBACK_EVENTS.filter((event) => !events.includes(event));
        if (missing.length > 0) report(`autoRollbackConfiguration.events must include ${missing.join(", ")}`);
      },
    ]);
  },
};

// ---------------------------------------------------------------------------------------------
// Encryption and durability

export const snsTopicCustomerManagedKey: ResourceRule = {
  name: "sns-topic-customer-managed-kms",
  description:
    "Every SNS topic is encrypted with a customer-managed KMS key (kmsMasterKeyId set, not alias/aws/sns, which CloudWatch alarms cannot use).",
  resourceTypes: [TYPES.topic],
  validate({ props }, report) {
    const key = text(props.kmsMasterKeyId);
    if (!key) {
      report("kmsMasterKeyId must be set: the topic carries alarm details and must be encrypted at rest");
    } else if (AWS_MANAGED_SNS_KEY.test(key)) {
      report("kmsMasterKeyId must be a customer-managed key, not alias/aws/sns: CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed key");
    }
  },
};

export const dynamoDbEncryptedAndRecoverable: ResourceRule = {
  name: "dynamodb-encrypted-and-recoverable",
  description: "Every DynamoDB table has server-side encryption with KMS enabled and point-in-time recovery on.",
  resourceTypes: [TYPES.table],
  validate({ props }, report) {
    runChecks([
      () => {
        if (get(props.serverSideEncryption, "enabled") !== true) {
          report("serverSideEncryption.enabled must be true: the alarm ledger is encrypted with a KMS key");
        }
      },
      () => {
        if (get(props.pointInTimeRecovery, "enabled") !== true) {
          report("pointInTimeRecovery.enabled must be true: the alarm history must survive a bad write or a deleted item");
        }
      },
    ]);
  },
};

export const kmsKeyRotation: ResourceRule = {
  name: "kms-key-rotation-enabled",
  description: "Every customer-managed KMS key rotates its key material yearly.",
  resourceTypes: [TYPES.kmsKey],
  validate({ props }, report) {
    if (props.enableKeyRotation !== true) report("enableKeyRotation must be true");
  },
};

// ---------------------------------------------------------------------------------------------
// IAM

const KEY_POLICY_TYPES: readonly string[] = ["aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy"];

/** True when the only principal is one account's root (`arn:aws:iam::<account>:root` or the bare account id). */
function isAccountRootOnly(principals: readonly string[]): boolean {
  return principals.length === 1 && /^AWS:(arn:aws[a-z-]*:iam::\d{12}:root|\d{12})$/.test(principals[0]);
}

/**
 * A KMS key policy's `kms:*` for the account root is AWS's default key policy statement: it grants
 * nobody anything by itself, it lets the account's IAM policies (which this rule checks) grant use
 * of the key, and without it the key can become unmanageable. It is the one wildcard allowed.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
 */
export const iamNoWildcardActions: ResourceRule = {
  name: "iam-no-wildcard-actions",
  description:
    'No IAM document (role trust and inline policies, role/user/group policies, managed policies, topic, queue, bucket and key policies) allows "*", "<service>:*" or NotAction, no Lambda permission grants lambda:*, and no role gets AdministratorAccess, PowerUserAccess or a *FullAccess managed policy. One exception: the default KMS key policy statement giving kms:* to the account root alone (it only delegates to IAM).',
  resourceTypes: [...DOCUMENT_TYPES, TYPES.permission, TYPES.rolePolicyAttachment],
  validate({ type, props }, report) {
    if (type === TYPES.permission) {
      const action = text(props.action) ?? "";
      const reason = wildcardReason(action);
      if (reason) report(`action ${shown(action)} allows ${reason}: grant lambda:InvokeFunction only`);
      return;
    }
    if (type === TYPES.rolePolicyAttachment) {
      const arn = text(props.policyArn) ?? "";
      if (BROAD_MANAGED_POLICY.test(arn)) report(`policyArn ${shown(arn)} grants whole services: write a least-privilege policy instead`);
      return;
    }
    const checks: Array<() => void> = documentsOf(type, props).map((location) => () => {
      const parsed = parseDocument(location.value);
      if ("error" in parsed) {
        report(`${location.field} ${parsed.error}`);
        return;
      }
      for (const statement of parsed.statements) {
        if (statement.effect !== "Allow") continue;
        const delegatesToAccount = KEY_POLICY_TYPES.includes(type) && isAccountRootOnly(statement.principals);
        for (const action of statement.actions) {
          const reason = wildcardReason(action);
          if (!reason || (delegatesToAccount && action.toLowerCase() === "kms:*")) continue;
          report(`${location.field} statement ${statement.label} allows ${reason} (${shown(action)})`);
        }
        if (statement.notActions.length > 0) {
          report(`${location.field} statement ${statement.label} uses NotAction with Allow, which allows every action not listed`);
        }
      }
    });
    if (type === TYPES.role) {
      checks.push(() =>
        list(props.managedPolicyArns).forEach((arn) => {
          if (typeof arn === "string" && BROAD_MANAGED_POLICY.test(arn)) {
            report(`managedPolicyArns includes ${shown(arn)}, which grants whole services: write a least-privilege policy instead`);
          }
        }),
      );
    }
    runChecks(checks);
  },
};

export const putMetricDataNamespaceCondition: ResourceRule = {
  name: "put-metric-data-namespace-condition",
  description: "Every IAM statement allowing cloudwatch:PutMetricData limits it with a cloudwatch:namespace condition.",
  resourceTypes: DOCUMENT_TYPES,
  validate({ type, props }, report) {
    runChecks(
      documentsOf(type, props)
        .filter((location) => location.kind === "identity")
        .map((location) => () => {
          const parsed = parseDocument(location.value);
          if ("error" in parsed) return; // iam-no-wildcard-actions reports unreadable documents
          for (const statement of parsed.statements) {
            if (statement.effect !== "Allow") continue;
            const grantsPut = statement.actions.some((action) => actionMatches(action, "cloudwatch:PutMetricData"));
            if (grantsPut && !statement.conditionKeys.includes("cloudwatch:namespace")) {
              report(`${location.field} statement ${statement.label} allows cloudwatch:PutMetricData without a cloudwatch:namespace condition`);
            }
          }
        }),
    );
  },
};

export const resourcePolicyScopedPrincipals: ResourceRule = {
  name: "resource-policy-scoped-principals",
  description:
    'Topic, queue and bucket policies never allow "*" without a condition, and every AWS service they allow is pinned with aws:SourceAccount or aws:SourceArn (confused-deputy protection).',
  resourceTypes: ["aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy", "aws:sqs/queue:Queue", "aws:sqs/queuePolicy:QueuePolicy", "aws:s3/bucketPolicy:BucketPolicy"],
  validate({ type, props }, report) {
    runChecks(
      documentsOf(type, props).map((location) => () => {
        const parsed = parseDocument(location.value);
        if ("error" in parsed) return;
        for (const statement of parsed.statements) {
          if (statement.effect !== "Allow") continue;
          const anyone = statement.principals.some((principal) => principal === "*" || principal === "AWS:*");
          if (anyone && statement.conditionKeys.length === 0) {
            report(`${location.field} statement ${statement.label} allows any principal without a condition`);
          }
          const scoped = ["aws:sourceaccount", "aws:sourcearn", "aws:sourceowner"].some((key) => statement.conditionKeys.includes(key));
          for (const principal of statement.principals.filter((p) => p.startsWith("Service:"))) {
            if (!scoped) {
              report(`${location.field} statement ${statement.label} allows ${principal.slice("Service:".length)} without an aws:SourceAccount or aws:SourceArn condition`);
            }
          }
        }
      }),
    );
  },
};

// ---------------------------------------------------------------------------------------------
// Alarms

/** True when the alarm counts failed checks: the `Check` metric's failed-percent statistic, directly or in a metric-math query. */
function readsAvailability(props: Record<string, unknown>): boolean {
  const failedCount = (metricName: unknown, stat: unknown) => metricName === TARGET_METRICS.check && stat === CHECK_STATISTICS.failedPercent;
  if (failedCount(props.metricName, props.extendedStatistic)) return true;
  return list(props.metricQueries).some((query) => failedCount(get(query, "metric", "metricName"), get(query, "metric", "stat")));
}

export const availabilityAlarmBreachesOnMissingData: ResourceRule = {
  name: "availability-alarm-missing-data-breaching",
  description:
    'Every alarm counting failed checks (the Check metric\'s failed-percent statistic, directly or through metric math) has treatMissingData "breaching": a dead probe must not look healthy.',
  resourceTypes: [TYPES.metricAlarm],
  validate({ props }, report) {
    if (!readsAvailability(props)) return;
    if (props.treatMissingData !== "breaching") {
      report(`treatMissingData must be "breaching" on an availability alarm, got ${shown(props.treatMissingData ?? "missing")}: a dead probe must not look healthy`);
    }
  },
};

export const alarmWithinCloudWatchLimits: ResourceRule = {
  name: "alarm-within-cloudwatch-limits",
  description:
    "Every alarm fits CloudWatch's limits (period x evaluationPeriods at most 1 day under 1-hour periods and 7 days otherwise, datapointsToAlarm at most evaluationPeriods, at most 10 metrics and exactly one returned value in metric math), so preview catches what `up` would fail on.",
  resourceTypes: [TYPES.metricAlarm],
  validate({ props }, report) {
    runChecks([
      () => {
        const evaluationPeriods = props.evaluationPeriods;
        if (typeof evaluationPeriods !== "number") return;
        const periods = [props.period, ...list(props.metricQueries).map((query) => get(query, "metric", "period"))].filter(
          (period): period is number => typeof period === "number",
        );
        for (const period of new Set(periods)) {
          const total = period * evaluationPeriods;
          const limit = period < 3600 ? ALARM_LIMITS.maxShortEvaluationSeconds : ALARM_LIMITS.maxEvaluationSeconds;
          if (total > limit) report(`period ${period} x evaluationPeriods ${evaluationPeriods} = ${total} s exceeds CloudWatch's ${limit} s`);
        }
        const datapoints = props.datapointsToAlarm;
        if (typeof datapoints === "number" && datapoints > evaluationPeriods) {
          report(`datapointsToAlarm ${datapoints} exceeds evaluationPeriods ${evaluationPeriods}`);
        }
      },
      () => {
        const queries = list(props.metricQueries);
        if (queries.length === 0) return;
        const metrics = queries.filter((query) => get(query, "metric") !== undefined).length;
        if (metrics > ALARM_LIMITS.maxMathMetrics) report(`metricQueries read ${metrics} metrics, more than CloudWatch's ${ALARM_LIMITS.maxMathMetrics} per alarm`);
        const returned = queries.filter((query) => get(query, "returnData") === true).length;
        if (returned !== 1) report(`metricQueries must return exactly one value (returnData true), got ${returned}`);
      },
    ]);
  },
};

export const alarmNotifiesOnOk: ResourceRule = {
  name: "alarm-notifies-on-ok",
  description: "Every alarm that notifies on ALARM also notifies on OK, so people and the alarm ledger see the recovery.",
  resourceTypes: [TYPES.metricAlarm],
  validate({ props }, report) {
    if (list(props.alarmActions).length > 0 && list(props.okActions).length === 0) {
      report("okActions must be set when alarmActions are: recoveries must reach people and the alarm ledger");
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Invocation paths: EventBridge, SNS and Lambda permissions

/** Why a Lambda ARN is not the live alias, or undefined when it is. */
function notLiveAlias(arn: string): string | undefined {
  const parsed = parseLambdaArn(arn);
  if (!parsed) return `is not a Lambda function ARN`;
  if (parsed.qualifier === undefined) return "is the unqualified function, which runs $LATEST";
  if (parsed.qualifier === "$LATEST") return "is $LATEST";
  if (parsed.qualifier !== LIVE_ALIAS) return `is qualified by ${shown(parsed.qualifier)}`;
  return undefined;
}

export const eventTargetsLiveAlias: ResourceRule = {
  name: "eventbridge-lambda-targets-live-alias",
  description: `Every EventBridge target that invokes Lambda targets the function's \`${LIVE_ALIAS}\` alias ARN (…:function:<name>:${LIVE_ALIAS}), never the bare function or $LATEST, so CodeDeploy controls which version runs.`,
  resourceTypes: [TYPES.eventTarget],
  validate({ props }, report) {
    const arn = props.arn;
    if (!isLambdaArn(arn)) return;
    const reason = notLiveAlias(arn as string);
    if (reason) report(`arn must be the function's ${LIVE_ALIAS} alias (…:function:<name>:${LIVE_ALIAS}); ${shown(arn)} ${reason}`);
  },
};

export const lambdaEventTargetNoRetryWithDlq: ResourceRule = {
  name: "lambda-event-target-no-retry-with-dlq",
  description:
    "Every EventBridge target that invokes Lambda has retryPolicy.maximumRetryAttempts 0 (a retried probe would run into the next minute) and a dead-letter queue.",
  resourceTypes: [TYPES.eventTarget],
  validate({ props }, report) {
    if (!isLambdaArn(props.arn)) return;
    runChecks([
      () => {
        const attempts = get(props.retryPolicy, "maximumRetryAttempts");
        if (attempts !== 0) report(`retryPolicy.maximumRetryAttempts must be 0, got ${shown(attempts)} (EventBridge's default retries for 24 hours)`);
      },
      () => {
        if (!text(get(props.deadLetterConfig, "arn"))) report("deadLetterConfig.arn must be set: an event that cannot be delivered is otherwise lost silently");
      },
    ]);
  },
};

export const eventTargetInputWithinLimit: ResourceRule = {
  name: "event-target-input-within-limit",
  description: `Every EventBridge target's constant input and input template are at most ${EVENT_TARGET_INPUT_LIMIT} characters (EventBridge's limits), so target shards are caught at preview.`,
  resourceTypes: [TYPES.eventTarget],
  validate({ props }, report) {
    const input = text(props.input);
    if (input !== undefined && input.length > EVENT_TARGET_INPUT_LIMIT) {
      report(`input is ${input.length} characters, more than EventBridge's ${EVENT_TARGET_INPUT_LIMIT}`);
    }
    const template = text(get(props.inputTransformer, "inputTemplate"));
    if (template !== undefined && template.length > EVENTBRIDGE_LIMITS.inputTemplateMaxLength) {
      report(`inputTransformer.inputTemplate is ${template.length} characters, more than EventBridge's ${EVENTBRIDGE_LIMITS.inputTemplateMaxLength}`);
    }
  },
};

export const lambdaPermissionQualifiedByAlias: ResourceRule = {
  name: "lambda-permission-qualified-by-alias",
  description: `Every Lambda permission for events.amazonaws.com or sns.amazonaws.com has qualifier \`${LIVE_ALIAS}\` (the alias those services invoke) and a sourceArn.`,
  resourceTypes: [TYPES.permission],
  validate({ props }, report) {
    const principal = text(props.principal) ?? "";
    if (!(INVOKING_SERVICES as readonly string[]).includes(principal)) return;
    runChecks([
      () => {
        const qualifier = text(props.qualifier) ?? parseLambdaArn(props.function)?.qualifier;
        if (qualifier !== LIVE_ALIAS) {
          report(`qualifier must be "${LIVE_ALIAS}" so ${principal} may invoke the alias it targets, got ${shown(qualifier)}`);
        }
      },
      () => {
        if (!text(props.sourceArn)) report(`sourceArn must be set so only our own rule or topic can use this grant`);
      },
    ]);
  },
};

export const snsLambdaSubscriptionLiveAliasWithDlq: ResourceRule = {
  name: "sns-lambda-subscription-live-alias-with-dlq",
  description: `Every SNS subscription that delivers to Lambda targets the \`${LIVE_ALIAS}\` alias ARN and has a redrive policy with a dead-letter queue.`,
  resourceTypes: [TYPES.topicSubscription],
  validate({ props }, report) {
    if (props.protocol !== "lambda") return;
    runChecks([
      () => {
        const endpoint = text(props.endpoint) ?? "";
        const reason = notLiveAlias(endpoint);
        if (reason) report(`endpoint must be the function's ${LIVE_ALIAS} alias (…:function:<name>:${LIVE_ALIAS}); ${shown(endpoint)} ${reason}`);
      },
      () => {
        const policy = props.redrivePolicy;
        let target: unknown;
        try {
          target = typeof policy === "string" ? get(JSON.parse(policy), "deadLetterTargetArn") : get(policy, "deadLetterTargetArn");
        } catch {
          target = undefined;
        }
        if (!text(target)) report("redrivePolicy must name a deadLetterTargetArn: SNS drops a message it cannot deliver after its retries");
      },
    ]);
  },
};

/** The notifier's e-mail channel filter (emailChannelFilterPolicy): exactly one channel name, on message attributes. */
function isEmailChannelFilter(policy: unknown, scope: unknown): boolean {
  if (scope !== undefined && scope !== "MessageAttributes") return false;
  if (typeof policy !== "object" || policy === null) return false;
  const entries = Object.entries(policy);
  if (entries.length !== 1 || entries[0][0] !== EMAIL_CHANNEL_ATTRIBUTE) return false;
  const values = entries[0][1];
  return Array.isArray(values) && values.length === 1 && typeof values[0] === "string" && CHANNEL_NAME_PATTERN.test(values[0]);
}

export const humanSubscriptionDropsTests: ResourceRule = {
  name: "human-subscription-drops-verify-test",
  description: `Every SNS subscription that reaches people (${HUMAN_PROTOCOLS.join(", ")}) has the filter policy that drops verify's test notification, on the message body, or is a notifier e-mail channel's subscription (filtered on the channel attribute, which the test never carries).`,
  resourceTypes: [TYPES.topicSubscription],
  validate({ props }, report) {
    if (!(HUMAN_PROTOCOLS as readonly string[]).includes(text(props.protocol) ?? "")) return;
    let policy: unknown;
    try {
      policy = typeof props.filterPolicy === "string" ? JSON.parse(props.filterPolicy) : props.filterPolicy;
    } catch {
      policy = undefined;
    }
    if (isEmailChannelFilter(policy, props.filterPolicyScope)) return;
    if (JSON.stringify(policy) !== JSON.stringify(HUMAN_FILTER_POLICY) || props.filterPolicyScope !== HUMAN_FILTER_POLICY_SCOPE) {
      report(
        `filterPolicy must be ${JSON.stringify(HUMAN_FILTER_POLICY)} with filterPolicyScope ${HUMAN_FILTER_POLICY_SCOPE} (humanSubscriptionArgs), or {"${EMAIL_CHANNEL_ATTRIBUTE}":["<e-mail channel>"]} on message attributes (the notifier's e-mail topic), or every deploy's verify pages this subscriber with a test; got ${shown(props.filterPolicy)} / ${shown(props.filterPolicyScope)}`,
      );
    }
  },
};

export const lambdaRuntimeAndArchitecture: ResourceRule = {
  name: "lambda-arm64-nodejs24",
  description: `Every Lambda function runs ${LAMBDA_RUNTIME} on ${LAMBDA_ARCHITECTURE} (the runtime the bundles target; Graviton is cheaper per GB-second).`,
  resourceTypes: [TYPES.function],
  validate({ props }, report) {
    runChecks([
      () => {
        if (props.runtime !== LAMBDA_RUNTIME) report(`runtime must be ${LAMBDA_RUNTIME}, got ${shown(props.runtime)}`);
      },
      () => {
        const architectures = list(props.architectures);
        if (architectures.length !== 1 || architectures[0] !== LAMBDA_ARCHITECTURE) {
          report(`architectures must be ["${LAMBDA_ARCHITECTURE}"], got ${architectures.length ? JSON.stringify(architectures) : "none (x86_64)"}`);
        }
      },
    ]);
  },
};

// ---------------------------------------------------------------------------------------------
// Stack rules

/** The function name a permission's `function` input names (a name or any function ARN). */
function permissionFunctionName(value: unknown): string | undefined {
  return parseLambdaArn(value)?.functionName ?? text(value);
}

export const eventTargetHasPermission: StackRule = {
  name: "eventbridge-lambda-target-has-permission",
  description: `Every EventBridge target on a Lambda alias has a matching Lambda permission: principal events.amazonaws.com, the same function, qualifier \`${LIVE_ALIAS}\`.`,
  validateStack(resources, report) {
    const permissions = resources.filter((resource) => resource.type === TYPES.permission);
    const targets = resources.filter((resource) => resource.type === TYPES.eventTarget);
    runChecks(
      targets.map((target) => () => {
        const alias = parseLambdaArn(target.props.arn);
        if (!alias || alias.qualifier !== LIVE_ALIAS) return; // eventbridge-lambda-targets-live-alias reports it
        const matching = permissions.some(({ props }) => {
          if (props.principal !== "events.amazonaws.com") return false;
          if (permissionFunctionName(props.function) !== alias.functionName) return false;
          const permissionArn = parseLambdaArn(props.function);
          if (permissionArn && permissionArn.region !== alias.region) return false;
          return (text(props.qualifier) ?? permissionArn?.qualifier) === LIVE_ALIAS;
        });
        if (!matching) {
          report(
            `no ${TYPES.permission} lets events.amazonaws.com invoke ${alias.functionName}:${LIVE_ALIAS}: EventBridge's invocations would fail`,
            target,
          );
        }
      }),
    );
  },
};

/** The resources that hold a stage's data or its route to people: protected together. */
export const STATEFUL_TYPES: readonly string[] = [TYPES.table, TYPES.kmsKey, TYPES.topic];

export const protectedDataStays: StackRule = {
  name: "protected-data-stays",
  description:
    "In a stage that protects its data (its DynamoDB table has deletion protection), every DynamoDB table, KMS key and SNS topic has the protect option, and retainOnDelete where the options say (synth records it; the engine does not send it to policy packs), so neither `pulumi destroy` nor a replacement deletes the alarm history, its key or the topic.",
  validateStack(resources, report) {
    const protectsData = resources.some((resource) => resource.type === TYPES.table && resource.props.deletionProtectionEnabled === true);
    if (!protectsData) return;
    for (const resource of resources.filter((candidate) => STATEFUL_TYPES.includes(candidate.type))) {
      if (resource.opts?.protect !== true) report("protect must be true: the stage protects its data (deletionProtectionEnabled on its table), and Pulumi would delete this resource on destroy or replace", resource);
      if (resource.opts && "retainOnDelete" in resource.opts && resource.opts.retainOnDelete !== true) {
        report("retainOnDelete must be true: the stage protects its data, so destroying the stack must leave this resource in AWS", resource);
      }
    }
  },
};

export const RESOURCE_RULES: readonly ResourceRule[] = [
  liveAliasIgnoresCodeDeployFields,
  deploymentGroupSafeRollout,
  snsTopicCustomerManagedKey,
  dynamoDbEncryptedAndRecoverable,
  kmsKeyRotation,
  iamNoWildcardActions,
  putMetricDataNamespaceCondition,
  resourcePolicyScopedPrincipals,
  availabilityAlarmBreachesOnMissingData,
  alarmWithinCloudWatchLimits,
  alarmNotifiesOnOk,
  eventTargetsLiveAlias,
  lambdaEventTargetNoRetryWithDlq,
  eventTargetInputWithinLimit,
  lambdaPermissionQualifiedByAlias,
  snsLambdaSubscriptionLiveAliasWithDlq,
  humanSubscriptionDropsTests,
  lambdaRuntimeAndArchitecture,
];

export const STACK_RULES: readonly StackRule[] = [eventTargetHasPermission, protectedDataStays];

/** One violation found by `checkResources`. */
export interface Violation {
  rule: string;
  type: string;
  resource: string;
  message: string;
}

/**
 * Runs every rule over a list of resources the way the policy pack does, collecting violations.
 * Used by the tests over synth output; unknown values cannot occur there (synth resolves outputs).
 */
export function checkResources(resources: readonly PolicyResource[], rules = RESOURCE_RULES, stackRules = STACK_RULES): Violation[] {
  const violations: Violation[] = [];
  for (const resource of resources) {
    for (const rule of rules) {
      if (!rule.resourceTypes.includes(resource.type)) continue;
      const report: Report = (message) => violations.push({ rule: rule.name, type: resource.type, resource: resource.name, message });
      rule.validate(resource, report);
    }
  }
  for (const rule of stackRules) {
    rule.validateStack(resources, (message, resource) =>
      violations.push({ rule: rule.name, type: resource.type, resource: resource.name, message }),
    );
  }
  return violations;
}
