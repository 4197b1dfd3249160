/**
 * The command-line kit: one set of conventions for every command (`npm run probe`, `synth`,
 * `alarms`, `ledger:local`, `status`, `report`, `deploy`, the benchmarks...), written once.
 *
 * - `--help` (or `-h`) prints the usage, every option and the exit codes, and exits 0, whatever
 *   else is on the command line.
 * - Exit codes come from one table (`EXIT` in cli/usage.ts): 0 success, 1 a check or operation
 *   failed, 2 bad input or missing setup (reported before anything runs), 130 interrupted.
 *   A missing Pulumi CLI, missing AWS credentials or region, or a permission AWS refuses is the
 *   same "setup" failure (2) in every command, with a message saying what to fix.
 * - Options are parsed by `parseCommandLine` (our wording only; a single-valued option given
 *   twice is refused there).
 * - Colour only on a terminal, never with `NO_COLOR` set (https://no-color.org), forced with
 *   `FORCE_COLOR`.
 * - A reader that closes the pipe early (`| head -1`) ends the output quietly: no EPIPE trace.
 * - Ctrl-C or SIGTERM: exit 130. Commands that run until stopped (`interruptible`) get an
 *   AbortSignal instead, clean up, and also stop when the process that started them goes away.
 *
 * The kit loads nothing heavy itself (no AWS SDK, no zod), so `--help` starts at once.
 */
import { styleText } from "node:util";
import { PROJECT_ROOT } from "../infra/project-root";
import { describeAwsFailure } from "./aws-errors";
import { EXIT, parseCommandLine, SetupError, UsageError } from "./usage";

export type Output = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** What a command may touch: tests pass their own streams, environment, clock and project root. */
export interface CommandIo {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  /** Where the Pulumi.<stage>.yaml files are. */
  root: string;
  /** Aborted by Ctrl-C / SIGTERM, when stdout closes, or when the parent process goes away. */
  signal: AbortSignal;
  /** Epoch milliseconds. */
  now: () => number;
}

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** Repeatable (`--function a --function b`); every other option may be given once. */
  multiple?: boolean;
  /** The value's placeholder in the help: `--stack <stage>`. */
  value?: string;
  help: string;
}

export type OptionTable = Record<string, OptionSpec>;

export type OptionValues<O extends OptionTable> = {
  [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : O[K]["multiple"] extends true ? string[] : string;
};

export interface ParsedCommandLine<O extends OptionTable> {
  values: OptionValues<O>;
  positionals: string[];
}

export interface CommandSpec<O extends OptionTable> {
  /** The npm script name: `npm run <name>`; also the prefix of every message (`probe: ...`). */
  name: string;
  /** What follows `npm run <name> --` in the usage line(s). */
  usage: string[];
  /** One or two sentences. */
  summary: string;
  options: O;
  /** Bare arguments, when the command takes any: a name for the help and what they are. */
  positionals?: { name: string; help: string };
  /** What 0 and 1 mean for this command (2 and 130 mean the same everywhere). */
  exitCodes: { ok: string; failed?: string };
  /** Extra lines at the end of the help. */
  notes?: string[];
  /** Runs until stopped: Ctrl-C aborts `io.signal` instead of exiting at once. */
  interruptible?: boolean;
  /** Adjusts argv before parsing (an option whose value may be left out gets its default). */
  rewriteArgs?: (argv: readonly string[]) => string[];
  run(input: ParsedCommandLine<O>, io: CommandIo): Promise<number>;
}

export interface Command<O extends OptionTable = OptionTable> {
  readonly spec: CommandSpec<O>;
  /** Parses, runs and reports: resolves to the exit code, writing only to `io`. */
  execute(argv: string[], io: CommandIo): Promise<number>;
  /** The process entry: real streams, signals, pipes, exit code. */
  main(argv: string[]): Promise<void>;
}

const HELP: OptionSpec = { type: "boolean", short: "h", help: "print this help and exit" };

/** `--stack <stage>` / `-h, --help`. */
function optionLabel(name: string, spec: OptionSpec): string {
  const long = spec.type === "string" ? `--${name} <${spec.value ?? "value"}>` : `--${name}`;
  return spec.short ? `-${spec.short}, ${long}` : long;
}

/** The help text: usage, summary, every option, positionals, exit codes, notes. */
export function helpText<O extends OptionTable>(spec: CommandSpec<O>): string {
  const options: Array<[string, OptionSpec]> = [...Object.entries(spec.options), ["help", HELP]];
  const rows = options.map(([name, option]) => [optionLabel(name, option), option.help + (option.multiple ? " (repeatable)" : "")]);
  if (spec.positionals) rows.push([spec.positionals.name, spec.positionals.help]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    ...spec.usage.map((usage, index) => `${index === 0 ? "Usage:" : "      "} npm run ${spec.name}${usage ? ` -- ${usage}` : ""}`),
    "",
    spec.summary,
    "",
    "Options:",
    ...rows.map(([label, help]) => `  ${label.padEnd(width)}  ${help}`),
    "",
    "Exit status:",
    `  ${EXIT.ok}    ${spec.exitCodes.ok}`,
    `  ${EXIT.failed}    ${spec.exitCodes.failed ?? "the operation failed (the reason is on stderr)"}`,
    `  ${EXIT.badInput}    bad input or missing setup (options, files, stage config, Pulumi CLI, AWS credentials), reported before anything runs`,
    `  ${EXIT.interrupted}  interrupted (Ctrl-C or SIGTERM)`,
  ];
  if (spec.notes && spec.notes.length > 0) lines.push("", ...spec.notes);
  return `${lines.join("\n")}\n`;
}

/** True when `--help`/`-h` is among the options (before a `--` that ends them). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  const options = end === -1 ? argv : argv.slice(0, end);
  return options.some((arg) => arg === "--help" || arg === "-h");
}

/** An exit code and the message for stderr (without the command prefix), for any failure. */
export function classifyFailure(error: unknown): { code: number; message: string } {
  if (error instanceof UsageError || error instanceof SetupError) return { code: EXIT.badInput, message: error.message };
  // By shape, so the kit need not load zod or js-yaml: targets' ValidationError (and config's
  // ConfigError, a subclass) carry their `problems`; stack files' StackFileError is named.
  const name = (error as Error | undefined)?.name;
  const problems = (error as { problems?: unknown } | undefined)?.problems;
  if (error instanceof Error && (Array.isArray(problems) || name === "StackFileError")) return { code: EXIT.badInput, message: error.message };
  const aws = describeAwsFailure(error);
  if (aws) return { code: EXIT.badInput, message: aws };
  if (error instanceof Error && /spawn pulumi ENOENT/.test(error.message)) {
    return { code: EXIT.badInput, message: "the Pulumi CLI is not on PATH (install it: https://www.pulumi.com/docs/install/)" };
  }
  if (error instanceof Error && "$metadata" in error) return { code: EXIT.failed, message: `AWS ${error.name}: ${error.message}` };
  // Anything else is a bug or an unforeseen failure: keep the stack for the report.
  return { code: EXIT.failed, message: `unexpected error: ${(error as Error)?.stack ?? String(error)}` };
}

/** `name: problem` on every line of bad input (one problem per line); other failures prefixed once. */
function prefixLines(name: string, failure: { code: number; message: string }): string {
  const lines = failure.code === EXIT.badInput ? failure.message.split("\n") : [failure.message];
  return lines.map((line) => `${name}: ${line}\n`).join("");
}

/**
 * Colour for one stream: never with NO_COLOR (any non-empty value); always with FORCE_COLOR
 * (other than `0`/`false`); otherwise only on a terminal that is not `TERM=dumb`.
 */
export function colorEnabled(stream: Output, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  return stream.isTTY === true && env.TERM !== "dumb";
}

export type Style = Parameters<typeof styleText>[0];

/** `text` in `style` when the stream takes colour (see colorEnabled), else unchanged. */
export function paint(io: Pick<CommandIo, "env">, stream: Output, style: Style, text: string): string {
  return colorEnabled(stream, io.env) ? styleText(style, text, { validateStream: false }) : text;
}

/** Parses `argv` against an option table (plus `--help`); every problem is a UsageError. */
export function parseOptions<O extends OptionTable>(options: O, argv: string[], allowPositionals: boolean): ParsedCommandLine<O> {
  const { values, positionals } = parseCommandLine({
    args: argv,
    options: Object.fromEntries(
      [...Object.entries(options), ["help", HELP] as const].map(([name, option]) => [
        name,
        { type: option.type, ...(option.short ? { short: option.short } : {}), ...(option.multiple ? { multiple: true } : {}) },
      ]),
    ),
    allowPositionals,
    strict: true,
  });
  return { values: values as OptionValues<O>, positionals };
}

export function defineCommand<O extends OptionTable>(spec: CommandSpec<O>): Command<O> {
  const execute = async (argv: string[], io: CommandIo): Promise<number> => {
    if (wantsHelp(argv)) {
      io.stdout.write(helpText(spec));
      return EXIT.ok;
    }
    try {
      return await spec.run(parseOptions(spec.options, spec.rewriteArgs ? spec.rewriteArgs(argv) : argv, spec.positionals !== undefined), io);
    } catch (error) {
      const failure = classifyFailure(error);
      io.stderr.write(prefixLines(spec.name, failure));
      return failure.code;
    }
  };
  const command: Command<O> = {
    spec,
    execute,
    main: (argv) => runProcess(spec.name, (io) => execute(argv, io), { interruptible: spec.interruptible }),
  };
  return command;
}

export interface ProcessOptions {
  /** The command stops on io.signal itself; otherwise Ctrl-C exits 130 at once. */
  interruptible?: boolean;
  /** Called for a second (and later) Ctrl-C of an interruptible command; default: exit 130 at once. */
  onRepeatedSignal?: (signal: NodeJS.Signals) => void;
  /** Where the stage files are (default `WEBHEALTH_STAGE_DIR`, else the project root found from this file). */
  root?: string;
}

/** How often a long-running command checks that the process that started it still exists. */
const PARENT_CHECK_MS = 1_000;

/**
 * Runs `body` as this process's command: real streams, the signal handling described above, quiet
 * EPIPE, and the exit code set once the body resolves (exitCode, not exit(): a pipe may still be
 * draining; a one-second unref'd timer then ends a process that an idle keep-alive socket would
 * hold open).
 */
export async function runProcess(name: string, body: (io: CommandIo) => Promise<number>, options: ProcessOptions = {}): Promise<void> {
  const controller = new AbortController();
  let interrupted = false;
  const quietOnClosedPipe = (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") {
      if (!controller.signal.aborted) controller.abort(new Error("output closed"));
      return;
    }
    throw error;
  };
  process.stdout.on("error", quietOnClosedPipe);
  process.stderr.on("error", quietOnClosedPipe);

  const onSignal = (signal: NodeJS.Signals) => {
    if (!options.interruptible) process.exit(EXIT.interrupted);
    if (interrupted) {
      if (options.onRepeatedSignal) options.onRepeatedSignal(signal);
      else process.exit(EXIT.interrupted);
      return;
    }
    interrupted = true;
    controller.abort(new Error(signal));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let parentWatch: NodeJS.Timeout | undefined;
  if (options.interruptible) {
    // `npm run` started us: if npm is killed outright (SIGKILL), nobody forwards a signal, but we are re-parented.
    const parent = process.ppid;
    parentWatch = setInterval(() => {
      if (process.ppid !== parent && !controller.signal.aborted) {
        interrupted = true;
        controller.abort(new Error("parent process exited"));
      }
    }, PARENT_CHECK_MS).unref();
  }

  const io: CommandIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    // WEBHEALTH_STAGE_DIR: a test hook (as the deploy driver has it), so tests point every command at
    // their own stage files instead of writing into the repository.
    root: options.root ?? (process.env.WEBHEALTH_STAGE_DIR || PROJECT_ROOT),
    signal: controller.signal,
    now: Date.now,
  };
  let code: number;
  try {
    code = await body(io);
  } catch (error) {
    const failure = classifyFailure(error);
    process.stderr.write(prefixLines(name, failure));
    code = failure.code;
  }
  if (parentWatch) clearInterval(parentWatch);
  if (interrupted) code = EXIT.interrupted;
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1_000).unref();
}

/** Resolves after `ms`, or at once when `signal` aborts (to end a wait on Ctrl-C). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
