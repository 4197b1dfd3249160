/**
 * Reads a stage's `Pulumi.<stage>.yaml` without the Pulumi CLI, for the tools that run where no
 * CLI is installed (`npm run probe -- --stack`, `npm run synth`). Keys keep Pulumi's
 * `<namespace>:<key>` form, and values keep their structured YAML shape.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { PROJECT_ROOT } from "./project-root";

export { PROJECT_ROOT };
export const PROJECT_NAME = "webhealth";

/** A problem with a stack file, named so the user can fix it. */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

/** Stage names are the `<stage>` of `Pulumi.<stage>.yaml`: letters, digits, `_`, `.`, `-`. */
export function isStageName(stage: string): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(stage);
}

export function stackFilePath(stage: string, root = PROJECT_ROOT): string {
  return path.join(root, `Pulumi.${stage}.yaml`);
}

/** The stages that have a stack file, sorted. */
export function listStages(root = PROJECT_ROOT): string[] {
  return fs
    .readdirSync(root)
    .map((file) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(file)?.[1])
    .filter((stage): stage is string => stage !== undefined)
    .sort();
}

/** The `config:` map of `Pulumi.<stage>.yaml`, e.g. `{ "aws:region": "us-east-1", "webhealth:targets": [...] }`. */
export function readStackConfig(stage: string, root = PROJECT_ROOT): Record<string, unknown> {
  if (!isStageName(stage)) throw new StackFileError(`--stack: "${stage}" is not a valid stage name`);
  const file = stackFilePath(stage, root);
  if (!fs.existsSync(file)) {
    const known = listStages(root);
    throw new StackFileError(`--stack: no stack file Pulumi.${stage}.yaml (known stages: ${known.join(", ") || "none"})`);
  }
  return readStackConfigFile(file, `Pulumi.${stage}.yaml`);
}

/**
 * The `config:` map of any stack file (Pulumi's `--config-file`): `label` names it in messages.
 * https://www.pulumi.com/docs/iac/cli/commands/pulumi_up/ (`--config-file`)
 */
export function readStackConfigFile(file: string, label = path.basename(file)): Record<string, unknown> {
  let document: unknown;
  try {
    document = yaml.load(fs.readFileSync(file, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR") throw new StackFileError(`${label}: no such stack file`);
    throw new StackFileError(`${label}: not valid YAML (${(error as Error).message.split("\n")[0]})`);
  }
  const config = (document as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new StackFileError(`${label}: config must be a map of keys to values`);
  }
  return config as Record<string, unknown>;
}
