/**
 * SLO burn-rate alarms over the plan and the synthesised program: the thresholds for given
 * objectives (worked out by hand: threshold = 1 - burn rate x (1 - objective), burn rate =
 * budget share x SLO window / long window), the windows, the composite rule, notifications, cost,
 * and the policy pack over the result.
 */
import { expect } from "chai";
import { loadStageConfig } from "../../infra/config";
import { estimatedMonthlyCostUsd, estimateUsage, PRICES } from "../../infra/cost";
import { allAlarms, planStage } from "../../infra/plan/stage";
import { burnRate, BURN_RATE_WINDOWS } from "../../infra/plan/slo";
import { synthesize } from "../../infra/synth";
import { checkResources, RESOURCE_RULES } from "../../policy/rules";

const SHOP = { url: "https://shop.example/", name: "shop" };
const API = { url: "https://api.example/health", name: "api", slo: 99.5 };

function config(extra: Record<string, unknown> = {}, regions = ["us-east-1"]) {
  return {
    "aws:region": regions[0],
    "webhealth:probeRegions": regions,
    "webhealth:targets": [SHOP, API],
    "webhealth:slo": { burnRateAlarms: true },
    ...extra,
  };
}

describe("infra: SLO burn-rate alarms", () => {
  it("the Workbook's burn rates for a 30-day window: 14.4x over 1 h (and 5 min), 6x over 6 h (and 30 min)", () => {
    expect(BURN_RATE_WINDOWS.map((window) => [burnRate(window, 30), window.longSeconds, window.shortSeconds])).to.deep.equal([
      [14.4, 3600, 300],
      [6, 21600, 1800],
    ]);
  });

  it("99.9% (the stage's default) and a target's own 99.5%: each window's failed-check threshold, period and missing data", () => {
    const plan = planStage(loadStageConfig("slo", config()));
    const rows = plan.burnRateWindows.map((alarm) => [alarm.alarmName, alarm.metric.period, alarm.comparisonOperator, alarm.threshold, alarm.treatMissingData, alarm.notify]);
    expect(rows).to.deep.equal([
      // percent of checks failed: 14.4 x 0.1 = 1.44; 6 x 0.1 = 0.6
      ["webhealth-slo-shop-burn-1h-1h", 3600, "GreaterThanThreshold", 1.44, "breaching", false],
      ["webhealth-slo-shop-burn-1h-5m", 300, "GreaterThanThreshold", 1.44, "breaching", false],
      ["webhealth-slo-shop-burn-6h-6h", 21600, "GreaterThanThreshold", 0.6, "breaching", false],
      ["webhealth-slo-shop-burn-6h-30m", 1800, "GreaterThanThreshold", 0.6, "breaching", false],
      // 14.4 x 0.5 = 7.2; 6 x 0.5 = 3
      ["webhealth-slo-api-burn-1h-1h", 3600, "GreaterThanThreshold", 7.2, "breaching", false],
      ["webhealth-slo-api-burn-1h-5m", 300, "GreaterThanThreshold", 7.2, "breaching", false],
      ["webhealth-slo-api-burn-6h-6h", 21600, "GreaterThanThreshold", 3, "breaching", false],
      ["webhealth-slo-api-burn-6h-30m", 1800, "GreaterThanThreshold", 3, "breaching", false],
    ]);
    expect(plan.burnRateWindows[0].metric).to.deep.equal({ namespace: "WebHealth", metricName: "Check", dimensions: { Url: SHOP.url }, stat: "PR(5000000:20000000)", period: 3600 });
    expect(plan.burnRateWindows.every((alarm) => alarm.evaluationPeriods === 1 && alarm.datapointsToAlarm === 1)).to.equal(true);
    expect(plan.burnRateAlarms.map((alarm) => [alarm.alarmName, alarm.rule, alarm.notify])).to.deep.equal([
      [
        "webhealth-slo-shop-burn-rate",
        '(ALARM("webhealth-slo-shop-burn-1h-1h") AND ALARM("webhealth-slo-shop-burn-1h-5m")) OR (ALARM("webhealth-slo-shop-burn-6h-6h") AND ALARM("webhealth-slo-shop-burn-6h-30m"))',
        true,
      ],
      [
        "webhealth-slo-api-burn-rate",
        '(ALARM("webhealth-slo-api-burn-1h-1h") AND ALARM("webhealth-slo-api-burn-1h-5m")) OR (ALARM("webhealth-slo-api-burn-6h-6h") AND ALARM("webhealth-slo-api-burn-6h-30m"))',
        true,
      ],
    ]);
  });

  it("a 28-day SLO window and a stage objective of 99.95%: 13.44x -> 13.44 x 0.05 = 0.672% failed, 5.6x -> 0.28%", () => {
    const plan = planStage(loadStageConfig("slo", config({ "webhealth:slo": { burnRateAlarms: true, objective: 99.95, windowDays: 28 }, "webhealth:targets": [SHOP] })));
    expect(plan.burnRateWindows.map((alarm) => alarm.threshold)).to.deep.equal([0.672, 0.672, 0.28, 0.28]);
  });

  it("three probe regions: each window reads the one Check metric every region writes (one metric billed)", () => {
    const plan = planStage(loadStageConfig("slo", config({}, ["us-east-1", "eu-west-1", "ap-southeast-2"])));
    expect(plan.burnRateWindows.map((window) => window.metric.dimensions)).to.deep.equal(Array(8).fill(null).map((_, i) => ({ Url: i < 4 ? SHOP.url : API.url })));
  });

  it("with notification channels, the notifier knows the burn-rate alarm (kind burn-rate) and nothing of its windows", () => {
    const plan = planStage(loadStageConfig("slo", config({ "webhealth:notifications": { channels: [{ name: "oncall", type: "email", addresses: ["oncall@example.com"] }] } })));
    const alarms = plan.notifier?.runtime.alarms ?? {};
    expect(alarms["webhealth-slo-shop-burn-rate"]).to.deep.equal({ kind: "burn-rate", channels: ["oncall"], url: SHOP.url, targetName: "shop" });
    expect(Object.keys(alarms).filter((name) => name.includes("-burn-") && !name.endsWith("-burn-rate"))).to.deep.equal([]);
  });

  it("off unless the stage enables them", () => {
    const plan = planStage(loadStageConfig("slo", config({ "webhealth:slo": { objective: 99.9 } })));
    expect([plan.burnRateWindows.length, plan.burnRateAlarms.length]).to.deep.equal([0, 0]);
  });

  it("refuses an objective whose fastest burn rate could never fire", () => {
    expect(() => loadStageConfig("slo", config({ "webhealth:slo": { burnRateAlarms: true, objective: 90 } }))).to.throw(
      "webhealth:slo.objective: must be above 93.06 for burn-rate alarms (below it, the fastest burn rate's error rate would be more than every check failing)",
    );
  });

  it("priced: four window alarms per target at $0.10 (one metric each), one composite at $0.50", () => {
    const on = loadStageConfig("slo", config());
    const off = loadStageConfig("slo", config({ "webhealth:slo": { burnRateAlarms: false } }));
    const withAlarms = estimateUsage(on, planStage(on), { metricCount: 0, logWidgetsPerRegion: 0 });
    const without = estimateUsage(off, planStage(off), { metricCount: 0, logWidgetsPerRegion: 0 });
    expect([withAlarms.alarmMetrics - without.alarmMetrics, withAlarms.compositeAlarms, without.compositeAlarms]).to.deep.equal([8, 2, 0]);
    expect(PRICES.compositeAlarmMonth).to.equal(0.5);
    expect(estimatedMonthlyCostUsd(withAlarms)).to.be.above(estimatedMonthlyCostUsd(without) + 8 * 0.1 + 2 * 0.5 - 0.01);
  });

  describe("in the synthesised program", function () {
    this.timeout(60_000);
    let resources: Array<{ type: string; name: string; inputs: Record<string, unknown> }>;
    before(async () => {
      ({
        document: { resources },
      } = await synthesize("slo", config()));
    });

    it("a metric alarm per window without actions, a composite alarm per target that notifies the topic on ALARM and OK", () => {
      const windows = resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && String(r.inputs.name).includes("-burn-"));
      expect(windows.map((r) => [r.inputs.name, r.inputs.threshold, r.inputs.period, r.inputs.alarmActions ?? [], r.inputs.okActions ?? []])).to.deep.include([
        "webhealth-slo-shop-burn-1h-5m",
        1.44,
        300,
        [],
        [],
      ]);
      const composites = resources.filter((r) => r.type === "aws:cloudwatch/compositeAlarm:CompositeAlarm");
      const topic = "arn:aws:sns:us-east-1:123456789012:webhealth-slo-alarms";
      expect(composites.map((r) => [r.inputs.alarmName, r.inputs.alarmActions, r.inputs.okActions, r.inputs.actionsEnabled]).sort()).to.deep.equal([
        ["webhealth-slo-api-burn-rate", [topic], [topic], true],
        ["webhealth-slo-shop-burn-rate", [topic], [topic], true],
      ]);
      expect(composites.find((r) => r.inputs.alarmName === "webhealth-slo-shop-burn-rate")?.inputs.alarmRule).to.equal(
        '(ALARM("webhealth-slo-shop-burn-1h-1h") AND ALARM("webhealth-slo-shop-burn-1h-5m")) OR (ALARM("webhealth-slo-shop-burn-6h-6h") AND ALARM("webhealth-slo-shop-burn-6h-30m"))',
      );
    });

    it("passes every rule of the policy pack", () => {
      const violations = checkResources(
        resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs, opts: undefined })),
        RESOURCE_RULES.filter((rule) => rule.name !== "live-alias-ignores-codedeploy-fields"),
      );
      expect(violations).to.deep.equal([]);
    });

    it("the plan's alarm list holds the windows (status and the cost model read it)", () => {
      const plan = planStage(loadStageConfig("slo", config()));
      expect(allAlarms(plan).filter((alarm) => alarm.kind === "burn-rate-window")).to.have.length(8);
    });
  });
});
