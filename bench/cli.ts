/**
 * `npm run bench:cli`: how long commands take to start, the way users run them (`npm run ...`),
 * against the same command transpiled by ts-node on every run (how every command ran before the
 * runner, scripts/run.cjs). Runs alternate between the two, several rounds, and print the median,
 * the fastest and the slowest; the goal is `npm run probe -- --help` and a one-target local probe
 * within 0.5 s. Also the one-off cost of a rebuild after a source changed.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { defineCommand } from "../cli/kit";
import { EXIT, UsageError } from "../cli/usage";
import { PROJECT_ROOT } from "../infra/project-root";

const GOAL_SECONDS = 0.5;
const DEFAULT_ROUNDS = 10;

interface Case {
  label: string;
  /** The npm script and its arguments. */
  script: string;
  args: string[];
  /** The TypeScript entry, for the ts-node comparison. */
  entry: string;
  goal?: boolean;
}

/** Wall time of one run (asynchronous, so this process's local server keeps answering meanwhile). */
function timeOnce(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve(seconds);
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr}`));
    });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const f = (seconds: number) => `${seconds.toFixed(3)} s`;

function summary(values: number[]): string {
  return `median ${f(median(values))} (min ${f(Math.min(...values))}, max ${f(Math.max(...values))})`;
}

async function run(rounds: number, write: (line: string) => void): Promise<void> {
  const server = http.createServer((_request, response) => response.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    const cases: Case[] = [
      { label: "npm run probe -- --help", script: "probe", args: ["--help"], entry: "cli/probe.ts", goal: true },
      { label: "npm run probe -- <one local URL>", script: "probe", args: [url], entry: "cli/probe.ts", goal: true },
      { label: "npm run alarms -- --help", script: "alarms", args: ["--help"], entry: "cli/alarms.ts" },
      { label: "npm run synth -- --help", script: "synth", args: ["--help"], entry: "cli/synth.ts" },
      { label: "npm run deploy -- --help", script: "deploy", args: ["--help"], entry: "automation/cli.ts" },
    ];
    write(`command start-up: node ${process.version}, ${os.cpus().length} CPU(s), load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}, ${rounds} rounds each, runs alternating`);
    // Warm: each bundle built once, the OS file cache filled.
    for (const c of cases) await timeOnce("npm", ["run", c.script, "--", ...c.args]);
    for (const c of cases) {
      const runner: number[] = [];
      const tsNode: number[] = [];
      const direct: number[] = [];
      for (let round = 0; round < rounds; round++) {
        runner.push(await timeOnce("npm", ["run", c.script, "--", ...c.args]));
        direct.push(await timeOnce(process.execPath, ["scripts/run.cjs", c.entry, ...c.args]));
        tsNode.push(await timeOnce(process.execPath, ["-r", "ts-node/register/transpile-only", c.entry, ...c.args]));
      }
      const verdict = c.goal ? `  -> goal ${GOAL_SECONDS} s ${median(runner) <= GOAL_SECONDS ? "met" : "MISSED"}` : "";
      write(`\n${c.label}`);
      write(`  now (npm + built command):   ${summary(runner)}${verdict}`);
      write(`  runner alone (no npm):       ${summary(direct)}`);
      write(`  before (node + ts-node):     ${summary(tsNode)}; ${(median(tsNode) / median(runner)).toFixed(1)}x the time of npm run now`);
    }
    // A changed source: the next run rebuilds its bundle once (esbuild), then runs.
    const source = path.join(PROJECT_ROOT, "cli", "probe.ts");
    const rebuilds: number[] = [];
    for (let round = 0; round < Math.min(rounds, 5); round++) {
      const now = new Date();
      fs.utimesSync(source, now, now);
      rebuilds.push(await timeOnce("npm", ["run", "probe", "--", "--help"]));
    }
    write(`\nfirst run after a source changed (rebuild, then run): ${summary(rebuilds)}`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export const command = defineCommand({
  name: "bench:cli",
  usage: ["[--rounds <n>]"],
  summary: "Start-up time of commands through npm run (built once by scripts/run.cjs) against ts-node on every run, and the cost of a rebuild.",
  options: { rounds: { type: "string", value: "n", help: `runs of each case (1-100, default ${DEFAULT_ROUNDS})` } },
  exitCodes: { ok: "the figures were printed", failed: "a command failed while measured" },
  async run({ values }, io) {
    const rounds = values.rounds === undefined ? DEFAULT_ROUNDS : Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new UsageError(`--rounds: must be a whole number from 1 to 100, got ${JSON.stringify(values.rounds)}`);
    await run(rounds, (line) => io.stdout.write(`${line}\n`));
    return EXIT.ok;
  },
});

if (require.main === module) void command.main(process.argv.slice(2));
