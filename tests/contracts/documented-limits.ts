/**
 * The AWS limits no API model carries (functions/common/aws-limits.ts, each with its AWS page),
 * checked over the requests of a whole synthesised plan: some span several resources (a role and
 * all its inline policies), some live inside a JSON string (a policy, a dashboard body).
 */
import { CLOUDWATCH_LIMITS, CODEDEPLOY_LIMITS, EVENTBRIDGE_LIMITS, IAM_LIMITS, LAMBDA_LIMITS, LOGS_INSIGHTS_LIMITS, RESOURCE_POLICY_LIMITS, SNS_FILTER_POLICY_LIMITS } from "../../functions/common/aws-limits";
import { ALARMS_PER_WIDGET } from "../../infra/plan/dashboard";
import type { AccountQuotas } from "../../infra/plan/quotas";
import type { SynthRecord } from "../../infra/synth";
import { requestsFor, type AwsRequest } from "./aws-requests";
import { permissionFunctionArn, permissionStatement } from "./plan-policies";

type Json = Record<string, unknown>;

/** IAM counts policy sizes without whitespace. */
export function nonWhitespaceLength(text: string): number {
  return text.replace(/\s/g, "").length;
}

function asList<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Every principal value a statement names (`*` counts as one). */
function principalCount(statement: Json): number {
  const principal = statement.Principal;
  if (principal === undefined) return 0;
  if (typeof principal === "string") return 1;
  return Object.values(principal as Json).reduce<number>((sum, values) => sum + asList(values as string | string[]).length, 0);
}

/** Conditions counted the strict way: every value of every key of every operator. */
function conditionCount(statement: Json): number {
  const condition = (statement.Condition ?? {}) as Record<string, Json>;
  return Object.values(condition).reduce<number>((sum, byKey) => sum + Object.values(byKey).reduce<number>((inner, values) => inner + asList(values as unknown[]).length, 0), 0);
}

/** Problems of a resource policy document against its service's quotas. */
export function resourcePolicyProblems(service: "sqs" | "sns" | "kms", where: string, text: string): string[] {
  const limits: { maxBytes: number; maxStatements?: number; maxActionsPerStatement?: number; maxPrincipals?: number; maxConditions?: number } = RESOURCE_POLICY_LIMITS[service];
  const problems: string[] = [];
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxBytes) problems.push(`${where}: the ${service.toUpperCase()} policy is ${bytes} bytes, over ${limits.maxBytes}`);
  const statements = asList((JSON.parse(text) as Json).Statement as Json | Json[]);
  if (limits.maxStatements !== undefined && statements.length > limits.maxStatements) problems.push(`${where}: ${statements.length} statements, over ${limits.maxStatements}`);
  const principals = statements.reduce((sum, statement) => sum + principalCount(statement), 0);
  if (limits.maxPrincipals !== undefined && principals > limits.maxPrincipals) problems.push(`${where}: ${principals} principals, over ${limits.maxPrincipals}`);
  statements.forEach((statement, index) => {
    const actions = asList(statement.Action as string | string[]).length;
    if (limits.maxActionsPerStatement !== undefined && actions > limits.maxActionsPerStatement) {
      problems.push(`${where}: statement ${index} has ${actions} actions, over ${limits.maxActionsPerStatement}`);
    }
  });
  const conditions = statements.reduce((sum, statement) => sum + conditionCount(statement), 0);
  if (limits.maxConditions !== undefined && conditions > limits.maxConditions) problems.push(`${where}: ${conditions} condition values, over ${limits.maxConditions}`);
  return problems;
}

/**
 * The forms PutMetricAlarm documents for ExtendedStatistic (the model gives the member no pattern):
 * `p90`-style percentiles, `tm90`/`tc90`/`ts90`/`wm90`, `IQM`, `PR(n:m)` where n and m are values of
 * the metric, and `TC`/`TM`/`TS`/`WM(X%:X%)` with X from 10 to 90.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 */
export function extendedStatisticProblem(statistic: string): string | undefined {
  if (/^(p|tm|tc|ts|wm)(\d{1,2}(\.\d{1,10})?|100)$/.test(statistic) || statistic === "IQM") return undefined;
  const rank = /^PR\((-?\d+(\.\d+)?)?:(-?\d+(\.\d+)?)?\)$/.exec(statistic);
  if (rank) return rank[1] !== undefined && rank[3] !== undefined && Number(rank[1]) < Number(rank[3]) ? undefined : `${statistic}: PR(n:m) needs both bounds, n below m`;
  const trimmed = /^(TC|TM|TS|WM)\((\d+(\.\d+)?)%:(\d+(\.\d+)?)%\)$/.exec(statistic);
  if (trimmed && [trimmed[2], trimmed[4]].every((x) => Number(x) >= 10 && Number(x) <= 90)) return undefined;
  return `${statistic} is not an ExtendedStatistic PutMetricAlarm documents`;
}

function alarmProblems(where: string, params: Json): string[] {
  const problems: string[] = [];
  if (typeof params.ExtendedStatistic === "string") {
    const problem = extendedStatisticProblem(params.ExtendedStatistic);
    if (problem) problems.push(`${where}: ${problem}`);
    if (params.Statistic !== undefined) problems.push(`${where}: Statistic and ExtendedStatistic together`);
  }
  const metrics = (params.Metrics as Json[] | undefined) ?? [];
  const read = metrics.filter((query) => query.MetricStat !== undefined).length;
  if (read > CLOUDWATCH_LIMITS.maxMathMetrics) problems.push(`${where}: metric math reads ${read} metrics, over ${CLOUDWATCH_LIMITS.maxMathMetrics}`);
  if (metrics.length > 0 && metrics.filter((query) => query.ReturnData === true).length !== 1) problems.push(`${where}: metric math must return exactly one series`);
  const evaluationPeriods = params.EvaluationPeriods as number;
  const periods = [params.Period, ...metrics.map((query) => (query.MetricStat as Json | undefined)?.Period)].filter((period): period is number => typeof period === "number");
  for (const period of new Set(periods)) {
    const limit = period < 3600 ? CLOUDWATCH_LIMITS.maxShortEvaluationSeconds : CLOUDWATCH_LIMITS.maxEvaluationSeconds;
    if (period * evaluationPeriods > limit) problems.push(`${where}: period ${period} x ${evaluationPeriods} periods = ${period * evaluationPeriods} s, over ${limit} s`);
  }
  if (typeof params.DatapointsToAlarm === "number" && params.DatapointsToAlarm > evaluationPeriods) problems.push(`${where}: DatapointsToAlarm above EvaluationPeriods`);
  const description = params.AlarmDescription as string | undefined;
  if (description !== undefined && description.length > CLOUDWATCH_LIMITS.alarmDescriptionMaxLength) {
    problems.push(`${where}: AlarmDescription is ${description.length} characters, over ${CLOUDWATCH_LIMITS.alarmDescriptionMaxLength}`);
  }
  return problems;
}

/**
 * An input transformer's template: at most 8,192 characters, and every `<name>` in it a variable of
 * InputPathsMap or a predefined one (EventBridge would otherwise leave the text in, or refuse).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
 */
function inputTemplateProblems(where: string, template: string, paths: Record<string, string> = {}): string[] {
  const problems: string[] = [];
  if (template.length > EVENTBRIDGE_LIMITS.inputTemplateMaxLength) problems.push(`${where}: InputTemplate is ${template.length} characters, over ${EVENTBRIDGE_LIMITS.inputTemplateMaxLength}`);
  const predefined = new Set(["aws.events.rule-arn", "aws.events.rule-name", "aws.events.event.ingestion-time", "aws.events.event", "aws.events.event.json"]);
  for (const [, name] of template.matchAll(/<([^<>]*)>/g)) {
    if (!(name in paths) && !predefined.has(name)) problems.push(`${where}: InputTemplate has <${name}>, which is no variable`);
  }
  return problems;
}

/**
 * A `log` widget's query (`SOURCE '<group>' | ... | <query>`): its log groups are ones the plan
 * creates in the widget's region (a misnamed group shows an empty widget, not an error), and the
 * query Logs Insights runs stays within StartQuery's 10,000 characters.
 */
function logWidgetProblems(where: string, index: number, properties: Json, logGroups: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const clauses = String(properties.query ?? "").split(" | ");
  const sources = clauses.filter((clause) => clause.startsWith("SOURCE ")).map((clause) => /^SOURCE '([^']+)'$/.exec(clause)?.[1] ?? clause);
  if (sources.length === 0) problems.push(`${where}: log widget ${index} names no log group (SOURCE '<group>')`);
  for (const group of sources) {
    if (!logGroups.has(`${properties.region} ${group}`)) problems.push(`${where}: log widget ${index} reads ${group} in ${properties.region}, a log group the plan does not create there`);
  }
  const query = clauses.filter((clause) => !clause.startsWith("SOURCE ")).join(" | ");
  if (query.length > LOGS_INSIGHTS_LIMITS.queryStringMaxLength) problems.push(`${where}: log widget ${index}'s query is ${query.length} characters, over ${LOGS_INSIGHTS_LIMITS.queryStringMaxLength}`);
  return problems;
}

function dashboardProblems(where: string, body: string, logGroups: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const widgets = ((JSON.parse(body) as Json).widgets as Json[] | undefined) ?? [];
  if (widgets.length > CLOUDWATCH_LIMITS.maxDashboardWidgets) problems.push(`${where}: ${widgets.length} widgets, over ${CLOUDWATCH_LIMITS.maxDashboardWidgets}`);
  let total = 0;
  widgets.forEach((widget, index) => {
    const properties = (widget.properties ?? {}) as Json;
    const metrics = ((properties.metrics as unknown[] | undefined) ?? []).length;
    total += metrics;
    if (metrics > CLOUDWATCH_LIMITS.maxMetricsPerWidget) problems.push(`${where}: widget ${index} lists ${metrics} metrics, over ${CLOUDWATCH_LIMITS.maxMetricsPerWidget}`);
    const alarms = ((properties.alarms as unknown[] | undefined) ?? []).length;
    if (alarms > ALARMS_PER_WIDGET) problems.push(`${where}: widget ${index} shows ${alarms} alarms, over ${ALARMS_PER_WIDGET}`);
    if (widget.type === "log") problems.push(...logWidgetProblems(where, index, properties, logGroups));
  });
  if (total > CLOUDWATCH_LIMITS.maxMetricsPerDashboard) problems.push(`${where}: ${total} metrics in all, over ${CLOUDWATCH_LIMITS.maxMetricsPerDashboard}`);
  return problems;
}

function functionProblems(where: string, params: Json): string[] {
  const problems: string[] = [];
  const name = params.FunctionName as string;
  if (!name.startsWith("arn:") && name.length > LAMBDA_LIMITS.functionNameMaxLength) problems.push(`${where}: FunctionName is ${name.length} characters, over ${LAMBDA_LIMITS.functionNameMaxLength}`);
  const variables = (params.Environment as { Variables?: Record<string, string> } | undefined)?.Variables;
  if (variables) {
    const bytes = Buffer.byteLength(JSON.stringify(variables));
    if (bytes > LAMBDA_LIMITS.environmentMaxBytes) problems.push(`${where}: environment is ${bytes} bytes, over ${LAMBDA_LIMITS.environmentMaxBytes}`);
  }
  const zip = (params.Code as { ZipFile?: Buffer } | undefined)?.ZipFile;
  if (zip && zip.length > LAMBDA_LIMITS.zippedPackageMaxBytes) problems.push(`${where}: package is ${zip.length} bytes, over ${LAMBDA_LIMITS.zippedPackageMaxBytes}`);
  return problems;
}

/**
 * A subscription's filter policy: at most 5 keys (in a MessageBody policy, the keys that hold
 * values, nested ones included), 150 combinations of values, 256 KB.
 * https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
 */
export function filterPolicyProblems(where: string, text: string): string[] {
  const problems: string[] = [];
  const bytes = Buffer.byteLength(text);
  if (bytes > SNS_FILTER_POLICY_LIMITS.maxBytes) problems.push(`${where}: FilterPolicy is ${bytes} bytes, over ${SNS_FILTER_POLICY_LIMITS.maxBytes}`);
  const valueCounts: number[] = [];
  const visit = (node: Json) => {
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) valueCounts.push(value.length);
      else if (value !== null && typeof value === "object") visit(value as Json);
      else valueCounts.push(1);
    }
  };
  visit(JSON.parse(text) as Json);
  if (valueCounts.length > SNS_FILTER_POLICY_LIMITS.maxKeys) problems.push(`${where}: FilterPolicy has ${valueCounts.length} keys, over ${SNS_FILTER_POLICY_LIMITS.maxKeys}`);
  const combinations = valueCounts.reduce((product, count) => product * count, 1);
  if (combinations > SNS_FILTER_POLICY_LIMITS.maxCombinations) problems.push(`${where}: FilterPolicy has ${combinations} combinations of values, over ${SNS_FILTER_POLICY_LIMITS.maxCombinations}`);
  return problems;
}

/**
 * Every documented limit the plan would break, as `<type> <name>: <reason>`. `quotas` are the
 * stage's `webhealth:accountQuotas` (adjustable quotas the account had raised).
 */
export function documentedLimitProblems(records: readonly SynthRecord[], quotas: AccountQuotas = {}): string[] {
  const problems: string[] = [];
  const inlinePolicyChars = new Map<string, number>();
  const filterPoliciesByTopic = new Map<string, number>();
  const functionPolicies = new Map<string, Json[]>();
  const logGroups = new Set(records.filter((record) => record.type === "aws:cloudwatch/logGroup:LogGroup").map((record) => `${record.region} ${record.inputs.name}`));
  for (const record of records) {
    const where = `${record.type} ${record.name}`;
    for (const { service, operation, params } of requestsFor(record) as AwsRequest[]) {
      switch (`${service}:${operation}`) {
        case "events:PutTargets":
          for (const target of params.Targets as Json[]) {
            const input = target.Input as string | undefined;
            if (input !== undefined && input.length > EVENTBRIDGE_LIMITS.targetInputMaxLength) problems.push(`${where}: Input is ${input.length} characters, over ${EVENTBRIDGE_LIMITS.targetInputMaxLength}`);
            const template = (target.InputTransformer as Json | undefined)?.InputTemplate as string | undefined;
            if (template !== undefined) problems.push(...inputTemplateProblems(where, template, (target.InputTransformer as Json).InputPathsMap as Record<string, string>));
          }
          break;
        case "monitoring:PutMetricAlarm":
          problems.push(...alarmProblems(where, params));
          break;
        case "monitoring:PutDashboard":
          problems.push(...dashboardProblems(where, params.DashboardBody as string, logGroups));
          break;
        case "iam:CreateRole": {
          const chars = nonWhitespaceLength(params.AssumeRolePolicyDocument as string);
          if (chars > IAM_LIMITS.trustPolicyMaxChars) problems.push(`${where}: trust policy is ${chars} characters, over ${IAM_LIMITS.trustPolicyMaxChars}`);
          break;
        }
        case "iam:PutRolePolicy": {
          const role = params.RoleName as string;
          inlinePolicyChars.set(role, (inlinePolicyChars.get(role) ?? 0) + nonWhitespaceLength(params.PolicyDocument as string));
          break;
        }
        case "lambda:CreateFunction":
          problems.push(...functionProblems(where, params));
          break;
        case "codedeploy:CreateDeploymentGroup": {
          const alarms = ((params.alarmConfiguration as Json | undefined)?.alarms as unknown[] | undefined)?.length ?? 0;
          if (alarms > CODEDEPLOY_LIMITS.maxAlarmsPerDeploymentGroup) problems.push(`${where}: ${alarms} alarms, over ${CODEDEPLOY_LIMITS.maxAlarmsPerDeploymentGroup}`);
          break;
        }
        case "sqs:SetQueueAttributes":
        case "sqs:CreateQueue": {
          const policy = (params.Attributes as Record<string, string> | undefined)?.Policy;
          if (policy !== undefined) problems.push(...resourcePolicyProblems("sqs", where, policy));
          break;
        }
        case "sns:Subscribe": {
          const filterPolicy = (params.Attributes as Record<string, string> | undefined)?.FilterPolicy;
          if (filterPolicy !== undefined) {
            problems.push(...filterPolicyProblems(where, filterPolicy));
            filterPoliciesByTopic.set(params.TopicArn as string, (filterPoliciesByTopic.get(params.TopicArn as string) ?? 0) + 1);
          }
          break;
        }
        case "lambda:AddPermission": {
          // Lambda keeps one policy per function: its own statements and its aliases' together.
          const functionArn = permissionFunctionArn(record, record.region ?? "us-east-1").replace(/^(arn:[^:]+:lambda:[^:]+:[^:]+:function:[^:]+).*$/, "$1");
          functionPolicies.set(functionArn, [...(functionPolicies.get(functionArn) ?? []), permissionStatement(record, record.region ?? "us-east-1")]);
          break;
        }
        case "sns:SetTopicAttributes":
          if (params.AttributeName === "Policy") problems.push(...resourcePolicyProblems("sns", where, params.AttributeValue as string));
          break;
        case "kms:CreateKey":
          if (params.Policy !== undefined) problems.push(...resourcePolicyProblems("kms", where, params.Policy as string));
          break;
        default:
          break;
      }
    }
  }
  const filterPolicyQuota = quotas.snsFilterPoliciesPerTopic ?? SNS_FILTER_POLICY_LIMITS.defaultPerTopic;
  for (const [topic, count] of filterPoliciesByTopic) {
    if (count > filterPolicyQuota) problems.push(`aws:sns/topic:Topic ${topic}: ${count} subscriptions with a filter policy, over the quota of ${filterPolicyQuota} per topic`);
  }
  for (const [functionArn, statements] of functionPolicies) {
    const bytes = Buffer.byteLength(JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: statements }));
    if (bytes > LAMBDA_LIMITS.resourcePolicyMaxBytes) problems.push(`aws:lambda/function:Function ${functionArn}: its resource-based policy is ${bytes} bytes, over ${LAMBDA_LIMITS.resourcePolicyMaxBytes}`);
  }
  for (const [role, chars] of inlinePolicyChars) {
    if (chars > IAM_LIMITS.roleInlinePoliciesMaxChars) problems.push(`aws:iam/role:Role ${role}: inline policies total ${chars} characters, over ${IAM_LIMITS.roleInlinePoliciesMaxChars}`);
  }
  return problems;
}
