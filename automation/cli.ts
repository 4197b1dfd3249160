/**
 * `npm run deploy -- <command> --stage <stage> [options]`: the deploy driver. See `--help` and
 * "Deploying" in the README. Exit codes: 0 ok, 1 failed, 2 usage, 130 cancelled.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { PROJECT_ROOT } from "../infra/stack-files";
import { EXIT, parseArgs } from "./args";
import { execute } from "./commands";
import { POLICY_PACK_PATH, pulumiStacks } from "./engine";
import { readStageGraph } from "./stages";
import { abortableSleep, awsClients, DEFAULT_TIMINGS, type Runtime } from "./runtime";

/**
 * Where the stage files are: the project root, or `WEBHEALTH_STAGE_DIR` (tests point it at their
 * own fixture stage files, so a user's edits to the shipped ones never change what tests see).
 */
function stageRoot(): string {
  return process.env.WEBHEALTH_STAGE_DIR || PROJECT_ROOT;
}

function commitSha(): string {
  if (process.env.GITHUB_SHA) return process.env.GITHUB_SHA;
  return execFileSync("git", ["rev-parse", "HEAD"], { cwd: PROJECT_ROOT, encoding: "utf8" }).trim();
}

/**
 * The first Ctrl-C (or SIGTERM from a CI runner) aborts the runtime's signal: the running command
 * stops following, starts nothing new and lets a running Pulumi operation finish gracefully.
 * Later ones only say what is being waited for: a forced exit could leave the stack locked.
 */
function installInterruptHandlers(controller: AbortController): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      process.stderr.write(`\n${signal}: cancelling...\n`);
      controller.abort();
    } else {
      process.stderr.write(`\n${signal}: still waiting for Pulumi to finish its in-flight operations so the stack is not left locked\n`);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

async function main(): Promise<number> {
  const parsed = parseArgs(process.argv.slice(2), readStageGraph(stageRoot()));
  if (parsed.kind === "help") {
    process.stdout.write(parsed.text);
    return EXIT.ok;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`error: ${parsed.message}\n`);
    return EXIT.usage;
  }
  const controller = new AbortController();
  installInterruptHandlers(controller);
  const runtime: Runtime = {
    stacks: pulumiStacks(),
    aws: awsClients(),
    out: process.stdout,
    err: process.stderr,
    signal: controller.signal,
    sleep: abortableSleep,
    now: () => new Date(),
    commitSha,
    randomId: () => randomBytes(4).toString("hex"),
    stepSummaryPath: process.env.GITHUB_STEP_SUMMARY || undefined,
    root: stageRoot(),
    policyPacks: [POLICY_PACK_PATH],
    timings: DEFAULT_TIMINGS,
  };
  return execute(runtime, parsed.args);
}

main().then(
  (code) => {
    // exitCode, not exit(): stdout may still be draining into a pipe.
    process.exitCode = code;
    // Signal handlers keep no handle open, but the AWS SDK's keep-alive sockets may: end promptly.
    setTimeout(() => process.exit(code), 1_000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
