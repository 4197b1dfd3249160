/** `npm run probe` options and targets: parsed and validated before anything is probed. */
import { CONFIG_DEFAULTS, readConfigValue, stackFileTargets } from "../infra/config";
import { PROJECT_ROOT, readStackConfig, StackFileError } from "../infra/stack-files";
import { isSecretName, secretEnvVarName, SECRET_NAME_RULE } from "../functions/common/secrets";
import { parseTargets, secretReferences, TARGET_LIMITS, TargetSchema, validate, ValidationError, type Target } from "../functions/common/targets";
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from "../functions/probe/run";
import type { WarningThresholds } from "../functions/probe/warnings";
import { parseOptions, type OptionTable, type ParsedCommandLine } from "./kit";
import { readTextFile, UsageError } from "./usage";

const MAX_CERTIFICATE_DAYS = 365;

/** The options of `npm run probe`, with their help (cli/kit.ts prints and parses them). */
export const PROBE_OPTIONS = {
  stack: { type: "string", value: "stage", help: "probe the targets of Pulumi.<stage>.yaml (config key webhealth:targets)" },
  targets: { type: "string", value: "file.json", help: "probe the targets in a JSON file (a list of targets, same schema)" },
  secrets: {
    type: "string",
    value: "file.json",
    help: "values of the secrets targets name: a JSON object of name -> value; without it (or for a name it lacks) WEBHEALTH_SECRET_<NAME> is read from the environment",
  },
  json: { type: "boolean", help: "one JSON line per target, in input order" },
  strict: { type: "boolean", help: "a warning (SLOW, CERTIFICATE) counts as not ok for the exit status" },
  timeout: { type: "string", value: "ms", help: `timeout for every target (${TARGET_LIMITS.minTimeoutMs}-${TARGET_LIMITS.maxTimeoutMs}), overriding theirs` },
  concurrency: { type: "string", value: "n", help: `targets probed at once (1-${MAX_CONCURRENCY}, default ${DEFAULT_CONCURRENCY})` },
  "certificate-days": {
    type: "string",
    value: "n",
    help: `warn CERTIFICATE below n days (1-${MAX_CERTIFICATE_DAYS}; default the stack's alarms.certificateDays, else ${CONFIG_DEFAULTS.alarms.certificateDays})`,
  },
  publish: { type: "boolean", help: "publish the metrics to CloudWatch, like the probe Lambda (nothing touches AWS without it)" },
} satisfies OptionTable;

export interface CliOptions {
  stack?: string;
  targetsFile?: string;
  secretsFile?: string;
  json: boolean;
  strict: boolean;
  timeoutMs?: number;
  concurrency: number;
  certificateDays?: number;
  publish: boolean;
  urls: string[];
}

function wholeNumber(option: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${option}: must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** The parsed command line as the probe uses it (numbers checked). */
export function toCliOptions({ values, positionals }: ParsedCommandLine<typeof PROBE_OPTIONS>): CliOptions {
  return {
    stack: values.stack,
    targetsFile: values.targets,
    secretsFile: values.secrets,
    json: values.json ?? false,
    strict: values.strict ?? false,
    timeoutMs: values.timeout === undefined ? undefined : wholeNumber("--timeout", values.timeout, TARGET_LIMITS.minTimeoutMs, TARGET_LIMITS.maxTimeoutMs),
    concurrency: values.concurrency === undefined ? DEFAULT_CONCURRENCY : wholeNumber("--concurrency", values.concurrency, 1, MAX_CONCURRENCY),
    certificateDays: values["certificate-days"] === undefined ? undefined : wholeNumber("--certificate-days", values["certificate-days"], 1, MAX_CERTIFICATE_DAYS),
    publish: values.publish ?? false,
    urls: positionals,
  };
}

export function parseCliArgs(argv: string[]): CliOptions {
  return toCliOptions(parseOptions(PROBE_OPTIONS, argv, true));
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
  /** The thresholds warnings judge by: the stack's alarm settings (or the defaults), then the options. */
  thresholds: WarningThresholds;
}

/** `webhealth:alarms.<key>` of the stack when it is a whole number in range, else undefined (config validation reports it). */
function stackAlarmSetting(config: Record<string, unknown> | undefined, key: "certificateDays" | "defaultLatencyMs", max: number): number | undefined {
  const alarms = readConfigValue("alarms", config?.["webhealth:alarms"]);
  const value = typeof alarms === "object" && alarms !== null ? (alarms as Record<string, unknown>)[key] : undefined;
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= max ? value : undefined;
}

export const STACK_TARGETS_KEY = "webhealth:targets";

/** Reads the targets of every source (stack, file, URLs), in that order; `root` holds the stack files. */
export function loadTargets(options: CliOptions, root = PROJECT_ROOT): LoadedTargets {
  const targets: Target[] = [];
  let stackRegion: string | undefined;
  let config: Record<string, unknown> | undefined;
  if (options.stack !== undefined) {
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
      text = readTextFile(file);
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
  let combined: Target[];
  try {
    // Each source is valid on its own; together their URLs must still be unique.
    combined = parseTargets(withTimeout, "targets");
  } catch (error) {
    rethrowWithSource(error, "the combined target list (stack, then file, then URLs)");
  }
  const thresholds: WarningThresholds = {
    certificateDays: options.certificateDays ?? stackAlarmSetting(config, "certificateDays", MAX_CERTIFICATE_DAYS) ?? CONFIG_DEFAULTS.alarms.certificateDays,
    defaultLatencyMs: stackAlarmSetting(config, "defaultLatencyMs", 600_000) ?? CONFIG_DEFAULTS.alarms.defaultLatencyMs,
  };
  return { targets: combined, stackRegion, thresholds };
}

/** The `--secrets` file: a JSON object of secret name -> value. Messages name the file and the key, never a value. */
export function readSecretsFile(file: string): Map<string, string> {
  let text: string;
  try {
    text = readTextFile(file);
  } catch (error) {
    throw new UsageError(`--secrets ${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error, which may be a secret.
    throw new UsageError(`--secrets ${file}: not valid JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new UsageError(`--secrets ${file}: must be a JSON object of secret names to values`);
  const secrets = new Map<string, string>();
  const problems: string[] = [];
  for (const [name, secret] of Object.entries(value)) {
    if (!isSecretName(name)) problems.push(`--secrets ${file}: ${JSON.stringify(name)}: must be ${SECRET_NAME_RULE}`);
    else if (typeof secret !== "string") problems.push(`--secrets ${file}: ${name}: must be a string`);
    else secrets.set(name, secret);
  }
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return secrets;
}

/**
 * The value of every secret the targets name: from the --secrets file when it has the name, else from
 * WEBHEALTH_SECRET_<NAME>. A secret found in neither is bad input naming the target and the secret.
 */
export function resolveLocalSecrets(targets: readonly Target[], fromFile: ReadonlyMap<string, string> | undefined, env: NodeJS.ProcessEnv): Map<string, string> {
  const resolved = new Map<string, string>();
  const problems: string[] = [];
  targets.forEach((target, index) => {
    for (const { name, header } of secretReferences(target)) {
      const value = fromFile?.get(name) ?? env[secretEnvVarName(name)];
      if (value !== undefined) resolved.set(name, value);
      else {
        problems.push(
          `targets[${index}] (${target.name ?? target.url}): request.headers.${header}: secret "${name}" is not set: set ${secretEnvVarName(name)}${fromFile ? " or add it to the --secrets file" : " or give it in --secrets <file.json>"}`,
        );
      }
    }
  });
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return resolved;
}
