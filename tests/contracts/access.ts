/**
 * Every access the deployed stage depends on, as IAM requests to simulate against the synthesised
 * policies with `@cloud-copilot/iam-simulate`: the SDK calls each function's code sends
 * (function-calls.ts) on exactly the resources they target with the condition context they carry,
 * what Lambda does with a function's role (its logs, its failure destination), what AWS services
 * do on our behalf (CloudWatch publishing to the encrypted topic, EventBridge and SNS invoking the
 * live aliases and writing the dead-letter queues, CodeDeploy shifting an alias), and each role's
 * trust. Next to each allowed request, a neighbouring one the policies must refuse.
 */
import { deliveredEvent } from "../infra/support/eventbridge";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { bundleFunction, FUNCTIONS_DIR } from "../../scripts/bundle";
import { autoName, MOCK_ACCOUNT_ID, mockKeyId, type SynthRecord, type SynthResult } from "../../infra/synth";
import { LIVE_ALIAS, NOTIFIER_ENV, PROBE_ENV, RECORDER_ENV } from "../../functions/common/contract";
import { secretReferences, type Target } from "../../functions/common/targets";
import { sdkCallsOf } from "./function-calls";
import { permissionFunctionArn, permissionStatement } from "./plan-policies";

const ACCOUNT = MOCK_ACCOUNT_ID;
type Policy = { Version?: string; Statement: unknown[] };

export interface AccessCase {
  /** What is being proven, e.g. `probe-us-east-1: cloudwatch:PutMetricData`. */
  label: string;
  principal: string;
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  identityPolicies: Array<{ name: string; policy: Policy }>;
  resourcePolicy?: Policy;
  expect: "Allowed" | "Denied";
  /**
   * Evaluate the statements here instead of with iam-simulate, which does not resolve the
   * `kms:EncryptionContext:<key>` family of condition keys (it reports them missing): Allow
   * statements whose action, resource and StringEquals conditions all match, in the identity
   * policies and (for a key policy granting the account) in the resource policy too.
   */
  matchStatements?: true;
}

export interface AccessResult {
  result: string;
  errors?: string;
}

/** Runs one case; `result` is iam-simulate's overall result (`Allowed`, `ImplicitlyDenied`, ...) or `error`. */
export async function simulate(access: AccessCase): Promise<AccessResult> {
  if (access.matchStatements) {
    const allowed = statementsAllow(access.identityPolicies.map(({ policy }) => policy), access) && (!access.resourcePolicy || statementsAllow([access.resourcePolicy], access));
    return { result: allowed ? "Allowed" : "ImplicitlyDenied" };
  }
  const simulation: Simulation = {
    request: { principal: access.principal, action: access.action, resource: { resource: access.resource, accountId: ACCOUNT }, contextVariables: access.context },
    identityPolicies: access.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: access.resourcePolicy,
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === "error") {
    // Some actions take resource types whose ARN formats are the same text (a Lambda alias and a
    // version: `function:<name>:<qualifier>`); iam-simulate refuses to pick one. For those the
    // identity statements are matched directly: an Allow naming the action and the resource,
    // without conditions (none of ours has any there).
    if (response.errors.message.includes("multiple.resource.types") && !access.resourcePolicy) return { result: identityAllows(access) ? "Allowed" : "ImplicitlyDenied" };
    return { result: "error", errors: response.errors.message };
  }
  return { result: response.overallResult };
}

const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);

function identityAllows(access: AccessCase): boolean {
  return access.identityPolicies.some(({ policy }) =>
    (policy.Statement as Array<{ Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown }>).some(
      (statement) =>
        statement.Effect === "Allow" &&
        statement.Condition === undefined &&
        ([] as string[]).concat(statement.Action).some((action) => new RegExp(glob(action).source, "i").test(access.action)) &&
        ([] as string[]).concat(statement.Resource).some((resource) => glob(resource).test(access.resource)),
    ),
  );
}

/** An Allow statement matching the action and resource whose conditions are all StringEquals and all hold in the context. */
function statementsAllow(policies: Policy[], access: AccessCase): boolean {
  type Statement = { Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string | string[]>> };
  return policies.some((policy) =>
    (policy.Statement as Statement[]).some((statement) => {
      if (statement.Effect !== "Allow") return false;
      if (!([] as string[]).concat(statement.Action).some((action) => new RegExp(glob(action).source, "i").test(access.action))) return false;
      if (!([] as string[]).concat(statement.Resource).some((resource) => glob(resource).test(access.resource))) return false;
      return Object.entries(statement.Condition ?? {}).every(
        ([operator, keys]) =>
          operator === "StringEquals" &&
          Object.entries(keys).every(([key, wanted]) => {
            const actual = access.context[key];
            return typeof actual === "string" && ([] as string[]).concat(wanted).includes(actual);
          }),
      );
    }),
  );
}

const parse = (value: unknown): Policy => (typeof value === "string" ? JSON.parse(value) : value) as Policy;
const arn = (service: string, region: string, resource: string) => `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;

/** The code a function record runs, recognised by its archive's hash (`probe`, `recorder`, `canary-hook`). */
function codeOf(record: SynthRecord, hashes: Map<string, string>): string | undefined {
  const archive = (record.inputs.code as { archive?: Record<string, { sha256?: string }> } | undefined)?.archive;
  return archive ? hashes.get(archive["index.js"]?.sha256 ?? "") : undefined;
}

interface CanaryOutput {
  region: string;
  functionName: string;
  alias: string;
  codeDeployApplication: string;
  deploymentGroup: string;
  hookFunctionName: string;
}

/** The function a call runs in, with what its call targets are derived from. */
interface FunctionContext {
  record: SynthRecord;
  region: string;
  environment: Record<string, string>;
  /** For a pre-traffic hook: the canary function it tests. */
  serves?: CanaryOutput;
  /** Every resource of the stage (the notifier reads the probes' log groups). */
  records: SynthRecord[];
  /** The SSM parameters the notifier's channels read, from the stage's plan. */
  secretParameters: string[];
  /** The stage's KMS key ARN (topics and secrets are encrypted with it). */
  keyArn?: string;
}

/** A request a service makes with the function's own rights on its behalf (SNS and SSM using the KMS key). */
interface ImpliedCall {
  action: string;
  target: CallTarget;
  /** The resource policy evaluated too (the key policy). */
  resourcePolicy?: Policy;
}

interface CallTarget {
  resource: string;
  context?: Record<string, string>;
  /** A neighbouring request the role must not be allowed (absent for actions granted on "*"). */
  refused?: { resource: string; context?: Record<string, string> };
}

/**
 * For each function's code and each SDK call it sends, the request AWS authorises: the resource
 * and condition context of the call as the code makes it. A call found in the code and missing
 * here fails the tests: add how it targets its resource, then grant it.
 */
export const CALL_TARGETS: Record<string, Record<string, (fn: FunctionContext) => CallTarget[]>> = {
  probe: {
    // PutMetricData has no resource; the namespace is the request's cloudwatch:namespace (functions/probe/publish.ts).
    "cloudwatch:PutMetricData": ({ environment }) => [
      { resource: "*", context: { "cloudwatch:namespace": environment[PROBE_ENV.namespace] }, refused: { resource: "*", context: { "cloudwatch:namespace": "AWS/EC2" } } },
    ],
  },
  notifier: {
    // The ledger: the delivery record (UpdateItem), the alarm's earlier changes (Query), the self-test (DescribeTable).
    "dynamodb:UpdateItem": ({ environment, region }) => [ledgerTable(environment[NOTIFIER_ENV.tableName], region)],
    "dynamodb:Query": ({ environment, region }) => [ledgerTable(environment[NOTIFIER_ENV.tableName], region)],
    "dynamodb:DescribeTable": ({ environment, region }) => [ledgerTable(environment[NOTIFIER_ENV.tableName], region)],
    // Readable e-mails go to the e-mail topic only, never back to the alarm topic.
    "sns:Publish": ({ environment }) => [{ resource: environment[NOTIFIER_ENV.emailTopicArn], refused: { resource: environment[NOTIFIER_ENV.emailTopicArn].replace(/-email$/, "-alarms") } }],
    // Failed deliveries: the notifier's own dead-letter queue (its URL in DEAD_LETTER_QUEUE_URL).
    "sqs:SendMessage": ({ environment }) => {
      const [, , host, account, name] = environment[NOTIFIER_ENV.deadLetterQueueUrl].split("/");
      const region = host.split(".")[1];
      return [{ resource: `arn:aws:sqs:${region}:${account}:${name}`, refused: { resource: `arn:aws:sqs:${region}:${account}:another-queue` } }];
    },
    // The sweep lists the stage's alarms in ALARM: a List action evaluated on alarm:* in the home region.
    "cloudwatch:DescribeAlarms": ({ region }) => [{ resource: arn("cloudwatch", region, "alarm:*"), refused: { resource: arn("cloudwatch", region === "us-east-1" ? "eu-west-1" : "us-east-1", "alarm:*") } }],
    // Logs Insights over each probe region's log group (functions/notifier/probe-results.ts).
    "logs:StartQuery": ({ records }) => probeLogGroups(records),
    "logs:GetQueryResults": ({ records }) => probeLogGroups(records),
    // Exactly the parameters the channels name (none when no channel has a secret).
    "ssm:GetParameters": ({ secretParameters, region }) =>
      secretParameters.map((name) => ({ resource: arn("ssm", region, `parameter${name}`), refused: { resource: arn("ssm", region, "parameter/webhealth/another-stage/secrets/x") } })),
  },
  recorder: {
    // The ledger table named by ALARM_TABLE_NAME, in the recorder's region (functions/recorder/config.ts).
    "dynamodb:UpdateItem": ({ environment, region }) => [
      { resource: arn("dynamodb", region, `table/${environment[RECORDER_ENV.tableName]}`), refused: { resource: arn("dynamodb", region, "table/another-table") } },
    ],
    "dynamodb:DescribeTable": ({ environment, region }) => [
      { resource: arn("dynamodb", region, `table/${environment[RECORDER_ENV.tableName]}`), refused: { resource: arn("dynamodb", region, "table/another-table") } },
    ],
  },
  "canary-hook": {
    // GetDeployment is authorised on the deployment's group; GetApplicationRevision on its application.
    "codedeploy:GetDeployment": ({ serves, region }) => [
      {
        resource: arn("codedeploy", region, `deploymentgroup:${serves!.codeDeployApplication}/${serves!.deploymentGroup}`),
        refused: { resource: arn("codedeploy", region, "deploymentgroup:another-app/another-group") },
      },
    ],
    "codedeploy:GetApplicationRevision": ({ serves, region }) => [
      { resource: arn("codedeploy", region, `application:${serves!.codeDeployApplication}`), refused: { resource: arn("codedeploy", region, "application:another-app") } },
    ],
    // No resource-level permissions: the request is authorised on "*".
    "codedeploy:PutLifecycleEventHookExecutionStatus": () => [{ resource: "*" }],
    // The hook invokes `<function>:<TargetVersion>`, a published version of the function it tests.
    "lambda:InvokeFunction": ({ serves, region }) => [
      { resource: arn("lambda", region, `function:${serves!.functionName}:2`), refused: { resource: arn("lambda", region, "function:another-function:2") } },
    ],
  },
};

function ledgerTable(tableName: string, region: string): CallTarget {
  return { resource: arn("dynamodb", region, `table/${tableName}`), refused: { resource: arn("dynamodb", region, "table/another-table") } };
}

/** Each probe function's log group, in its region. */
function probeLogGroups(records: SynthRecord[]): CallTarget[] {
  return records
    .filter((record) => record.type === "aws:lambda/function:Function" && /-probe-[a-z0-9-]+$/.test(String(record.inputs.name)) && !String(record.inputs.name).startsWith("CodeDeployHook_"))
    .map((record) => {
      const region = record.region ?? "us-east-1";
      const group = String((record.inputs.loggingConfig as { logGroup?: string }).logGroup);
      return { resource: arn("logs", region, `log-group:${group}`), refused: { resource: arn("logs", region, "log-group:/aws/lambda/another-function") } };
    });
}

/**
 * Requests that AWS services make with a function's own rights when it calls them: SNS encrypts
 * what the notifier publishes to the encrypted e-mail topic with the publisher's
 * kms:GenerateDataKey, and SSM decrypts a SecureString with the reader's kms:Decrypt, each only
 * through that service (the key policy's kms:ViaService conditions).
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html
 */
const IMPLIED_CALLS: Record<string, Record<string, (fn: FunctionContext, keyPolicy?: Policy) => ImpliedCall[]>> = {
  notifier: {
    "sns:Publish": ({ keyArn, region }, keyPolicy) =>
      keyArn
        ? ["kms:GenerateDataKey", "kms:Decrypt"].map((action) => ({
            action,
            target: { resource: keyArn, context: { "kms:ViaService": `sns.${region}.amazonaws.com`, "kms:CallerAccount": ACCOUNT }, refused: { resource: keyArn.replace(/key\/.*$/, "key/another-key") } },
            resourcePolicy: keyPolicy,
          }))
        : [],
    "ssm:GetParameters": ({ keyArn, region, secretParameters }, keyPolicy) =>
      keyArn && secretParameters.length > 0
        ? [{ action: "kms:Decrypt", target: { resource: keyArn, context: { "kms:ViaService": `ssm.${region}.amazonaws.com`, "kms:CallerAccount": ACCOUNT } }, resourcePolicy: keyPolicy }]
        : [],
  },
};

/** The actions CodeDeploy performs with a deployment group's service role for a Lambda deployment
 * (the scoped equivalent of AWSCodeDeployRoleForLambda, infra/components/canary-function.ts).
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForLambda.html */
const CODEDEPLOY_ACTIONS = ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig", "lambda:InvokeFunction", "cloudwatch:DescribeAlarms"];

/** Every function of the repository: each `functions/<name>/index.ts` (common/ is shared code). */
export const FUNCTION_NAMES = fs
  .readdirSync(FUNCTIONS_DIR)
  .filter((name) => fs.existsSync(path.join(FUNCTIONS_DIR, name, "index.ts")))
  .sort();

let code: { hashes: Map<string, string>; callsByCode: Map<string, ReturnType<typeof sdkCallsOf>> } | undefined;

/** Each function's bundle hash (to recognise it in the plan) and its SDK calls, computed once. */
function functionCode() {
  code ??= {
    hashes: new Map(FUNCTION_NAMES.map((name) => [createHash("sha256").update(bundleFunction(name).code).digest("hex"), name])),
    callsByCode: new Map(FUNCTION_NAMES.map((name) => [name, sdkCallsOf(name)])),
  };
  return code;
}

export interface StageAccess {
  cases: AccessCase[];
  /** Per role: the actions its identity policies grant that nothing in the stage needs. */
  unneededGrants: string[];
  /** SDK calls found in a function's code with no entry in CALL_TARGETS. */
  untargetedCalls: string[];
  /** Roles no function or deployment group uses. */
  unusedRoles: string[];
}

/** Builds every access case of a synthesised stage; `secretParameters` are the SSM parameters its notifier's channels read (from the plan). */
export function stageAccess(result: SynthResult, homeRegion: string, secretParameters: string[] = []): StageAccess {
  const { records } = result;
  const ofType = (type: string) => records.filter((record) => record.type === type);
  const { hashes, callsByCode } = functionCode();
  const canaries = Object.values((result.document.outputs.canaryFunctions ?? {}) as Record<string, CanaryOutput>);

  const roleName = (roleArn: string) => roleArn.split("/").pop()!;
  const rolePolicies = (name: string) =>
    ofType("aws:iam/rolePolicy:RolePolicy")
      .filter((policy) => policy.inputs.role === name)
      .map((policy) => ({ name: policy.name, policy: parse(policy.inputs.policy) }));
  const queuePolicyOf = (queueArn: string): Policy | undefined => {
    const [, , , region, account, name] = queueArn.split(":");
    const policy = ofType("aws:sqs/queuePolicy:QueuePolicy").find((record) => record.inputs.queueUrl === `https://sqs.${region}.amazonaws.com/${account}/${name}`);
    return policy ? parse(policy.inputs.policy) : undefined;
  };
  const functionPolicy = (functionArn: string): Policy => ({
    Version: "2012-10-17",
    Statement: ofType("aws:lambda/permission:Permission")
      .filter((permission) => permissionFunctionArn(permission, homeRegion) === functionArn)
      .map((permission) => permissionStatement(permission, homeRegion)),
  });

  const roles = new Map(ofType("aws:iam/role:Role").map((record) => [String(record.inputs.name ?? autoName(record.name)), record]));
  const trustOf = (role: string) => parse(roles.get(role)?.inputs.assumeRolePolicy ?? { Statement: [] });

  const cases: AccessCase[] = [];
  const needed = new Map<string, Set<string>>();
  const need = (role: string, action: string) => needed.set(role, new Set([...(needed.get(role) ?? []), action.toLowerCase()]));
  const untargetedCalls: string[] = [];
  const usedRoles = new Set<string>();

  // The functions: their code's SDK calls, their logs and failure destinations, their trust.
  for (const fn of ofType("aws:lambda/function:Function")) {
    const code = codeOf(fn, hashes);
    const region = fn.region ?? homeRegion;
    const role = roleName(String(fn.inputs.role));
    usedRoles.add(role);
    const principal = `arn:aws:iam::${ACCOUNT}:role/${role}`;
    const identityPolicies = rolePolicies(role);
    const environment = (fn.inputs.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {};
    const name = String(fn.inputs.name);
    const stageKey = ofType("aws:kms/key:Key")[0];
    const keyArn = ofType("aws:sns/topic:Topic").map((topic) => topic.inputs.kmsMasterKeyId as string | undefined).find((value) => value !== undefined);
    const context: FunctionContext = { record: fn, region, environment, serves: canaries.find((canary) => canary.hookFunctionName === name), records, secretParameters, keyArn };
    const grantCase = (label: string, action: string, target: CallTarget, resourcePolicy?: Policy) => {
      cases.push({ label, principal, action, resource: target.resource, context: target.context ?? {}, identityPolicies, resourcePolicy, expect: "Allowed" });
      if (target.refused) {
        cases.push({ label: `${label} (refused: ${target.refused.resource}${target.refused.context ? ` ${JSON.stringify(target.refused.context)}` : ""})`, principal, action, resource: target.refused.resource, context: target.refused.context ?? {}, identityPolicies, resourcePolicy, expect: "Denied" });
      }
    };
    if (!code) untargetedCalls.push(`${name} runs code that matches no functions/<name>/index.ts bundle`);
    for (const call of code ? (callsByCode.get(code) ?? []) : []) {
      need(role, call.action);
      const targets = CALL_TARGETS[code!]?.[call.action];
      if (!targets) {
        untargetedCalls.push(`${code}: ${call.action} (${call.command} in ${call.file}) has no entry in CALL_TARGETS (tests/contracts/access.ts)`);
        continue;
      }
      for (const target of targets(context)) grantCase(`${name}: ${call.action} (${call.command})`, call.action, target);
      for (const implied of IMPLIED_CALLS[code!]?.[call.action]?.(context, stageKey ? parse(stageKey.inputs.policy) : undefined) ?? []) {
        need(role, implied.action);
        grantCase(`${name}: ${implied.action} through ${call.action}`, implied.action, implied.target, implied.resourcePolicy);
      }
    }
    const logGroup = String((fn.inputs.loggingConfig as { logGroup?: string } | undefined)?.logGroup ?? `/aws/lambda/${name}`);
    for (const action of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
      need(role, action);
      grantCase(`${name}: Lambda writes its logs (${action})`, action, {
        resource: arn("logs", region, `log-group:${logGroup}:log-stream:2026/12/01/[$LATEST]0123456789abcdef`),
        refused: { resource: arn("logs", region, "log-group:/aws/lambda/another-function:log-stream:2026/12/01/[$LATEST]0123456789abcdef") },
      });
    }
    cases.push({ label: `${name}: lambda.amazonaws.com assumes ${role}`, principal: "lambda.amazonaws.com", action: "sts:AssumeRole", resource: principal, context: {}, identityPolicies: [], resourcePolicy: trustOf(role), expect: "Allowed" });
  }

  // The probe reads the secrets its event's targets name (functions/probe/secrets.ts, through
  // Powertools, so no `new ...Command` of ours shows it: GetParameters in a batch, GetParameter one by
  // one after a failed batch), and SSM decrypts each with the caller's kms:Decrypt on the stage key,
  // the parameter's ARN as encryption context.
  // https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html
  const stageKey = ofType("aws:kms/key:Key")[0];
  for (const fn of ofType("aws:lambda/function:Function")) {
    const environment = (fn.inputs.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {};
    const parameterPath = environment[PROBE_ENV.secretsPath];
    if (!parameterPath) continue;
    const secretsRegion = environment[PROBE_ENV.secretsRegion] ?? homeRegion;
    const role = roleName(String(fn.inputs.role));
    const principal = `arn:aws:iam::${ACCOUNT}:role/${role}`;
    const identityPolicies = rolePolicies(role);
    const events = ofType("aws:cloudwatch/eventTarget:EventTarget").filter((target) => String(target.inputs.arn).includes(`:function:${fn.inputs.name}:`));
    const names = new Set(
      events.flatMap((target) => (deliveredEvent(target.inputs).targets as Target[]).flatMap((probeTarget) => secretReferences(probeTarget).map((reference) => reference.name))),
    );
    const parameterArn = (name: string) => arn("ssm", secretsRegion, `parameter${parameterPath}${name}`);
    const keyArn = String(ofType("aws:ssm/parameter:Parameter")[0]?.inputs.keyId);
    for (const name of names) {
      for (const action of ["ssm:GetParameters", "ssm:GetParameter"]) {
        need(role, action);
        const base = { principal, action, context: {}, identityPolicies };
        cases.push({ ...base, label: `${fn.inputs.name}: reads its secret ${name} (${action})`, resource: parameterArn(name), expect: "Allowed" });
        cases.push({ ...base, label: `${fn.inputs.name}: no other parameter of the stage (${action}, refused)`, resource: parameterArn("another-secret"), expect: "Denied" });
      }
      need(role, "kms:Decrypt");
      const context = { "kms:ViaService": `ssm.${secretsRegion}.amazonaws.com`, "kms:CallerAccount": ACCOUNT, "kms:EncryptionContext:PARAMETER_ARN": parameterArn(name) };
      const base = { principal, action: "kms:Decrypt", resource: keyArn, identityPolicies, resourcePolicy: stageKey ? parse(stageKey.inputs.policy) : undefined, matchStatements: true as const };
      cases.push({ ...base, label: `${fn.inputs.name}: SSM decrypts ${name} with the stage key`, context, expect: "Allowed" });
      cases.push({ ...base, label: `${fn.inputs.name}: not another parameter's value (refused)`, context: { ...context, "kms:EncryptionContext:PARAMETER_ARN": parameterArn("another-secret") }, expect: "Denied" });
      cases.push({ ...base, label: `${fn.inputs.name}: not the key outside SSM (refused)`, context: { ...context, "kms:ViaService": `sns.${secretsRegion}.amazonaws.com` }, expect: "Denied" });
    }
  }

  // Lambda sends a failed asynchronous invocation to the alias's on-failure destination with the function's role.
  for (const config of ofType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")) {
    const fn = ofType("aws:lambda/function:Function").find((record) => record.inputs.name === config.inputs.functionName && record.region === config.region)!;
    const role = roleName(String(fn.inputs.role));
    const destination = (config.inputs.destinationConfig as { onFailure?: { destination: string } } | undefined)?.onFailure?.destination;
    if (!destination) continue;
    need(role, "sqs:SendMessage");
    const principal = `arn:aws:iam::${ACCOUNT}:role/${role}`;
    const base = { principal, action: "sqs:SendMessage", context: {}, identityPolicies: rolePolicies(role), resourcePolicy: queuePolicyOf(destination) };
    cases.push({ ...base, label: `${fn.inputs.name}: Lambda keeps a failed invocation in ${destination}`, resource: destination, expect: "Allowed" });
    cases.push({ ...base, label: `${fn.inputs.name}: no other queue (refused)`, resource: destination.replace(/:[^:]+$/, ":another-queue"), expect: "Denied" });
  }

  // CloudWatch alarms (metric and composite) publish their ALARM and OK notifications to every topic
  // they name (the alarm topic; the notifier's own alarms the operators topic too): each topic's
  // policy, and the key policy of the key it is encrypted with.
  const keyPolicyOf = (keyArn: string): Policy | undefined => {
    const key = ofType("aws:kms/key:Key").find((record) => keyArn === arn("kms", record.region ?? homeRegion, `key/${mockKeyId(record.name)}`));
    return key ? parse(key.inputs.policy) : undefined;
  };
  const alarms = [...ofType("aws:cloudwatch/metricAlarm:MetricAlarm"), ...ofType("aws:cloudwatch/compositeAlarm:CompositeAlarm")];
  for (const topic of ofType("aws:sns/topic:Topic")) {
    const topicName = String(topic.inputs.name);
    const topicArn = arn("sns", topic.region ?? homeRegion, topicName);
    const notifying = alarms.filter((alarm) => [alarm.inputs.alarmActions, alarm.inputs.okActions].some((actions) => ((actions as string[] | undefined) ?? []).includes(topicArn)));
    if (notifying.length === 0) continue;
    const policyRecord = ofType("aws:sns/topicPolicy:TopicPolicy").find((record) => record.inputs.arn === topicArn);
    const topicPolicy = policyRecord ? parse(policyRecord.inputs.policy) : undefined;
    const publish = { principal: "cloudwatch.amazonaws.com", action: "sns:Publish", resource: topicArn, identityPolicies: [], resourcePolicy: topicPolicy };
    for (const alarm of notifying) {
      const alarmName = String(alarm.inputs.name ?? alarm.inputs.alarmName);
      const kind = alarm.type.endsWith(":CompositeAlarm") ? "composite alarm" : "alarm";
      const alarmArn = arn("cloudwatch", alarm.region ?? homeRegion, `alarm:${alarmName}`);
      cases.push({ ...publish, label: `${kind} ${alarmName}: CloudWatch publishes to the topic ${topicName}`, context: { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": alarmArn }, expect: "Allowed" });
    }
    cases.push({
      ...publish,
      label: `an alarm of another stage or account cannot publish to ${topicName} (refused)`,
      context: { "aws:SourceAccount": "210987654321", "aws:SourceArn": `arn:aws:cloudwatch:${homeRegion}:210987654321:alarm:someone-else` },
      expect: "Denied",
    });
    const keyArn = topic.inputs.kmsMasterKeyId as string | undefined;
    if (keyArn) {
      const use = { principal: "cloudwatch.amazonaws.com", resource: keyArn, context: {}, identityPolicies: [], resourcePolicy: keyPolicyOf(keyArn) };
      for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) {
        cases.push({ ...use, label: `CloudWatch uses the topic's key (${action}) for ${topicName}`, action, expect: "Allowed" });
      }
      cases.push({ ...use, label: `another service cannot use ${topicName}'s key (refused)`, principal: "s3.amazonaws.com", action: "kms:Decrypt", expect: "Denied" });
    }
  }

  // EventBridge invokes the live alias and keeps what it cannot deliver in the dead-letter queue.
  for (const target of ofType("aws:cloudwatch/eventTarget:EventTarget")) {
    const region = target.region ?? homeRegion;
    const ruleArn = arn("events", region, `rule/${target.inputs.rule}`);
    const otherRule = arn("events", region, "rule/another-rule");
    const aliasArn = String(target.inputs.arn);
    const invoke = { principal: "events.amazonaws.com", action: "lambda:InvokeFunction", resource: aliasArn, identityPolicies: [], resourcePolicy: functionPolicy(aliasArn) };
    cases.push({ ...invoke, label: `rule ${target.inputs.rule} (${region}): EventBridge invokes ${aliasArn}`, context: { "aws:SourceArn": ruleArn, "aws:SourceAccount": ACCOUNT }, expect: "Allowed" });
    cases.push({ ...invoke, label: `another rule cannot invoke ${aliasArn} (refused)`, context: { "aws:SourceArn": otherRule, "aws:SourceAccount": ACCOUNT }, expect: "Denied" });
    const deadLetters = (target.inputs.deadLetterConfig as { arn?: string } | undefined)?.arn;
    if (deadLetters) {
      const send = { principal: "events.amazonaws.com", action: "sqs:SendMessage", resource: deadLetters, identityPolicies: [], resourcePolicy: queuePolicyOf(deadLetters) };
      cases.push({ ...send, label: `rule ${target.inputs.rule} (${region}): EventBridge keeps undeliverable events in ${deadLetters}`, context: { "aws:SourceArn": ruleArn, "aws:SourceAccount": ACCOUNT }, expect: "Allowed" });
      cases.push({ ...send, label: `another rule cannot write ${deadLetters} (refused)`, context: { "aws:SourceArn": otherRule, "aws:SourceAccount": ACCOUNT }, expect: "Denied" });
    }
  }

  // SNS invokes the recorder's live alias and keeps what it cannot deliver in the recorder's dead-letter queue.
  for (const subscription of ofType("aws:sns/topicSubscription:TopicSubscription").filter((record) => record.inputs.protocol === "lambda")) {
    const topicArn = String(subscription.inputs.topic);
    const otherTopic = topicArn.replace(/:[^:]+$/, ":another-topic");
    const endpoint = String(subscription.inputs.endpoint);
    const invoke = { principal: "sns.amazonaws.com", action: "lambda:InvokeFunction", resource: endpoint, identityPolicies: [], resourcePolicy: functionPolicy(endpoint) };
    cases.push({ ...invoke, label: `SNS invokes ${endpoint}`, context: { "aws:SourceArn": topicArn, "aws:SourceAccount": ACCOUNT }, expect: "Allowed" });
    cases.push({ ...invoke, label: `another topic cannot invoke ${endpoint} (refused)`, context: { "aws:SourceArn": otherTopic, "aws:SourceAccount": ACCOUNT }, expect: "Denied" });
    const redrive = subscription.inputs.redrivePolicy ? (JSON.parse(String(subscription.inputs.redrivePolicy)) as { deadLetterTargetArn?: string }).deadLetterTargetArn : undefined;
    if (redrive) {
      const send = { principal: "sns.amazonaws.com", action: "sqs:SendMessage", resource: redrive, identityPolicies: [], resourcePolicy: queuePolicyOf(redrive) };
      cases.push({ ...send, label: `SNS keeps undeliverable notifications in ${redrive}`, context: { "aws:SourceArn": topicArn, "aws:SourceAccount": ACCOUNT }, expect: "Allowed" });
      cases.push({ ...send, label: `another topic cannot write ${redrive} (refused)`, context: { "aws:SourceArn": otherTopic, "aws:SourceAccount": ACCOUNT }, expect: "Denied" });
    }
  }

  // CodeDeploy shifts each live alias with the deployment group's role, invokes the hook, polls the alarms.
  for (const group of ofType("aws:codedeploy/deploymentGroup:DeploymentGroup")) {
    const region = group.region ?? homeRegion;
    const role = roleName(String(group.inputs.serviceRoleArn));
    usedRoles.add(role);
    const canary = canaries.find((candidate) => candidate.deploymentGroup === group.inputs.deploymentGroupName && candidate.region === region);
    if (!canary) continue;
    const principal = `arn:aws:iam::${ACCOUNT}:role/${role}`;
    const identityPolicies = rolePolicies(role);
    const base = { principal, context: {}, identityPolicies };
    const aliasArn = arn("lambda", region, `function:${canary.functionName}:${LIVE_ALIAS}`);
    cases.push({ ...base, label: `${canary.deploymentGroup}: codedeploy.amazonaws.com assumes ${role}`, principal: "codedeploy.amazonaws.com", action: "sts:AssumeRole", resource: principal, identityPolicies: [], resourcePolicy: trustOf(role), expect: "Allowed" });
    for (const action of ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"]) {
      cases.push({ ...base, label: `${canary.deploymentGroup}: CodeDeploy ${action} on the live alias`, action, resource: aliasArn, expect: "Allowed" });
    }
    cases.push({ ...base, label: `${canary.deploymentGroup}: CodeDeploy cannot move another function's alias (refused)`, action: "lambda:UpdateAlias", resource: arn("lambda", region, `function:another-function:${LIVE_ALIAS}`), expect: "Denied" });
    cases.push({ ...base, label: `${canary.deploymentGroup}: CodeDeploy invokes the hook`, action: "lambda:InvokeFunction", resource: arn("lambda", region, `function:${canary.hookFunctionName}`), expect: "Allowed" });
    cases.push({ ...base, label: `${canary.deploymentGroup}: CodeDeploy invokes no other function (refused)`, action: "lambda:InvokeFunction", resource: arn("lambda", region, "function:another-function"), expect: "Denied" });
    for (const alarm of ((group.inputs.alarmConfiguration as { alarms?: string[] } | undefined)?.alarms ?? [])) {
      cases.push({ ...base, label: `${canary.deploymentGroup}: CodeDeploy polls alarm ${alarm}`, action: "cloudwatch:DescribeAlarms", resource: arn("cloudwatch", region, `alarm:${alarm}`), expect: "Allowed" });
    }
    for (const action of CODEDEPLOY_ACTIONS) need(role, action);
  }

  // Nothing more: every action a role's policies grant is one something in the stage needs.
  const unneededGrants: string[] = [];
  for (const record of ofType("aws:iam/rolePolicy:RolePolicy")) {
    const role = String(record.inputs.role);
    const wanted = needed.get(role) ?? new Set<string>();
    for (const statement of parse(record.inputs.policy).Statement as Array<{ Action: string | string[] }>) {
      for (const action of ([] as string[]).concat(statement.Action)) {
        if (!wanted.has(action.toLowerCase())) {
          unneededGrants.push(`${record.name} (role ${role}) grants ${action}, which no call of the stage needs`);
        }
      }
    }
  }
  const unusedRoles = [...roles.keys()].filter((role) => !usedRoles.has(role));
  return { cases, unneededGrants, untargetedCalls, unusedRoles };
}
