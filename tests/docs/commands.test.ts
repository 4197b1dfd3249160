/**
 * Every command the README and docs/*.md quote, so a doc cannot drift from the code:
 * - every `npm run <script>` names a script of package.json;
 * - every option a quoted command line shows (synopsis or example) is one its `--help` lists;
 * - examples that run offline run for real (synth, ledger:local, ledger:record, alarms against
 *   dynalite, status and report against the tests' local CloudWatch, Logs Insights and dynalite),
 *   the others (deploying, the internet, long benchmarks) are checked through `--help` only;
 * - every quoted `npx mocha <files>` selects just those files.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../infra/stack-files";
import { startDynalite, type LocalDynamo } from "../ledger/helpers";
import { refusedPort } from "../probe/support/servers";
import * as os from "node:os";
import { runScript, STACK_TRACE, type RunOptions } from "../cli/support";
import { startFakeCloudWatch, type FakeCloudWatch } from "../cli/fake-cloudwatch";
import { startFakeLogs, type FakeLogs } from "../cli/fake-logs";

export interface QuotedCommand {
  file: string;
  env: Record<string, string>;
  script: string;
  /** Everything after the script name, `--` removed. */
  args: string[];
  /** A synopsis (`[--stack <stage>]`, `...`, `a|b`) rather than a command to run. */
  synopsis: boolean;
  text: string;
}

const DOCS = ["README.md", ...fs.readdirSync(path.join(PROJECT_ROOT, "docs")).filter((file) => file.endsWith(".md")).map((file) => `docs/${file}`)];

/** Code spans and the lines of code blocks: where docs quote commands. */
function codeOf(markdown: string): string[] {
  const pieces: string[] = [];
  let inBlock = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) {
      inBlock = !inBlock;
      continue;
    }
    if (inBlock) pieces.push(line.replace(/^\s*\$ /, ""));
    else for (const match of line.matchAll(/`([^`]+)`/g)) pieces.push(match[1]);
  }
  return pieces;
}

/**
 * The command's own words: up to a shell operator or a comment outside brackets (a synopsis's
 * `[--stack <stage> | --table <name>]` keeps its `|`), or the next `npm run`.
 */
function commandLineOf(text: string): string {
  const words = text.trim().split(/\s+/);
  const kept: string[] = [];
  let depth = 0;
  for (const [index, word] of words.entries()) {
    if (depth === 0 && (["|", "||", "&&", ";", ">", ">>"].includes(word) || word.startsWith("#") || (word === "npm" && words[index + 1] === "run"))) break;
    depth += (word.match(/\[/g) ?? []).length - (word.match(/\]/g) ?? []).length;
    kept.push(word);
  }
  return kept.join(" ");
}

/** Every `npm run` in the docs, with its environment prefix and arguments (up to a shell operator or comment). */
export function quotedCommands(): QuotedCommand[] {
  const commands: QuotedCommand[] = [];
  for (const file of DOCS) {
    for (const code of codeOf(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8"))) {
      for (const match of code.matchAll(/((?:[A-Z][A-Z0-9_]*=\S+\s+)*)(?:exec\s+)?npm run ([a-z][a-z0-9:-]*)(.*)/g)) {
        const env = Object.fromEntries([...match[1].matchAll(/([A-Z][A-Z0-9_]*)=(\S+)/g)].map((m) => [m[1], m[2]]));
        const rest = commandLineOf(match[3]);
        const synopsis = /[[\]<>|(]|\.\.\./.test(rest) || /["$]/.test(rest);
        const args = rest.split(/\s+/).filter((arg) => arg !== "" && arg !== "--");
        commands.push({ file, env, script: match[2], args, synopsis, text: `${match[1]}npm run ${match[2]} ${rest}`.trim() });
      }
    }
  }
  return commands;
}

export interface QuotedMocha {
  file: string;
  /** The arguments after `npx mocha`, quotes removed. */
  args: string[];
  /** Its positional arguments: the files or globs it runs. */
  specs: string[];
  text: string;
}

/** Every `npx mocha ...` the docs quote (a code span may run over a line break). */
export function quotedMochaCommands(): QuotedMocha[] {
  const commands: QuotedMocha[] = [];
  for (const file of DOCS) {
    const markdown = fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
    const pieces = [...codeOf(markdown), ...[...markdown.replace(/```[^]*?```/g, "").matchAll(/`([^`]+)`/g)].map((match) => match[1].replace(/\s*\n\s*/g, " "))];
    for (const piece of new Set(pieces)) {
      const match = /(?:^|\s)npx mocha\s+(.*)$/.exec(piece);
      if (!match) continue;
      const args = commandLineOf(match[1])
        .split(/\s+/)
        .filter((arg) => arg !== "")
        .map((arg) => arg.replace(/^'(.*)'$/, "$1"));
      // Options that take a value: the word after them is not a spec.
      const valued = new Set(["-r", "--require", "--extension", "--timeout", "--reporter", "--config", "--spec"]);
      const specs = args.filter((arg, index) => !arg.startsWith("-") && !valued.has(args[index - 1] ?? ""));
      commands.push({ file, args, specs, text: `npx mocha ${match[1]}`.trim() });
    }
  }
  return commands;
}

/** Options a quoted line names (`--stack`, `--stack=x` -> `--stack`). */
const optionsIn = (args: string[]) => [...new Set(args.flatMap((arg) => [...arg.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*)/g)].map((m) => m[1])))];

const TOOLS = new Set(["check", "test", "test:engine"]);

describe("docs: every quoted command works as shown", function () {
  this.timeout(180_000);
  const { scripts } = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const commands = quotedCommands();
  const helps = new Map<string, string>();
  let dynamo: LocalDynamo;
  let cloudWatch: FakeCloudWatch;
  let logs: FakeLogs;
  /** Stage files for the AWS examples, written here (WEBHEALTH_STAGE_DIR), never in the repository. */
  const stageDir = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-doc-stages-"));

  const helpOf = async (script: string) => {
    if (!helps.has(script)) {
      const run = await runScript(script, ["--help"]);
      expect(run.code, `${script} --help: ${run.stderr}`).to.equal(0);
      helps.set(script, run.stdout);
    }
    return helps.get(script) as string;
  };

  before(async () => {
    dynamo = await startDynalite();
  });
  after(async () => {
    await dynamo.close();
    await cloudWatch?.close();
    await logs?.close();
    fs.rmSync(stageDir, { recursive: true, force: true });
  });

  it("the docs quote commands (the parser finds them)", () => {
    expect(commands.length).to.be.above(40);
    expect([...new Set(commands.map((command) => command.script))]).to.include.members(["probe", "synth", "alarms", "status", "report", "ledger:local", "ledger:record", "deploy"]);
  });

  it("every `npm run` names a script of package.json", () => {
    const unknown = commands.filter((command) => !(command.script in scripts)).map((command) => `${command.file}: ${command.text}`);
    expect(unknown).to.deep.equal([]);
  });

  it("every option a quoted command shows is one its --help lists", async () => {
    const problems: string[] = [];
    for (const command of commands.filter((c) => !TOOLS.has(c.script) && c.script in scripts)) {
      const help = await helpOf(command.script);
      for (const option of optionsIn(command.args)) {
        if (!new RegExp(`(^|[\\s,\\[])${option}(?![a-z-])`, "m").test(help)) problems.push(`${command.file}: ${command.text}: ${option} is not an option of npm run ${command.script}`);
      }
    }
    expect(problems).to.deep.equal([]);
  });

  it("the offline examples run: synth, alarms and ledger:record against dynalite, status and report against the fakes, ledger:local until stopped", async () => {
    const ran: string[] = [];
    const tables = new Set<string>();
    // A bare `npm run synth` in prose names the command; only ledger:local runs without options.
    for (const command of commands.filter((c) => !c.synopsis && (c.args.length > 0 || c.script === "ledger:local"))) {
      const options: RunOptions = { env: { ...command.env } };
      let args = command.args;
      if (command.script === "synth" && !args.includes("--config-file")) {
        // Offline: the program under mocks with a shipped stage file.
      } else if (command.script === "alarms" && args.includes("--table") || command.script === "ledger:record") {
        const table = command.script === "ledger:record" ? command.env.ALARM_TABLE_NAME : args[args.indexOf("--table") + 1];
        if (!tables.has(table)) {
          await dynamo.createTableNamed(table);
          tables.add(table);
        }
        options.env = { ...options.env, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };
      } else if ((command.script === "report" || command.script === "status") && args.includes("--stack")) {
        // AWS readers, against the tests' local CloudWatch, Logs Insights and dynalite, with a stage
        // file of the shown stage's name (two probe regions, so status reads the logs too).
        cloudWatch ??= await startFakeCloudWatch();
        logs ??= await startFakeLogs();
        const stage = args[args.indexOf("--stack") + 1];
        fs.writeFileSync(
          path.join(stageDir, `Pulumi.${stage}.yaml`),
          "config:\n  aws:region: us-east-1\n  webhealth:probeRegions: [us-east-1, eu-west-1]\n  webhealth:targets:\n    - url: https://shop.example/\n",
        );
        const table = `webhealth-${stage}-alarm-ledger`;
        if (!tables.has(table)) {
          await dynamo.createTableNamed(table);
          tables.add(table);
        }
        // A file the example writes goes to a temporary folder, not the repository.
        args = args.map((arg, index) => (args[index - 1] === "--out" ? path.join(stageDir, path.basename(arg)) : arg));
        options.env = {
          ...options.env,
          WEBHEALTH_STAGE_DIR: stageDir,
          AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.endpoint,
          AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logs.endpoint,
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "local",
          AWS_SECRET_ACCESS_KEY: "local",
        };
      } else if (command.script === "ledger:local") {
        // The docs show the default port: a free one here, so a ledger:local already running on 8000 is no problem.
        args = [...args, "--port", String(await refusedPort())];
        options.signal = { name: "SIGINT", when: /Ctrl-C to stop\./ };
      } else continue;
      const run = await runScript(command.script, args, options);
      // status exits 1 for a stage without data yet; every other example succeeds.
      const expected = command.script === "ledger:local" ? [130] : command.script === "status" ? [0, 1] : [0];
      expect(run.code, `${command.file}: ${command.text}\n${run.stderr}`).to.be.oneOf(expected);
      expect(run.stderr, command.text).to.not.match(STACK_TRACE);
      ran.push(command.text);
    }
    expect(ran.length).to.be.above(5);
    expect(ran.filter((text) => /^npm run report /.test(text)), "a report example ran against the fakes").to.not.deep.equal([]);
  });

  it("every quoted `npx mocha ...` runs just the files it names", () => {
    const quoted = quotedMochaCommands();
    expect(quoted.map((command) => command.file)).to.include.members(["docs/alarm-ledger.md", "docs/contracts.md", "docs/notifications.md", "docs/policies.md", "docs/status-and-reports.md"]);
    for (const command of quoted) {
      const result = spawnSync("npx", ["mocha", ...command.args, "--dry-run", "--reporter", "json"], { cwd: PROJECT_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      expect(result.status, `${command.file}: ${command.text}\n${result.stderr}`).to.equal(0);
      const files = new Set((JSON.parse(result.stdout) as { tests: Array<{ file: string }> }).tests.map((test) => path.relative(PROJECT_ROOT, test.file)));
      // Each file selected lies under what the command names (a glob's fixed part, or the file itself).
      const roots = command.specs.map((spec) => spec.split(/[*{[]/)[0]);
      const strays = [...files].filter((file) => !roots.some((root) => file.startsWith(root)));
      expect([files.size > 0, strays], `${command.file}: ${command.text}`).to.deep.equal([true, []]);
    }
  });
});
