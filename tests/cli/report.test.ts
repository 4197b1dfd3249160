/**
 * `npm run report` over a scripted three-day window (one check a minute, 4,320 per target) against
 * the local CloudWatch and the ledger in dynalite. Every figure below is worked out by hand in the
 * comments; the HTML page is rendered in headless Chromium (tests/cli/report-html.test.ts).
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startDynalite, type LocalDynamo } from "../ledger/helpers";
import { startFakeCloudWatch, type FakeCloudWatch } from "./fake-cloudwatch";
import { API_KEY, MIN, PREFIX, REPORT_STAGE, runReport, scriptHistory, useFakeEndpoints } from "./report-history";
import { docCodeBlocks } from "./support";

const WINDOW = ["--stack", REPORT_STAGE, "--since", "2026-11-01", "--until", "2026-11-04"];

describe("npm run report against a fake CloudWatch and the ledger in dynalite", function () {
  this.timeout(60_000);
  let cloudWatch: FakeCloudWatch;
  let dynamo: LocalDynamo;
  let root: string;
  let restore: () => void;

  before(async () => {
    cloudWatch = await startFakeCloudWatch();
    dynamo = await startDynalite();
    restore = useFakeEndpoints(cloudWatch, dynamo);
    root = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-report-"));
    await scriptHistory(cloudWatch, dynamo, root);
  });
  after(async () => {
    restore();
    await cloudWatch.close();
    await dynamo.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("the table: uptime against each SLO, budget, the ledger's time in ALARM, incidents, latency per day", async () => {
    const result = await runReport(WINDOW, root);
    expect([result.code, result.stderr]).to.deep.equal([0, ""]);
    expect(result.stdout.split("\n")).to.deep.equal([
      "Report for monthly, 2026-11-01T00:00:00Z to 2026-11-04T00:00:00Z (3d 00h 00m 00s)",
      "",
      "TARGET                      URL                          UPTIME    SLO  MET  BUDGET USED  BUDGET LEFT  CHECKS  FAILED  IN ALARM  INCIDENTS",
      "shop                        https://shop.example/       99.306%  99.5%  NO       138.89%      -38.89%    4320      30   29m 00s          1",
      "https://api.example/health  https://api.example/health  99.954%  99.9%  yes       46.30%       53.70%    4320       2    2m 00s          1",
      "",
      "Incidents (from the ledger):",
      "TARGET                      START                 END                   DURATION  CAUSE",
      `shop                        2026-11-02T10:02:00Z  2026-11-02T10:40:00Z   38m 00s  ${PREFIX}shop-availability, ${PREFIX}shop-burn-rate, ${PREFIX}shop-latency: shop down`,
      `https://api.example/health  2026-11-03T12:02:00Z  2026-11-03T12:04:00Z    2m 00s  ${PREFIX}${API_KEY}-availability: api down`,
      "",
      "Per day (latency in ms):",
      "TARGET                      DAY                     UPTIME  CHECKS  REGION     P50  P90  P99",
      "shop                        2026-11-01T00:00:00Z  100.000%    1440  us-east-1  104  108  109",
      "shop                        2026-11-02T00:00:00Z   97.917%    1440  us-east-1  205  209    -",
      "shop                        2026-11-03T00:00:00Z  100.000%    1440  us-east-1  304  308  309",
      "https://api.example/health  2026-11-01T00:00:00Z  100.000%    1440  us-east-1   50   50   50",
      "https://api.example/health  2026-11-02T00:00:00Z  100.000%    1440  us-east-1   50   50   50",
      "https://api.example/health  2026-11-03T00:00:00Z   99.861%    1440  us-east-1   50   50   50",
      "",
    ]);
    // docs/status-and-reports.md shows its summary.
    expect(docCodeBlocks("status-and-reports.md")).to.deep.include(result.stdout.split("\n").slice(0, 5));
  });

  it("--format json: the same figures as data", async () => {
    const result = await runReport([...WINDOW, "--format", "json"], root);
    const report = JSON.parse(result.stdout);
    const [shop, api] = report.targets;
    expect({ checks: shop.checks, failures: shop.failures, met: shop.met, objective: shop.objective, ledgerAlarmMs: shop.ledgerAlarmMs }).to.deep.equal({ checks: 4320, failures: 30, met: false, objective: 99.5, ledgerAlarmMs: 29 * MIN });
    expect(shop.uptime).to.be.closeTo(4290 / 4320, 1e-12);
    expect(shop.budget.allowedFailures).to.be.closeTo(21.6, 1e-9);
    expect(shop.budget.used).to.be.closeTo(30 / 21.6, 1e-9);
    expect(api.met).to.equal(true);
    expect(api.budget.left).to.be.closeTo(1 - 2 / 4.32, 1e-9);
    expect(shop.incidents).to.deep.equal([
      { start: "2026-11-02T10:02:00.000Z", end: "2026-11-02T10:40:00.000Z", durationMs: 38 * MIN, ongoing: false, alarms: [`${PREFIX}shop-availability`, `${PREFIX}shop-burn-rate`, `${PREFIX}shop-latency`], reason: "shop down" },
    ]);
    expect(shop.days[1]).to.deep.equal({ day: "2026-11-02T00:00:00.000Z", checks: 1440, successes: 1410, uptime: 1410 / 1440, latency: [{ region: "us-east-1", p50: 205, p90: 209, p99: null }] });
  });

  it("a window that starts off the minute (--since 30d): CloudWatch rounds the start down, and the days keep their checks", async () => {
    // 2026-11-01T00:00:03Z: CloudWatch starts its periods at 00:00:00 (rounded down), not at the
    // asked time, so its datapoints' timestamps are not the report's day starts. The scripted
    // checks fall at 7 s past each minute: the same 4,320 checks as the aligned window.
    const result = await runReport(["--stack", REPORT_STAGE, "--since", "2026-11-01T00:00:03Z", "--until", "2026-11-04T00:00:03Z", "--format", "json"], root);
    expect([result.code, result.stderr]).to.deep.equal([0, ""]);
    const [shop, api] = JSON.parse(result.stdout).targets;
    expect([shop.checks, shop.failures, api.checks, api.failures]).to.deep.equal([4320, 30, 4320, 2]);
    expect(shop.days.map((day: { day: string; checks: number; successes: number }) => [day.day, day.checks, day.successes])).to.deep.equal([
      ["2026-11-01T00:00:03.000Z", 1440, 1440],
      ["2026-11-02T00:00:03.000Z", 1440, 1410],
      ["2026-11-03T00:00:03.000Z", 1440, 1440],
    ]);
    expect(shop.days[1].latency).to.deep.equal([{ region: "us-east-1", p50: 205, p90: 209, p99: null }]);
  });

  it("--format csv --out: one row per target and day, the file written whole", async () => {
    const file = path.join(root, "november.csv");
    const result = await runReport([...WINDOW, "--format", "csv", "--out", file], root);
    expect([result.code, result.stdout, result.stderr]).to.deep.equal([0, "", `report: wrote ${file}\n`]);
    const lines = fs.readFileSync(file, "utf8").split("\r\n");
    expect(lines.slice(0, 3)).to.deep.equal([
      "stage,target,url,day,region,checks,successes,uptime,objective,p50_ms,p90_ms,p99_ms",
      "monthly,shop,https://shop.example/,2026-11-01T00:00:00.000Z,us-east-1,1440,1440,1,99.5,104,108,109",
      `monthly,shop,https://shop.example/,2026-11-02T00:00:00.000Z,us-east-1,1440,1410,${1410 / 1440},99.5,205,209,`,
    ]);
    expect(lines.length).to.equal(8);
  });

  it("bad input: exit 2, nothing read", async () => {
    const calls = cloudWatch.calls.length;
    for (const [argv, message] of [
      [["--stack", REPORT_STAGE], "report: --since: is required (the window's start, e.g. 2026-11-01 or 30d)\n"],
      [[...WINDOW, "--format", "pdf"], 'report: --format: "pdf" must be one of table, json, csv, html\n'],
      [["--stack", REPORT_STAGE, "--since", "2026-11-04", "--until", "2026-11-01"], 'report: --since: "2026-11-04" is not before --until "2026-11-01"\n'],
      [[...WINDOW, "--out", path.join(root, "no", "such", "dir", "r.html")], `report: --out ${path.join(root, "no", "such", "dir", "r.html")}: its folder does not exist\n`],
    ] as Array<[string[], string]>) {
      const result = await runReport(argv, root);
      expect([result.code, result.stdout, result.stderr], argv.join(" ")).to.deep.equal([2, "", message]);
    }
    expect(cloudWatch.calls.length).to.equal(calls);
  });
});
