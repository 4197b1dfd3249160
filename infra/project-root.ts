/**
 * The repository root: the nearest folder at or above this file's that holds `Pulumi.yaml`. This
 * file runs from `infra/` under ts-node and from a bundle in `dist/commands/` under the command
 * runner (scripts/run.cjs), so the root is found rather than assumed one level up.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, "..");
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
