/**
 * The pre-traffic hook's timeout (docs/policies.md "What the hook needs"): the tested function's
 * timeout + HOOK_SETTINGS.extraSeconds, capped at Lambda's 900 s. Where the cap applies (schedules
 * of rate(15 minutes) and longer, whose probe timeout is itself 900 s), what the hook must outlast
 * is the probe's self-test, not the probe's timeout: that bound is checked here for every schedule.
 */
import { expect } from "chai";
import { REPORT_RESERVE_MS } from "../../functions/canary-hook/hook";
import { loadStageConfig } from "../../infra/config";
import { LAMBDA_MAX_TIMEOUT_SECONDS, shardWorstCaseMs } from "../../infra/plan/shards";
import { HOOK_SETTINGS, planStage } from "../../infra/plan/stage";

/** Slow targets at the schema's limits: 60 s timeout, 3 retries. */
const SLOW = Array.from({ length: 5 }, (_, i) => ({ url: `https://slow-${i}.example.com/`, timeoutMs: 60_000, retries: 3 }));

describe("infra: the pre-traffic hook outlasts what it waits for", () => {
  for (const schedule of ["rate(1 minute)", "rate(5 minutes)", "rate(15 minutes)", "rate(1 hour)"]) {
    it(`${schedule}: timeout + ${HOOK_SETTINGS.extraSeconds} s capped at ${LAMBDA_MAX_TIMEOUT_SECONDS} s, above the self-test's worst case`, () => {
      const config = loadStageConfig("hooks", { "aws:region": "us-east-1", "webhealth:schedule": schedule, "webhealth:targets": schedule === "rate(1 minute)" ? SLOW.map((t) => ({ ...t, timeoutMs: 50_000, retries: 0 })) : SLOW });
      const plan = planStage(config);
      for (const fn of [...plan.probes, plan.recorder]) {
        expect(fn.hookTimeoutSeconds, fn.role).to.equal(Math.min(LAMBDA_MAX_TIMEOUT_SECONDS, fn.timeoutSeconds + HOOK_SETTINGS.extraSeconds));
      }
      for (const probe of plan.probes) {
        const event = JSON.parse(probe.selfTestEvent) as { targets: typeof SLOW };
        // The self-test probes its targets at once (the pool is wider than 3), each within its worst case.
        const selfTestMs = shardWorstCaseMs(event.targets, config.probeConcurrency);
        expect(probe.hookTimeoutSeconds * 1000 - REPORT_RESERVE_MS, `${schedule}: hook ${probe.hookTimeoutSeconds} s, self-test ${selfTestMs} ms`).to.be.above(selfTestMs);
      }
    });
  }
});
