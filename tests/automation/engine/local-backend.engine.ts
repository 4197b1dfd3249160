/**
 * Opt-in: `npm run test:engine`. Drives a real `pulumi` CLI on a local file backend through the
 * driver's own code (pulumiStacks + the commands), with a small program that has no cloud
 * resources. Skipped, saying so, when no `pulumi` is on the PATH.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { parseArgs } from "../../../automation/args";
import { execute } from "../../../automation/commands";
import { pulumiStacks } from "../../../automation/engine";
import { abortableSleep, awsClients, DEFAULT_TIMINGS, type Runtime } from "../../../automation/runtime";
import { parseVerifyRecord, VERIFY_TAG } from "../../../automation/verify";

const ROOT = path.resolve(__dirname, "../../..");
const PROJECT = "webhealth-engine-test";
const STAGE = "beta";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
// A component with a stateful resource's type: its deletion is what the driver's guard must catch.
class Table extends pulumi.ComponentResource {
  constructor(name) { super("aws:dynamodb/table:Table", name, {}, {}); this.registerOutputs({}); }
}
module.exports = async () => {
  if (process.env.ENGINE_TEST_WITH_TABLE === "1") new Table("ledger");
  const delayMs = Number(process.env.ENGINE_TEST_PROGRAM_DELAY_MS || "0");
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  return {
    stage: pulumi.getStack(),
    homeRegion: "us-east-1",
    topicArn: "arn:aws:sns:us-east-1:123456789012:webhealth-engine-alarms",
    alarmTableName: "webhealth-engine-alarms",
    dashboardUrl: "https://console.aws.amazon.com/cloudwatch/home#dashboards:name=engine",
    alarmNamePrefix: "webhealth-engine-",
    canaryFunctions: {},
    estimatedMonthlyCostUsd: 1.5,
  };
};
`;

function pulumiOnPath(): boolean {
  return !spawnSync("pulumi", ["version"], { encoding: "utf8" }).error;
}

describe("engine: the driver against a real pulumi CLI and a local file backend", function () {
  this.timeout(300_000);
  let projectDir: string;
  const savedEnv = { ...process.env };

  before(async function () {
    if (!pulumiOnPath()) {
      console.log("    skipped: no pulumi CLI on the PATH (install 3.276.0 to run npm run test:engine)");
      this.skip();
    }
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-engine-"));
    projectDir = path.join(base, "project");
    const stateDir = path.join(base, "state");
    fs.mkdirSync(projectDir);
    fs.mkdirSync(stateDir);
    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), `name: ${PROJECT}\nruntime: nodejs\n`);
    fs.writeFileSync(path.join(projectDir, "package.json"), JSON.stringify({ name: PROJECT, private: true, main: "index.js" }));
    fs.writeFileSync(path.join(projectDir, "index.js"), PROGRAM);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(projectDir, "node_modules"), "dir");
    Object.assign(process.env, {
      PULUMI_BACKEND_URL: `file://${stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: "engine-test",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      ENGINE_TEST_WITH_TABLE: "1",
      ENGINE_TEST_PROGRAM_DELAY_MS: "0",
    });
    // The driver never creates stacks (see README): the test does, as a person would once.
    await LocalWorkspace.createStack({ stackName: STAGE, workDir: projectDir });
  });

  after(() => {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
  });

  function engineRuntime(controller = new AbortController()) {
    let out = "";
    let err = "";
    const runtime: Runtime = {
      stacks: pulumiStacks(projectDir),
      aws: awsClients(),
      out: { write: (text) => void (out += text) },
      err: { write: (text) => void (err += text) },
      signal: controller.signal,
      sleep: abortableSleep,
      now: () => new Date(),
      commitSha: () => "engine0",
      randomId: () => "engine",
      root: projectDir,
      policyPacks: [],
      timings: { ...DEFAULT_TIMINGS, lockInitialDelayMs: 500, lockTimeoutMs: 10_000 },
    };
    return { runtime, out: () => out, err: () => err, controller };
  }

  async function run(runtime: Runtime, argv: string[]): Promise<number> {
    const parsed = parseArgs(argv, [STAGE]);
    if (parsed.kind !== "run") throw new Error(`test: bad argv ${argv.join(" ")}`);
    return execute(runtime, parsed.args);
  }

  it("up deploys the program and outputs --json reads its outputs back through the contract", async () => {
    const up = engineRuntime();
    expect(await run(up.runtime, ["up", "--stage", STAGE]), up.err()).to.equal(0);
    expect(up.out()).to.match(/Preview of beta: [1-9]\d* to create/);
    const outputs = engineRuntime();
    expect(await run(outputs.runtime, ["outputs", "--stage", STAGE, "--json"]), outputs.err()).to.equal(0);
    expect(JSON.parse(outputs.out())).to.include({ stage: STAGE, alarmNamePrefix: "webhealth-engine-", estimatedMonthlyCostUsd: 1.5 });
  });

  it("preview refuses to delete a resource of a stateful type, and --allow-replace lets it through", async () => {
    process.env.ENGINE_TEST_WITH_TABLE = "0";
    const refused = engineRuntime();
    expect(await run(refused.runtime, ["preview", "--stage", STAGE])).to.equal(1);
    expect(refused.err()).to.contain('aws:dynamodb/table:Table "ledger" would be deleted');
    const allowed = engineRuntime();
    expect(await run(allowed.runtime, ["preview", "--stage", STAGE, "--allow-replace"]), allowed.err()).to.equal(0);
  });

  it("keeps the verify record as a stack tag on the file backend", async () => {
    const stack = await pulumiStacks(projectDir)(STAGE);
    // The first test's up marked the stage as deployed and not verified since.
    expect(parseVerifyRecord(await stack.getTag(VERIFY_TAG))).to.include({ sha: "engine0", passed: false, deployed: true });
    const record = { sha: "engine0", passed: true, at: "2026-11-26T10:03:41.123Z" };
    await stack.setTag(VERIFY_TAG, JSON.stringify(record));
    const reread = await pulumiStacks(projectDir)(STAGE);
    expect(parseVerifyRecord(await reread.getTag(VERIFY_TAG))).to.deep.equal(record);
  });

  it("Ctrl-C while up runs the engine stops the CLI gracefully (exit 130) and leaves the stack unlocked", async () => {
    process.env.ENGINE_TEST_WITH_TABLE = "1";
    process.env.ENGINE_TEST_PROGRAM_DELAY_MS = "20000";
    const cancelled = engineRuntime();
    const timer = setTimeout(() => cancelled.controller.abort(), 8_000);
    const code = await run(cancelled.runtime, ["up", "--stage", STAGE, "--allow-replace"]);
    clearTimeout(timer);
    expect(code, cancelled.err()).to.equal(130);
    process.env.ENGINE_TEST_PROGRAM_DELAY_MS = "0";
    const after = engineRuntime();
    expect(await run(after.runtime, ["preview", "--stage", STAGE, "--allow-replace"]), after.err()).to.equal(0);
    expect(after.err()).to.not.contain("locked");
  });
});
