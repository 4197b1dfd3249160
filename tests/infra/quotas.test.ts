/**
 * The quota checks of infra/plan/quotas.ts on real plans: what each quota counts, per region.
 * (tests/infra/synth.test.ts shows a crossing stopping `synthesize` with the message.)
 */
import { expect } from "chai";
import { generatedStageConfig } from "../../infra/cost";
import { quotaProblems, QUOTA_DOCS } from "../../infra/plan/quotas";
import { planStage } from "../../infra/plan/stage";

const REGIONS = ["us-east-1", "eu-west-1"];

describe("AWS quotas checked at synth time", () => {
  // 200 targets: two shards, so two probe rules in each probe region.
  const withNotifier = generatedStageConfig(200, REGIONS);
  const withoutNotifier = generatedStageConfig(200, REGIONS, { "webhealth:notifications": { channels: [] } });

  it("counts the notifier's sweep rule with the probe rules on the home region's default event bus", () => {
    const plan = planStage(withNotifier);
    expect(plan.shards).to.have.length(2);
    expect(quotaProblems(withNotifier, plan, { eventBridgeRulesPerRegion: 3 })).to.deep.equal([]);
    expect(quotaProblems(withNotifier, plan, { eventBridgeRulesPerRegion: 2 })).to.deep.equal([
      `webhealth:targets: need 3 EventBridge rules (one per shard, and the notifier's sweep) in us-east-1, over its quota of 2 rules per event bus (${QUOTA_DOCS.eventBridgeRules}); ` +
        "have the quota raised (Service Quotas) and set webhealth:accountQuotas.eventBridgeRulesPerRegion, or move part of the targets to a stage in another account",
    ]);
    expect(quotaProblems(withoutNotifier, planStage(withoutNotifier), { eventBridgeRulesPerRegion: 2 })).to.deep.equal([]);
  });

  it("takes the smaller default rule quota of af-south-1 and eu-south-1", () => {
    const config = generatedStageConfig(200, ["us-east-1", "af-south-1"]);
    const plan = planStage(config);
    expect(quotaProblems(config, { ...plan, shards: Array.from({ length: 101 }, () => plan.shards[0]) })).to.deep.equal([
      `webhealth:targets: need 101 EventBridge rules (one per shard) in af-south-1, over its quota of 100 rules per event bus (${QUOTA_DOCS.eventBridgeRules}); ` +
        "have the quota raised (Service Quotas) and set webhealth:accountQuotas.eventBridgeRulesPerRegion, or move part of the targets to a stage in another account",
    ]);
  });

  it("refuses more probe executions at once than the Lambda concurrency quota, with the way out (EventBridge's input size sets the shards: no probeConcurrency hint)", () => {
    const plan = planStage(withoutNotifier);
    expect(quotaProblems(withoutNotifier, plan, { lambdaConcurrentExecutions: 3 })).to.deep.equal([]);
    expect(quotaProblems(withoutNotifier, plan, { lambdaConcurrentExecutions: 2 })).to.deep.equal([
      `webhealth:targets: up to 3 probe executions at once per region (one per shard, and the pre-traffic hook), over the Lambda quota of 2 concurrent executions (${QUOTA_DOCS.lambdaConcurrency}); ` +
        "have the quota raised and set webhealth:accountQuotas.lambdaConcurrentExecutions, or move part of the targets to a stage in another account",
    ]);
  });

  it("suggests a higher probeConcurrency only when the run time, not the input size, sets the shards", () => {
    // Prepare: 20 targets probed one at a time fill a shard's minute long before its 8,192 characters.
    const config = generatedStageConfig(20, REGIONS, { "webhealth:notifications": { channels: [] }, "webhealth:probeConcurrency": 1 });
    const plan = planStage(config);

    // Act
    const problems = quotaProblems(config, plan, { lambdaConcurrentExecutions: 2 });

    // Assess
    expect(plan.shards.length).to.be.above(1);
    expect(problems).to.deep.equal([
      `webhealth:targets: up to ${plan.shards.length + 1} probe executions at once per region (one per shard, and the pre-traffic hook), over the Lambda quota of 2 concurrent executions (${QUOTA_DOCS.lambdaConcurrency}); ` +
        "raise webhealth:probeConcurrency (fewer, larger shards), or have the quota raised and set webhealth:accountQuotas.lambdaConcurrentExecutions, or move part of the targets to a stage in another account",
    ]);
  });
});
