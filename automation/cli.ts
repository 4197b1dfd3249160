/**
 * `npm run deploy -- <command> --stage <stage> [options]`: the deploy driver. See `--help` and
 * "Deploying" in the README. Exit codes: 0 ok, 1 failed, 2 usage, 130 cancelled.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { PROJECT_ROOT } from "../infra/stack-files";
import { EXIT, parseArgs } from "./args";
import { readStageGraph } from "./stages";
import type { Runtime } from "./runtime";
import { runProcess, type CommandIo } from "../cli/kit";

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
 * The first Ctrl-C (or SIGTERM from a CI runner) aborts the runtime's signal (cli/kit.ts): the
 * running command stops following, starts nothing new and lets a running Pulumi operation finish
 * gracefully. Later ones only say what is being waited for: a forced exit could leave the stack locked.
 */
function announceCancel(signal: AbortSignal): void {
  signal.addEventListener("abort", () => {
    const reason = signal.reason instanceof Error ? signal.reason.message : "interrupted";
    if (reason === "output closed") return;
    process.stderr.write(`\n${reason}: cancelling...\n`);
  });
}

async function deploy(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseArgs(argv, readStageGraph(stageRoot()));
  if (parsed.kind === "help") {
    io.stdout.write(parsed.text);
    return EXIT.ok;
  }
  if (parsed.kind === "error") {
    io.stderr.write(`error: ${parsed.message}\n`);
    return EXIT.usage;
  }
  announceCancel(io.signal);
  // The Automation API and the AWS SDK load in about a second: only once the command line is good.
  const [{ execute }, { POLICY_PACK_PATH, pulumiStacks }, { abortableSleep, awsClients, DEFAULT_TIMINGS }] = await Promise.all([
    import("./commands"),
    import("./engine"),
    import("./runtime"),
  ]);
  const runtime: Runtime = {
    stacks: pulumiStacks(),
    aws: awsClients(),
    out: io.stdout,
    err: io.stderr,
    signal: io.signal,
    sleep: abortableSleep,
    now: () => new Date(),
    commitSha,
    randomId: () => randomBytes(4).toString("hex"),
    stepSummaryPath: io.env.GITHUB_STEP_SUMMARY || undefined,
    root: stageRoot(),
    policyPacks: [POLICY_PACK_PATH],
    timings: DEFAULT_TIMINGS,
  };
  return execute(runtime, parsed.args);
}

/** The runner's entry (scripts/run.cjs): the kit's process conventions around the driver's own parser. */
export const command = {
  main: (argv: string[]) =>
    runProcess("deploy", (io) => deploy(argv, io), {
      interruptible: true,
      onRepeatedSignal: (signal) =>
        process.stderr.write(`\n${signal}: still waiting for Pulumi to finish its in-flight operations so the stack is not left locked\n`),
    }),
};

if (require.main === module) void command.main(process.argv.slice(2));
