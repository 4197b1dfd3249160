/**
 * One table of conventions over every command in package.json (each `npm run <script>` that runs
 * a TypeScript entry through scripts/run.cjs), run the way users run them, through npm:
 * `--help`, the exit codes, bad and repeated options in our own words, a closed pipe, NO_COLOR,
 * and stopping by signalling npm. A command added to package.json is checked by the generic rows
 * at once; FIXTURES adds what only it can do offline (a run that succeeds, one that fails...).
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { startDynalite, type LocalDynamo } from "../ledger/helpers";
import { refusedPort, startHttpServer, type TestServer } from "../probe/support/servers";
import { startFakeCloudWatch, type FakeCloudWatch } from "./fake-cloudwatch";
import { ANSI, NODE_PARSER_WORDING, runScript, scriptCommands, STACK_TRACE, TOOL_SCRIPTS } from "./support";

interface Fixture {
  /** Arguments before any option (the driver's subcommand). */
  prefix?: string[];
  /** An offline run that succeeds (exit 0) and prints something. */
  ok?: () => string[];
  /** An offline run whose check or operation fails (exit 1). */
  failed?: () => string[];
  /** A run that lasts until it is stopped, and what it prints once it is under way (or how long it needs to get there). */
  longRunning?: { args: () => string[]; ready?: RegExp; afterMs?: number };
  /** The single-valued option to give twice (default: the first one its help lists). */
  repeat?: string;
  /** Colours part of its output on a terminal (FORCE_COLOR stands in for one). */
  colours?: boolean;
  env?: () => NodeJS.ProcessEnv;
}

/** A stage file for the commands that read one, in a folder of its own (WEBHEALTH_STAGE_DIR), never the repository. */
const STAGE = "kitcheck";
const STAGE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-kit-stages-"));
const STAGE_FILE = path.join(STAGE_DIR, `Pulumi.${STAGE}.yaml`);

describe("every command follows the same conventions (through npm run)", function () {
  this.timeout(120_000);
  let server: TestServer;
  let dynamo: LocalDynamo;
  let table: string;
  let refused: number;
  let dynamoEnv: NodeJS.ProcessEnv;
  let ledgerPort: number;
  let cloudWatch: FakeCloudWatch;
  let awsEnv: NodeJS.ProcessEnv;

  const FIXTURES: Record<string, Fixture> = {
    probe: {
      ok: () => [server.url("/ok")],
      failed: () => [`http://127.0.0.1:${refused}/`],
      longRunning: { args: () => ["--timeout", "60000", server.url("/hang")], afterMs: 2_000 },
      colours: true,
    },
    synth: { ok: () => ["--stack", STAGE] },
    alarms: { ok: () => ["--table", table, "--since", "2d"], env: () => dynamoEnv, colours: false },
    "ledger:record": { ok: () => ["--samples"], env: () => ({ ...dynamoEnv, ALARM_TABLE_NAME: table }) },
    "ledger:local": { repeat: "--port", longRunning: { args: () => ["--port", String(ledgerPort)], ready: /Ctrl-C to stop\./ } },
    deploy: { prefix: ["preview"] },
    // Offline: renders the stage's previews (this stage has no channel: it says so), sending nothing.
    notify: { ok: () => ["--preview", "--stack", STAGE] },
    // Against the local CloudWatch and dynalite: a stage with no data yet is "no data" for status (exit 1).
    status: { failed: () => ["--stack", STAGE], longRunning: { args: () => ["--stack", STAGE, "--watch", "5"], ready: /^WEBHEALTH /m }, env: () => awsEnv },
    report: { ok: () => ["--stack", STAGE, "--since", "1d"], env: () => awsEnv, colours: false },
  };

  before(async () => {
    server = await startHttpServer();
    refused = await refusedPort();
    ledgerPort = await refusedPort();
    dynamo = await startDynalite();
    table = await dynamo.createTable();
    dynamoEnv = { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AWS_REGION: "us-east-1" };
    cloudWatch = await startFakeCloudWatch();
    await dynamo.createTableNamed(`webhealth-${STAGE}-alarm-ledger`);
    awsEnv = { ...dynamoEnv, AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.endpoint };
    fs.writeFileSync(STAGE_FILE, `config:\n  aws:region: us-east-1\n  webhealth:targets:\n    - url: ${server.url("/ok")}\n      name: local\n`);
  });
  after(async () => {
    fs.rmSync(STAGE_DIR, { recursive: true, force: true });
    await server.close();
    await dynamo.close();
    await cloudWatch.close();
  });

  const { commands, others } = scriptCommands();

  it("covers every script: each is a command run by scripts/run.cjs, or a named tool wrapper", () => {
    expect(others.sort()).to.deep.equal(Object.keys(TOOL_SCRIPTS).sort());
    expect(commands.map((command) => command.name)).to.include.members(["probe", "synth", "alarms", "ledger:local", "deploy", "bench:probe", "bench:synth"]);
  });

  for (const { name } of commands) {
    describe(`npm run ${name}`, () => {
      const fixture = (): Fixture => FIXTURES[name] ?? {};
      const env = (): NodeJS.ProcessEnv => ({ WEBHEALTH_STAGE_DIR: STAGE_DIR, ...(fixture().env?.() ?? {}) });
      let help = "";

      it("--help prints the usage, every option and the exit codes on stdout, exit 0", async () => {
        const run = await runScript(name, [...(fixture().prefix ?? []), "--help"]);
        expect([run.code, run.stderr]).to.deep.equal([0, ""]);
        expect(run.stdout).to.match(new RegExp(`^Usage: npm run ${name.replace(/[:]/g, "\\$&")}\\b`));
        expect(run.stdout).to.match(/--help/);
        expect(run.stdout).to.match(/\b0\b[^]*\b1\b[^]*\b2\b[^]*\b130\b/);
        help = run.stdout;
      });

      it("-h is --help too", async () => {
        const run = await runScript(name, ["-h"]);
        expect([run.code, run.stdout.split("\n")[0]]).to.deep.equal([0, help.split("\n")[0]]);
      });

      it("an unknown option: exit 2, named in our words, nothing on stdout", async () => {
        const run = await runScript(name, [...(fixture().prefix ?? []), "--no-such-option"]);
        expect([run.code, run.stdout]).to.deep.equal([2, ""]);
        expect(run.stderr).to.match(/unknown option --no-such-option/);
        expect(run.stderr).to.not.match(NODE_PARSER_WORDING);
        expect(run.stderr).to.not.match(STACK_TRACE);
      });

      /** The first option of the help that takes one value (not a repeatable one). */
      const singleValued = () => /^\s+(?:-\w, )?(--[a-z-]+) <[^>]+>(?!.*\(repeatable\))/m.exec(help)?.[1];

      it("an option without its value, or followed by another option: exit 2, in our words", async function () {
        const option = singleValued();
        if (!option) return this.skip();
        for (const args of [[option], [option, "--help-me"]]) {
          const run = await runScript(name, [...(fixture().prefix ?? []), ...args]);
          expect([run.code, run.stdout], args.join(" ")).to.deep.equal([2, ""]);
          expect(run.stderr).to.match(new RegExp(`${option} needs a value`));
          expect(run.stderr).to.not.match(NODE_PARSER_WORDING);
        }
      });

      it("a single-valued option given twice: exit 2, refused before anything runs", async function () {
        const option = fixture().repeat ?? singleValued();
        if (!option) return this.skip();
        const run = await runScript(name, [...(fixture().prefix ?? []), option, "1", option, "2"], { env: env(), timeoutMs: 15_000 });
        expect([run.code, run.stdout]).to.deep.equal([2, ""]);
        expect(run.stderr).to.match(new RegExp(`${option}:? given more than once`));
      });

      it("stdout closed before it writes (| head): no EPIPE trace, the run's own exit status", async () => {
        const args = fixture().ok?.() ?? ["--help"];
        const run = await runScript(name, args, { env: env(), closeStdout: true });
        expect([run.code, run.stderr.replace(/^probe: published.*\n/, "")]).to.deep.equal([0, ""]);
      });

      it("NO_COLOR: no escape codes even when colour is forced", async () => {
        const args = fixture().ok?.() ?? ["--help"];
        const run = await runScript(name, args, { env: { ...env(), FORCE_COLOR: "1", NO_COLOR: "1" } });
        expect(run.code).to.equal(0);
        expect(run.stdout + run.stderr).to.not.match(ANSI);
        if (fixture().colours) {
          const coloured = await runScript(name, args, { env: { ...env(), FORCE_COLOR: "1" } });
          expect(coloured.stdout).to.match(ANSI);
        }
      });

      it("exit 0 for a run that succeeds, 1 for one whose check fails", async function () {
        const { ok, failed } = fixture();
        if (!ok && !failed) return this.skip();
        if (ok) {
          const run = await runScript(name, ok(), { env: env() });
          expect([run.code, run.stderr], run.stderr).to.deep.equal([0, ""]);
          expect(run.stdout).to.not.equal("");
        }
        if (failed) {
          const run = await runScript(name, failed(), { env: env() });
          expect(run.code, run.stderr).to.equal(1);
        }
      });

      it("SIGTERM or Ctrl-C to npm's process stops the command: exit 130", async function () {
        const long = fixture().longRunning;
        if (!long) return this.skip();
        for (const signal of ["SIGTERM", "SIGINT"] as const) {
          const run = await runScript(name, long.args(), { env: env(), signal: { name: signal, when: long.ready, afterMs: long.afterMs } });
          expect(run.stderr, signal).to.not.match(STACK_TRACE);
          // npm passes the signal on and exits with the command's own status: 130, not death by the signal.
          expect([run.code, run.signal], `${signal}: ${run.stderr}`).to.deep.equal([130, null]);
        }
      });
    });
  }

  it("ledger:local stopped through npm leaves no server behind and deletes its temporary folder", async () => {
    const port = await refusedPort();
    const run = await runScript("ledger:local", ["--port", String(port)], { signal: { name: "SIGTERM", when: /Ctrl-C to stop\./ } });
    const folder = /^Data: (.+) \(temporary/m.exec(run.stdout)?.[1] ?? "";
    const refusedNow = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(false)));
      socket.once("error", () => resolve(true));
    });
    expect(folder.startsWith(path.join(os.tmpdir(), "webhealth-ledger-")), run.stdout).to.equal(true);
    expect([refusedNow, fs.existsSync(folder), run.stdout.trimEnd().split("\n").pop()]).to.deep.equal([true, false, "Stopped."]);
  });
});
