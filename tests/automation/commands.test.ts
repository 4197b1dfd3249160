import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { GetAliasCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { parseArgs } from "../../automation/args";
import { promotionRefusal } from "../../automation/commands";
import { VERIFY_TAG } from "../../automation/verify";
import { FakeStack, lambdaPayload, mocks, run, stageOutputs, STAGES, step, testRuntime, useAwsMocks, type TestRuntime } from "./fakes";



function fakeStack(t: TestRuntime, stage = "beta"): FakeStack {
  return t.stacks.get(stage) as FakeStack;
}

const STACK_CHANGES = [
  step("same", "aws:lambda/function:Function", "recorder"),
  step("create", "aws:cloudwatch/metricAlarm:MetricAlarm", "latency-example"),
  step("create", "aws:cloudwatch/metricAlarm:MetricAlarm", "availability-example"),
  step("update", "aws:lambda/function:Function", "probe"),
  step("replace", "aws:dynamodb/table:Table", "ledger"),
  step("create-replacement", "aws:dynamodb/table:Table", "ledger"),
  step("delete-replaced", "aws:dynamodb/table:Table", "ledger"),
  step("delete", "aws:sns/topicSubscription:TopicSubscription", "old-email"),
];

/** A fresh file standing for $GITHUB_STEP_SUMMARY. */
function newSummaryFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "summary-")), "summary.md");
}

/** The first lines of beta's Markdown preview summary. */
const SUMMARY_TABLE_HEAD = ["### Preview of `beta`", "", "| Resource type | Create | Update | Replace | Delete |", "| --- | ---: | ---: | ---: | ---: |"];

describe("deploy driver: commands", () => {
  useAwsMocks();

  describe("preview", () => {
    it("previews (refreshing first) with the policy pack and summarises changes by type, also in the job summary", async () => {
      // Prepare
      const summaryFile = newSummaryFile();
      const t = testRuntime({ stepSummaryPath: summaryFile });
      fakeStack(t).previewEvents = STACK_CHANGES.filter((event) => event.resourcePreEvent?.metadata.type !== "aws:dynamodb/table:Table");
      // Act
      const code = await run(t, ["preview", "--stage", "beta"]);
      // Assess
      expect(code, t.err()).to.equal(0);
      expect(fakeStack(t).calls).to.deep.equal(["policyPacks=policy", "preview"]);
      expect(t.out()).to.contain(
        [
          "Preview of beta: 2 to create, 1 to update, 0 to replace, 1 to delete",
          "  aws:cloudwatch/metricAlarm:MetricAlarm: 2 create",
          "  aws:lambda/function:Function: 1 update",
          "  aws:sns/topicSubscription:TopicSubscription: 1 delete",
          "",
        ].join("\n"),
      );
      expect(fs.readFileSync(summaryFile, "utf8")).to.equal(
        [
          ...SUMMARY_TABLE_HEAD,
          "| `aws:cloudwatch/metricAlarm:MetricAlarm` | 2 |  |  |  |",
          "| `aws:lambda/function:Function` |  | 1 |  |  |",
          "| `aws:sns/topicSubscription:TopicSubscription` |  |  |  | 1 |",
          "| **Total** | 2 | 1 | 0 | 1 |",
          "",
          "",
        ].join("\n"),
      );
    });

    it("fails when a stateful resource would be replaced, and writes the Markdown job summary", async () => {
      // Prepare
      const summaryFile = newSummaryFile();
      const t = testRuntime({ stepSummaryPath: summaryFile });
      fakeStack(t).previewEvents = STACK_CHANGES;
      // Act
      const code = await run(t, ["preview", "--stage", "beta"]);
      // Assess
      expect(code).to.equal(1);
      expect(t.err()).to.equal(
        [
          "error: preview of beta would replace or delete stateful resources:",
          '  aws:dynamodb/table:Table "ledger" would be replaced',
          "Refusing: that loses the alarm ledger, the key's encrypted data or the topic's subscriptions. Re-run with --allow-replace if this is intended.",
          "",
        ].join("\n"),
      );
      expect(fs.readFileSync(summaryFile, "utf8")).to.equal(
        [
          ...SUMMARY_TABLE_HEAD,
          "| `aws:cloudwatch/metricAlarm:MetricAlarm` | 2 |  |  |  |",
          "| `aws:dynamodb/table:Table` |  |  | 1 |  |",
          "| `aws:lambda/function:Function` |  | 1 |  |  |",
          "| `aws:sns/topicSubscription:TopicSubscription` |  |  |  | 1 |",
          "| **Total** | 2 | 1 | 1 | 1 |",
          "",
          "**Blocked: stateful resources would be replaced or deleted:**",
          '- aws:dynamodb/table:Table "ledger" would be replaced',
          "",
          "",
        ].join("\n"),
      );
    });

    it("lets --allow-replace through, and blocks deleting the KMS key or the topic without it", async () => {
      // Prepare
      const allowed = testRuntime();
      fakeStack(allowed).previewEvents = STACK_CHANGES;
      const blocked = testRuntime();
      fakeStack(blocked).previewEvents = [step("delete", "aws:kms/key:Key", "alarms-key"), step("delete", "aws:sns/topic:Topic", "alarms")];
      // Act
      const allowedCode = await run(allowed, ["preview", "--stage", "beta", "--allow-replace"]);
      const blockedCode = await run(blocked, ["preview", "--stage", "beta"]);
      // Assess
      expect(allowedCode, allowed.err()).to.equal(0);
      expect(allowed.out()).to.contain('  STATEFUL: aws:dynamodb/table:Table "ledger" would be replaced\n');
      expect(blockedCode).to.equal(1);
      expect(blocked.err()).to.contain('  aws:kms/key:Key "alarms-key" would be deleted\n  aws:sns/topic:Topic "alarms" would be deleted\n');
    });
  });

  describe("up", () => {
    it("runs the preview checks, then up with the policy pack, then reads the outputs to shift the canaries", async () => {
      // Prepare
      const t = testRuntime();
      mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "7" });
      // Act
      const code = await run(t, ["up", "--stage", "beta"]);
      // Assess
      expect(code, t.err()).to.equal(0);
      // The record says deployed before up starts, and when every alias was live after the canaries.
      expect(fakeStack(t).calls).to.deep.equal(["policyPacks=policy", "preview", `setTag ${VERIFY_TAG}`, "up", "outputs", `setTag ${VERIFY_TAG}`]);
      expect(JSON.parse(fakeStack(t).tags.get(VERIFY_TAG) as string)).to.deep.equal({
        sha: "abc1234",
        passed: false,
        at: "2026-11-26T10:03:41.123Z",
        deployed: true,
        liveAt: "2026-11-26T10:03:41.123Z",
      });
      expect(t.out()).to.contain("== up beta\nup beta done\n== canary beta\n");
    });

    it("does not run up when the stateful guard trips", async () => {
      // Prepare
      const t = testRuntime();
      fakeStack(t).previewEvents = STACK_CHANGES;
      // Act
      const code = await run(t, ["up", "--stage", "beta"]);
      // Assess
      expect(code).to.equal(1);
      expect(fakeStack(t).calls).to.not.include("up");
    });

    it("fails clearly when the outputs miss a field of the contract", async () => {
      // Prepare
      const outputs = stageOutputs("beta");
      const { hookFunctionName: _dropped, ...probeWithoutHook } = outputs.canaryFunctions["probe-us-east-1"];
      const t = testRuntime({ stacks: [new FakeStack("beta", { ...outputs, alarmNamePrefix: undefined, canaryFunctions: { "probe-us-east-1": probeWithoutHook } })] });
      // Act
      const code = await run(t, ["up", "--stage", "beta"]);
      // Assess
      expect(code).to.equal(1);
      expect(t.err()).to.equal(
        "error: stack beta outputs do not match infra/outputs.ts:\n  alarmNamePrefix: is required\n  canaryFunctions.probe-us-east-1.hookFunctionName: is required\n",
      );
      expect(mocks.lambda.calls()).to.have.length(0);
    });

    it("waits for a locked stack with backoff and retries, never cancelling the other update", async () => {
      // Prepare
      const t = testRuntime();
      fakeStack(t).lockedFor = { up: 3 };
      mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "7" });
      // Act
      const code = await run(t, ["up", "--stage", "beta"]);
      // Assess
      expect(code, t.err()).to.equal(0);
      expect(fakeStack(t).calls.filter((call) => call === "up")).to.have.length(4);
      expect(t.slept()).to.equal(5_000 + 10_000 + 20_000);
      expect(t.err()).to.equal(
        [
          "stack beta is locked by another update; retrying in 5s (attempt 1, giving up after 15m)",
          "stack beta is locked by another update; retrying in 10s (attempt 2, giving up after 15m)",
          "stack beta is locked by another update; retrying in 20s (attempt 3, giving up after 15m)",
          "",
        ].join("\n"),
      );
    });

    it("gives up on a stack locked for longer than the bound", async () => {
      // Prepare
      const t = testRuntime();
      fakeStack(t).lockedFor = { preview: 1_000 };
      // Act
      const code = await run(t, ["up", "--stage", "beta"]);
      // Assess
      expect(code).to.equal(1);
      // 5 + 10 + 20 + 40 + 60 x 13 s = 855 s <= 15 min; one more 60 s wait would pass 900 s.
      expect(t.slept()).to.equal(855_000);
      expect(t.err()).to.match(/error: stack beta is still locked after 14m15s: another update holds it\. The driver never cancels it;/);
      expect(fakeStack(t).calls).to.not.include("up");
    });

    describe("Ctrl-C", () => {
      it("forwards one interrupt to a running up the CLI did not see, waits for it to stop, and shifts nothing (exit 130)", async () => {
        // Prepare
        const t = testRuntime();
        let engineSignal: AbortSignal | undefined;
        fakeStack(t).script.up = (hooks) =>
          new Promise((_resolve, reject) => {
            engineSignal = hooks.signal;
            hooks.signal.addEventListener("abort", () => reject(new Error("update canceled")));
            setImmediate(() => t.interrupt());
          });
        // Act
        const code = await run(t, ["up", "--stage", "beta"]);
        // Assess
        expect(code).to.equal(130);
        expect(engineSignal?.aborted).to.equal(true);
        expect(t.err()).to.contain("Ctrl-C: asking Pulumi to stop up after its in-flight operations (the stack stays consistent)...\n");
        expect(t.err()).to.contain("cancelled: up of stack beta was cancelled: Pulumi stopped after its in-flight operations\n");
        expect(fakeStack(t).calls).to.not.include("outputs");
        expect(mocks.lambda.calls()).to.have.length(0);
      });

      it("sends no second interrupt when the CLI got Ctrl-C itself (a second one would make it stop at once)", async () => {
        // Prepare
        const t = testRuntime();
        let engineSignal: AbortSignal | undefined;
        fakeStack(t).script.up = (hooks) =>
          new Promise((_resolve, reject) => {
            engineSignal = hooks.signal;
            setImmediate(() => {
              t.interrupt();
              hooks.onOutput("^C received; cancelling. If you would like to terminate immediately, press ^C again.\n");
              // The CLI finishes its in-flight operations, then exits with an error after the grace period.
              setTimeout(() => reject(new Error("update canceled")), 60);
            });
          });
        // Act
        const code = await run(t, ["up", "--stage", "beta"]);
        // Assess
        expect(code).to.equal(130);
        expect(engineSignal?.aborted).to.equal(false);
        expect(mocks.lambda.calls()).to.have.length(0);
      });

      it("stops waiting for a locked stack", async () => {
        // Prepare
        const t = testRuntime();
        fakeStack(t).lockedFor = { preview: 1_000 };
        t.onSleep(() => t.interrupt());
        // Act
        const code = await run(t, ["preview", "--stage", "beta"]);
        // Assess
        expect(code).to.equal(130);
        expect(fakeStack(t).calls).to.deep.equal(["policyPacks=policy", "preview"]);
      });
    });
  });

  describe("promote", () => {
    const record = (sha: string, passed: boolean) => JSON.stringify({ sha, passed, at: "2026-11-26T10:00:00.000Z" });

    it("table: refuses unless the previous stage passed verify at this commit", () => {
      const cases: Array<[string | undefined, string | undefined]> = [
        [undefined, "beta has no verify record: run verify on beta first"],
        [record("old5678", true), "beta's last verify was at old5678 (2026-11-26T10:00:00.000Z), not at this commit abc1234"],
        [record("abc1234", false), "beta's last verify at abc1234 failed (2026-11-26T10:00:00.000Z)"],
        [JSON.stringify({ sha: "abc1234", passed: false, at: "2026-11-26T10:00:00.000Z", deployed: true }), "beta was deployed at abc1234 (2026-11-26T10:00:00.000Z) and not verified since"],
        [
          JSON.stringify({ sha: "abc1234", passed: false, at: "2026-11-26T10:00:00.000Z", rolledBack: true }),
          "beta was rolled back from abc1234 (2026-11-26T10:00:00.000Z): fix forward with a new commit, deployed and verified on beta",
        ],
        [record("abc1234", true), undefined],
      ];
      for (const [tag, expected] of cases) {
        expect(promotionRefusal("beta", tag === undefined ? undefined : JSON.parse(tag), "abc1234"), tag).to.equal(expected);
      }
    });

    it("refuses to promote to gamma when beta's last verify failed, touching nothing of gamma", async () => {
      // Prepare
      const t = testRuntime({ stacks: [new FakeStack("beta"), new FakeStack("gamma")] });
      fakeStack(t, "beta").tags.set(VERIFY_TAG, record("abc1234", false));
      // Act
      const code = await run(t, ["promote", "--to", "gamma"]);
      // Assess
      expect(code).to.equal(1);
      expect(t.err()).to.equal("error: refusing to promote to gamma: beta's last verify at abc1234 failed (2026-11-26T10:00:00.000Z)\n");
      expect(fakeStack(t, "gamma").calls).to.deep.equal([]);
    });

    it("previews, ups and verifies gamma when beta passed at this commit", async () => {
      // Prepare: gamma's canary already on its version, so only verify's calls remain to script.
      const t = testRuntime({ stacks: [new FakeStack("beta"), new FakeStack("gamma")] });
      fakeStack(t, "beta").tags.set(VERIFY_TAG, record("abc1234", true));
      mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "7" });
      // verify's first step fails here (the probe crashes), which is enough to show it ran on gamma.
      mocks.lambda.on(InvokeCommand).resolves({ FunctionError: "Unhandled", Payload: lambdaPayload('{"errorMessage":"boom"}') });
      // Act
      const code = await run(t, ["promote", "--to", "gamma", "--bake", "0"]);
      // Assess
      expect(fakeStack(t, "gamma").calls).to.deep.equal(["policyPacks=policy", "preview", `setTag ${VERIFY_TAG}`, "up", "outputs", `setTag ${VERIFY_TAG}`, "outputs", `setTag ${VERIFY_TAG}`]);
      expect(code).to.equal(1);
      expect(t.out()).to.contain("beta passed verify at abc1234 (2026-11-26T10:00:00.000Z): promoting to gamma\n");
      expect(t.err()).to.contain(`probe-us-east-1 (${stageOutputs("gamma").canaryFunctions["probe-us-east-1"].functionName}:live): the self-test invocation failed (Unhandled): {"errorMessage":"boom"}`);
      expect(JSON.parse(fakeStack(t, "gamma").tags.get(VERIFY_TAG) as string)).to.deep.equal({ sha: "abc1234", passed: false, at: "2026-11-26T10:03:41.123Z" });
    });
  });

  describe("outputs and destroy", () => {
    it("prints the outputs as JSON with --json, each function with the version its live alias serves", async () => {
      // Prepare: the probe's canary was rolled back (live serves 6, the stack published 7); the recorder is on 7.
      const t = testRuntime();
      const outputs = stageOutputs("beta");
      mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "7" });
      mocks.lambda.on(GetAliasCommand, { FunctionName: outputs.canaryFunctions["probe-us-east-1"].functionName }).resolves({ FunctionVersion: "6" });
      // Act
      const code = await run(t, ["outputs", "--stage", "beta", "--json"]);
      // Assess
      expect(code, t.err()).to.equal(0);
      expect(JSON.parse(t.out())).to.deep.equal({
        ...outputs,
        canaryFunctions: {
          "probe-us-east-1": { ...outputs.canaryFunctions["probe-us-east-1"], liveVersion: "6" },
          recorder: { ...outputs.canaryFunctions.recorder, liveVersion: "7" },
          notifier: { ...outputs.canaryFunctions.notifier, liveVersion: "7" },
        },
      });
    });

    it("prints the outputs for people without --json: the version live really serves (GetAlias), not the latest published", async () => {
      // Prepare
      const t = testRuntime();
      const probe = stageOutputs("beta").canaryFunctions["probe-us-east-1"];
      mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "7" });
      mocks.lambda.on(GetAliasCommand, { FunctionName: probe.functionName }).resolves({ FunctionVersion: "6", RoutingConfig: { AdditionalVersionWeights: { "7": 0.1 } } });
      // Act
      const code = await run(t, ["outputs", "--stage", "beta"]);
      // Assess
      expect(code).to.equal(0);
      expect(t.out()).to.contain(`estimatedMonthlyCostUsd  ${stageOutputs("beta").estimatedMonthlyCostUsd.toFixed(2)}\n`);
      expect(t.out()).to.contain(
        `  probe-us-east-1: ${probe.functionName}:live -> version 6 (10% to version 7) (published: 7; us-east-1, ${probe.codeDeployApplication}/${probe.deploymentGroup}, hook ${probe.hookFunctionName})\n`,
      );
    });

    it("still prints the outputs when GetAlias fails, saying so on stderr", async () => {
      // Prepare
      const t = testRuntime();
      mocks.lambda.on(GetAliasCommand).rejects(Object.assign(new Error("not authorized to perform: lambda:GetAlias"), { name: "AccessDeniedException", $metadata: {} }));
      // Act
      const code = await run(t, ["outputs", "--stage", "beta", "--json"]);
      // Assess
      expect(code).to.equal(0);
      expect(JSON.parse(t.out()).canaryFunctions.recorder.liveVersion).to.equal(null);
      expect(t.err()).to.contain(`warning: recorder: could not read the live alias of ${stageOutputs("beta").canaryFunctions.recorder.functionName} (GetAlias): AWS AccessDeniedException: not authorized to perform: lambda:GetAlias\n`);
    });

    it("says the stage was never deployed when it has no outputs", async () => {
      // Prepare
      const t = testRuntime({ stacks: [new FakeStack("beta", {})] });
      // Act
      const code = await run(t, ["outputs", "--stage", "beta"]);
      // Assess
      expect(code).to.equal(1);
      expect(t.err()).to.equal("error: stack beta has no outputs: it has not been deployed yet (run up first)\n");
    });

    it("destroys a non-prod stage", async () => {
      // Prepare
      const t = testRuntime({ stacks: [new FakeStack("gamma")] });
      // Act
      const code = await run(t, ["destroy", "--stage", "gamma"]);
      // Assess
      expect(code).to.equal(0);
      expect(fakeStack(t, "gamma").calls).to.deep.equal(["destroy"]);
    });

    it("destroys prod only with --yes-destroy-prod", async () => {
      // Prepare
      const t = testRuntime({ stacks: [new FakeStack("prod")] });
      // Act
      const refused = parseArgs(["destroy", "--stage", "prod"], STAGES);
      const code = await run(t, ["destroy", "--stage", "prod", "--yes-destroy-prod"]);
      // Assess
      expect(refused).to.deep.equal({ kind: "error", message: "destroy --stage prod: refusing without --yes-destroy-prod" });
      expect(code).to.equal(0);
      expect(fakeStack(t, "prod").calls).to.deep.equal(["destroy"]);
    });
  });
});
