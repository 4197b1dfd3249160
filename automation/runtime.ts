/**
 * What every command runs with: output streams, clock, cancellation, timings. The CLI builds the
 * real one; tests build one with a fake stack, mocked AWS clients and zero waits.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SNSClient } from "@aws-sdk/client-sns";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { StackLockedError, type DeployStack, type OperationHooks, type StackFactory } from "./engine";

export interface Writer {
  write(text: string): void;
}

/** AWS clients of one region. */
export interface RegionClients {
  codeDeploy: CodeDeployClient;
  lambda: LambdaClient;
  cloudWatch: CloudWatchClient;
  sns: SNSClient;
  dynamodb: DynamoDBClient;
}

export type ClientsForRegion = (region: string) => RegionClients;

/** One client set per region, created on first use. */
export function awsClients(): ClientsForRegion {
  const cache = new Map<string, RegionClients>();
  return (region) => {
    let clients = cache.get(region);
    if (!clients) {
      clients = {
        codeDeploy: new CodeDeployClient({ region }),
        lambda: new LambdaClient({ region }),
        cloudWatch: new CloudWatchClient({ region }),
        sns: new SNSClient({ region }),
        dynamodb: new DynamoDBClient({ region }),
      };
      cache.set(region, clients);
    }
    return clients;
  };
}

export interface Timings {
  /** Between two GetDeployment calls while following a CodeDeploy deployment. */
  deploymentPollMs: number;
  /** Between two looks for the recorder's ledger item. */
  ledgerPollMs: number;
  /** How long the recorder gets to write the test notification. */
  ledgerTimeoutMs: number;
  /** Between two DescribeAlarms calls during the bake. */
  bakePollMs: number;
  /** First wait after finding the stack locked; doubles up to lockMaxDelayMs. */
  lockInitialDelayMs: number;
  lockMaxDelayMs: number;
  /** After this long locked, give up (the other update is never cancelled). */
  lockTimeoutMs: number;
  /** After Ctrl-C, how long to wait for the Pulumi CLI to show it got the interrupt itself before forwarding one. */
  cancelGraceMs: number;
}

export const DEFAULT_TIMINGS: Timings = {
  deploymentPollMs: 5_000,
  ledgerPollMs: 2_000,
  ledgerTimeoutMs: 60_000,
  bakePollMs: 30_000,
  lockInitialDelayMs: 5_000,
  lockMaxDelayMs: 60_000,
  lockTimeoutMs: 15 * 60_000,
  cancelGraceMs: 2_000,
};

export interface Runtime {
  stacks: StackFactory;
  aws: ClientsForRegion;
  out: Writer;
  err: Writer;
  /** Aborted on Ctrl-C (or SIGTERM): stop following, start nothing new. */
  signal: AbortSignal;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): Date;
  /** The commit being deployed (GITHUB_SHA, else `git rev-parse HEAD`). */
  commitSha(): string;
  /** A short random suffix for the verify notification's alarm name. */
  randomId(): string;
  /** Where the Markdown preview summary goes (`$GITHUB_STEP_SUMMARY`), if anywhere. */
  stepSummaryPath?: string;
  /** The project root holding the Pulumi.<stage>.yaml files. */
  root: string;
  /** Policy packs run with every preview and up (the CLI: the `policy/` folder). */
  policyPacks: string[];
  timings: Timings;
}

/** Thrown when Ctrl-C stopped the command; exit 130. */
export class CancelledError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CancelledError";
  }
}

/** Resolves after `ms`, or rejects with CancelledError as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError("cancelled"));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError("cancelled"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function throwIfCancelled(runtime: Runtime, what: string): void {
  if (runtime.signal.aborted) throw new CancelledError(`cancelled before ${what}`);
}

/** Human duration: 90000 -> "1m30s". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  const seconds = Math.round(ms / 1_000);
  const parts: string[] = [];
  if (seconds >= 3_600) parts.push(`${Math.floor(seconds / 3_600)}h`);
  if (seconds % 3_600 >= 60) parts.push(`${Math.floor((seconds % 3_600) / 60)}m`);
  if (seconds % 60 > 0 || parts.length === 0) parts.push(`${seconds % 60}s`);
  return parts.join("");
}

/**
 * Runs `operation` again while the stack is locked by another update, waiting with exponential
 * backoff, for at most `timings.lockTimeoutMs`. The other update is never cancelled: it may be a
 * deployment of another commit that must finish.
 */
export async function withLockRetry<T>(runtime: Runtime, stage: string, operation: () => Promise<T>): Promise<T> {
  const { lockInitialDelayMs, lockMaxDelayMs, lockTimeoutMs } = runtime.timings;
  let waited = 0;
  let delay = lockInitialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof StackLockedError)) throw error;
      if (waited + delay > lockTimeoutMs) {
        throw new StackLockedError(
          `stack ${stage} is still locked after ${formatDuration(waited)}: another update holds it. The driver never cancels it; ` +
            `if no update is running (a crashed job), see "Incident operations" in the README to clear a stale lock`,
        );
      }
      runtime.err.write(`stack ${stage} is locked by another update; retrying in ${formatDuration(delay)} (attempt ${attempt}, giving up after ${formatDuration(lockTimeoutMs)})\n`);
      await runtime.sleep(delay, runtime.signal);
      waited += delay;
      delay = Math.min(delay * 2, lockMaxDelayMs);
    }
  }
}

/** What the Pulumi CLI prints when it receives an interrupt and starts a graceful cancellation. */
const CLI_CANCEL_NOTICE = "received; cancelling";

/**
 * Runs one engine operation so that Ctrl-C stops it gracefully. On a terminal, Ctrl-C reaches the
 * Pulumi CLI too (same process group) and a second interrupt would make it terminate at once,
 * leaving pending operations in the state. So the driver forwards one SIGINT (through the
 * Automation API's abort signal) only if the CLI has not shown, within `cancelGraceMs`, that it
 * got one itself: the case of a CI runner or `kill` that signals the driver alone. The CLI then
 * finishes its in-flight resource operations and exits; the stack stays consistent and unlocked.
 * `stack.cancel()` is never used: it stops an update without waiting and may corrupt the state.
 */
export async function runEngineOperation(
  runtime: Runtime,
  stack: DeployStack,
  what: string,
  operation: (stack: DeployStack, hooks: OperationHooks) => Promise<void>,
  onEvent: (event: EngineEvent) => void = () => undefined,
): Promise<void> {
  throwIfCancelled(runtime, what);
  const engineAbort = new AbortController();
  let cliSawInterrupt = false;
  let forwardTimer: NodeJS.Timeout | undefined;
  const onInterrupt = () => {
    runtime.err.write(`\nCtrl-C: asking Pulumi to stop ${what} after its in-flight operations (the stack stays consistent)...\n`);
    forwardTimer = setTimeout(() => {
      if (!cliSawInterrupt) engineAbort.abort();
    }, runtime.timings.cancelGraceMs);
  };
  runtime.signal.addEventListener("abort", onInterrupt, { once: true });
  const hooks: OperationHooks = {
    onOutput: (text) => {
      if (text.includes(CLI_CANCEL_NOTICE)) cliSawInterrupt = true;
      runtime.out.write(text);
    },
    onEvent: (event) => {
      if (event.cancelEvent) cliSawInterrupt = true;
      onEvent(event);
    },
    signal: engineAbort.signal,
  };
  try {
    await withLockRetry(runtime, stack.name, () => operation(stack, hooks));
  } catch (error) {
    if (runtime.signal.aborted) throw new CancelledError(`${what} of stack ${stack.name} was cancelled: Pulumi stopped after its in-flight operations`);
    throw error;
  } finally {
    runtime.signal.removeEventListener("abort", onInterrupt);
    if (forwardTimer) clearTimeout(forwardTimer);
  }
  if (runtime.signal.aborted) throw new CancelledError(`cancelled after ${what} of stack ${stack.name} finished`);
}
