/**
 * Lambda entry point of the CodeDeploy BeforeAllowTraffic hook (see ./hook.ts for what it does).
 * Clients are created once per container; the runtime's AWS_REGION places them in the hook's region,
 * which is the region of the deployment and of the function under test.
 */
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { HookEvent, HookResult, runHook } from "./hook";

const codeDeploy = new CodeDeployClient({});
const lambda = new LambdaClient({});

/** Used when no Lambda context is given (a local call): the default Lambda timeout of 3 s would be too short for a self-test. */
const DEFAULT_BUDGET_MS = 60_000;

export async function handler(event: HookEvent, context?: { getRemainingTimeInMillis?: () => number }): Promise<HookResult> {
  return runHook(event, {
    codeDeploy,
    lambda,
    env: process.env,
    remainingMs: () => context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS,
    log: (line) => console.log(line),
  });
}
