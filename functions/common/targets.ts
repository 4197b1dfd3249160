/**
 * The one target schema, shared by the stack config (`webhealth:targets`), the CLI's targets
 * file and the probe Lambda's event, so a target that passes in one place passes everywhere.
 */
import { z } from "zod";
import { CLOUDWATCH_LIMITS } from "./aws-limits";
import { dimensionTextProblem } from "./cloudwatch-values";

/** Defaults applied when a target leaves a field out. */
export const TARGET_DEFAULTS = {
  /** Bounds the whole redirect chain, body included. */
  timeoutMs: 10_000,
  retries: 0,
} as const;

/** Upper bounds that keep one target from stalling a once-a-minute schedule. */
export const TARGET_LIMITS = {
  minTimeoutMs: 100,
  /** A probe runs every minute: a single attempt longer than that overlaps the next run. */
  maxTimeoutMs: 60_000,
  maxRetries: 3,
  maxNameLength: 128,
  /** The normalised URL is the `Url` dimension: at most a dimension value's 1,024 characters. */
  maxUrlLength: CLOUDWATCH_LIMITS.dimensionValueMaxLength,
} as const;

/** A type error that says "is required" when the field is missing and what was expected otherwise. */
function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be ${what}`);
}

/**
 * A target URL, normalised once to its WHATWG serialisation (lower-case scheme and host, punycode
 * host, percent-encoded path and query, default port dropped, `/` for an empty path), so one URL
 * has one spelling everywhere: `HTTPS://Example.com` and `https://example.com/` are the same target.
 * The normalised form is the `Url` dimension, so its length and characters are checked there.
 */
const httpUrl = z.string({ error: expected("a string") }).transform((value, ctx) => {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be an absolute URL" });
    return z.NEVER;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: "must be http or https" });
    return z.NEVER;
  }
  if (parsed.username || parsed.password) {
    // Credentials in the URL would end up in metric dimensions, logs and alarm names.
    ctx.addIssue({ code: "custom", message: "must not contain credentials" });
    return z.NEVER;
  }
  const normalised = parsed.href;
  if (normalised.length > TARGET_LIMITS.maxUrlLength) {
    ctx.addIssue({ code: "custom", message: `must be at most ${TARGET_LIMITS.maxUrlLength} characters once normalised (is ${normalised.length})` });
    return z.NEVER;
  }
  const problem = dimensionTextProblem(normalised);
  if (problem) {
    ctx.addIssue({ code: "custom", message: `cannot be a CloudWatch dimension value: ${problem}` });
    return z.NEVER;
  }
  return normalised;
});

const validRegex = z.string({ error: expected("a string") }).superRefine((value, ctx) => {
  try {
    new RegExp(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `must be a valid regular expression (${(error as Error).message})` });
  }
});

const statusCode = z
  .number({ error: expected("a number") })
  .int({ error: "must be a whole number" })
  .min(100, { error: "must be an HTTP status code (100-599)" })
  .max(599, { error: "must be an HTTP status code (100-599)" });

export const ExpectSchema = z.strictObject(
  {
    /** Accepted final status codes; default any 2xx. */
    status: z.array(statusCode, { error: expected("a list of status codes") }).min(1, { error: "must not be empty" }).optional(),
    /** A substring the body (up to the body cap) must contain. */
    bodyContains: z.string({ error: expected("a string") }).min(1, { error: "must not be empty" }).optional(),
    /** A JavaScript regular expression the body (up to the body cap) must match. */
    bodyMatches: validRegex.optional(),
    /** Response headers that must be present, each containing the given value (names and values case-insensitive). */
    headers: z.record(z.string(), z.string({ error: expected("a string") }), { error: expected("an object of header names to values") }).optional(),
  },
  { error: expected("an object") },
);

export const TargetSchema = z.strictObject(
  {
    url: httpUrl,
    name: z
      .string({ error: expected("a string") })
      .min(1, { error: "must not be empty" })
      .max(TARGET_LIMITS.maxNameLength, { error: `must be at most ${TARGET_LIMITS.maxNameLength} characters` })
      .optional(),
    /** Latency alarm threshold in milliseconds (total time across redirects). */
    latencyMs: z.number({ error: expected("a number") }).int({ error: "must be a whole number" }).positive({ error: "must be positive" }).optional(),
    timeoutMs: z
      .number({ error: expected("a number") })
      .int({ error: "must be a whole number" })
      .min(TARGET_LIMITS.minTimeoutMs, { error: `must be at least ${TARGET_LIMITS.minTimeoutMs}` })
      .max(TARGET_LIMITS.maxTimeoutMs, { error: `must be at most ${TARGET_LIMITS.maxTimeoutMs}` })
      .optional(),
    retries: z
      .number({ error: expected("a number") })
      .int({ error: "must be a whole number" })
      .min(0, { error: "must not be negative" })
      .max(TARGET_LIMITS.maxRetries, { error: `must be at most ${TARGET_LIMITS.maxRetries}` })
      .optional(),
    expect: ExpectSchema.optional(),
  },
  { error: expected("an object") },
);

export type Target = z.infer<typeof TargetSchema>;
export type TargetExpectations = z.infer<typeof ExpectSchema>;

/** A non-empty list of targets whose (normalised) URLs are unique: the URL is the metric dimension and alarm key. */
export const TargetListSchema = z
  .array(TargetSchema, { error: expected("a list of targets") })
  .min(1, { error: "must contain at least one target" })
  .superRefine((targets, ctx) => {
    const firstIndexByUrl = new Map<string, number>();
    targets.forEach((target, index) => {
      const first = firstIndexByUrl.get(target.url);
      if (first === undefined) firstIndexByUrl.set(target.url, index);
      else ctx.addIssue({ code: "custom", path: [index, "url"], message: `duplicates targets[${first}].url` });
    });
  });

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

/** Turns a zod error into `path: reason` lines, naming unknown keys explicitly. */
export function describeIssues(root: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => `${formatPath(root, [...issue.path, key])}: is not a known field`).join("\n");
    }
    return `${formatPath(root, issue.path)}: ${issue.message}`;
  });
}

/** Validates a parsed value against a schema, throwing a ValidationError that names each place. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, root: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(describeIssues(root, result.error));
  return result.data;
}

/** Validates a list of targets; errors read `targets[2].url: must be http or https`. */
export function parseTargets(value: unknown, root = "targets"): Target[] {
  return validate(TargetListSchema, value, root);
}
