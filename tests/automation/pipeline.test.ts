import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import * as yaml from "js-yaml";
import { previewMatrix, previewRoleSecret } from "../../automation/pipeline";
import { FIXTURE_STACKS } from "../fixtures/stacks";

const ROOT = path.resolve(__dirname, "..", "..");

/** A stand-in for the GitHub REST API on 127.0.0.1 answering GET /repos/o/r/environments/prod. */
async function githubApi(answer: { status: number; body?: unknown }) {
  const requests: Array<{ url?: string; authorization?: string; accept?: string; version?: string }> = [];
  const server = http.createServer((request, response) => {
    requests.push({ url: request.url, authorization: request.headers.authorization, accept: request.headers.accept, version: request.headers["x-github-api-version"] as string });
    response.writeHead(answer.status, { "content-type": "application/json" });
    response.end(JSON.stringify(answer.body ?? { message: "Not Found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Runs `scripts/pipeline.ts require-reviewers prod` as the workflow does. */
function requireReviewers(apiUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/pipeline.ts", "require-reviewers", "prod"], {
      cwd: ROOT,
      env: { ...process.env, GITHUB_API_URL: apiUrl, GITHUB_REPOSITORY: "octo/webhealth", GITHUB_TOKEN: "ghs_test-token" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const REVIEWERS_RULE = { id: 1, node_id: "n", type: "required_reviewers", prevent_self_review: true, reviewers: [{ type: "User", reviewer: { login: "octocat" } }, { type: "Team", reviewer: { slug: "sre" } }] };
const HOW_TO_FIX =
  'Add required reviewers to the "prod" environment (Settings -> Environments), or, where the plan has none, keep the repository public, move to GitHub Enterprise, or remove the prod job and promote it by hand (see "Environments and reviewers" in the README).\n';

describe("pipeline helpers (scripts/pipeline.ts)", function () {
  this.timeout(60_000);

  describe("require-reviewers: the job before prod", () => {
    it("passes when prod has required reviewers, reading it with the token as GitHub's REST API asks", async () => {
      // Prepare
      const api = await githubApi({ status: 200, body: { name: "prod", protection_rules: [{ id: 2, node_id: "b", type: "branch_policy" }, REVIEWERS_RULE], can_admins_bypass: false } });
      try {
        // Act
        const result = await requireReviewers(api.url);
        // Assess
        expect(result).to.deep.equal({ code: 0, stdout: "prod: required reviewers octocat, sre: the deployment waits for one of them to approve\n", stderr: "" });
        expect(api.requests).to.deep.equal([{ url: "/repos/octo/webhealth/environments/prod", authorization: "Bearer ghs_test-token", accept: "application/vnd.github+json", version: "2022-11-28" }]);
      } finally {
        await api.close();
      }
    });

    const refusals: Array<[string, { status: number; body?: unknown }, string]> = [
      [
        "prod has no required reviewers (a plan without them: only a branch policy)",
        { status: 200, body: { name: "prod", protection_rules: [{ id: 2, node_id: "b", type: "branch_policy" }] } },
        'error: refusing to deploy prod: the environment "prod" has no required reviewers (its protection rules: branch_policy), so nothing would hold the deployment for approval.\n',
      ],
      ["the rule lists nobody", { status: 200, body: { name: "prod", protection_rules: [{ ...REVIEWERS_RULE, reviewers: [] }] } }, 'error: refusing to deploy prod: the environment "prod" has no required reviewers (its protection rules: required_reviewers), so nothing would hold the deployment for approval.\n'],
      ["prod does not exist", { status: 404 }, 'error: refusing to deploy prod: the environment "prod" does not exist in octo/webhealth (GitHub would create it without protection).\n'],
      ["the token may not read it", { status: 403 }, "error: refusing to deploy prod: the token may not read the environment (HTTP 403): the job needs `permissions: actions: read`.\n"],
    ];
    for (const [name, answer, message] of refusals) {
      it(`refuses (exit 1) when ${name}`, async () => {
        const api = await githubApi(answer);
        try {
          const result = await requireReviewers(api.url);
          expect(result).to.deep.equal({ code: 1, stdout: "", stderr: message + HOW_TO_FIX });
        } finally {
          await api.close();
        }
      });
    }

    it("warns when self-review or an administrator bypass is allowed", async () => {
      const api = await githubApi({ status: 200, body: { protection_rules: [{ ...REVIEWERS_RULE, prevent_self_review: false }], can_admins_bypass: true } });
      try {
        const result = await requireReviewers(api.url);
        expect(result.code).to.equal(0);
        expect(result.stderr).to.equal(
          'warning: prod: "Prevent self-review" is off: whoever pushed may approve their own deployment\n' +
            'warning: prod: administrators may bypass the protection rules ("Allow administrators to bypass configured protection rules")\n',
        );
      } finally {
        await api.close();
      }
    });
  });

  describe("preview-matrix", () => {
    it("lists every stage file in promotion order, each with its own preview role secret", () => {
      expect(previewMatrix(FIXTURE_STACKS)).to.deep.equal({
        include: [
          { stage: "beta", "role-secret": "AWS_PREVIEW_ROLE_ARN_BETA" },
          { stage: "gamma", "role-secret": "AWS_PREVIEW_ROLE_ARN_GAMMA" },
          { stage: "prod", "role-secret": "AWS_PREVIEW_ROLE_ARN_PROD" },
        ],
      });
      expect(previewRoleSecret("eu-staging")).to.equal("AWS_PREVIEW_ROLE_ARN_EU_STAGING");
      const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/pipeline.ts", "preview-matrix"], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, WEBHEALTH_STAGE_DIR: FIXTURE_STACKS },
      });
      expect(result.status).to.equal(0);
      expect(result.stdout).to.equal(`matrix=${JSON.stringify(previewMatrix(FIXTURE_STACKS))}\n`);
    });
  });

  describe("npm ci in the workflows", () => {
    it("shows npm's error when the install fails, although .npmrc keeps npm run silent", () => {
      // Prepare: the setup action's install command, in a project whose dependency is not installable offline.
      const setup = yaml.load(fs.readFileSync(path.join(ROOT, ".github", "actions", "setup", "action.yml"), "utf8")) as { runs: { steps: Array<{ run?: string }> } };
      const install = setup.runs.steps.find((step) => step.run?.startsWith("npm ci"))?.run as string;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "npm-ci-"));
      fs.copyFileSync(path.join(ROOT, ".npmrc"), path.join(dir, ".npmrc"));
      fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "x", version: "1.0.0", dependencies: { "left-pad": "1.3.0" } }));
      fs.writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify({ name: "x", version: "1.0.0", lockfileVersion: 3, requires: true, packages: { "": { name: "x", version: "1.0.0" } } }));
      // No network: npm fails at once, as it would on a broken registry or lockfile.
      const env = { ...process.env, npm_config_offline: "true", npm_config_cache: path.join(dir, "cache") };
      // Act
      const plain = spawnSync("bash", ["-c", "npm ci"], { cwd: dir, encoding: "utf8", env });
      const workflow = spawnSync("bash", ["-c", install], { cwd: dir, encoding: "utf8", env });
      // Assess: plain `npm ci` under .npmrc says nothing at all; the workflow's says why.
      expect([plain.status, plain.stdout, plain.stderr]).to.deep.equal([1, "", ""]);
      expect(workflow.status).to.equal(1);
      expect(workflow.stderr).to.match(/^npm error /m);
    });
  });
});
