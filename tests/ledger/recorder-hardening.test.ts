/**
 * The recorder against hostile input and a hostile DynamoDB: impossible times, a DynamoDB that
 * accepts connections and never answers, alarm names whose index key would pass DynamoDB's
 * 1,024-byte limit, and the notifier writing its delivery record first.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { snsEventOf } from "../../cli/ledger-record";
import { readLedger } from "../../cli/alarms-query";
import { LEDGER_LIMITS, ledgerEventKey } from "../../functions/common/ledger";
import { createLedgerClient, DYNAMO_TIMEOUTS } from "../../functions/recorder/dynamo";
import { parseAlarmNotification } from "../../functions/recorder/notification";
import { recordSnsRecords, RecordsNotRecordedError, type RecorderDeps } from "../../functions/recorder/recorder";
import { SAMPLE_CONTEXT, SINGLE_METRIC_ALARM } from "../../functions/recorder/samples";
import { buildLedgerItem } from "../../functions/recorder/item";
import { claimDelivery } from "../../functions/notifier/ledger";
import { NO_MAINTENANCE, readRecorderMaintenance } from "../../functions/recorder/config";
import { RECORDER_CONFIG_FILE } from "../../functions/common/contract";
import { loadStageConfig } from "../../infra/config";
import { planStage } from "../../infra/plan/stage";
import { synthesize } from "../../infra/synth";
import { rejectionOf, startDynalite, thrownBy, type LocalDynamo } from "./helpers";
import { startSilentServer } from "../support/silent-server";

describe("ledger: the recorder, hardened", function () {
  this.timeout(60_000);
  let dynamo: LocalDynamo;
  let tableName: string;
  let deps: RecorderDeps;
  let logs: Record<string, unknown>[];

  before(async () => {
    dynamo = await startDynalite();
  });
  after(async () => dynamo.close());
  beforeEach(async () => {
    tableName = await dynamo.createTable();
    logs = [];
    deps = { client: dynamo.client, config: { tableName, retentionDays: 400 }, now: Date.now, log: (line) => logs.push(line) };
  });

  for (const time of ["2026-02-30T10:00:00.000+0000", "2026-02-29T10:00:00.000+0000", "2026-11-26T24:00:00.000+0000", "2026-11-26T10:60:00.000+0000", "2026-13-01T10:00:00.000+0000"]) {
    it(`refuses the impossible StateChangeTime ${time} and writes nothing`, async () => {
      const event = snsEventOf([JSON.stringify({ ...SINGLE_METRIC_ALARM.notification, StateChangeTime: time })]);
      const caught = await rejectionOf(() => recordSnsRecords(event.Records, deps));
      expect(caught).to.be.instanceOf(RecordsNotRecordedError);
      expect(logs[0]).to.deep.include({ outcome: "failed", stage: "parse", error: "message.StateChangeTime: must be a time like 2026-11-26T10:03:41.123+0000" });
      expect(await dynamo.scan(tableName)).to.deep.equal([]);
    });
  }

  it("still reads real times: a leap day, an offset, the last second of a day", () => {
    const at = (StateChangeTime: string) => parseAlarmNotification(JSON.stringify({ ...SINGLE_METRIC_ALARM.notification, StateChangeTime })).StateChangeTime;
    expect([at("2028-02-29T10:00:00.000+0000"), at("2026-11-26T23:59:59.999+0100"), at("2026-11-26T10:03:41Z")]).to.deep.equal([
      "2028-02-29T10:00:00.000Z",
      "2026-11-26T22:59:59.999Z",
      "2026-11-26T10:03:41.000Z",
    ]);
    expect(thrownBy(() => at("2026-02-30T10:00:00.000+0000"))).to.be.instanceOf(Error);
  });

  it("records an alarm name whose index key would pass 1,024 bytes, within the limit, found by time like any other", async () => {
    // 255 characters (CloudWatch's maximum), 4 bytes each in UTF-8: 1,020 bytes of name.
    const name = "\u{20000}".repeat(255);
    const changedAt = "2026-11-26T10:03:41.123Z";
    const key = ledgerEventKey(changedAt, name);
    expect(Buffer.byteLength(key)).to.be.at.most(LEDGER_LIMITS.maxSortKeyBytes);
    expect(key.startsWith(`${changedAt}#\u{20000}`)).to.equal(true);
    expect(key).to.match(/#[0-9a-f]{16}$/);
    // Two such names differing only at the end keep distinct keys.
    expect(ledgerEventKey(changedAt, `${"\u{20000}".repeat(254)}a`)).to.not.equal(ledgerEventKey(changedAt, `${"\u{20000}".repeat(254)}b`));
    // Short names keep the plain form.
    expect(ledgerEventKey(changedAt, "webhealth-beta-x")).to.equal(`${changedAt}#webhealth-beta-x`);

    const event = snsEventOf([JSON.stringify({ ...SINGLE_METRIC_ALARM.notification, AlarmName: name, StateChangeTime: "2026-11-26T10:03:41.123+0000" })]);
    const [result] = await recordSnsRecords(event.Records, deps);
    expect(result.outcome).to.equal("recorded");
    const found = await readLedger(dynamo.client, tableName, { from: Date.parse("2026-11-26T00:00:00Z"), until: Date.parse("2026-11-26T23:59:59Z") });
    expect(found.map((item) => [item.alarmName, item.eventKey])).to.deep.equal([[name, key]]);
  });

  it("keeps the delivery record the notifier wrote first, and records every field", async () => {
    const changedAt = SINGLE_METRIC_ALARM.expected.changedAt;
    const claimed = await claimDelivery({ client: dynamo.client, tableName, retentionDays: 400 }, { alarmName: SINGLE_METRIC_ALARM.expected.alarmName, changedAt }, Date.now(), 60_000);
    expect(claimed).to.equal("claimed");
    const event = snsEventOf([JSON.stringify(SINGLE_METRIC_ALARM.notification)]);
    expect((await recordSnsRecords(event.Records, deps)).map((result) => result.outcome)).to.deep.equal(["recorded"]);
    // A second delivery of the same notification is still a duplicate.
    expect((await recordSnsRecords(event.Records, deps)).map((result) => result.outcome)).to.deep.equal(["duplicate"]);
    const [item] = (await dynamo.scan(tableName)).map((raw) => unmarshall(raw as never));
    const { delivery, recordedAt, snsMessageId, ...fields } = item;
    const { recordedAt: _r, snsMessageId: _s, ...expected } = SINGLE_METRIC_ALARM.expected;
    expect(fields).to.deep.equal(expected);
    expect([delivery.status, typeof recordedAt, snsMessageId]).to.deep.equal(["pending", "string", event.Records[0].Sns.MessageId]);
  });

  it("gives up on a DynamoDB that accepts connections and never answers, inside the recorder's timeout", async () => {
    const silent = await startSilentServer();
    const previous = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = silent.endpoint;
    // The default client (the recorder's own timeouts), pointed at the silent server the SDK's standard way.
    const client = createLedgerClient("us-east-1");
    try {
      const started = Date.now();
      const caught = await rejectionOf(() => recordSnsRecords(snsEventOf([JSON.stringify(SINGLE_METRIC_ALARM.notification)]).Records, { ...deps, client }));
      expect(caught).to.be.instanceOf(RecordsNotRecordedError);
      expect(logs[0]).to.deep.include({ outcome: "failed", stage: "write" });
      expect(String(logs[0].error)).to.match(/^TimeoutError: /);
      // The SDK made its 3 attempts: 3 connections the silent server accepted.
      expect(silent.sockets.length).to.equal(DYNAMO_TIMEOUTS.maxAttempts);
      // Bounded by the timeouts (3 x 3 s plus backoff), far inside the recorder's 30 s: not a timing goal, a sanity bound.
      expect(Date.now() - started).to.be.below(25_000);
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
      else process.env.AWS_ENDPOINT_URL_DYNAMODB = previous;
      client.destroy();
      await silent.close();
    }
  });

  it("gives a burn-rate (composite) alarm's item its target's URL, which its notification lacks, on a stage without windows too", async () => {
    // Prepare: burn-rate alarms and no maintenance window; the composite's notification as CloudWatch sends it (AlarmRule, no Trigger).
    const raw = {
      "aws:region": "us-east-1",
      "webhealth:targets": [{ url: "https://shop.example.com/", name: "shop" }],
      "webhealth:slo": { burnRateAlarms: true },
    };
    const plan = planStage(loadStageConfig("beta", raw));
    const { Trigger: _trigger, ...rest } = SINGLE_METRIC_ALARM.notification;
    const composite = parseAlarmNotification(JSON.stringify({ ...rest, AlarmName: "webhealth-beta-shop-burn-rate", AlarmRule: 'ALARM("webhealth-beta-shop-burn-1h-1h")' }));

    // Act
    const { document } = await synthesize("beta", raw);
    const archive = (document.resources.find((resource) => resource.name === "recorder-function")!.inputs.code as { archive: Record<string, unknown> }).archive;
    const item = buildLedgerItem(composite, { ...SAMPLE_CONTEXT, maintenance: plan.recorderMaintenance });
    const withoutFile = buildLedgerItem(composite, SAMPLE_CONTEXT);

    // Assess: the file ships with the URL, so the item is found by URL (byUrl: npm run status's last change, alarms --url).
    expect(plan.recorderMaintenance).to.deep.equal({ windows: [], alarmUrls: { "webhealth-beta-shop-burn-rate": "https://shop.example.com/" } });
    expect(Object.keys(archive).sort()).to.deep.equal(["index.js", RECORDER_CONFIG_FILE]);
    expect([item.url, item.maintenance, withoutFile.url]).to.deep.equal(["https://shop.example.com/", undefined, undefined]);
  });

  it("ships the stage's maintenance windows in its archive and reads them: none without the file, a broken one refused by name", async () => {
    // Prepare
    const stack = (maintenance: unknown[]) => ({
      "aws:region": "us-east-1",
      "webhealth:targets": [{ url: "https://shop.example.com/", name: "shop" }],
      "webhealth:notifications": { maintenance },
    });
    const windows = [{ name: "saturday-deploys", cron: "0 22 * * 6", durationMinutes: 120, timeZone: "Europe/Berlin", targets: ["shop"] }];
    const plan = planStage(loadStageConfig("beta", stack(windows)));
    const shipped = JSON.stringify(plan.recorderMaintenance);
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-recorder-config-"));
    const file = path.join(folder, RECORDER_CONFIG_FILE);

    try {
      // Act: the archive the program deploys, with and without windows.
      const archiveOf = async (maintenance: unknown[]) => {
        const { document } = await synthesize("beta", stack(maintenance));
        return (document.resources.find((resource) => resource.name === "recorder-function")!.inputs.code as { archive: Record<string, { sha256: string }> }).archive;
      };
      const withWindows = await archiveOf(windows);
      const without = await archiveOf([]);

      // Assess: the file is the plan's, byte for byte, and the recorder reads back exactly the windows.
      expect(withWindows[RECORDER_CONFIG_FILE]?.sha256).to.equal(crypto.createHash("sha256").update(shipped).digest("hex"));
      expect(Object.keys(without)).to.deep.equal(["index.js"]);
      fs.writeFileSync(file, shipped);
      expect(readRecorderMaintenance(file)).to.deep.equal({ windows: [{ name: "saturday-deploys", cron: "0 22 * * 6", durationMinutes: 120, timeZone: "Europe/Berlin", urls: ["https://shop.example.com/"] }], alarmUrls: {} });
      expect(readRecorderMaintenance(path.join(folder, "absent.json"))).to.deep.equal(NO_MAINTENANCE);
      fs.writeFileSync(file, JSON.stringify({ windows: [{ name: "x", cron: "0 22 * * 6", durationMinutes: -5, timeZone: "UTC" }], alarmUrls: {} }));
      expect(() => readRecorderMaintenance(file)).to.throw(`${RECORDER_CONFIG_FILE}.windows[0]`);
      fs.writeFileSync(file, "{");
      expect(() => readRecorderMaintenance(file)).to.throw(`${RECORDER_CONFIG_FILE}: is not JSON`);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
