/** The per-target assertions on the final response: status, headers, body (text, pattern, JSON). */
import type { IncomingHttpHeaders } from "node:http";
import { jsonEqual, searchJson } from "../common/json-path";
import { compileRegex, type LinearRegex } from "../common/regex";
import { redactValues } from "../common/secrets";
import { JSON_COMPARISONS, type JsonAssertion, type JsonComparison, type TargetExpectations } from "../common/targets";
import type { ProbeError } from "./result";

export interface FinalResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  bodyTruncated: boolean;
}

/** Values shown in messages are cut to this many characters. */
export const SHOWN_VALUE_LIMIT = 120;

/** Any 2xx, unless the target lists its accepted codes. */
export function isAcceptedStatus(status: number, expect: TargetExpectations | undefined): boolean {
  return expect?.status ? expect.status.includes(status) : status >= 200 && status <= 299;
}

/**
 * A JSON value for a message, cut to SHOWN_VALUE_LIMIT characters. What the server sent may echo a
 * secret of the request: `secrets` are redacted before the cut, which could otherwise leave a part
 * of one that no later redaction would recognise.
 */
export function shown(value: unknown, secrets: readonly string[] = []): string {
  const json = value === undefined ? "undefined" : JSON.stringify(value);
  const text = secrets.length > 0 ? redactValues(json, secrets) : json;
  return text.length > SHOWN_VALUE_LIMIT ? `${text.slice(0, SHOWN_VALUE_LIMIT)}... (truncated)` : text;
}

/**
 * A header by name, case-insensitively, from the response's own headers only: a name like
 * `constructor` or `__proto__` must read as missing, not as something inherited from Object.
 */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const key = name.toLowerCase();
  if (!Object.hasOwn(headers, key)) return undefined;
  const value = headers[key];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(", ") : String(value);
}

/** Why the body is not readable as sent, when the server compressed it although the probe asked for `identity`. */
function compressionOf(response: FinalResponse): string | undefined {
  const encoding = headerValue(response.headers, "content-encoding")?.trim().toLowerCase();
  if (encoding && encoding !== "identity") return `content-encoding: ${encoding}`;
  // gzip's magic number, sent without a content-encoding header.
  if (response.body.length >= 3 && response.body[0] === 0x1f && response.body[1] === 0x8b && response.body[2] === 0x08) return "gzip data without a content-encoding header";
  return undefined;
}

const regexCache = new Map<string, LinearRegex>();
function regex(pattern: string): LinearRegex {
  let compiled = regexCache.get(pattern);
  if (!compiled) {
    compiled = compileRegex(pattern);
    regexCache.set(pattern, compiled);
  }
  return compiled;
}

function comparisonOf(assertion: JsonAssertion): JsonComparison {
  return JSON_COMPARISONS.find((comparison) => comparison in assertion) as JsonComparison;
}

/** Why one JSON assertion fails on `actual` (the value at its path), or null when it holds; `secrets` as for `shown`. */
export function jsonAssertionFailure(assertion: JsonAssertion, actual: unknown, secrets: readonly string[] = []): string | null {
  const at = `json ${assertion.path}`;
  const got = `got ${shown(actual, secrets)}`;
  switch (comparisonOf(assertion)) {
    case "equals":
      return jsonEqual(actual, assertion.equals) ? null : `${at}: expected ${shown(assertion.equals)}, ${got}`;
    case "notEquals":
      return jsonEqual(actual, assertion.notEquals) ? `${at}: expected anything but ${shown(assertion.notEquals)}, ${got}` : null;
    case "contains": {
      const wanted = assertion.contains;
      if (typeof actual === "string" && typeof wanted === "string") return actual.includes(wanted) ? null : `${at}: expected a string containing ${shown(wanted)}, ${got}`;
      if (Array.isArray(actual)) return actual.some((item) => jsonEqual(item, wanted)) ? null : `${at}: expected a list containing ${shown(wanted)}, ${got}`;
      return `${at}: expected ${typeof wanted === "string" ? "a string or a list" : "a list"} containing ${shown(wanted)}, ${got}`;
    }
    case "matches": {
      const pattern = assertion.matches as string;
      if (typeof actual !== "string") return `${at}: expected a string matching /${pattern}/, ${got}`;
      return regex(pattern).test(actual) ? null : `${at}: expected a string matching /${pattern}/, ${got}`;
    }
    case "exists":
      if (assertion.exists) return actual === null ? `${at}: expected a value, got nothing (null)` : null;
      return actual === null ? null : `${at}: expected nothing, ${got}`;
    case "lessThan":
      return typeof actual === "number" && actual < (assertion.lessThan as number) ? null : `${at}: expected a number below ${assertion.lessThan}, ${got}`;
    case "greaterThan":
      return typeof actual === "number" && actual > (assertion.greaterThan as number) ? null : `${at}: expected a number above ${assertion.greaterThan}, ${got}`;
  }
}

function checkJson(body: string, truncated: boolean, assertions: readonly JsonAssertion[], secrets: readonly string[]): ProbeError | null {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    const why = truncated ? `it was cut at the first ${Buffer.byteLength(body)} bytes` : (error as Error).message;
    return { code: "BODY", message: `body is not JSON (${why})` };
  }
  for (const assertion of assertions) {
    let actual: unknown;
    try {
      actual = searchJson(document, assertion.path);
    } catch (error) {
      return { code: "BODY", message: `json ${assertion.path}: cannot be evaluated on this body (${(error as Error).message})` };
    }
    const failure = jsonAssertionFailure(assertion, actual, secrets);
    if (failure) return { code: "BODY", message: failure };
  }
  return null;
}

/**
 * The first failed assertion (status, then headers, then body), or null when all hold. `secrets`:
 * the values the request carried, never shown in a message however the response quotes them.
 */
export function checkResponse(response: FinalResponse, expect: TargetExpectations | undefined, secrets: readonly string[] = []): ProbeError | null {
  if (!isAcceptedStatus(response.status, expect)) {
    const accepted = expect?.status ? `one of ${expect.status.join(", ")}` : "2xx";
    return { code: "STATUS", message: `status ${response.status} is not accepted (expected ${accepted})` };
  }
  for (const [name, wanted] of Object.entries(expect?.headers ?? {})) {
    const actual = headerValue(response.headers, name);
    if (actual === undefined) return { code: "HEADER", message: `header ${name} is missing` };
    if (!actual.toLowerCase().includes(wanted.toLowerCase())) {
      return { code: "HEADER", message: `header ${name} is ${shown(actual, secrets)}, expected it to contain ${JSON.stringify(wanted)}` };
    }
  }
  if (expect?.bodyContains === undefined && expect?.bodyMatches === undefined && expect?.json === undefined) return null;
  const compressed = compressionOf(response);
  if (compressed) {
    return { code: "BODY", message: `body is compressed (${compressed}) although the probe asked for accept-encoding: identity; body assertions need the body as text` };
  }
  const body = response.body.toString("utf8");
  const where = response.bodyTruncated ? ` (in the first ${response.body.length} bytes)` : "";
  if (expect.bodyContains !== undefined && !body.includes(expect.bodyContains)) {
    return { code: "BODY", message: `body does not contain ${JSON.stringify(expect.bodyContains)}${where}` };
  }
  if (expect.bodyMatches !== undefined && !regex(expect.bodyMatches).test(body)) {
    return { code: "BODY", message: `body does not match /${expect.bodyMatches}/${where}` };
  }
  if (expect.json !== undefined) return checkJson(body, response.bodyTruncated, expect.json, secrets);
  return null;
}
