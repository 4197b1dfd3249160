/**
 * The CodeDeploy BeforeAllowTraffic hook: test the new version before any traffic moves to it.
 * 1. GetDeployment -> application and revision; the AppSpec content from the revision (or from
 *    GetApplicationRevision, since GetDeployment returns only the revision's sha256 for inline content).
 * 2. Invoke `<Name>:<TargetVersion>` synchronously with the self-test event.
 * 3. PutLifecycleEventHookExecutionStatus Succeeded only for a passing SelfTestReport; Failed otherwise.
 * Every path reports a status (CodeDeploy would otherwise wait an hour for the hook) and logs one JSON line.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-lambda
 */
import {
  CodeDeployClient,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  LifecycleEventStatus,
  PutLifecycleEventHookExecutionStatusCommand,
  RevisionLocation,
} from "@aws-sdk/client-codedeploy";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { LambdaDeploymentTarget, parseAppSpec } from "./appspec";
import { judgeSelfTest, readSelfTestEvent, Verdict } from "./self-test";

/** The event CodeDeploy sends a lifecycle hook. */
export interface HookEvent {
  DeploymentId?: string;
  LifecycleEventHookExecutionId?: string;
}

export interface HookResult {
  status: "Succeeded" | "Failed";
  reason: string;
}

export interface HookDependencies {
  codeDeploy: CodeDeployClient;
  lambda: LambdaClient;
  env: Record<string, string | undefined>;
  /** Milliseconds left before Lambda stops this invocation. */
  remainingMs: () => number;
  /** Writes one log line. */
  log: (line: string) => void;
}

/** Time kept back to report the status after the self-test: one CodeDeploy call with SDK retries. */
export const REPORT_RESERVE_MS = 5_000;
/** Below this, there is no point starting the self-test: fail at once and say why. */
export const MIN_TEST_BUDGET_MS = 1_000;

/** Thrown when a step outlives the hook's time budget. */
class DeadlineError extends Error {}

/**
 * Bounds a call by the deadline even if the SDK call ignores the abort signal, and aborts the
 * signal so a real HTTP request is cancelled.
 */
async function beforeDeadline<T>(work: (signal: AbortSignal) => Promise<T>, deadline: number, what: string): Promise<T> {
  const controller = new AbortController();
  const budget = deadline - Date.now();
  if (budget <= 0) throw new DeadlineError(`no time left for ${what}`);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DeadlineError(`${what} did not finish within ${budget} ms (the hook's remaining time less ${REPORT_RESERVE_MS} ms to report)`));
    }, budget);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Finds the AppSpec content: inline on the deployment's revision, else from GetApplicationRevision. */
function inlineContent(revision: RevisionLocation | undefined): string | undefined {
  return revision?.appSpecContent?.content ?? revision?.string?.content;
}

/** What the hook learned before any failure, so the log line names the function even when Invoke fails. */
interface Progress {
  target?: LambdaDeploymentTarget;
}

async function evaluate(deploymentId: string, deps: HookDependencies, deadline: number, progress: Progress): Promise<Verdict> {
  // Configuration first: a hook without its self-test event fails before touching anything.
  const selfTestEvent = readSelfTestEvent(deps.env);

  const { deploymentInfo } = await beforeDeadline(
    (abortSignal) => deps.codeDeploy.send(new GetDeploymentCommand({ deploymentId }), { abortSignal }),
    deadline,
    "GetDeployment",
  );
  const revision = deploymentInfo?.revision;
  let content = inlineContent(revision);
  if (content === undefined) {
    if (!deploymentInfo?.applicationName || !revision) throw new Error(`deployment ${deploymentId} has no application name or revision`);
    const answer = await beforeDeadline(
      (abortSignal) =>
        deps.codeDeploy.send(new GetApplicationRevisionCommand({ applicationName: deploymentInfo.applicationName, revision }), { abortSignal }),
      deadline,
      "GetApplicationRevision",
    );
    content = inlineContent(answer.revision);
  }
  if (content === undefined) throw new Error(`deployment ${deploymentId}: the revision carries no AppSpec content (revisionType ${revision?.revisionType ?? "none"})`);
  const target = parseAppSpec(content);
  progress.target = target;

  const invoked = await beforeDeadline(
    (abortSignal) =>
      deps.lambda.send(
        new InvokeCommand({
          FunctionName: target.name,
          Qualifier: target.targetVersion,
          InvocationType: "RequestResponse",
          Payload: Buffer.from(JSON.stringify(selfTestEvent)),
        }),
        { abortSignal },
      ),
    deadline,
    `Invoke ${target.name}:${target.targetVersion}`,
  );
  return judgeSelfTest({
    statusCode: invoked.StatusCode,
    functionError: invoked.FunctionError,
    payload: invoked.Payload ? Buffer.from(invoked.Payload).toString("utf8") : "",
  });
}

/** Runs the hook; resolves with the reported status, rejects only when no status could be reported. */
export async function runHook(event: HookEvent, deps: HookDependencies): Promise<HookResult> {
  const started = Date.now();
  const deploymentId = event?.DeploymentId;
  const executionId = event?.LifecycleEventHookExecutionId;
  const line: Record<string, unknown> = { hook: "BeforeAllowTraffic", deploymentId, lifecycleEventHookExecutionId: executionId };

  if (!deploymentId || !executionId) {
    const reason = "event: DeploymentId and LifecycleEventHookExecutionId are required; no status can be reported without them";
    deps.log(JSON.stringify({ level: "ERROR", ...line, status: "NotReported", reason }));
    throw new Error(reason);
  }

  const progress: Progress = {};
  let evaluation: Verdict;
  try {
    const deadline = started + deps.remainingMs() - REPORT_RESERVE_MS;
    if (deadline - Date.now() < MIN_TEST_BUDGET_MS) {
      throw new DeadlineError(`only ${deadline - Date.now() + REPORT_RESERVE_MS} ms left: raise the hook's timeout`);
    }
    evaluation = await evaluate(deploymentId, deps, deadline, progress);
  } catch (error) {
    evaluation = { passed: false, reason: `hook error: ${(error as Error).message.replace(/\n/g, "; ")}`, checks: [] };
  }

  const status: HookResult["status"] = evaluation.passed ? LifecycleEventStatus.SUCCEEDED : LifecycleEventStatus.FAILED;
  const summary = {
    ...line,
    function: progress.target?.name,
    alias: progress.target?.alias,
    currentVersion: progress.target?.currentVersion,
    targetVersion: progress.target?.targetVersion,
    status,
    reason: evaluation.reason,
    checks: evaluation.checks,
  };
  try {
    await deps.codeDeploy.send(
      new PutLifecycleEventHookExecutionStatusCommand({ deploymentId, lifecycleEventHookExecutionId: executionId, status }),
    );
  } catch (error) {
    // Rethrown so the invocation fails and Lambda's async retry gets another chance to report.
    const reportError = (error as Error).message;
    deps.log(JSON.stringify({ level: "ERROR", ...summary, durationMs: Date.now() - started, reported: false, reportError }));
    throw error;
  }
  deps.log(JSON.stringify({ level: evaluation.passed ? "INFO" : "WARN", ...summary, durationMs: Date.now() - started, reported: true }));
  return { status, reason: evaluation.reason };
}
