/** What every command (probe, alarms, synth, deploy) shares for its command line and input files. */
import * as fs from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Bad input on the command line: the message goes to stderr and the exit status is 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Node's `parseArgs`, with its errors (unknown option, missing value...) turned into UsageErrors,
 * and an option that takes one value refused when given twice (`--timeout 100 --timeout 200`:
 * which one was meant?). Options declared `multiple: true` and flags may repeat.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  let parsed;
  try {
    parsed = parseArgs({ ...config, tokens: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== "option") continue;
    const option = config.options?.[token.name];
    if (!option || option.type !== "string" || option.multiple) continue;
    if (seen.has(token.name)) throw new UsageError(`${token.rawName.startsWith("--") ? `--${token.name}` : token.rawName}: given more than once (it takes one value)`);
    seen.add(token.name);
  }
  if (!config.tokens) delete (parsed as { tokens?: unknown }).tokens;
  return parsed as ReturnType<typeof parseArgs<T>>;
}

/** Text of a UTF-8 file without its byte-order mark (editors on Windows write one; JSON.parse and YAML would choke). */
export function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Reads a UTF-8 text file, byte-order mark removed. Errors are fs's own (ENOENT...). */
export function readTextFile(file: string): string {
  return stripByteOrderMark(fs.readFileSync(file, "utf8"));
}
