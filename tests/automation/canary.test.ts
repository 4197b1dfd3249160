import { expect } from "chai";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
  type LifecycleEventStatus,
} from "@aws-sdk/client-codedeploy";
import { GetAliasCommand, ListVersionsByFunctionCommand } from "@aws-sdk/client-lambda";
import { lambdaAppSpec } from "../../automation/canary";
import { VERIFY_TAG } from "../../automation/verify";
import { createHash } from "node:crypto";
import { FakeStack, mocks, run, stageOutputs, testRuntime as baseRuntime, useAwsMocks } from "./fakes";

// Names from the program's synth of the fixture beta stage; these tests shift its probe alone.
const outputs = stageOutputs("beta");
const probe = outputs.canaryFunctions["probe-us-east-1"];
const LABEL = `probe-us-east-1 (${probe.functionName}:live)`;
const FN = probe.functionName;
const GROUP = `${probe.codeDeployApplication}/${probe.deploymentGroup}`;

/** A beta stack whose only canary function is the probe (the multi-function cases are in scenarios.test.ts). */
function testRuntime() {
  return baseRuntime({ stacks: [new FakeStack("beta", { ...outputs, canaryFunctions: { "probe-us-east-1": probe } })] });
}

/** The one-outcome report `up` appends to a failed canary of its only function. */
function finalVersions(version: string): string {
  return ["beta: no function was shifted by this up", "final versions (live alias, GetAlias):", `  probe-us-east-1: version ${version} (its canary failed)`].join("\n");
}


function lifecycle(...events: Array<[string, string]>) {
  return { deploymentTarget: { lambdaTarget: { lifecycleEvents: events.map(([lifecycleEventName, status]) => ({ lifecycleEventName, status: status as LifecycleEventStatus })) } } };
}

/** A group with no deployment running and a deployment d-NEW that reaches `finalStatus` on the third poll. */
function scriptDeployment(finalStatus: "Succeeded" | "Stopped" | "Failed") {
  mocks.codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
  mocks.codeDeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-NEW" });
  mocks.codeDeploy
    .on(GetDeploymentCommand)
    .resolvesOnce({ deploymentInfo: { status: "Created" } })
    .resolvesOnce({ deploymentInfo: { status: "InProgress" } })
    .resolves({
      deploymentInfo:
        finalStatus === "Succeeded"
          ? { status: "Succeeded" }
          : {
              status: finalStatus,
              errorInformation: { code: "ALARM_ACTIVE", message: "One or more alarms have been activated according to the Amazon CloudWatch metrics you selected" },
              rollbackInfo: { rollbackMessage: "Deployment d-NEW was rolled back: alarm activated" },
            },
    });
  mocks.codeDeploy.on(ListDeploymentTargetsCommand).resolves({ targetIds: [`${FN}:live`] });
  const last: Array<[string, string]> =
    finalStatus === "Succeeded"
      ? [["BeforeAllowTraffic", "Succeeded"], ["AllowTraffic", "Succeeded"], ["AfterAllowTraffic", "Skipped"]]
      : [["BeforeAllowTraffic", "Succeeded"], ["AllowTraffic", "Failed"], ["AfterAllowTraffic", "Skipped"]];
  mocks.codeDeploy
    .on(GetDeploymentTargetCommand)
    .resolvesOnce(lifecycle(["BeforeAllowTraffic", "Pending"], ["AllowTraffic", "Pending"]))
    .resolvesOnce(lifecycle(["BeforeAllowTraffic", "InProgress"], ["AllowTraffic", "Pending"]))
    .resolves(lifecycle(...last));
}

describe("deploy driver: CodeDeploy canary shift", () => {
  useAwsMocks();

  it("writes the AWS Lambda AppSpec with version 0.0, the versions and the pre-traffic hook", () => {
    // Prepare / Act
    const content = lambdaAppSpec("probe-us-east-1", probe, "6", "7");
    // Assess
    expect(content).to.equal(
      '{"version":0.0,"Resources":[{"probeuseast1":{"Type":"AWS::Lambda::Function","Properties":' +
        `{"Name":"${FN}","Alias":"live","CurrentVersion":"6","TargetVersion":"7"}}}],` +
        `"Hooks":[{"BeforeAllowTraffic":"${probe.hookFunctionName}"}]}`,
    );
    expect(JSON.parse(content).Resources[0].probeuseast1.Properties.TargetVersion).to.equal("7");
  });

  it("does nothing when the live alias already points at the published version", async () => {
    // Prepare
    const t = testRuntime();
    mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "7" });
    // Act
    const code = await run(t, ["up", "--stage", "beta"]);
    // Assess
    expect(code).to.equal(0);
    expect(t.out()).to.contain(`${LABEL}: already on version 7, nothing to shift\n`);
    expect(mocks.codeDeploy.commandCalls(ListDeploymentsCommand)).to.have.length(0);
    expect(mocks.codeDeploy.commandCalls(CreateDeploymentCommand)).to.have.length(0);
  });

  it("runs a successful canary: creates the deployment and prints each lifecycle event as it changes", async () => {
    // Prepare
    const t = testRuntime();
    mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "6" });
    scriptDeployment("Succeeded");
    // Act
    const code = await run(t, ["up", "--stage", "beta"]);
    // Assess
    expect(code, t.err()).to.equal(0);
    const list = mocks.codeDeploy.commandCalls(ListDeploymentsCommand)[0].args[0].input;
    expect(list).to.deep.equal({
      applicationName: probe.codeDeployApplication,
      deploymentGroupName: probe.deploymentGroup,
      includeOnlyStatuses: ["Created", "Queued", "InProgress", "Baking", "Ready"],
    });
    const create = mocks.codeDeploy.commandCalls(CreateDeploymentCommand)[0].args[0].input;
    expect(create.applicationName).to.equal(probe.codeDeployApplication);
    expect(create.deploymentGroupName).to.equal(probe.deploymentGroup);
    // An up's canary keeps the group's alarms and traffic-shifting config (only rollbacks override them).
    expect(create.overrideAlarmConfiguration).to.equal(undefined);
    expect(create.deploymentConfigName).to.equal(undefined);
    expect(create.revision).to.deep.equal({
      revisionType: "AppSpecContent",
      // The content's SHA-256 in hex (sha256sum of the AppSpec above).
      appSpecContent: {
        content: lambdaAppSpec("probe-us-east-1", probe, "6", "7"),
        sha256: createHash("sha256").update(lambdaAppSpec("probe-us-east-1", probe, "6", "7"), "utf8").digest("hex"),
      },
    });
    const canary = t.out().slice(t.out().indexOf("== canary beta\n"));
    expect(canary).to.equal(
      [
        "== canary beta",
        `${LABEL}: deployment d-NEW shifts live from version 6 to 7`,
        `${LABEL}: d-NEW Created`,
        `${LABEL}:   BeforeAllowTraffic Pending`,
        `${LABEL}:   AllowTraffic Pending`,
        `${LABEL}: d-NEW InProgress`,
        `${LABEL}:   BeforeAllowTraffic InProgress`,
        `${LABEL}: d-NEW Succeeded`,
        `${LABEL}:   BeforeAllowTraffic Succeeded`,
        `${LABEL}:   AllowTraffic Succeeded`,
        `${LABEL}:   AfterAllowTraffic Skipped`,
        `${LABEL}: deployment d-NEW succeeded, live is on version 7`,
        "",
      ].join("\n"),
    );
    expect(t.slept()).to.equal(2 * t.runtime.timings.deploymentPollMs);
  });

  it("fails when an alarm rolls the canary back, saying the alias is back on the old version and which alarm fired", async () => {
    // Prepare
    const t = testRuntime();
    mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "6" });
    scriptDeployment("Stopped");
    mocks.codeDeploy
      .on(GetDeploymentGroupCommand)
      .resolves({ deploymentGroupInfo: { alarmConfiguration: { enabled: true, alarms: [{ name: "webhealth-beta-probe-errors" }, { name: "webhealth-beta-probe-throttles" }] } } });
    mocks.cloudWatch
      .on(DescribeAlarmsCommand, { AlarmNames: ["webhealth-beta-probe-errors", "webhealth-beta-probe-throttles"], StateValue: "ALARM", AlarmTypes: ["MetricAlarm", "CompositeAlarm"] })
      .resolves({ MetricAlarms: [{ AlarmName: "webhealth-beta-probe-errors", StateReason: "Threshold Crossed: 1 datapoint [2.0] was greater than the threshold (0.0)." }] });
    // Act
    const code = await run(t, ["up", "--stage", "beta"]);
    // Assess
    expect(code).to.equal(1);
    expect(t.err()).to.equal(
      [
        `error: ${LABEL}: deployment d-NEW was stopped`,
        "  the live alias is back on version 6, the version it had before; the new version serves no traffic",
        "  why: ALARM_ACTIVE: One or more alarms have been activated according to the Amazon CloudWatch metrics you selected",
        "  rollback: Deployment d-NEW was rolled back: alarm activated",
        "  alarm in ALARM: webhealth-beta-probe-errors: Threshold Crossed: 1 datapoint [2.0] was greater than the threshold (0.0).",
        '  the stack state records the new version; fix forward with a new commit (see "Incident operations" in the README)',
        finalVersions("6"),
        "",
      ].join("\n"),
    );
    expect(t.out()).to.contain(`${LABEL}:   AllowTraffic Failed\n`);
    // The stage no longer counts as verified: promote refuses until a new verify passes.
    expect(JSON.parse(t.stacks.get("beta")?.tags.get(VERIFY_TAG) as string)).to.include({ passed: false, deployed: true });
  });

  it("fails when the pre-traffic hook rejects the new version, saying the alias stayed on the old one and why", async () => {
    // Prepare: the hook reports Failed, so CodeDeploy fails the deployment before any traffic moves.
    const t = testRuntime();
    mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "6" });
    mocks.codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
    mocks.codeDeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-HOOK" });
    mocks.codeDeploy
      .on(GetDeploymentCommand)
      .resolvesOnce({ deploymentInfo: { status: "InProgress" } })
      .resolves({
        deploymentInfo: {
          status: "Failed",
          errorInformation: { code: "HOOK_EXECUTION_FAILURE", message: "The deployment failed because of a failed BeforeAllowTraffic lifecycle event hook" },
        },
      });
    mocks.codeDeploy.on(ListDeploymentTargetsCommand).resolves({ targetIds: [`${FN}:live`] });
    mocks.codeDeploy.on(GetDeploymentTargetCommand).resolves({
      deploymentTarget: {
        lambdaTarget: {
          lifecycleEvents: [
            { lifecycleEventName: "BeforeAllowTraffic", status: "Failed", diagnostics: { errorCode: "UnknownError", message: "self-test failed: loopback (connect ECONNREFUSED)" } },
            { lifecycleEventName: "AllowTraffic", status: "Skipped" },
          ],
        },
      },
    });
    mocks.codeDeploy.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: { alarmConfiguration: { enabled: true, alarms: [{ name: "webhealth-beta-probe-errors" }] } } });
    mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    // Act
    const code = await run(t, ["up", "--stage", "beta"]);
    // Assess
    expect(code).to.equal(1);
    expect(t.out()).to.contain(`${LABEL}:   BeforeAllowTraffic Failed (UnknownError: self-test failed: loopback (connect ECONNREFUSED))\n`);
    expect(t.err()).to.equal(
      [
        `error: ${LABEL}: deployment d-HOOK failed`,
        "  the live alias is back on version 6, the version it had before; the new version serves no traffic",
        "  why: HOOK_EXECUTION_FAILURE: The deployment failed because of a failed BeforeAllowTraffic lifecycle event hook",
        '  the stack state records the new version; fix forward with a new commit (see "Incident operations" in the README)',
        finalVersions("6"),
        "",
      ].join("\n"),
    );
    expect(JSON.parse(t.stacks.get("beta")?.tags.get(VERIFY_TAG) as string)).to.include({ passed: false, deployed: true });
  });

  it("refuses to start while another deployment of the group is in progress", async () => {
    // Prepare
    const t = testRuntime();
    mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "6" });
    mocks.codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ["d-OTHER"] });
    // Act
    const code = await run(t, ["up", "--stage", "beta"]);
    // Assess
    expect(code).to.equal(1);
    expect(t.err()).to.equal(
      `error: ${LABEL}: deployment d-OTHER is already in progress in ${GROUP}; refusing to start another (CodeDeploy runs one per group). ` +
        `Wait for it, or stop it: aws deploy stop-deployment --region us-east-1 --deployment-id d-OTHER --auto-rollback-enabled\n${finalVersions("6")}\n`,
    );
    expect(mocks.codeDeploy.commandCalls(CreateDeploymentCommand)).to.have.length(0);
  });

  it("refuses to deploy to an alias left on two versions by a deployment stopped without rollback, saying how to fix it", async () => {
    // Prepare
    const t = testRuntime();
    mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "6", RoutingConfig: { AdditionalVersionWeights: { "7": 0.1 } } });
    mocks.codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
    // Act
    const code = await run(t, ["up", "--stage", "beta"]);
    // Assess
    expect(code).to.equal(1);
    expect(t.err()).to.equal(
      `error: ${LABEL}: the alias routes 10% to version 7 besides version 6, and no deployment is running ` +
        "(a deployment stopped without rollback leaves it so; CodeDeploy cannot deploy to it). Put it on one version first: " +
        `aws lambda update-alias --region us-east-1 --function-name ${FN} --name live --function-version 6 --routing-config AdditionalVersionWeights={}\n` +
        ["beta: no function was shifted by this up", "final versions (live alias, GetAlias):", "  probe-us-east-1: version 6 (10% to version 7) (its canary failed)", ""].join("\n"),
    );
    expect(mocks.codeDeploy.commandCalls(CreateDeploymentCommand)).to.have.length(0);
  });

  it("says so when a failed deployment left the alias routing traffic to the new version", async () => {
    // Prepare
    const t = testRuntime();
    mocks.lambda
      .on(GetAliasCommand)
      .resolvesOnce({ FunctionVersion: "6" })
      .resolves({ FunctionVersion: "6", RoutingConfig: { AdditionalVersionWeights: { "7": 0.1 } } });
    scriptDeployment("Failed");
    mocks.codeDeploy.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: {} });
    // Act
    const code = await run(t, ["up", "--stage", "beta"]);
    // Assess
    expect(code).to.equal(1);
    expect(t.err()).to.contain(
      `error: ${LABEL}: deployment d-NEW failed\n` +
        "  the live alias is on version 6 but still routes 10% to version 7: put it on one version " +
        `(aws lambda update-alias --region us-east-1 --function-name ${FN} --name live --function-version 6 --routing-config AdditionalVersionWeights={})\n`,
    );
  });

  it("on Ctrl-C while following a deployment, stops following and leaves the deployment to CodeDeploy (exit 130)", async () => {
    // Prepare
    const t = testRuntime();
    mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "6" });
    scriptDeployment("Succeeded");
    t.onSleep(() => t.interrupt());
    // Act
    const code = await run(t, ["up", "--stage", "beta"]);
    // Assess
    expect(code).to.equal(130);
    expect(mocks.codeDeploy.commandCalls(GetDeploymentCommand)).to.have.length(1);
    expect(mocks.codeDeploy.commandCalls(StopDeploymentCommand)).to.have.length(0);
    expect(t.err()).to.equal(
      `cancelled: ${LABEL}: stopped following deployment d-NEW; CodeDeploy carries on with it (and rolls back on an alarm). ` +
        "Watch it: aws deploy get-deployment --region us-east-1 --deployment-id d-NEW; " +
        "stop it: aws deploy stop-deployment --region us-east-1 --deployment-id d-NEW --auto-rollback-enabled\n",
    );
  });

  describe("rollback", () => {
    /** Succeeded deployments of the group (two pages), each with its Lambda target's versions. */
    function scriptHistory(deployments: Array<[string, string, string]>) {
      const ids = deployments.map(([id]) => id);
      mocks.codeDeploy
        .on(ListDeploymentsCommand, { includeOnlyStatuses: ["Succeeded"] })
        .resolvesOnce({ deployments: ids.slice(0, 1), nextToken: "page-2" })
        .resolves({ deployments: ids.slice(1) });
      for (const [deploymentId, currentVersion, targetVersion] of deployments) {
        mocks.codeDeploy.on(ListDeploymentTargetsCommand, { deploymentId }).resolves({ targetIds: [`${FN}:live`] });
        mocks.codeDeploy.on(GetDeploymentTargetCommand, { deploymentId }).resolves({
          deploymentTarget: { lambdaTarget: { lambdaFunctionInfo: { functionName: FN, functionAlias: "live", currentVersion, targetVersion } } },
        });
      }
    }

    it("shifts the alias back, through CodeDeploy, to the newest earlier version that once served all the traffic", async () => {
      // Prepare: 4 -> 5 and 5 -> 7 succeeded; 6's canary was rolled back (its deployment is not a success).
      const t = testRuntime();
      mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "7" });
      mocks.lambda
        .on(ListVersionsByFunctionCommand)
        .resolvesOnce({ Versions: [{ Version: "$LATEST" }, { Version: "4" }, { Version: "5" }], NextMarker: "page2" })
        .resolves({ Versions: [{ Version: "6" }, { Version: "7" }] });
      scriptDeployment("Succeeded");
      scriptHistory([
        ["d-A", "4", "5"],
        ["d-B", "5", "7"],
      ]);
      // Act
      const code = await run(t, ["rollback", "--stage", "beta"]);
      // Assess
      expect(code, t.err()).to.equal(0);
      const content = mocks.codeDeploy.commandCalls(CreateDeploymentCommand)[0].args[0].input.revision?.appSpecContent?.content;
      expect(content).to.equal(lambdaAppSpec("probe-us-east-1", probe, "7", "5"));
      // During an incident the alarm that is firing must not stop the rollback: alarms off, all at once.
      const create = mocks.codeDeploy.commandCalls(CreateDeploymentCommand)[0].args[0].input;
      expect(create.overrideAlarmConfiguration).to.deep.equal({ enabled: false });
      expect(create.deploymentConfigName).to.equal("CodeDeployDefault.LambdaAllAtOnce");
      expect(mocks.codeDeploy.commandCalls(ListDeploymentsCommand).map((call) => call.args[0].input.nextToken)).to.deep.equal([undefined, "page-2", undefined]);
      expect(mocks.lambda.commandCalls(ListVersionsByFunctionCommand).map((call) => call.args[0].input.Marker)).to.deep.equal([undefined, "page2"]);
      expect(t.out()).to.contain(`${LABEL}: deployment d-NEW succeeded, live is on version 5\n`);
      expect(t.out()).to.contain("rollback of beta done. The stack still records the newer versions");
    });

    it("takes back the stage's last verify before moving any alias, so the rolled-back commit cannot promote", async () => {
      // Prepare: beta passed verify at abc1234 (the commit being rolled back); the rollback's deployment fails.
      const t = testRuntime();
      t.stacks.get("beta")?.tags.set(VERIFY_TAG, JSON.stringify({ sha: "abc1234", passed: true, at: "2026-11-26T10:00:00.000Z" }));
      mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "7" });
      scriptDeployment("Failed");
      // Act
      const code = await run(t, ["rollback", "--stage", "beta", "--version", "5"]);
      // Assess
      expect(code).to.equal(1);
      const record = JSON.parse(t.stacks.get("beta")?.tags.get(VERIFY_TAG) as string);
      expect(record).to.deep.equal({ sha: "abc1234", passed: false, at: record.at, rolledBack: true });
      expect(new Date(record.at).toISOString()).to.equal(record.at);
    });

    it("rolls back further after a rollback, not forward again", async () => {
      // Prepare: 5 -> 7, then a rollback 7 -> 5; the alias is on 5.
      const t = testRuntime();
      mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "5" });
      mocks.lambda.on(ListVersionsByFunctionCommand).resolves({ Versions: [{ Version: "3" }, { Version: "4" }, { Version: "5" }, { Version: "7" }] });
      scriptDeployment("Succeeded");
      scriptHistory([
        ["d-R", "7", "5"],
        ["d-B", "5", "7"],
        ["d-A", "3", "5"],
      ]);
      // Act
      const code = await run(t, ["rollback", "--stage", "beta"]);
      // Assess
      expect(code, t.err()).to.equal(0);
      expect(mocks.codeDeploy.commandCalls(CreateDeploymentCommand)[0].args[0].input.revision?.appSpecContent?.content).to.equal(
        lambdaAppSpec("probe-us-east-1", probe, "5", "3"),
      );
    });

    it("goes to the version given with --version", async () => {
      // Prepare
      const t = testRuntime();
      mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "7" });
      scriptDeployment("Succeeded");
      // Act
      const code = await run(t, ["rollback", "--stage", "beta", "--function", "probe-us-east-1", "--version", "3"]);
      // Assess
      expect(code, t.err()).to.equal(0);
      expect(mocks.codeDeploy.commandCalls(CreateDeploymentCommand)[0].args[0].input.revision?.appSpecContent?.content).to.equal(
        lambdaAppSpec("probe-us-east-1", probe, "7", "3"),
      );
      expect(mocks.lambda.commandCalls(ListVersionsByFunctionCommand)).to.have.length(0);
    });

    it("exits 2 naming an unknown --function", async () => {
      // Prepare
      const t = testRuntime();
      // Act
      const code = await run(t, ["rollback", "--stage", "beta", "--function", "probe-mars-1"]);
      // Assess
      expect(code).to.equal(2);
      expect(t.err()).to.equal('error: --function: unknown canary function "probe-mars-1" (in beta: probe-us-east-1)\n');
      expect(mocks.codeDeploy.calls()).to.have.length(0);
    });

    it("fails when no earlier version ever served the alias, pointing at --version", async () => {
      // Prepare: version 1 exists but only 2 was ever deployed (by Pulumi, when the alias was created).
      const t = testRuntime();
      mocks.lambda.on(GetAliasCommand).resolves({ FunctionVersion: "2" });
      mocks.lambda.on(ListVersionsByFunctionCommand).resolves({ Versions: [{ Version: "$LATEST" }, { Version: "1" }, { Version: "2" }] });
      mocks.codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
      // Act
      const code = await run(t, ["rollback", "--stage", "beta"]);
      // Assess
      expect(code).to.equal(1);
      expect(t.err()).to.equal(
        `error: probe-us-east-1: ${FN} has no version before 2 that served its live alias through a succeeded CodeDeploy deployment; ` +
          `name one with --version (aws lambda list-versions-by-function --region us-east-1 --function-name ${FN})\n`,
      );
      expect(mocks.codeDeploy.commandCalls(CreateDeploymentCommand)).to.have.length(0);
    });
  });
});
