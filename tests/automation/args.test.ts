import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { expect } from "chai";
import { helpText, parseArgs, parseDuration, type ParsedArgs } from "../../automation/args";

const STAGES = ["beta", "gamma", "prod"];
const ROOT = path.resolve(__dirname, "../..");

const DEFAULTS: Omit<ParsedArgs, "command" | "stage"> = {
  fromStage: undefined,
  allowReplace: false,
  bakeMs: 300_000,
  warmupMs: 300_000,
  json: false,
  yesDestroyProd: false,
  functions: [],
  version: undefined,
};

describe("deploy driver: command line", () => {
  const accepted: Array<[string, Partial<ParsedArgs> & Pick<ParsedArgs, "command" | "stage">]> = [
    ["preview --stage beta", { command: "preview", stage: "beta" }],
    ["up --stage gamma --allow-replace", { command: "up", stage: "gamma", allowReplace: true }],
    ["up --stage=prod", { command: "up", stage: "prod" }],
    ["verify --stage beta --bake 90s", { command: "verify", stage: "beta", bakeMs: 90_000 }],
    ["verify --stage beta --bake 0", { command: "verify", stage: "beta", bakeMs: 0 }],
    ["verify --stage beta --warmup 90s", { command: "verify", stage: "beta", warmupMs: 90_000 }],
    ["promote --to gamma --warmup 10m --bake 1m", { command: "promote", stage: "gamma", fromStage: "beta", warmupMs: 600_000, bakeMs: 60_000 }],
    ["promote --to gamma", { command: "promote", stage: "gamma", fromStage: "beta" }],
    ["promote --to prod --bake 1h", { command: "promote", stage: "prod", fromStage: "gamma", bakeMs: 3_600_000 }],
    ["rollback --stage prod", { command: "rollback", stage: "prod" }],
    ["rollback --stage prod --function probe-us-east-1 --function recorder --version 12", { command: "rollback", stage: "prod", functions: ["probe-us-east-1", "recorder"], version: "12" }],
    ["outputs --stage beta --json", { command: "outputs", stage: "beta", json: true }],
    ["destroy --stage gamma", { command: "destroy", stage: "gamma" }],
    ["destroy --stage prod --yes-destroy-prod", { command: "destroy", stage: "prod", yesDestroyProd: true }],
  ];
  for (const [line, expected] of accepted) {
    it(`accepts: ${line}`, () => {
      expect(parseArgs(line.split(" "), STAGES)).to.deep.equal({ kind: "run", args: { ...DEFAULTS, ...expected } });
    });
  }

  const rejected: Array<[string, string]> = [
    ["", "no command given (commands: preview, up, verify, promote, rollback, outputs, destroy); see --help"],
    ["deploy --stage beta", 'unknown command "deploy" (commands: preview, up, verify, promote, rollback, outputs, destroy)'],
    ["up --stage staging", 'unknown stage "staging" (stages: beta, gamma, prod)'],
    ["up", "--stage is required for up"],
    ["up --stage", "--stage needs a value"],
    ["up --stage --allow-replace", "--stage needs a value"],
    ["up --stage beta --force", "unknown option --force"],
    ["up --stage beta extra", 'unexpected argument "extra"'],
    ["up --stage beta --json", "option --json does not apply to up"],
    ["up --stage beta --stage gamma", "--stage: given more than once (it takes one value)"],
    ["up --stage beta --allow-replace=yes", "--allow-replace takes no value"],
    ["verify --stage beta --bake 5", '--bake: "5" is not a duration (like 90s, 5m or 1h)'],
    ["verify --stage beta --bake 1d", '--bake: "1d" is not a duration (like 90s, 5m or 1h)'],
    ["verify --stage beta --warmup soon", '--warmup: "soon" is not a duration (like 90s, 5m or 1h)'],
    ["up --stage beta --warmup 1m", "option --warmup does not apply to up"],
    ["promote --stage gamma", "option --stage does not apply to promote"],
    ["promote --to beta", "--to beta: beta is a first stage (its stage file sets no webhealth:promotesFrom), there is nothing to promote from (use up)"],
    ["promote --to qa", 'unknown stage "qa" (stages: beta, gamma, prod)'],
    ["rollback --stage prod --version $LATEST", '--version: "$LATEST" is not a published Lambda version number'],
    ["destroy --stage prod", "destroy --stage prod: refusing without --yes-destroy-prod"],
  ];
  for (const [line, message] of rejected) {
    it(`rejects "${line}": ${message}`, () => {
      expect(parseArgs(line === "" ? [] : line.split(" "), STAGES)).to.deep.equal({ kind: "error", message });
    });
  }

  it("answers --help anywhere with the help text listing every command", () => {
    const result = parseArgs(["up", "--stage", "nowhere", "--help"], STAGES);
    expect(result).to.deep.equal({ kind: "help", text: helpText(STAGES) });
    for (const command of ["preview", "up", "verify", "promote", "rollback", "outputs", "destroy"]) {
      expect(helpText(STAGES)).to.match(new RegExp(`^  ${command} +\\S`, "m"));
    }
  });

  const durations: Array<[string, number | undefined]> = [
    ["0", 0],
    ["250ms", 250],
    ["45s", 45_000],
    ["5m", 300_000],
    ["2h", 7_200_000],
    ["5", undefined],
    ["-5m", undefined],
    ["1.5m", undefined],
    ["", undefined],
  ];
  for (const [text, ms] of durations) {
    it(`reads duration "${text}" as ${ms}`, () => expect(parseDuration(text)).to.equal(ms));
  }

  describe("the CLI process (npm run deploy)", function () {
    this.timeout(60_000);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "automation/cli.ts", ...args], {
        cwd: ROOT,
        encoding: "utf8",
        // The tests' own stage files: the shipped ones belong to the user.
        env: { ...process.env, PATH: "/nonexistent", WEBHEALTH_STAGE_DIR: path.join(ROOT, "tests", "fixtures", "stacks") },
      });

    it("exits 0 with the help on stdout for --help", () => {
      const result = cli("--help");
      expect(result.status).to.equal(0);
      expect(result.stdout).to.match(/^Usage: npm run deploy -- <command> --stage <stage> \[options\]\n/);
      expect(result.stderr).to.equal("");
    });

    it("exits 2 naming an unknown stage, before anything runs", () => {
      const result = cli("up", "--stage", "staging");
      expect(result.status).to.equal(2);
      expect(result.stderr).to.equal('error: unknown stage "staging" (stages: beta, gamma, prod)\n');
      expect(result.stdout).to.equal("");
    });

    it("exits 2 naming an unknown option", () => {
      const result = cli("preview", "--stage", "beta", "--dry-run");
      expect(result.status).to.equal(2);
      expect(result.stderr).to.equal("error: unknown option --dry-run\n");
    });

    it("exits 2 (missing setup, like every command) with an installation hint when no pulumi CLI is on the PATH", () => {
      const result = cli("outputs", "--stage", "beta");
      expect(result.status).to.equal(2);
      expect(result.stderr).to.equal(
        "error: the pulumi CLI is not on the PATH: install version 3.276.0 (the SDK's), e.g. curl -fsSL https://get.pulumi.com | sh -s -- --version 3.276.0\n",
      );
    });
  });
});
