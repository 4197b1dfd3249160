/**
 * AWS service limits the program, the probe, the policy pack and the contract tests respect, each
 * defined once with the AWS page that states it. Limits that AWS's API models also carry (lengths,
 * ranges) are checked against the models too (tests/contracts/model-constraints.json); the others
 * are documented quotas no model holds. Numbers read from the AWS documentation on 2026-12.
 */

/** CloudWatch metrics and alarms. */
export const CLOUDWATCH_LIMITS = {
  /** A dimension value: 1 to 1,024 characters, ASCII without control characters; a request with one
   * bad datum is rejected whole. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html */
  dimensionValueMaxLength: 1024,
  /** A dimension name: 1 to 255 characters, ASCII without control characters, not starting with ":". */
  dimensionNameMaxLength: 255,
  /** A metric name: 1 to 255 characters. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html */
  metricNameMaxLength: 255,
  /** Dimensions per datum. */
  maxDimensions: 30,
  /** Metric values: finite doubles between -2^360 and 2^360 (NaN and infinities are refused); the
   * older statement of the same rule also refuses magnitudes below 2^-360, so those are refused too.
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html */
  maxValueMagnitude: 2 ** 360,
  minNonZeroMagnitude: 2 ** -360,
  /** Timestamps PutMetricData accepts: up to two weeks old and up to two hours ahead.
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html */
  maxDatumAgeMs: 14 * 24 * 3600 * 1000,
  maxDatumFutureMs: 2 * 3600 * 1000,
  /** PutMetricAlarm's AlarmDescription. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html */
  alarmDescriptionMaxLength: 1024,
  /** Period x EvaluationPeriods for alarms with a period under one hour, and for any alarm.
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html */
  maxShortEvaluationSeconds: 86_400,
  maxEvaluationSeconds: 604_800,
  /** Metrics (not expressions) one metric-math alarm may read.
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html */
  maxMathMetrics: 10,
  /** Dashboards: 500 widgets, 500 metrics per widget, 2,500 metrics per dashboard (metrics read by
   * metric math included). https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html */
  maxDashboardWidgets: 500,
  maxMetricsPerWidget: 500,
  maxMetricsPerDashboard: 2_500,
  /** A SEARCH expression "can return up to 500 time series".
   * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_cloudwatch.SearchExpression.html */
  maxSearchTimeSeries: 500,
} as const;

/** CloudWatch Logs Insights: the query a dashboard's `log` widget runs (StartQuery's queryString).
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartQuery.html */
export const LOGS_INSIGHTS_LIMITS = {
  queryStringMaxLength: 10_000,
} as const;

/** EventBridge. */
export const EVENTBRIDGE_LIMITS = {
  /** A target's constant `Input`. https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html */
  targetInputMaxLength: 8192,
  /** An input transformer's template (the probe's shards use one, for the scheduled time).
   * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html */
  inputTemplateMaxLength: 8192,
} as const;

/** Lambda. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const LAMBDA_LIMITS = {
  /** All environment variables of a function together (names and values). */
  environmentMaxBytes: 4096,
  /** A function name (an ARN may be longer). https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html */
  functionNameMaxLength: 64,
  /** A deployment package uploaded directly (zipped). */
  zippedPackageMaxBytes: 50 * 1024 * 1024,
  maxTimeoutSeconds: 900,
  /** A function's resource-based policy (every AddPermission statement of the function and its aliases together). */
  resourcePolicyMaxBytes: 20 * 1024,
} as const;

/** SNS subscription filter policies. https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html */
export const SNS_FILTER_POLICY_LIMITS = {
  /** Keys (attribute names; in a MessageBody policy, the keys that hold values). */
  maxKeys: 5,
  /** The product of the numbers of values of every key. */
  maxCombinations: 150,
  maxBytes: 256 * 1024,
  /** Subscriptions with a filter policy on one topic: the default quota (adjustable). */
  defaultPerTopic: 200,
} as const;

/** IAM, counted in characters without whitespace. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html */
export const IAM_LIMITS = {
  /** All inline policies of one role together. */
  roleInlinePoliciesMaxChars: 10_240,
  /** A role's trust policy (the default quota; it can be raised to 4,096). */
  trustPolicyMaxChars: 2_048,
} as const;

/** CodeDeploy. https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html */
export const CODEDEPLOY_LIMITS = {
  /** CloudWatch alarms one deployment group may watch. */
  maxAlarmsPerDeploymentGroup: 10,
} as const;

/** Resource policies. */
export const RESOURCE_POLICY_LIMITS = {
  /** SQS: 8,192 bytes, 20 statements, 7 actions per statement, 50 principals, 10 conditions.
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-policies.html */
  sqs: { maxBytes: 8192, maxStatements: 20, maxActionsPerStatement: 7, maxPrincipals: 50, maxConditions: 10 },
  /** SNS: 30 KB, 100 statements, 200 principals.
   * https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html */
  sns: { maxBytes: 30 * 1024, maxStatements: 100, maxPrincipals: 200 },
  /** KMS key policies: 32 KB. https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html */
  kms: { maxBytes: 32_768 },
} as const;
