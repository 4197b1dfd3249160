/**
 * The HTML report rendered in headless Chromium (Debian's `chromium`, driven by playwright-core):
 * it loads nothing from the network, and the rendered page holds a chart per target with the
 * scripted history's figures (tests/cli/report.test.ts works them out) and the incident list.
 * .ci/run installs Chromium; where it is missing the test says so and is skipped.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { startDynalite, type LocalDynamo } from "../ledger/helpers";
import { startFakeCloudWatch, type FakeCloudWatch } from "./fake-cloudwatch";
import { REPORT_STAGE, runReport, scriptHistory, useFakeEndpoints } from "./report-history";
import { PROJECT_ROOT } from "../../infra/stack-files";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Flags for a quiet, sandbox-free headless run that phones nowhere. */
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

describe("npm run report --format html, rendered in headless Chromium", function () {
  this.timeout(120_000);
  let cloudWatch: FakeCloudWatch;
  let dynamo: LocalDynamo;
  let root: string;
  let restore: () => void;
  let context: BrowserContext | undefined;
  let file: string;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.log(`    skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
      return this.skip();
    }
    cloudWatch = await startFakeCloudWatch();
    dynamo = await startDynalite();
    restore = useFakeEndpoints(cloudWatch, dynamo);
    root = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-report-html-"));
    await scriptHistory(cloudWatch, dynamo, root);
    file = path.join(root, "report.html");
    const result = await runReport(["--stack", REPORT_STAGE, "--since", "2026-11-01", "--until", "2026-11-04", "--format", "html", "--out", file], root);
    expect([result.code, result.stderr]).to.deep.equal([0, `report: wrote ${file}\n`]);
    context = await chromium.launchPersistentContext(path.join(root, "profile"), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  });
  after(async () => {
    await context?.close();
    restore?.();
    await cloudWatch?.close();
    await dynamo?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it("renders offline: a chart of uptime and one of latency per target, and the incidents", async () => {
    const page = await context!.newPage();
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(`file://${file}`);

    expect(requests).to.deep.equal([`file://${file}`]);
    expect(await page.title()).to.equal("webhealth monthly: 2026-11-01T00:00:00Z to 2026-11-04T00:00:00Z");
    expect(await page.locator("section.target h2").allInnerTexts()).to.deep.equal(["shop https://shop.example/", "https://api.example/health"]);
    expect(await page.locator("p.summary .slo").allInnerTexts()).to.deep.equal(["SLO 99.5% missed", "SLO 99.9% met"]);
    // One bar per day; the shop's second day (97.917%) is below its 99.5% objective and drawn red.
    const shopBars = page.locator("section.target").nth(0).locator("svg.uptime rect.uptime-bar");
    expect(await shopBars.count()).to.equal(3);
    expect(await shopBars.evaluateAll((bars) => bars.map((bar) => bar.getAttribute("fill")))).to.deep.equal(["#16a34a", "#dc2626", "#16a34a"]);
    expect(await shopBars.nth(1).locator("title").textContent()).to.equal("2026-11-02: 97.917%");
    // Latency: p50, p90 and p99 for the one probe region, three days each (day 2's p99 is a failed check: no point).
    const lines = page.locator("section.target").nth(0).locator("svg.latency polyline");
    expect(await lines.count()).to.equal(3);
    expect(await lines.evaluateAll((polylines) => polylines.map((line) => line.getAttribute("points")?.split(" ").length))).to.deep.equal([3, 3, 2]);
    // The charts are laid out and visible, not empty boxes.
    for (const svg of await page.locator("svg.chart").all()) {
      const box = await svg.boundingBox();
      expect(box && box.width > 300 && box.height > 100, JSON.stringify(box)).to.equal(true);
    }
    expect(await page.locator("svg.chart").count()).to.equal(4);
    expect(await page.locator("table.incidents tbody tr").allInnerTexts()).to.deep.equal([
      "2026-11-02T10:02:00Z\t2026-11-02T10:40:00Z\t38m 00s\twebhealth-monthly-shop-availability, webhealth-monthly-shop-burn-rate, webhealth-monthly-shop-latency: shop down",
      `2026-11-03T12:02:00Z\t2026-11-03T12:04:00Z\t2m 00s\twebhealth-monthly-api-example-health-e1d0ddcd-availability: api down`,
    ]);
    // The picture in docs/status-and-reports.md is this page; refreshed with WEBHEALTH_SCREENSHOT=1.
    if (process.env.WEBHEALTH_SCREENSHOT) await page.screenshot({ path: path.join(PROJECT_ROOT, "docs", "images", "report-example.png"), fullPage: true });
  });
});
