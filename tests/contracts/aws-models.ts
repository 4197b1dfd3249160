/**
 * Validates an AWS API request against AWS's service model, the way the service itself would
 * before doing anything: required members, unknown members and types with the `aws-sdk` v2 models
 * and `AWS.ParamValidator` (npm `aws-sdk`, `apis/<service>-<version>.min.json`), then string
 * lengths, numeric ranges, list sizes, patterns and enums, which those packaged models leave out,
 * from model-constraints.json (generated from AWS's published models by
 * scripts/aws-model-constraints.ts; its `source` field says which).
 */
import type { AwsRequest, ModelService } from "./aws-requests";
import { API_VERSIONS } from "./aws-requests";
import constraintTable from "./model-constraints.json";

// aws-sdk v2 announces its end of support on load; only its models and validator are used here.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = "1";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AWS = require("aws-sdk/lib/core") as {
  Model: { Api: new (model: unknown) => { operations: Record<string, { input: unknown }> } };
  ParamValidator: new (validation: Record<string, boolean>) => { validate(shape: unknown, params: unknown, context: string): void };
};

export interface MemberConstraint {
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
}

const TABLE = constraintTable as unknown as {
  source: string;
  services: Record<string, { model: string; operations: Record<string, Record<string, MemberConstraint>> }>;
};

/** Where the constraints come from, for messages and docs. */
export const CONSTRAINT_SOURCE = TABLE.source;

const apis = new Map<ModelService, { operations: Record<string, { input: unknown }> }>();

function api(service: ModelService) {
  let loaded = apis.get(service);
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = new AWS.Model.Api(require(`aws-sdk/apis/${service}-${API_VERSIONS[service]}.min.json`));
    apis.set(service, loaded);
  }
  return loaded;
}

/** aws-sdk v2 names operations in camelCase. */
function v2OperationName(operation: string): string {
  return operation.charAt(0).toLowerCase() + operation.slice(1);
}

/** The constraints of one operation's input members, by path (`Metrics[].Id`, `Attributes{key}`). */
export function operationConstraints(service: ModelService, operation: string): Record<string, MemberConstraint> | undefined {
  return TABLE.services[service]?.operations[operation];
}

/** The values at a constraint path: `a.b[]` walks into every list item, `m{}` every map value, `m{key}` every map key. */
function valuesAt(root: unknown, path: string): Array<{ where: string; value: unknown }> {
  const steps = path.match(/[^.[{]+|\[\]|\{\}|\{key\}/g) ?? [];
  let current: Array<{ where: string; value: unknown }> = [{ where: "", value: root }];
  for (const step of steps) {
    const next: Array<{ where: string; value: unknown }> = [];
    for (const { where, value } of current) {
      if (value === undefined || value === null) continue;
      if (step === "[]") {
        if (Array.isArray(value)) value.forEach((item, index) => next.push({ where: `${where}[${index}]`, value: item }));
      } else if (step === "{}") {
        if (typeof value === "object") for (const [key, item] of Object.entries(value as object)) next.push({ where: `${where}.${key}`, value: item });
      } else if (step === "{key}") {
        if (typeof value === "object") for (const key of Object.keys(value as object)) next.push({ where: `${where}{${key}}`, value: key });
      } else if (typeof value === "object" && !Array.isArray(value)) {
        next.push({ where: where ? `${where}.${step}` : step, value: (value as Record<string, unknown>)[step] });
      }
    }
    current = next;
  }
  return current.filter(({ value }) => value !== undefined && value !== null);
}

const patterns = new Map<string, RegExp>();

/** AWS's patterns are Java regular expressions; the ones used here are valid JavaScript with or without the u flag. */
function compiled(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (!regex) {
    try {
      regex = new RegExp(pattern, "u");
    } catch {
      regex = new RegExp(pattern);
    }
    patterns.set(pattern, regex);
  }
  return regex;
}

/** How a value measures against min/max: characters for strings, items for lists and maps, the value for numbers. */
function measure(value: unknown): { size: number; unit: string } | undefined {
  if (typeof value === "string") return { size: [...value].length, unit: "characters" };
  if (typeof value === "number") return { size: value, unit: "" };
  if (Array.isArray(value)) return { size: value.length, unit: "items" };
  if (Buffer.isBuffer(value)) return { size: value.length, unit: "bytes" };
  if (value && typeof value === "object") return { size: Object.keys(value).length, unit: "entries" };
  return undefined;
}

function shortValue(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 80 ? `${JSON.stringify(text.slice(0, 77))}...` : JSON.stringify(text);
}

/** Problems with one member value against its model constraint, as `<path>: <reason>`. */
export function constraintProblems(where: string, value: unknown, constraint: MemberConstraint): string[] {
  const problems: string[] = [];
  const measured = measure(value);
  if (measured && constraint.min !== undefined && measured.size < constraint.min) {
    problems.push(`${where}: ${measured.unit ? `${measured.size} ${measured.unit}` : measured.size}, below the model's minimum ${constraint.min}`);
  }
  if (measured && constraint.max !== undefined && measured.size > constraint.max) {
    problems.push(`${where}: ${measured.unit ? `${measured.size} ${measured.unit}` : measured.size}, above the model's maximum ${constraint.max}`);
  }
  if (typeof value === "string" && constraint.pattern !== undefined && !compiled(constraint.pattern).test(value)) {
    problems.push(`${where}: ${shortValue(value)} does not match the model's pattern ${constraint.pattern}`);
  }
  if (typeof value === "string" && constraint.enum !== undefined && !constraint.enum.includes(value)) {
    problems.push(`${where}: ${shortValue(value)} is not one of ${constraint.enum.join(", ")}`);
  }
  return problems;
}

/**
 * Every reason AWS's model gives to reject the request, as `<Service>:<Operation> <member>: <reason>`;
 * empty when the request is valid.
 */
export function modelProblems(request: AwsRequest): string[] {
  const label = `${request.service}:${request.operation}`;
  const operation = api(request.service).operations[v2OperationName(request.operation)];
  if (!operation) return [`${label}: no such operation in the aws-sdk model`];
  const problems: string[] = [];
  try {
    new AWS.ParamValidator({ min: true, max: true, pattern: true, enum: true }).validate(operation.input, request.params, "params");
  } catch (error) {
    const errors = (error as { errors?: Error[] }).errors ?? [error as Error];
    for (const each of errors) problems.push(`${label} ${each.message}`);
  }
  const constraints = operationConstraints(request.service, request.operation);
  if (!constraints) return [...problems, `${label}: no constraints in model-constraints.json (regenerate it: scripts/aws-model-constraints.ts)`];
  for (const [path, constraint] of Object.entries(constraints)) {
    for (const { where, value } of valuesAt(request.params, path)) problems.push(...constraintProblems(where, value, constraint).map((problem) => `${label} ${problem}`));
  }
  return problems;
}
