/**
 * The synth engine: runs the Pulumi program under Pulumi's mocks (no CLI, no engine, no AWS) and
 * returns the resource plan as plain JSON: `{ stack, resources: [{ type, name, inputs, options }],
 * outputs, estimatedMonthlyCostUsd }`. Used in-process by the tests and the policy checks, and by
 * `npm run synth`.
 *
 * Mocks never see resource options, so the program runs inside a Pulumi stack
 * (`runInPulumiStack`, as the language host runs it) with a stack transformation that records every
 * resource's options as the program passed them; protect and provider are read back from the
 * resource after Pulumi applied its inheritance (protect from the parent, provider from the
 * parent's providers).
 *
 * Pulumi's runtime is a process-wide singleton, but `setMocks` resets it (monitor, stack, config
 * is replaced with `setAllConfig`) and the program keeps no module-level state, so repeated
 * syntheses in one process are independent; they run one at a time (a queue guards that).
 */
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { createRequire } from "node:module";
import * as pulumiSettings from "@pulumi/pulumi/runtime/settings";
import { loadStageConfig } from "./config";
import { runProgram, type ProgramOutputs } from "./program";
import { PROJECT_NAME, readStackConfig } from "./stack-files";
import { REDACTED } from "../functions/common/secrets";

export const MOCK_ACCOUNT_ID = "123456789012";
export { REDACTED };

/**
 * The resource options that change what `pulumi up` and `pulumi destroy` do, as the engine receives
 * them. Other resources are named `<type>::<logical name>` (components and the stack included).
 */
export interface SynthOptions {
  /** Pulumi refuses to delete the resource (inherited from the parent when not set). */
  protect: boolean;
  /** `pulumi destroy` and replacements leave the resource in AWS. */
  retainOnDelete: boolean;
  /** Input properties whose changes Pulumi does not apply. */
  ignoreChanges: string[];
  deleteBeforeReplace: boolean;
  /** Explicit dependencies (a component stands for all its children). */
  dependsOn: string[];
  /** The parent resource: a component, or the stack (`pulumi:pulumi:Stack::<project>-<stack>`). */
  parent: string;
  /** The explicit provider the resource is created with (none for providers themselves). */
  provider?: string;
}

export interface SynthResource {
  /** The Pulumi type token, e.g. `aws:cloudwatch/metricAlarm:MetricAlarm`. */
  type: string;
  /** The logical name. */
  name: string;
  /** The resource's inputs as plain JSON: Outputs resolved, secrets redacted, archives summarised. */
  inputs: Record<string, unknown>;
  options: SynthOptions;
}

export interface SynthDocument {
  stack: string;
  resources: SynthResource[];
  outputs: Record<string, unknown>;
  estimatedMonthlyCostUsd: number;
}

/** A resource with what the mocks also saw: the region of its provider. */
export interface SynthRecord extends SynthResource {
  /** The region of the explicit provider the resource was created with (undefined for providers). */
  region?: string;
}

export interface SynthResult {
  document: SynthDocument;
  records: SynthRecord[];
}

/** Reads Pulumi's secret wrapper (`{ <sig>: <secretSig>, value }`) as mocks receive it. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isSecretWrapper(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** Turns mock inputs into plain JSON: secrets redacted, assets and archives summarised by hash and size. */
async function toPlain(value: unknown): Promise<unknown> {
  if (isSecretWrapper(value)) return REDACTED;
  if (value instanceof pulumi.asset.StringAsset) {
    const text = await (value as unknown as { text: Promise<string> }).text;
    return { sha256: crypto.createHash("sha256").update(text).digest("hex"), bytes: Buffer.byteLength(text) };
  }
  if (value instanceof pulumi.asset.AssetArchive) {
    const assets = await (value as unknown as { assets: Promise<Record<string, unknown>> }).assets;
    return { archive: await toPlain(assets) };
  }
  if (Array.isArray(value)) return Promise.all(value.map(toPlain));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = await toPlain((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/**
 * Pulumi's auto-naming of a resource the program leaves unnamed (IAM roles, role policies, Lambda
 * permission statement ids): the logical name, a dash and 7 random hex digits
 * (pulumi-terraform-bridge's AutoName). Synth derives the digits from the name, so runs repeat.
 * https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming
 */
export function autoName(logicalName: string): string {
  return `${logicalName}-${crypto.createHash("sha256").update(logicalName).digest("hex").slice(0, 7)}`;
}

function regionOfProvider(provider: string | undefined): string | undefined {
  // A provider reference is `<urn>::<id>`; the mocks give providers the id `provider-<region>`.
  const id = provider?.split("::").pop();
  return id?.startsWith("provider-") ? id.slice("provider-".length) : undefined;
}

/** The key id the mocks give the KMS key of a logical name (its ARN ends in `key/<id>`). */
export function mockKeyId(name: string): string {
  return crypto.createHash("sha256").update(name).digest("hex").slice(0, 32);
}

/** Computed attributes AWS would return, so the program's `arn`, `name`, `version`... resolve. */
function computedState(type: string, name: string, inputs: Record<string, unknown>, region: string): Record<string, unknown> {
  const physical = (inputs.name as string | undefined) ?? name;
  const account = MOCK_ACCOUNT_ID;
  const arn = (service: string, resource: string, inRegion = region) => `arn:aws:${service}:${inRegion}:${account}:${resource}`;
  switch (type) {
    case "aws:lambda/function:Function": {
      const fnArn = arn("lambda", `function:${physical}`);
      return { name: physical, arn: fnArn, version: inputs.publish ? "1" : "$LATEST", qualifiedArn: `${fnArn}:1`, invokeArn: `${fnArn}/invocations` };
    }
    case "aws:lambda/alias:Alias":
      return { arn: arn("lambda", `function:${inputs.functionName}:${physical}`) };
    case "aws:sns/topic:Topic":
      return { name: physical, arn: arn("sns", physical) };
    case "aws:dynamodb/table:Table":
      return { name: physical, arn: arn("dynamodb", `table/${physical}`) };
    case "aws:sqs/queue:Queue":
      return { name: physical, arn: arn("sqs", physical), url: `https://sqs.${region}.amazonaws.com/${account}/${physical}` };
    case "aws:ssm/parameter:Parameter":
      return { name: physical, arn: arn("ssm", `parameter${physical}`) };
    case "aws:kms/key:Key": {
      const keyId = mockKeyId(name);
      return { keyId, arn: arn("kms", `key/${keyId}`) };
    }
    case "aws:iam/role:Role": {
      const roleName = (inputs.name as string | undefined) ?? autoName(name);
      return { name: roleName, arn: `arn:aws:iam::${account}:role/${roleName}` };
    }
    case "aws:cloudwatch/eventRule:EventRule":
      return { name: physical, arn: arn("events", `rule/${physical}`) };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { name: physical, arn: arn("cloudwatch", `alarm:${physical}`) };
    case "aws:codedeploy/application:Application":
      return { name: physical, arn: arn("codedeploy", `application:${physical}`) };
    case "aws:codedeploy/deploymentGroup:DeploymentGroup":
      return { arn: arn("codedeploy", `deploymentgroup:${inputs.appName}/${inputs.deploymentGroupName}`) };
    default:
      return { name: physical, arn: arn("mock", `${type}/${name}`) };
  }
}

/**
 * Stack config values as Pulumi hands them to programs: strings, structured values as JSON. A
 * `secure:` value stays the JSON of its ciphertext wrapper, which the program's config parser
 * reads as an encrypted secret (no CLI here to decrypt it).
 */
function toConfigStrings(config: Record<string, unknown>): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) strings[key] = typeof value === "string" ? value : JSON.stringify(value);
  return strings;
}

/** The outputs' internal promise: rejects when the program failed (an `apply` would hang instead). */
function outputPromise(value: pulumi.Input<unknown>): Promise<unknown> {
  return (pulumi.output(value) as unknown as { promise(): Promise<unknown> }).promise();
}

function isSecretOutput(value: pulumi.Input<unknown>): Promise<boolean> {
  return (pulumi.output(value) as unknown as { isSecret: Promise<boolean> }).isSecret;
}

/** Waits until the runtime has no registration in flight (what the language host does before exiting). */
async function waitForRegistrations(): Promise<void> {
  // Internal to @pulumi/pulumi but stable across 3.x: the same call the language host makes at exit.
  await (pulumiSettings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs any Pulumi program function under mocks as stack `stack` with the given stack config map. */
export function synthesizeProgram(
  stack: string,
  config: Record<string, unknown>,
  program: () => ProgramOutputs | Promise<ProgramOutputs> | Record<string, pulumi.Input<unknown>>,
): Promise<SynthResult> {
  const run = queue.then(() => runUnderMocks(stack, config, program));
  queue = run.catch(() => undefined);
  return run;
}

/** What a stack transformation sees of one resource. */
interface Constructed {
  resource: pulumi.Resource;
  type: string;
  name: string;
  opts: pulumi.ResourceOptions;
}

/** The Resource fields Pulumi sets after applying inheritance (internal, stable across 3.x). */
interface ResourceInternals {
  __pulumiType?: string;
  __name?: string;
  __protect?: boolean;
  __prov?: pulumi.ProviderResource;
  __parentResource?: pulumi.Resource;
}

function optionsKey(type: string, name: string): string {
  return `${type}::${name}`;
}

/** `<type>::<name>` of a resource the program created. */
function resourceRef(resource: pulumi.Resource | undefined): string | undefined {
  if (!resource) return undefined;
  const internals = resource as unknown as ResourceInternals;
  return internals.__pulumiType && internals.__name ? optionsKey(internals.__pulumiType, internals.__name) : undefined;
}

/**
 * The resources `dependsOn` names (an Input of a resource or of a list of them), walked as Pulumi
 * walks it. Not through `pulumi.output()`: an Output checks its value for unknowns by visiting
 * every object it reaches, and a resource reaches its parents, providers and their outputs (about
 * a thousand objects): with 30,000 alarms depending on one resource that was most of the
 * synthesis time (CPU profile of a 2,000-target stage: 6 of 15 s).
 */
async function dependencyResources(dependsOn: unknown): Promise<unknown[]> {
  const value = pulumi.Output.isInstance(dependsOn) ? await (dependsOn as unknown as { promise(): Promise<unknown> }).promise() : await dependsOn;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [value];
  return (await Promise.all(value.map(dependencyResources))).flat();
}

async function dependencyRefs(dependsOn: pulumi.ResourceOptions["dependsOn"]): Promise<string[]> {
  const list = await dependencyResources(dependsOn);
  return list.map((resource) => resourceRef(resource as pulumi.Resource) ?? String(resource));
}

async function recordedOptions(constructed: Constructed): Promise<SynthOptions> {
  const internals = constructed.resource as unknown as ResourceInternals;
  const options: SynthOptions = {
    protect: internals.__protect === true,
    retainOnDelete: constructed.opts.retainOnDelete === true,
    ignoreChanges: [...(constructed.opts.ignoreChanges ?? [])],
    deleteBeforeReplace: (constructed.opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
    dependsOn: await dependencyRefs(constructed.opts.dependsOn),
    parent: resourceRef(internals.__parentResource) ?? "",
  };
  const provider = resourceRef(internals.__prov);
  if (provider) options.provider = provider;
  return options;
}

/**
 * Bookkeeping the Pulumi SDK does for every resource and promise that mocks have no use for, off
 * while a program runs under them. Measured on a 1,000-target stage (heap snapshots and CPU
 * profiles, docs/program.md): `debuggablePromise` tags every promise with a stack trace and keeps
 * it in a leak-report set (a third of the run time and most of the garbage), and every resource
 * reads a full, source-mapped stack trace for its source position. Both are internal to
 * @pulumi/pulumi (stable across 3.x); a real `pulumi up` keeps them.
 */
function withoutSdkBookkeeping(): () => void {
  // The module's own exports object, through require: a bundler's `import * as` namespace (the
  // command runner builds this file with esbuild) has read-only properties.
  const debuggable = createRequire(__filename)("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: (promise: Promise<unknown>, label: string) => Promise<unknown> };
  const debuggablePromise = debuggable.debuggablePromise;
  const stackTraceLimit = Error.stackTraceLimit;
  const prepareStackTrace = Error.prepareStackTrace;
  debuggable.debuggablePromise = (promise) => promise;
  // `new Error().stack` then reads "" without formatting any frame (Pulumi parses no source position from it).
  Error.stackTraceLimit = 0;
  Error.prepareStackTrace = () => "";
  return () => {
    debuggable.debuggablePromise = debuggablePromise;
    Error.stackTraceLimit = stackTraceLimit;
    Error.prepareStackTrace = prepareStackTrace;
  };
}

/** The URN's own resolution: once it resolves, Pulumi has registered the resource and applied its options. */
function registeredUrn(resource: pulumi.Resource): Promise<string> {
  return (resource.urn as unknown as { promise(): Promise<string> }).promise();
}

async function runUnderMocks(stack: string, config: Record<string, unknown>, program: () => unknown): Promise<SynthResult> {
  const homeRegion = typeof config["aws:region"] === "string" ? config["aws:region"] : "us-east-1";
  const seen: Array<{ type: string; name: string; inputs: Record<string, unknown>; provider?: string }> = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        if (args.type === "pulumi:providers:aws") {
          seen.push({ type: args.type, name: args.name, inputs: args.inputs });
          return { id: `provider-${args.inputs.region}`, state: args.inputs };
        }
        if (args.custom === false) return { id: "", state: {} };
        seen.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        const region = regionOfProvider(args.provider) ?? homeRegion;
        const state = { ...args.inputs, ...computedState(args.type, args.name, args.inputs, region) };
        // A role's id is its name (what aws.iam.RolePolicy's `role` receives); other ids are opaque.
        return { id: args.type === "aws:iam/role:Role" ? String(state.name) : `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        switch (args.token) {
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/synth`, userId: "AIDASYNTH", id: MOCK_ACCOUNT_ID };
          case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
          default:
            throw new Error(`synth: no mock answer for ${args.token}`);
        }
      },
    },
    PROJECT_NAME,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(toConfigStrings(config));

  const restore = withoutSdkBookkeeping();
  const resolved: Record<string, unknown> = {};
  // Each resource's options, read once Pulumi registered it: the resource itself is not kept (a
  // stage of 10,000 targets has 30,000 alarms, and the program lets each go once registered).
  const constructed = new Map<string, Promise<SynthOptions>>();
  try {
    let outputs: Record<string, pulumi.Input<unknown>> = {};
    await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation(({ resource, type, name, opts }) => {
        // The transformation runs inside the constructor, before the resource has its URN: read it a tick later.
        const options = Promise.resolve()
          .then(() => registeredUrn(resource))
          .then(() => recordedOptions({ resource, type, name, opts }));
        options.catch(() => undefined); // a failed registration fails the program; reported there
        constructed.set(optionsKey(type, name), options);
        return undefined;
      });
      outputs = (await program()) as Record<string, pulumi.Input<unknown>>;
      return undefined;
    });
    for (const [key, value] of Object.entries(outputs)) {
      const plain = await outputPromise(value);
      resolved[key] = (await isSecretOutput(value)) ? REDACTED : await toPlain(plain);
    }
    await waitForRegistrations();
  } finally {
    restore();
  }

  const records: SynthRecord[] = [];
  for (const resource of seen) {
    const key = optionsKey(resource.type, resource.name);
    const options = constructed.get(key);
    if (!options) throw new Error(`synth: ${key} was registered without passing the stack transformation`);
    records.push({
      type: resource.type,
      name: resource.name,
      inputs: (await toPlain(resource.inputs)) as Record<string, unknown>,
      options: await options,
      region: regionOfProvider(resource.provider),
    });
  }
  records.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type.localeCompare(b.type)));
  const duplicate = records.find((record, index) => index > 0 && records[index - 1].type === record.type && records[index - 1].name === record.name);
  if (duplicate) throw new Error(`synth: two resources are both ${optionsKey(duplicate.type, duplicate.name)}`);
  const document: SynthDocument = {
    stack,
    resources: records.map(({ type, name, inputs, options }) => ({ type, name, inputs, options })),
    outputs: resolved,
    estimatedMonthlyCostUsd: resolved.estimatedMonthlyCostUsd as number,
  };
  return { document, records };
}

/**
 * Synthesises a stage from its `Pulumi.<stage>.yaml` (or from the given config map). Throws a
 * StackFileError or ConfigError before anything runs when the stack file or config is bad.
 */
export function synthesize(stage: string, config?: Record<string, unknown>): Promise<SynthResult> {
  const stackConfig = config ?? readStackConfig(stage);
  loadStageConfig(stage, stackConfig);
  return synthesizeProgram(stage, stackConfig, runProgram);
}
