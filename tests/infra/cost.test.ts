import { expect } from "chai";
import { loadStageConfig } from "../../infra/config";
import { costBreakdown, costTable, customMetricsCost, estimatedMonthlyCostUsd, estimateUsage, generatedTargets, metricsPerTarget, syntheticsMonthlyCostUsd } from "../../infra/cost";
import { planDashboard } from "../../infra/plan/dashboard";
import { planStage } from "../../infra/plan/stage";
import { fixtureConfig } from "../fixtures/stacks";

const dashboardMetrics = (config: ReturnType<typeof loadStageConfig>) => planDashboard(config, planStage(config), { accountId: "0", partition: "aws" }).metricCount;

describe("infra cost model", () => {
  it("counts the metrics a target publishes: https has TlsTime and a certificate, phases are optional", () => {
    expect([
      metricsPerTarget({ url: "https://a.example.com/" }, true),
      metricsPerTarget({ url: "http://a.example.com/" }, true),
      metricsPerTarget({ url: "https://a.example.com/" }, false),
      metricsPerTarget({ url: "http://a.example.com/" }, false),
    ]).to.deep.equal([7, 5, 3, 2]);
  });

  it("prices the beta stage from its plan, line by line", () => {
    // beta: 2 https targets, phase metrics on, 1 region, 1 e-mail channel with 1 address, every minute (43,800 runs).
    const config = loadStageConfig("beta", fixtureConfig("beta"));
    const usage = estimateUsage(config, planStage(config), dashboardMetrics(config));
    const sweeps = 730 * 12;
    expect(usage.customMetrics).to.equal(15); // 2 x 7 + 1 heartbeat
    expect(usage.putMetricDataRequests).to.equal(43_800); // 1 shard, 15 datums: 1 request per run
    // 2 x 3 per target, probe health, 3 x 2 rollback (probe, recorder, notifier), 2 dead-letter queues.
    expect(usage.alarmMetrics).to.equal(15);
    expect(usage.billableDashboards).to.equal(0); // 14 metrics: inside the free tier
    // 43,800 probe runs + 8 recorder + 8 notifier invocations + the sweep every 5 minutes.
    expect(usage.lambdaRequests).to.equal(43_800 + 8 + 8 + sweeps);
    // The probe at 512 MB, the recorder and the notifier at 256 MB.
    expect(usage.lambdaGbSeconds).to.be.closeTo(43_800 * 0.8 * 0.5 + 8 * 0.2 * 0.25 + (8 * 3 + sweeps * 0.3) * 0.25, 1e-6);
    expect(usage.logIngestionGb).to.be.closeTo((43_800 * 1600) / 1024 ** 3, 1e-9);
    // SNS data keys (2 per 5 minutes) + per notification 2 for the e-mail topic (no channel secret in beta).
    expect(usage.kmsRequests).to.equal(17_520 + 8 * 2);
    expect(usage.snsEmails).to.equal(8);
    expect(usage.dynamoWriteUnits).to.equal(24 + 8 * 6);
    expect(usage.dynamoReadUnits).to.equal(8);
    // 4 changes into ALARM x 1 region x the last hour of the probe's log (1,600 bytes a run, 60 runs).
    expect(usage.logsInsightsGb).to.be.closeTo((4 * 1600 * 60) / 1024 ** 3, 1e-12);
    expect(usage.cloudWatchApiRequests).to.equal(sweeps);
    const lines = costBreakdown(usage);
    expect(lines.customMetrics).to.be.closeTo(4.5, 1e-9);
    expect(lines.alarmMetrics).to.be.closeTo(1.5, 1e-9);
    expect(lines.logsInsightsGb).to.be.closeTo(((4 * 1600 * 60) / 1024 ** 3) * 0.005, 1e-12);
    expect(estimatedMonthlyCostUsd(usage)).to.equal(7.86);
  });

  it("prices reading a failing target's probe results per URL-month: a fraction of a cent even at 1,000 URLs and 3 regions", () => {
    const config = loadStageConfig("cost", {
      "aws:region": "us-east-1",
      "webhealth:targets": generatedTargets(1000),
      "webhealth:probeRegions": ["us-east-1", "eu-west-1", "ap-southeast-2"],
      "webhealth:notifications": { channels: [{ name: "oncall", type: "email", addresses: ["oncall@example.com"] }] },
    });
    const usage = estimateUsage(config, planStage(config), dashboardMetrics(config));
    const perUrl = costBreakdown(usage).logsInsightsGb / 1000;
    // 2 changes into ALARM per URL-month, 3 regions, each scanning an hour of every target's results in that region.
    expect(perUrl).to.be.above(0).and.below(0.01);
  });

  it("bills a quorum alarm per metric it reads and each region's metrics separately", () => {
    const config = loadStageConfig("prod", fixtureConfig("prod"));
    const usage = estimateUsage(config, planStage(config), dashboardMetrics(config));
    // 8 https targets, phases off: 3 metrics x 3 regions each, plus 3 heartbeats.
    expect(usage.customMetrics).to.equal(8 * 3 * 3 + 3);
    // Per target: availability and latency quorum read 3 each, certificate 1; 3 probe health; 5 x 2 rollback; 2 dead-letter queues.
    expect(usage.alarmMetrics).to.equal(8 * 7 + 3 + 10 + 2);
  });

  it("prices custom metrics in AWS's tiers", () => {
    expect([customMetricsCost(15), customMetricsCost(10_000), customMetricsCost(21_003), customMetricsCost(300_000)].map((usd) => Math.round(usd * 100) / 100)).to.deep.equal([
      4.5, 3000, 3000 + 11_003 * 0.1, 3000 + 24_000 + 50_000 * 0.05,
    ]);
  });

  it("charges Synthetics per run: $52.56 per URL and region a month", () => {
    expect([syntheticsMonthlyCostUsd(1, 1), syntheticsMonthlyCostUsd(1000, 3)]).to.deep.equal([52.56, 157_680]);
  });

  it("grows with the number of URLs and stays far below Synthetics", () => {
    const rows = costTable([1, 10, 100, 1000], [["us-east-1"]], dashboardMetrics);
    expect(rows.map((row) => row.urls)).to.deep.equal([1, 10, 100, 1000]);
    for (let index = 1; index < rows.length; index += 1) expect(rows[index].webhealthUsd).to.be.greaterThan(rows[index - 1].webhealthUsd);
    for (const row of rows) expect(row.webhealthUsd).to.be.lessThan(row.syntheticsUsd);
  });
});
