import { expect } from "chai";
import { loadStageConfig } from "../../infra/config";
import { costBreakdown, costTable, customMetricsCost, estimatedMonthlyCostUsd, estimateUsage, metricsPerTarget, syntheticsMonthlyCostUsd } from "../../infra/cost";
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
    // beta: 2 https targets, phase metrics on, 1 region, 1 email, every minute (43,800 runs).
    const config = loadStageConfig("beta", fixtureConfig("beta"));
    const usage = estimateUsage(config, planStage(config), dashboardMetrics(config));
    expect(usage.customMetrics).to.equal(15); // 2 x 7 + 1 heartbeat
    expect(usage.putMetricDataRequests).to.equal(43_800); // 1 shard, 15 datums: 1 request per run
    expect(usage.alarmMetrics).to.equal(12); // 2 x 3 per target, probe health, 2 x 2 rollback, dead letters
    expect(usage.billableDashboards).to.equal(0); // 14 metrics: inside the free tier
    expect(usage.lambdaRequests).to.equal(43_808); // 43,800 probe runs + 8 recorder invocations
    expect(usage.lambdaGbSeconds).to.be.closeTo(43_800 * 0.8 * 0.5 + 8 * 0.2 * 0.25, 1e-6); // the probe at 512 MB, the recorder at 256 MB
    expect(usage.logIngestionGb).to.be.closeTo((43_800 * 1600) / 1024 ** 3, 1e-9);
    expect(usage.kmsRequests).to.equal(17_520);
    expect(usage.snsEmails).to.equal(8);
    expect(usage.dynamoWriteUnits).to.equal(24);
    const lines = costBreakdown(usage);
    expect(lines.customMetrics).to.be.closeTo(4.5, 1e-9);
    expect(lines.alarmMetrics).to.be.closeTo(1.2, 1e-9);
    expect(estimatedMonthlyCostUsd(usage)).to.equal(7.47);
  });

  it("bills a quorum alarm per metric it reads and each region's metrics separately", () => {
    const config = loadStageConfig("prod", fixtureConfig("prod"));
    const usage = estimateUsage(config, planStage(config), dashboardMetrics(config));
    // 8 https targets, phases off: 3 metrics x 3 regions each, plus 3 heartbeats.
    expect(usage.customMetrics).to.equal(8 * 3 * 3 + 3);
    // Per target: availability and latency quorum read 3 each, certificate 1; 3 probe health; 4 x 2 rollback; dead letters.
    expect(usage.alarmMetrics).to.equal(8 * 7 + 3 + 8 + 1);
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
