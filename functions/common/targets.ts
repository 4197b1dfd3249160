/**
 * The one target schema, shared by the stack config (`webhealth:targets`), the CLI's targets
 * file and the probe Lambda's event, so a target that passes in one place passes everywhere.
 */
import * as z from "zod/mini";
import { CLOUDWATCH_LIMITS } from "./aws-limits";
import { dimensionTextProblem } from "./cloudwatch-values";
import { jsonPathProblem } from "./json-path";
import { regexProblem } from "./regex";
import { expected, validate, wholeNumberType } from "./schema-kit";
import { isSecretName, SECRET_NAME_RULE } from "./secrets";
import { normaliseUrl } from "./url";

// The validation helpers live in schema-kit (functions that validate no target need not bundle this module).
export { describeIssues, formatPath, validate, ValidationError } from "./schema-kit";
export { normaliseUrl } from "./url";

/** Defaults applied when a target leaves a field out. */
export const TARGET_DEFAULTS = {
  /** Bounds the whole redirect chain, body included. */
  timeoutMs: 10_000,
  retries: 0,
  method: "GET",
} as const;

/** Upper bounds that keep one target from stalling a once-a-minute schedule. */
export const TARGET_LIMITS = {
  minTimeoutMs: 100,
  /** A probe runs every minute: a single attempt longer than that overlaps the next run. */
  maxTimeoutMs: 60_000,
  maxRetries: 3,
  maxNameLength: 128,
  /** An availability objective (percent) must leave a budget and mean something: above 50%, below 100%. */
  minSloPercent: 50,
  /** The normalised URL is the `Url` dimension: at most a dimension value's 1,024 characters. */
  maxUrlLength: CLOUDWATCH_LIMITS.dimensionValueMaxLength,
  /** A request body is sent as is; the stage's targets travel in EventBridge inputs of 8,192 characters anyway. */
  maxBodyLength: 65_536,
  maxHeaders: 50,
  maxJsonAssertions: 50,
} as const;

/** The request methods a target may use. */
export const REQUEST_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type RequestMethod = (typeof REQUEST_METHODS)[number];

/**
 * Request headers the engine owns: framing and connection management (Node computes them from the
 * body and the fresh connection), and `accept-encoding`, which stays `identity` so assertions see the
 * body as sent.
 */
export const RESERVED_REQUEST_HEADERS = ["accept-encoding", "connection", "content-length", "expect", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"] as const;

/** RFC 9110 `token`: the characters of a header name. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What Node accepts in a header value (no CR, LF or other control characters but tab). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A header value that names a secret instead of holding it. */
export interface SecretRef {
  secret: string;
}
export type HeaderValue = string | SecretRef;

export function isSecretRef(value: HeaderValue): value is SecretRef {
  return typeof value === "object" && value !== null;
}

/**
 * A target URL, normalised once to its WHATWG serialisation (lower-case scheme and host, punycode
 * host, percent-encoded path and query, default port dropped, `/` for an empty path), so one URL
 * has one spelling everywhere: `HTTPS://Example.com` and `https://example.com/` are the same target.
 * The normalised form is the `Url` dimension, so its length and characters are checked there.
 */
const httpUrl = z.pipe(
  z.string({ error: expected("a string") }).check(
    z.superRefine((value, ctx) => {
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        ctx.addIssue({ code: "custom", message: "must be an absolute URL" });
        return;
      }
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        ctx.addIssue({ code: "custom", message: "must be http or https" });
        return;
      }
      if (parsed.username || parsed.password) {
        // Credentials in the URL would end up in metric dimensions, logs and alarm names.
        ctx.addIssue({ code: "custom", message: "must not contain credentials" });
        return;
      }
      const normalised = parsed.href;
      if (normalised.length > TARGET_LIMITS.maxUrlLength) {
        ctx.addIssue({ code: "custom", message: `must be at most ${TARGET_LIMITS.maxUrlLength} characters once normalised (is ${normalised.length})` });
        return;
      }
      const problem = dimensionTextProblem(normalised);
      if (problem) ctx.addIssue({ code: "custom", message: `cannot be a CloudWatch dimension value: ${problem}` });
    }),
  ),
  // Only a URL that passed the checks above reaches the transform.
  z.transform((value: string) => normaliseUrl(value) as string),
);

/** A pattern RE2 can run (see regex.ts); refused with the reason otherwise. */
const linearRegex = z.string({ error: expected("a string") }).check(
  z.superRefine((value, ctx) => {
    const problem = regexProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
);

const statusCode = wholeNumberType().check(
  z.minimum(100, { error: "must be an HTTP status code (100-599)" }),
  z.maximum(599, { error: "must be an HTTP status code (100-599)" }),
);

const headerValue = z.custom<HeaderValue>().check(
  z.superRefine((value: unknown, ctx) => {
    if (typeof value === "string") {
      if (!HEADER_VALUE.test(value)) ctx.addIssue({ code: "custom", message: "must not contain line breaks or other control characters" });
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: "custom", message: 'must be a string or { "secret": "<name>" }' });
      return;
    }
    const keys = Object.keys(value);
    const name = (value as { secret?: unknown }).secret;
    if (keys.length !== 1 || keys[0] !== "secret") ctx.addIssue({ code: "custom", message: 'must be a string or { "secret": "<name>" }' });
    else if (typeof name !== "string" || !isSecretName(name)) ctx.addIssue({ code: "custom", path: ["secret"], message: `must be ${SECRET_NAME_RULE}` });
  }),
);

const RequestSchema = z.strictObject(
  {
    method: z.optional(z.enum(REQUEST_METHODS, { error: `must be one of ${REQUEST_METHODS.join(", ")}` })),
    /** Header name -> a value or `{ secret: name }` (resolved by the probe, never logged). */
    headers: z.optional(
      z.record(z.string(), headerValue, { error: expected("an object of header names to values") }).check(
        z.superRefine((headers, ctx) => {
          const seen = new Map<string, string>();
          const names = Object.keys(headers);
          if (names.length > TARGET_LIMITS.maxHeaders) ctx.addIssue({ code: "custom", message: `must have at most ${TARGET_LIMITS.maxHeaders} headers` });
          for (const name of names) {
            const lower = name.toLowerCase();
            if (!HEADER_NAME.test(name)) ctx.addIssue({ code: "custom", path: [name], message: "is not a valid header name" });
            else if ((RESERVED_REQUEST_HEADERS as readonly string[]).includes(lower)) {
              ctx.addIssue({ code: "custom", path: [name], message: "is set by the probe itself (fresh connection, body as sent, identity encoding)" });
            } else if (seen.has(lower)) ctx.addIssue({ code: "custom", path: [name], message: `duplicates request.headers.${seen.get(lower)} (names are case-insensitive)` });
            seen.set(lower, name);
          }
        }),
      ),
    ),
    /** Sent as is, with the content-type the target sets. */
    body: z.optional(z.string({ error: expected("a string") }).check(z.maxLength(TARGET_LIMITS.maxBodyLength, { error: `must be at most ${TARGET_LIMITS.maxBodyLength} characters` }))),
  },
  { error: expected("an object") },
);

/** A JMESPath expression, compiled at validation so a typo is bad input, not a failing target. */
const jmesPath = z.string({ error: expected("a JMESPath expression") }).check(
  z.minLength(1, { error: "must not be empty" }),
  z.superRefine((value, ctx) => {
    const problem = jsonPathProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: `must be a JMESPath expression (${problem})` });
  }),
);

/** The comparisons of a JSON assertion; exactly one per assertion. */
export const JSON_COMPARISONS = ["equals", "notEquals", "contains", "matches", "exists", "lessThan", "greaterThan"] as const;
export type JsonComparison = (typeof JSON_COMPARISONS)[number];

const anyJson = z.custom<unknown>((value) => value !== undefined, { error: "is required" });
const finiteNumber = z.number({ error: expected("a number") });

const JsonAssertionSchema = z
  .strictObject(
    {
      /** Where in the body, as JMESPath (`status.indicator`, `checks[?name=='db'].ok | [0]`). */
      path: jmesPath,
      /** The value there deep-equals this JSON value. */
      equals: z.optional(anyJson),
      notEquals: z.optional(anyJson),
      /** The string there contains this text, or the list there has an element equal to this value. */
      contains: z.optional(anyJson),
      /** The string there matches this regular expression (RE2, linear time). */
      matches: z.optional(linearRegex),
      /** true: something (not null) is there; false: nothing is. */
      exists: z.optional(z.boolean({ error: expected("true or false") })),
      lessThan: z.optional(finiteNumber),
      greaterThan: z.optional(finiteNumber),
    },
    { error: expected("an object { path, <comparison> }") },
  )
  .check(
    z.superRefine((assertion, ctx) => {
      const given = JSON_COMPARISONS.filter((comparison) => comparison in assertion);
      if (given.length !== 1) {
        ctx.addIssue({ code: "custom", message: `must have exactly one of ${JSON_COMPARISONS.join(", ")}${given.length > 1 ? ` (has ${given.join(", ")})` : ""}` });
      }
    }),
  );

export type JsonAssertion = z.infer<typeof JsonAssertionSchema>;

export const ExpectSchema = z.strictObject(
  {
    /** Accepted final status codes; default any 2xx. */
    status: z.optional(z.array(statusCode, { error: expected("a list of status codes") }).check(z.minLength(1, { error: "must not be empty" }))),
    /** A substring the body (up to the body cap) must contain. */
    bodyContains: z.optional(z.string({ error: expected("a string") }).check(z.minLength(1, { error: "must not be empty" }))),
    /** A regular expression (RE2 syntax, linear time) the body (up to the body cap) must match. */
    bodyMatches: z.optional(linearRegex),
    /** Response headers that must be present, each containing the given value (names and values case-insensitive). */
    headers: z.optional(z.record(z.string(), z.string({ error: expected("a string") }), { error: expected("an object of header names to values") })),
    /** Assertions on the JSON body, checked in order. */
    json: z.optional(
      z
        .array(JsonAssertionSchema, { error: expected("a list of { path, <comparison> }") })
        .check(
          z.minLength(1, { error: "must not be empty" }),
          z.maxLength(TARGET_LIMITS.maxJsonAssertions, { error: `must have at most ${TARGET_LIMITS.maxJsonAssertions} assertions` }),
        ),
    ),
  },
  { error: expected("an object") },
);

const BODY_EXPECTATIONS = ["bodyContains", "bodyMatches", "json"] as const;

export const TargetSchema = z
  .strictObject(
    {
      url: httpUrl,
      name: z.optional(
        z
          .string({ error: expected("a string") })
          .check(
            z.minLength(1, { error: "must not be empty" }),
            z.maxLength(TARGET_LIMITS.maxNameLength, { error: `must be at most ${TARGET_LIMITS.maxNameLength} characters` }),
          ),
      ),
      /** Latency alarm threshold in milliseconds (total time across redirects). */
      latencyMs: z.optional(wholeNumberType().check(z.positive({ error: "must be positive" }))),
      timeoutMs: z.optional(
        wholeNumberType().check(
          z.minimum(TARGET_LIMITS.minTimeoutMs, { error: `must be at least ${TARGET_LIMITS.minTimeoutMs}` }),
          z.maximum(TARGET_LIMITS.maxTimeoutMs, { error: `must be at most ${TARGET_LIMITS.maxTimeoutMs}` }),
        ),
      ),
      retries: z.optional(
        wholeNumberType().check(z.minimum(0, { error: "must not be negative" }), z.maximum(TARGET_LIMITS.maxRetries, { error: `must be at most ${TARGET_LIMITS.maxRetries}` })),
      ),
      request: z.optional(RequestSchema),
      expect: z.optional(ExpectSchema),
      /** Availability objective in percent (e.g. 99.95), overriding the stage's `webhealth:slo.objective`. */
      slo: z.optional(
        z
          .number({ error: expected("a number") })
          .check(
            z.gt(TARGET_LIMITS.minSloPercent, { error: `must be above ${TARGET_LIMITS.minSloPercent}` }),
            z.lt(100, { error: "must be below 100 (100% leaves no error budget)" }),
          ),
      ),
    },
    { error: expected("an object") },
  )
  .check(
    z.superRefine((target, ctx) => {
      // A HEAD response has no body: a body assertion could never hold.
      if (target.request?.method !== "HEAD") return;
      for (const key of BODY_EXPECTATIONS) {
        if (target.expect?.[key] !== undefined) ctx.addIssue({ code: "custom", path: ["expect", key], message: "cannot hold: a HEAD response has no body" });
      }
    }),
  );

export type Target = z.infer<typeof TargetSchema>;
export type TargetRequest = z.infer<typeof RequestSchema>;
export type TargetExpectations = z.infer<typeof ExpectSchema>;

/** Every secret a target's request names, with the place it is named, in order. */
export function secretReferences(target: Target): Array<{ name: string; header: string }> {
  return Object.entries(target.request?.headers ?? {}).flatMap(([header, value]) => (isSecretRef(value) ? [{ name: value.secret, header }] : []));
}

/** A non-empty list of targets whose (normalised) URLs are unique: the URL is the metric dimension and alarm key. */
export const TargetListSchema = z
  .array(TargetSchema, { error: expected("a list of targets") })
  .check(
    z.minLength(1, { error: "must contain at least one target" }),
    z.superRefine((targets, ctx) => {
      const firstIndexByUrl = new Map<string, number>();
      targets.forEach((target, index) => {
        const first = firstIndexByUrl.get(target.url);
        if (first === undefined) firstIndexByUrl.set(target.url, index);
        else ctx.addIssue({ code: "custom", path: [index, "url"], message: `duplicates targets[${first}].url` });
      });
    }),
  );

/** Validates a list of targets; errors read `targets[2].url: must be http or https`. */
export function parseTargets(value: unknown, root = "targets"): Target[] {
  return validate(TargetListSchema, value, root);
}
