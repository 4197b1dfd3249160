import { expect } from "chai";
import { loadStageConfig } from "../../infra/config";
import { generatedTargets } from "../../infra/cost";
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

  it("graphs every target of a small stage with the alarms' own dimensions", () => {
    const config = loadStageConfig("gamma", fixtureConfig("gamma"));
    const plan = planStage(config);
    const { body, metricCount } = planDashboard(config, plan, CONTEXT);
    const alarmWidget = body.widgets.find((widget) => widget.type === "alarm");
    const notifying = allAlarms(plan).filter((spec) => spec.notify);
    const arns = alarmWidget?.properties.alarms as string[];
    expect([...arns].sort()).to.deep.equal(notifying.map((spec) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${spec.alarmName}`).sort());
    expect(arns.slice(0, 3)).to.deep.equal(["probe-health-us-east-1", "probe-health-eu-west-1", "recorder-dead-letters"].map((name) => `arn:aws:cloudwatch:us-east-1:123456789012:alarm:webhealth-gamma-${name}`));
    const availability = body.widgets.find((widget) => widget.properties.title === "Availability (1 = up)");
    expect((availability?.properties.metrics as unknown[])[0]).to.deep.equal(["WebHealth", "Availability", "Url", "https://www.wikipedia.org/", "Region", "us-east-1", { stat: "Average", label: "wikipedia (us-east-1)" }]);
    // 2 probe-health lines + 2 probe-error lines + 5 targets x 2 regions x (availability + latency) + 5 phase graphs x 4.
    expect(metricCount).to.equal(2 + 2 + 5 * 2 * 2 + 5 * 4);
    for (const widget of body.widgets) expect(widget.x + widget.width).to.be.at.most(24);
  });

  it("switches to SEARCH graphs beyond 100 targets and stays within the widget limit", () => {
    const config = loadStageConfig("scale", { "aws:region": "us-east-1", "webhealth:targets": generatedTargets(1000) });
    const { body } = planDashboard(config, planStage(config), CONTEXT);
    const perTargetGraphs = body.widgets.filter((widget) => widget.properties.title === "Availability (1 = up)");
    expect(perTargetGraphs).to.have.length(DASHBOARD_TARGET_LIMIT / 10);
    const search = body.widgets.find((widget) => widget.properties.title === "Availability, all 1000 targets");
    expect(search?.properties.metrics).to.deep.equal([[{ expression: `SEARCH('{WebHealth,Url} MetricName="Availability"', 'Minimum', 60)`, id: "all", label: "" }]]);
    expect(body.widgets.filter((widget) => widget.type === "alarm")).to.have.length(5);
    expect(body.widgets.length).to.be.at.most(MAX_WIDGETS);
  });

  it("stays within CloudWatch's dashboard quotas at the largest stage: 1,000 targets from 10 regions", () => {
    const regions = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1"];
    const config = loadStageConfig("scale", { "aws:region": "us-east-1", "webhealth:targets": generatedTargets(1000), "webhealth:probeRegions": regions });
    const { body, metricCount } = planDashboard(config, planStage(config), CONTEXT);
    // 10 probe-health + 10 probe-error lines, 100 graphed targets x 10 regions x 2 metrics, 20 phase graphs x 4.
    expect(metricCount).to.equal(10 + 10 + 100 * 10 * 2 + 20 * 4);
    expect(metricCount).to.be.at.most(MAX_METRICS_PER_DASHBOARD);
    for (const widget of body.widgets) {
      const lines = (widget.properties.metrics ?? []) as unknown[][];
      expect(lines.filter((line) => typeof line[0] === "string").length, String(widget.properties.title)).to.be.at.most(MAX_METRICS_PER_WIDGET);
      if (widget.type === "alarm") expect((widget.properties.alarms as string[]).length).to.be.at.most(ALARMS_PER_WIDGET);
    }
    expect(body.widgets.length).to.be.at.most(MAX_WIDGETS);
  });
});
