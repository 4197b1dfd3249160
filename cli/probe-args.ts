/** `npm run probe` options and targets: parsed and validated before anything is probed. */
import * as fs from "node:fs";
import { stackFileTargets } from "../infra/config";
import { PROJECT_ROOT, readStackConfig, StackFileError } from "../infra/stack-files";
import { parseTargets, TARGET_LIMITS, TargetSchema, validate, ValidationError, type Target } from "../functions/common/targets";
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from "../functions/probe/run";
import { parseCommandLine, UsageError } from "./usage";

export const USAGE = `Usage: npm run probe -- [--stack <stage>] [--targets <file.json>] [--json] [--timeout <ms>] [--concurrency <n>] [--publish] [url ...]

Probes each target once and prints a table (or, with --json, one JSON object per target per line).
  --stack <stage>        probe the targets of Pulumi.<stage>.yaml (config key webhealth:targets)
  --targets <file.json>  probe the targets in a JSON file (a list of targets, same schema)
  --json                 one JSON line per target, in input order
  --timeout <ms>         timeout for every target (${TARGET_LIMITS.minTimeoutMs}-${TARGET_LIMITS.maxTimeoutMs}), overriding theirs
  --concurrency <n>      targets probed at once (1-${MAX_CONCURRENCY}, default ${DEFAULT_CONCURRENCY})
  --publish              publish the metrics to CloudWatch, like the probe Lambda
  -h, --help             this help
Exit status: 0 every target ok, 1 any target not ok, 2 bad input (nothing probed).`;

export interface CliOptions {
  stack?: string;
  targetsFile?: string;
  json: boolean;
  timeoutMs?: number;
  concurrency: number;
  publish: boolean;
  urls: string[];
  help: boolean;
}

function wholeNumber(option: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${option}: must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

export function parseCliArgs(argv: string[]): CliOptions {
  const { values, positionals } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      stack: { type: "string" },
      targets: { type: "string" },
      json: { type: "boolean", default: false },
      timeout: { type: "string" },
      concurrency: { type: "string" },
      publish: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  return {
    stack: values.stack,
    targetsFile: values.targets,
    json: values.json ?? false,
    timeoutMs: values.timeout === undefined ? undefined : wholeNumber("--timeout", values.timeout, TARGET_LIMITS.minTimeoutMs, TARGET_LIMITS.maxTimeoutMs),
    concurrency: values.concurrency === undefined ? DEFAULT_CONCURRENCY : wholeNumber("--concurrency", values.concurrency, 1, MAX_CONCURRENCY),
    publish: values.publish ?? false,
    urls: positionals,
    help: values.help ?? false,
  };
}

/** Prefixes every problem of a ValidationError with where the value came from. */
function rethrowWithSource(error: unknown, source: string): never {
  if (error instanceof ValidationError) throw new UsageError(error.problems.map((problem) => `${source}: ${problem}`).join("\n"));
  throw error;
}

export interface LoadedTargets {
  targets: Target[];
  /** The `aws:region` of the stack, when --stack was given and sets one. */
  stackRegion?: string;
}

export const STACK_TARGETS_KEY = "webhealth:targets";

/** Reads the targets of every source (stack, file, URLs), in that order; `root` holds the stack files. */
export function loadTargets(options: CliOptions, root = PROJECT_ROOT): LoadedTargets {
  const targets: Target[] = [];
  let stackRegion: string | undefined;
  if (options.stack !== undefined) {
    let config: Record<string, unknown>;
    try {
      config = readStackConfig(options.stack, root);
    } catch (error) {
      if (error instanceof StackFileError) throw new UsageError(error.message);
      throw error;
    }
    if (config[STACK_TARGETS_KEY] === undefined) throw new UsageError(`Pulumi.${options.stack}.yaml: ${STACK_TARGETS_KEY}: is required`);
    try {
      targets.push(...stackFileTargets(config[STACK_TARGETS_KEY], STACK_TARGETS_KEY));
    } catch (error) {
      rethrowWithSource(error, `Pulumi.${options.stack}.yaml`);
    }
    if (typeof config["aws:region"] === "string") stackRegion = config["aws:region"];
  }
  if (options.targetsFile !== undefined) {
    const file = options.targetsFile;
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (error) {
      throw new UsageError(`--targets ${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`--targets ${file}: not valid JSON (${(error as Error).message})`);
    }
    try {
      targets.push(...parseTargets(value, "targets"));
    } catch (error) {
      rethrowWithSource(error, file);
    }
  }
  for (const url of options.urls) {
    try {
      targets.push(validate(TargetSchema, { url }, ""));
    } catch (error) {
      if (error instanceof ValidationError) throw new UsageError(`${JSON.stringify(url)}: ${error.problems.map((problem) => problem.replace(/^url: /, "")).join("; ")}`);
      throw error;
    }
  }
  if (targets.length === 0) throw new UsageError("no targets: give --stack <stage>, --targets <file.json> or URLs (see --help)");
  const withTimeout = options.timeoutMs === undefined ? targets : targets.map((target) => ({ ...target, timeoutMs: options.timeoutMs }));
  try {
    // Each source is valid on its own; together their URLs must still be unique.
    return { targets: parseTargets(withTimeout, "targets"), stackRegion };
  } catch (error) {
    rethrowWithSource(error, "the combined target list (stack, then file, then URLs)");
  }
}
