/**
 * The driver against a simulated AWS that behaves like the real services over time (world.ts):
 * alarms that evaluate every minute on what the probe publishes, CodeDeploy deployments that
 * shift traffic and roll back through a deployment of their own, SNS filter policies. The stage's
 * resources and outputs come from the program's synth of the fixture stage files.
 */
import { expect } from "chai";
import { shiftAlias } from "../../automation/canary";
import { formatVerifyRecord, VERIFY_TAG } from "../../automation/verify";
import { verifyNotification } from "../../automation/verify";
import { FakeStack, run, START, testRuntime, type TestRuntime } from "./fakes";
import { fixtureOutputs, synthFixture } from "./stage-fixture";
import { World } from "./world";

const MINUTE = 60_000;

/** A stage just deployed by `up` at START (its record says so), in a world whose probes start a minute later. */
function deployedStage(stage: string): { t: TestRuntime; world: World; stack: FakeStack } {
  const outputs = fixtureOutputs(stage);
  const stack = new FakeStack(stage, outputs);
  stack.tags.set(VERIFY_TAG, formatVerifyRecord({ sha: "abc1234", passed: false, at: START.toISOString(), deployed: true, liveAt: START.toISOString() }));
  const t = testRuntime({ stacks: [stack] });
  const world = new World(synthFixture(stage), outputs, () => t.runtime.now().getTime());
  world.attach(t.runtime);
  return { t, world, stack };
}

function record(stack: FakeStack) {
  return JSON.parse(stack.tags.get(VERIFY_TAG) as string);
}

/** The output lines that start with `prefix`. */
function lines(t: TestRuntime, prefix: string): string[] {
  return t.out().split("\n").filter((line) => line.startsWith(prefix));
}

describe("deploy driver scenarios against a simulated AWS", function () {
  this.timeout(60_000);
  let worlds: World[] = [];
  const track = <T extends { world: World }>(value: T): T => {
    worlds.push(value.world);
    return value;
  };
  afterEach(() => {
    for (const world of worlds) world.restore();
    worlds = [];
  });

  describe("verify after the first up", () => {
    it("warms up while new alarms go INSUFFICIENT_DATA -> ALARM for want of data -> OK, then bakes and passes", async () => {
      // Prepare: a brand-new stage; the probe's first scheduled run publishes a minute after the deployment.
      const { t, world, stack } = track(deployedStage("beta"));
      world.conditions.confirmed.add("beta-alerts@example.com");
      // Act
      const code = await run(t, ["verify", "--stage", "beta", "--bake", "2m"]);
      // Assess
      expect(code, t.err()).to.equal(0);
      // Without the warm-up the bake would have judged missing data: probe health was in ALARM on it.
      expect(world.alarm("webhealth-beta-probe-health").history).to.deep.equal(["INSUFFICIENT_DATA", "ALARM", "OK"]);
      expect(world.alarm("webhealth-beta-wikipedia-availability").history).to.deep.equal(["INSUFFICIENT_DATA", "ALARM", "OK"]);
      const warmup = lines(t, "warm-up: ");
      expect(warmup[0]).to.equal(
        `warm-up: waiting up to 5m for every probe region's heartbeat after ${START.toISOString()} and for the alarms created or changed since ${START.toISOString()} to be evaluated on data`,
      );
      expect(warmup.some((line) => line.includes("webhealth-beta-probe-health ALARM for want of data"))).to.equal(true);
      expect(warmup.some((line) => line.includes("heartbeat from us-east-1"))).to.equal(true);
      expect(warmup.filter((line) => line.startsWith("warm-up: done"))).to.have.length(1);
      expect(warmup.find((line) => line.startsWith("warm-up: done"))).to.match(/^warm-up: done after \d+m(\d+s)?: every heartbeat has data and 15 alarm\(s\) have been evaluated on it$/);
      // A progress line at least every 30 s: one per poll, until it was done.
      const progress = warmup.filter((line) => / left, waiting for /.test(line));
      expect(progress.length).to.be.at.least(2);
      expect(t.out()).to.contain("bake: no webhealth alarm fired in 2m\n");
      expect(record(stack)).to.include({ sha: "abc1234", passed: true });
    });

    it("fails a warm-up that runs out, listing the regions and alarms still without data", async () => {
      // Prepare: gamma's eu-west-1 probe never runs.
      const { t, world, stack } = track(deployedStage("gamma"));
      delete world.conditions.probeStartsAt["eu-west-1"];
      // Act
      const code = await run(t, ["verify", "--stage", "gamma", "--warmup", "3m", "--bake", "1m"]);
      // Assess
      expect(code).to.equal(1);
      expect(t.err()).to.match(
        /^error: verify of gamma failed at abc1234:\n {2}warm-up: after 3m still without data: probe regions eu-west-1 \(no TargetsProbed datapoint after 2026-11-26T10:03:41\.123Z\); alarms [^\n]*webhealth-gamma-probe-health-eu-west-1 \(ALARM for want of data\)[^\n]*\. Check the probe's schedule, logs and failure queue; a longer --warmup helps when the first runs are just late\n$/,
      );
      expect(lines(t, "bake:")).to.deep.equal([]);
      expect(record(stack).passed).to.equal(false);
    });
  });

  describe("the bake judges webhealth, not the websites", () => {
    it("reports a target alarm stuck in ALARM (which target, since when, why) and passes while webhealth is healthy", async () => {
      // Prepare: wikipedia is down for the whole verify.
      const { t, world, stack } = track(deployedStage("beta"));
      world.conditions.targetsDown.add("https://www.wikipedia.org/");
      // Act
      const code = await run(t, ["verify", "--stage", "beta", "--bake", "3m"]);
      // Assess
      expect(code, t.err()).to.equal(0);
      expect(world.alarm("webhealth-beta-wikipedia-availability").state).to.equal("ALARM");
      const since = new Date(world.alarm("webhealth-beta-wikipedia-availability").transitionedAt).toISOString();
      expect(t.out()).to.contain(`probe-us-east-1 (webhealth-beta-probe-us-east-1:live): https://www.wikipedia.org/ FAILING (reported, not a deploy failure): 503\n`);
      expect(lines(t, "bake: target alarm ")[0]).to.match(
        new RegExp(`^bake: target alarm webhealth-beta-wikipedia-availability \\(https://www\\.wikipedia\\.org/\\) in ALARM since ${since.replace(/\./g, "\\.")}: Threshold Crossed: .+ \\(reported, not a deploy failure\\)$`),
      );
      expect(t.out()).to.contain("bake: target alarms still in ALARM (reported, not a deploy failure):\n  webhealth-beta-wikipedia-availability (https://www.wikipedia.org/) in ALARM since");
      expect(record(stack)).to.include({ passed: true });
    });

    it("fails when the probe-health alarm fires mid-bake, with a progress line on every poll before it", async () => {
      // Prepare: the probe stops probing its targets 6 minutes in (after the warm-up).
      const { t, world, stack } = track(deployedStage("beta"));
      world.conditions.probeBrokenFrom["us-east-1"] = START.getTime() + 6 * MINUTE;
      // Act
      const code = await run(t, ["verify", "--stage", "beta", "--bake", "15m"]);
      // Assess
      expect(code).to.equal(1);
      expect(t.err()).to.match(/^error: verify of beta failed at abc1234:\n {2}bake: alarm webhealth-beta-probe-health is in ALARM after \d+m(\d+s)?: Threshold Crossed: [^\n]+\n$/);
      const bakeLines = lines(t, "bake: ").filter((line) => line.includes(" left, watching "));
      expect(bakeLines.length).to.be.at.least(2);
      // Probe health, the recorder's and the notifier's dead letters, the notifier's errors and duration, the probe's and recorder's rollback alarms.
      expect(bakeLines[0]).to.match(/^bake: \d+m(\d+s)? left, watching 9 webhealth alarm\(s\) in us-east-1: none in ALARM; no target alarm in ALARM$/);
      expect(record(stack).passed).to.equal(false);
    });
  });

  describe("who will be told, and no fake page", () => {
    it("lists pending e-mail subscriptions and warns, without failing, when no person is subscribed", async () => {
      // Prepare: gamma's two addresses never confirmed.
      const { t, stack } = track(deployedStage("gamma"));
      // Act
      const code = await run(t, ["verify", "--stage", "gamma", "--bake", "0"]);
      // Assess
      expect(code, t.err()).to.equal(0);
      // Each address is subscribed to the notifier's e-mail topic and, for its own alarms, to the operators topic.
      expect(lines(t, "subscriptions: ")).to.deep.equal(
        ["email", "operators"].flatMap((topic) =>
          ["gamma-alerts@example.com", "sre-team@example.com"].map(
            (address) => `subscriptions: email ${address} on webhealth-gamma-${topic} is pending confirmation: it receives nothing until the link in AWS's e-mail is followed`,
          ),
        ),
      );
      const outputs = fixtureOutputs("gamma");
      expect(lines(t, "warning: ")).to.deep.equal([
        `warning: subscriptions: no confirmed human subscriber on ${outputs.topicArn}, ${outputs.emailTopicArn}, ${outputs.operatorsTopicArn}: alarms reach the ledger but no person (4 pending confirmation)`,
      ]);
      expect(record(stack).passed).to.equal(true);
    });

    it("records the test notification in the ledger but e-mails nobody, while a real alarm still reaches e-mail", async () => {
      // Prepare
      const { t, world } = track(deployedStage("beta"));
      world.conditions.confirmed.add("beta-alerts@example.com");
      // Act
      const code = await run(t, ["verify", "--stage", "beta", "--bake", "0"]);
      // A real CloudWatch notification: no message attributes, no test mark.
      const { WebhealthTest: _mark, ...real } = verifyNotification(fixtureOutputs("beta"), "webhealth-beta-wikipedia-availability", START);
      world.publish({ TopicArn: world.outputs.topicArn, Message: JSON.stringify(real), Subject: "ALARM: real" });
      // Assess
      expect(code, t.err()).to.equal(0);
      expect(t.out()).to.contain("subscriptions: 2 confirmed human subscriber(s): email beta-alerts@example.com on webhealth-beta-email, email beta-alerts@example.com on webhealth-beta-operators\n");
      expect(t.out()).to.not.contain("has no filter for verify's test notification");
      expect(t.out()).to.contain("notification: the recorder wrote it to webhealth-beta-alarm-ledger (test item deleted)\n");
      // The real alarm reaches the e-mail channel through the notifier, as a readable message; the test reached nobody.
      expect(world.emailed).to.deep.equal([{ endpoint: "beta-alerts@example.com", subject: "ALARM: wikipedia is down [beta]" }]);
      expect([...world.ledger.keys()]).to.deep.equal([`webhealth-beta-wikipedia-availability\n${START.toISOString()}`]);
    });
  });

  describe("rollback during an incident", () => {
    it("creates its deployment with the group's alarms off and all at once, so the firing errors alarm cannot stop it", async () => {
      // Prepare: version 6 throws errors, its errors alarm is in ALARM; 10 minutes have passed.
      const { t, world } = track(deployedStage("beta"));
      const probe = world.outputs.canaryFunctions["probe-us-east-1"];
      world.conditions.errorsFrom[probe.functionName] = START.getTime();
      await t.runtime.sleep(10 * MINUTE);
      world.tick();
      expect(world.alarm("webhealth-beta-probe-us-east-1-errors").state).to.equal("ALARM");
      // Act
      const code = await run(t, ["rollback", "--stage", "beta", "--function", "probe-us-east-1", "--version", "5"]);
      // Assess
      expect(code, t.err()).to.equal(0);
      expect(world.created()[0]).to.deep.include({ overrideAlarmConfiguration: { enabled: false }, deploymentConfigName: "CodeDeployDefault.LambdaAllAtOnce" });
      expect(world.aliases.get(probe.functionName)).to.deep.equal({ version: "5", weights: {} });
    });

    it("(the same deployment without the override is stopped by that alarm)", async () => {
      // Prepare
      const { t, world } = track(deployedStage("beta"));
      const probe = world.outputs.canaryFunctions["probe-us-east-1"];
      world.conditions.errorsFrom[probe.functionName] = START.getTime();
      await t.runtime.sleep(10 * MINUTE);
      // Act
      const shifted = shiftAlias(t.runtime, "probe-us-east-1", probe, "5", "test without override");
      // Assess
      const failure = await shifted.then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failure?.message).to.match(/deployment d-SIM1 was stopped/);
      expect(world.aliases.get(probe.functionName)).to.deep.equal({ version: "6", weights: {} });
    });
  });

  describe("one stage, one outcome", () => {
    it("rolls back a function already shifted when a later canary fails; up exits 1 printing each function's final version", async () => {
      // Prepare: gamma shifts probe-eu-west-1, then probe-us-east-1, whose new code throws errors.
      const outputs = fixtureOutputs("gamma");
      const stack = new FakeStack("gamma", outputs);
      const t = testRuntime({ stacks: [stack] });
      const world = track({ world: new World(synthFixture("gamma"), outputs, () => t.runtime.now().getTime()) }).world;
      world.attach(t.runtime);
      world.conditions.errorsFrom[outputs.canaryFunctions["probe-us-east-1"].functionName] = START.getTime() + 12 * MINUTE;
      // Act
      const code = await run(t, ["up", "--stage", "gamma"]);
      // Assess
      expect(code).to.equal(1);
      // Every function, the notifier (shifted first: functions go in name order) included, is back on 6.
      expect([...world.aliases.values()]).to.deep.equal(Array(4).fill({ version: "6", weights: {} }));
      const [notifierCanary, euCanary, usCanary, euRollback, notifierRollback] = world.created();
      expect([notifierCanary, euCanary, usCanary, euRollback, notifierRollback].map((created) => created.deploymentGroupName)).to.deep.equal([
        "webhealth-gamma-notifier",
        "webhealth-gamma-probe-eu-west-1",
        "webhealth-gamma-probe-us-east-1",
        "webhealth-gamma-probe-eu-west-1",
        "webhealth-gamma-notifier",
      ]);
      for (const rollback of [euRollback, notifierRollback]) expect(rollback).to.deep.include({ overrideAlarmConfiguration: { enabled: false }, deploymentConfigName: "CodeDeployDefault.LambdaAllAtOnce" });
      expect(t.out()).to.match(/== one outcome for gamma: probe-us-east-1 failed, rolling back (notifier, probe-eu-west-1|probe-eu-west-1, notifier), already shifted by this up\n/);
      expect(t.err()).to.match(/^error: probe-us-east-1 \(webhealth-gamma-probe-us-east-1:live\): deployment d-SIM3 was stopped\n/);
      expect(t.err()).to.contain(
        [
          "gamma: one outcome for the stage: every function is back on the version it had before this up",
          "final versions (live alias, GetAlias):",
          "  notifier: version 6 (shifted to 7 by this up, then rolled back)",
          "  probe-eu-west-1: version 6 (shifted to 7 by this up, then rolled back)",
          "  probe-us-east-1: version 6 (its canary failed)",
          "  recorder: version 6 (not shifted: an earlier canary failed)",
          "",
        ].join("\n"),
      );
      // The stage is not live on this commit: no liveAt, promote refuses until a verify passes.
      expect(record(stack)).to.deep.equal({ sha: "abc1234", passed: false, at: START.toISOString(), deployed: true });
    });

    it("follows CodeDeploy's own rollback deployment to its end before reading the alias or advising anything", async () => {
      // Prepare: gamma's first canary (linear 10% a minute) is stopped 3 minutes in; CodeDeploy's rollback takes 2 minutes.
      const outputs = fixtureOutputs("gamma");
      const t = testRuntime({ stacks: [new FakeStack("gamma", outputs)] });
      const world = track({ world: new World(synthFixture("gamma"), outputs, () => t.runtime.now().getTime()) }).world;
      world.attach(t.runtime);
      world.conditions.rollbackTakesMs = 2 * MINUTE;
      world.conditions.errorsFrom[outputs.canaryFunctions["probe-eu-west-1"].functionName] = START.getTime() + 2 * MINUTE;
      // Act
      const code = await run(t, ["up", "--stage", "gamma"]);
      // Assess
      expect(code).to.equal(1);
      // d-SIM1 is the notifier's canary (functions go in name order); d-SIM2 the probe's, rolled back through d-SIM3.
      expect(t.out()).to.contain("probe-eu-west-1 (webhealth-gamma-probe-eu-west-1:live): CodeDeploy rolls d-SIM2 back through deployment d-SIM3; following it to its end\n");
      expect(t.out()).to.contain("probe-eu-west-1 (webhealth-gamma-probe-eu-west-1:live): d-SIM3 Succeeded\n");
      // Read after CodeDeploy's rollback ended: back on one version, no advice to change the alias by hand.
      expect(t.err()).to.contain("  CodeDeploy's rollback deployment d-SIM3 ended: Succeeded\n  the live alias is back on version 6, the version it had before; the new version serves no traffic\n");
      expect(t.err()).to.not.contain("update-alias");
      expect(t.err()).to.contain("  notifier: version 6 (shifted to 7 by this up, then rolled back)\n");
      // The notifier's canary, the probe's, and the notifier's rollback.
      expect(world.created()).to.have.length(3);
    });
  });
});
