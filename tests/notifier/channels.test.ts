/**
 * The notifier end to end against real local servers standing in for Slack (HTTPS), Microsoft
 * Teams, PagerDuty (HTTPS) and a webhook receiver, with the ledger in dynalite: exact payloads,
 * signatures verified the way a receiver would, retries, no retry on 400, one channel down while
 * the others deliver, the dead-letter path, and no secret in any output.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { expect } from "chai";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand } from "@aws-sdk/client-cloudwatch-logs";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { notifySnsRecords, NotificationsNotHandledError } from "../../functions/notifier/notifier";
import { recordSnsRecords } from "../../functions/recorder/recorder";
import type { LedgerItem } from "../../functions/common/ledger";
import { WEBHOOK_HEADERS } from "../../functions/notifier/render";
import { TEST_NOTIFICATION } from "../../functions/common/contract";
import { testPki, type TestPki } from "../probe/support/certs";
import { rejectionOf, startDynalite, type LocalDynamo } from "../ledger/helpers";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { eventOf, harness, notification, parameterValues, runtimeOf, SECRETS, stageWithChannels, startReceiver, type Harness, type Receiver } from "./support";

const SHOP = "webhealth-beta-shop-availability";
const BLOG = "webhealth-beta-blog-availability";
const ALARM_AT = "2026-11-26T10:03:41.123Z";

/** Two results of the shop in the probe's log: failing at 10:03, passing at 10:01 (Lambda's Text format line). */
function probeLines(url: string) {
  const line = (time: string, result: Record<string, unknown>) => [
    { field: "@timestamp", value: time },
    { field: "@message", value: `${time.replace(" ", "T")}Z\t6f1c\tINFO\t${JSON.stringify({ type: "probe-result", url, name: "shop", ...result })}` },
  ];
  return [
    line("2026-11-26 10:03:00.000", { ok: false, status: 503, error: { code: "STATUS", message: "status 503 is not accepted" }, timings: { totalMs: 120.5 } }),
    line("2026-11-26 10:02:00.000", { ok: false, status: 503, error: { code: "STATUS", message: "status 503 is not accepted" }, timings: { totalMs: 98 } }),
    line("2026-11-26 10:01:00.000", { ok: true, status: 200, error: null, timings: { totalMs: 80 } }),
  ];
}

describe("notifier: every channel against local stand-ins", function () {
  this.timeout(60_000);
  let pki: TestPki;
  let dynamo: LocalDynamo;
  let slack: Receiver, teams: Receiver, pagerduty: Receiver, webhook: Receiver;
  let sns: AwsClientStub<SNSClient>, sqs: AwsClientStub<SQSClient>, logs: AwsClientStub<CloudWatchLogsClient>;
  let tableName: string;
  let h: Harness;
  let config: ReturnType<typeof stageWithChannels>;

  before(async () => {
    pki = testPki();
    dynamo = await startDynalite();
    [slack, teams, pagerduty, webhook] = await Promise.all([
      startReceiver({ tls: pki.valid, path: "/services/T000/B000/slack-path-secret" }),
      startReceiver({ path: "/workflows/teams-path-secret/triggers/manual/paths/invoke" }),
      startReceiver({ tls: pki.valid, path: "/v2/enqueue" }),
      startReceiver({ path: "/webhealth/hook-path-secret" }),
    ]);
    sns = mockClient(SNSClient);
    sqs = mockClient(SQSClient);
    logs = mockClient(CloudWatchLogsClient);
  });
  after(async () => {
    sns.restore();
    sqs.restore();
    logs.restore();
    await Promise.all([slack, teams, pagerduty, webhook].map((receiver) => receiver.close()));
    await dynamo.close();
  });
  beforeEach(async () => {
    for (const receiver of [slack, teams, pagerduty, webhook]) {
      receiver.requests.length = 0;
      receiver.answers = [{ status: 200, body: "ok" }];
    }
    pagerduty.answers = [{ status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' }];
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: "dl-1" });
    logs.reset();
    logs.on(StartQueryCommand).resolves({ queryId: "q-1" });
    logs.on(GetQueryResultsCommand).resolves({ status: "Complete", results: probeLines("https://shop.example.com/") });
    tableName = await dynamo.createTable();
    config = stageWithChannels({ slack: slack.url, teams: teams.url, pagerduty: pagerduty.url, webhook: webhook.url });
    const runtime = runtimeOf(config);
    h = harness(dynamo, tableName, runtime, parameterValues(config, runtime), { postOptions: { ca: pki.caCert } });
  });

  async function itemOf(alarmName: string, changedAt: string): Promise<LedgerItem> {
    const items = (await dynamo.scan(tableName)).map((raw) => unmarshall(raw as never) as LedgerItem);
    const found = items.find((item) => item.alarmName === alarmName && item.changedAt === changedAt);
    if (!found) throw new Error(`no item for ${alarmName} at ${changedAt}`);
    return found;
  }

  /** Every byte the notifier produced that a person or a log could read. */
  function everyOutput(): string {
    return JSON.stringify([h.logs, sns.calls().map((call) => call.args[0].input), sqs.calls().map((call) => call.args[0].input)]);
  }

  const shopAlarm = () => notification(SHOP, { from: "OK", to: "ALARM", at: ALARM_AT, url: "https://shop.example.com/" });

  it("sends an ALARM to every channel with the exact payload each service documents", async () => {
    // Act
    const results = await notifySnsRecords(eventOf(shopAlarm()).Records, h.deps);

    // Assess: Slack (Block Kit with a text fallback), over HTTPS to the secret URL's path.
    expect(results.map((result) => result.outcome)).to.deep.equal(["delivered"]);
    expect(slack.requests.map((request) => [request.method, request.path, request.headers["content-type"]])).to.deep.equal([["POST", "/services/T000/B000/slack-path-secret", "application/json"]]);
    const summary = "https://shop.example.com/ fails its checks.";
    const details = ["us-east-1: STATUS: status 503 is not accepted (2026-11-26 10:03:00 UTC)", "Failing since 2026-11-26 10:02:00 UTC.", "Last good result: 2026-11-26 10:01:00 UTC."];
    const slackBody = JSON.parse(slack.requests[0].body);
    expect(slackBody.text).to.equal(`ALARM: shop is down: ${summary}`);
    expect(slackBody.blocks.slice(0, 4)).to.deep.equal([
      { type: "header", text: { type: "plain_text", text: "ALARM: shop is down", emoji: true } },
      { type: "section", text: { type: "mrkdwn", text: `:red_circle: ${summary}` } },
      { type: "section", text: { type: "mrkdwn", text: details.join("\n") } },
      { type: "context", elements: [{ type: "mrkdwn", text: `${SHOP} · OK -&gt; ALARM at 2026-11-26 10:03:41 UTC · stage beta` }] },
    ]);
    expect(slackBody.blocks[4].elements.map((button: { text: { text: string } }) => button.text.text)).to.deep.equal(["Dashboard", "Probe results (us-east-1)", "Runbook"]);
    expect(slackBody.blocks[4].elements[2].url).to.equal("https://wiki.example.com/runbooks/shop");

    // Teams: a message whose attachment is an Adaptive Card.
    const teamsBody = JSON.parse(teams.requests[0].body);
    expect(teamsBody.type).to.equal("message");
    expect(teamsBody.attachments.map((attachment: { contentType: string }) => attachment.contentType)).to.deep.equal(["application/vnd.microsoft.card.adaptive"]);
    const card = teamsBody.attachments[0].content;
    expect([card.type, card.version]).to.deep.equal(["AdaptiveCard", "1.4"]);
    expect(card.body.filter((block: { type: string }) => block.type === "TextBlock").map((block: { text: string }) => block.text)).to.deep.equal(["ALARM: shop is down", summary, ...details]);
    expect(card.body.find((block: { type: string }) => block.type === "FactSet").facts).to.deep.equal([
      { title: "Target", value: "shop (https://shop.example.com/)" },
      { title: "Alarm", value: SHOP },
      { title: "Change", value: "OK → ALARM at 2026-11-26 10:03:41 UTC" },
      { title: "Stage", value: "beta" },
    ]);

    // PagerDuty Events API v2: trigger with the routing key and a dedup key stable per alarm.
    const event = JSON.parse(pagerduty.requests[0].body);
    expect(event).to.deep.include({ routing_key: SECRETS.routingKey, event_action: "trigger", dedup_key: `webhealth:${SHOP}`, client: "webhealth" });
    expect(event.payload).to.deep.equal({
      summary: `ALARM: shop is down: ${summary}`,
      source: "shop.example.com",
      severity: "critical",
      timestamp: ALARM_AT,
      component: "shop",
      group: "webhealth-beta",
      class: "availability",
      custom_details: {
        alarm: SHOP,
        state: "ALARM",
        previous_state: "OK",
        url: "https://shop.example.com/",
        regions: ["us-east-1"],
        details,
        failing_since: "2026-11-26T10:02:00.000Z",
        last_ok_at: "2026-11-26T10:01:00.000Z",
        reason: shopAlarm().NewStateReason,
      },
    });
    expect(event.links.map((link: { text: string }) => link.text)).to.deep.equal(["Dashboard", "Probe results (us-east-1)", "Runbook"]);

    // The webhook: the documented payload, signed over "<timestamp>.<body>" with the signing key.
    const hook = webhook.requests[0];
    const timestamp = hook.headers[WEBHOOK_HEADERS.timestamp.toLowerCase()] as string;
    const expectedSignature = `v1=${createHmac("sha256", SECRETS.signingKey).update(`${timestamp}.${hook.body}`).digest("hex")}`;
    const signature = hook.headers[WEBHOOK_HEADERS.signature.toLowerCase()] as string;
    expect(timingSafeEqual(Buffer.from(signature), Buffer.from(expectedSignature))).to.equal(true);
    expect(Number(timestamp)).to.equal(Math.floor(h.clock.now / 1000));
    const payload = JSON.parse(hook.body);
    expect(payload).to.deep.include({
      version: "webhealth.alarm/v1",
      type: "alarm",
      stage: "beta",
      target: { name: "shop", url: "https://shop.example.com/" },
      severity: "critical",
      title: "shop is down",
      summary,
      details,
      failingSince: "2026-11-26T10:02:00.000Z",
      lastOkAt: "2026-11-26T10:01:00.000Z",
      dedupKey: `webhealth:${SHOP}`,
    });
    expect(payload.alarm).to.deep.equal({ name: SHOP, kind: "availability", state: "ALARM", previousState: "OK", changedAt: ALARM_AT, reason: shopAlarm().NewStateReason });

    // E-mail: readable plain text through the e-mail topic, routed by the channel attribute.
    const publish = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect([publish.TopicArn, publish.Subject, publish.MessageAttributes]).to.deep.equal([
      "arn:aws:sns:us-east-1:123456789012:webhealth-beta-email",
      "ALARM: shop is down [beta]",
      { channel: { DataType: "String", StringValue: "oncall" } },
    ]);
    expect(publish.Message?.split("\n").slice(0, 9)).to.deep.equal(["ALARM: shop is down", "", summary, "", ...details.map((line) => `  ${line}`), "", "Target:  shop (https://shop.example.com/)"]);

    // The delivery record on the change's item; the probe results came from the probe's log group.
    const item = await itemOf(SHOP, ALARM_AT);
    expect(Object.fromEntries(Object.entries(item.delivery!.channels).map(([name, value]) => [name, [value.status, value.attempts]]))).to.deep.equal({
      oncall: ["sent", 1],
      "team-chat": ["sent", 1],
      "ops-teams": ["sent", 1],
      pager: ["sent", 1],
      receiver: ["sent", 1],
    });
    expect(item.delivery!.status).to.equal("done");
    const query = logs.commandCalls(StartQueryCommand)[0].args[0].input;
    expect(query.logGroupName).to.equal("/aws/lambda/webhealth-beta-probe-us-east-1");
    expect(query.queryString).to.include('filter type = "probe-result" and url = "https://shop.example.com/"');

    // No secret anywhere people or logs can read (the URLs' secret paths, the routing key, the signing key).
    for (const secret of [slack.url, teams.url, webhook.url, "slack-path-secret", "teams-path-secret", "hook-path-secret", SECRETS.routingKey, SECRETS.signingKey]) {
      expect(everyOutput()).to.not.include(secret);
      expect(JSON.stringify(item)).to.not.include(secret);
    }
  });

  it("retries 429 after Retry-After and 5xx with backoff, and records the attempts", async () => {
    slack.answers = [{ status: 429, headers: { "Retry-After": "7" }, body: "rate_limited" }, { status: 503, body: "busy" }, { status: 200, body: "ok" }];
    await notifySnsRecords(eventOf(shopAlarm()).Records, h.deps);
    expect(slack.requests).to.have.length(3);
    // Waits: Slack's 7 s, then the backoff's 2 s (1 s x 2 for the second retry, jitter pinned to its top).
    expect(h.waits).to.deep.equal([7000, 2000]);
    const item = await itemOf(SHOP, ALARM_AT);
    expect(item.delivery!.channels["team-chat"]).to.deep.include({ status: "sent", attempts: 3 });
    expect(sqs.commandCalls(SendMessageCommand)).to.have.length(0);
  });

  it("reads Retry-After as an HTTP date too, and gives up (dead letter) when it asks for longer than the notifier waits", async () => {
    // Prepare: Slack asks for 5 s as a date (the virtual clock is on a whole second); Teams for 2 minutes.
    slack.answers = [{ status: 429, headers: { "Retry-After": new Date(h.clock.now + 5_000).toUTCString() }, body: "rate_limited" }, { status: 200, body: "ok" }];
    teams.answers = [{ status: 429, headers: { "Retry-After": "120" }, body: "throttled" }];

    // Act
    const [result] = await notifySnsRecords(eventOf(shopAlarm()).Records, h.deps);

    // Assess
    expect(h.waits).to.deep.equal([5000]);
    expect(result.channels!["team-chat"]).to.deep.include({ status: "sent", attempts: 2 });
    expect(result.channels!["ops-teams"]).to.deep.include({ status: "failed", attempts: 1, error: "HTTP 429: throttled (Retry-After 120 s is longer than the notifier waits)" });
    expect(teams.requests).to.have.length(1);
    expect(sqs.commandCalls(SendMessageCommand).map((call) => JSON.parse(call.args[0].input.MessageBody!).channel)).to.deep.equal(["ops-teams"]);
  });

  it("does not retry a 400, dead-letters it, and the other channels still deliver", async () => {
    pagerduty.answers = [{ status: 400, body: `{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect (should be 32 characters) ${SECRETS.routingKey}"]}` }];
    const results = await notifySnsRecords(eventOf(shopAlarm()).Records, h.deps);
    expect(pagerduty.requests).to.have.length(1);
    expect([slack, teams, webhook].map((receiver) => receiver.requests.length)).to.deep.equal([1, 1, 1]);
    const pager = results[0].channels!.pager;
    expect(pager).to.deep.include({ status: "failed", attempts: 1 });
    // The echoed routing key is taken out of the error.
    expect(pager.error).to.equal(
      `HTTP 400: {"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect (should be 32 characters) [secret]"]}`.slice(0, "HTTP 400: ".length + 200),
    );
    const deadLetters = sqs.commandCalls(SendMessageCommand).map((call) => JSON.parse(call.args[0].input.MessageBody!));
    expect(deadLetters.map((body) => [body.reason, body.channel, body.alarmName, body.changedAt, body.attempts])).to.deep.equal([["delivery failed", "pager", SHOP, ALARM_AT, 1]]);
    expect(sqs.commandCalls(SendMessageCommand)[0].args[0].input.QueueUrl).to.equal(h.deps.deadLetterQueueUrl);
    expect(everyOutput()).to.not.include(SECRETS.routingKey);
    expect(h.logs.at(-1)).to.deep.include({ level: "ERROR", outcome: "delivered" });
  });

  it("sends the e-mail without waiting for the other channels' secrets (a slow SSM delays no e-mail)", async () => {
    // Prepare: SSM answers only once the e-mail is out (or, if the e-mail waited, after 2 s: the test then fails).
    const values = h.deps.secrets;
    let releasedBy: "e-mail" | "timer" | undefined;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const timer = setTimeout(() => ((releasedBy ??= "timer"), release()), 2_000);
    h.deps.secrets = { read: async (uses) => (await gate, values.read(uses)) };
    sns.on(PublishCommand).callsFake(() => {
      releasedBy ??= "e-mail";
      release();
      return { MessageId: "m-1" };
    });

    // Act
    const [result] = await notifySnsRecords(eventOf(shopAlarm()).Records, h.deps);
    clearTimeout(timer);

    // Assess
    expect(releasedBy).to.equal("e-mail");
    expect(Object.values(result.channels!).map((value) => value.status)).to.deep.equal(["sent", "sent", "sent", "sent", "sent"]);
  });

  it("keeps a secret URL's token out of the record when a receiver echoes it on its own", async () => {
    slack.answers = [{ status: 404, body: "no_service: no webhook for token slack-path-secret (/services/T000/B000/slack-path-secret)" }];
    const [result] = await notifySnsRecords(eventOf(shopAlarm()).Records, h.deps);
    expect(result.channels!["team-chat"]).to.deep.include({ status: "failed", attempts: 1, error: "HTTP 404: no_service: no webhook for token [secret] ([secret])" });
    expect(everyOutput()).to.not.include("slack-path-secret");
    expect(JSON.stringify(await itemOf(SHOP, ALARM_AT))).to.not.include("slack-path-secret");
  });

  it("keeps delivering to the other channels while one hangs and one refuses connections", async () => {
    teams.answers = ["hang"];
    webhook.answers = ["reset"];
    h.deps.retryPolicy = { attempts: 2, requestTimeoutMs: 300 };
    const results = await notifySnsRecords(eventOf(shopAlarm()).Records, h.deps);
    const channels = results[0].channels!;
    expect(Object.fromEntries(Object.entries(channels).map(([name, value]) => [name, value.status]))).to.deep.equal({
      "ops-teams": "failed",
      receiver: "failed",
      oncall: "sent",
      "team-chat": "sent",
      pager: "sent",
    });
    expect(channels["ops-teams"].error).to.equal("network error: TIMEOUT: no answer within 300 ms");
    expect(channels.receiver.error).to.match(/^network error: ECONNRESET: /);
    expect([teams.requests.length, webhook.requests.length]).to.deep.equal([2, 2]);
    expect(sqs.commandCalls(SendMessageCommand).map((call) => JSON.parse(call.args[0].input.MessageBody!).channel).sort()).to.deep.equal(["ops-teams", "receiver"]);
  });

  it("delivers a duplicate notification once (SNS at least once, CloudWatch twice)", async () => {
    await notifySnsRecords(eventOf(shopAlarm()).Records, h.deps);
    const again = await notifySnsRecords(eventOf(shopAlarm()).Records, h.deps);
    expect(again.map((result) => result.outcome)).to.deep.equal(["duplicate"]);
    expect([slack, teams, pagerduty, webhook].map((receiver) => receiver.requests.length)).to.deep.equal([1, 1, 1, 1]);
    expect(sns.commandCalls(PublishCommand)).to.have.length(1);
  });

  /** What SNS does: the recorder and the notifier each get the notification. */
  async function both(event: ReturnType<typeof eventOf>, deps = h.deps): Promise<ReturnType<typeof notifySnsRecords>> {
    await recordSnsRecords(event.Records, { client: dynamo.client, config: { tableName: deps.ledger.tableName, retentionDays: 400 }, now: () => h.clock.now, log: () => undefined });
    return notifySnsRecords(event.Records, deps);
  }

  it("resolves PagerDuty with the same dedup key and says how long it was down; skips channels never told", async () => {
    pagerduty.answers = [{ status: 500, body: "down" }];
    h.deps.retryPolicy = { attempts: 1 };
    await both(eventOf(shopAlarm()));
    pagerduty.answers = [{ status: 202, body: "{}" }];
    const okAt = "2026-11-26T10:45:02.500Z";
    const ok = notification(SHOP, { from: "ALARM", to: "OK", at: okAt, url: "https://shop.example.com/", reason: "Threshold Crossed: 1 out of the last 3 datapoints [1.0 (26/11/26 10:44:00)] was not less than the threshold (1.0)." });
    const results = await both(eventOf(ok));
    expect(results[0].channels!.pager).to.deep.equal({ status: "suppressed", reason: "recovery of an ALARM people were not told about" });
    expect(pagerduty.requests).to.have.length(1);
    const slackBody = JSON.parse(slack.requests[1].body);
    expect(slackBody.blocks.slice(0, 3)).to.deep.equal([
      { type: "header", text: { type: "plain_text", text: "OK: shop is back up", emoji: true } },
      { type: "section", text: { type: "mrkdwn", text: ":large_green_circle: https://shop.example.com/ passes its checks again." } },
      { type: "section", text: { type: "mrkdwn", text: "In ALARM for 41m 21s (since 2026-11-26 10:03:41 UTC)." } },
    ]);
    expect(JSON.parse(webhook.requests[1].body)).to.deep.include({ type: "recovery", downForSeconds: 2481 });

    // The same alarm's resolve, when PagerDuty was told: the dedup key of the trigger.
    const told = await dynamo.createTable();
    const h2 = harness(dynamo, told, h.deps.config, parameterValues(config, h.deps.config), { postOptions: { ca: pki.caCert } });
    pagerduty.requests.length = 0;
    await both(eventOf(shopAlarm()), h2.deps);
    await both(eventOf(ok), h2.deps);
    expect(pagerduty.requests.map((request) => JSON.parse(request.body)).map((body) => [body.event_action, body.dedup_key, body.routing_key])).to.deep.equal([
      ["trigger", `webhealth:${SHOP}`, SECRETS.routingKey],
      ["resolve", `webhealth:${SHOP}`, SECRETS.routingKey],
    ]);
  });

  it("routes a target's alarms to the channels it names only", async () => {
    await notifySnsRecords(eventOf(notification(BLOG, { from: "OK", to: "ALARM", at: ALARM_AT, url: "https://blog.example.com/" })).Records, h.deps);
    expect([slack, teams, pagerduty, webhook].map((receiver) => receiver.requests.length)).to.deep.equal([1, 0, 0, 0]);
    expect(Object.keys((await itemOf(BLOG, ALARM_AT)).delivery!.channels).sort()).to.deep.equal(["oncall", "team-chat"]);
  });

  it("never sends verify's test notification to people, says why in its log, and leaves the ledger to the recorder", async () => {
    const name = "webhealth-verify-beta-3f9a";
    const [result] = await notifySnsRecords(eventOf(notification(name, { from: "OK", to: "ALARM", at: ALARM_AT })).Records, h.deps);
    expect([slack, teams, pagerduty, webhook].map((receiver) => receiver.requests.length)).to.deep.equal([0, 0, 0, 0]);
    expect(sns.commandCalls(PublishCommand)).to.have.length(0);
    expect(new Set(Object.values(result.channels!).map((value) => `${value.status}: ${value.reason}`))).to.deep.equal(new Set(["suppressed: test notification (npm run deploy -- verify)"]));
    expect(h.logs.at(-1)!.channels).to.deep.include({ pager: "suppressed (test notification (npm run deploy -- verify))" });
    // The driver deletes the recorder's test item right away: the notifier writes nothing that could bring it back.
    expect(await dynamo.scan(tableName)).to.deep.equal([]);
    // Recognised by verify's own mark (TEST_NOTIFICATION) too, whatever the alarm is called.
    await notifySnsRecords(eventOf({ ...notification(SHOP, { from: "OK", to: "ALARM", at: "2026-11-26T10:09:00.000Z", url: "https://shop.example.com/" }), [TEST_NOTIFICATION.marker]: true }).Records, h.deps);
    expect([slack, teams, pagerduty, webhook].map((receiver) => receiver.requests.length)).to.deep.equal([0, 0, 0, 0]);
  });

  it("fails the invocation for a notification it cannot read, so Lambda retries it and then dead-letters it", async () => {
    const caught = await rejectionOf(() => notifySnsRecords(eventOf({ AlarmName: "x" }).Records, h.deps));
    expect(caught).to.be.instanceOf(NotificationsNotHandledError);
    expect(h.logs.at(-1)).to.deep.include({ level: "ERROR", outcome: "failed" });
    expect([slack, teams, pagerduty, webhook].map((receiver) => receiver.requests.length)).to.deep.equal([0, 0, 0, 0]);
  });

  it("still tells people when the ledger cannot be written, and keeps the record in the dead-letter queue", async () => {
    h.deps.ledger = { ...h.deps.ledger, tableName: "no-such-table" };
    const results = await notifySnsRecords(eventOf(shopAlarm()).Records, h.deps);
    expect(results[0].outcome).to.equal("delivered");
    expect([slack, teams, pagerduty, webhook].map((receiver) => receiver.requests.length)).to.deep.equal([1, 1, 1, 1]);
    expect(h.logs.map((line) => line.outcome)).to.include.members(["claim-failed", "record-failed"]);
    expect(sqs.commandCalls(SendMessageCommand).map((call) => JSON.parse(call.args[0].input.MessageBody!).reason)).to.deep.equal(["delivery record not written"]);
  });
});
