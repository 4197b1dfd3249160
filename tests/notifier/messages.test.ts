/**
 * What a message says for each kind of alarm, read from the notification itself (single metric,
 * quorum metric math) and the facts passed in: exact titles, summaries and details.
 */
import { expect } from "chai";
import { buildMessage, dedupKeyOf, logsInsightsUrl } from "../../functions/notifier/message";
import { readAlarmEvent, observedValues } from "../../functions/notifier/alarm";
import { parseAlarmNotification } from "../../functions/recorder/notification";
import { renderEmail, renderPagerDuty, renderSlack, renderTeams, EMAIL_SUBJECT_MAX } from "../../functions/notifier/render";
import type { NotifierRuntimeConfig } from "../../functions/common/notifier-config";
import type { ResultSummary } from "../../functions/notifier/probe-results";
import { parseProbeResultMessage, probeResultsQuery, resultLine, summarizeRegion } from "../../functions/notifier/probe-results";
import { recentResultsQuery } from "../../functions/common/probe-log";
import { CHECK_STATISTICS, TARGET_METRICS } from "../../functions/common/metrics";
import { loadStageConfig } from "../../infra/config";
import { notification, runtimeOf } from "./support";

const AT = "2026-11-26T10:03:41.123Z";

function stage(regions: string[]): NotifierRuntimeConfig {
  return runtimeOf(
    loadStageConfig("prod", {
      "aws:region": "us-east-1",
      "webhealth:probeRegions": regions,
      "webhealth:targets": [{ url: "https://shop.example.com/", name: "shop", latencyMs: 1500 }],
      "webhealth:notifications": { channels: [{ name: "oncall", type: "email", addresses: ["oncall@example.com"] }] },
    }),
  );
}

function eventOf(config: NotifierRuntimeConfig, raw: Record<string, unknown>) {
  return readAlarmEvent(parseAlarmNotification(JSON.stringify(raw)), config);
}

const failing = (region: string, code = "TIMEOUT", message = "no response within 10000 ms"): ResultSummary => ({
  region,
  latest: { at: "2026-11-26T10:03:00.000Z", ok: false, status: null, errorCode: code, errorMessage: message, totalMs: 10_000 },
  latestFailure: { at: "2026-11-26T10:03:00.000Z", ok: false, status: null, errorCode: code, errorMessage: message, totalMs: 10_000 },
  failingSince: "2026-11-26T09:58:00.000Z",
  lastOkAt: "2026-11-26T09:57:00.000Z",
  failingWholeWindow: false,
});

describe("notifier: the message for each kind of alarm", () => {
  const single = stage(["us-east-1"]);
  const three = stage(["us-east-1", "eu-west-1", "ap-southeast-2"]);

  it("single-metric availability ALARM: what fails, where, since when, when it was last good", () => {
    const event = eventOf(single, notification("webhealth-prod-shop-availability", { from: "OK", to: "ALARM", at: AT, url: "https://shop.example.com/" }));
    const message = buildMessage(event, single, { now: Date.parse(AT), results: [failing("us-east-1", "DNS", "getaddrinfo ENOTFOUND shop.example.com")] });
    expect([message.type, message.title, message.summary, message.severity]).to.deep.equal(["alarm", "shop is down", "https://shop.example.com/ fails its checks.", "critical"]);
    expect(message.details).to.deep.equal([
      "us-east-1: DNS: getaddrinfo ENOTFOUND shop.example.com (2026-11-26 10:03:00 UTC)",
      "Failing since 2026-11-26 09:58:00 UTC.",
      "Last good result: 2026-11-26 09:57:00 UTC.",
    ]);
    expect(message.links.map((link) => link.label)).to.deep.equal(["Dashboard", "Probe results (us-east-1)"]);
    expect(message.links[1].url).to.equal(logsInsightsUrl("us-east-1", "/aws/lambda/webhealth-prod-probe-us-east-1", probeResultsQuery("https://shop.example.com/")));
  });

  it("quorum ALARM on the Check metric: the regions are the stage's probe regions, the count is the datapoint's share of their checks", () => {
    const raw = notification("webhealth-prod-shop-availability", {
      from: "OK",
      to: "ALARM",
      at: AT,
      url: "https://shop.example.com/",
      metric: TARGET_METRICS.check,
      reason: "Threshold Crossed: 2 out of the last 3 datapoints [66.66666666666667 (26/11/26 10:02:00), 100.0 (26/11/26 10:01:00)] were greater than or equal to the threshold (66.17).",
      extra: { Statistic: undefined, StatisticType: "ExtendedStatistic", ExtendedStatistic: CHECK_STATISTICS.failedPercent, ComparisonOperator: "GreaterThanOrEqualToThreshold", Threshold: 66.17 },
    });
    const event = eventOf(three, raw);
    expect([event.regions, event.metricName, event.observed]).to.deep.equal([["us-east-1", "eu-west-1", "ap-southeast-2"], "Check", [66.66666666666667, 100]]);
    const passing: ResultSummary = { region: "ap-southeast-2", latest: { at: "2026-11-26T10:03:00.000Z", ok: true, status: 200, totalMs: 90 }, lastOkAt: "2026-11-26T10:03:00.000Z", failingWholeWindow: false };
    const message = buildMessage(event, three, { now: Date.parse(AT), results: [failing("us-east-1"), failing("eu-west-1"), passing] });
    expect(message.summary).to.equal("https://shop.example.com/ fails its checks from 2 of 3 regions.");
    // The same alarm from one region: 100% of one check.
    const one = eventOf(single, { ...raw, NewStateReason: "Threshold Crossed: 2 out of the last 3 datapoints [100.0 (26/11/26 10:02:00), 100.0 (26/11/26 10:01:00)] were greater than or equal to the threshold (99.5)." });
    expect(one.regions).to.deep.equal(["us-east-1"]);
    expect(buildMessage(one, single, { now: Date.parse(AT), results: [failing("us-east-1")] }).summary).to.equal("https://shop.example.com/ fails its checks.");
  });

  it("latency ALARM on the Check metric: the datapoint is a share of slow checks, so the time quoted is the latest result's", () => {
    const raw = notification("webhealth-prod-shop-latency", {
      from: "OK",
      to: "ALARM",
      at: AT,
      url: "https://shop.example.com/",
      metric: TARGET_METRICS.check,
      reason: "Threshold Crossed: 3 out of the last 5 datapoints [100.0 (26/11/26 10:02:00), 100.0 (26/11/26 10:01:00), 100.0 (26/11/26 10:00:00)] were greater than or equal to the threshold (99.5).",
      extra: { Statistic: undefined, StatisticType: "ExtendedStatistic", ExtendedStatistic: "PR(1500:5000000)", ComparisonOperator: "GreaterThanOrEqualToThreshold", Threshold: 99.5 },
    });
    const message = buildMessage(eventOf(single, raw), single, {
      now: Date.parse(AT),
      results: [{ region: "us-east-1", latest: { at: "2026-11-26T10:03:00.000Z", ok: true, status: 200, totalMs: 3204.7 }, lastOkAt: "2026-11-26T10:03:00.000Z", failingWholeWindow: false }],
    });
    expect(message.summary).to.equal("https://shop.example.com/ is slower than 1,500 ms (observed 3,205 ms against the 1,500 ms threshold).");
  });

  it("quorum (metric math, the layout before the Check metric) ALARM: the regions come from the notification's metrics, the count from its datapoint", () => {
    const regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    const raw = notification("webhealth-prod-shop-availability", {
      from: "OK",
      to: "ALARM",
      at: AT,
      reason: "Threshold Crossed: 2 out of the last 3 datapoints [2.0 (26/11/26 10:02:00), 3.0 (26/11/26 10:01:00)] were greater than or equal to the threshold (2.0).",
    });
    raw.Trigger = {
      Period: 60,
      EvaluationPeriods: 3,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: 2,
      Metrics: [
        { Id: "down", Expression: "3 - (m0 + m1 + m2)", ReturnData: true },
        ...regions.map((region, index) => ({ Id: `m${index}`, ReturnData: false, MetricStat: { Metric: { Namespace: "WebHealth", MetricName: "Availability", Dimensions: [{ name: "Url", value: "https://shop.example.com/" }, { name: "Region", value: region }] } } })),
      ],
    } as never;
    const event = eventOf(three, raw);
    expect([event.regions, event.expression, event.observed]).to.deep.equal([regions, "3 - (m0 + m1 + m2)", [2, 3]]);
    const passing: ResultSummary = { region: "ap-southeast-2", latest: { at: "2026-11-26T10:03:00.000Z", ok: true, status: 200, totalMs: 90 }, lastOkAt: "2026-11-26T10:03:00.000Z", failingWholeWindow: false };
    const message = buildMessage(event, three, { now: Date.parse(AT), results: [failing("us-east-1"), failing("eu-west-1", "TLS", "certificate has expired"), passing] });
    expect(message.summary).to.equal("https://shop.example.com/ fails its checks from 2 of 3 regions.");
    expect(message.details).to.deep.equal([
      "Regions: us-east-1, eu-west-1, ap-southeast-2; failing now: us-east-1, eu-west-1.",
      "us-east-1: TIMEOUT: no response within 10000 ms (2026-11-26 10:03:00 UTC)",
      "eu-west-1: TLS: certificate has expired (2026-11-26 10:03:00 UTC)",
      "ap-southeast-2: passing (last result 2026-11-26 10:03:00 UTC)",
      "Failing since 2026-11-26 09:58:00 UTC.",
      "Last good result: 2026-11-26 10:03:00 UTC.",
    ]);
    expect(message.links.map((link) => link.label)).to.deep.equal(["Dashboard", ...regions.map((region) => `Probe results (${region})`)]);
  });

  it("latency ALARM (a mean-latency metric, the layout before): observed against the threshold", () => {
    const raw = notification("webhealth-prod-shop-latency", {
      from: "OK",
      to: "ALARM",
      at: AT,
      metric: "Latency",
      reason: "Threshold Crossed: 3 out of the last 5 datapoints [3412.5 (26/11/26 10:02:00), 2980.0 (26/11/26 10:01:00), 1720.3 (26/11/26 10:00:00)] were greater than the threshold (1500.0).",
    });
    const message = buildMessage(eventOf(single, raw), single, {
      now: Date.parse(AT),
      results: [{ region: "us-east-1", latest: { at: "2026-11-26T10:03:00.000Z", ok: true, status: 200, totalMs: 3204.7 }, lastOkAt: "2026-11-26T10:03:00.000Z", failingWholeWindow: false }],
    });
    expect([message.title, message.summary, message.severity]).to.deep.equal(["shop is slow", "https://shop.example.com/ is slower than 1,500 ms (observed 3,413 ms against the 1,500 ms threshold).", "warning"]);
    expect(message.details[0]).to.equal("us-east-1: 3,205 ms against the 1,500 ms threshold (2026-11-26 10:03:00 UTC)");
  });

  it("certificate ALARM: days left", () => {
    const raw = notification("webhealth-prod-shop-certificate", { from: "OK", to: "ALARM", at: AT, metric: "CertificateDaysRemaining", reason: "Threshold Crossed: 1 datapoint [9.0 (26/11/26 09:00:00)] was less than the threshold (14.0).", extra: { Threshold: 14 } });
    const message = buildMessage(eventOf(single, raw), single, { now: Date.parse(AT) });
    expect([message.title, message.summary]).to.deep.equal(["shop's TLS certificate expires soon", "The TLS certificate of https://shop.example.com/ expires in 9 days, less than 14 days."]);
  });

  it("SLO burn-rate ALARM (a composite alarm: no metric in its notification): the target, its budget, its latest results; and its recovery", () => {
    const config = runtimeOf(
      loadStageConfig("prod", {
        "aws:region": "us-east-1",
        "webhealth:probeRegions": ["us-east-1", "eu-west-1"],
        "webhealth:targets": [{ url: "https://shop.example.com/", name: "shop", runbookUrl: "https://wiki.example.com/shop" }],
        "webhealth:slo": { burnRateAlarms: true },
        "webhealth:notifications": { channels: [{ name: "oncall", type: "email", addresses: ["oncall@example.com"] }] },
      }),
    );
    const name = "webhealth-prod-shop-burn-rate";
    const { Trigger: _trigger, ...base } = notification(name, { from: "OK", to: "ALARM", at: AT });
    const raw = {
      ...base,
      AlarmDescription: "budget burning",
      AlarmRule: `(ALARM("${name}-1h-1h") AND ALARM("${name}-1h-5m"))`,
      NewStateReason: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:webhealth-prod-shop-burn-1h-1h transitioned to ALARM at Thursday 26 November, 2026 10:03:41 UTC`,
    };
    const event = eventOf(config, raw);
    expect([event.kind, event.info?.url, event.regions]).to.deep.equal(["burn-rate", "https://shop.example.com/", ["us-east-1"]]);
    const message = buildMessage(event, config, { now: Date.parse(AT), results: [failing("us-east-1"), failing("eu-west-1", "STATUS", "status 503 is not accepted")] });
    expect([message.type, message.title, message.summary, message.severity, message.aboutWebhealth]).to.deep.equal([
      "alarm",
      "shop is burning its error budget too fast",
      "https://shop.example.com/ fails enough checks to spend its SLO's error budget long before the SLO window ends (budget burning).",
      "critical",
      false,
    ]);
    expect(message.details).to.deep.equal([
      "us-east-1: TIMEOUT: no response within 10000 ms (2026-11-26 10:03:00 UTC)",
      "eu-west-1: STATUS: status 503 is not accepted (2026-11-26 10:03:00 UTC)",
      "Failing since 2026-11-26 09:58:00 UTC.",
      "Last good result: 2026-11-26 09:57:00 UTC.",
    ]);
    expect(message.links.map((link) => link.label)).to.deep.equal(["Dashboard", "Probe results (us-east-1)", "Probe results (eu-west-1)", "Runbook"]);
    expect(renderPagerDuty(message)).to.deep.include({ event_action: "trigger", dedup_key: `webhealth:${name}` });

    const okAt = "2026-11-26T11:03:41.123Z";
    const recovery = buildMessage(eventOf(config, { ...raw, OldStateValue: "ALARM", NewStateValue: "OK", StateChangeTime: okAt.replace("Z", "+0000") }), config, { now: Date.parse(okAt), alarmSince: AT });
    expect([recovery.type, recovery.title, recovery.summary, recovery.details]).to.deep.equal([
      "recovery",
      "shop no longer burns its error budget too fast",
      "https://shop.example.com/ fails few enough checks again to keep within its SLO.",
      ["In ALARM for 1h 00m 00s (since 2026-11-26 10:03:41 UTC)."],
    ]);
    expect(renderPagerDuty(recovery)).to.deep.equal({ event_action: "resolve", dedup_key: `webhealth:${name}` });
  });

  it("recovery: how long it was down", () => {
    const okAt = "2026-11-26T12:10:00.000Z";
    const message = buildMessage(eventOf(single, notification("webhealth-prod-shop-availability", { from: "ALARM", to: "OK", at: okAt, url: "https://shop.example.com/" })), single, { now: Date.parse(okAt), alarmSince: AT });
    expect([message.type, message.title, message.summary, message.severity, message.downForSeconds]).to.deep.equal(["recovery", "shop is back up", "https://shop.example.com/ passes its checks again.", "info", 7578]);
    expect(message.details).to.deep.equal(["In ALARM for 2h 06m 18s (since 2026-11-26 10:03:41 UTC)."]);
    expect(renderPagerDuty(message)).to.deep.equal({ event_action: "resolve", dedup_key: "webhealth:webhealth-prod-shop-availability" });
  });

  it("probe health, dead letters and deployment alarms say webhealth itself needs attention", () => {
    const health = buildMessage(eventOf(three, notification("webhealth-prod-probe-health-eu-west-1", { from: "OK", to: "ALARM", at: AT, metric: "TargetsProbed" })), three, { now: Date.parse(AT) });
    expect([health.aboutWebhealth, health.title, health.severity]).to.deep.equal([true, "webhealth needs attention: the probe in eu-west-1 is not probing every target", "error"]);
    expect(health.summary).to.equal("The probe in eu-west-1 did not report every target (errors, timeouts, skipped targets or no runs at all): alarms on the sites it checks may be wrong until it does.");

    const recorder = buildMessage(eventOf(single, notification("webhealth-prod-recorder-dead-letters", { from: "OK", to: "ALARM", at: AT, metric: "ApproximateNumberOfMessagesVisible" })), single, { now: Date.parse(AT) });
    expect([recorder.title, recorder.summary]).to.deep.equal([
      "webhealth needs attention: messages are waiting in webhealth-prod-recorder-dead-letters",
      "The recorder could not store some alarm notifications in the ledger. Read the messages in webhealth-prod-recorder-dead-letters.",
    ]);
    const notifier = buildMessage(eventOf(single, notification("webhealth-prod-notifier-dead-letters", { from: "OK", to: "ALARM", at: AT })), single, { now: Date.parse(AT) });
    expect(notifier.summary).to.equal("The notifier could not deliver some notifications: people may not have been told about an alarm. Read the messages in webhealth-prod-notifier-dead-letters.");

    const deploy = buildMessage(eventOf(single, notification("webhealth-prod-notifier-errors", { from: "OK", to: "ALARM", at: AT, metric: "Errors" })), single, { now: Date.parse(AT) });
    expect([deploy.title, deploy.summary]).to.deep.equal([
      "webhealth needs attention: webhealth-prod-notifier:live raised errors",
      "webhealth-prod-notifier:live raised errors. During a deployment CodeDeploy rolls back on this alarm.",
    ]);
    expect(deploy.details).to.deep.equal([`CloudWatch: ${notification("x", { from: "OK", to: "ALARM", at: AT }).NewStateReason}`]);
  });

  it("an alarm the plan does not know still gets a message with CloudWatch's words", () => {
    const message = buildMessage(eventOf(single, { ...notification("my-own-alarm", { from: "OK", to: "ALARM", at: AT }), AlarmDescription: "Queue depth too high" }), single, { now: Date.parse(AT) });
    expect([message.kind, message.title, message.summary]).to.deep.equal(["unknown", "my-own-alarm is in ALARM", "Queue depth too high"]);
  });

  it("renders e-mail subjects SNS accepts, and a dedup key PagerDuty accepts", () => {
    const event = eventOf(single, notification("webhealth-prod-shop-availability", { from: "OK", to: "ALARM", at: AT }));
    const message = { ...buildMessage(event, single, { now: Date.parse(AT) }), title: `Größe ${"é".repeat(200)}\ndown` };
    const { subject } = renderEmail(message, "oncall");
    expect(subject.length).to.be.at.most(EMAIL_SUBJECT_MAX);
    expect(subject).to.match(/^[\x20-\x7e…]+$/);
    expect(dedupKeyOf("a".repeat(300))).to.have.length(255);
    // A long name in a 4-byte script is never cut in the middle of a character (a lone surrogate).
    const wellFormed = (text: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
    const astral = dedupKeyOf(`a${"\u{20000}".repeat(200)}`);
    expect([astral.length <= 255, wellFormed(astral), astral.endsWith(`#${dedupKeyOf(`b${"\u{20000}".repeat(200)}`).slice(-16)}`)]).to.deep.equal([true, true, false]);
    const slack = renderSlack({ ...message, title: `a${"\u{20000}".repeat(200)}` }) as { blocks: Array<{ text?: { text: string } }> };
    expect(wellFormed(slack.blocks[0].text!.text)).to.equal(true);
    expect(renderTeams(message)).to.have.nested.property("attachments[0].content.version", "1.4");
  });

  it("reads the probe's log line in Lambda's Text and JSON formats, and the datapoints CloudWatch quotes", () => {
    const line = { type: "probe-result", url: "https://shop.example.com/", ok: false, status: 503, error: { code: "STATUS", message: "status 503" }, timings: { totalMs: 12 } };
    expect(parseProbeResultMessage(`2026-11-26T10:03:00.000Z\tabc\tINFO\t${JSON.stringify(line)}`)).to.deep.equal(line);
    expect(parseProbeResultMessage(JSON.stringify({ timestamp: "x", level: "INFO", message: line }))).to.deep.equal(line);
    expect(parseProbeResultMessage(JSON.stringify({ level: "INFO", message: JSON.stringify(line) }))).to.deep.equal(line);
    expect(parseProbeResultMessage("START RequestId: abc")).to.equal(undefined);
    expect(resultLine([{ field: "@timestamp", value: "2026-11-26 10:03:00.000" }, { field: "@message", value: JSON.stringify(line) }], "https://other.example/")).to.equal(undefined);
    const summary = summarizeRegion({
      region: "us-east-1",
      results: [
        { at: "2026-11-26T10:03:00.000Z", ok: false, status: 503 },
        { at: "2026-11-26T10:02:00.000Z", ok: false, status: 503 },
        { at: "2026-11-26T10:01:00.000Z", ok: true, status: 200 },
        { at: "2026-11-26T10:00:00.000Z", ok: false, status: 503 },
      ],
    });
    expect([summary.failingSince, summary.lastOkAt, summary.failingWholeWindow]).to.deep.equal(["2026-11-26T10:02:00.000Z", "2026-11-26T10:01:00.000Z", false]);
    expect(observedValues("Threshold Crossed: 1 datapoint [1.5E2 (26/11/26 10:00:00)] was greater")).to.deep.equal([150]);
    // The query the dashboard's failure widget runs too (functions/common/probe-log.ts), by the discovered `url` field.
    expect(probeResultsQuery("https://x.example/it's")).to.equal(recentResultsQuery({ url: "https://x.example/it's", limit: 60 }));
    expect(probeResultsQuery('https://x.example/"q"')).to.include('url = "https://x.example/\\"q\\""');
  });
});
