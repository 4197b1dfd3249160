/** What every command (probe, alarms, synth, deploy) shares for its command line. */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Bad input on the command line: the message goes to stderr and the exit status is 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Node's `parseArgs`, with its errors (unknown option, missing value...) turned into UsageErrors. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
