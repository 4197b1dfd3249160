// The policy pack as Pulumi runs it: `policy/` started through @pulumi/pulumi's run-policy-pack
// (what `pulumi preview --policy-pack policy` launches), then asked over its gRPC analyzer API,
// so the wiring in policy/index.ts, PulumiPolicy.yaml, package.json and tsconfig.json is proven.
import { expect } from "chai";
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
  AnalyzeDiagnostic,
  AnalyzeRequest,
  AnalyzeResponse,
  AnalyzerInfo,
  AnalyzerResource,
  AnalyzerResourceOptions,
  AnalyzeStackRequest,
  EnforcementLevel,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { RESOURCE_RULES, STACK_RULES, TYPES } from "../../policy/rules";

const ROOT = path.resolve(__dirname, "..", "..");
const RUN_POLICY_PACK = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [path.join(ROOT, "policy")] });
/** How the engine encodes a string that is unknown during preview (@pulumi/policy's proxy sentinel). */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const ALIAS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:webhealth-beta-probe:live";

function urn(type: string, name: string): string {
  return `urn:pulumi:beta::webhealth::${type}::${name}`;
}

function options(ignoreChanges: string[] = []): AnalyzerResourceOptions {
  return new AnalyzerResourceOptions().setIgnorechangesList(ignoreChanges);
}

/** The proto enum is a plain object at run time (no reverse mapping): name the levels here. */
function levelName(level: EnforcementLevel): string {
  return Object.entries(EnforcementLevel).find(([, value]) => value === level)?.[0] ?? `level ${level}`;
}

/** @pulumi/policy sends `<policy description>\n<message>`; the rule's own message is the last line. */
function ruleMessage(diagnostic: AnalyzeDiagnostic): string {
  return diagnostic.getMessage().split("\n").pop()!;
}

function summary(diagnostics: AnalyzeDiagnostic[]) {
  return diagnostics.map((diagnostic) => ({
    policy: diagnostic.getPolicyname(),
    level: levelName(diagnostic.getEnforcementlevel()),
    message: ruleMessage(diagnostic),
  }));
}

describe("policy pack under Pulumi's policy runner (gRPC)", function () {
  this.timeout(60_000);
  let pack: childProcess.ChildProcess | undefined;
  let client: AnalyzerClient;

  before(async () => {
    // Started like the CLI starts a Node.js pack: cwd = the pack directory, args = engine address and program.
    // The engine address is only used for log messages, which these requests never cause.
    pack = childProcess.spawn(process.execPath, [RUN_POLICY_PACK, "127.0.0.1:1", "."], {
      cwd: path.join(ROOT, "policy"),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      pack!.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /^(\d+)\s*$/m.exec(stdout);
        if (match) resolve(Number(match[1]));
      });
      pack!.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      pack!.on("exit", (code) => reject(new Error(`policy pack exited with ${code} before listening:\n${stderr}`)));
    });
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    pack?.kill();
  });

  function analyze(type: string, name: string, props: Record<string, unknown>, ignoreChanges: string[] = []): Promise<AnalyzeDiagnostic[]> {
    const request = new AnalyzeRequest()
      .setType(type)
      .setName(name)
      .setUrn(urn(type, name))
      .setProperties(Struct.fromJavaScript(props as Parameters<typeof Struct.fromJavaScript>[0]))
      .setOptions(options(ignoreChanges));
    return new Promise((resolve, reject) =>
      client.analyze(request, (error: grpc.ServiceError | null, response?: AnalyzeResponse) =>
        error ? reject(error) : resolve(response!.getDiagnosticsList()),
      ),
    );
  }

  it("announces every rule, each mandatory, under the pack name webhealth", async () => {
    const info = await new Promise<AnalyzerInfo>((resolve, reject) =>
      client.getAnalyzerInfo(new Empty(), (error: grpc.ServiceError | null, response?: AnalyzerInfo) => (error ? reject(error) : resolve(response!))),
    );
    expect(info.getName()).to.equal("webhealth");
    expect(info.getVersion()).to.equal("0.1.0");
    const policies = info.getPoliciesList().map((policy) => [policy.getName(), levelName(policy.getEnforcementlevel())]);
    expect(policies).to.deep.equal([...RESOURCE_RULES, ...STACK_RULES].map((rule) => [rule.name, "MANDATORY"]));
  });

  it("blocks a live alias whose options do not ignore CodeDeploy's fields", async () => {
    const diagnostics = await analyze(TYPES.alias, "probe-live", { name: "live", functionName: "webhealth-beta-probe", functionVersion: "4" }, ["functionVersion"]);

    expect(summary(diagnostics)).to.deep.equal([
      {
        policy: "live-alias-ignores-codedeploy-fields",
        level: "MANDATORY",
        message: "ignoreChanges must include routingConfig: CodeDeploy moves the alias during a canary and pulumi up would move it back",
      },
    ]);
  });

  it("passes the same alias with the program's options", async () => {
    const diagnostics = await analyze(TYPES.alias, "probe-live", { name: "live", functionName: "webhealth-beta-probe", functionVersion: "4" }, [
      "functionVersion",
      "routingConfig",
    ]);
    expect(summary(diagnostics)).to.deep.equal([]);
  });

  it("downgrades a rule to an advisory note when a value it reads is unknown during preview", async () => {
    const diagnostics = await analyze(TYPES.eventTarget, "probe-target", {
      rule: "webhealth-beta-probe-schedule",
      arn: UNKNOWN_STRING,
      retryPolicy: { maximumRetryAttempts: 0 },
    });

    const advisories = summary(diagnostics);
    expect(advisories.map((entry) => [entry.policy, entry.level])).to.deep.equal([
      ["eventbridge-lambda-targets-live-alias", "ADVISORY"],
      ["lambda-event-target-no-retry-with-dlq", "ADVISORY"],
    ]);
    for (const entry of advisories) expect(entry.message).to.contain("string value at .arn can't be known during preview");
  });

  it("still reports what it can check next to an unknown value (deployment group with unknown alarm names)", async () => {
    const diagnostics = await analyze(TYPES.deploymentGroup, "probe-group", {
      appName: "webhealth-beta-probe",
      deploymentConfigName: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
      deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
      alarmConfiguration: { enabled: true, alarms: [UNKNOWN_STRING] },
      autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE"] },
    });

    expect(summary(diagnostics)).to.deep.equal([
      {
        policy: "deployment-group-safe-rollout",
        level: "MANDATORY",
        message: "autoRollbackConfiguration.events must include DEPLOYMENT_STOP_ON_ALARM, DEPLOYMENT_STOP_ON_REQUEST",
      },
    ]);
  });

  it("passes every resource of the beta stage's synth, one by one and as a stack", async function () {
    const synthModule = path.join(ROOT, "infra", "synth.ts");
    if (!fs.existsSync(synthModule)) {
      console.log("    skipped: waits on infra/synth.ts");
      this.skip();
    }
    const { synthesize } = (await import(synthModule)) as {
      synthesize(
        stage: string,
        config?: Record<string, unknown>,
      ): Promise<{ document: { resources: Array<{ type: string; name: string; inputs: Record<string, unknown>; options: { ignoreChanges: string[] } }> } }>;
    };
    const { readStackConfig } = (await import(path.join(ROOT, "infra", "stack-files.ts"))) as { readStackConfig(stage: string, root: string): Record<string, unknown> };
    const { resources } = (await synthesize("beta", readStackConfig("beta", path.join(ROOT, "tests", "fixtures", "stacks")))).document;
    // The options the program really gives each resource, as synth records them.
    const ignoreChangesOf = (resource: (typeof resources)[number]) => resource.options.ignoreChanges;

    const perResource = await Promise.all(resources.map((resource) => analyze(resource.type, resource.name, resource.inputs, ignoreChangesOf(resource))));
    const stack = resources.map((resource) =>
      new AnalyzerResource()
        .setType(resource.type)
        .setName(resource.name)
        .setUrn(urn(resource.type, resource.name))
        .setProperties(Struct.fromJavaScript(resource.inputs as Parameters<typeof Struct.fromJavaScript>[0]))
        .setOptions(options(ignoreChangesOf(resource))),
    );
    const stackDiagnostics = await new Promise<AnalyzeDiagnostic[]>((resolve, reject) =>
      client.analyzeStack(new AnalyzeStackRequest().setResourcesList(stack), (error: grpc.ServiceError | null, response?: AnalyzeResponse) =>
        error ? reject(error) : resolve(response!.getDiagnosticsList()),
      ),
    );

    expect(resources.length).to.be.greaterThan(20);
    expect(summary(perResource.flat())).to.deep.equal([]);
    expect(summary(stackDiagnostics)).to.deep.equal([]);
  });

  it("reports a stack rule on the resource it concerns", async () => {
    const target = new AnalyzerResource()
      .setType(TYPES.eventTarget)
      .setName("probe-target")
      .setUrn(urn(TYPES.eventTarget, "probe-target"))
      .setProperties(Struct.fromJavaScript({ rule: "r", arn: ALIAS_ARN }))
      .setOptions(options());
    const diagnostics = await new Promise<AnalyzeDiagnostic[]>((resolve, reject) =>
      client.analyzeStack(new AnalyzeStackRequest().setResourcesList([target]), (error: grpc.ServiceError | null, response?: AnalyzeResponse) =>
        error ? reject(error) : resolve(response!.getDiagnosticsList()),
      ),
    );

    expect(diagnostics.map((diagnostic) => [diagnostic.getPolicyname(), diagnostic.getUrn(), ruleMessage(diagnostic)])).to.deep.equal([
      [
        "eventbridge-lambda-target-has-permission",
        urn(TYPES.eventTarget, "probe-target"),
        "no aws:lambda/permission:Permission lets events.amazonaws.com invoke webhealth-beta-probe:live: EventBridge's invocations would fail",
      ],
    ]);
  });
});
