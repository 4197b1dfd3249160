/**
 * The README's commands on a machine whose node is older than 22 (these machines have Node 20):
 * `.ci/node-path` finds a Node the project supports (the machine's own when recent enough, else
 * Node 24 from the npm registry in .tools/node), `.ci/with-node` runs `npm test` with it, and the
 * command runner (scripts/run.cjs) runs a command again under it, forwarding its output, its exit
 * status and Ctrl-C. Offline: the Node 24 "installed" in a copy's .tools/node is this one, and an
 * older node is a stand-in that answers like Node 20 (or this Node told it is 20 by a preload).
 */
import { expect } from "chai";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../infra/stack-files";
import { refusedPort } from "../probe/support/servers";

const THIS_NODE_DIR = path.dirname(process.execPath);
const SYSTEM_PATH = "/usr/bin:/bin";
const PACKAGE = `node-linux-${process.arch}`;

/** A folder holding a `node` that answers `--version` and `-p` like an old Node.js. */
function oldNodeDir(root: string, major: number): string {
  const dir = path.join(root, "old-node");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "node"), `#!/bin/sh\nif [ "$1" = "--version" ]; then echo v${major}.20.2; else echo ${major}; fi\n`, { mode: 0o755 });
  return dir;
}

/** A copy of the project's .ci folder whose .tools/node already holds Node 24 (this one), as a first run leaves it. */
function projectWithInstalledNode(root: string): { project: string; installedBin: string } {
  const project = path.join(root, "project");
  fs.cpSync(path.join(PROJECT_ROOT, ".ci"), path.join(project, ".ci"), { recursive: true });
  const installedBin = path.join(project, ".tools", "node", "node_modules", PACKAGE, "bin");
  fs.mkdirSync(installedBin, { recursive: true });
  fs.symlinkSync(process.execPath, path.join(installedBin, "node"));
  return { project, installedBin };
}

describe("the toolchain on an older node (.ci/node-path, .ci/with-node, scripts/run.cjs)", function () {
  this.timeout(60_000);
  let root: string;

  before(function () {
    // The copy's installed Node is this one: node-path accepts it only as Node 24 on Linux.
    if (process.platform !== "linux" || !["x64", "arm64"].includes(process.arch) || process.versions.node.split(".")[0] !== "24") this.skip();
    root = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-old-node-"));
  });

  after(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it("node-path prints the machine's own node folder when it is 22 or later, and says nothing", () => {
    const { project } = projectWithInstalledNode(fs.mkdtempSync(path.join(root, "recent-")));
    const run = spawnSync(path.join(project, ".ci", "node-path"), { encoding: "utf8", env: { ...process.env, PATH: `${THIS_NODE_DIR}:${SYSTEM_PATH}` } });
    expect([run.status, run.stdout, run.stderr]).to.deep.equal([0, `${THIS_NODE_DIR}\n`, ""]);
  });

  it("node-path prints the Node 24 of .tools/node when the machine's node is older, saying so on stderr", () => {
    const base = fs.mkdtempSync(path.join(root, "old-"));
    const { project, installedBin } = projectWithInstalledNode(base);
    const run = spawnSync(path.join(project, ".ci", "node-path"), { encoding: "utf8", env: { ...process.env, PATH: `${oldNodeDir(base, 20)}:${SYSTEM_PATH}` } });
    expect([run.status, run.stdout, run.stderr]).to.deep.equal([0, `${installedBin}\n`, "node v20.20.2 is older than 22: using Node 24 from the npm registry\n"]);
  });

  it("with-node runs the command with that Node first on the PATH (how npm test runs mocha)", () => {
    const base = fs.mkdtempSync(path.join(root, "with-"));
    const { project, installedBin } = projectWithInstalledNode(base);
    const stdout = execFileSync(path.join(project, ".ci", "with-node"), ["sh", "-c", 'command -v node; node -p "process.version"'], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${oldNodeDir(base, 20)}:${SYSTEM_PATH}` },
      stdio: ["ignore", "pipe", "ignore"],
    });
    expect(stdout).to.equal(`${installedBin}/node\n${process.version}\n`);
  });

  describe("scripts/run.cjs under a node it finds too old", () => {
    let preload: string;
    before(() => {
      // This Node, told it is Node 20: the runner must run the command again under .ci/node-path's Node.
      preload = path.join(root, "pretend-node-20.cjs");
      fs.writeFileSync(preload, 'Object.defineProperty(process, "versions", { value: { ...process.versions, node: "20.20.2" } });\n');
    });
    const runner = (args: string[]) => spawn(process.execPath, ["--require", preload, "scripts/run.cjs", ...args], { cwd: PROJECT_ROOT, env: { ...process.env, PATH: `${THIS_NODE_DIR}:${process.env.PATH ?? ""}` }, stdio: ["ignore", "pipe", "pipe"] });
    const finished = (child: ReturnType<typeof runner>, onOutput?: (text: string) => void) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          onOutput?.(stdout);
        });
        child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });

    it("runs the command under the supported Node: its output and its exit status come through", async () => {
      const help = await finished(runner(["cli/probe.ts", "--help"]));
      expect([help.code, help.stderr]).to.deep.equal([0, ""]);
      expect(help.stdout).to.match(/^Usage: npm run probe\b/);
      const bad = await finished(runner(["cli/probe.ts", "--bogus"]));
      expect([bad.code, bad.stdout, bad.stderr]).to.deep.equal([2, "", "probe: unknown option --bogus (see --help for the options)\n"]);
    });

    it("Ctrl-C reaches the command it runs again: exit 130, nothing left listening", async () => {
      const port = await refusedPort();
      const child = runner(["cli/ledger-local.ts", "--port", String(port)]);
      const run = await finished(child, (stdout) => {
        if (/Ctrl-C to stop\./.test(stdout)) child.kill("SIGINT");
      });
      expect(run.code, run.stderr).to.equal(130);
      const stillListening = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => {
          socket.destroy();
          resolve(true);
        });
        socket.on("error", () => resolve(false));
      });
      expect(stillListening).to.equal(false);
    });
  });
});
