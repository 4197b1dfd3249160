/**
 * What a command loads at start: the probe never loads the AWS SDK unless it publishes, so a local
 * probe starts in a fraction of a second (timed by `npm run bench:cli`, not here).
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../infra/stack-files";
import { refusedPort, startHttpServer, type TestServer } from "../probe/support/servers";

/** Runs a command through the runner and returns its exit code and the modules it loaded. */
function loadedModules(entry: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; modules: string[]; stderr: string }> {
  const record = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-modules-")), "modules.txt");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--require", path.join(__dirname, "record-modules.cjs"), "scripts/run.cjs", entry, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env, RECORD_MODULES_TO: record },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const modules = fs.readFileSync(record, "utf8").split("\n");
      fs.rmSync(path.dirname(record), { recursive: true, force: true });
      resolve({ code, modules, stderr });
    });
  });
}

const SDK = /node_modules[\\/]@aws-sdk[\\/]/;

describe("command start-up: what is loaded", function () {
  this.timeout(60_000);
  let server: TestServer;
  before(async () => {
    server = await startHttpServer();
  });
  after(() => server.close());

  it("npm run probe without --publish loads no AWS SDK module", async () => {
    const run = await loadedModules("cli/probe.ts", [server.url("/ok")]);
    expect([run.code, run.stderr]).to.deep.equal([0, ""]);
    expect(run.modules.some((file) => file.endsWith(path.join("dist", "commands", "cli-probe.js")))).to.equal(true);
    expect(run.modules.filter((file) => SDK.test(file))).to.deep.equal([]);
  });

  it("with --publish it does (the check above would see the SDK if it were loaded)", async () => {
    const dead = await refusedPort();
    const run = await loadedModules("cli/probe.ts", ["--publish", server.url("/ok")], { AWS_ENDPOINT_URL_CLOUDWATCH: `http://127.0.0.1:${dead}`, AWS_REGION: "us-east-1", AWS_MAX_ATTEMPTS: "1" });
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.match(/^probe: publishing failed: /);
    expect(run.modules.some((file) => /@aws-sdk[\\/]client-cloudwatch/.test(file))).to.equal(true);
  });

  it("--help of every kit command loads neither the AWS SDK nor the Pulumi SDK", async () => {
    for (const entry of ["cli/probe.ts", "cli/alarms.ts", "cli/synth.ts", "cli/status.ts", "cli/report.ts", "automation/cli.ts"]) {
      const run = await loadedModules(entry, ["--help"]);
      expect([entry, run.code]).to.deep.equal([entry, 0]);
      expect(run.modules.filter((file) => SDK.test(file) || /node_modules[\\/]@pulumi[\\/]/.test(file)), entry).to.deep.equal([]);
    }
  });
});
