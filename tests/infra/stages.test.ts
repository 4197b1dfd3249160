/**
 * The program of every stage file, evaluated under Pulumi's mocks (infra/synth.ts registers them
 * before the program runs): exact resources and inputs.
 */
import { expect } from "chai";
import { LIVE_ALIAS } from "../../functions/common/contract";
import { parseTargets } from "../../functions/common/targets";
import { readSelfTestEvent } from "../../functions/canary-hook/self-test";
import { parseProbeEvent } from "../../functions/probe/event";
import { loadStageConfig } from "../../infra/config";
import { costLineItemsUsd, estimatedMonthlyCostUsd, estimateUsage } from "../../infra/cost";
import { dashboardUsage } from "../../infra/plan/dashboard";
import { INPUT_PATHS } from "../../infra/plan/shards";
import { renderInputTemplate } from "./support/eventbridge";
import { STATEFUL_RESOURCES } from "../../infra/plan/names";
import { planStage } from "../../infra/plan/stage";
import { SWEEP_EVENT } from "../../infra/plan/notifier";
import { fixtureConfig } from "../fixtures/stacks";
import { MOCK_ACCOUNT_ID, synthesize, type SynthRecord, type SynthResult } from "../../infra/synth";

const T = {
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  alias: "aws:lambda/alias:Alias",
  eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
  rule: "aws:cloudwatch/eventRule:EventRule",
  fn: "aws:lambda/function:Function",
  group: "aws:codedeploy/deploymentGroup:DeploymentGroup",
  permission: "aws:lambda/permission:Permission",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  table: "aws:dynamodb/table:Table",
  topic: "aws:sns/topic:Topic",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  provider: "pulumi:providers:aws",
};

const STACK_OUTPUT_KEYS = [
  "alarmNamePrefix",
  "alarmTableName",
  "canaryFunctions",
  "dashboardUrl",
  "emailTopicArn",
  "estimatedMonthlyCostLineItemsUsd",
  "estimatedMonthlyCostUsd",
  "heartbeats",
  "homeRegion",
  "operatorsTopicArn",
  "selfAlarms",
  "stage",
  "topicArn",
];

function countsByType(result: SynthResult): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of result.document.resources) counts[resource.type] = (counts[resource.type] ?? 0) + 1;
  return counts;
}

function ofType(result: SynthResult, type: string): SynthRecord[] {
  return result.records.filter((record) => record.type === type);
}

function named(result: SynthResult, type: string, name: string): SynthRecord {
  const found = result.records.find((record) => record.type === type && record.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
}

/**
 * Common resources of every stage, by type, plus what varies. `emails` addresses in e-mail
 * channels: each is subscribed to the e-mail topic (filtered on its channel) and, once, to the
 * operators topic; with any channel the notifier ships like the other functions.
 */
function expectedCounts(o: { regions: number; alarms: number; shards: number; emails: number }): Record<string, number> {
  const notifier = o.emails > 0 ? 1 : 0;
  const canaries = o.regions + 1 + notifier;
  return {
    "aws:cloudwatch/dashboard:Dashboard": 1,
    "aws:cloudwatch/eventRule:EventRule": o.shards * o.regions + notifier,
    "aws:cloudwatch/eventTarget:EventTarget": o.shards * o.regions + notifier,
    "aws:cloudwatch/logGroup:LogGroup": 2 * canaries,
    "aws:cloudwatch/metricAlarm:MetricAlarm": o.alarms,
    "aws:codedeploy/application:Application": canaries,
    "aws:codedeploy/deploymentGroup:DeploymentGroup": canaries,
    "aws:dynamodb/table:Table": 1,
    "aws:iam/role:Role": 3 * canaries,
    "aws:iam/rolePolicy:RolePolicy": 3 * canaries,
    "aws:kms/alias:Alias": 1,
    "aws:kms/key:Key": 1,
    "aws:lambda/alias:Alias": canaries,
    "aws:lambda/function:Function": 2 * canaries,
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": canaries,
    "aws:lambda/permission:Permission": o.shards * o.regions + 1 + 2 * notifier,
    "aws:sns/topic:Topic": 1 + 2 * notifier,
    "aws:sns/topicPolicy:TopicPolicy": 1 + notifier,
    "aws:sns/topicSubscription:TopicSubscription": 1 + notifier + 2 * o.emails,
    "aws:sqs/queue:Queue": o.regions + 1 + notifier,
    "aws:sqs/queuePolicy:QueuePolicy": o.regions + 1 + notifier,
    "pulumi:providers:aws": o.regions,
  };
}

describe("infra program: every stage file under mocks", function () {
  this.timeout(60_000);
  const results: Record<string, SynthResult> = {};

  before(async () => {
    for (const stage of ["beta", "gamma", "prod"]) results[stage] = await synthesize(stage, fixtureConfig(stage));
  });

  it("beta: one region, 2 https targets, 1 email", () => {
    // Alarms: 3 per https target, probe health, errors + duration per canary function (3), dead letters (recorder, notifier).
    expect(countsByType(results.beta)).to.deep.equal(expectedCounts({ regions: 1, alarms: 2 * 3 + 1 + 3 * 2 + 2, shards: 1, emails: 1 }));
  });

  it("gamma: two regions, 4 https + 1 http target, 2 emails", () => {
    expect(countsByType(results.gamma)).to.deep.equal(expectedCounts({ regions: 2, alarms: 4 * 3 + 2 + 2 + 4 * 2 + 2, shards: 1, emails: 2 }));
  });

  it("prod: three regions, 8 https targets, 2 emails", () => {
    expect(countsByType(results.prod)).to.deep.equal(expectedCounts({ regions: 3, alarms: 8 * 3 + 3 + 5 * 2 + 2, shards: 1, emails: 2 }));
  });

  it("exports exactly the StackOutputs contract, resolved", () => {
    const outputs = results.prod.document.outputs;
    expect(Object.keys(outputs).sort()).to.deep.equal(STACK_OUTPUT_KEYS);
    expect(outputs).to.deep.include({
      stage: "prod",
      homeRegion: "us-east-1",
      topicArn: `arn:aws:sns:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-prod-alarms`,
      alarmTableName: "webhealth-prod-alarm-ledger",
      dashboardUrl: "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/webhealth-prod",
      alarmNamePrefix: "webhealth-prod-",
    });
    expect(outputs.canaryFunctions).to.deep.equal({
      "probe-ap-southeast-2": canary("ap-southeast-2", "probe-ap-southeast-2"),
      "probe-eu-west-1": canary("eu-west-1", "probe-eu-west-1"),
      "probe-us-east-1": canary("us-east-1", "probe-us-east-1"),
      recorder: canary("us-east-1", "recorder"),
      notifier: canary("us-east-1", "notifier"),
    });
    function canary(region: string, role: string) {
      const name = `webhealth-prod-${role}`;
      return { region, functionName: name, alias: LIVE_ALIAS, version: "1", codeDeployApplication: name, deploymentGroup: name, hookFunctionName: `CodeDeployHook_${name}` };
    }
    // What verify judges (webhealth's own alarms, each in its region) and the heartbeat it waits for per probe region.
    const self = (name: string, region: string, kind: string) => ({ name: `webhealth-prod-${name}`, region, kind });
    expect(outputs.selfAlarms).to.deep.equal([
      self("probe-health-us-east-1", "us-east-1", "probe-health"),
      self("probe-health-eu-west-1", "us-east-1", "probe-health"),
      self("probe-health-ap-southeast-2", "us-east-1", "probe-health"),
      self("probe-us-east-1-errors", "us-east-1", "function-errors"),
      self("probe-us-east-1-duration", "us-east-1", "function-duration"),
      self("probe-eu-west-1-errors", "eu-west-1", "function-errors"),
      self("probe-eu-west-1-duration", "eu-west-1", "function-duration"),
      self("probe-ap-southeast-2-errors", "ap-southeast-2", "function-errors"),
      self("probe-ap-southeast-2-duration", "ap-southeast-2", "function-duration"),
      self("recorder-errors", "us-east-1", "function-errors"),
      self("recorder-duration", "us-east-1", "function-duration"),
      self("recorder-dead-letters", "us-east-1", "dead-letters"),
      self("notifier-errors", "us-east-1", "function-errors"),
      self("notifier-duration", "us-east-1", "function-duration"),
      self("notifier-dead-letters", "us-east-1", "dead-letters"),
    ]);
    expect([outputs.emailTopicArn, outputs.operatorsTopicArn]).to.deep.equal([
      `arn:aws:sns:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-prod-email`,
      `arn:aws:sns:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-prod-operators`,
    ]);
    expect(outputs.heartbeats).to.deep.equal(
      ["us-east-1", "eu-west-1", "ap-southeast-2"].map((region) => ({ probeRegion: region, namespace: "WebHealth", metricName: "TargetsProbed", dimensions: { Region: region }, periodSeconds: 60 })),
    );
  });

  it("exports the cost of the plan it deployed", () => {
    for (const stage of ["beta", "gamma", "prod"]) {
      const config = loadStageConfig(stage, fixtureConfig(stage));
      const plan = planStage(config);
      const usage = estimateUsage(config, plan, dashboardUsage(config, plan));
      expect(results[stage].document.estimatedMonthlyCostUsd, stage).to.equal(estimatedMonthlyCostUsd(usage));
      expect(results[stage].document.outputs.estimatedMonthlyCostUsd, stage).to.equal(estimatedMonthlyCostUsd(usage));
      expect(results[stage].document.outputs.estimatedMonthlyCostLineItemsUsd, stage).to.deep.equal(costLineItemsUsd(usage));
    }
  });

  it("creates each probe in its own region through an explicit provider", () => {
    const probes = ofType(results.prod, T.fn).filter((record) => record.name.startsWith("probe-") && record.name.endsWith("-function"));
    expect(probes.map((record) => [record.inputs.name, record.region])).to.deep.equal([
      ["webhealth-prod-probe-ap-southeast-2", "ap-southeast-2"],
      ["webhealth-prod-probe-eu-west-1", "eu-west-1"],
      ["webhealth-prod-probe-us-east-1", "us-east-1"],
    ]);
    expect(ofType(results.prod, T.provider).map((record) => record.inputs.region).sort()).to.deep.equal(["ap-southeast-2", "eu-west-1", "us-east-1"]);
    expect(named(results.prod, T.table, "ledger-table").region).to.equal("us-east-1");
  });

  it("publishes arm64 nodejs24.x versions behind a live alias that CodeDeploy owns", () => {
    const fn = named(results.gamma, T.fn, "probe-eu-west-1-function");
    const gamma = loadStageConfig("gamma", fixtureConfig("gamma"));
    expect(fn.inputs).to.deep.include({
      name: "webhealth-gamma-probe-eu-west-1",
      runtime: "nodejs24.x",
      architectures: ["arm64"],
      handler: "index.handler",
      publish: true,
      timeout: 60,
      memorySize: 512,
      environment: {
        variables: {
          METRICS_NAMESPACE: "WebHealth",
          METRICS_REGION: "us-east-1",
          METRICS_REGION_DIMENSION: "eu-west-1",
          PHASE_METRICS: "false",
          PROBE_CONCURRENCY: "32",
          CERTIFICATE_WARNING_DAYS: String(gamma.alarms.certificateDays),
          DEFAULT_LATENCY_MS: String(gamma.alarms.defaultLatencyMs),
        },
      },
    });
    for (const alias of ofType(results.gamma, T.alias)) {
      expect(alias.inputs).to.deep.include({ name: LIVE_ALIAS, functionVersion: "1" });
      // The options the program really passed (recorded by synth), not a constant it exports.
      expect(alias.options.ignoreChanges, alias.name).to.deep.equal(["functionVersion", "routingConfig"]);
    }
  });

  it("schedules every shard at the live alias, never retrying into the next minute", () => {
    for (const stage of ["beta", "gamma", "prod"]) {
      const config = loadStageConfig(stage, fixtureConfig(stage));
      for (const target of ofType(results[stage], T.eventTarget).filter((record) => !record.name.startsWith("notifier-"))) {
        const region = target.region as string;
        expect(target.inputs.arn).to.equal(`arn:aws:lambda:${region}:${MOCK_ACCOUNT_ID}:function:webhealth-${stage}-probe-${region}:live`);
        expect(target.inputs.retryPolicy).to.deep.equal({ maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 });
        expect(target.inputs.deadLetterConfig).to.deep.equal({ arn: `arn:aws:sqs:${region}:${MOCK_ACCOUNT_ID}:webhealth-${stage}-probe-failures` });
        // The scheduled event's time joins the targets: every region's datums of one run share its timestamp.
        const transformer = target.inputs.inputTransformer as { inputPaths: Record<string, string>; inputTemplate: string };
        expect(transformer.inputPaths).to.deep.equal(INPUT_PATHS);
        expect(transformer.inputTemplate.length).to.be.at.most(8192);
        expect(target.inputs.input).to.equal(undefined);
        const event = JSON.parse(renderInputTemplate(transformer.inputTemplate, { time: "2026-12-01T10:03:00Z" }));
        expect(event.time).to.equal("2026-12-01T10:03:00Z");
        expect(event.shard).to.deep.equal({ index: 0, count: 1 });
        expect(parseTargets(event.targets)).to.deep.equal(config.targets);
      }
      // One permission per region covers every shard rule of the stage there (Lambda compares SourceArn with StringLike).
      const permissions = ofType(results[stage], T.permission).filter((record) => record.inputs.principal === "events.amazonaws.com" && !record.name.startsWith("notifier-"));
      expect(permissions.length, stage).to.equal(config.probeRegions.length);
      for (const permission of permissions) {
        expect(permission.inputs).to.deep.equal({
          action: "lambda:InvokeFunction",
          function: `webhealth-${stage}-probe-${permission.region}`,
          principal: "events.amazonaws.com",
          qualifier: LIVE_ALIAS,
          sourceArn: `arn:aws:events:${permission.region}:${MOCK_ACCOUNT_ID}:rule/webhealth-${stage}-probe-*`,
          sourceAccount: MOCK_ACCOUNT_ID,
        });
      }
    }
    expect(named(results.beta, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "probe-us-east-1-async").inputs).to.deep.equal({
      functionName: "webhealth-beta-probe-us-east-1",
      qualifier: LIVE_ALIAS,
      maximumRetryAttempts: 0,
      maximumEventAgeInSeconds: 60,
      destinationConfig: { onFailure: { destination: `arn:aws:sqs:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-beta-probe-failures` } },
    });
  });

  it("gives every function events and environments its own parser accepts", () => {
    for (const stage of ["beta", "gamma", "prod"]) {
      for (const target of ofType(results[stage], T.eventTarget)) {
        // The notifier's sweep is the one other schedule (a constant input); the probe must accept every shard's event.
        if (target.name === "notifier-sweep-target") {
          expect(JSON.parse(target.inputs.input as string), stage).to.deep.equal(SWEEP_EVENT);
          continue;
        }
        const template = (target.inputs.inputTransformer as { inputTemplate: string }).inputTemplate;
        const event = JSON.parse(renderInputTemplate(template, { time: "2026-12-01T10:03:00Z" }));
        expect(parseProbeEvent(event), `${stage} ${target.name}`).to.deep.equal(event);
      }
      for (const hook of ofType(results[stage], T.fn).filter((record) => record.name.endsWith("-hook"))) {
        const env = (hook.inputs.environment as { variables: Record<string, string> }).variables;
        const selfTest = readSelfTestEvent(env);
        // The probe's hook sends real targets: the probe must accept them as a self-test event.
        if (hook.name.startsWith("probe-")) expect(parseProbeEvent(selfTest)).to.deep.equal(selfTest);
        else expect(selfTest).to.deep.equal({ selfTest: true });
        // Lambda: all environment variables of a function together at most 4 KB.
        expect(Buffer.byteLength(JSON.stringify(env)), hook.name).to.be.below(4096);
      }
    }
  });

  it("alarms on availability with missing data breaching, on exactly the published dimensions", () => {
    const topic = `arn:aws:sns:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-beta-alarms`;
    expect(named(results.beta, T.alarm, "wikipedia-availability").inputs).to.deep.equal({
      name: "webhealth-beta-wikipedia-availability",
      alarmDescription: "https://www.wikipedia.org/: its check failed in 2 of 3 periods (a period with no sample at all counts as down: a dead probe must not look healthy)",
      namespace: "WebHealth",
      metricName: "Check",
      dimensions: { Url: "https://www.wikipedia.org/" },
      extendedStatistic: "PR(5000000:20000000)",
      period: 60,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 99.5,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: "breaching",
      actionsEnabled: true,
      alarmActions: [topic],
      okActions: [topic],
    });
    expect(named(results.beta, T.alarm, "npm-registry-latency").inputs).to.deep.include({
      metricName: "Check",
      extendedStatistic: "PR(1000:5000000)",
      threshold: 99.5,
      datapointsToAlarm: 3,
      evaluationPeriods: 5,
      treatMissingData: "notBreaching",
    });
    expect(named(results.beta, T.alarm, "probe-health").inputs).to.deep.include({ metricName: "TargetsProbed", dimensions: {}, statistic: "Sum", threshold: 2, treatMissingData: "breaching" });
  });

  it("notifies the topic on ALARM and OK from every alarm but the ones CodeDeploy watches; the notifier's own also straight to operators", () => {
    for (const stage of ["beta", "gamma", "prod"]) {
      const topic = `arn:aws:sns:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-${stage}-alarms`;
      const operators = `arn:aws:sns:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-${stage}-operators`;
      const canaryAlarms = new Set(ofType(results[stage], T.group).flatMap((group) => (group.inputs.alarmConfiguration as { alarms: string[] }).alarms));
      const alarms = ofType(results[stage], T.alarm);
      // Besides the per-target alarms: probe health (one per probe region) and both dead-letter queues.
      expect(alarms.map((alarm) => alarm.name).filter((name) => /probe-health|dead-letters/.test(name)).length, stage).to.equal(
        loadStageConfig(stage, fixtureConfig(stage)).probeRegions.length + 2,
      );
      for (const alarm of alarms) {
        const name = alarm.inputs.name as string;
        // A broken notifier must never be silent: its alarms also e-mail people without it.
        const actions = name.startsWith(`webhealth-${stage}-notifier-`) ? [topic, operators] : canaryAlarms.has(name) ? [] : [topic];
        expect({ name, alarmActions: alarm.inputs.alarmActions ?? [], okActions: alarm.inputs.okActions ?? [] }, stage).to.deep.equal({ name, alarmActions: actions, okActions: actions });
      }
      expect(alarms.filter((alarm) => (alarm.inputs.alarmActions as string[]).includes(operators)).map((alarm) => alarm.name).sort(), stage).to.deep.equal([
        "notifier-dead-letters",
        "notifier-duration",
        "notifier-errors",
      ]);
    }
  });

  it("reads one metric per target alarm whatever the number of regions, the quorum as a percent of the period's samples", () => {
    // prod: 3 regions, quorum 2 -> at least 2/3 of the samples; gamma: 2 regions, quorum 2 -> all of them.
    expect(named(results.prod, T.alarm, "github-availability").inputs).to.deep.include({
      metricName: "Check",
      dimensions: { Url: "https://github.com/" },
      extendedStatistic: "PR(5000000:20000000)",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 66.17,
      treatMissingData: "breaching",
    });
    expect(named(results.prod, T.alarm, "github-latency").inputs).to.deep.include({ extendedStatistic: "PR(2000:5000000)", threshold: 66.17 });
    expect(named(results.gamma, T.alarm, "neverssl-availability").inputs).to.deep.include({ threshold: 99.5 });
    expect(named(results.prod, T.alarm, "github-certificate").inputs).to.deep.include({ dimensions: { Url: "https://github.com/" }, statistic: "Minimum", threshold: 21, period: 86_400 });
    expect(named(results.prod, T.alarm, "probe-health-eu-west-1").inputs).to.deep.include({ dimensions: { Region: "eu-west-1" }, threshold: 8 });
    for (const stage of ["beta", "gamma", "prod"]) {
      for (const alarm of ofType(results[stage], T.alarm)) expect(alarm.inputs.metricQueries, `${stage} ${alarm.name}`).to.equal(undefined);
    }
  });

  it("deploys through CodeDeploy BLUE_GREEN with alias-scoped rollback alarms and a CodeDeployHook_ hook", () => {
    expect(named(results.prod, T.group, "probe-eu-west-1-deploy-group").inputs).to.deep.include({
      appName: "webhealth-prod-probe-eu-west-1",
      deploymentGroupName: "webhealth-prod-probe-eu-west-1",
      deploymentConfigName: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
      deploymentStyle: { deploymentOption: "WITH_TRAFFIC_CONTROL", deploymentType: "BLUE_GREEN" },
      autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"] },
      alarmConfiguration: { enabled: true, alarms: ["webhealth-prod-probe-eu-west-1-errors", "webhealth-prod-probe-eu-west-1-duration"] },
    });
    const errors = named(results.prod, T.alarm, "probe-eu-west-1-errors");
    expect(errors.region).to.equal("eu-west-1");
    expect(errors.inputs).to.deep.include({ namespace: "AWS/Lambda", metricName: "Errors", dimensions: { FunctionName: "webhealth-prod-probe-eu-west-1", Resource: "webhealth-prod-probe-eu-west-1:live" } });
    // 95% of the 60 s timeout: above the shard plan's worst case (55 s), so only an overrunning version trips it.
    expect(named(results.prod, T.alarm, "probe-eu-west-1-duration").inputs).to.deep.include({ metricName: "Duration", statistic: "Maximum", threshold: 57_000 });
    const hook = named(results.prod, T.fn, "probe-eu-west-1-hook");
    expect(hook.inputs.name).to.equal("CodeDeployHook_webhealth-prod-probe-eu-west-1");
    const selfTest = JSON.parse((hook.inputs.environment as { variables: Record<string, string> }).variables.SELF_TEST_EVENT);
    expect(selfTest.selfTest).to.equal(true);
    expect(selfTest.targets.map((target: { name: string }) => target.name)).to.deep.equal(["wikipedia", "npm-registry", "nodejs"]);
    // What AWSCodeDeployRoleForLambda grants, scoped: alias reads and updates, the hook, the alarm poll
    // (no sns:Publish: no triggers; no s3:GetObject: the driver sends the AppSpec inline).
    const deployPolicy = JSON.parse(named(results.prod, T.rolePolicy, "probe-eu-west-1-deploy-policy").inputs.policy as string);
    const fnArn = `arn:aws:lambda:eu-west-1:${MOCK_ACCOUNT_ID}:function:webhealth-prod-probe-eu-west-1`;
    expect(deployPolicy.Statement).to.deep.equal([
      { Sid: "ShiftLiveAlias", Effect: "Allow", Action: ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"], Resource: [fnArn, `${fnArn}:*`] },
      { Sid: "InvokeThisHook", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: `arn:aws:lambda:eu-west-1:${MOCK_ACCOUNT_ID}:function:CodeDeployHook_webhealth-prod-probe-eu-west-1` },
      // DescribeAlarms can be authorized against alarm:*, so named alarm ARNs would deny CodeDeploy's alarm poll.
      { Sid: "ReadRollbackAlarms", Effect: "Allow", Action: ["cloudwatch:DescribeAlarms"], Resource: `arn:aws:cloudwatch:eu-west-1:${MOCK_ACCOUNT_ID}:alarm:*` },
    ]);
  });

  it("grants no wildcard action; * resources only for actions without resource-level permissions, alone in their statement", () => {
    for (const stage of ["beta", "gamma", "prod"]) {
      for (const policy of ofType(results[stage], T.rolePolicy)) {
        for (const statement of JSON.parse(policy.inputs.policy as string).Statement) {
          for (const action of statement.Action) expect(action, policy.name).to.not.include("*");
          if (statement.Resource !== "*") continue;
          if (statement.Sid === "PublishOwnMetrics") expect(statement).to.deep.include({ Action: ["cloudwatch:PutMetricData"], Condition: { StringEquals: { "cloudwatch:namespace": "WebHealth" } } });
          else expect(statement).to.deep.equal({ Sid: "ReportHookStatus", Effect: "Allow", Action: ["codedeploy:PutLifecycleEventHookExecutionStatus"], Resource: "*" });
        }
      }
    }
  });

  it("creates exactly one of each stateful resource, under its stable logical name", () => {
    for (const stage of ["beta", "gamma", "prod"]) {
      for (const { type, name } of Object.values(STATEFUL_RESOURCES)) {
        // The notifier's e-mail and operators topics hold no data (only subscriptions): not stateful.
        const others = type === T.topic ? ["email-topic", "operators-topic"] : [];
        expect(ofType(results[stage], type).map((record) => record.name).filter((found) => !others.includes(found)), `${stage} ${type}`).to.deep.equal([name]);
      }
    }
  });

  it("keeps the ledger on demand, recoverable, encrypted, with TTL, and protected in prod", () => {
    const table = (stage: string) => named(results[stage], T.table, "ledger-table").inputs;
    expect(table("prod")).to.deep.include({
      name: "webhealth-prod-alarm-ledger",
      billingMode: "PAY_PER_REQUEST",
      hashKey: "alarmName",
      rangeKey: "changedAt",
      ttl: { attributeName: "expiresAt", enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
    });
    expect(table("beta").deletionProtectionEnabled).to.equal(false);
    for (const { type, name } of Object.values(STATEFUL_RESOURCES)) {
      const options = (stage: string) => ({ protect: named(results[stage], type, name).options.protect, retainOnDelete: named(results[stage], type, name).options.retainOnDelete });
      expect(options("prod"), `prod ${name}`).to.deep.equal({ protect: true, retainOnDelete: true });
      expect(options("beta"), `beta ${name}`).to.deep.equal({ protect: false, retainOnDelete: false });
    }
  });

  it("lets the recorder write the ledger and keep what it could not record, nothing else", () => {
    const policy = JSON.parse(named(results.beta, T.rolePolicy, "recorder-policy").inputs.policy as string);
    expect(policy.Statement.slice(1)).to.deep.equal([
      { Sid: "WriteLedger", Effect: "Allow", Action: ["dynamodb:UpdateItem", "dynamodb:DescribeTable"], Resource: `arn:aws:dynamodb:us-east-1:${MOCK_ACCOUNT_ID}:table/webhealth-beta-alarm-ledger` },
      { Sid: "KeepFailedNotifications", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: `arn:aws:sqs:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-beta-recorder-dead-letters` },
    ]);
    expect(named(results.beta, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "recorder-async").inputs).to.deep.equal({
      functionName: "webhealth-beta-recorder",
      qualifier: LIVE_ALIAS,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 21_600,
      destinationConfig: { onFailure: { destination: `arn:aws:sqs:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-beta-recorder-dead-letters` } },
    });
    expect(named(results.beta, T.fn, "recorder-function").inputs.environment).to.deep.equal({ variables: { ALARM_TABLE_NAME: "webhealth-beta-alarm-ledger", ALARM_RETENTION_DAYS: "30" } });
  });

  it("lets CloudWatch, and the account only through SNS, use the topic's key", () => {
    const policy = JSON.parse(named(results.beta, "aws:kms/key:Key", STATEFUL_RESOURCES.alarmKey.name).inputs.policy as string);
    const root = `arn:aws:iam::${MOCK_ACCOUNT_ID}:root`;
    expect(policy.Statement.map((statement: { Sid: string }) => statement.Sid)).to.deep.equal(["AccountAdministers", "CloudWatchAlarmsEncrypt", "AccountPublishesThroughSns"]);
    expect(policy.Statement[0].Principal).to.deep.equal({ AWS: root });
    expect(policy.Statement[0].Action).to.not.include("kms:Decrypt");
    expect(policy.Statement[1]).to.deep.equal({ Sid: "CloudWatchAlarmsEncrypt", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*" });
    expect(policy.Statement[2]).to.deep.equal({
      Sid: "AccountPublishesThroughSns",
      Effect: "Allow",
      Principal: { AWS: root },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": "sns.us-east-1.amazonaws.com", "kms:CallerAccount": MOCK_ACCOUNT_ID } },
    });
  });

  it("encrypts the topic with the stage's key and lets only this stage's alarms publish", () => {
    expect(named(results.beta, T.topic, "alarm-topic").inputs.kmsMasterKeyId).to.match(new RegExp(`^arn:aws:kms:us-east-1:${MOCK_ACCOUNT_ID}:key/`));
    const policy = JSON.parse(named(results.beta, T.topicPolicy, "alarm-topic-policy").inputs.policy as string);
    expect(policy.Statement).to.deep.equal([
      {
        Sid: "OnlyThisStagesAlarms",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["sns:Publish"],
        Resource: `arn:aws:sns:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-beta-alarms`,
        Condition: { StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID }, ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:us-east-1:${MOCK_ACCOUNT_ID}:alarm:webhealth-beta-*` } },
      },
    ]);
    const subscriptions = ofType(results.beta, T.subscription).map((record) => record.inputs);
    // People read the notifier's e-mails (filtered on its channel attribute, which verify's test never
    // carries) and, for the notifier's own alarms, CloudWatch's straight from SNS (dropping the test by its body).
    expect(subscriptions.filter((subscription) => subscription.protocol === "email")).to.deep.equal([
      { topic: `arn:aws:sns:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-beta-email`, protocol: "email", endpoint: "beta-alerts@example.com", filterPolicy: JSON.stringify({ channel: ["oncall"] }) },
      {
        topic: `arn:aws:sns:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-beta-operators`,
        protocol: "email",
        endpoint: "beta-alerts@example.com",
        filterPolicy: '{"WebhealthTest":[{"exists":false}]}',
        filterPolicyScope: "MessageBody",
      },
    ]);
    expect(subscriptions).to.deep.include({
      topic: `arn:aws:sns:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-beta-alarms`,
      protocol: "lambda",
      endpoint: `arn:aws:lambda:us-east-1:${MOCK_ACCOUNT_ID}:function:webhealth-beta-recorder:live`,
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:us-east-1:${MOCK_ACCOUNT_ID}:webhealth-beta-recorder-dead-letters` }),
    });
  });
});
