import { expect } from "chai";
import type { SNSEvent } from "aws-lambda";
import { snsEventOf } from "../../cli/ledger-record";
import { RECORDER_ENV } from "../../functions/common/contract";
import { handler } from "../../functions/recorder";
import { readRecorderConfig } from "../../functions/recorder/config";
import { recordSnsRecords, RecordsNotRecordedError, selfTest, type RecorderDeps } from "../../functions/recorder/recorder";
import { METRIC_MATH_OK, SAMPLE_CONTEXT, SINGLE_METRIC_ALARM } from "../../functions/recorder/samples";
import { rejectionOf, startDynalite, type LocalDynamo } from "./helpers";

const NOW = SAMPLE_CONTEXT.now;
const messageOf = (notification: Record<string, unknown>) => JSON.stringify(notification);
/** The sample items as the recorder writes them for the given SNS event (message id and write time differ). */
const asWritten = (expected: Record<string, unknown>, event: SNSEvent, index: number) => ({ ...expected, snsMessageId: event.Records[index].Sns.MessageId });

describe("ledger: the recorder against dynalite", () => {
  let dynamo: LocalDynamo;
  let tableName: string;
  let logs: Record<string, unknown>[];
  let deps: RecorderDeps;

  before(async () => {
    dynamo = await startDynalite();
  });
  after(async () => dynamo.close());
  beforeEach(async () => {
    tableName = await dynamo.createTable();
    logs = [];
    deps = { client: dynamo.client, config: { tableName, retentionDays: 400 }, now: () => NOW, log: (line) => logs.push(line) };
  });

  it("writes a single-metric ALARM and a metric-math OK notification as the expected items", async () => {
    // Prepare
    const event = snsEventOf([messageOf(SINGLE_METRIC_ALARM.notification), messageOf(METRIC_MATH_OK.notification)]);
    // Act
    const results = await recordSnsRecords(event.Records, deps);
    // Assess
    expect(results.map((result) => result.outcome)).to.deep.equal(["recorded", "recorded"]);
    const items = (await dynamo.scan(tableName)).map((raw) => unmarshallForTest(raw));
    expect(items).to.have.deep.members([asWritten({ ...SINGLE_METRIC_ALARM.expected }, event, 0), asWritten({ ...METRIC_MATH_OK.expected }, event, 1)]);
    const recordedLine = (expected: typeof SINGLE_METRIC_ALARM.expected, index: number) => ({
      level: "INFO",
      table: tableName,
      outcome: "recorded",
      messageId: event.Records[index].Sns.MessageId,
      alarmName: expected.alarmName,
      changedAt: expected.changedAt,
      url: expected.url,
      newState: expected.newState,
    });
    expect(logs).to.deep.equal([recordedLine(SINGLE_METRIC_ALARM.expected, 0), recordedLine(METRIC_MATH_OK.expected, 1)]);
  });

  it("records the same state change delivered twice as one item, the second being a duplicate (success)", async () => {
    const first = snsEventOf([messageOf(SINGLE_METRIC_ALARM.notification)]);
    const again = snsEventOf([messageOf(SINGLE_METRIC_ALARM.notification), messageOf(SINGLE_METRIC_ALARM.notification)]);
    await recordSnsRecords(first.Records, deps);
    const results = await recordSnsRecords(again.Records, deps);
    expect(results.map((result) => result.outcome)).to.deep.equal(["duplicate", "duplicate"]);
    const items = await dynamo.scan(tableName);
    expect(items).to.have.length(1);
    // The first delivery's item is kept as it was.
    expect(items[0].snsMessageId).to.deep.equal({ S: first.Records[0].Sns.MessageId });
  });

  it("fails the invocation for a malformed message, writing nothing for it and logging why", async () => {
    const event = snsEventOf(['{"AlarmName": "x"']);
    const caught = await rejectionOf(() => recordSnsRecords(event.Records, deps));
    expect(caught).to.be.instanceOf(RecordsNotRecordedError);
    expect(await dynamo.scan(tableName)).to.deep.equal([]);
    expect(logs).to.deep.equal([
      {
        level: "ERROR",
        table: tableName,
        outcome: "failed",
        messageId: event.Records[0].Sns.MessageId,
        stage: "parse",
        error: "message: is not JSON (expected a CloudWatch alarm notification)",
      },
    ]);
  });

  it("writes the good records of a batch with one bad record, then fails the invocation naming the bad one", async () => {
    const bad = messageOf({ ...SINGLE_METRIC_ALARM.notification, StateChangeTime: "soon" });
    const event = snsEventOf([messageOf(SINGLE_METRIC_ALARM.notification), bad, messageOf(METRIC_MATH_OK.notification)]);
    const caught = await rejectionOf(() => recordSnsRecords(event.Records, deps));
    expect((caught as Error).message).to.equal(
      `1 of 3 record(s) not recorded: ${event.Records[1].Sns.MessageId} (parse: message.StateChangeTime: must be a time like 2026-11-26T10:03:41.123+0000)`,
    );
    const names = (await dynamo.scan(tableName)).map((item) => item.alarmName);
    expect(names).to.have.deep.members([{ S: "webhealth-beta-example-availability" }, { S: "webhealth-prod-example-availability" }]);
    expect(logs.map((line) => line.outcome)).to.deep.equal(["recorded", "failed", "recorded"]);
  });

  it("fails a record whose write DynamoDB refuses (no such table), with the error in its log line", async () => {
    const event = snsEventOf([messageOf(SINGLE_METRIC_ALARM.notification)]);
    const missing = { ...deps, config: { tableName: "no-such-table", retentionDays: 400 } };
    const caught = await rejectionOf(() => recordSnsRecords(event.Records, missing));
    expect(caught).to.be.instanceOf(RecordsNotRecordedError);
    expect(logs[0]).to.include({ outcome: "failed", stage: "write", alarmName: "webhealth-beta-example-availability" });
    expect(logs[0].error).to.match(/^ResourceNotFoundException: /);
  });

  describe("self-test", () => {
    it("passes every check and writes nothing", async () => {
      const report = await selfTest(() => deps);
      expect(report).to.deep.equal({
        selfTest: true,
        passed: true,
        checks: [
          { name: "configuration", passed: true, detail: `table ${tableName}, retention 400 days` },
          { name: "parses single-metric ALARM", passed: true },
          { name: "parses metric-math OK", passed: true },
          { name: "parses probe-health ALARM (no Url)", passed: true },
          { name: "table is reachable", passed: true, detail: `${tableName} is ACTIVE` },
          { name: "may write to the table", passed: true },
        ],
      });
      expect(await dynamo.scan(tableName)).to.deep.equal([]);
    });

    it("fails when the table does not exist, saying so", async () => {
      const report = await selfTest(() => ({ ...deps, config: { tableName: "no-such-table", retentionDays: 400 } }));
      expect(report.passed).to.equal(false);
      const failed = report.checks.filter((check) => !check.passed).map((check) => check.name);
      expect(failed).to.deep.equal(["table is reachable", "may write to the table"]);
      expect(report.checks[4].detail).to.match(/^ResourceNotFoundException: /);
    });

    it("fails on a misconfigured environment without touching DynamoDB", async () => {
      const report = await selfTest(() => ({ ...deps, config: readRecorderConfig({}) }));
      expect(report.passed).to.equal(false);
      expect(report.checks[0]).to.deep.equal({
        name: "configuration",
        passed: false,
        detail: "env.ALARM_TABLE_NAME: is required (the name of the alarm ledger table)",
      });
      expect(report.checks).to.have.length(4);
    });
  });

  describe("the Lambda handler (env configuration, AWS_ENDPOINT_URL_DYNAMODB)", () => {
    const saved: Record<string, string | undefined> = {};
    const vars = ["AWS_ENDPOINT_URL_DYNAMODB", RECORDER_ENV.tableName, RECORDER_ENV.retentionDays];
    before(() => vars.forEach((name) => (saved[name] = process.env[name])));
    after(() => vars.forEach((name) => (saved[name] === undefined ? delete process.env[name] : (process.env[name] = saved[name]))));

    it("fails the invocation when ALARM_TABLE_NAME is missing, logging every record as failed", async () => {
      delete process.env[RECORDER_ENV.tableName];
      const event = snsEventOf([messageOf(SINGLE_METRIC_ALARM.notification)]);
      const lines: string[] = [];
      const caught = await rejectionOf(() => withQuietConsole(() => handler(event), lines));
      expect((caught as Error).message).to.equal("env.ALARM_TABLE_NAME: is required (the name of the alarm ledger table)");
      expect(lines.map((line) => JSON.parse(line))).to.deep.equal([
        {
          level: "ERROR",
          outcome: "failed",
          messageId: event.Records[0].Sns.MessageId,
          stage: "config",
          error: "env.ALARM_TABLE_NAME: is required (the name of the alarm ledger table)",
        },
      ]);
    });

    it("writes through the SDK's endpoint setting and answers a self-test", async () => {
      // Prepare: the handler builds its client and config once, from the environment.
      process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
      process.env[RECORDER_ENV.tableName] = tableName;
      process.env[RECORDER_ENV.retentionDays] = "30";
      const event = snsEventOf([messageOf(SINGLE_METRIC_ALARM.notification)]);
      // Act
      const report = await handler({ selfTest: true });
      const result = await withQuietConsole(() => handler(event));
      // Assess
      expect(report).to.include({ selfTest: true, passed: true });
      expect(result).to.deep.equal({
        recorded: [
          {
            outcome: "recorded",
            messageId: event.Records[0].Sns.MessageId,
            alarmName: "webhealth-beta-example-availability",
            changedAt: "2026-11-26T10:03:41.123Z",
            url: "https://example.com/",
            newState: "ALARM",
          },
        ],
      });
      const [item] = await dynamo.scan(tableName);
      expect(item.expiresAt).to.deep.equal({ N: String(Date.parse("2026-11-26T10:03:41Z") / 1000 + 30 * 86_400) });
    });

    it("creates its client and reads its configuration once per container", async () => {
      // Prepare: an invocation configured for dynalite (the container may already hold an earlier
      // test's configuration: the self-test names the table in use), then the environment changes.
      process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
      process.env[RECORDER_ENV.tableName] = tableName;
      const report = (await handler({ selfTest: true })) as { checks: Array<{ name: string; detail?: string }> };
      const tableInUse = /^table (\S+),/.exec(report.checks[0].detail ?? "")?.[1] ?? "";
      process.env.AWS_ENDPOINT_URL_DYNAMODB = "http://127.0.0.1:9";
      process.env[RECORDER_ENV.tableName] = "another-table";
      const lines: string[] = [];
      // Act
      const result = await withQuietConsole(() => handler(snsEventOf([messageOf(METRIC_MATH_OK.notification)])), lines);
      // Assess: written through the first client (dynalite), into the first table.
      expect(tableInUse).to.match(/^ledger-/);
      expect(result).to.have.nested.property("recorded[0].outcome", "recorded");
      expect(JSON.parse(lines[0]).table).to.equal(tableInUse);
      expect((await dynamo.scan(tableInUse)).map((item) => item.alarmName)).to.deep.include({ S: "webhealth-prod-example-availability" });
    });

    it("rejects an event that is neither SNS nor a self-test", async () => {
      const caught = await rejectionOf(() => handler({ hello: "world" }));
      expect((caught as Error).message).to.equal('unsupported event: expected an SNS event ({ "Records": [...] }) or { "selfTest": true }');
    });
  });

  describe("configuration", () => {
    const cases: Array<[NodeJS.ProcessEnv, { tableName: string; retentionDays: number } | string]> = [
      [{ ALARM_TABLE_NAME: "t" }, { tableName: "t", retentionDays: 400 }],
      [{ ALARM_TABLE_NAME: "t", ALARM_RETENTION_DAYS: "30" }, { tableName: "t", retentionDays: 30 }],
      [{ ALARM_TABLE_NAME: "" }, "env.ALARM_TABLE_NAME: is required (the name of the alarm ledger table)"],
      [{ ALARM_TABLE_NAME: "t", ALARM_RETENTION_DAYS: "0" }, "env.ALARM_RETENTION_DAYS: must be a whole number of days (1-3650)"],
      [{ ALARM_TABLE_NAME: "t", ALARM_RETENTION_DAYS: "1y" }, "env.ALARM_RETENTION_DAYS: must be a whole number of days (1-3650)"],
      [{ ALARM_TABLE_NAME: "t", ALARM_RETENTION_DAYS: "36500" }, "env.ALARM_RETENTION_DAYS: must be a whole number of days (1-3650)"],
    ];
    for (const [env, expected] of cases) {
      it(`${JSON.stringify(env)} -> ${JSON.stringify(expected)}`, () => {
        if (typeof expected === "string") expect(() => readRecorderConfig(env)).to.throw(expected);
        else expect(readRecorderConfig(env)).to.deep.equal(expected);
      });
    }
  });
});

/** Raw DynamoDB JSON -> plain values (S and N only: all the ledger uses). */
function unmarshallForTest(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(raw).map(([key, value]) => {
      const typed = value as { S?: string; N?: string };
      return [key, typed.S ?? Number(typed.N)];
    }),
  );
}

/** Runs the action with console.log captured (the handler's JSON log lines). */
async function withQuietConsole<T>(action: () => Promise<T>, lines: string[] = []): Promise<T> {
  const original = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    return await action();
  } finally {
    console.log = original;
  }
}
