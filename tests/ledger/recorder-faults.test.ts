// Faults a local DynamoDB cannot produce on demand, checked at command level with aws-sdk-client-mock.
import { expect } from "chai";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { ConditionalCheckFailedException, DescribeTableCommand, ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { snsEventOf } from "../../cli/ledger-record";
import { createLedgerClient } from "../../functions/recorder/dynamo";
import { recordSnsRecords, selfTest, type RecorderDeps } from "../../functions/recorder/recorder";
import { METRIC_MATH_OK, SAMPLE_CONTEXT, SINGLE_METRIC_ALARM } from "../../functions/recorder/samples";
import { rejectionOf } from "./helpers";

const metadata = { $metadata: {} };

describe("ledger: recorder faults (aws-sdk-client-mock)", () => {
  // Mocked only while this suite runs: mockClient patches every DynamoDBDocumentClient.
  let dynamo: AwsClientStub<DynamoDBDocumentClient>;
  let logs: Record<string, unknown>[];
  let deps: RecorderDeps;

  before(() => {
    dynamo = mockClient(DynamoDBDocumentClient);
  });
  beforeEach(() => {
    dynamo.reset();
    logs = [];
    deps = { client: createLedgerClient("us-east-1"), config: { tableName: "alarms", retentionDays: 400 }, now: () => SAMPLE_CONTEXT.now, log: (line) => logs.push(line) };
  });
  after(() => dynamo.restore());

  it("treats a ConditionalCheckFailedException on attribute_not_exists(newState) as a duplicate, not an error", async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", ...metadata }));
    const results = await recordSnsRecords(snsEventOf([JSON.stringify(SINGLE_METRIC_ALARM.notification)]).Records, deps);
    expect(results.map((result) => result.outcome)).to.deep.equal(["duplicate"]);
    const put = dynamo.commandCalls(UpdateCommand)[0].args[0].input;
    // Conditioned on the recorder's own field, not on the key: the notifier may have created the item with its delivery record.
    expect([put.TableName, put.Key, put.ConditionExpression, put.ExpressionAttributeNames?.["#newState"]]).to.deep.equal([
      "alarms",
      { alarmName: SINGLE_METRIC_ALARM.expected.alarmName, changedAt: SINGLE_METRIC_ALARM.expected.changedAt },
      "attribute_not_exists(#newState)",
      "newState",
    ]);
  });

  it("fails the invocation when a write stays throttled, after writing the other record", async () => {
    // Prepare: the first put is throttled (beyond the SDK's own retries), the second succeeds.
    dynamo
      .on(UpdateCommand)
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: "Rate of requests exceeds the allowed throughput", ...metadata }))
      .resolves({});
    const event = snsEventOf([JSON.stringify(SINGLE_METRIC_ALARM.notification), JSON.stringify(METRIC_MATH_OK.notification)]);
    // Act
    const caught = await rejectionOf(() => recordSnsRecords(event.Records, deps));
    // Assess
    expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.Key?.alarmName)).to.deep.equal([
      "webhealth-beta-example-availability",
      "webhealth-prod-example-availability",
    ]);
    expect((caught as Error).message).to.equal(
      `1 of 2 record(s) not recorded: ${event.Records[0].Sns.MessageId} (write: ProvisionedThroughputExceededException: Rate of requests exceeds the allowed throughput)`,
    );
    expect(logs.map((line) => [line.outcome, line.stage])).to.deep.equal([
      ["failed", "write"],
      ["recorded", undefined],
    ]);
  });

  it("self-test: the write check fails when the role may not UpdateItem", async () => {
    dynamo.on(DescribeTableCommand).resolves({ Table: { TableStatus: "ACTIVE", KeySchema: [{ AttributeName: "alarmName", KeyType: "HASH" }, { AttributeName: "changedAt", KeyType: "RANGE" }] } });
    const denied = Object.assign(new Error("User is not authorized to perform: dynamodb:UpdateItem"), { name: "AccessDeniedException" });
    dynamo.on(UpdateCommand).rejects(denied);
    const report = await selfTest(() => deps);
    expect(report.passed).to.equal(false);
    expect(report.checks.slice(-2)).to.deep.equal([
      { name: "table is reachable", passed: true, detail: "alarms is ACTIVE" },
      { name: "may write to the table", passed: false, detail: "AccessDeniedException: User is not authorized to perform: dynamodb:UpdateItem" },
    ]);
    // The probe update can never create an item: it requires the (random) key to exist already.
    const probe = dynamo.commandCalls(UpdateCommand)[0].args[0].input;
    expect(probe.ConditionExpression).to.equal("attribute_exists(#hashKey)");
    expect(String(probe.Key?.alarmName)).to.match(/^webhealth-self-test-[0-9a-f-]{36}$/);
  });

  it("self-test: the table check fails on a table with another key schema", async () => {
    dynamo.on(DescribeTableCommand).resolves({ Table: { TableStatus: "ACTIVE", KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] } });
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", ...metadata }));
    const report = await selfTest(() => deps);
    expect(report.checks.slice(-2)).to.deep.equal([
      { name: "table is reachable", passed: false, detail: "alarms has keys id:HASH, expected alarmName:HASH,changedAt:RANGE" },
      { name: "may write to the table", passed: true },
    ]);
    expect(report.passed).to.equal(false);
  });
});
