/**
 * `npm run synth -- --stack <stage> [--json]`: evaluates the Pulumi program under Pulumi's mocks
 * with `Pulumi.<stage>.yaml` (no Pulumi CLI, no credentials) and prints the resource plan.
 *
 * Exit codes: 0 printed, 2 bad arguments, stack file or config (the key and the reason on stderr,
 * nothing on stdout), 1 anything else.
 */
import { ValidationError } from "../functions/common/targets";
import { readStackConfigFile, StackFileError } from "../infra/stack-files";
import { synthesize } from "../infra/synth";
import { formatSummary } from "./synth-format";
import { UsageError } from "./usage";

const USAGE = "usage: npm run synth -- --stack <stage> [--config-file <Pulumi.<stage>.yaml>] [--json]";

export interface SynthOptions {
  stack: string;
  json: boolean;
  /** Like Pulumi's `--config-file`: read the stage's config from this file instead of Pulumi.<stack>.yaml. */
  configFile?: string;
}

export function parseArgs(argv: string[]): SynthOptions {
  let stack: string | undefined;
  let configFile: string | undefined;
  let json = false;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === "--json") json = true;
    else if (arg === "--stack" || arg === "--config-file") {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith("--")) throw new UsageError(arg === "--stack" ? "--stack: needs a stage name" : "--config-file: needs a file");
      if (arg === "--stack") stack = value;
      else configFile = value;
      index += 1;
    } else if (arg.startsWith("--stack=")) stack = arg.slice("--stack=".length);
    else if (arg.startsWith("--config-file=")) configFile = arg.slice("--config-file=".length);
    else throw new UsageError(`${arg}: unknown argument`);
  }
  if (!stack) throw new UsageError("--stack: is required");
  return { stack, json, ...(configFile ? { configFile } : {}) };
}

// A reader that closes the pipe early (`| head`) is not an error of ours.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

async function main(): Promise<number> {
  let options: SynthOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const { document } = await synthesize(options.stack, options.configFile ? readStackConfigFile(options.configFile) : undefined);
    const text = options.json ? `${JSON.stringify(document, null, 2)}\n` : formatSummary(document);
    await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
    return 0;
  } catch (error) {
    if (error instanceof ValidationError || error instanceof StackFileError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`synth failed: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

main().then((code) => {
  process.exitCode = code;
});
