/**
 * The small vocabulary every webhealth policy rule is written in. Rules are plain functions over
 * plain values, so the same code runs inside `pulumi preview --policy-pack policy` (wired up by
 * `policy/index.ts`) and in the tests over `npm run synth -- --json` output (no analyzer server).
 */
import { UnknownValueError } from "@pulumi/policy";

/** One resource as a rule sees it: the shape of @pulumi/policy's ResourceValidationArgs we rely on. */
export interface PolicyResource {
  /** The Pulumi type token, e.g. `aws:lambda/alias:Alias`. */
  type: string;
  /** The resource's logical name. */
  name: string;
  /** The resource's inputs, camelCase as in @pulumi/aws. */
  props: Record<string, unknown>;
  /**
   * Resource options as the rules read them. The engine sends `ignoreChanges` and `protect` to a
   * policy pack (not `retainOnDelete`); synth output records all three (`options` of each resource).
   */
  opts?: { ignoreChanges?: readonly string[]; protect?: boolean; retainOnDelete?: boolean };
  /** Set by the policy pack when the resource comes from the engine; unused by the rules. */
  urn?: string;
}

/** Reports one violation of the running rule; the message never repeats the resource name (Pulumi shows it). */
export type Report = (message: string) => void;

/** A rule over one resource at a time. */
export interface ResourceRule {
  /** Stable identifier: shown by Pulumi, used to disable a rule in policy config, and by the tests. */
  name: string;
  description: string;
  /** The type tokens the rule looks at; other resources are not passed to `validate`. */
  resourceTypes: readonly string[];
  validate(resource: PolicyResource, report: Report): void;
}

/** A rule over the whole stack (relations between resources). */
export interface StackRule {
  name: string;
  description: string;
  validateStack(resources: readonly PolicyResource[], report: (message: string, resource: PolicyResource) => void): void;
}

/**
 * True for the error @pulumi/policy throws when a rule reads a value that is unknown during
 * preview (an ARN of a resource not created yet). The pack turns it into an advisory
 * "can't run policy ... during preview" note; `pulumi up` runs the rule again with known values.
 */
export function isUnknownValue(error: unknown): boolean {
  return error instanceof UnknownValueError;
}

/**
 * Runs independent checks of one rule so that an unknown value in one check does not hide a
 * violation found by another. Errors other than unknown values propagate at once; the first
 * unknown value is rethrown at the end, so Pulumi still says which part could not be checked.
 */
export function runChecks(checks: ReadonlyArray<() => void>): void {
  let firstUnknown: unknown;
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      if (!isUnknownValue(error)) throw error;
      firstUnknown ??= error;
    }
  }
  if (firstUnknown !== undefined) throw firstUnknown;
}

/** Reads a nested field; undefined when any step is missing or not an object. */
export function get(value: unknown, ...path: ReadonlyArray<string | number>): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** The value as a list (empty when absent or not a list). */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Renders a value for a message: strings quoted, absence as "none". */
export function shown(value: unknown): string {
  if (value === undefined || value === null) return "none";
  return typeof value === "string" ? `"${value}"` : String(value);
}

/** The parts of a Lambda function ARN: `arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`. */
export interface LambdaArn {
  region: string;
  account: string;
  functionName: string;
  qualifier?: string;
}

const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?$/;

export function parseLambdaArn(value: unknown): LambdaArn | undefined {
  const match = typeof value === "string" ? LAMBDA_FUNCTION_ARN.exec(value) : null;
  if (!match) return undefined;
  return { region: match[1], account: match[2], functionName: match[3], qualifier: match[4] };
}

/** True when the value looks like any Lambda ARN (even a malformed one), so a bad target is still checked. */
export function isLambdaArn(value: unknown): boolean {
  return typeof value === "string" && /^arn:aws[a-z-]*:lambda:/.test(value);
}
