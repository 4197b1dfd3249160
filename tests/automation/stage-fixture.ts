/**
 * The driver's test fixtures come from the program itself: `npm run synth` of the tests' own stage
 * files (tests/fixtures/stacks) gives the stack outputs a real `pulumi up` would export, and the
 * resources (alarms, subscriptions, deployment groups) the fakes of AWS are built from. Renaming a
 * function, an alarm or an output in the program changes what the driver tests see.
 *
 * Synthesised once per stage and process, in a child process so it can be read synchronously
 * while test files load.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { StackOutputs } from "../../infra/outputs";
import type { SynthDocument } from "../../infra/synth";
import { FIXTURE_STACKS } from "../fixtures/stacks";

const ROOT = path.resolve(__dirname, "..", "..");
const cache = new Map<string, SynthDocument>();

/** The synth document of the fixture stage file `Pulumi.<stage>.yaml` (or of `file`, under `stage`). */
export function synthFixture(stage: string, file = path.join(FIXTURE_STACKS, `Pulumi.${stage}.yaml`)): SynthDocument {
  const key = `${stage}\n${file}`;
  let document = cache.get(key);
  if (!document) {
    const result = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "cli/synth.ts", "--stack", stage, "--config-file", file, "--json"], {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) throw new Error(`test fixture: npm run synth of ${file} failed: ${result.stderr}`);
    document = JSON.parse(result.stdout) as SynthDocument;
    cache.set(key, document);
  }
  return document;
}

/**
 * The stack outputs of a fixture stage as `pulumi up` exports them. The mocks publish every function
 * as version 1; `version` stands for the version a real up just published.
 */
export function fixtureOutputs(stage: string, version = "7"): StackOutputs {
  const outputs = structuredClone(synthFixture(stage).outputs) as unknown as StackOutputs;
  for (const fn of Object.values(outputs.canaryFunctions)) fn.version = version;
  return outputs;
}
