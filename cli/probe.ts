/**
 * `npm run probe -- [--stack <stage>] [--targets <file.json>] [--secrets <file.json>] [--json]
 *  [--strict] [--timeout <ms>] [--concurrency <n>] [--certificate-days <n>] [--publish] [url ...]`:
 *  the probe engine on this machine.
 *
 * The CloudWatch client and the publisher are imported only with --publish: a local probe never
 * loads the AWS SDK (about 80 ms of start-up).
 */
import { performance } from "node:perf_hooks";
import { probeAll, type RunOptions } from "../functions/probe/run";
import type { ProbeSettings } from "../functions/probe/settings";
import { PROBE_ENV } from "../functions/common/contract";
import { defineCommand, paint, type Command, type CommandIo } from "./kit";
import { loadTargets, PROBE_OPTIONS, readSecretsFile, resolveLocalSecrets, toCliOptions, type CliOptions } from "./probe-args";
import { EXIT, SetupError, UsageError } from "./usage";
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

type Engine = CliIo["engine"];

/** The CloudWatch side of --publish, loaded on demand. */
async function publisher(region: string) {
  const [{ createCloudWatchClient }, { publishDatums, targetDatums }] = await Promise.all([import("../functions/probe/index"), import("../functions/probe/publish")]);
  const client = createCloudWatchClient(region);
  return { client, publishDatums, targetDatums };
}

async function runProbe(options: CliOptions, io: CommandIo, engine: Engine): Promise<number> {
  const loaded = loadTargets(options, io.root);
  const secrets = resolveLocalSecrets(loaded.targets, options.secretsFile === undefined ? undefined : readSecretsFile(options.secretsFile), io.env);
  // Publishing settings and credentials are checked before anything is probed, like every other input.
  let publishing: { settings: ProbeSettings; region: string; sink: Awaited<ReturnType<typeof publisher>> } | undefined;
  if (options.publish) {
    const { readProbeSettings } = await import("../functions/probe/settings");
    const settings = readProbeSettings(io.env);
    // An explicit METRICS_REGION wins, then the stack's home region, then the ambient AWS_REGION.
    const region = io.env[PROBE_ENV.metricsRegion] || loaded.stackRegion || io.env.AWS_REGION;
    if (!region) throw new UsageError(`--publish: no region to publish to: set ${PROBE_ENV.metricsRegion} or AWS_REGION, or use --stack with a stage that sets aws:region`);
    const sink = await publisher(region);
    try {
      await sink.client.config.credentials();
    } catch (error) {
      sink.client.destroy();
      throw error;
    }
    publishing = { settings, region, sink };
  }

  const progress = isTerminal(io.stderr) ? progressLine(io.stderr) : undefined;
  const { results, eventLoopDelay } = await probeAll(loaded.targets, {
    ...engine,
    concurrency: options.concurrency,
    secrets,
    warnings: loaded.thresholds,
    onProgress: progress?.update,
  });
  progress?.clear();
  io.stdout.write(options.json ? results.map((result) => JSON.stringify(result) + "\n").join("") : formatTable(results, eventLoopDelay, (style, text) => paint(io, io.stdout, style, text)));
  const allOk = results.every((result) => result.ok && !(options.strict && result.warnings.length > 0));

  if (publishing) {
    const { settings, region, sink } = publishing;
    const timestamp = new Date(io.now());
    const datums = results.flatMap((result) => sink.targetDatums(result, settings, timestamp));
    try {
      const report = await sink.publishDatums(sink.client, settings.namespace, datums);
      io.stderr.write(`probe: published ${report.datums} datums to ${settings.namespace} in ${region} (${report.requests} request${report.requests === 1 ? "" : "s"})\n`);
    } catch (error) {
      if (error instanceof SetupError) throw error;
      io.stderr.write(`probe: publishing failed: ${(error as Error).message}\n`);
      return EXIT.failed;
    } finally {
      sink.client.destroy();
    }
  }
  return allOk ? EXIT.ok : EXIT.failed;
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

function probeCommand(engine?: Engine): Command<typeof PROBE_OPTIONS> {
  return defineCommand({
    name: "probe",
    usage: ["[--stack <stage>] [--targets <file.json>] [--secrets <file.json>] [--json] [--strict] [--timeout <ms>] [--concurrency <n>] [--certificate-days <n>] [--publish] [url ...]"],
    summary: "Probes each target once and prints a table (or, with --json, one JSON object per target per line). Sources combine in the order stack, file, URLs.",
    options: PROBE_OPTIONS,
    positionals: { name: "url ...", help: "bare URLs are targets too (all defaults)" },
    exitCodes: { ok: "every target ok", failed: "any target not ok (with --strict: or warned), or publishing failed" },
    run: (input, io) => runProbe(toCliOptions(input), io, engine),
  });
}

export const command = probeCommand();

/** Runs the CLI and resolves to its exit status; never calls process.exit, so piped output drains. */
export function runCli(argv: string[], io: CliIo): Promise<number> {
  return probeCommand(io.engine).execute(argv, { ...io, signal: new AbortController().signal, now: Date.now });
}

if (require.main === module) void command.main(process.argv.slice(2));
