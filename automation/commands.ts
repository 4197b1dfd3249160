/**
 * The driver's commands. Each takes the parsed arguments and a Runtime (engine, AWS, output,
 * clock, cancellation) and resolves to an exit code; failures are thrown and mapped by `execute`.
 */
import * as fs from "node:fs";
import type { StackOutputs } from "../infra/outputs";
import { StackFileError } from "../infra/stack-files";
import { ValidationError } from "../functions/common/targets";
import { EXIT, type ParsedArgs } from "./args";
import { aliasVersion, previousVersion, readAlias, shiftAlias, type AliasState } from "./canary";
import { DeployError, StackLockedError, type DeployStack } from "./engine";
import { ChangeCollector, formatSummaryMarkdown, formatSummaryText, statefulGuardMessage } from "./preview";
import { CancelledError, runEngineOperation, throwIfCancelled, withLockRetry, type Runtime } from "./runtime";
import { SetupError, UsageError } from "../cli/usage";
import { describeAwsFailure } from "../cli/aws-errors";
import { readStackOutputs } from "./stack-outputs";
import { deploymentTimes, formatVerifyRecord, parseVerifyRecord, runChecks, VERIFY_TAG, type VerifyRecord } from "./verify";

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
  const shifted: Array<{ key: string; from: string; to: string }> = [];
  const attempted: string[] = [];
  for (const [key, fn] of sortedFunctions(outputs)) {
    throwIfCancelled(runtime, `shifting ${key}`);
    attempted.push(key);
    try {
      const outcome = await shiftAlias(runtime, key, fn, fn.version, `up ${stage}`);
      if (outcome.kind === "shifted") shifted.push({ key, from: outcome.from, to: outcome.to });
    } catch (error) {
      if (error instanceof CancelledError || runtime.signal.aborted) throw error;
      throw new DeployError(`${describeError(error)}\n${await oneOutcome(runtime, stage, outputs, key, shifted, attempted)}`);
    }
  }
  const live: VerifyRecord = { ...deployed, liveAt: runtime.now().toISOString() };
  await withLockRetry(runtime, stage, () => stack.setTag(VERIFY_TAG, formatVerifyRecord(live)));
}

/**
 * One stage, one outcome: when a canary fails after others of the same up have shifted, those are
 * rolled back too (like any rollback: alarms not polled, all at once), so a stage never ends with
 * some functions (probe regions) on the new code and others on the old. Returns the report of
 * every function's final version.
 */
async function oneOutcome(
  runtime: Runtime,
  stage: string,
  outputs: StackOutputs,
  failedKey: string,
  shifted: Array<{ key: string; from: string; to: string }>,
  attempted: string[],
): Promise<string> {
  const notes = new Map<string, string>([[failedKey, "its canary failed"]]);
  const lines: string[] = [];
  if (shifted.length > 0) {
    runtime.out.write(`== one outcome for ${stage}: ${failedKey} failed, rolling back ${shifted.map((s) => s.key).join(", ")}, already shifted by this up\n`);
  }
  for (const { key, from, to } of [...shifted].reverse()) {
    throwIfCancelled(runtime, `rolling back ${key}`);
    try {
      await shiftAlias(runtime, key, outputs.canaryFunctions[key], from, `rollback ${stage} (${failedKey} failed)`, { rollback: true });
      notes.set(key, `shifted to ${to} by this up, then rolled back`);
    } catch (error) {
      if (error instanceof CancelledError || runtime.signal.aborted) throw error;
      notes.set(key, `shifted to ${to} by this up; ITS ROLLBACK FAILED: ${describeError(error).split("\n")[0]} (run: npm run deploy -- rollback --stage ${stage} --function ${key} --version ${from})`);
    }
  }
  lines.push(shifted.length > 0 ? `${stage}: one outcome for the stage: every function is back on the version it had before this up` : `${stage}: no function was shifted by this up`);
  if ([...notes.values()].some((note) => note.includes("ROLLBACK FAILED"))) lines[0] = `${stage}: NOT one outcome: a rollback failed, see below`;
  lines.push("final versions (live alias, GetAlias):");
  for (const [key, fn] of sortedFunctions(outputs)) {
    const note = notes.get(key) ?? (attempted.includes(key) ? "already on its version, unchanged" : "not shifted: an earlier canary failed");
    lines.push(`  ${key}: ${await describeLive(runtime, fn)} (${note})`);
  }
  return lines.join("\n");
}

/** `version 6`, `version 6 (10% to version 7)`, or why the alias could not be read. */
async function describeLive(runtime: Runtime, fn: StackOutputs["canaryFunctions"][string]): Promise<string> {
  try {
    return describeAlias(await readAlias(runtime, fn));
  } catch (error) {
    return `unknown (GetAlias failed: ${describeError(error).split("\n")[0]})`;
  }
}

function describeAlias(alias: AliasState): string {
  const weights = Object.entries(alias.weights).map(([version, weight]) => `${Math.round(weight * 1000) / 10}% to version ${version}`);
  return `version ${alias.version}${weights.length > 0 ? ` (${weights.join(", ")})` : ""}`;
}

function sortedFunctions(outputs: StackOutputs) {
  return Object.entries(outputs.canaryFunctions).sort(([a], [b]) => a.localeCompare(b));
}

/** Runs the checks and records the result on the stack (tag VERIFY_TAG) for `promote`. */
export async function verifyStage(runtime: Runtime, stack: DeployStack, stage: string, bakeMs: number, warmupMs: number): Promise<void> {
  runtime.out.write(`== verify ${stage}\n`);
  const outputs = await readStackOutputs(stack, stage);
  const deployment = deploymentTimes(parseVerifyRecord(await stack.getTag(VERIFY_TAG)));
  let problems: string[];
  try {
    problems = await runChecks(runtime, outputs, { stage, bakeMs, warmupMs, deployment });
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
  if (record.rolledBack) return `${fromStage} was rolled back from ${record.sha} (${record.at}): fix forward with a new commit, deployed and verified on ${fromStage}`;
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
  await verifyStage(runtime, stack, args.stage, args.bakeMs, args.warmupMs);
}

async function rollback(runtime: Runtime, args: ParsedArgs): Promise<void> {
  const outputs = await readStackOutputs(await runtime.stacks(args.stage), args.stage);
  const known = Object.keys(outputs.canaryFunctions).sort();
  const unknown = args.functions.filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new UsageError(`--function: unknown canary function ${unknown.map((k) => `"${k}"`).join(", ")} (in ${args.stage}: ${known.join(", ")})`);
  const selected = sortedFunctions(outputs).filter(([key]) => args.functions.length === 0 || args.functions.includes(key));
  // Before any alias moves: what was verified at this stage's last commit is what is being rolled
  // back, so that verify must no longer let the commit promote (even if this rollback fails halfway).
  const stack = await runtime.stacks(args.stage);
  const last = parseVerifyRecord(await stack.getTag(VERIFY_TAG));
  const rolledBack: VerifyRecord = { sha: last?.sha ?? runtime.commitSha(), passed: false, at: runtime.now().toISOString(), rolledBack: true };
  await withLockRetry(runtime, args.stage, () => stack.setTag(VERIFY_TAG, formatVerifyRecord(rolledBack)));
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
    await shiftAlias(runtime, key, fn, target, `rollback ${args.stage}`, { rollback: true });
  }
  runtime.out.write(
    `rollback of ${args.stage} done. The stack still records the newer versions: the next up shifts to them again, so fix forward with a commit.\n`,
  );
}

/**
 * The stage's outputs, and for each canary function the version its `live` alias really serves
 * (GetAlias): after a rolled-back canary that is not the version the stack published. `--json`
 * adds it as `liveVersion` (null when GetAlias failed; the reason goes to stderr).
 */
async function printOutputs(runtime: Runtime, args: ParsedArgs): Promise<void> {
  const outputs = await readStackOutputs(await runtime.stacks(args.stage), args.stage);
  const functions: Array<{ key: string; fn: StackOutputs["canaryFunctions"][string]; live: { version: string | null; text: string } }> = [];
  for (const [key, fn] of sortedFunctions(outputs)) {
    try {
      const alias = await readAlias(runtime, fn);
      functions.push({ key, fn, live: { version: alias.version, text: describeAlias(alias) } });
    } catch (error) {
      if (runtime.signal.aborted) throw error;
      runtime.err.write(`warning: ${key}: could not read the ${fn.alias} alias of ${fn.functionName} (GetAlias): ${describeError(error).split("\n")[0]}\n`);
      functions.push({ key, fn, live: { version: null, text: "version unknown (GetAlias failed)" } });
    }
  }
  if (args.json) {
    const canaryFunctions = Object.fromEntries(functions.map(({ key, fn, live }) => [key, { ...fn, liveVersion: live.version }]));
    runtime.out.write(JSON.stringify({ ...outputs, canaryFunctions }, null, 2) + "\n");
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
    ...functions.map(
      ({ key, fn, live }) =>
        `  ${key}: ${fn.functionName}:${fn.alias} -> ${live.text} (published: ${fn.version}; ${fn.region}, ${fn.codeDeployApplication}/${fn.deploymentGroup}, hook ${fn.hookFunctionName})`,
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
      return verifyStage(runtime, await runtime.stacks(args.stage), args.stage, args.bakeMs, args.warmupMs);
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
    if (error instanceof UsageError || error instanceof SetupError) {
      runtime.err.write(`error: ${error.message}\n`);
      return EXIT.usage;
    }
    // No AWS credentials, or a permission missing: the same setup failure (2) as in every command.
    const setup = describeAwsFailure(error);
    if (setup) {
      runtime.err.write(`error: ${setup}\n`);
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
