/**
 * What the alarms do, proven on the synthesised plan: each test feeds the program's own
 * MetricAlarm inputs with the datums the probe's own code publishes (functions/probe/publish.ts)
 * for a scenario of results per region and minute, and evaluates them the way CloudWatch
 * documents (tests/infra/support/alarm-evaluator.ts).
 */
import { expect } from "chai";
import { heartbeatDatum, targetDatums } from "../../functions/probe/publish";
import type { ProbeResult } from "../../functions/probe/result";
import { synthesize, type SynthRecord } from "../../infra/synth";
import { datapoints, evaluateAlarm, statistic, type AlarmInputs, type PublishedDatum } from "./support/alarm-evaluator";

const REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"];
const URL = "https://shop.example.com/health";
const T0 = Date.parse("2026-12-01T10:00:00.000Z");
const minute = (n: number) => new Date(T0 + n * 60_000);

type Outcome = "ok" | "slow" | "down" | "silent";

function result(outcome: Exclude<Outcome, "silent">, totalMs = outcome === "slow" ? 2500 : 120): ProbeResult {
  const ok = outcome !== "down";
  return {
    url: URL,
    name: "shop",
    ok,
    status: ok ? 200 : 503,
    error: ok ? null : { code: "STATUS", message: "status 503" },
    timings: { dnsMs: 2, connectMs: 10, tlsMs: 20, ttfbMs: totalMs - 40, transferMs: 8, totalMs },
    tls: { daysRemaining: 40, validTo: "2027-01-10T00:00:00.000Z", issuer: "CN=R11" },
    redirects: 0,
    attempts: 1,
    warnings: [],
  };
}

/**
 * The datums of a scenario: per minute, one outcome per region (in REGIONS order). Each region
 * stamps its datums with the scheduled time plus its own offset within the minute (EventBridge
 * fires each region's rule at its own second), never with when it finished.
 */
function publish(minutes: Outcome[][], regions = REGIONS.slice(0, minutes[0].length)): PublishedDatum[] {
  const datums: PublishedDatum[] = [];
  minutes.forEach((outcomes, index) => {
    outcomes.forEach((outcome, r) => {
      if (outcome === "silent") return;
      const scheduledAt = new Date(minute(index).getTime() + r * 17_000);
      const settings = { namespace: "WebHealth", phaseMetrics: false, regionDimension: regions.length > 1 ? regions[r] : undefined };
      const results = [result(outcome)];
      for (const datum of [...targetDatums(results[0], settings, scheduledAt), heartbeatDatum(results, settings.regionDimension, scheduledAt)]) {
        datums.push({ ...datum, Namespace: "WebHealth" });
      }
    });
  });
  return datums;
}

function alarmInputs(records: SynthRecord[], name: string): AlarmInputs {
  const record = records.find((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.name === name);
  if (!record) throw new Error(`no alarm ${name}`);
  return record.inputs as unknown as AlarmInputs;
}

describe("alarm semantics over the synthesised plan", function () {
  this.timeout(60_000);
  let single: SynthRecord[];
  let triple: SynthRecord[];

  before(async () => {
    const target = { url: URL, name: "shop", latencyMs: 2000 };
    single = (await synthesize("sem", { "aws:region": "us-east-1", "webhealth:targets": [target] })).records;
    triple = (await synthesize("sem", { "aws:region": "us-east-1", "webhealth:targets": [target], "webhealth:probeRegions": REGIONS })).records;
  });

  describe("the evaluator follows CloudWatch's statistics", () => {
    it("percentile rank excludes its lower bound and includes its upper bound", () => {
      expect([statistic("PR(100:200)", [100, 150, 200, 250]), statistic("PR(:200)", [100, 150, 200, 250]), statistic("PR(200:)", [100, 150, 200, 250])]).to.deep.equal([50, 75, 25]);
      expect(statistic("PR(0:1)", [])).to.equal(undefined);
    });
  });

  describe("availability, one region (2 of 3 periods, missing data breaching)", () => {
    const alarm = () => alarmInputs(single, "shop-availability");

    it("reads one metric, the failed-check percent, and pages on two failed minutes of three", () => {
      expect(alarm()).to.deep.include({ metricName: "Check", extendedStatistic: "PR(5000000:20000000)", dimensions: { Url: URL }, treatMissingData: "breaching" });
      expect(evaluateAlarm(alarm(), publish([["down"], ["ok"], ["down"]]), minute(2))).to.equal("ALARM");
    });

    it("does not page on one failed minute", () => {
      expect(evaluateAlarm(alarm(), publish([["ok"], ["down"], ["ok"]]), minute(2))).to.equal("OK");
    });

    it("treats a probe that stopped publishing as down, not as healthy", () => {
      expect(evaluateAlarm(alarm(), publish([["ok"], ["silent"], ["silent"]]), minute(2))).to.equal("ALARM");
    });

    it("counts a slow but passed check as up", () => {
      expect(evaluateAlarm(alarm(), publish([["slow"], ["slow"], ["slow"]]), minute(2))).to.equal("OK");
    });
  });

  describe("availability, three regions (quorum 2: at least 2/3 of the period's checks failed)", () => {
    const alarm = () => alarmInputs(triple, "shop-availability");

    it("reads one metric whichever the number of regions, with the quorum as a percent", () => {
      expect(alarm()).to.deep.include({ metricName: "Check", extendedStatistic: "PR(5000000:20000000)", dimensions: { Url: URL }, threshold: 66.17 });
    });

    it("does not page when one region sees the target down (a regional network problem)", () => {
      expect(evaluateAlarm(alarm(), publish([["down", "ok", "ok"], ["down", "ok", "ok"], ["down", "ok", "ok"]]), minute(2))).to.equal("OK");
    });

    it("pages when two of three regions agree, in two of three minutes", () => {
      const datums = publish([["down", "down", "ok"], ["ok", "ok", "ok"], ["down", "ok", "down"]]);
      expect(datapoints(alarm(), datums, minute(2)).map((p) => Math.round(p as number))).to.deep.equal([67, 0, 67]);
      expect(evaluateAlarm(alarm(), datums, minute(2))).to.equal("ALARM");
    });

    it("counts the regions that reported when one sends nothing: both remaining must fail", () => {
      expect(evaluateAlarm(alarm(), publish([["down", "ok", "silent"], ["down", "ok", "silent"], ["down", "ok", "silent"]]), minute(2))).to.equal("OK");
      expect(evaluateAlarm(alarm(), publish([["down", "down", "silent"], ["down", "down", "silent"], ["ok", "ok", "silent"]]), minute(2))).to.equal("ALARM");
    });

    it("pages when no region publishes at all: a dead monitor is a problem", () => {
      expect(evaluateAlarm(alarm(), publish([["silent", "silent", "silent"], ["silent", "silent", "silent"], ["ok", "ok", "ok"]]), minute(2))).to.equal("ALARM");
    });

    it("puts every region's sample of one run in that run's period, whatever the region's offset in the minute", () => {
      // Region 3 fires 34 s into the minute; its samples still count in the run's own minute.
      const datums = publish([["down", "down", "down"], ["ok", "ok", "ok"], ["ok", "ok", "ok"]]);
      expect(datapoints(alarm(), datums, minute(2))).to.deep.equal([100, 0, 0]);
    });
  });

  describe("latency (3 of 5 periods; failures are not slow; no data is not slow)", () => {
    it("one region: one slow sample never pages, three of five do", () => {
      const alarm = alarmInputs(single, "shop-latency");
      expect(alarm).to.deep.include({ metricName: "Check", extendedStatistic: "PR(2000:5000000)", treatMissingData: "notBreaching", datapointsToAlarm: 3, evaluationPeriods: 5 });
      expect(evaluateAlarm(alarm, publish([["ok"], ["slow"], ["ok"], ["ok"], ["ok"]]), minute(4))).to.equal("OK");
      expect(evaluateAlarm(alarm, publish([["slow"], ["ok"], ["slow"], ["ok"], ["slow"]]), minute(4))).to.equal("ALARM");
      expect(evaluateAlarm(alarm, publish([["down"], ["down"], ["down"], ["down"], ["down"]]), minute(4))).to.equal("OK");
      expect(evaluateAlarm(alarm, publish([["silent"], ["silent"], ["silent"], ["silent"], ["silent"]]), minute(4))).to.equal("OK");
    });

    it("three regions: slow from one region is not enough, slow from two is", () => {
      const alarm = alarmInputs(triple, "shop-latency");
      const oneSlow = Array.from({ length: 5 }, (): Outcome[] => ["slow", "ok", "ok"]);
      const twoSlow = Array.from({ length: 5 }, (): Outcome[] => ["slow", "slow", "ok"]);
      expect(evaluateAlarm(alarm, publish(oneSlow), minute(4))).to.equal("OK");
      expect(evaluateAlarm(alarm, publish(twoSlow), minute(4))).to.equal("ALARM");
    });
  });

  describe("certificate expiry (published once a day, daily minimum)", () => {
    it("alarms on the day's minimum below the threshold, from the certificate hour's datums only", () => {
      const alarm = alarmInputs(single, "shop-certificate");
      expect(alarm).to.deep.include({ metricName: "CertificateDaysRemaining", statistic: "Minimum", period: 86_400, threshold: 14, treatMissingData: "ignore" });
      const settings = { namespace: "WebHealth", phaseMetrics: false };
      const expiring = { ...result("ok"), tls: { daysRemaining: 9, validTo: "2026-12-10T00:00:00.000Z", issuer: "CN=R11" } };
      const day = new Date("2026-12-01T00:00:00.000Z");
      const at = (iso: string) => targetDatums(expiring, settings, new Date(iso)).map((datum) => ({ ...datum, Namespace: "WebHealth" }));
      // Runs after the certificate hour publish no certificate datum: the day stays as it was.
      expect(evaluateAlarm(alarm, at("2026-12-01T10:05:00.000Z"), day, "OK")).to.equal("OK");
      expect(evaluateAlarm(alarm, at("2026-12-01T00:05:00.000Z"), day, "OK")).to.equal("ALARM");
    });
  });

  describe("probe health (per region, missing data breaching)", () => {
    it("alarms when a region stops probing, and only for that region", () => {
      const datums = publish([["ok", "ok", "silent"], ["ok", "ok", "silent"], ["ok", "ok", "silent"]]);
      expect(evaluateAlarm(alarmInputs(triple, "probe-health-ap-southeast-2"), datums, minute(2))).to.equal("ALARM");
      expect(evaluateAlarm(alarmInputs(triple, "probe-health-us-east-1"), datums, minute(2))).to.equal("OK");
    });
  });
});
