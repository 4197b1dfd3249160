// Faults a local DynamoDB cannot produce on demand, checked at command level with aws-sdk-client-mock.
import { expect } from "chai";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { ConditionalCheckFailedException, DescribeTableCommand, ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
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

  it("treats a ConditionalCheckFailedException on attribute_not_exists(alarmName) as a duplicate, not an error", async () => {
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", ...metadata }));
    const results = await recordSnsRecords(snsEventOf([JSON.stringify(SINGLE_METRIC_ALARM.notification)]).Records, deps);
    expect(results.map((result) => result.outcome)).to.deep.equal(["duplicate"]);
    const put = dynamo.commandCalls(PutCommand)[0].args[0].input;
    expect([put.TableName, put.ConditionExpression, put.ExpressionAttributeNames]).to.deep.equal([
      "alarms",
      "attribute_not_exists(#hashKey)",
      { "#hashKey": "alarmName" },
    ]);
  });

  it("fails the invocation when a write stays throttled, after writing the other record", async () => {
    // Prepare: the first put is throttled (beyond the SDK's own retries), the second succeeds.
    dynamo
      .on(PutCommand)
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: "Rate of requests exceeds the allowed throughput", ...metadata }))
      .resolves({});
    const event = snsEventOf([JSON.stringify(SINGLE_METRIC_ALARM.notification), JSON.stringify(METRIC_MATH_OK.notification)]);
    // Act
    const caught = await rejectionOf(() => recordSnsRecords(event.Records, deps));
    // Assess
    expect(dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item?.alarmName)).to.deep.equal([
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

  it("self-test: the write check fails when the role may not PutItem", async () => {
    dynamo.on(DescribeTableCommand).resolves({ Table: { TableStatus: "ACTIVE", KeySchema: [{ AttributeName: "alarmName", KeyType: "HASH" }, { AttributeName: "changedAt", KeyType: "RANGE" }] } });
    const denied = Object.assign(new Error("User is not authorized to perform: dynamodb:PutItem"), { name: "AccessDeniedException" });
    dynamo.on(PutCommand).rejects(denied);
    const report = await selfTest(() => deps);
    expect(report.passed).to.equal(false);
    expect(report.checks.slice(-2)).to.deep.equal([
      { name: "table is reachable", passed: true, detail: "alarms is ACTIVE" },
      { name: "may write to the table", passed: false, detail: "AccessDeniedException: User is not authorized to perform: dynamodb:PutItem" },
    ]);
    // The probe put can never create an item: it requires the (random) key to exist already.
    const probe = dynamo.commandCalls(PutCommand)[0].args[0].input;
    expect(probe.ConditionExpression).to.equal("attribute_exists(#hashKey)");
    expect(String(probe.Item?.alarmName)).to.match(/^webhealth-self-test-[0-9a-f-]{36}$/);
  });

  it("self-test: the table check fails on a table with another key schema", async () => {
    dynamo.on(DescribeTableCommand).resolves({ Table: { TableStatus: "ACTIVE", KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] } });
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", ...metadata }));
    const report = await selfTest(() => deps);
    expect(report.checks.slice(-2)).to.deep.equal([
      { name: "table is reachable", passed: false, detail: "alarms has keys id:HASH, expected alarmName:HASH,changedAt:RANGE" },
      { name: "may write to the table", passed: true },
    ]);
    expect(report.passed).to.equal(false);
  });
});
