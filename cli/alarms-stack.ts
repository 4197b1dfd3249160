/** Finds a stage's ledger table through `pulumi stack output` (the stack's outputs contract). */
import { execFile } from "node:child_process";
import { PROJECT_ROOT } from "../infra/stack-files";
import type { StackOutputs } from "../infra/outputs";
import { SetupError, UsageError } from "./usage";

export interface LedgerLocation {
  tableName: string;
  /** Undefined: the SDK's usual region settings (AWS_REGION, profile). */
  region?: string;
}

function run(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: PROJECT_ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(Object.assign(error, { stderr })) : resolve({ stdout, stderr }),
    );
  });
}

export async function stackLedgerLocation(stage: string): Promise<LedgerLocation> {
  let stdout: string;
  try {
    ({ stdout } = await run("pulumi", ["stack", "output", "--json", "--stack", stage]));
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === "ENOENT") {
      throw new SetupError("--stack needs the Pulumi CLI, and no `pulumi` is on PATH: pass --table <name> instead (region from AWS_REGION)");
    }
    const detail = (failure.stderr ?? "").trim().split("\n")[0] || failure.message;
    throw new UsageError(`--stack ${stage}: \`pulumi stack output\` failed: ${detail}`);
  }
  let outputs: Partial<StackOutputs>;
  try {
    outputs = JSON.parse(stdout) as Partial<StackOutputs>;
  } catch {
    throw new UsageError(`--stack ${stage}: \`pulumi stack output --json\` did not print JSON`);
  }
  if (typeof outputs.alarmTableName !== "string" || outputs.alarmTableName === "") {
    throw new UsageError(`--stack ${stage}: the stack has no alarmTableName output (not deployed yet?): pass --table <name>`);
  }
  return { tableName: outputs.alarmTableName, region: typeof outputs.homeRegion === "string" ? outputs.homeRegion : undefined };
}
