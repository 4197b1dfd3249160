/**
 * Quiet when it should be: maintenance windows on a virtual clock across daylight-saving changes
 * in Europe/Berlin, a new stage's no-data ALARMs, reminders, and the sweep that sends what was
 * deferred. The ledger is dynalite; Slack is a local server; CloudWatch is mocked.
 */
import { expect } from "chai";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand } from "@aws-sdk/client-cloudwatch-logs";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { activeMaintenance, openOccurrence, type MaintenanceWindow } from "../../functions/common/maintenance";
import type { LedgerItem } from "../../functions/common/ledger";
import { decide, isNewAlarmWithoutData } from "../../functions/notifier/decide";
import { readAlarmEvent } from "../../functions/notifier/alarm";
import { notifySnsRecords } from "../../functions/notifier/notifier";
import { sweep } from "../../functions/notifier/sweep";
import { recordSnsRecords } from "../../functions/recorder/recorder";
import { parseAlarmNotification } from "../../functions/recorder/notification";
import { loadStageConfig } from "../../infra/config";
import { planStage } from "../../infra/plan/stage";
import { deliveryCell } from "../../cli/alarms-format";
import type { RecorderMaintenance } from "../../functions/recorder/config";
import { startDynalite, type LocalDynamo } from "../ledger/helpers";
import { eventOf, harness, notification, runtimeOf, startReceiver, type Harness, type Receiver } from "./support";

const MIN = 60_000;
const iso = (millis: number) => new Date(millis).toISOString();
const at = (text: string) => Date.parse(text);

describe("notifier: maintenance windows on a virtual clock (Europe/Berlin)", () => {
  // Sundays 01:00 local for 3 hours. 2026-03-29 is the Sunday clocks spring forward (02:00 CET -> 03:00 CEST).
  const sundays: MaintenanceWindow = { name: "sunday-upgrades", cron: "0 1 * * 0", durationMinutes: 180, timeZone: "Europe/Berlin" };

  it("opens at 01:00 local before and after the spring-forward change, lasting 180 minutes of real time across it", () => {
    // 01:00 CET = 00:00Z; 180 elapsed minutes later it is 03:00Z (05:00 CEST, not 04:00).
    expect(openOccurrence(sundays, at("2026-03-28T23:59:59.999Z"))).to.equal(undefined);
    expect(openOccurrence(sundays, at("2026-03-29T00:00:00.000Z"))).to.deep.equal([at("2026-03-29T00:00:00.000Z"), at("2026-03-29T03:00:00.000Z")]);
    expect(openOccurrence(sundays, at("2026-03-29T02:59:59.999Z"))?.[0]).to.equal(at("2026-03-29T00:00:00.000Z"));
    expect(openOccurrence(sundays, at("2026-03-29T03:00:00.000Z"))).to.equal(undefined);
    // A week later the same 01:00 local is 23:00Z the day before (CEST).
    expect(openOccurrence(sundays, at("2026-04-04T22:59:59.999Z"))).to.equal(undefined);
    expect(openOccurrence(sundays, at("2026-04-04T23:00:00.000Z"))).to.deep.equal([at("2026-04-04T23:00:00.000Z"), at("2026-04-05T02:00:00.000Z")]);
  });

  it("a start time that does not exist that day starts at the end of the gap; one that happens twice starts once", () => {
    const nightly: MaintenanceWindow = { name: "nightly", cron: "30 2 * * *", durationMinutes: 60, timeZone: "Europe/Berlin" };
    // 2026-03-29 02:30 local does not exist: the window opens at 03:00 CEST = 01:00Z.
    expect(openOccurrence(nightly, at("2026-03-29T00:59:59.999Z"))).to.equal(undefined);
    expect(openOccurrence(nightly, at("2026-03-29T01:00:00.000Z"))).to.deep.equal([at("2026-03-29T01:00:00.000Z"), at("2026-03-29T02:00:00.000Z")]);
    // 2026-10-25 02:30 local happens at 00:30Z (CEST) and again at 01:30Z (CET): one window, from the first.
    expect(openOccurrence(nightly, at("2026-10-25T00:30:00.000Z"))).to.deep.equal([at("2026-10-25T00:30:00.000Z"), at("2026-10-25T01:30:00.000Z")]);
    expect(openOccurrence(nightly, at("2026-10-25T01:45:00.000Z"))).to.equal(undefined);
    // The day after, 02:30 CET = 01:30Z.
    expect(openOccurrence(nightly, at("2026-10-26T01:30:00.000Z"))?.[0]).to.equal(at("2026-10-26T01:30:00.000Z"));
  });

  it("one-off windows, windows for named targets, and the window that ends last", () => {
    const migration: MaintenanceWindow = { name: "migration", start: "2026-12-05T20:00:00Z", end: "2026-12-05T23:00:00+01:00", urls: ["https://shop.example.com/"] };
    const all: MaintenanceWindow = { name: "all", start: "2026-12-05T20:30:00Z", end: "2026-12-05T21:00:00Z" };
    expect(activeMaintenance([migration, all], "https://shop.example.com/", at("2026-12-05T20:45:00Z"))).to.deep.equal({ name: "migration", until: "2026-12-05T22:00:00.000Z" });
    expect(activeMaintenance([migration, all], "https://blog.example.com/", at("2026-12-05T20:45:00Z"))).to.deep.equal({ name: "all", until: "2026-12-05T21:00:00.000Z" });
    expect(activeMaintenance([migration, all], "https://blog.example.com/", at("2026-12-05T21:30:00Z"))).to.equal(undefined);
    // webhealth's own alarms (no target URL) are never silenced.
    expect(activeMaintenance([all], undefined, at("2026-12-05T20:45:00Z"))).to.equal(undefined);
  });
});

describe("notifier: deferred, suppressed and reminded, through the ledger and the sweep", function () {
  this.timeout(60_000);
  let dynamo: LocalDynamo;
  let slack: Receiver;
  let sns: AwsClientStub<SNSClient>, sqs: AwsClientStub<SQSClient>, logs: AwsClientStub<CloudWatchLogsClient>, cloudwatch: AwsClientStub<CloudWatchClient>;
  let tableName: string;
  let h: Harness;
  const SHOP = "webhealth-beta-shop-availability";
  const URL_ = "https://shop.example.com/";

  function stage(notifications: Record<string, unknown> = {}, more: Record<string, unknown> = {}) {
    return loadStageConfig("beta", {
      ...more,
      "aws:region": "us-east-1",
      "webhealth:targets": [{ url: URL_, name: "shop" }],
      "webhealth:notifications": {
        channels: [
          { name: "oncall", type: "email", addresses: ["oncall@example.com"] },
          { name: "team-chat", type: "slack", webhookUrl: { secret: "slack-url" } },
          { name: "pager", type: "pagerduty", routingKey: { secret: "pd-key" }, eventsUrl: slack.url },
        ],
        ...notifications,
      },
      "webhealth:secrets": { "slack-url": slack.url, "pd-key": "pd-routing-key-value" },
    });
  }

  /** The recorder's maintenance windows, as the plan ships them in its archive (RECORDER_CONFIG_FILE). */
  let recorderMaintenance: RecorderMaintenance | undefined;

  function setUp(notifications: Record<string, unknown> = {}, more: Record<string, unknown> = {}) {
    const config = stage(notifications, more);
    const runtime = runtimeOf(config);
    recorderMaintenance = planStage(config).recorderMaintenance;
    h = harness(dynamo, tableName, runtime, { "/webhealth/beta/secrets/slack-url": slack.url, "/webhealth/beta/secrets/pd-key": "pd-routing-key-value" });
  }

  /** The recorder alone, as deployed, at the virtual time. */
  function record(raw: Record<string, unknown>) {
    return recordSnsRecords(eventOf(raw).Records, { client: dynamo.client, config: { tableName, retentionDays: 400, maintenance: recorderMaintenance }, now: () => h.clock.now, log: () => undefined });
  }

  /** SNS's fan-out: the recorder and the notifier both get the notification, at the virtual time. */
  async function publish(raw: Record<string, unknown>) {
    await record(raw);
    return notifySnsRecords(eventOf(raw).Records, h.deps);
  }

  async function item(changedAt: string): Promise<LedgerItem> {
    const items = (await dynamo.scan(tableName)).map((raw) => unmarshall(raw as never) as LedgerItem);
    return items.find((found) => found.alarmName === SHOP && found.changedAt === changedAt)!;
  }

  /** The stand-in plays Slack and PagerDuty: Slack's bodies have blocks, PagerDuty's an event_action. */
  const slackBodies = () => slack.requests.map((request) => JSON.parse(request.body)).filter((body) => body.blocks);
  const pagerDutyBodies = () => slack.requests.map((request) => JSON.parse(request.body)).filter((body) => body.event_action);
  const slackTitles = () => slackBodies().map((body) => body.blocks[0].text.text as string);

  before(async () => {
    dynamo = await startDynalite();
    slack = await startReceiver();
    sns = mockClient(SNSClient);
    sqs = mockClient(SQSClient);
    logs = mockClient(CloudWatchLogsClient);
    cloudwatch = mockClient(CloudWatchClient);
  });
  after(async () => {
    for (const stub of [sns, sqs, logs, cloudwatch]) stub.restore();
    await slack.close();
    await dynamo.close();
  });
  beforeEach(async () => {
    slack.requests.length = 0;
    slack.answers = [{ status: 200, body: "ok" }];
    for (const stub of [sns, sqs, logs, cloudwatch]) stub.reset();
    sns.on(PublishCommand).resolves({ MessageId: "m" });
    sqs.on(SendMessageCommand).resolves({ MessageId: "d" });
    logs.on(StartQueryCommand).resolves({ queryId: "q" });
    logs.on(GetQueryResultsCommand).resolves({ status: "Complete", results: [] });
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: SHOP, StateValue: "ALARM" }] });
    tableName = await dynamo.createTable();
  });

  it("during a window: records the ALARM marked as in maintenance, tells nobody, and sends it when the window ends on an outage", async () => {
    // A window Saturday 22:00-00:00 in Berlin (21:00Z-23:00Z in winter).
    setUp({ maintenance: [{ name: "deploys", cron: "0 22 * * 6", durationMinutes: 120, timeZone: "Europe/Berlin", targets: ["shop"] }] });
    const changedAt = "2026-11-28T21:30:00.000Z";
    h.clock.now = at(changedAt) + 5000;
    const [result] = await publish(notification(SHOP, { from: "OK", to: "ALARM", at: changedAt, url: URL_ }));
    expect(slack.requests).to.have.length(0);
    expect(sns.commandCalls(PublishCommand)).to.have.length(0);
    expect(result.channels).to.deep.equal({
      oncall: { status: "deferred", reason: "maintenance: deploys" },
      "team-chat": { status: "deferred", reason: "maintenance: deploys" },
      pager: { status: "deferred", reason: "maintenance: deploys" },
    });
    const recorded = await item(changedAt);
    // The recorder's item with its own mark, and the notifier's record, on the same ledger item.
    expect([recorded.newState, recorded.maintenance, recorded.delivery?.maintenance, recorded.delivery?.deferredUntil]).to.deep.equal(["ALARM", "deploys", "deploys", "2026-11-28T23:00:00.000Z"]);

    // Sweeps inside the window send nothing; the first after it sends the outage that is still on.
    h.clock.now = at("2026-11-28T22:55:00.000Z");
    expect((await sweep(h.deps)).deferredSent).to.deep.equal([]);
    h.clock.now = at("2026-11-28T23:00:00.000Z");
    expect((await sweep(h.deps)).deferredSent).to.deep.equal([SHOP]);
    expect(slackTitles()).to.deep.equal(["ALARM: shop is down"]);
    expect(pagerDutyBodies().map((body) => body.event_action)).to.deep.equal(["trigger"]);
    expect(slackBodies()[0].blocks[2].text.text).to.match(/^Still in ALARM after the maintenance window deploys ended\./);
    expect(sns.commandCalls(PublishCommand)).to.have.length(1);
    expect(Object.values((await item(changedAt)).delivery!.channels).map((value) => value.status)).to.deep.equal(["sent", "sent", "sent"]);
    // Sent once: the next sweep has nothing deferred.
    h.clock.now += 5 * MIN;
    expect((await sweep(h.deps)).deferredSent).to.deep.equal([]);
    expect(slack.requests).to.have.length(2);
  });

  it("during a window: a recovery is suppressed, and the deferred ALARM is closed as no longer in ALARM", async () => {
    setUp({ maintenance: [{ name: "migration", start: "2026-12-05T20:00:00Z", end: "2026-12-05T22:00:00Z" }] });
    const down = "2026-12-05T20:10:00.000Z";
    const up = "2026-12-05T20:40:00.000Z";
    h.clock.now = at(down);
    await publish(notification(SHOP, { from: "OK", to: "ALARM", at: down, url: URL_ }));
    h.clock.now = at(up);
    const [ok] = await publish(notification(SHOP, { from: "ALARM", to: "OK", at: up, url: URL_ }));
    expect(Object.values(ok.channels!).map((value) => `${value.status} ${value.reason}`)).to.deep.equal(Array(3).fill("suppressed maintenance: migration"));
    expect(Object.values((await item(down)).delivery!.channels).map((value) => `${value.status} ${value.reason}`)).to.deep.equal(Array(3).fill("suppressed no longer in ALARM"));
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    h.clock.now = at("2026-12-05T22:05:00.000Z");
    await sweep(h.deps);
    expect(slack.requests).to.have.length(0);
  });

  it("during a window: PagerDuty still resolves the incident it opened before the window; the other channels are not told", async () => {
    // Prepare: the ALARM reached everyone before the window; the target recovers inside it.
    setUp({ maintenance: [{ name: "migration", start: "2026-12-05T20:00:00Z", end: "2026-12-05T22:00:00Z" }] });
    const down = "2026-12-05T19:50:00.000Z";
    const up = "2026-12-05T20:40:00.000Z";
    h.clock.now = at(down);
    await publish(notification(SHOP, { from: "OK", to: "ALARM", at: down, url: URL_ }));
    const [trigger] = pagerDutyBodies();
    slack.requests.length = 0;
    sns.resetHistory();

    // Act
    h.clock.now = at(up);
    const [ok] = await publish(notification(SHOP, { from: "ALARM", to: "OK", at: up, url: URL_ }));

    // Assess: one resolve with the incident's dedup key, nothing else.
    expect(Object.entries(ok.channels!).map(([name, value]) => `${name} ${value.status} ${value.reason ?? ""}`.trim())).to.deep.equal([
      "oncall suppressed maintenance: migration",
      "team-chat suppressed maintenance: migration",
      "pager sent",
    ]);
    expect(slackBodies()).to.deep.equal([]);
    expect(sns.commandCalls(PublishCommand)).to.have.length(0);
    expect(pagerDutyBodies().map((body) => [body.event_action, body.dedup_key])).to.deep.equal([["resolve", trigger.dedup_key]]);
    expect(trigger.event_action).to.equal("trigger");
  });

  it("the recorder marks a change during a window itself: the ledger says so when the notifier never ran", async () => {
    // Prepare: a window over the shop only, with SLO burn-rate alarms (composite: their notification names no URL).
    const config = loadStageConfig("beta", {
      "aws:region": "us-east-1",
      "webhealth:targets": [
        { url: URL_, name: "shop" },
        { url: "https://blog.example.com/", name: "blog" },
      ],
      "webhealth:slo": { burnRateAlarms: true },
      "webhealth:notifications": { maintenance: [{ name: "migration", start: "2026-12-05T20:00:00Z", end: "2026-12-05T22:00:00Z", targets: ["shop"] }] },
    });
    const plan = planStage(config);
    // No channel, so no notifier at all: only the recorder can mark the changes.
    expect(plan.notifier).to.equal(undefined);
    expect(plan.recorderMaintenance).to.deep.equal({
      windows: config.notifications.maintenance,
      alarmUrls: { "webhealth-beta-shop-burn-rate": URL_, "webhealth-beta-blog-burn-rate": "https://blog.example.com/" },
    });
    recorderMaintenance = plan.recorderMaintenance;
    const composite = (alarmName: string, when: string) => {
      const { Trigger: _trigger, ...rest } = notification(alarmName, { from: "OK", to: "ALARM", at: when });
      return { ...rest, AlarmRule: `ALARM("${alarmName}-burn-1h-1h")`, NewStateReason: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:x transitioned to ALARM" };
    };

    // Act
    await record(notification(SHOP, { from: "OK", to: "ALARM", at: "2026-12-05T20:10:00.000Z", url: URL_ }));
    await record(composite("webhealth-beta-shop-burn-rate", "2026-12-05T20:12:00.000Z"));
    await record(notification("webhealth-beta-blog-availability", { from: "OK", to: "ALARM", at: "2026-12-05T20:15:00.000Z", url: "https://blog.example.com/" }));
    await record(notification("webhealth-beta-probe-health", { from: "OK", to: "ALARM", at: "2026-12-05T20:20:00.000Z", metric: "TargetsProbed" }));
    await record(notification(SHOP, { from: "ALARM", to: "OK", at: "2026-12-05T22:00:00.000Z", url: URL_ }));

    // Assess: the shop's changes inside the window are marked (its composite alarm too); the blog's, webhealth's own and the one at the window's end are not.
    const items = (await dynamo.scan(tableName)).map((raw) => unmarshall(raw as never) as LedgerItem).sort((a, b) => a.changedAt.localeCompare(b.changedAt));
    expect(items.map((found) => [found.alarmName, found.newState, found.url, found.maintenance, found.delivery])).to.deep.equal([
      [SHOP, "ALARM", URL_, "migration", undefined],
      ["webhealth-beta-shop-burn-rate", "ALARM", URL_, "migration", undefined],
      ["webhealth-beta-blog-availability", "ALARM", "https://blog.example.com/", undefined, undefined],
      ["webhealth-beta-probe-health", "ALARM", undefined, undefined, undefined],
      [SHOP, "OK", URL_, undefined, undefined],
    ]);
    // npm run alarms says so without a delivery record.
    expect(items.map(deliveryCell)).to.deep.equal(["- (maintenance: migration)", "- (maintenance: migration)", "-", "-", "-"]);
  });

  it("a target's burn-rate (composite) alarm deferred by a window is sent when the window ends on it, then reminded", async () => {
    // Prepare: the sweep must list composite alarms too (DescribeAlarms lists metric alarms only unless asked).
    setUp({ reminderMinutes: 60, maintenance: [{ name: "migration", start: "2026-12-05T20:00:00Z", end: "2026-12-05T22:00:00Z" }] }, { "webhealth:slo": { burnRateAlarms: true } });
    const BURN = "webhealth-beta-shop-burn-rate";
    cloudwatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmTypes?: string[] }) => ({
      MetricAlarms: [],
      CompositeAlarms: input.AlarmTypes?.includes("CompositeAlarm") ? [{ AlarmName: BURN, StateValue: "ALARM" }] : [],
    }));
    const { Trigger: _trigger, ...withoutTrigger } = notification(BURN, { from: "OK", to: "ALARM", at: "2026-12-05T20:30:00.000Z" });
    const composite = { ...withoutTrigger, AlarmRule: `(ALARM("${BURN}-1h-1h") AND ALARM("${BURN}-1h-5m"))`, NewStateReason: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${BURN}-1h-1h transitioned to ALARM` };
    h.clock.now = at("2026-12-05T20:30:05.000Z");

    // Act
    const [deferred] = await publish(composite);
    h.clock.now = at("2026-12-05T22:00:03.000Z");
    const afterWindow = await sweep(h.deps);
    // Reminders count from when people were told (22:00), not from the change (20:30): none 5 minutes after the first message.
    h.clock.now = at("2026-12-05T22:05:02.000Z");
    const soon = await sweep(h.deps);
    h.clock.now = at("2026-12-05T23:00:01.000Z");
    const reminder = await sweep(h.deps);

    // Assess
    expect(Object.values(deferred.channels!).map((value) => `${value.status} ${value.reason}`)).to.deep.equal(Array(3).fill("deferred maintenance: migration"));
    expect([afterWindow.deferredSent, soon.reminded, reminder.reminded]).to.deep.equal([[BURN], [], [BURN]]);
    expect(slackTitles()).to.deep.equal(["ALARM: shop is burning its error budget too fast", "STILL ALARM: shop is burning its error budget too fast"]);
    expect(slackBodies()[1].blocks[2].text.text).to.match(/^Still in ALARM after 2h 30m 01s \(since 2026-12-05 20:30:00 UTC\); reminder 1\./);
    expect(pagerDutyBodies().map((body) => [body.event_action, body.payload.severity, body.payload.class])).to.deep.equal([["trigger", "critical", "burn-rate"]]);
    const recorded = (await dynamo.scan(tableName)).map((raw) => unmarshall(raw as never) as LedgerItem).find((found) => found.alarmName === BURN)!;
    expect([recorded.maintenance, recorded.delivery?.reminders]).to.deep.equal(["migration", 1]);
  });

  it("a new stage does not page: its first no-data ALARM and the OK after it are recorded, not sent", async () => {
    setUp();
    const created = "2026-11-26T10:00:00.000Z";
    const noData = "2026-11-26T10:03:05.000Z";
    const reason = "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].";
    const first = notification(SHOP, { from: "INSUFFICIENT_DATA", to: "ALARM", at: noData, url: URL_, reason, configUpdatedAt: created });
    expect(isNewAlarmWithoutData(readAlarmEvent(parseAlarmNotification(JSON.stringify(first)), h.deps.config))).to.equal(true);
    h.clock.now = at(noData);
    const [alarm] = await publish(first);
    expect(Object.values(alarm.channels!).map((value) => `${value.status} ${value.reason}`)).to.deep.equal(Array(3).fill("deferred new alarm without data yet"));
    // 3 one-minute periods + 5 minutes: working probes make it OK before then.
    expect((await item(noData)).delivery!.deferredUntil).to.equal("2026-11-26T10:11:05.000Z");
    const okAt = "2026-11-26T10:05:10.000Z";
    h.clock.now = at(okAt);
    const [ok] = await publish(notification(SHOP, { from: "ALARM", to: "OK", at: okAt, url: URL_ }));
    expect(Object.values(ok.channels!).map((value) => value.status)).to.deep.equal(["suppressed", "suppressed", "suppressed"]);
    expect(slack.requests).to.have.length(0);
    expect(sns.commandCalls(PublishCommand)).to.have.length(0);
    // The same transition on an alarm that has existed for days is a real outage: sent at once.
    const old = notification(SHOP, { from: "INSUFFICIENT_DATA", to: "ALARM", at: "2026-11-26T11:00:00.000Z", url: URL_, reason, configUpdatedAt: "2026-11-20T08:00:00.000Z" });
    expect(decide(readAlarmEvent(parseAlarmNotification(JSON.stringify(old)), h.deps.config), h.deps.config).channels.map((decision) => decision.action)).to.deep.equal(["send", "send", "send"]);
  });

  it("a new alarm still in ALARM after its evaluation window is sent by the sweep: a dead probe is not silent", async () => {
    setUp();
    const noData = "2026-11-26T10:03:05.000Z";
    h.clock.now = at(noData);
    await publish(notification(SHOP, { from: "INSUFFICIENT_DATA", to: "ALARM", at: noData, url: URL_, reason: "no datapoints were received for 3 periods", configUpdatedAt: "2026-11-26T10:00:00.000Z" }));
    h.clock.now = at("2026-11-26T10:10:00.000Z");
    expect((await sweep(h.deps)).deferredSent).to.deep.equal([]);
    h.clock.now = at("2026-11-26T10:15:00.000Z");
    expect((await sweep(h.deps)).deferredSent).to.deep.equal([SHOP]);
    expect(slackBodies()[0].blocks[2].text.text).to.match(/^Still in ALARM 11m 55s after this new alarm first went to ALARM for lack of data: the probe is not reporting\./);
  });

  it("reminds the channels that were told, at the interval, saying how long it has been down; never twice", async () => {
    setUp({ reminderMinutes: 60 });
    const down = "2026-11-26T10:03:41.123Z";
    h.clock.now = at(down);
    await publish(notification(SHOP, { from: "OK", to: "ALARM", at: down, url: URL_ }));
    expect(slack.requests).to.have.length(2); // Slack and the PagerDuty stand-in
    h.clock.now = at(down) + 59 * MIN;
    expect((await sweep(h.deps)).reminded).to.deep.equal([]);
    h.clock.now = at(down) + 61 * MIN;
    expect((await sweep(h.deps)).reminded).to.deep.equal([SHOP]);
    h.clock.now += 5 * MIN;
    expect((await sweep(h.deps)).reminded).to.deep.equal([]);
    h.clock.now = at(down) + 125 * MIN;
    expect((await sweep(h.deps)).reminded).to.deep.equal([SHOP]);
    // Slack got the two reminders; PagerDuty escalates on its own and is not reminded.
    expect(slackTitles()).to.deep.equal(["ALARM: shop is down", "STILL ALARM: shop is down", "STILL ALARM: shop is down"]);
    expect(pagerDutyBodies()).to.have.length(1);
    expect(slackBodies()[1].blocks[2].text.text).to.match(/^Still in ALARM after 1h 01m 00s \(since 2026-11-26 10:03:41 UTC\); reminder 1\./);
    expect(slackBodies()[2].blocks[2].text.text).to.match(/^Still in ALARM after 2h 05m 00s \(since 2026-11-26 10:03:41 UTC\); reminder 2\./);
    const publishes = sns.commandCalls(PublishCommand).map((call) => call.args[0].input.Subject);
    expect(publishes).to.deep.equal(["ALARM: shop is down [beta]", "STILL ALARM: shop is down [beta]", "STILL ALARM: shop is down [beta]"]);
    expect((await item(down)).delivery).to.deep.include({ reminders: 2, lastReminderAt: iso(at(down) + 125 * MIN) });
    // No reminder once the alarm is OK (CloudWatch no longer lists it in ALARM).
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    h.clock.now = at(down) + 185 * MIN;
    expect((await sweep(h.deps)).reminded).to.deep.equal([]);
  });

  it("sends no reminder when they are off (the default)", async () => {
    setUp();
    const down = "2026-11-26T10:03:41.123Z";
    h.clock.now = at(down);
    await publish(notification(SHOP, { from: "OK", to: "ALARM", at: down, url: URL_ }));
    h.clock.now = at(down) + 10 * 60 * MIN;
    expect((await sweep(h.deps)).reminded).to.deep.equal([]);
    expect(slack.requests).to.have.length(2);
  });
});
