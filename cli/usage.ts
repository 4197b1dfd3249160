/**
 * What every command (probe, synth, alarms, ledger:local, status, report, deploy, the benchmarks...)
 * shares for its command line: the exit-code table, the two kinds of "could not start" errors, and
 * the option parser. The process side (help, signals, pipes, colour) is in `cli/kit.ts`.
 *
 * Parsing is Node's own `util.parseArgs` (no dependency, nothing to load at start-up), walked token
 * by token so that every message is ours: Node's wording (`argument is ambiguous`, `'-- "--bogus"'`)
 * never reaches a user. Input files are read without a UTF-8 byte-order mark (readTextFile).
 */
import * as fs from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** The exit codes of every command, defined once (the README's "Exit codes" table). */
export const EXIT = {
  /** Done; for checks (probe, status), everything was fine. */
  ok: 0,
  /** A check or an operation failed: a target down, an alarm in ALARM, a deployment that failed. */
  failed: 1,
  /**
   * Bad input or missing setup, reported before anything runs: an option, a file or a stage's
   * configuration is wrong, or what the command needs is missing (no Pulumi CLI on PATH, no AWS
   * credentials or region, credentials that lack a permission: the message names the action).
   */
  badInput: 2,
  /** Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad input on the command line or in a file: the message goes to stderr and the exit status is 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The command cannot run here as set up: no Pulumi CLI, no AWS credentials or region, a permission
 * missing. Exit 2 like bad input (fix something and run again), in every command alike.
 */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}

type OptionConfig = NonNullable<ParseArgsConfig["options"]>[string];

/** A value as messages quote it. */
function describeValue(value: string): string {
  return JSON.stringify(value);
}

/**
 * Our own reading of the tokens `parseArgs` produced in its lenient mode; throws a UsageError
 * naming the problem in our words.
 */
/** The tokens `parseArgs` returns with `tokens: true` (the shape Node documents). */
type Token =
  | { kind: "positional"; index: number; value: string }
  | { kind: "option"; index: number; name: string; rawName: string; value: string | undefined; inlineValue: boolean | undefined }
  | { kind: "option-terminator"; index: number };

function checkTokens(config: ParseArgsConfig, tokens: readonly Token[]): void {
  const options: Record<string, OptionConfig> = config.options ?? {};
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind === "positional") {
      if (!config.allowPositionals) throw new UsageError(`unexpected argument ${describeValue(token.value)} (this command takes options only; see --help)`);
      continue;
    }
    if (token.kind !== "option") continue;
    const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (!spec) throw new UsageError(`unknown option ${token.rawName} (see --help for the options)`);
    if (spec.type === "boolean") {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value (got ${token.rawName}=${token.value})`);
      continue;
    }
    if (token.value === undefined) throw new UsageError(`${token.rawName} needs a value`);
    // `--stack --json`: the lenient parser took the next option as the value. A value that really
    // starts with a dash is written inline: --name=-x.
    if (!token.inlineValue && token.value.startsWith("-") && token.value !== "-") {
      throw new UsageError(`${token.rawName} needs a value (got the option ${token.value}; write ${token.rawName}=${token.value} if that is the value)`);
    }
    // One value, given twice (`--timeout 100 --timeout 200`): which one was meant? Options
    // declared `multiple: true` and flags may repeat.
    if (spec.multiple) continue;
    if (seen.has(token.name)) throw new UsageError(`${token.rawName.startsWith("--") ? `--${token.name}` : token.rawName}: given more than once (it takes one value)`);
    seen.add(token.name);
  }
}

/**
 * Node's `parseArgs`, with every problem (unknown option, missing value, unexpected argument, a
 * single-valued option given twice) reported as a UsageError in our own words.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  let lenient;
  try {
    lenient = parseArgs({ ...config, strict: false, allowPositionals: true, tokens: true });
  } catch (error) {
    // Only an invalid configuration (a programming error) gets here: lenient parsing accepts any argv.
    throw new UsageError((error as Error).message);
  }
  checkTokens(config, (lenient.tokens ?? []) as unknown as Token[]);
  try {
    return parseArgs(config);
  } catch (error) {
    // Not expected after checkTokens; kept so a future Node rule still ends as exit 2, not a crash.
    throw new UsageError((error as Error).message);
  }
}

/** Text of a UTF-8 file without its byte-order mark (editors on Windows write one; JSON.parse and YAML would choke). */
export function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Reads a UTF-8 text file, byte-order mark removed. Errors are fs's own (ENOENT...). */
export function readTextFile(file: string): string {
  return stripByteOrderMark(fs.readFileSync(file, "utf8"));
}
