/**
 * `npm run status` against a local CloudWatch (tests/cli/fake-cloudwatch.ts, the SDK's own wire
 * protocol) and the ledger in dynalite, with a scripted last hour whose figures are worked out by
 * hand below, and the exact table and JSON expected.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Writable } from "node:stream";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { command } from "../../cli/status";
import { snsEventOf } from "../../cli/ledger-record";
import { createTableInput } from "../../functions/common/ledger";
import { recordSnsRecords } from "../../functions/recorder/recorder";
import { targetKey } from "../../infra/plan/names";
import { notificationFor, startDynalite, type LocalDynamo } from "../ledger/helpers";
import { startFakeCloudWatch, type FakeCloudWatch } from "./fake-cloudwatch";
import { startFakeLogs, type FakeLogs } from "./fake-logs";
import { docCodeBlocks } from "./support";
import { CHECK_FAILED_VALUE } from "../../functions/common/metrics";

class Collector extends Writable {
  text = "";
  isTTY = false;
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void) {
    this.text += chunk.toString();
    callback();
  }
}

const MIN = 60_000;
const NOW = Date.parse("2026-11-26T10:00:30Z");
const HOUR_START = Date.parse("2026-11-26T09:00:00Z");
const STAGE = "shopbeta";
const SHOP = "https://shop.example/";
const API = "https://api.example/health";
const PREFIX = `webhealth-${STAGE}-`;
const API_KEY = targetKey({ url: API });

/** The minutes of the hour (0-59) in which the shop failed its check. */
const SHOP_FAILED = [55, 56, 57];


/** Records each write to `stdout` and aborts the run (as Ctrl-C does) once it has `count` of them. */
function abortAfterWrites(stdout: Collector, count: number, controller: AbortController): string[] {
  const writes: string[] = [];
  const original = stdout.write.bind(stdout);
  stdout.write = ((chunk: string) => {
    writes.push(chunk);
    if (writes.length === count) controller.abort(new Error("SIGINT"));
    return original(chunk);
  }) as typeof stdout.write;
  return writes;
}
describe("npm run status against a fake CloudWatch and the ledger in dynalite", function () {
  this.timeout(60_000);
  let cloudWatch: FakeCloudWatch;
  let logs: FakeLogs;
  let dynamo: LocalDynamo;
  let root: string;
  const saved: Record<string, string | undefined> = {};

  const run = async (argv: string[], signal = new AbortController().signal, stageRoot = root) => {
    const stdout = new Collector();
    const stderr = new Collector();
    const code = await command.execute(argv, { stdout, stderr, env: process.env, root: stageRoot, signal, now: () => NOW });
    return { code, stdout: stdout.text, stderr: stderr.text };
  };

  before(async () => {
    cloudWatch = await startFakeCloudWatch();
    logs = await startFakeLogs();
    dynamo = await startDynalite();
    for (const [key, value] of Object.entries({
      AWS_ENDPOINT_URL_CLOUDWATCH: cloudWatch.endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logs.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: "us-east-1",
    })) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    root = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-status-"));
    fs.writeFileSync(
      path.join(root, `Pulumi.${STAGE}.yaml`),
      `config:\n  aws:region: us-east-1\n  webhealth:targets:\n    - url: ${SHOP}\n      name: shop\n      latencyMs: 1500\n    - url: ${API}\n`,
    );
    // The last hour, one check a minute, as `Check` datums (the time in ms when the check passed,
    // 10,000,000 when it failed). The shop fails at 09:55, 09:56 and 09:57: 57 of 60 checks succeed
    // (PR(:5000000) = 95), 95.00%. Its passed checks take 100 + minute ms: sorted, 100..154, 158,
    // 159 and the three failures last; nearest rank p50 = 30th = 129, p90 = 54th = 153, p99 = 60th
    // = a failure (no latency: "-"); latest (09:59) 159. The API passes every check in 200 ms.
    const minutes = Array.from({ length: 60 }, (_, i) => i);
    const at = (i: number) => HOUR_START + i * MIN + 5_000;
    const metric = (metricName: string, dimensions: Record<string, string>, points: Array<[number, number]>, namespace = "WebHealth") => ({
      region: "us-east-1",
      namespace,
      metricName,
      dimensions,
      points,
    });
    cloudWatch.metrics.push(
      metric("Check", { Url: SHOP }, minutes.map((i) => [at(i), SHOP_FAILED.includes(i) ? CHECK_FAILED_VALUE : 100 + i])),
      metric("Check", { Url: API }, minutes.map((i) => [at(i), 200])),
      metric("TargetsProbed", {}, minutes.map((i) => [at(i), 2])),
      metric("Errors", { FunctionName: `webhealth-${STAGE}-probe-us-east-1` }, [[at(30), 1]], "AWS/Lambda"),
    );
    const alarm = (name: string, state: "OK" | "ALARM") => ({ region: "us-east-1", name: `${PREFIX}${name}`, state, updatedAt: HOUR_START, reason: "" });
    cloudWatch.alarms.push(
      alarm("shop-availability", "ALARM"),
      alarm("shop-latency", "OK"),
      alarm("shop-certificate", "OK"),
      alarm(`${API_KEY}-availability`, "OK"),
      alarm(`${API_KEY}-latency`, "OK"),
      alarm(`${API_KEY}-certificate`, "OK"),
      alarm("probe-health", "OK"),
      alarm("probe-us-east-1-errors", "OK"),
      alarm("recorder-errors", "OK"),
      alarm("recorder-dead-letters", "OK"),
    );
    // The ledger, through the recorder: the shop's availability alarm fired at 09:56:40.
    const raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: "us-east-1" });
    await raw.send(new CreateTableCommand(createTableInput(`${PREFIX}alarm-ledger`)));
    raw.destroy();
    const change = { alarm: `${PREFIX}shop-availability`, url: SHOP, from: "OK", to: "ALARM", at: Date.parse("2026-11-26T09:56:40Z"), reason: "Threshold Crossed" };
    await recordSnsRecords(snsEventOf([notificationFor(change)]).Records, {
      client: dynamo.client,
      config: { tableName: `${PREFIX}alarm-ledger`, retentionDays: 400 },
      now: Date.now,
      log: () => undefined,
    });
  });
  after(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await cloudWatch.close();
    await logs.close();
    await dynamo.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("prints every target and webhealth's own health, exit 1 while the shop is in ALARM", async () => {
    const result = await run(["--stack", STAGE]);
    expect([result.code, result.stderr]).to.deep.equal([1, ""]);
    expect(result.stdout.split("\n")).to.deep.equal([
      "webhealth shopbeta at 2026-11-26T10:00:00Z (us-east-1): 2 targets, 1 in ALARM, 0 without data",
      "",
      "TARGET                      STATE  FIRING        REGION     AVAIL 1H  LATEST MS  P50  P90  P99  LAST CHANGE",
      "shop https://shop.example/  ALARM  availability  us-east-1    95.00%        159  129  153    -  2026-11-26T09:56:40Z webhealth-shopbeta-shop-availability OK -> ALARM",
      "https://api.example/health  OK     -             us-east-1   100.00%        200  200  200  200  -",
      "",
      "WEBHEALTH               REGION     STATE  DETAIL",
      "probe health            us-east-1  OK     targets probed in the last period: 2 of 2",
      "probe-us-east-1 errors  us-east-1  OK     Lambda errors in the last hour: 1",
      "recorder errors         us-east-1  OK     Lambda errors in the last hour: 0",
      "recorder dead letters   us-east-1  OK     no messages reported in the last hour",
      "",
    ]);
    // docs/status-and-reports.md shows this very output.
    expect(docCodeBlocks("status-and-reports.md")).to.deep.include(result.stdout.split("\n").slice(0, -1));
  });

  it("--json: the same status as data", async () => {
    const result = await run(["--stack", STAGE, "--json"]);
    expect(result.code).to.equal(1);
    const status = JSON.parse(result.stdout);
    expect(status).to.deep.include({ stage: STAGE, at: "2026-11-26T10:00:00.000Z", homeRegion: "us-east-1", ok: false });
    expect(status.targets[0]).to.deep.equal({
      name: "shop",
      url: SHOP,
      state: "ALARM",
      maintenance: null,
      firing: ["availability"],
      availability: 0.95,
      checks: 60,
      regions: [{ region: "us-east-1", source: "metrics", availability: 0.95, checks: 60, latestLatencyMs: 159, p50: 129, p90: 153, p99: null }],
      lastChange: { at: "2026-11-26T09:56:40.000Z", alarm: `${PREFIX}shop-availability`, from: "OK", to: "ALARM", reason: "Threshold Crossed" },
    });
    expect(status.health.map((check: { check: string; state: string }) => `${check.check}: ${check.state}`)).to.deep.equal([
      "probe health: OK",
      "probe-us-east-1 errors: OK",
      "recorder errors: OK",
      "recorder dead letters: OK",
    ]);
  });

  it("exit 0 once everything is OK", async () => {
    const shop = cloudWatch.alarms.find((alarm) => alarm.name === `${PREFIX}shop-availability`)!;
    shop.state = "OK";
    try {
      const result = await run(["--stack", STAGE]);
      expect([result.code, result.stdout.split("\n")[0]]).to.deep.equal([0, "webhealth shopbeta at 2026-11-26T10:00:00Z (us-east-1): 2 targets, 0 in ALARM, 0 without data"]);
    } finally {
      shop.state = "ALARM";
    }
  });

  it("a target in a maintenance window: MAINTENANCE, its firing alarms still listed, and it does not fail the status (the notifier's dead letters do)", async () => {
    const other = fs.mkdtempSync(path.join(root, "maintenance-"));
    fs.writeFileSync(
      path.join(other, `Pulumi.${STAGE}.yaml`),
      fs.readFileSync(path.join(root, `Pulumi.${STAGE}.yaml`), "utf8") +
        "  webhealth:notifications:\n    channels:\n      - { name: oncall, type: email, addresses: [oncall@example.com] }\n" +
        "    maintenance:\n      - { name: shop-upgrade, start: '2026-11-26T09:30:00Z', end: '2026-11-26T11:00:00Z', targets: [shop] }\n",
    );
    // The notifier's alarms, and three undeliverable notifications in its dead-letter queue.
    cloudWatch.alarms.push(
      { region: "us-east-1", name: `${PREFIX}notifier-errors`, state: "OK", updatedAt: HOUR_START, reason: "" },
      { region: "us-east-1", name: `${PREFIX}notifier-dead-letters`, state: "ALARM", updatedAt: HOUR_START, reason: "" },
    );
    cloudWatch.metrics.push({ region: "us-east-1", namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: { QueueName: `${PREFIX}notifier-dead-letters` }, points: [[HOUR_START + 50 * MIN, 3]] });
    const result = await run(["--stack", STAGE], undefined, other);
    cloudWatch.alarms.splice(-2, 2);
    expect([result.code, result.stderr]).to.deep.equal([1, ""]);
    const lines = result.stdout.split("\n");
    expect(lines[0]).to.equal(
      "webhealth shopbeta at 2026-11-26T10:00:00Z (us-east-1): 2 targets, 0 in ALARM, 0 without data, 1 in maintenance (shop: shop-upgrade until 2026-11-26T11:00:00Z)",
    );
    expect(lines[3]).to.match(/^shop https:\/\/shop\.example\/ {2}MAINTENANCE {2}availability {2}us-east-1 /);
    // With a notification channel the stage has a notifier: its errors and dead letters are part of webhealth's health.
    expect(lines.slice(6)).to.deep.equal([
      "WEBHEALTH               REGION     STATE  DETAIL",
      "probe health            us-east-1  OK     targets probed in the last period: 2 of 2",
      "probe-us-east-1 errors  us-east-1  OK     Lambda errors in the last hour: 1",
      "recorder errors         us-east-1  OK     Lambda errors in the last hour: 0",
      "notifier errors         us-east-1  OK     Lambda errors in the last hour: 0",
      "recorder dead letters   us-east-1  OK     no messages reported in the last hour",
      "notifier dead letters   us-east-1  ALARM  messages waiting: 3",
      "",
    ]);
    expect(result.stdout).to.not.match(/NO_ALARM/);
  });

  it("SLO burn-rate alarms: the composite alarm in ALARM fires (burn-rate); a single window in ALARM pages nobody and is not shown", async () => {
    const other = fs.mkdtempSync(path.join(root, "slo-"));
    fs.writeFileSync(path.join(other, `Pulumi.${STAGE}.yaml`), fs.readFileSync(path.join(root, `Pulumi.${STAGE}.yaml`), "utf8") + "  webhealth:slo:\n    burnRateAlarms: true\n");
    // The shop burns its budget (its composite alarm, which DescribeAlarms returns only when asked
    // for composite alarms); the API's 1-hour window alone is in ALARM, which the composite's rule
    // (1h AND 5m) does not page on.
    const added = [
      { region: "us-east-1", name: `${PREFIX}shop-burn-rate`, state: "ALARM" as const, updatedAt: HOUR_START, reason: "", composite: true },
      { region: "us-east-1", name: `${PREFIX}shop-burn-1h-1h`, state: "ALARM" as const, updatedAt: HOUR_START, reason: "" },
      { region: "us-east-1", name: `${PREFIX}shop-burn-1h-5m`, state: "ALARM" as const, updatedAt: HOUR_START, reason: "" },
      { region: "us-east-1", name: `${PREFIX}${API_KEY}-burn-rate`, state: "OK" as const, updatedAt: HOUR_START, reason: "", composite: true },
      { region: "us-east-1", name: `${PREFIX}${API_KEY}-burn-1h-1h`, state: "ALARM" as const, updatedAt: HOUR_START, reason: "" },
    ];
    cloudWatch.alarms.push(...added);
    try {
      const result = await run(["--stack", STAGE, "--json"], undefined, other);
      expect([result.code, result.stderr]).to.deep.equal([1, ""]);
      const status = JSON.parse(result.stdout);
      expect(status.targets.map((target: { url: string; state: string; firing: string[] }) => [target.url, target.state, target.firing])).to.deep.equal([
        [SHOP, "ALARM", ["availability", "burn-rate"]],
        [API, "OK", []],
      ]);
    } finally {
      cloudWatch.alarms.splice(-added.length, added.length);
    }
  });

  it("credentials without a permission: exit 2, naming the action", async () => {
    cloudWatch.denied.add("cloudwatch:GetMetricData");
    try {
      const result = await run(["--stack", STAGE]);
      expect([result.code, result.stdout]).to.deep.equal([2, ""]);
      expect(result.stderr).to.match(/^status: the AWS credentials lack a permission: cloudwatch:GetMetricData \(AccessDenied: User: .* is not authorized to perform: cloudwatch:GetMetricData .*\); allow cloudwatch:GetMetricData to the identity you run as\n$/);
    } finally {
      cloudWatch.denied.clear();
    }
  });

  it("no credentials at all: exit 2 before anything is read", async () => {
    const keys = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_EC2_METADATA_DISABLED", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"];
    const before = Object.fromEntries(keys.map((key) => [key, process.env[key]]));
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    // No instance metadata service to ask, and no credential files: the SDK's chain finds nothing.
    process.env.AWS_EC2_METADATA_DISABLED = "true";
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(root, "no-credentials");
    process.env.AWS_CONFIG_FILE = path.join(root, "no-config");
    const calls = cloudWatch.calls.length;
    try {
      const result = await run(["--stack", STAGE]);
      expect([result.code, result.stdout, cloudWatch.calls.length]).to.deep.equal([2, "", calls]);
      expect(result.stderr).to.match(/^status: no AWS credentials: the AWS SDK found none/);
    } finally {
      for (const [key, value] of Object.entries(before)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it("--watch refreshes until stopped (one JSON object per refresh), then exit 130", async () => {
    const controller = new AbortController();
    const stdout = new Collector();
    const stderr = new Collector();
    stdout.on("finish", () => undefined);
    const writes = abortAfterWrites(stdout, 2, controller);
    const code = await command.execute(["--stack", STAGE, "--json", "--watch", "5"], { stdout, stderr, env: process.env, root, signal: controller.signal, now: () => NOW });
    expect([code, stderr.text, writes.length]).to.deep.equal([130, "", 2]);
    expect(writes.map((text) => JSON.parse(text).stage)).to.deep.equal([STAGE, STAGE]);
  });

  describe("several probe regions", () => {
    const TWO = "https://two.example/";
    let other: string;
    const at = (i: number) => HOUR_START + i * MIN + 5_000;
    const minutes = Array.from({ length: 60 }, (_, i) => i);
    /** eu-west-1 fails the hour's last six checks (09:54-09:59). */
    const euFailed = (i: number) => i >= 54;
    /** The probe's log line of one check (functions/probe/log-line.ts), as the region's log group holds it. */
    const logLine = (region: string, i: number, ok: boolean, totalMs: number) =>
      JSON.stringify({
        type: "probe-result",
        url: TWO,
        name: "two",
        region,
        scheduledAt: new Date(HOUR_START + i * MIN).toISOString(),
        ok,
        status: ok ? 200 : null,
        error: ok ? null : { code: "TIMEOUT", message: "no response within 10000 ms" },
        timings: { dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: totalMs - 10, transferMs: 4, totalMs },
        tls: null,
        redirects: 0,
        attempts: ok ? 1 : 2,
        warnings: [],
      });

    before(async () => {
      other = fs.mkdtempSync(path.join(root, "two-"));
      fs.writeFileSync(path.join(other, "Pulumi.twogamma.yaml"), `config:\n  aws:region: us-east-1\n  webhealth:probeRegions: [us-east-1, eu-west-1]\n  webhealth:targets:\n    - url: ${TWO}\n      name: two\n`);
      // us-east-1 and eu-west-1 both write into the target's one Check metric: 120 checks, 6 of
      // eu-west-1's failed: 114 / 120 = 95.00%. Passed checks take 100 ms (us-east-1) and 300 ms
      // (eu-west-1): sorted 60 x 100, 54 x 300, 6 failures; p50 = 60th = 100, p90 = 108th = 300,
      // p99 = 119th = a failure (-); the latest minute's median of 100 and a failure is the 1st of 2: 100.
      const points: Array<[number, number]> = [...minutes.map((i) => [at(i), 100] as [number, number]), ...minutes.map((i) => [at(i) + 1_000, euFailed(i) ? CHECK_FAILED_VALUE : 300] as [number, number])];
      cloudWatch.metrics.push({ region: "us-east-1", namespace: "WebHealth", metricName: "Check", dimensions: { Url: TWO }, points });
      // Each region's own view is in its probe's log lines (its own log group, in its own region):
      // us-east-1 60 of 60 passed, every one in 100 ms, the newest too; eu-west-1 54 of 60
      // (90.00%), its passed checks in 300 ms, and its newest check (09:59) failed: no latest time.
      for (const i of minutes) {
        logs.events.push(
          { region: "us-east-1", logGroupName: "/aws/lambda/webhealth-twogamma-probe-us-east-1", timestamp: at(i), message: logLine("us-east-1", i, true, 100) },
          { region: "eu-west-1", logGroupName: "/aws/lambda/webhealth-twogamma-probe-eu-west-1", timestamp: at(i) + 1_000, message: logLine("eu-west-1", i, !euFailed(i), euFailed(i) ? 10_004 : 300) },
        );
      }
      // A check outside the hour, and a skipped target, are not counted.
      logs.events.push(
        { region: "eu-west-1", logGroupName: "/aws/lambda/webhealth-twogamma-probe-eu-west-1", timestamp: HOUR_START - MIN, message: logLine("eu-west-1", -1, false, 10_004) },
        { region: "eu-west-1", logGroupName: "/aws/lambda/webhealth-twogamma-probe-eu-west-1", timestamp: at(30), message: JSON.stringify({ ...JSON.parse(logLine("eu-west-1", 30, false, 0)), skipped: true }) },
      );
    });

    it("a missing ledger table: exit 2, the stage is not deployed there", async () => {
      const tableMissing = await run(["--stack", "twogamma"], undefined, other);
      expect([tableMissing.code, tableMissing.stdout, tableMissing.stderr]).to.deep.equal([
        2,
        "",
        "status: the ledger table webhealth-twogamma-alarm-ledger does not exist in this account and region: is the stage deployed (npm run deploy -- outputs)?\n",
      ]);
      await dynamo.createTableNamed("webhealth-twogamma-alarm-ledger");
    });

    it("every region's checks together from the Check metric, then one row per probe region from its log lines", async () => {
      logs.runningPolls = 1;
      try {
        const result = await run(["--stack", "twogamma"], undefined, other);
        expect([result.code, result.stderr]).to.deep.equal([0, ""]);
        expect(result.stdout.split("\n").slice(2, 6)).to.deep.equal([
          "TARGET                    STATE  FIRING  REGION     AVAIL 1H  LATEST MS  P50  P90  P99  LAST CHANGE",
          "two https://two.example/  OK     -       all          95.00%        100  100  300    -  -",
          "                                         us-east-1   100.00%        100  100  100  100",
          "                                         eu-west-1    90.00%          -  300  300  300",
        ]);
        expect(docCodeBlocks("status-and-reports.md")).to.deep.include(result.stdout.split("\n").slice(2, 6));
        // One query per region, in that region, on its probe's log group, over the hour.
        const queries = logs.calls.filter((call) => call.operation === "StartQuery").slice(-2);
        expect(queries.map((call) => [call.region, call.body.logGroupName, call.body.startTime, call.body.endTime])).to.deep.equal([
          ["us-east-1", "/aws/lambda/webhealth-twogamma-probe-us-east-1", HOUR_START / 1000, HOUR_START / 1000 + 3599],
          ["eu-west-1", "/aws/lambda/webhealth-twogamma-probe-eu-west-1", HOUR_START / 1000, HOUR_START / 1000 + 3599],
        ]);
      } finally {
        logs.runningPolls = 0;
      }
    });

    it("--json: the regions with where each row comes from", async () => {
      const result = await run(["--stack", "twogamma", "--json"], undefined, other);
      expect(JSON.parse(result.stdout).targets[0].regions).to.deep.equal([
        { region: "all", source: "metrics", availability: 0.95, checks: 120, latestLatencyMs: 100, p50: 100, p90: 300, p99: null },
        { region: "us-east-1", source: "logs", availability: 1, checks: 60, latestLatencyMs: 100, p50: 100, p90: 100, p99: 100 },
        { region: "eu-west-1", source: "logs", availability: 0.9, checks: 60, latestLatencyMs: null, p50: 300, p90: 300, p99: 300 },
      ]);
    });

    it("a region whose log figures cannot be read: its row shows -, a note says why, the status stands", async () => {
      const saved = logs.events;
      logs.events = saved.filter((event) => event.region !== "eu-west-1");
      try {
        const result = await run(["--stack", "twogamma"], undefined, other);
        expect([result.code, result.stderr]).to.deep.equal([0, ""]);
        expect(result.stdout.split("\n").slice(5, 7)).to.deep.equal([
          "                                         eu-west-1         -          -    -    -    -",
          "eu-west-1: no per-region figures: no probe log group in this region yet (has the probe run there?)",
        ]);
      } finally {
        logs.events = saved;
      }
    });

    it("credentials that may not query the logs: exit 2, naming the action", async () => {
      logs.denied.add("logs:StartQuery");
      try {
        const result = await run(["--stack", "twogamma"], undefined, other);
        expect([result.code, result.stdout]).to.deep.equal([2, ""]);
        expect(result.stderr).to.match(/^status: the AWS credentials lack a permission: logs:StartQuery \(AccessDeniedException: .*\); allow logs:StartQuery to the identity you run as\n$/);
      } finally {
        logs.denied.clear();
      }
    });

    it("a single-region stage reads no logs: its one region is the metric", async () => {
      const calls = logs.calls.length;
      await run(["--stack", STAGE]);
      expect(logs.calls.length).to.equal(calls);
    });
  });

  it("--watch on a terminal redraws in place: each refresh clears the screen and starts at the top", async () => {
    const controller = new AbortController();
    const stdout = Object.assign(new Collector(), { isTTY: true });
    const writes = abortAfterWrites(stdout, 2, controller);
    const code = await command.execute(["--stack", STAGE, "--watch", "5"], { stdout, stderr: new Collector(), env: { NO_COLOR: "1" }, root, signal: controller.signal, now: () => NOW });
    const home = "\u001b[H\u001b[2J";
    expect([code, writes.length, writes.map((text) => text.startsWith(home))]).to.deep.equal([130, 2, [true, true]]);
    expect(writes[1].slice(home.length).split("\n")[0]).to.equal("webhealth shopbeta at 2026-11-26T10:00:00Z (us-east-1): 2 targets, 1 in ALARM, 0 without data");
  });

  it("bad input: exit 2 before anything is read", async () => {
    const calls = cloudWatch.calls.length;
    for (const [argv, message] of [
      [[], "status: --stack: is required\n"],
      [["--stack", "nosuch"], `status: --stack: no stack file Pulumi.nosuch.yaml (known stages: ${STAGE})\n`],
      [["--stack", STAGE, "--watch", "1"], 'status: --watch: must be a whole number of seconds from 5 to 3600, got "1"\n'],
    ] as Array<[string[], string]>) {
      const result = await run(argv);
      expect([result.code, result.stdout, result.stderr], argv.join(" ")).to.deep.equal([2, "", message]);
    }
    expect(cloudWatch.calls.length).to.equal(calls);
  });
});
