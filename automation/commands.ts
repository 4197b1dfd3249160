/**
 * The driver's commands. Each takes the parsed arguments and a Runtime (engine, AWS, output,
 * clock, cancellation) and resolves to an exit code; failures are thrown and mapped by `execute`.
 */
import * as fs from "node:fs";
import type { StackOutputs } from "../infra/outputs";
import { StackFileError } from "../infra/stack-files";
import { ValidationError } from "../functions/common/targets";
import { EXIT, type ParsedArgs } from "./args";
import { aliasVersion, previousVersion, shiftAlias } from "./canary";
import { DeployError, StackLockedError, type DeployStack } from "./engine";
import { ChangeCollector, formatSummaryMarkdown, formatSummaryText, statefulGuardMessage } from "./preview";
import { CancelledError, runEngineOperation, throwIfCancelled, withLockRetry, type Runtime } from "./runtime";
import { UsageError } from "../cli/usage";
import { readStackOutputs } from "./stack-outputs";
import { formatVerifyRecord, parseVerifyRecord, runChecks, VERIFY_TAG, type VerifyRecord } from "./verify";

/** Preview (after a refresh) with the policy pack, print the summary; throws when the stateful guard trips. */
export async function previewStage(runtime: Runtime, stack: DeployStack, stage: string, allowReplace: boolean): Promise<void> {
  runtime.out.write(`== preview ${stage} (refresh, then preview with the policy pack)\n`);
  const collector = new ChangeCollector();
  await runEngineOperation(runtime, stack, "preview", (s, hooks) => s.preview({ ...hooks, policyPacks: runtime.policyPacks }).then(() => undefined), collector.onEvent);
  const summary = collector.summary();
  runtime.out.write(formatSummaryText(stage, summary));
  if (runtime.stepSummaryPath) fs.appendFileSync(runtime.stepSummaryPath, formatSummaryMarkdown(stage, summary, allowReplace));
  const refusal = statefulGuardMessage(stage, summary, allowReplace);
  if (refusal) throw new DeployError(refusal);
}

/** Preview checks, `up` with progress streamed, then every canary alias shifted through CodeDeploy. */
export async function upStage(runtime: Runtime, stack: DeployStack, stage: string, allowReplace: boolean): Promise<void> {
  await previewStage(runtime, stack, stage, allowReplace);
  // From here on, the stage's last verify says nothing about what runs: promote must wait for a new one.
  const deployed: VerifyRecord = { sha: runtime.commitSha(), passed: false, at: runtime.now().toISOString(), deployed: true };
  await withLockRetry(runtime, stage, () => stack.setTag(VERIFY_TAG, formatVerifyRecord(deployed)));
  runtime.out.write(`== up ${stage}\n`);
  await runEngineOperation(runtime, stack, "up", (s, hooks) => s.up({ ...hooks, policyPacks: runtime.policyPacks }));
  const outputs = await readStackOutputs(stack, stage);
  runtime.out.write(`== canary ${stage}\n`);
  for (const [key, fn] of sortedFunctions(outputs)) {
    throwIfCancelled(runtime, `shifting ${key}`);
    await shiftAlias(runtime, key, fn, fn.version, `up ${stage}`);
  }
}

function sortedFunctions(outputs: StackOutputs) {
  return Object.entries(outputs.canaryFunctions).sort(([a], [b]) => a.localeCompare(b));
}

/** Runs the checks and records the result on the stack (tag VERIFY_TAG) for `promote`. */
export async function verifyStage(runtime: Runtime, stack: DeployStack, stage: string, bakeMs: number): Promise<void> {
  runtime.out.write(`== verify ${stage}\n`);
  const outputs = await readStackOutputs(stack, stage);
  let problems: string[];
  try {
    problems = await runChecks(runtime, outputs, { stage, bakeMs });
  } catch (error) {
    // Anything but Ctrl-C is a failed verify: record it, so an earlier pass at the same commit no longer counts.
    if (error instanceof CancelledError || runtime.signal.aborted) throw error;
    problems = [describeError(error)];
  }
  const record: VerifyRecord = { sha: runtime.commitSha(), passed: problems.length === 0, at: runtime.now().toISOString() };
  await withLockRetry(runtime, stage, () => stack.setTag(VERIFY_TAG, formatVerifyRecord(record)));
  if (problems.length > 0) throw new DeployError(`verify of ${stage} failed at ${record.sha}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  runtime.out.write(`verify of ${stage} passed at ${record.sha}\n`);
}

/** Why `stage`'s last verify does not allow promoting `sha`, or undefined when it does. */
export function promotionRefusal(fromStage: string, record: VerifyRecord | undefined, sha: string): string | undefined {
  if (!record) return `${fromStage} has no verify record: run verify on ${fromStage} first`;
  if (record.deployed) return `${fromStage} was deployed at ${record.sha} (${record.at}) and not verified since`;
  if (record.sha !== sha) return `${fromStage}'s last verify was at ${record.sha} (${record.at}), not at this commit ${sha}`;
  if (!record.passed) return `${fromStage}'s last verify at ${sha} failed (${record.at})`;
  return undefined;
}

async function promote(runtime: Runtime, args: ParsedArgs): Promise<void> {
  const fromStage = args.fromStage as string;
  const sha = runtime.commitSha();
  const record = parseVerifyRecord(await (await runtime.stacks(fromStage)).getTag(VERIFY_TAG));
  const refusal = promotionRefusal(fromStage, record, sha);
  if (refusal) throw new DeployError(`refusing to promote to ${args.stage}: ${refusal}`);
  runtime.out.write(`${fromStage} passed verify at ${sha} (${record?.at}): promoting to ${args.stage}\n`);
  const stack = await runtime.stacks(args.stage);
  await upStage(runtime, stack, args.stage, args.allowReplace);
  await verifyStage(runtime, stack, args.stage, args.bakeMs);
}

async function rollback(runtime: Runtime, args: ParsedArgs): Promise<void> {
  const outputs = await readStackOutputs(await runtime.stacks(args.stage), args.stage);
  const known = Object.keys(outputs.canaryFunctions).sort();
  const unknown = args.functions.filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new UsageError(`--function: unknown canary function ${unknown.map((k) => `"${k}"`).join(", ")} (in ${args.stage}: ${known.join(", ")})`);
  const selected = sortedFunctions(outputs).filter(([key]) => args.functions.length === 0 || args.functions.includes(key));
  for (const [key, fn] of selected) {
    throwIfCancelled(runtime, `rolling back ${key}`);
    const current = await aliasVersion(runtime, fn);
    const target = args.version ?? (await previousVersion(runtime, fn, current));
    if (!target) {
      throw new DeployError(
        `${key}: ${fn.functionName} has no version before ${current} that served its ${fn.alias} alias through a succeeded CodeDeploy deployment; ` +
          `name one with --version (aws lambda list-versions-by-function --region ${fn.region} --function-name ${fn.functionName})`,
      );
    }
    await shiftAlias(runtime, key, fn, target, `rollback ${args.stage}`);
  }
  runtime.out.write(
    `rollback of ${args.stage} done. The stack still records the newer versions: the next up shifts to them again, so fix forward with a commit.\n`,
  );
}

async function printOutputs(runtime: Runtime, args: ParsedArgs): Promise<void> {
  const outputs = await readStackOutputs(await runtime.stacks(args.stage), args.stage);
  if (args.json) {
    runtime.out.write(JSON.stringify(outputs, null, 2) + "\n");
    return;
  }
  const lines = [
    `stage                    ${outputs.stage}`,
    `homeRegion               ${outputs.homeRegion}`,
    `topicArn                 ${outputs.topicArn}`,
    `alarmTableName           ${outputs.alarmTableName}`,
    `alarmNamePrefix          ${outputs.alarmNamePrefix}`,
    `dashboardUrl             ${outputs.dashboardUrl}`,
    `estimatedMonthlyCostUsd  ${outputs.estimatedMonthlyCostUsd.toFixed(2)}`,
    ...Object.entries(outputs.estimatedMonthlyCostLineItemsUsd ?? {}).map(([item, usd]) => `  ${item.padEnd(23)}${usd.toFixed(2)}`),
    "canaryFunctions:",
    ...sortedFunctions(outputs).map(
      ([key, fn]) => `  ${key}: ${fn.functionName}:${fn.alias} -> version ${fn.version} (${fn.region}, ${fn.codeDeployApplication}/${fn.deploymentGroup}, hook ${fn.hookFunctionName})`,
    ),
  ];
  runtime.out.write(lines.join("\n") + "\n");
}

async function destroy(runtime: Runtime, args: ParsedArgs): Promise<void> {
  const stack = await runtime.stacks(args.stage);
  runtime.out.write(`== destroy ${args.stage}\n`);
  await runEngineOperation(runtime, stack, "destroy", (s, hooks) => s.destroy(hooks));
}

async function dispatch(runtime: Runtime, args: ParsedArgs): Promise<void> {
  switch (args.command) {
    case "preview":
      return previewStage(runtime, await runtime.stacks(args.stage), args.stage, args.allowReplace);
    case "up":
      return upStage(runtime, await runtime.stacks(args.stage), args.stage, args.allowReplace);
    case "verify":
      return verifyStage(runtime, await runtime.stacks(args.stage), args.stage, args.bakeMs);
    case "promote":
      return promote(runtime, args);
    case "rollback":
      return rollback(runtime, args);
    case "outputs":
      return printOutputs(runtime, args);
    case "destroy":
      return destroy(runtime, args);
  }
}

/** Runs a parsed command; prints any failure to stderr and resolves to the exit code. */
export async function execute(runtime: Runtime, args: ParsedArgs): Promise<number> {
  try {
    await dispatch(runtime, args);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CancelledError || runtime.signal.aborted) {
      runtime.err.write(`cancelled: ${(error as Error).message}\n`);
      return EXIT.cancelled;
    }
    if (error instanceof UsageError) {
      runtime.err.write(`error: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof DeployError || error instanceof StackLockedError || error instanceof StackFileError || error instanceof ValidationError) {
      runtime.err.write(`error: ${error.message}\n`);
      return EXIT.failed;
    }
    runtime.err.write(`error: ${describeError(error)}\n`);
    return EXIT.failed;
  }
}

/** An AWS SDK error (it carries `$metadata`) as `AWS AccessDeniedException: ...`; anything else with its stack. */
export function describeError(error: unknown): string {
  if (error instanceof Error && "$metadata" in error) return `AWS ${error.name}: ${error.message}`;
  if (error instanceof DeployError || error instanceof StackFileError || error instanceof ValidationError) return error.message;
  return (error as Error)?.stack ?? String(error);
}
