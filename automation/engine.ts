/**
 * The Pulumi engine behind a small interface. `pulumiStacks()` drives the real CLI through the
 * Automation API; tests pass a fake with the same shape, so the promotion logic is tested without
 * a CLI or a backend.
 */
import * as path from "node:path";
import { CommandError, ConcurrentUpdateError, LocalWorkspace, PulumiCommand, StackNotFoundError, type EngineEvent, type OpMap, type Stack } from "@pulumi/pulumi/automation";
import { PROJECT_ROOT } from "../infra/stack-files";
import { SetupError } from "../cli/usage";

/** What every engine operation streams back while it runs. */
export interface OperationHooks {
  /** Progress text, as the CLI prints it. */
  onOutput: (text: string) => void;
  /** Structured engine events (resource steps, cancellation). */
  onEvent: (event: EngineEvent) => void;
  /** Aborting it asks the CLI to stop: the Automation API sends the child one SIGINT. */
  signal: AbortSignal;
}

export interface PreviewOptions extends OperationHooks {
  policyPacks: string[];
}

/**
 * One stage's stack, as the driver uses it. `preview` and `up` refresh first, in the same
 * operation (`--refresh`): a preview then never writes the state and takes no lock (also on a
 * self-managed backend: pulumi/pulumi#8642), so it runs with a read-only role, and `up` applies
 * changes computed against the real resources.
 */
export interface DeployStack {
  readonly name: string;
  preview(options: PreviewOptions): Promise<{ changeSummary: OpMap }>;
  up(options: PreviewOptions): Promise<void>;
  destroy(hooks: OperationHooks): Promise<void>;
  /** Output values by name (secrets included, unwrapped). */
  outputs(): Promise<Record<string, unknown>>;
  /** A stack tag's value, or undefined when the tag is not set. */
  getTag(key: string): Promise<string | undefined>;
  setTag(key: string, value: string): Promise<void>;
}

export type StackFactory = (stage: string) => Promise<DeployStack>;

/** Another update holds the stack's lock. The driver waits and retries; it never cancels the other update. */
export class StackLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackLockedError";
  }
}

/** A failure the driver explains itself: printed as is, exit 1. */
export class DeployError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeployError";
  }
}

/** The CLI version matching @pulumi/pulumi in package.json; the workflows pin the same. */
export const PULUMI_CLI_VERSION = "3.276.0";

/** The policy pack run with every preview and up (the `policy/` folder). */
export const POLICY_PACK_PATH = path.join(PROJECT_ROOT, "policy");

/** At most this many of Pulumi's `error:` lines are repeated in the driver's own message. */
const MAX_ERROR_LINES = 10;

/**
 * The driver's error for a failed engine call. A plain CommandError's message holds the CLI's
 * whole stdout and stderr (already streamed): only its distinct `error:` lines are kept.
 */
export function translateEngineError(stage: string, operation: string, error: unknown): unknown {
  const translated = translate(stage, error);
  if (translated !== error || !(error instanceof CommandError)) return translated;
  // The message reads `code: 255\n stdout: ...\n stderr: ...`: the first line of each stream carries its label.
  const found = error.message.split("\n").map((line) => /^\s*(?:std(?:out|err): )?(error: .*\S)\s*$/.exec(line)?.[1]);
  const errorLines = [...new Set(found.filter((line): line is string => line !== undefined))].slice(0, MAX_ERROR_LINES);
  return new DeployError(
    `pulumi ${operation} of stack ${stage} failed (its output is above)` + (errorLines.length > 0 ? `:\n${errorLines.map((line) => `  ${line}`).join("\n")}` : ""),
  );
}

function translate(stage: string, error: unknown): unknown {
  if (error instanceof ConcurrentUpdateError) return new StackLockedError(`stack ${stage} is locked by another update`);
  if (error instanceof StackNotFoundError) {
    return new DeployError(
      `stack ${stage} does not exist in the current Pulumi backend (${process.env.PULUMI_BACKEND_URL ?? "the logged-in backend"}): ` +
        `create it once with \`pulumi stack init ${stage}\` (see "Deploying" in the README)`,
    );
  }
  if (error instanceof Error && /spawn pulumi ENOENT/.test(error.message)) {
    return new SetupError(`the pulumi CLI is not on the PATH: install version ${PULUMI_CLI_VERSION} (the SDK's), e.g. curl -fsSL https://get.pulumi.com | sh -s -- --version ${PULUMI_CLI_VERSION}`);
  }
  return error;
}

class PulumiStack implements DeployStack {
  constructor(private readonly stack: Stack) {}

  get name(): string {
    return this.stack.name;
  }

  private async run<T>(name: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw translateEngineError(this.stack.name, name, error);
    }
  }

  preview(options: PreviewOptions): Promise<{ changeSummary: OpMap }> {
    return this.run("preview", async () => {
      const result = await this.stack.preview({ ...options, refresh: true, onError: options.onOutput, color: "never" });
      return { changeSummary: result.changeSummary };
    });
  }

  up(options: PreviewOptions): Promise<void> {
    return this.run("up", async () => {
      await this.stack.up({ ...options, refresh: true, onError: options.onOutput, color: "never" });
    });
  }

  destroy(hooks: OperationHooks): Promise<void> {
    return this.run("destroy", async () => {
      await this.stack.destroy({ ...hooks, onError: hooks.onOutput, color: "never" });
    });
  }

  outputs(): Promise<Record<string, unknown>> {
    return this.run("stack output", async () => {
      const outputs = await this.stack.outputs();
      return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
    });
  }

  getTag(key: string): Promise<string | undefined> {
    // listTags rather than getTag: getTag fails on a missing tag with an error indistinguishable
    // from a backend failure.
    return this.run("stack tag ls", async () => (await this.stack.listTags())[key]);
  }

  setTag(key: string, value: string): Promise<void> {
    return this.run("stack tag set", () => this.stack.setTag(key, value));
  }
}

/**
 * Stacks of the project at `workDir`, on whatever backend `PULUMI_BACKEND_URL` or `pulumi login`
 * selects. The stack must exist: the driver never creates one (creating writes the stack's
 * encryption salt into Pulumi.<stage>.yaml, a change that belongs in a commit).
 */
export function pulumiStacks(workDir = PROJECT_ROOT): StackFactory {
  let command: Promise<PulumiCommand> | undefined;
  return async (stage) => {
    try {
      command ??= supportedPulumiCommand();
      return new PulumiStack(await LocalWorkspace.selectStack({ stackName: stage, workDir }, { pulumiCommand: await command }));
    } catch (error) {
      throw translateEngineError(stage, "stack select", error);
    }
  };
}

/**
 * The `pulumi` on the PATH, if it is at least the CLI version matching the SDK (PULUMI_CLI_VERSION,
 * what the workflows install): the Automation API alone accepts any 3.x CLI, and an older engine may
 * not know what this SDK asks of it. PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK, the SDK's own opt-out, skips it.
 */
async function supportedPulumiCommand(): Promise<PulumiCommand> {
  const command = await PulumiCommand.get();
  if (!process.env.PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK && command.version && command.version.compare(PULUMI_CLI_VERSION) < 0) {
    throw new SetupError(
      `the pulumi CLI on the PATH is version ${command.version.version}, older than ${PULUMI_CLI_VERSION} (the SDK's): install ${PULUMI_CLI_VERSION}, e.g. curl -fsSL https://get.pulumi.com | sh -s -- --version ${PULUMI_CLI_VERSION}`,
    );
  }
  return command;
}
