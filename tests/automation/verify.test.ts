import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteItemCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { ListSubscriptionsByTopicCommand, PublishCommand } from "@aws-sdk/client-sns";
import { buildLedgerItem } from "../../functions/recorder/item";
import { parseAlarmNotification } from "../../functions/recorder/notification";
import { checkSubscribers, formatVerifyRecord, STACK_TAG_VALUE_MAX, stageTargets, VERIFY_TAG, verifyNotification } from "../../automation/verify";
import { readStackConfig } from "../../infra/stack-files";
import { FIXTURE_STACKS } from "../fixtures/stacks";
import { FakeStack, lambdaPayload, mocks, run, stageOutputs, START, TARGETS, testRuntime, useAwsMocks, type TestRuntime } from "./fakes";

function fixtureTargets(stage: string): Array<Record<string, unknown>> {
  return readStackConfig(stage, FIXTURE_STACKS)["webhealth:targets"] as Array<Record<string, unknown>>;
}

const OUTPUTS = stageOutputs("beta");
const LABEL = `probe-us-east-1 (${OUTPUTS.canaryFunctions["probe-us-east-1"].functionName}:live)`;
const ALARM_NAME = "webhealth-verify-beta-r4nd0m";
const LEDGER_KEY = { alarmName: { S: ALARM_NAME }, changedAt: { S: "2026-11-26T10:03:41.123Z" } };
const TABLE = OUTPUTS.alarmTableName;

/**
 * The warm-up finds data at once: every heartbeat has a datapoint after the deployment and no
 * alarm waits for data (the scenarios in scenarios.test.ts play the warm-up out over time).
 */
function warm() {
  mocks.cloudWatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: Array<{ Id: string }> }) => ({
    MetricDataResults: input.MetricDataQueries.map((query) => ({ Id: query.Id, Timestamps: [new Date("2030-01-01T00:00:00Z")], Values: [2] })),
  }));
  mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
  mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
}


function probeAnswers(checks: Array<{ name: string; passed: boolean; detail?: string }>) {
  const report = { selfTest: true, passed: checks.every((check) => check.passed), checks };
  mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: lambdaPayload(JSON.stringify(report)) });
}

const ALL_CHECKS = [
  { name: "loopback", passed: true },
  { name: "https://www.wikipedia.org/", passed: true, detail: "200 in 120 ms" },
  { name: "https://registry.npmjs.org/-/ping", passed: false, detail: "503" },
];

/** The recorder writes the item after `afterPolls` looks. */
function recorderWrites(afterPolls: number) {
  const get = mocks.dynamodb.on(GetItemCommand);
  for (let i = 0; i < afterPolls; i++) get.resolvesOnce({});
  get.resolves({ Item: { ...LEDGER_KEY, newState: { S: "ALARM" } } });
  mocks.dynamodb.on(DeleteItemCommand).resolves({});
}

function verifyRecord(t: TestRuntime) {
  return JSON.parse((t.stacks.get("beta") as FakeStack).tags.get(VERIFY_TAG) as string);
}

describe("deploy driver: verify", () => {
  useAwsMocks();

  it("passes: probe self-test for every target, notification found in the ledger and deleted, a quiet bake; records the pass", async () => {
    // Prepare
    const t = testRuntime({ sha: "abc1234" });
    probeAnswers(ALL_CHECKS);
    mocks.sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    recorderWrites(2);
    warm();
    // Act
    const code = await run(t, ["verify", "--stage", "beta", "--bake", "2m"]);
    // Assess
    expect(code, t.err()).to.equal(0);
    const invoke = mocks.lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect(invoke.FunctionName).to.equal(OUTPUTS.canaryFunctions["probe-us-east-1"].functionName);
    expect(invoke.Qualifier).to.equal("live");
    expect(JSON.parse(Buffer.from(invoke.Payload as Uint8Array).toString("utf8"))).to.deep.equal({ selfTest: true, targets: TARGETS });
    const publish = mocks.sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(publish.TopicArn).to.equal(OUTPUTS.topicArn);
    expect(JSON.parse(publish.Message as string)).to.deep.equal(verifyNotification(stageOutputs("beta"), ALARM_NAME, START));
    // Marked as a test twice: the attribute for subscribers that read attributes, the body property for the filter policies.
    expect(publish.MessageAttributes).to.deep.equal({ WebhealthTest: { DataType: "String", StringValue: "true" } });
    expect(JSON.parse(publish.Message as string).WebhealthTest).to.equal(true);
    expect(mocks.dynamodb.commandCalls(GetItemCommand)).to.have.length(3);
    expect(mocks.dynamodb.commandCalls(GetItemCommand)[0].args[0].input).to.deep.equal({ TableName: TABLE, Key: LEDGER_KEY, ConsistentRead: true });
    expect(mocks.dynamodb.commandCalls(DeleteItemCommand)[0].args[0].input).to.deep.equal({ TableName: TABLE, Key: LEDGER_KEY });
    const describe = mocks.cloudWatch.commandCalls(DescribeAlarmsCommand).filter((call) => call.args[0].input.StateValue === "ALARM");
    expect(describe[0].args[0].input).to.deep.equal({ AlarmNamePrefix: "webhealth-beta-", StateValue: "ALARM", AlarmTypes: ["MetricAlarm", "CompositeAlarm"], MaxRecords: 100, NextToken: undefined });
    // 2 ledger polls of 2 s, a warm-up that finds data at once, then the bake: looks at 0, 30, 60, 90, 120 s.
    expect(describe).to.have.length(5);
    expect(t.slept()).to.equal(2 * 2_000 + 120_000);
    expect(t.out()).to.contain(`${LABEL}: https://www.wikipedia.org/ ok: 200 in 120 ms\n`);
    expect(t.out()).to.contain(`${LABEL}: https://registry.npmjs.org/-/ping FAILING (reported, not a deploy failure): 503\n`);
    expect(t.out()).to.contain("bake: 30s left, watching 9 webhealth alarm(s) in us-east-1: none in ALARM; no target alarm in ALARM\n");
    expect(t.out()).to.contain("bake: no webhealth alarm fired in 2m\nverify of beta passed at abc1234\n");
    expect(verifyRecord(t)).to.deep.equal({ sha: "abc1234", passed: true, at: "2026-11-26T10:05:45.123Z" });
  });

  it("sends a notification the recorder's own parser accepts, keyed as the driver looks it up", () => {
    // Prepare
    const message = JSON.stringify(verifyNotification(stageOutputs("beta"), ALARM_NAME, START));
    // Act
    const parsed = parseAlarmNotification(message);
    // Assess
    expect(parsed.AlarmName).to.equal(ALARM_NAME);
    expect(parsed.StateChangeTime).to.equal("2026-11-26T10:03:41.123Z");
    expect(JSON.parse(message).StateChangeTime).to.equal("2026-11-26T10:03:41.123+0000");
    expect(JSON.parse(message).Region).to.equal("US East (N. Virginia)");
    // The item the recorder builds has exactly the key the driver reads and deletes.
    const item = buildLedgerItem(parsed, { snsMessageId: "m-1", now: START.getTime(), retentionDays: 400 });
    expect({ alarmName: { S: item.alarmName }, changedAt: { S: item.changedAt } }).to.deep.equal(LEDGER_KEY);
  });

  it("keeps the verify record within a stack tag's 256 characters", () => {
    // Prepare: the longest record, a SHA-256 commit (64 hex digits) marked deployed.
    const record = { sha: "f".repeat(64), passed: false, at: "2026-11-26T10:03:41.123Z", deployed: true as const };
    // Act
    const value = formatVerifyRecord(record);
    // Assess
    expect(value.length).to.equal(137);
    expect(value.length).to.be.at.most(STACK_TAG_VALUE_MAX);
    expect(() => formatVerifyRecord({ ...record, sha: "f".repeat(250) })).to.throw("the verify record is 323 characters, more than a stack tag holds (256)");
  });

  const probeFailures: Array<[string, () => void, string]> = [
    [
      "a target without a result",
      () => probeAnswers(ALL_CHECKS.slice(0, 2)),
      `error: verify of beta failed at abc1234:\n  ${LABEL}: no result for target https://registry.npmjs.org/-/ping\n`,
    ],
    [
      "a failing loopback check",
      () => probeAnswers([{ name: "loopback", passed: false, detail: "ECONNREFUSED 127.0.0.1:41234" }, ...ALL_CHECKS.slice(1)]),
      `error: verify of beta failed at abc1234:\n  ${LABEL}: the "loopback" check failed: ECONNREFUSED 127.0.0.1:41234\n`,
    ],
    [
      "a crashed probe",
      () => mocks.lambda.on(InvokeCommand).resolves({ FunctionError: "Unhandled", Payload: lambdaPayload('{"errorMessage":"Cannot find module"}') }),
      `error: verify of beta failed at abc1234:\n  ${LABEL}: the self-test invocation failed (Unhandled): {"errorMessage":"Cannot find module"}\n`,
    ],
    [
      "an answer that is not a SelfTestReport",
      () => mocks.lambda.on(InvokeCommand).resolves({ Payload: lambdaPayload('{"ok":true}') }),
      `error: verify of beta failed at abc1234:\n  ${LABEL}: the self-test did not return a SelfTestReport (report.selfTest: Invalid input: expected true; report.passed: Invalid input: expected boolean, received undefined; report.checks: Invalid input: expected array, received undefined)\n`,
    ],
  ];
  for (const [name, script, expected] of probeFailures) {
    it(`fails on ${name}, records the failure and publishes nothing`, async () => {
      // Prepare
      const t = testRuntime();
      script();
      // Act
      const code = await run(t, ["verify", "--stage", "beta"]);
      // Assess
      expect(code).to.equal(1);
      expect(t.err()).to.equal(expected);
      expect(mocks.sns.commandCalls(PublishCommand)).to.have.length(0);
      expect(verifyRecord(t)).to.deep.equal({ sha: "abc1234", passed: false, at: "2026-11-26T10:03:41.123Z" });
    });
  }

  it("fails when the recorder never writes the notification to the ledger", async () => {
    // Prepare
    const t = testRuntime();
    probeAnswers(ALL_CHECKS);
    mocks.sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    mocks.dynamodb.on(GetItemCommand).resolves({});
    // Act
    const code = await run(t, ["verify", "--stage", "beta"]);
    // Assess
    expect(code).to.equal(1);
    expect(t.err()).to.equal(
      "error: verify of beta failed at abc1234:\n" +
        `  notification: no ledger item for ${ALARM_NAME} at 2026-11-26T10:03:41.123Z in ${TABLE} after 1m: check the recorder's subscription to the topic and its logs (and its dead-letter queue)\n`,
    );
    expect(mocks.dynamodb.commandCalls(GetItemCommand)).to.have.length(31);
    expect(mocks.dynamodb.commandCalls(DeleteItemCommand)).to.have.length(0);
    expect(mocks.cloudWatch.calls()).to.have.length(0);
    expect(verifyRecord(t).passed).to.equal(false);
  });

  it("fails fast when a webhealth alarm goes into ALARM during the bake, naming it", async () => {
    // Prepare
    const t = testRuntime();
    probeAnswers(ALL_CHECKS);
    mocks.sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    recorderWrites(0);
    warm();
    mocks.cloudWatch
      .on(DescribeAlarmsCommand, { StateValue: "ALARM" })
      .resolvesOnce({ MetricAlarms: [] })
      .resolvesOnce({ MetricAlarms: [] })
      .resolves({ MetricAlarms: [{ AlarmName: "webhealth-beta-probe-health", StateReason: "Threshold Crossed: 2 out of the last 3 datapoints were less than the threshold (2.0)." }] });
    // Act
    const code = await run(t, ["verify", "--stage", "beta", "--bake", "30m"]);
    // Assess
    expect(code).to.equal(1);
    expect(t.err()).to.equal(
      "error: verify of beta failed at abc1234:\n" +
        "  bake: alarm webhealth-beta-probe-health is in ALARM after 1m: Threshold Crossed: 2 out of the last 3 datapoints were less than the threshold (2.0).\n",
    );
    expect(mocks.cloudWatch.commandCalls(DescribeAlarmsCommand, { StateValue: "ALARM" })).to.have.length(3);
    expect(t.slept()).to.equal(60_000);
    expect(verifyRecord(t).passed).to.equal(false);
  });

  it("bakes the alarms of every probe region too: a probe's alias alarms sit in its own region", async () => {
    // Prepare: gamma probes from us-east-1 and eu-west-1; the eu-west-1 probe's errors alarm is in ALARM there.
    const gamma = stageOutputs("gamma");
    const euErrors = gamma.selfAlarms?.find((alarm) => alarm.region === "eu-west-1" && alarm.kind === "function-errors")?.name as string;
    const t = testRuntime({ stacks: [new FakeStack("gamma", gamma)] });
    const regions: string[] = [];
    const clients = t.runtime.aws;
    t.runtime.aws = (region) => {
      regions.push(region);
      return clients(region);
    };
    probeAnswers([{ name: "loopback", passed: true }, ...(fixtureTargets("gamma").map((target) => ({ name: target.url as string, passed: true })))]);
    mocks.sns.on(PublishCommand).resolves({});
    recorderWrites(0);
    warm();
    mocks.cloudWatch
      .on(DescribeAlarmsCommand, { StateValue: "ALARM" })
      .resolvesOnce({ MetricAlarms: [] })
      .resolves({ MetricAlarms: [{ AlarmName: euErrors, StateReason: "Threshold Crossed: 1 datapoint [1.0] was greater than the threshold (0.0)." }] });
    // Act
    const code = await run(t, ["verify", "--stage", "gamma", "--bake", "5m"]);
    // Assess
    expect(code).to.equal(1);
    expect(t.out()).to.contain(`bake: watching ${gamma.selfAlarms?.length} webhealth alarm(s) webhealth-gamma-* in us-east-1, eu-west-1 for 5m; target alarms are reported, not judged\n`);
    expect(regions.slice(-2)).to.deep.equal(["us-east-1", "eu-west-1"]);
    expect(mocks.cloudWatch.commandCalls(DescribeAlarmsCommand, { StateValue: "ALARM" })).to.have.length(2);
    expect(t.err()).to.equal(
      "error: verify of gamma failed at abc1234:\n" +
        `  bake: alarm ${euErrors} (eu-west-1) is in ALARM after 0ms: Threshold Crossed: 1 datapoint [1.0] was greater than the threshold (0.0).\n`,
    );
  });

  it("reads every page of alarms during the bake", async () => {
    // Prepare
    const t = testRuntime();
    probeAnswers(ALL_CHECKS);
    mocks.sns.on(PublishCommand).resolves({});
    recorderWrites(0);
    warm();
    mocks.cloudWatch
      .on(DescribeAlarmsCommand, { StateValue: "ALARM" })
      .resolvesOnce({ MetricAlarms: [], NextToken: "page-2" })
      .resolves({ CompositeAlarms: [{ AlarmName: "webhealth-beta-recorder-dead-letters", StateReason: "composite" }] });
    // Act
    const code = await run(t, ["verify", "--stage", "beta", "--bake", "0"]);
    // Assess
    expect(code).to.equal(1);
    expect(mocks.cloudWatch.commandCalls(DescribeAlarmsCommand, { StateValue: "ALARM" })[1].args[0].input.NextToken).to.equal("page-2");
    expect(t.err()).to.contain("bake: alarm webhealth-beta-recorder-dead-letters is in ALARM after 0ms: composite\n");
  });

  it("records a failure when an AWS call fails, so an earlier pass at the same commit stops counting", async () => {
    // Prepare
    const t = testRuntime();
    (t.stacks.get("beta") as FakeStack).tags.set(VERIFY_TAG, JSON.stringify({ sha: "abc1234", passed: true, at: "2026-11-26T09:00:00.000Z" }));
    probeAnswers(ALL_CHECKS);
    const denied = Object.assign(new Error("User is not authorized to perform: SNS:Publish"), { name: "AuthorizationErrorException", $metadata: { httpStatusCode: 403 } });
    mocks.sns.on(PublishCommand).rejects(denied);
    // Act
    const code = await run(t, ["verify", "--stage", "beta"]);
    // Assess
    expect(code).to.equal(1);
    expect(t.err()).to.equal("error: verify of beta failed at abc1234:\n  AWS AuthorizationErrorException: User is not authorized to perform: SNS:Publish\n");
    expect(verifyRecord(t)).to.deep.equal({ sha: "abc1234", passed: false, at: "2026-11-26T10:03:41.123Z" });
  });

  it("on Ctrl-C during the bake, stops at once and records nothing (exit 130)", async () => {
    // Prepare
    const t = testRuntime();
    probeAnswers(ALL_CHECKS);
    mocks.sns.on(PublishCommand).resolves({});
    recorderWrites(0);
    warm();
    t.onSleep((slept) => {
      if (slept >= 90_000) t.interrupt();
    });
    // Act
    const code = await run(t, ["verify", "--stage", "beta", "--bake", "1h"]);
    // Assess
    expect(code).to.equal(130);
    expect(mocks.cloudWatch.commandCalls(DescribeAlarmsCommand, { StateValue: "ALARM" })).to.have.length(3);
    expect((t.stacks.get("beta") as FakeStack).tags.has(VERIFY_TAG)).to.equal(false);
  });
});

describe("deploy driver: verify reads the stage file through the one config parser", () => {
  it("reads targets that `pulumi config set` stored as a JSON string", () => {
    // Prepare
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "verify-strings-"));
    fs.writeFileSync(path.join(root, "Pulumi.beta.yaml"), `config:\n  aws:region: us-east-1\n  webhealth:targets: '[{"url":"https://example.com/","name":"example"}]'\n`);
    // Act
    const targets = stageTargets("beta", root);
    // Assess
    expect(targets).to.deep.equal([{ url: "https://example.com/", name: "example" }]);
  });
});

describe("deploy driver: verify, who will be told when people are reached without an e-mail subscription", () => {
  useAwsMocks();

  it("does not warn that nobody is told when the notifier reaches people through a chat or paging channel; still lists pending e-mails", async () => {
    // Prepare: a stage with a Slack and a PagerDuty channel beside an e-mail one nobody confirmed yet.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "verify-channels-"));
    fs.writeFileSync(
      path.join(root, "Pulumi.beta.yaml"),
      [
        "config:",
        "  aws:region: us-east-1",
        "  webhealth:targets: [{ url: https://example.com/ }]",
        "  webhealth:notifications:",
        "    channels:",
        "      - { name: oncall, type: email, addresses: [oncall@example.com] }",
        "      - { name: team-chat, type: slack, webhookUrl: { secret: slack-url } }",
        "      - { name: pager, type: pagerduty, routingKey: { secret: pd-key } }",
        "",
      ].join("\n"),
    );
    const outputs = { ...OUTPUTS, emailTopicArn: `${OUTPUTS.topicArn}-email`, operatorsTopicArn: `${OUTPUTS.topicArn}-operators` };
    mocks.sns.on(ListSubscriptionsByTopicCommand).callsFake((input: { TopicArn: string }) => ({
      Subscriptions: input.TopicArn === outputs.topicArn ? [] : [{ TopicArn: input.TopicArn, Protocol: "email", Endpoint: "oncall@example.com", SubscriptionArn: "PendingConfirmation" }],
    }));
    const t = testRuntime({ root });
    // Act
    await checkSubscribers(t.runtime, outputs, "beta");
    // Assess
    expect(t.out()).to.not.contain("warning:");
    expect(t.out()).to.contain("subscriptions: email oncall@example.com on webhealth-beta-alarms-email is pending confirmation");
    expect(t.out()).to.contain(
      "subscriptions: no confirmed e-mail subscriber yet (2 pending confirmation); the notifier tells people through team-chat (slack), pager (pagerduty)\n",
    );
  });
});
