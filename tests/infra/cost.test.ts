import { expect } from "chai";
import { probeResultLogLine } from "../../functions/probe/log-line";
import { loadStageConfig } from "../../infra/config";
import {
  checklyMonthlyCostUsd,
  costLineItems,
  costLineItemsUsd,
  costTable,
  customMetricsCost,
  estimatedMonthlyCostUsd,
  estimateStage,
  estimateUsage,
  generatedStageConfig,
  metricMonthsPerTarget,
  probeRunSeconds,
  syntheticsMonthlyCostUsd,
  USAGE_ASSUMPTIONS,
  usageCost,
} from "../../infra/cost";
import { dashboardUsage } from "../../infra/plan/dashboard";
import { planStage } from "../../infra/plan/stage";

const ONE_REGION = ["us-east-1"];
const THREE_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"];

describe("infra cost model", () => {
  it("counts a target's metric-months: Check all month, the certificate one hour a day, phases only when on", () => {
    expect([
      metricMonthsPerTarget({ url: "https://a.example.com/" }, false),
      metricMonthsPerTarget({ url: "http://a.example.com/" }, false),
      metricMonthsPerTarget({ url: "https://a.example.com/" }, true),
      metricMonthsPerTarget({ url: "http://a.example.com/" }, true),
    ]).to.deep.equal([1 + 1 / 24, 1, 6 + 1 / 24, 5]);
  });

  it("prices a 100-URL stage from its plan, line by line, one region", () => {
    // 100 https targets, every minute, one email, one region: one shard (about 60 characters a target in 8,192).
    const config = generatedStageConfig(100, ONE_REGION);
    const plan = planStage(config);
    const usage = estimateUsage(config, plan, dashboardUsage(config, plan));
    expect(plan.shards.length).to.equal(1);
    expect(usage.customMetrics).to.be.closeTo(100 * (1 + 1 / 24) + 1, 1e-9); // + the heartbeat
    // Per target 3; probe health; errors + duration of 3 functions (probe, recorder, notifier); 2 dead-letter queues.
    expect(usage.alarmMetrics).to.equal(100 * 3 + 1 + 3 * 2 + 2);
    expect(usage.putMetricDataRequests).to.equal(43_800); // 101 datums a run: one request
    const sweeps = 730 * 12;
    // Runs + 4 state changes per target for the recorder and the notifier + the notifier's sweep every 5 minutes.
    expect(usage.lambdaRequests).to.equal(43_800 + 400 + 400 + sweeps);
    expect(usage.billableDashboards).to.equal(1); // always: no free tier
    // The probe at its default 512 MB for one 100-target run a minute; the recorder and the notifier at 256 MB.
    expect(usage.lambdaGbSeconds).to.be.closeTo(43_800 * probeRunSeconds(100, 32, 512) * 0.5 + 400 * 0.2 * 0.25 + (400 * 3 + sweeps * 0.3) * 0.25, 1e-6);
    const items = costLineItems(usage);
    expect(items.customMetrics).to.be.closeTo(0.3 * (100 * (1 + 1 / 24) + 1), 1e-9);
    expect(items.alarms).to.be.closeTo(30.9, 1e-9); // 309 alarms, one metric each, $0.10
    expect(items.dashboard).to.equal(3);
    expect(estimatedMonthlyCostUsd(usage)).to.equal(Math.round(Object.values(items).reduce((a, b) => a + b, 0) * 100) / 100);
  });

  it("prices reading a failing target's probe results per URL-month: a fraction of a cent even at 1,000 URLs and 3 regions", () => {
    const withNotifier = estimateStage(generatedStageConfig(1000, THREE_REGIONS)).usage;
    const dashboardOnly = estimateStage(generatedStageConfig(1000, THREE_REGIONS, { "webhealth:notifications": { channels: [] } })).usage;
    const perUrl = ((withNotifier.logsInsightsGb - dashboardOnly.logsInsightsGb) * 0.005) / 1000;
    // 2 changes into ALARM per URL-month, 3 regions, each scanning an hour of every target's results in that region.
    expect(perUrl).to.be.above(0).and.below(0.01);
  });

  it("does not multiply metrics or alarms by the number of regions", () => {
    const one = estimateStage(generatedStageConfig(100, ONE_REGION)).usage;
    const three = estimateStage(generatedStageConfig(100, THREE_REGIONS)).usage;
    expect(three.customMetrics - one.customMetrics).to.be.closeTo(2, 1e-9); // two more heartbeats
    expect(three.alarmMetrics - one.alarmMetrics).to.equal(2 + 2 * 2); // two more probe-health alarms and two more probes' rollback alarms
    expect(three.putMetricDataRequests).to.equal(3 * one.putMetricDataRequests);
    expect(three.logIngestionGb).to.be.closeTo(3 * one.logIngestionGb, 1e-9);
  });

  it("meets the goal: at most $1.00 per URL-month at 100 URLs, from one region and from three", () => {
    const perUrl = (regions: string[]) => estimateStage(generatedStageConfig(100, regions)).totalUsd / 100;
    expect(perUrl(ONE_REGION)).to.be.at.most(1);
    expect(perUrl(THREE_REGIONS)).to.be.at.most(1);
  });

  it("shows line items that add up to the total, within rounding", () => {
    const { totalUsd, lineItemsUsd } = estimateStage(generatedStageConfig(10, THREE_REGIONS));
    expect(Object.keys(lineItemsUsd)).to.deep.equal(["customMetrics", "alarms", "lambda", "logs", "kms", "apiRequests", "dashboard", "notifications", "alarmLedger"]);
    expect(Object.values(lineItemsUsd).reduce((a, b) => a + b, 0)).to.be.closeTo(totalUsd, 0.05);
    expect(costLineItemsUsd(estimateStage(generatedStageConfig(10, THREE_REGIONS)).usage)).to.deep.equal(lineItemsUsd);
  });

  it("shows the SLO burn-rate alarms' composite alarms in the alarms line item, so the items still add up to the total", () => {
    const off = estimateStage(generatedStageConfig(100, ONE_REGION));
    const on = estimateStage(generatedStageConfig(100, ONE_REGION, { "webhealth:slo": { burnRateAlarms: true } }));
    expect(on.usage.compositeAlarms).to.equal(100);
    expect(Object.values(on.lineItemsUsd).reduce((a, b) => a + b, 0)).to.be.closeTo(on.totalUsd, 0.05);
    // Four window alarms per target ($0.10 each) and one composite alarm ($0.50).
    expect(on.lineItemsUsd.alarms - off.lineItemsUsd.alarms).to.be.closeTo(100 * (4 * 0.1 + 0.5), 0.005);
  });

  it("puts every priced usage quantity in exactly one line item", () => {
    const usage = estimateStage(generatedStageConfig(100, THREE_REGIONS, { "webhealth:slo": { burnRateAlarms: true } })).usage;
    const costs = usageCost(usage);
    for (const key of Object.keys(costs) as Array<keyof typeof costs>) {
      // Double one quantity's charge: exactly one line item must grow by it.
      const items = costLineItems(usage);
      const grown = costLineItems({ ...usage, [key]: usage[key] * 2 });
      const moved = Object.keys(items).filter((item) => Math.abs(grown[item as keyof typeof items] - items[item as keyof typeof items]) > 1e-12);
      if (costs[key] > 0) expect(moved, key).to.have.length(1);
    }
  });

  it("bills the dashboard in every stage, however few metrics it shows: no free tier", () => {
    const small = estimateStage(generatedStageConfig(1, ONE_REGION));
    expect(small.usage.billableDashboards).to.equal(1);
    expect(small.lineItemsUsd.dashboard).to.equal(3);
  });

  it("prices custom metric-months in AWS's tiers", () => {
    expect([customMetricsCost(15), customMetricsCost(10_000), customMetricsCost(21_003), customMetricsCost(300_000)].map((usd) => Math.round(usd * 100) / 100)).to.deep.equal([
      4.5, 3000, 3000 + 11_003 * 0.1, 3000 + 24_000 + 50_000 * 0.05,
    ]);
  });

  it("charges Synthetics per run ($52.56 per URL and region a month) and Checkly per run and location ($8.76)", () => {
    expect([syntheticsMonthlyCostUsd(1, 1), syntheticsMonthlyCostUsd(1000, 3)]).to.deep.equal([52.56, 157_680]);
    expect([checklyMonthlyCostUsd(1, 1), checklyMonthlyCostUsd(100, 3)]).to.deep.equal([8.76, 2628]);
  });

  it("assumes at least as many log bytes per target as a real probe-result line takes", () => {
    const line = probeResultLogLine(
      {
        url: "https://shop-eu.example.com/api/v2/health",
        name: "shop-eu-api",
        ok: false,
        status: 503,
        error: { code: "STATUS", message: "status 503 is not one of the accepted statuses (200-299)" },
        timings: { dnsMs: 12.345, connectMs: 23.456, tlsMs: 34.567, ttfbMs: 145.678, transferMs: 3.21, totalMs: 219.276 },
        tls: { daysRemaining: 61, validTo: "2027-01-31T23:59:59.000Z", issuer: "C=US, O=Let's Encrypt, CN=R11" },
        redirects: 1,
        attempts: 2,
        warnings: ["SLOW", "CERTIFICATE"],
      },
      { region: "ap-southeast-2", scheduledAt: new Date("2026-12-01T10:03:00.000Z") },
    );
    expect(Buffer.byteLength(JSON.stringify(line)) + 1).to.be.at.most(USAGE_ASSUMPTIONS.logBytesPerTarget);
  });

  it("grows with the number of URLs, and costs less per URL as it grows", () => {
    const rows = costTable([1, 10, 100, 1000], [ONE_REGION]);
    expect(rows.map((row) => row.urls)).to.deep.equal([1, 10, 100, 1000]);
    for (let index = 1; index < rows.length; index += 1) {
      expect(rows[index].webhealthUsd).to.be.greaterThan(rows[index - 1].webhealthUsd);
      expect(rows[index].perUrlUsd).to.be.lessThan(rows[index - 1].perUrlUsd);
    }
    for (const row of rows) expect(row.webhealthUsd).to.be.lessThan(row.checklyUsd);
  });

  it("prices the opt-in phase metrics when a stage turns them on", () => {
    const off = estimateStage(generatedStageConfig(100, ONE_REGION)).usage.customMetrics;
    const on = estimateStage(loadStageConfig("cost", { "aws:region": "us-east-1", "webhealth:targets": generatedStageConfig(100, ONE_REGION).targets, "webhealth:phaseMetrics": true })).usage.customMetrics;
    expect(on - off).to.be.closeTo(100 * 5, 1e-9);
  });
});
