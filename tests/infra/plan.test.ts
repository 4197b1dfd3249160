import { expect } from "chai";
import { loadStageConfig } from "../../infra/config";
import { generatedTargets } from "../../infra/cost";
import { phaseTimingsQuery, recentResultsQuery } from "../../functions/common/probe-log";
import { ALARMS_PER_WIDGET, DASHBOARD_TARGET_LIMIT, MAX_METRICS_PER_DASHBOARD, MAX_METRICS_PER_WIDGET, MAX_WIDGETS, planDashboard } from "../../infra/plan/dashboard";
import { targetKey } from "../../infra/plan/names";
import { allAlarms, planStage, probeSelfTestEvent } from "../../infra/plan/stage";
import { fixtureConfig } from "../fixtures/stacks";

const CONTEXT = { accountId: "123456789012", partition: "aws" };

describe("infra plan: names, self-tests, dashboard", () => {
  it("keys a target by its name, or by host, path and a hash of the whole URL", () => {
    expect(targetKey({ url: "https://shop.example.com/api", name: "Shop API (EU)" })).to.equal("shop-api-eu");
    const byUrl = targetKey({ url: "https://shop.example.com/api/health?x=1" });
    expect(byUrl).to.match(/^shop-example-com-api-health-[0-9a-f]{8}$/);
    expect(targetKey({ url: "http://shop.example.com/api/health?x=1" })).to.not.equal(byUrl);
  });

  it("keeps the probe's self-test event to a few targets under the env budget", () => {
    const config = loadStageConfig("beta", { "aws:region": "us-east-1", "webhealth:targets": generatedTargets(50) });
    const event = JSON.parse(probeSelfTestEvent(config));
    expect(event).to.deep.equal({ selfTest: true, targets: generatedTargets(3) });
    const long = loadStageConfig("beta", { "aws:region": "us-east-1", "webhealth:targets": [{ url: `https://a.example.com/${"x".repeat(1000)}` }, { url: `https://b.example.com/${"y".repeat(1000)}` }, { url: `https://c.example.com/${"z".repeat(1000)}` }] });
    expect(JSON.parse(probeSelfTestEvent(long)).targets).to.have.length(2);
  });

  it("graphs every target of a small stage from the alarms' own metric, and each region's phases and failures from its logs", () => {
    const config = loadStageConfig("gamma", fixtureConfig("gamma"));
    const plan = planStage(config);
    const { body, metricCount, logWidgetsPerRegion } = planDashboard(config, plan, CONTEXT);
    const alarmWidget = body.widgets.find((widget) => widget.type === "alarm");
    const notifying = allAlarms(plan).filter((spec) => spec.notify);
    const arns = alarmWidget?.properties.alarms as string[];
    expect([...arns].sort()).to.deep.equal(notifying.map((spec) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${spec.alarmName}`).sort());
    expect(arns.slice(0, 3)).to.deep.equal(["probe-health-us-east-1", "probe-health-eu-west-1", "recorder-dead-letters"].map((name) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:webhealth-gamma-${name}`));
    const availability = body.widgets.find((widget) => widget.properties.title === "Availability (% of checks passed)");
    expect((availability?.properties.metrics as unknown[])[0]).to.deep.equal(["WebHealth", "Check", "Url", "https://www.wikipedia.org/", { stat: "PR(:5000000)", label: "wikipedia" }]);
    const latency = body.widgets.find((widget) => widget.properties.title === "Latency of passed checks (ms)");
    expect((latency?.properties.metrics as unknown[])[0]).to.deep.equal(["WebHealth", "Check", "Url", "https://www.wikipedia.org/", { stat: "TM(:5000000)", label: "wikipedia" }]);
    // One Logs Insights table of phases and one of the latest failures per probe region, each in that region, on its probe's log group.
    const logs = body.widgets.filter((widget) => widget.type === "log");
    expect(logs.map((widget) => [widget.properties.region, widget.properties.title])).to.deep.equal([
      ["us-east-1", "Phases per target, ms (us-east-1, mean over the time range)"],
      ["us-east-1", "Latest failures (us-east-1)"],
      ["eu-west-1", "Phases per target, ms (eu-west-1, mean over the time range)"],
      ["eu-west-1", "Latest failures (eu-west-1)"],
    ]);
    expect(logs[2].properties.query).to.equal(`SOURCE '/aws/lambda/webhealth-gamma-probe-eu-west-1' | ${phaseTimingsQuery()}`);
    expect(logs[3].properties.query).to.equal(`SOURCE '/aws/lambda/webhealth-gamma-probe-eu-west-1' | ${recentResultsQuery({ failuresOnly: true, limit: 50 })}`);
    expect(logWidgetsPerRegion).to.equal(2);
    // 2 probe-health lines + 2 probe-error lines + 5 targets x (availability + latency): no metric per region.
    expect(metricCount).to.equal(2 + 2 + 5 * 2);
    for (const widget of body.widgets) expect(widget.x + widget.width).to.be.at.most(24);
  });

  it("titles a SEARCH graph with all its targets when they are 500 or fewer", () => {
    const config = loadStageConfig("scale", { "aws:region": "us-east-1", "webhealth:targets": generatedTargets(300) });
    const { body, metricCount } = planDashboard(config, planStage(config), CONTEXT);
    expect(body.widgets.some((widget) => widget.properties.title === "Availability (% passed), all 300 targets")).to.equal(true);
    expect(metricCount).to.equal(1 + 1 + 100 * 2 + 2 * 300);
  });

  it("switches to SEARCH graphs beyond 100 targets, says a SEARCH shows at most 500, and stays within the widget limit", () => {
    const config = loadStageConfig("scale", { "aws:region": "us-east-1", "webhealth:targets": generatedTargets(1000) });
    const { body } = planDashboard(config, planStage(config), CONTEXT);
    const perTargetGraphs = body.widgets.filter((widget) => widget.properties.title === "Availability (% of checks passed)");
    expect(perTargetGraphs).to.have.length(DASHBOARD_TARGET_LIMIT / 10);
    const search = body.widgets.find((widget) => widget.properties.title === "Availability (% passed), up to 500 of the 1000 targets (SEARCH's limit)");
    expect(search?.properties.metrics).to.deep.equal([[{ expression: `SEARCH('{WebHealth,Url} MetricName="Check"', 'PR(:5000000)', 60)`, id: "all", label: "" }]]);
    expect(body.widgets.some((widget) => widget.properties.title === "Latency of passed checks (ms), up to 500 of the 1000 targets (SEARCH's limit)")).to.equal(true);
    // The metrics each view requests: probe health and errors, 100 listed targets x 2, and the 500 each SEARCH returns.
    expect(planDashboard(config, planStage(config), CONTEXT).metricCount).to.equal(1 + 1 + 100 * 2 + 2 * 500);
    expect(body.widgets.filter((widget) => widget.type === "alarm")).to.have.length(5);
    expect(body.widgets.length).to.be.at.most(MAX_WIDGETS);
  });

  it("stays within CloudWatch's dashboard quotas at the largest stage: 10,000 targets from 10 regions, phase metrics on", () => {
    const regions = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1"];
    const config = loadStageConfig("scale", { "aws:region": "us-east-1", "webhealth:targets": generatedTargets(10_000), "webhealth:probeRegions": regions, "webhealth:phaseMetrics": true });
    const { body, metricCount } = planDashboard(config, planStage(config), CONTEXT);
    // 10 probe-health + 10 probe-error lines, 100 graphed targets x 2, the 500 each SEARCH returns x 2, 20 phase graphs x 5.
    expect(metricCount).to.equal(10 + 10 + 100 * 2 + 2 * 500 + 20 * 5);
    expect(metricCount).to.be.at.most(MAX_METRICS_PER_DASHBOARD);
    for (const widget of body.widgets) {
      const lines = (widget.properties.metrics ?? []) as unknown[][];
      expect(lines.filter((line) => typeof line[0] === "string").length, String(widget.properties.title)).to.be.at.most(MAX_METRICS_PER_WIDGET);
      if (widget.type === "alarm") expect((widget.properties.alarms as string[]).length).to.be.at.most(ALARMS_PER_WIDGET);
    }
    expect(body.widgets.length).to.be.at.most(MAX_WIDGETS);
  });
});
