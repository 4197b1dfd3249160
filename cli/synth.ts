/**
 * `npm run synth -- --stack <stage> [--json]`: evaluates the Pulumi program under Pulumi's mocks
 * with `Pulumi.<stage>.yaml` (no Pulumi CLI, no credentials) and prints the resource plan.
 *
 * Exit codes: 0 printed, 2 bad arguments, stack file or config (the key and the reason on stderr,
 * nothing on stdout), 1 anything else.
 */
import { ValidationError } from "../functions/common/targets";
import { StackFileError } from "../infra/stack-files";
import { synthesize } from "../infra/synth";
import { formatSummary } from "./synth-format";
import { UsageError } from "./usage";

const USAGE = "usage: npm run synth -- --stack <stage> [--json]";

export function parseArgs(argv: string[]): { stack: string; json: boolean } {
  let stack: string | undefined;
  let json = false;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === "--json") json = true;
    else if (arg === "--stack") {
      stack = argv[index + 1];
      if (stack === undefined || stack.startsWith("--")) throw new UsageError("--stack: needs a stage name");
      index += 1;
    } else if (arg.startsWith("--stack=")) stack = arg.slice("--stack=".length);
    else throw new UsageError(`${arg}: unknown argument`);
  }
  if (!stack) throw new UsageError("--stack: is required");
  return { stack, json };
}

// A reader that closes the pipe early (`| head`) is not an error of ours.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

async function main(): Promise<number> {
  let options: { stack: string; json: boolean };
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const { document } = await synthesize(options.stack);
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
