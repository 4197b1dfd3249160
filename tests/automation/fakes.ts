/**
 * Test doubles for the deploy driver: a fake Pulumi stack, a Runtime with a virtual clock (sleeps
 * advance it at once), stack files in a temporary folder, and the stack outputs of a stage.
 */
import * as path from "node:path";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient, type InvokeCommandOutput } from "@aws-sdk/client-lambda";
import { SNSClient } from "@aws-sdk/client-sns";
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { mockClient } from "aws-sdk-client-mock";
import type { StackOutputs } from "../../infra/outputs";
import { readStackConfig } from "../../infra/stack-files";
import { FIXTURE_STACKS } from "../fixtures/stacks";
import { fixtureOutputs } from "./stage-fixture";
import { parseArgs } from "../../automation/args";
import { execute } from "../../automation/commands";
import { POLICY_PACK_PATH, StackLockedError, type DeployStack, type OperationHooks, type PreviewOptions } from "../../automation/engine";
import { CancelledError, DEFAULT_TIMINGS, type RegionClients, type Runtime } from "../../automation/runtime";

/** The clients every test runtime uses, whatever the region (set by useAwsMocks). */
let testClients: RegionClients | undefined;

function createMocks(clients: RegionClients) {
  return {
    codeDeploy: mockClient(clients.codeDeploy),
    lambda: mockClient(clients.lambda),
    cloudWatch: mockClient(clients.cloudWatch),
    sns: mockClient(clients.sns),
    dynamodb: mockClient(clients.dynamodb),
  };
}

/** The AWS client mocks of the running suite (set by useAwsMocks). */
export let mocks: ReturnType<typeof createMocks>;

/**
 * Mocks AWS for the enclosing `describe`. The mocks stub client INSTANCES, not the client classes:
 * mocking a class replaces (and restoring it removes) another test file's class-level mock.
 */
export function useAwsMocks(): void {
  before(() => {
    testClients = {
      codeDeploy: new CodeDeployClient({ region: "us-east-1" }),
      lambda: new LambdaClient({ region: "us-east-1" }),
      cloudWatch: new CloudWatchClient({ region: "us-east-1" }),
      sns: new SNSClient({ region: "us-east-1" }),
      dynamodb: new DynamoDBClient({ region: "us-east-1" }),
    };
    mocks = createMocks(testClients);
  });
  beforeEach(() => {
    for (const mock of Object.values(mocks)) mock.reset();
  });
  after(() => {
    for (const mock of Object.values(mocks)) mock.restore();
    testClients = undefined;
  });
}

/** A Lambda Invoke payload (the SDK returns a Uint8Array subclass; the driver only reads its bytes). */
export function lambdaPayload(text: string): InvokeCommandOutput["Payload"] {
  return Buffer.from(text) as unknown as InvokeCommandOutput["Payload"];
}

/** The targets of the fixture stage files (tests/fixtures/stacks): what verify sends the probe. */
export const TARGETS = (readStackConfig("beta", FIXTURE_STACKS)["webhealth:targets"] as Array<Record<string, unknown>>).map((target) => ({ ...target }));

/** The tests' own stage files, as the driver's project root. */
export function stackFilesRoot(): string {
  return FIXTURE_STACKS;
}

/** The stack outputs of a fixture stage, from the program's synth (see stage-fixture.ts). */
export function stageOutputs(stage = "beta"): StackOutputs {
  return fixtureOutputs(stage);
}

/** A resource step event as the engine streams it. */
export function step(op: OpType, type: string, name: string, stage = "beta"): EngineEvent {
  return { sequence: 0, timestamp: 0, resourcePreEvent: { metadata: { op, type, urn: `urn:pulumi:${stage}::webhealth::${type}::${name}`, provider: "" } } };
}

type Operation = "preview" | "up" | "destroy";

/** A stack whose operations record their calls; each may be scripted. */
export class FakeStack implements DeployStack {
  readonly calls: string[] = [];
  readonly tags = new Map<string, string>();
  outputValues: Record<string, unknown>;
  previewEvents: EngineEvent[] = [];
  /** How many times each operation reports the stack locked before it runs. */
  lockedFor: Partial<Record<Operation, number>> = {};
  /** Replaces an operation's behaviour (after the lock check). */
  script: Partial<Record<Operation, (hooks: OperationHooks) => Promise<void>>> = {};

  constructor(
    readonly name: string,
    outputs: StackOutputs | Record<string, unknown> = stageOutputs(name),
  ) {
    this.outputValues = { ...outputs };
  }

  private async run(operation: Operation, hooks: OperationHooks): Promise<void> {
    this.calls.push(operation);
    if ((this.lockedFor[operation] ?? 0) > 0) {
      this.lockedFor[operation] = (this.lockedFor[operation] ?? 0) - 1;
      throw new StackLockedError(`stack ${this.name} is locked by another update`);
    }
    const scripted = this.script[operation];
    if (scripted) await scripted(hooks);
    else hooks.onOutput(`${operation} ${this.name} done\n`);
  }

  async preview(options: PreviewOptions) {
    this.calls.push(`policyPacks=${options.policyPacks.map((p) => path.basename(p)).join(",")}`);
    await this.run("preview", options);
    for (const event of this.previewEvents) options.onEvent(event);
    return { changeSummary: {} };
  }

  up(options: PreviewOptions): Promise<void> {
    return this.run("up", options);
  }

  destroy(hooks: OperationHooks): Promise<void> {
    return this.run("destroy", hooks);
  }

  async outputs(): Promise<Record<string, unknown>> {
    this.calls.push("outputs");
    return this.outputValues;
  }

  async getTag(key: string): Promise<string | undefined> {
    return this.tags.get(key);
  }

  async setTag(key: string, value: string): Promise<void> {
    this.calls.push(`setTag ${key}`);
    this.tags.set(key, value);
  }
}

export interface TestRuntime {
  runtime: Runtime;
  stacks: Map<string, FakeStack>;
  out: () => string;
  err: () => string;
  /** Virtual milliseconds slept so far. */
  slept: () => number;
  /** Simulates Ctrl-C. */
  interrupt: () => void;
  /** Called on every sleep with the virtual time slept so far (to interrupt mid-wait). */
  onSleep: (hook: (sleptMs: number) => void) => void;
}

export const START = new Date("2026-11-26T10:03:41.123Z");

export function testRuntime(options: { root?: string; sha?: string; stepSummaryPath?: string; stacks?: FakeStack[] } = {}): TestRuntime {
  const stacks = new Map((options.stacks ?? [new FakeStack("beta")]).map((stack) => [stack.name, stack]));
  const controller = new AbortController();
  let out = "";
  let err = "";
  let slept = 0;
  let sleepHook: (sleptMs: number) => void = () => undefined;
  const runtime: Runtime = {
    stacks: async (stage) => {
      const stack = stacks.get(stage);
      if (!stack) throw new Error(`test: no fake stack ${stage}`);
      return stack;
    },
    aws: () => {
      if (!testClients) throw new Error("test: call useAwsMocks() in the describe block");
      return testClients;
    },
    out: { write: (text) => void (out += text) },
    err: { write: (text) => void (err += text) },
    signal: controller.signal,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw new CancelledError("cancelled");
      slept += ms;
      sleepHook(slept);
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw new CancelledError("cancelled");
    },
    now: () => new Date(START.getTime() + slept),
    commitSha: () => options.sha ?? "abc1234",
    randomId: () => "r4nd0m",
    stepSummaryPath: options.stepSummaryPath,
    root: options.root ?? stackFilesRoot(),
    policyPacks: [POLICY_PACK_PATH],
    timings: { ...DEFAULT_TIMINGS, cancelGraceMs: 20 },
  };
  return {
    runtime,
    stacks,
    out: () => out,
    err: () => err,
    slept: () => slept,
    interrupt: () => controller.abort(),
    onSleep: (hook) => {
      sleepHook = hook;
    },
  };
}

/** The stages of the stack files from stackFilesRoot(). */
export const STAGES = ["beta", "gamma", "prod"];

/** Parses `argv` as the CLI does and runs the command on the test runtime; resolves to the exit code. */
export function run(t: TestRuntime, argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, STAGES);
  if (parsed.kind !== "run") throw new Error(`test: bad argv ${argv.join(" ")}`);
  return execute(t.runtime, parsed.args);
}
