/**
 * Every request `pulumi up` would send for every stage file and every generated extreme stage,
 * validated against AWS's service models and the documented limits no model carries.
 */
import { expect } from "chai";
import { ACCOUNT_QUOTA_KEYS, CONFIG_LIMITS, loadStageConfig, STAGE_CONFIG_KEYS } from "../../infra/config";
import { TargetNotificationSchema } from "../../infra/config-notifications";
import { CHANNEL_TYPES } from "../../functions/common/notifier-config";
import { ExpectSchema, TARGET_LIMITS, TargetSchema } from "../../functions/common/targets";
import type { SynthRecord } from "../../infra/synth";
import { constraintProblems, modelProblems, operationConstraints } from "./aws-models";
import { MODEL_OPERATIONS, RESOURCE_REQUESTS, requestsFor, UnmappedResourceError, type ModelService } from "./aws-requests";
import { documentedLimitProblems, extendedStatisticProblem, resourcePolicyProblems } from "./documented-limits";
import { EXTREME_STAGES, LONGEST_STAGE, provenStages, synthOf } from "./stages";

function record(type: string, inputs: Record<string, unknown>, name = "r"): SynthRecord {
  return { type, name, inputs, options: { protect: false, retainOnDelete: false, ignoreChanges: [], deleteBeforeReplace: false, dependsOn: [], parent: "" } };
}

describe("contracts: every planned request against AWS's service models", function () {
  this.timeout(120_000);

  for (const stage of provenStages()) {
    describe(stage.label, () => {
      it("synthesises, and every resource type maps to the requests that create it", async () => {
        const { records } = await synthOf(stage);
        expect(records.length).to.be.greaterThan(20);
        expect(records.filter((each) => !(each.type in RESOURCE_REQUESTS)).map((each) => each.type)).to.deep.equal([]);
      });

      it("sends only requests AWS's models accept (required members, types, lengths, ranges, patterns, enums)", async () => {
        const { records } = await synthOf(stage);
        const problems = records.flatMap((each) => requestsFor(each).flatMap((request) => modelProblems(request).map((problem) => `${each.type} ${each.name}: ${problem}`)));
        expect(problems).to.deep.equal([]);
      });

      it("stays within the documented limits no model carries", async () => {
        const { accountQuotas } = loadStageConfig(stage.stage, stage.config);
        expect(documentedLimitProblems((await synthOf(stage)).records, accountQuotas)).to.deep.equal([]);
      });
    });
  }

  describe("the generated extremes reach the edges of the schema", () => {
    it("longest: the longest URL and stage name, the most probe regions, an hourly schedule", async () => {
      const { stage, config } = EXTREME_STAGES.longest;
      const urls = (config["webhealth:targets"] as Array<{ url: string }>).map((target) => target.url);
      expect(stage.length).to.equal(CONFIG_LIMITS.maxStageNameLength);
      expect(stage).to.equal(LONGEST_STAGE);
      expect(Math.max(...urls.map((url) => url.length))).to.equal(TARGET_LIMITS.maxUrlLength);
      expect((config["webhealth:probeRegions"] as string[]).length).to.equal(CONFIG_LIMITS.maxProbeRegions);
      // The stage synthesises the long URLs unchanged (already normalised), so the requests above carry them.
      const alarm = (await synthOf(provenStages().find((each) => each.label === "extreme:longest")!)).records.find(
        (each) => each.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && (each.inputs.dimensions as Record<string, string> | undefined)?.Url === urls[0],
      );
      expect(alarm, "an alarm on the longest URL").to.not.equal(undefined);
    });

    it("thousand: 1,000 targets in more than ten shards", async () => {
      const { records } = await synthOf(provenStages().find((each) => each.label === "extreme:thousand")!);
      expect((EXTREME_STAGES.thousand.config["webhealth:targets"] as unknown[]).length).to.equal(1000);
      expect(records.filter((each) => each.type === "aws:cloudwatch/eventRule:EventRule").length).to.be.greaterThan(10);
    });

    it("unusual: a 7-minute schedule", () => {
      expect(EXTREME_STAGES.unusual.config["webhealth:schedule"]).to.equal("rate(7 minutes)");
    });

    it("together they use every optional feature the config accepts, each way it can be used", () => {
      const configs = Object.values(EXTREME_STAGES).map(({ config }) => config);
      const values = (key: string) => configs.map((config) => config[`webhealth:${key}`]).filter((value) => value !== undefined);
      // Every key of the webhealth: namespace (promotesFrom is read by the deploy driver only, never by the program).
      expect(STAGE_CONFIG_KEYS.filter((key) => key !== "promotesFrom" && values(key).length === 0)).to.deep.equal([]);
      // Every field of a target, of its expectations and of its request, and the notifier's per-target fields.
      const targets = values("targets").flat() as Array<Record<string, Record<string, unknown>>>;
      const used = (fields: string[], objects: Array<Record<string, unknown> | undefined>) => fields.filter((field) => !objects.some((object) => object?.[field] !== undefined));
      expect(used([...Object.keys(TargetSchema.shape), ...Object.keys(TargetNotificationSchema.shape)], targets)).to.deep.equal([]);
      expect(used(Object.keys(ExpectSchema.shape), targets.map((target) => target.expect))).to.deep.equal([]);
      expect(used(["method", "headers", "body"], targets.map((target) => target.request))).to.deep.equal([]);
      // Channels of every type, both kinds of maintenance window, reminders, the older notifyEmails.
      const notifications = values("notifications") as Array<{ channels: Array<{ type: string }>; maintenance?: Array<Record<string, unknown>>; reminderMinutes?: number }>;
      expect(CHANNEL_TYPES.filter((type) => !notifications.some((each) => each.channels.some((channel) => channel.type === type)))).to.deep.equal([]);
      expect(["cron", "start"].filter((kind) => !notifications.some((each) => each.maintenance?.some((window) => kind in window)))).to.deep.equal([]);
      expect(notifications.some((each) => each.maintenance?.some((window) => window.targets === undefined))).to.equal(true);
      expect(notifications.some((each) => each.maintenance?.some((window) => window.targets !== undefined))).to.equal(true);
      expect(notifications.some((each) => (each.reminderMinutes ?? 0) > 0)).to.equal(true);
      // Every account quota; phase metrics on and off; burn-rate alarms; data protected and not.
      expect(ACCOUNT_QUOTA_KEYS.filter((key) => !(values("accountQuotas") as Array<Record<string, unknown>>).some((quotas) => key in quotas))).to.deep.equal([]);
      expect(configs.map((config) => config["webhealth:phaseMetrics"] ?? false)).to.include.members([true, false]);
      expect(configs.map((config) => config["webhealth:protectData"] ?? false)).to.include.members([true, false]);
      expect((values("slo") as Array<{ burnRateAlarms?: boolean }>).some((slo) => slo.burnRateAlarms)).to.equal(true);
    });

    it("their plans hold every kind of resource the program can create (the notifier, secrets, burn-rate alarms)", async () => {
      const types = new Set<string>();
      const functions = new Set<string>();
      for (const stage of provenStages().filter((each) => !each.shipped)) {
        for (const record of (await synthOf(stage)).records) {
          types.add(record.type);
          if (record.type === "aws:lambda/function:Function") functions.add(String(record.inputs.name).replace(/^.*-(probe|recorder|notifier)(-.*)?$/, "$1"));
        }
      }
      expect(Object.keys(RESOURCE_REQUESTS).filter((type) => !types.has(type))).to.deep.equal([]);
      expect([...functions].filter((name) => ["probe", "recorder", "notifier"].includes(name)).sort()).to.deep.equal(["notifier", "probe", "recorder"]);
    });
  });

  describe("the checks themselves", () => {
    it("fails on a resource type the mapping does not know", () => {
      expect(() => requestsFor(record("aws:s3/bucket:Bucket", {}, "logs"))).to.throw(UnmappedResourceError, "aws:s3/bucket:Bucket (logs) is not mapped");
    });

    it("has the model constraints of every operation the mapping produces", () => {
      const missing = Object.entries(MODEL_OPERATIONS).flatMap(([service, { operations }]) =>
        operations.filter((operation) => operationConstraints(service as ModelService, operation) === undefined).map((operation) => `${service}:${operation}`),
      );
      expect(missing).to.deep.equal([]);
    });

    it("reports what AWS's model refuses, member by member", () => {
      const problems = modelProblems({
        service: "monitoring",
        operation: "PutMetricAlarm",
        params: { AlarmName: "a", AlarmDescription: "d".repeat(1025), EvaluationPeriods: 0, ComparisonOperator: "Above", Dimensions: [{ Name: "Url", Value: "u".repeat(1025) }], Extra: true },
      });
      expect(problems).to.deep.equal([
        "monitoring:PutMetricAlarm Unexpected key 'Extra' found in params",
        "monitoring:PutMetricAlarm AlarmDescription: 1025 characters, above the model's maximum 1024",
        'monitoring:PutMetricAlarm ComparisonOperator: "Above" is not one of GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold, LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, GreaterThanUpperThreshold',
        "monitoring:PutMetricAlarm Dimensions[0].Value: 1025 characters, above the model's maximum 1024",
        "monitoring:PutMetricAlarm EvaluationPeriods: 0, below the model's minimum 1",
      ]);
      expect(modelProblems({ service: "lambda", operation: "CreateFunction", params: { FunctionName: "f", Code: {} } })).to.deep.equal(["lambda:CreateFunction Missing required key 'Role' in params"]);
    });

    it("checks patterns and map keys", () => {
      expect(constraintProblems("Name", "has space", { pattern: "^[a-z]+$" })).to.deep.equal(['Name: "has space" does not match the model\'s pattern ^[a-z]+$']);
      const request = requestsFor(record("aws:sqs/queue:Queue", { name: "q", messageRetentionSeconds: 60 }))[0];
      (request.params.Attributes as Record<string, string>).NotAnAttribute = "1";
      expect(modelProblems(request)).to.deep.include('sqs:CreateQueue Attributes{NotAnAttribute}: "NotAnAttribute" is not one of All, Policy, VisibilityTimeout, MaximumMessageSize, MessageRetentionPeriod, ApproximateNumberOfMessages, ApproximateNumberOfMessagesNotVisible, CreatedTimestamp, LastModifiedTimestamp, QueueArn, ApproximateNumberOfMessagesDelayed, DelaySeconds, ReceiveMessageWaitTimeSeconds, RedrivePolicy, FifoQueue, ContentBasedDeduplication, KmsMasterKeyId, KmsDataKeyReusePeriodSeconds, DeduplicationScope, FifoThroughputLimit, RedriveAllowPolicy, SqsManagedSseEnabled');
    });

    it("accepts the extended statistics PutMetricAlarm documents and refuses others", () => {
      const accepted = ["p90", "p99.9", "tm90", "IQM", "PR(5000000:20000000)", "PR(1500:5000000)", "TM(10%:90%)"];
      expect(accepted.map((statistic) => extendedStatisticProblem(statistic))).to.deep.equal(accepted.map(() => undefined));
      expect(["PR(:5000000)", "TM(:5000000)", "PR(9:1)", "TM(5%:95%)", "average"].map((statistic) => extendedStatisticProblem(statistic))).to.deep.equal([
        "PR(:5000000): PR(n:m) needs both bounds, n below m",
        "TM(:5000000) is not an ExtendedStatistic PutMetricAlarm documents",
        "PR(9:1): PR(n:m) needs both bounds, n below m",
        "TM(5%:95%) is not an ExtendedStatistic PutMetricAlarm documents",
        "average is not an ExtendedStatistic PutMetricAlarm documents",
      ]);
    });

    it("maps an input transformer and finds a template over 8,192 characters or naming no variable", () => {
      const target = (inputTemplate: string) =>
        record("aws:cloudwatch/eventTarget:EventTarget", { rule: "r", targetId: "t", arn: "arn:aws:lambda:us-east-1:1:function:f:live", inputTransformer: { inputPaths: { time: "$.time" }, inputTemplate } }, "target");
      const [request] = requestsFor(target('{"time":<time>}'));
      expect((request.params.Targets as Array<Record<string, unknown>>)[0].InputTransformer).to.deep.equal({ InputPathsMap: { time: "$.time" }, InputTemplate: '{"time":<time>}' });
      expect(modelProblems(request)).to.deep.equal([]);
      expect(documentedLimitProblems([target('{"time":<time>}'), target(`{"time":<time>,"x":"${"y".repeat(8200)}"}`), target('{"body":"<title>"}')])).to.deep.equal([
        "aws:cloudwatch/eventTarget:EventTarget target: InputTemplate is 8222 characters, over 8192",
        "aws:cloudwatch/eventTarget:EventTarget target: InputTemplate has <title>, which is no variable",
      ]);
    });

    it("finds documented limits: a long description, too many alarms, a large environment, a crowded queue policy", () => {
      const statement = (index: number) => ({ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage", Resource: "q", Condition: { ArnEquals: { "aws:SourceArn": [`a${index}`, `b${index}`] } } });
      const problems = documentedLimitProblems([
        record("aws:cloudwatch/metricAlarm:MetricAlarm", { name: "a", alarmDescription: "d".repeat(1100), evaluationPeriods: 1500, period: 60, comparisonOperator: "GreaterThanThreshold", threshold: 1 }, "alarm"),
        record("aws:codedeploy/deploymentGroup:DeploymentGroup", { appName: "a", deploymentGroupName: "g", serviceRoleArn: "r", alarmConfiguration: { enabled: true, alarms: Array.from({ length: 11 }, (_, index) => `alarm-${index}`) } }, "group"),
        record("aws:lambda/function:Function", { name: "f", role: "r", environment: { variables: { BIG: "x".repeat(4100) } } }, "fn"),
        record("aws:sqs/queuePolicy:QueuePolicy", { queueUrl: "u", policy: JSON.stringify({ Statement: Array.from({ length: 6 }, (_, index) => statement(index)) }) }, "policy"),
      ]);
      expect(problems).to.deep.equal([
        "aws:cloudwatch/metricAlarm:MetricAlarm alarm: period 60 x 1500 periods = 90000 s, over 86400 s",
        "aws:cloudwatch/metricAlarm:MetricAlarm alarm: AlarmDescription is 1100 characters, over 1024",
        "aws:codedeploy/deploymentGroup:DeploymentGroup group: 11 alarms, over 10",
        "aws:lambda/function:Function fn: environment is 4110 bytes, over 4096",
        "aws:sqs/queuePolicy:QueuePolicy policy: 12 condition values, over 10",
      ]);
      expect(resourcePolicyProblems("kms", "key", JSON.stringify({ Statement: [{ Sid: "x".repeat(33_000) }] }))).to.deep.equal(["key: the KMS policy is 33026 bytes, over 32768"]);
    });

    it("finds SNS filter policy limits: keys, combinations, and filter policies per topic against the account's quota", () => {
      const subscription = (index: number, filterPolicy: unknown) =>
        record("aws:sns/topicSubscription:TopicSubscription", { topic: "arn:aws:sns:us-east-1:123456789012:t", protocol: "email", endpoint: `p${index}@example.com`, filterPolicy: JSON.stringify(filterPolicy) }, `s${index}`);
      const many = Array.from({ length: 201 }, (_, index) => subscription(index, { channel: ["email"] }));
      const crowded = subscription(999, { a: ["1", "2", "3", "4", "5", "6"], b: ["1", "2", "3", "4", "5"], c: ["1", "2", "3", "4", "5"], d: ["x"], e: ["y"], f: { g: [{ exists: true }] } });
      // Six keys (a nested one counted) whose values combine 6 x 5 x 5 = 150 ways: the key count is over, the combinations are not.
      expect(documentedLimitProblems([...many, crowded])).to.deep.equal([
        "aws:sns/topicSubscription:TopicSubscription s999: FilterPolicy has 6 keys, over 5",
        "aws:sns/topic:Topic arn:aws:sns:us-east-1:123456789012:t: 202 subscriptions with a filter policy, over the quota of 200 per topic",
      ]);
      expect(documentedLimitProblems(many, { snsFilterPoliciesPerTopic: 201 })).to.deep.equal([]);
      const tooComplex = subscription(1, { a: ["1", "2", "3", "4", "5", "6"], b: ["1", "2", "3", "4", "5"], c: ["1", "2", "3", "4", "5", "6"] });
      expect(documentedLimitProblems([tooComplex])).to.deep.equal(["aws:sns/topicSubscription:TopicSubscription s1: FilterPolicy has 180 combinations of values, over 150"]);
    });

    it("finds a dashboard log widget reading a log group the plan does not create, or a query over 10,000 characters", () => {
      const logGroup = record("aws:cloudwatch/logGroup:LogGroup", { name: "/aws/lambda/probe" }, "logs");
      logGroup.region = "eu-west-1";
      const widget = (region: string, query: string) => ({ type: "log", properties: { region, query } });
      const dashboard = record("aws:cloudwatch/dashboard:Dashboard", {
        dashboardName: "d",
        dashboardBody: JSON.stringify({ widgets: [widget("eu-west-1", "SOURCE '/aws/lambda/probe' | stats count(*)"), widget("us-east-1", "SOURCE '/aws/lambda/probe' | stats count(*)"), widget("eu-west-1", `SOURCE '/aws/lambda/probe' | ${"x".repeat(10_001)}`), widget("eu-west-1", "stats count(*)")] }),
      }, "dashboard");
      expect(documentedLimitProblems([logGroup, dashboard])).to.deep.equal([
        "aws:cloudwatch/dashboard:Dashboard dashboard: log widget 1 reads /aws/lambda/probe in us-east-1, a log group the plan does not create there",
        "aws:cloudwatch/dashboard:Dashboard dashboard: log widget 2's query is 10001 characters, over 10000",
        "aws:cloudwatch/dashboard:Dashboard dashboard: log widget 3 names no log group (SOURCE '<group>')",
      ]);
    });

    it("finds a Lambda function policy over 20 KB, its aliases' statements counted with its own", () => {
      const permission = (index: number) =>
        record("aws:lambda/permission:Permission", { action: "lambda:InvokeFunction", function: "f", qualifier: index % 2 ? "live" : undefined, principal: "events.amazonaws.com", sourceArn: `arn:aws:events:us-east-1:123456789012:rule/${"r".repeat(200)}-${index}` }, `p${index}`);
      expect(documentedLimitProblems(Array.from({ length: 40 }, (_, index) => permission(index)))).to.deep.equal([]);
      expect(documentedLimitProblems(Array.from({ length: 60 }, (_, index) => permission(index)))[0]).to.match(/^aws:lambda\/function:Function arn:aws:lambda:us-east-1:123456789012:function:f: its resource-based policy is \d+ bytes, over 20480$/);
    });
  });
});
