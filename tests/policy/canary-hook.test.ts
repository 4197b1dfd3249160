// The CodeDeploy pre-traffic hook against mocked CodeDeploy and Lambda (no local server can play
// CodeDeploy's lifecycle or Lambda's Invoke): every path must report exactly one status.
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import {
  CodeDeployClient,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from "@aws-sdk/client-codedeploy";
import { InvokeCommand, InvokeCommandOutput, LambdaClient } from "@aws-sdk/client-lambda";
import { HookDependencies, REPORT_RESERVE_MS, runHook } from "../../functions/canary-hook/hook";
import { HOOK_ENV, SelfTestReport } from "../../functions/common/contract";

const codeDeployMock = mockClient(CodeDeployClient);
const lambdaMock = mockClient(LambdaClient);

const EVENT = { DeploymentId: "d-ABC123", LifecycleEventHookExecutionId: "exec-1" };
const SELF_TEST_EVENT = { selfTest: true, source: "codedeploy-hook" };
const APPSPEC = {
  version: 0.0,
  Resources: [{ probe: { Type: "AWS::Lambda::Function", Properties: { Name: "webhealth-beta-probe", Alias: "live", CurrentVersion: "3", TargetVersion: "4" } } }],
  Hooks: [{ BeforeAllowTraffic: "webhealth-beta-canary-hook" }],
};
const PASSING: SelfTestReport = { selfTest: true, passed: true, checks: [{ name: "https://example.com/", passed: true, detail: "200 in 120 ms" }] };

function payload(value: unknown): InvokeCommandOutput["Payload"] {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)) as unknown as InvokeCommandOutput["Payload"];
}

/** GetDeployment as CodeDeploy answers for inline AppSpec content: only the sha256, content via GetApplicationRevision. */
function deploymentWithRevision(content: string) {
  codeDeployMock.on(GetDeploymentCommand).resolves({
    deploymentInfo: {
      deploymentId: EVENT.DeploymentId,
      applicationName: "webhealth-beta-probe",
      revision: { revisionType: "AppSpecContent", appSpecContent: { sha256: "abc" } },
    },
  });
  codeDeployMock.on(GetApplicationRevisionCommand).resolves({ revision: { revisionType: "String", string: { content, sha256: "abc" } } });
}

function dependencies(overrides: Partial<HookDependencies> = {}): HookDependencies & { lines: string[] } {
  const lines: string[] = [];
  return {
    codeDeploy: new CodeDeployClient({}),
    lambda: new LambdaClient({}),
    env: { [HOOK_ENV.selfTestEvent]: JSON.stringify(SELF_TEST_EVENT) },
    remainingMs: () => 60_000,
    log: (line) => lines.push(line),
    lines,
    ...overrides,
  };
}

function reportedStatuses() {
  return codeDeployMock.commandCalls(PutLifecycleEventHookExecutionStatusCommand).map((call) => call.args[0].input);
}

describe("canary hook (BeforeAllowTraffic)", () => {
  beforeEach(() => {
    codeDeployMock.reset();
    lambdaMock.reset();
    codeDeployMock.on(PutLifecycleEventHookExecutionStatusCommand).resolves({ lifecycleEventHookExecutionId: EVENT.LifecycleEventHookExecutionId });
  });

  it("invokes the target version with the self-test event and reports Succeeded for a passing report", async () => {
    // Prepare
    deploymentWithRevision(JSON.stringify(APPSPEC));
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(PASSING) });
    const deps = dependencies();

    // Act
    const result = await runHook(EVENT, deps);

    // Assess
    expect(result).to.deep.equal({ status: "Succeeded", reason: "self-test passed 1 check(s)" });
    const applicationRevision = codeDeployMock.commandCalls(GetApplicationRevisionCommand)[0].args[0].input;
    expect(applicationRevision).to.deep.equal({
      applicationName: "webhealth-beta-probe",
      revision: { revisionType: "AppSpecContent", appSpecContent: { sha256: "abc" } },
    });
    const invoke = lambdaMock.commandCalls(InvokeCommand)[0].args[0].input;
    expect(invoke.FunctionName).to.equal("webhealth-beta-probe");
    expect(invoke.Qualifier).to.equal("4");
    expect(invoke.InvocationType).to.equal("RequestResponse");
    expect(JSON.parse(Buffer.from(invoke.Payload as Uint8Array).toString("utf8"))).to.deep.equal(SELF_TEST_EVENT);
    expect(reportedStatuses()).to.deep.equal([{ deploymentId: "d-ABC123", lifecycleEventHookExecutionId: "exec-1", status: "Succeeded" }]);
    expect(deps.lines).to.have.length(1);
    const line = JSON.parse(deps.lines[0]);
    expect(line).to.include({
      level: "INFO",
      hook: "BeforeAllowTraffic",
      deploymentId: "d-ABC123",
      function: "webhealth-beta-probe",
      alias: "live",
      currentVersion: "3",
      targetVersion: "4",
      status: "Succeeded",
      reported: true,
    });
    expect(line.checks).to.deep.equal(PASSING.checks);
  });

  it("uses AppSpec content that GetDeployment already carries, without GetApplicationRevision", async () => {
    codeDeployMock.on(GetDeploymentCommand).resolves({
      deploymentInfo: {
        applicationName: "webhealth-beta-probe",
        revision: { revisionType: "AppSpecContent", appSpecContent: { content: JSON.stringify(APPSPEC), sha256: "abc" } },
      },
    });
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(PASSING) });

    const result = await runHook(EVENT, dependencies());

    expect(result.status).to.equal("Succeeded");
    expect(codeDeployMock.commandCalls(GetApplicationRevisionCommand)).to.have.length(0);
  });

  it("reads a YAML AppSpec with unquoted version numbers", async () => {
    const yamlAppSpec = [
      "version: 0.0",
      "Resources:",
      "  - probe:",
      "      Type: AWS::Lambda::Function",
      "      Properties:",
      "        Name: webhealth-beta-probe",
      "        Alias: live",
      "        CurrentVersion: 3",
      "        TargetVersion: 4",
    ].join("\n");
    deploymentWithRevision(yamlAppSpec);
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(PASSING) });

    const result = await runHook(EVENT, dependencies());

    expect(result.status).to.equal("Succeeded");
    expect(lambdaMock.commandCalls(InvokeCommand)[0].args[0].input.Qualifier).to.equal("4");
  });

  it("reports Failed when the self-test report has passed: false, naming the failing checks", async () => {
    deploymentWithRevision(JSON.stringify(APPSPEC));
    const failing: SelfTestReport = {
      selfTest: true,
      passed: false,
      checks: [
        { name: "https://example.com/", passed: true },
        { name: "https://example.org/", passed: false, detail: "connect ECONNREFUSED" },
      ],
    };
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(failing) });
    const deps = dependencies();

    const result = await runHook(EVENT, deps);

    expect(result).to.deep.equal({ status: "Failed", reason: "self-test failed: https://example.org/ (connect ECONNREFUSED)" });
    expect(reportedStatuses().map((input) => input.status)).to.deep.equal(["Failed"]);
    expect(JSON.parse(deps.lines[0])).to.include({ level: "WARN", status: "Failed", targetVersion: "4", reported: true });
  });

  it("reports Failed when the new version throws (FunctionError)", async () => {
    deploymentWithRevision(JSON.stringify(APPSPEC));
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: "Unhandled",
      Payload: payload({ errorType: "TypeError", errorMessage: "Cannot read properties of undefined (reading 'url')" }),
    });

    const result = await runHook(EVENT, dependencies());

    expect(result).to.deep.equal({
      status: "Failed",
      reason: "the new version failed (Unhandled): TypeError: Cannot read properties of undefined (reading 'url')",
    });
    expect(reportedStatuses().map((input) => input.status)).to.deep.equal(["Failed"]);
  });

  const malformed: Array<[string, string, string]> = [
    ["not JSON or YAML", "{ Resources: [", "hook error: appspec: is not valid JSON or YAML"],
    [
      "no TargetVersion",
      JSON.stringify({ Resources: [{ probe: { Type: "AWS::Lambda::Function", Properties: { Name: "f", Alias: "live", CurrentVersion: "1" } } }] }),
      "hook error: appspec.Resources[0].probe.Properties.TargetVersion: is required",
    ],
    [
      "$LATEST as target",
      JSON.stringify({ Resources: [{ probe: { Type: "AWS::Lambda::Function", Properties: { Name: "f", Alias: "live", CurrentVersion: "1", TargetVersion: "$LATEST" } } }] }),
      "hook error: appspec.Resources[0].probe.Properties.TargetVersion: must be a published version number",
    ],
    [
      "two functions",
      JSON.stringify({ Resources: [APPSPEC.Resources[0], { other: APPSPEC.Resources[0].probe }] }),
      "hook error: appspec.Resources: must name exactly one Lambda function, got 2",
    ],
    ["not a Lambda resource", JSON.stringify({ Resources: [{ svc: { Type: "AWS::ECS::Service", Properties: {} } }] }), 'hook error: appspec.Resources[0].svc.Type: must be "AWS::Lambda::Function"'],
  ];
  for (const [label, content, reason] of malformed) {
    it(`reports Failed without invoking anything for a malformed AppSpec (${label})`, async () => {
      deploymentWithRevision(content);

      const result = await runHook(EVENT, dependencies());

      expect(result.status).to.equal("Failed");
      expect(result.reason.startsWith(reason), result.reason).to.equal(true);
      expect(lambdaMock.commandCalls(InvokeCommand)).to.have.length(0);
      expect(reportedStatuses().map((input) => input.status)).to.deep.equal(["Failed"]);
    });
  }

  it("reports Failed when Invoke throws", async () => {
    deploymentWithRevision(JSON.stringify(APPSPEC));
    lambdaMock.on(InvokeCommand).rejects(new Error("User is not authorized to perform: lambda:InvokeFunction"));
    const deps = dependencies();

    const result = await runHook(EVENT, deps);

    expect(result).to.deep.equal({ status: "Failed", reason: "hook error: User is not authorized to perform: lambda:InvokeFunction" });
    expect(reportedStatuses().map((input) => input.status)).to.deep.equal(["Failed"]);
    // The log line still names what was being tested.
    expect(JSON.parse(deps.lines[0])).to.include({ level: "WARN", function: "webhealth-beta-probe", targetVersion: "4", status: "Failed" });
  });

  it("reports Failed when GetDeployment throws", async () => {
    codeDeployMock.on(GetDeploymentCommand).rejects(new Error("DeploymentDoesNotExistException"));

    const result = await runHook(EVENT, dependencies());

    expect(result).to.deep.equal({ status: "Failed", reason: "hook error: DeploymentDoesNotExistException" });
    expect(reportedStatuses().map((input) => input.status)).to.deep.equal(["Failed"]);
  });

  it("bounds a hanging Invoke by the hook's remaining time and still reports Failed", async () => {
    deploymentWithRevision(JSON.stringify(APPSPEC));
    lambdaMock.on(InvokeCommand).callsFake(() => new Promise(() => undefined)); // never answers
    const budgetMs = 1_300;
    const deps = dependencies({ remainingMs: () => REPORT_RESERVE_MS + budgetMs });

    const started = Date.now();
    const result = await runHook(EVENT, deps);
    const elapsed = Date.now() - started;

    expect(result.status).to.equal("Failed");
    expect(result.reason).to.match(/^hook error: Invoke webhealth-beta-probe:4 did not finish within \d+ ms/);
    expect(elapsed).to.be.at.least(budgetMs - 50).and.below(budgetMs + 1_000);
    expect(reportedStatuses().map((input) => input.status)).to.deep.equal(["Failed"]);
    // The real SDK gets the abort signal, so its HTTP request is cancelled too.
    const options = (lambdaMock.commandCalls(InvokeCommand)[0].args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined;
    expect(options?.abortSignal?.aborted).to.equal(true);
  });

  it("fails at once when the hook has less than its minimum budget left", async () => {
    deploymentWithRevision(JSON.stringify(APPSPEC));

    const result = await runHook(EVENT, dependencies({ remainingMs: () => REPORT_RESERVE_MS + 200 }));

    expect(result.status).to.equal("Failed");
    expect(result.reason).to.match(/^hook error: only \d+ ms left: raise the hook's timeout$/);
    expect(codeDeployMock.commandCalls(GetDeploymentCommand)).to.have.length(0);
    expect(reportedStatuses().map((input) => input.status)).to.deep.equal(["Failed"]);
  });

  it("reports Failed without calling anything else when SELF_TEST_EVENT is missing", async () => {
    deploymentWithRevision(JSON.stringify(APPSPEC));

    const result = await runHook(EVENT, dependencies({ env: {} }));

    expect(result).to.deep.equal({ status: "Failed", reason: "hook error: SELF_TEST_EVENT: is required (the JSON event the new version is invoked with)" });
    expect(codeDeployMock.commandCalls(GetDeploymentCommand)).to.have.length(0);
    expect(lambdaMock.commandCalls(InvokeCommand)).to.have.length(0);
    expect(reportedStatuses().map((input) => input.status)).to.deep.equal(["Failed"]);
  });

  it("throws and logs, reporting nothing, when the event lacks the execution id", async () => {
    const deps = dependencies();

    let thrown: Error | undefined;
    await runHook({ DeploymentId: "d-ABC123" }, deps).catch((error: Error) => (thrown = error));

    expect(thrown?.message).to.equal("event: DeploymentId and LifecycleEventHookExecutionId are required; no status can be reported without them");
    expect(reportedStatuses()).to.have.length(0);
    expect(JSON.parse(deps.lines[0])).to.include({ level: "ERROR", status: "NotReported" });
  });

  it("rethrows when the status cannot be reported, so Lambda retries the hook", async () => {
    deploymentWithRevision(JSON.stringify(APPSPEC));
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(PASSING) });
    codeDeployMock.on(PutLifecycleEventHookExecutionStatusCommand).rejects(new Error("ThrottlingException"));
    const deps = dependencies();

    let thrown: Error | undefined;
    await runHook(EVENT, deps).catch((error: Error) => (thrown = error));

    expect(thrown?.message).to.equal("ThrottlingException");
    expect(JSON.parse(deps.lines[0])).to.include({ level: "ERROR", status: "Succeeded", reported: false, reportError: "ThrottlingException" });
  });
});
