/**
 * The self-test exchange between the hook and the version under test: the event the hook sends
 * (from `SELF_TEST_EVENT`) and the judgement of what came back. Pure: values in, values out.
 */
import * as z from "zod/mini";
import { HOOK_ENV, SelfTestReport } from "../common/contract";
import { validate, ValidationError } from "../common/schema-kit";

/** The event must be a self-test: a plain event would make the new version do real work. */
const SelfTestEventSchema = z.looseObject(
  { selfTest: z.literal(true, { error: "must be true" }) },
  { error: "must be a JSON object" },
);

/** Reads the self-test event from the environment; throws a ValidationError naming the variable. */
export function readSelfTestEvent(env: Record<string, string | undefined>): Record<string, unknown> {
  const name = HOOK_ENV.selfTestEvent;
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") {
    throw new ValidationError([`${name}: is required (the JSON event the new version is invoked with)`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ValidationError([`${name}: is not valid JSON`]);
  }
  return validate(SelfTestEventSchema, parsed, name);
}

const SelfTestReportSchema = z.object({
  selfTest: z.literal(true, { error: "must be true" }),
  passed: z.boolean({ error: (issue) => (issue.input === undefined ? "is required" : "must be a boolean") }),
  checks: z.array(
    z.object({
      name: z.string({ error: "must be a string" }),
      passed: z.boolean({ error: "must be a boolean" }),
      detail: z.optional(z.string({ error: "must be a string" })),
    }),
    { error: (issue) => (issue.input === undefined ? "is required" : "must be a list") },
  ),
}, { error: "must be an object" });

/** What Lambda's Invoke returned, reduced to what the verdict needs. */
export interface InvokeOutcome {
  statusCode?: number;
  /** Set by Lambda when the function threw or timed out (`Unhandled`) or returned an error. */
  functionError?: string;
  /** The response payload decoded as UTF-8. */
  payload: string;
}

export interface Verdict {
  passed: boolean;
  /** One sentence for the log: why the version may or may not take traffic. */
  reason: string;
  checks: SelfTestReport["checks"];
}

/** Judges an invocation of the new version: only a well-formed, consistent, passing report passes. */
export function judgeSelfTest(outcome: InvokeOutcome): Verdict {
  const fail = (reason: string, checks: SelfTestReport["checks"] = []): Verdict => ({ passed: false, reason, checks });
  if (outcome.functionError) {
    return fail(`the new version failed (${outcome.functionError}): ${errorMessageOf(outcome.payload)}`);
  }
  if (outcome.statusCode !== 200) return fail(`Invoke returned status ${outcome.statusCode ?? "none"}, expected 200`);
  let body: unknown;
  try {
    body = JSON.parse(outcome.payload);
  } catch {
    return fail("the new version returned a payload that is not JSON");
  }
  let report: SelfTestReport;
  try {
    report = validate(SelfTestReportSchema, body, "report");
  } catch (error) {
    return fail(`the new version did not return a SelfTestReport (${(error as Error).message.replace(/\n/g, "; ")})`);
  }
  const failing = report.checks.filter((check) => !check.passed);
  if (!report.passed) {
    const names = failing.map((check) => (check.detail ? `${check.name} (${check.detail})` : check.name));
    return fail(`self-test failed: ${names.join(", ") || "no failing check named"}`, report.checks);
  }
  if (failing.length > 0) {
    return fail(`self-test says passed but checks failed: ${failing.map((check) => check.name).join(", ")}`, report.checks);
  }
  // A report without checks proves nothing about the new version.
  if (report.checks.length === 0) return fail("self-test ran no checks", report.checks);
  return { passed: true, reason: `self-test passed ${report.checks.length} check(s)`, checks: report.checks };
}

function errorMessageOf(payload: string): string {
  try {
    const parsed = JSON.parse(payload) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof parsed.errorMessage === "string") {
      return typeof parsed.errorType === "string" ? `${parsed.errorType}: ${parsed.errorMessage}` : parsed.errorMessage;
    }
  } catch {
    // fall through: show the raw payload, shortened
  }
  return payload.length > 500 ? `${payload.slice(0, 500)}…` : payload || "no error message";
}
