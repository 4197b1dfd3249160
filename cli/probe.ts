/**
 * `npm run probe -- [--stack <stage>] [--targets <file.json>] [--secrets <file.json>] [--json]
 *  [--strict] [--timeout <ms>] [--concurrency <n>] [--certificate-days <n>] [--publish] [url ...]`:
 *  the probe engine on this machine.
 */
import { createCloudWatchClient } from "../functions/probe/index";
import { publishDatums, targetDatums } from "../functions/probe/publish";
import { probeAll, type RunOptions } from "../functions/probe/run";
import { readProbeSettings } from "../functions/probe/settings";
import { PROBE_ENV } from "../functions/common/contract";
import { ValidationError } from "../functions/common/targets";
import { PROJECT_ROOT } from "../infra/stack-files";
import { loadTargets, parseCliArgs, readSecretsFile, resolveLocalSecrets, USAGE } from "./probe-args";
import { UsageError } from "./usage";
import { formatTable } from "./probe-table";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Where the Pulumi.<stage>.yaml files are. */
  root: string;
  /** Tests only: engine options for their local servers. */
  engine?: Pick<RunOptions, "lookup" | "ca">;
}

export const EXIT = { ok: 0, notOk: 1, badInput: 2 } as const;

/** Runs the CLI and resolves to its exit status; never calls process.exit, so piped output drains. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let options, loaded, settings, region, secrets;
  try {
    options = parseCliArgs(argv);
    if (options.help) {
      io.stdout.write(USAGE + "\n");
      return EXIT.ok;
    }
    loaded = loadTargets(options, io.root);
    secrets = resolveLocalSecrets(loaded.targets, options.secretsFile === undefined ? undefined : readSecretsFile(options.secretsFile), io.env);
    // Publishing settings are checked before anything is probed, like every other input.
    settings = options.publish ? readProbeSettings(io.env) : undefined;
    // An explicit METRICS_REGION wins, then the stack's home region, then the ambient AWS_REGION.
    region = io.env[PROBE_ENV.metricsRegion] || loaded.stackRegion || io.env.AWS_REGION;
    if (settings && !region) throw new UsageError(`--publish: no region to publish to: set ${PROBE_ENV.metricsRegion} or AWS_REGION, or use --stack with a stage that sets aws:region`);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ValidationError) {
      io.stderr.write(`probe: ${error.message}\n`);
      return EXIT.badInput;
    }
    throw error;
  }

  const progress = isTerminal(io.stderr) ? progressLine(io.stderr) : undefined;
  const { results, eventLoopDelay } = await probeAll(loaded.targets, {
    ...io.engine,
    concurrency: options.concurrency,
    secrets,
    warnings: loaded.thresholds,
    onProgress: progress?.update,
  });
  progress?.clear();
  io.stdout.write(options.json ? results.map((result) => JSON.stringify(result) + "\n").join("") : formatTable(results, eventLoopDelay));
  const allOk = results.every((result) => result.ok && !(options.strict && result.warnings.length > 0));

  if (settings) {
    const timestamp = new Date();
    const datums = results.flatMap((result) => targetDatums(result, settings, timestamp));
    let client;
    try {
      client = createCloudWatchClient(region);
      const report = await publishDatums(client, settings.namespace, datums);
      io.stderr.write(`probe: published ${report.datums} datums to ${settings.namespace} in ${region} (${report.requests} request${report.requests === 1 ? "" : "s"})\n`);
    } catch (error) {
      io.stderr.write(`probe: publishing failed: ${(error as Error).message}\n`);
      return EXIT.notOk;
    } finally {
      client?.destroy();
    }
  }
  return allOk ? EXIT.ok : EXIT.notOk;
}

function isTerminal(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/** Redraws at most every this many ms: a terminal need not repaint for each of 1,000 fast targets. */
const PROGRESS_INTERVAL_MS = 100;

/** `probing: 12 of 400 targets done` on one stderr line, redrawn in place and erased at the end. */
export function progressLine(stream: NodeJS.WritableStream, now: () => number = () => performance.now()) {
  let last = -Infinity;
  let drawn = false;
  return {
    update(done: number, total: number) {
      if (done < total && now() - last < PROGRESS_INTERVAL_MS) return;
      last = now();
      drawn = true;
      stream.write(`\rprobing: ${done} of ${total} target${total === 1 ? "" : "s"} done\x1b[K`);
    },
    clear() {
      if (drawn) stream.write("\r\x1b[K");
    },
  };
}

if (require.main === module) {
  // `npm run probe -- --json ... | head -1`: the reader may close the pipe early. That is not a
  // failure of the probe: stop writing quietly and keep the exit status of the run.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
  runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, root: PROJECT_ROOT }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`probe: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = EXIT.notOk;
    },
  );
}
