/**
 * Running commands the way users do, for the convention table and the docs test: `npm run <script>`
 * from the project root, with extra environment, optionally with stdout closed before the command
 * writes or a signal sent to npm's process once the command says something.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../infra/stack-files";

/** The npm on PATH, as a user's shell finds it. */
export const NPM = "npm";

export interface ScriptCommand {
  /** The npm script name. */
  name: string;
  /** The TypeScript entry the runner builds (`cli/probe.ts`). */
  entry: string;
}

/** Scripts that wrap a tool with its own conventions rather than being webhealth commands. */
export const TOOL_SCRIPTS: Record<string, string> = {
  check: "tsc, ESLint and actionlint with their own command lines",
  test: "mocha",
  "test:engine": "mocha with the engine tests' config",
};

const RUNNER = /^exec node scripts\/run\.cjs (\S+\.ts)$/;

/** Every command in package.json: the scripts that run a TypeScript entry through scripts/run.cjs. */
export function scriptCommands(): { commands: ScriptCommand[]; others: string[] } {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const commands: ScriptCommand[] = [];
  const others: string[] = [];
  for (const [name, line] of Object.entries(scripts)) {
    const match = RUNNER.exec(line);
    if (match) commands.push({ name, entry: match[1] });
    else others.push(name);
  }
  return { commands, others };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Close the read end of stdout at once: every write the command makes meets a closed pipe. */
  closeStdout?: boolean;
  /** Send this signal to npm's process once `when` matches stdout or stderr, or `afterMs` after the start. */
  signal?: { name: NodeJS.Signals; when?: RegExp; afterMs?: number };
  timeoutMs?: number;
}

/** `npm run <script> -- <args>`; resolves when npm exits. */
export function runScript(script: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NPM, ["run", script, "--", ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let signalled = false;
    const sendSignal = () => {
      if (options.signal && !signalled) {
        signalled = true;
        child.kill(options.signal.name);
      }
    };
    const maybeSignal = () => {
      if (options.signal?.when?.test(stdout + stderr)) sendSignal();
    };
    const signalTimer = options.signal?.afterMs === undefined ? undefined : setTimeout(sendSignal, options.signal.afterMs);
    if (options.closeStdout) child.stdout.destroy();
    else
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        maybeSignal();
      });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      maybeSignal();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (signalTimer) clearTimeout(signalTimer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Node's own parser wording, which no message of ours may show. */
export const NODE_PARSER_WORDING = /argument is ambiguous|To specify a positional argument|'-- "|ERR_PARSE_ARGS|Unknown option '|argument missing|This command does not take positional/;

/** A stack trace in output: `    at fn (file:line:col)`. */
export const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

/** An ANSI escape sequence (colour). */
export const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);

/** The code blocks of a page of the docs (`docs/<page>`), each as its lines: what a doc shows as output. */
export function docCodeBlocks(page: string): string[][] {
  const blocks: string[][] = [];
  let current: string[] | undefined;
  for (const line of fs.readFileSync(path.join(PROJECT_ROOT, "docs", page), "utf8").split("\n")) {
    if (/^```/.test(line)) {
      if (current) blocks.push(current);
      current = current ? undefined : [];
    } else current?.push(line);
  }
  return blocks;
}
