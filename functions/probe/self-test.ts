/**
 * The probe's self-test for the CodeDeploy pre-traffic hook and the deploy driver's `verify`:
 * proves the new version can measure (a loopback server inside the process) and that it produces
 * a result for every given target, without publishing anything.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { SelfTestReport } from "../common/contract";
import type { Target } from "../common/targets";
import { probeTarget } from "./probe";
import type { ProbeResult } from "./result";
import { probeAll, type RunOptions } from "./run";

export const LOOPBACK_CHECK = "loopback";
const LOOPBACK_BODY = "webhealth self-test";
/** Generous for a loopback answer, short enough that the hook answers CodeDeploy quickly. */
const LOOPBACK_TIMEOUT_MS = 5_000;

const ms = (value: number | null) => `${Math.round(value ?? 0)} ms`;

/** `ok 200 in 123 ms`, `STATUS: status 503 is not accepted (expected 2xx)`, `skipped: ...`. */
export function describeResult(result: ProbeResult): string {
  if (result.skipped) return "skipped: the invocation's deadline was reached before a result";
  if (result.ok) return `ok ${result.status} in ${ms(result.timings.totalMs)}`;
  return `${result.error?.code}: ${result.error?.message}`;
}

async function withLoopbackServer<T>(use: (url: string) => Promise<T>): Promise<T> {
  const server = http.createServer((_request, response) => {
    response.setHeader("content-type", "text/plain");
    response.end(LOOPBACK_BODY);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}/self-test`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function loopbackCheck(options: RunOptions): Promise<SelfTestReport["checks"][number]> {
  try {
    const result = await withLoopbackServer((url) =>
      probeTarget({ url, timeoutMs: LOOPBACK_TIMEOUT_MS, expect: { bodyContains: LOOPBACK_BODY } }, { deadline: options.deadline }),
    );
    const timed = result.timings.ttfbMs !== null && result.timings.totalMs !== null;
    const passed = result.ok && timed;
    const detail = passed ? `${describeResult(result)} (ttfb ${result.timings.ttfbMs} ms)` : timed ? describeResult(result) : `${describeResult(result)}; timings missing`;
    return { name: LOOPBACK_CHECK, passed, detail };
  } catch (error) {
    return { name: LOOPBACK_CHECK, passed: false, detail: `crashed: ${(error as Error).message}` };
  }
}

export async function runSelfTest(targets: readonly Target[], options: RunOptions = {}): Promise<SelfTestReport> {
  const checks: SelfTestReport["checks"] = [await loopbackCheck(options)];
  if (targets.length > 0) {
    try {
      const { results } = await probeAll(targets, options);
      // A site being down still passes: the check is that this version produced a measurement.
      for (const result of results) checks.push({ name: result.url, passed: !result.skipped, detail: describeResult(result) });
    } catch (error) {
      for (const target of targets) checks.push({ name: target.url, passed: false, detail: `crashed: ${(error as Error).message}` });
    }
  }
  return { selfTest: true, passed: checks.every((check) => check.passed), checks };
}
