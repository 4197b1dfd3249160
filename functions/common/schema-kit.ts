/**
 * Small builders on zod/mini shared by every schema of the functions, so messages read the same
 * everywhere (`is required`, `must be a number`, `must be a whole number`). zod/mini keeps the
 * bundles small: only the checks a schema uses are bundled (the classic API drags in all of them).
 */
import * as z from "zod/mini";

/** A type error that says "is required" when the field is missing and what was expected otherwise. */
export function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be ${what}`);
}

/** A whole number: "must be a number" for anything else, "must be a whole number" for 1.5. */
export function wholeNumberType() {
  return z.int({
    error: (issue) => {
      if (issue.input === undefined) return "is required";
      return typeof issue.input === "number" && Number.isFinite(issue.input) ? "must be a whole number" : "must be a number";
    },
  });
}

/** A whole number within [min, max], with "must be at least / at most" messages. */
export function boundedWholeNumber(min: number, max: number) {
  return wholeNumberType().check(z.minimum(min, { error: `must be at least ${min}` }), z.maximum(max, { error: `must be at most ${max}` }));
}

/** A validation failure whose message lists every problem as `path: reason`, one per line. */
export class ValidationError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ValidationError";
  }
}

/** Renders a zod path as `targets[2].expect.status[0]` under the given root name. */
export function formatPath(root: string, path: ReadonlyArray<PropertyKey>): string {
  let out = root;
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** The parts of a zod error this module reads (zod and zod/mini share them). */
interface SchemaIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

/** Turns a zod error into `path: reason` lines, naming unknown keys explicitly. */
export function describeIssues(root: string, error: { issues: readonly SchemaIssue[] }): string[] {
  return error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return (issue.keys ?? []).map((key) => `${formatPath(root, [...issue.path, key])}: is not a known field`).join("\n");
    }
    return `${formatPath(root, issue.path)}: ${issue.message}`;
  });
}

/** Validates a parsed value against a schema, throwing a ValidationError that names each place. */
export function validate<T>(schema: z.core.$ZodType<T>, value: unknown, root: string): T {
  const result = z.safeParse(schema, value);
  if (!result.success) throw new ValidationError(describeIssues(root, result.error as unknown as { issues: SchemaIssue[] }));
  return result.data;
}
