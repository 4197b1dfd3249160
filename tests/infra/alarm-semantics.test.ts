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

  describe("the evaluator follows CloudWatch's statistics and evaluation", () => {
    it("percentile rank excludes its lower bound and includes its upper bound", () => {
      expect([statistic("PR(100:200)", [100, 150, 200, 250]), statistic("PR(:200)", [100, 150, 200, 250]), statistic("PR(200:)", [100, 150, 200, 250])]).to.deep.equal([50, 75, 25]);
      expect(statistic("PR(0:1)", [])).to.equal(undefined);
    });

    it("trimmed mean with absolute bounds averages the values above the lower bound and up to the upper one", () => {
      // AWS's example: TM(150:1000) removes the values <= 150 and > 1000.
      expect([statistic("TM(150:1000)", [100, 150, 200, 1000, 1001]), statistic("TM(:200)", [100, 150, 200, 250]), statistic("TM(200:)", [100, 200, 300, 500])]).to.deep.equal([600, 150, 400]);
      expect(statistic("TM(:5000000)", [10_000_000, 10_000_000])).to.equal(undefined);
      expect(() => statistic("TM(:10)", [-1, 5])).to.throw("no trimmed mean for a metric with negative values");
    });

    // AWS's two tables (evaluation range 5, N = 3; "0" not breaching, "X" breaching, "-" missing,
    // newest on the right), for each treatment: missing, ignore, breaching, notBreaching.
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data
    // Skipped (null): AWS's "premature alarm state" rule, which only alarms treating missing data as `missing` use.
    const TABLES: Array<{ datapointsToAlarm: number; rows: Array<[string, Array<string | null>]> }> = [
      {
        datapointsToAlarm: 3,
        rows: [
          ["0-X-X", ["OK", "OK", "OK", "OK"]],
          ["0----", ["OK", "OK", "OK", "OK"]],
          ["-----", ["INSUFFICIENT_DATA", "retain", "ALARM", "OK"]],
          ["0XX-X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
          ["--X--", [null, "retain", "ALARM", "OK"]],
        ],
      },
      {
        datapointsToAlarm: 2,
        rows: [
          ["0-X-X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
          ["00X0X", ["ALARM", "ALARM", "ALARM", "ALARM"]],
          ["0-X--", ["OK", "OK", "ALARM", "OK"]],
          ["----0", ["OK", "OK", "ALARM", "OK"]],
          ["---X-", [null, "retain", "ALARM", "OK"]],
        ],
      },
    ];
    for (const { datapointsToAlarm, rows } of TABLES) {
      for (const [points, expected] of rows) {
        it(`${datapointsToAlarm} of 3, data ${points}: ${expected.map((state) => state ?? "-").join(", ")}`, () => {
          const datums: PublishedDatum[] = [...points].flatMap((point, index) =>
            point === "-" ? [] : [{ Namespace: "T", MetricName: "M", Value: point === "X" ? 1 : 0, Timestamp: minute(index) }],
          );
          ["missing", "ignore", "breaching", "notBreaching"].forEach((treatMissingData, column) => {
            if (expected[column] === null) return;
            const alarm: AlarmInputs = { namespace: "T", metricName: "M", statistic: "Maximum", period: 60, comparisonOperator: "GreaterThanThreshold", threshold: 0.5, evaluationPeriods: 3, datapointsToAlarm, treatMissingData };
            const state = evaluateAlarm(alarm, datums, minute(4), "OK", { evaluationRange: 5 });
            expect(state, treatMissingData).to.equal(expected[column] === "retain" ? "OK" : expected[column]);
            if (expected[column] === "retain") expect(evaluateAlarm(alarm, datums, minute(4), "ALARM", { evaluationRange: 5 }), treatMissingData).to.equal("ALARM");
          });
        });
      }
    }
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

    it("pages for a probe that published for a while and then stopped, once its real datapoints leave the evaluation range", () => {
      // CloudWatch first evaluates the most recent real datapoints of its evaluation range; only the
      // shortfall below N is breaching. N = 3, M = 2: with a range of R periods the alarm goes to
      // ALARM at the (R - N + M)th silent period: the 4th with AWS's example range of 5.
      const history: Outcome[][] = Array.from({ length: 10 }, () => ["ok"]);
      const silent: Outcome[][] = Array.from({ length: 10 }, () => ["silent"]);
      const datums = publish([...history, ...silent]);
      const stateAfter = (silentMinutes: number, evaluationRange: number) => evaluateAlarm(alarm(), datums, minute(history.length - 1 + silentMinutes), "OK", { evaluationRange });
      expect([1, 2, 3, 4, 5].map((n) => stateAfter(n, 5))).to.deep.equal(["OK", "OK", "OK", "ALARM", "ALARM"]);
      expect([8, 9].map((n) => stateAfter(n, 10))).to.deep.equal(["OK", "ALARM"]);
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

  describe("the dashboard's per-target lines (synthesised dashboard body, the probe's datums)", () => {
    it("availability is the passed share of every region's checks, latency the mean of the passed ones only", () => {
      const dashboard = triple.find((r) => r.type === "aws:cloudwatch/dashboard:Dashboard");
      const body = JSON.parse(dashboard?.inputs.dashboardBody as string) as { widgets: Array<{ properties: { title?: string; period?: number; metrics?: unknown[][] } }> };
      const line = (title: string): AlarmInputs => {
        const widget = body.widgets.find((w) => w.properties.title === title);
        const [namespace, metricName, dimensionName, dimensionValue, options] = widget?.properties.metrics?.[0] as [string, string, string, string, { stat: string }];
        return { namespace, metricName, dimensions: { [dimensionName]: dimensionValue }, extendedStatistic: options.stat, period: widget?.properties.period, comparisonOperator: "GreaterThanThreshold", threshold: 0, evaluationPeriods: 1 };
      };
      // One minute: ok (120 ms), slow (2,500 ms), down; the next, all three down.
      const datums = publish([["ok", "slow", "down"], ["down", "down", "down"]]);
      const availability = datapoints(line("Availability (% of checks passed)"), datums, minute(1), 2);
      expect(availability.map((p) => (p === undefined ? p : Math.round(p * 100) / 100))).to.deep.equal([66.67, 0]);
      expect(datapoints(line("Latency of passed checks (ms)"), datums, minute(1), 2)).to.deep.equal([(120 + 2500) / 2, undefined]);
    });
  });

  describe("probe health (per region, missing data breaching)", () => {
    it("alarms when a region stops probing, and only for that region", () => {
      const datums = publish([["ok", "ok", "silent"], ["ok", "ok", "silent"], ["ok", "ok", "silent"]]);
      expect(evaluateAlarm(alarmInputs(triple, "probe-health-ap-southeast-2"), datums, minute(2))).to.equal("ALARM");
      expect(evaluateAlarm(alarmInputs(triple, "probe-health-us-east-1"), datums, minute(2))).to.equal("OK");
    });

    it("pages for a region that probed for a while and then stopped, like availability: at the (R - N + M)th silent period", () => {
      const datums = publish([...Array.from({ length: 10 }, (): Outcome[] => ["ok", "ok", "ok"]), ...Array.from({ length: 5 }, (): Outcome[] => ["ok", "ok", "silent"])]);
      const states = [1, 2, 3, 4].map((n) => evaluateAlarm(alarmInputs(triple, "probe-health-ap-southeast-2"), datums, minute(9 + n), "OK", { evaluationRange: 5 }));
      expect(states).to.deep.equal(["OK", "OK", "OK", "ALARM"]);
      expect(evaluateAlarm(alarmInputs(triple, "probe-health-eu-west-1"), datums, minute(13), "OK", { evaluationRange: 5 })).to.equal("OK");
    });
  });
});
