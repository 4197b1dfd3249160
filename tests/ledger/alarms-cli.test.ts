import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { readLedger, daysBetween } from "../../cli/alarms-query";
import { snsEventOf } from "../../cli/ledger-record";
import { recordSnsRecords, type RecorderDeps } from "../../functions/recorder/recorder";
import { DELIVERY_REASONS } from "../../functions/common/delivery";
import { writeDelivery } from "../../functions/notifier/ledger";
import { notificationFor, runCli, startDynalite, type ChangeSpec, type LocalDynamo } from "./helpers";

const MIN = 60_000;
const H = 60 * MIN;
const A = "https://a.example/";
const B = "https://b.example/";
const time = (epochMs: number) => new Date(epochMs).toISOString().replace(/\.\d+Z$/, "Z");
/** One output row, with the column widths this fixture must produce (longest cell per column). */
const row = (cells: [string, string, string, string, string, string]) =>
  `${cells[0].padEnd(20)}  ${cells[1].padEnd(18)}  ${cells[2].padEnd(12)}  ${cells[3].padEnd(23)}  ${cells[4].padEnd(DELIVERED.length)}  ${cells[5]}`.trimEnd();
/** The delivery record written on avail-a's change into ALARM, as the table shows it. */
const DELIVERED = "sent: email, team-chat; failed: pager; suppressed (e-mailed straight from SNS (operators topic)): ops";
const HEADER = row(["TIME", "URL", "ALARM", "CHANGE", "DELIVERY", "REASON"]);

describe("ledger: npm run alarms (spawned) against dynalite", function () {
  this.timeout(120_000);
  let dynamo: LocalDynamo;
  let tableName: string;
  let base: number;
  let env: NodeJS.ProcessEnv;

  async function record(table: string, changes: ChangeSpec[]): Promise<void> {
    const deps: RecorderDeps = { client: dynamo.client, config: { tableName: table, retentionDays: 400 }, now: Date.now, log: () => undefined };
    await recordSnsRecords(snsEventOf(changes.map(notificationFor)).Records, deps);
  }

  before(async () => {
    dynamo = await startDynalite();
    tableName = await dynamo.createTable();
    env = { AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, AWS_REGION: "us-east-1" };
    base = Date.now();
    await record(tableName, [
      { alarm: "probe-health", from: "INSUFFICIENT_DATA", to: "OK", at: base - 6 * H, reason: "probe running" },
      { alarm: "latency-b", url: B, from: "OK", to: "ALARM", at: base - 5 * H, reason: "b slow" },
      { alarm: "latency-b", url: B, from: "ALARM", to: "OK", at: base - 4 * H - 50 * MIN, reason: "b fast again" },
      { alarm: "avail-a", url: A, from: "OK", to: "ALARM", at: base - 3 * H, reason: "a down" },
      { alarm: "quorum-a", url: A, from: "OK", to: "ALARM", at: base - 2.5 * H, reason: "a down in 3 regions" },
      { alarm: "avail-a", url: A, from: "ALARM", to: "OK", at: base - 2 * H, reason: "a up" },
      { alarm: "quorum-a", url: A, from: "ALARM", to: "OK", at: base - 1.5 * H, reason: "a recovered" },
    ]);
    // The notifier's record of avail-a's outage, written the way the notifier writes it.
    await writeDelivery({ client: dynamo.client, tableName, retentionDays: 400 }, { alarmName: "avail-a", changedAt: new Date(base - 3 * H).toISOString() }, {
      status: "done",
      claimedAt: new Date(base - 3 * H).toISOString(),
      channels: {
        "team-chat": { status: "sent", attempts: 1 },
        email: { status: "sent", attempts: 1 },
        pager: { status: "failed", attempts: 4, error: "HTTP 503" },
        ops: { status: "suppressed", reason: DELIVERY_REASONS.directEmail },
      },
    });
  });
  after(async () => dynamo.close());

  const ROWS = () => [
    row([time(base - 1.5 * H), A, "quorum-a", "ALARM -> OK", "-", "a recovered"]),
    row([time(base - 2 * H), A, "avail-a", "ALARM -> OK", "-", "a up"]),
    row([time(base - 2.5 * H), A, "quorum-a", "OK -> ALARM", "-", "a down in 3 regions"]),
    row([time(base - 3 * H), A, "avail-a", "OK -> ALARM", DELIVERED, "a down"]),
    row([time(base - 4 * H - 50 * MIN), B, "latency-b", "ALARM -> OK", "-", "b fast again"]),
    row([time(base - 5 * H), B, "latency-b", "OK -> ALARM", "-", "b slow"]),
    row([time(base - 6 * H), "-", "probe-health", "INSUFFICIENT_DATA -> OK", "-", "probe running"]),
  ];
  const REPORT = [
    "URL                 IN ALARM    OF WINDOW  INCIDENTS",
    "https://a.example/  1h 30m 00s  6.25%      1",
    "https://b.example/  10m 00s     0.69%      1",
    "-                   0s          0.00%      0",
  ];
  const TITLE = /^Time in ALARM per URL, \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ to \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(1d 00h 00m 00s\):$/;

  it("prints the last 24 hours newest first, then time in ALARM per URL", async () => {
    const run = await runCli("cli/alarms.ts", ["--table", tableName], env);
    expect([run.code, run.stderr]).to.deep.equal([0, ""]);
    const lines = run.stdout.split("\n");
    expect(lines.slice(0, 9)).to.deep.equal([HEADER, ...ROWS(), ""]);
    expect(lines[9]).to.match(TITLE);
    expect(lines.slice(10)).to.deep.equal([...REPORT, ""]);
  });

  it("--json prints one item per line; --url keeps that URL's items", async () => {
    const run = await runCli("cli/alarms.ts", ["--table", tableName, "--json", "--url", B], env);
    expect([run.code, run.stderr]).to.deep.equal([0, ""]);
    const items = run.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(items.map((item) => [item.alarmName, item.changedAt, item.url, item.oldState, item.newState, item.reason])).to.deep.equal([
      ["latency-b", new Date(base - 4 * H - 50 * MIN).toISOString(), B, "ALARM", "OK", "b fast again"],
      ["latency-b", new Date(base - 5 * H).toISOString(), B, "OK", "ALARM", "b slow"],
    ]);
  });

  it("--json shows the delivery record as stored on the item", async () => {
    const run = await runCli("cli/alarms.ts", ["--table", tableName, "--json", "--url", A, "--state", "ALARM"], env);
    expect([run.code, run.stderr]).to.deep.equal([0, ""]);
    const items = run.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
    const avail = items.find((item) => item.alarmName === "avail-a");
    expect(avail.delivery.channels).to.deep.equal({
      "team-chat": { status: "sent", attempts: 1 },
      email: { status: "sent", attempts: 1 },
      pager: { status: "failed", attempts: 4, error: "HTTP 503" },
      ops: { status: "suppressed", reason: "e-mailed straight from SNS (operators topic)" },
    });
    // The recorder's fields are untouched by the notifier's write.
    expect([avail.reason, avail.url, avail.newState]).to.deep.equal(["a down", A, "ALARM"]);
  });

  it("--state ALARM lists only changes into ALARM; the report still uses every change", async () => {
    const run = await runCli("cli/alarms.ts", ["--table", tableName, "--state", "ALARM"], env);
    expect(run.code).to.equal(0);
    const lines = run.stdout.split("\n");
    expect(lines.slice(0, 5)).to.deep.equal([
      `${"TIME".padEnd(20)}  ${"URL".padEnd(18)}  ${"ALARM".padEnd(9)}  ${"CHANGE".padEnd(11)}  ${"DELIVERY".padEnd(DELIVERED.length)}  REASON`,
      `${time(base - 2.5 * H)}  ${A}  quorum-a   OK -> ALARM  ${"-".padEnd(DELIVERED.length)}  a down in 3 regions`,
      `${time(base - 3 * H)}  ${A}  avail-a    OK -> ALARM  ${DELIVERED}  a down`,
      `${time(base - 5 * H)}  ${B}  latency-b  OK -> ALARM  ${"-".padEnd(DELIVERED.length)}  b slow`,
      "",
    ]);
    expect(lines.slice(6)).to.deep.equal([...REPORT, ""]);
  });

  it("--until closes the window: only its changes, and time in ALARM ends at its end", async () => {
    // From 4 h to 2 h 45 min ago: avail-a fired 3 h ago (15 minutes in ALARM before the end);
    // quorum-a's change 2 h 30 min ago and every later one are after the window.
    const since = new Date(base - 4 * H).toISOString();
    const until = new Date(base - 2.75 * H).toISOString();
    const run = await runCli("cli/alarms.ts", ["--table", tableName, "--since", since, "--until", until], env);
    expect([run.code, run.stderr]).to.deep.equal([0, ""]);
    const lines = run.stdout.split("\n");
    expect(lines.slice(0, 3)).to.deep.equal([
      `${"TIME".padEnd(20)}  ${"URL".padEnd(18)}  ${"ALARM".padEnd(7)}  ${"CHANGE".padEnd(11)}  ${"DELIVERY".padEnd(DELIVERED.length)}  REASON`,
      `${time(base - 3 * H)}  ${A}  avail-a  OK -> ALARM  ${DELIVERED}  a down`,
      "",
    ]);
    expect(lines[3]).to.equal(`Time in ALARM per URL, ${time(base - 4 * H)} to ${time(base - 2.75 * H)} (1h 15m 00s):`);
    expect(lines.find((line) => line.startsWith(A))).to.match(/^https:\/\/a\.example\/ {2}15m 00s {2}/);
    // A window with no change says it is closed.
    const empty = await runCli("cli/alarms.ts", ["--table", tableName, "--since", new Date(base - 10 * H).toISOString(), "--until", new Date(base - 9 * H).toISOString()], env);
    expect(empty.stdout.split("\n")[0]).to.equal(`No alarm state changes between ${time(base - 10 * H)} and ${time(base - 9 * H)}.`);
  });

  it("--since 2h keeps the changes of the last two hours, columns sized to what is shown", async () => {
    const run = await runCli("cli/alarms.ts", ["--table", tableName, "--since", "2h"], env);
    expect(run.code).to.equal(0);
    const lines = run.stdout.split("\n");
    expect(lines.slice(0, 3)).to.deep.equal([
      `${"TIME".padEnd(20)}  ${"URL".padEnd(18)}  ${"ALARM".padEnd(8)}  ${"CHANGE".padEnd(11)}  DELIVERY  REASON`,
      `${time(base - 1.5 * H)}  ${A}  quorum-a  ALARM -> OK  -         a recovered`,
      "",
    ]);
    // quorum-a was in ALARM from the window start (its first change's old state) until 1h30m ago: 30 minutes
    // minus the second or so between this test's clock and the CLI's.
    expect(lines.find((line) => line.startsWith(A))).to.match(/^https:\/\/a\.example\/ {2}(29m [0-5]\d|30m 00)s {2}/);
  });

  it("--limit shows the newest n and says how many it left out", async () => {
    const run = await runCli("cli/alarms.ts", ["--table", tableName, "--limit", "2"], env);
    expect(run.code).to.equal(0);
    const lines = run.stdout.split("\n");
    expect(lines.slice(1, 4)).to.deep.equal([
      `${time(base - 1.5 * H)}  ${A}  quorum-a  ALARM -> OK  -         a recovered`,
      `${time(base - 2 * H)}  ${A}  avail-a   ALARM -> OK  -         a up`,
      "(showing the newest 2 of 7 state changes: raise --limit to see more)",
    ]);
  });

  it("says so when nothing matches", async () => {
    const run = await runCli("cli/alarms.ts", ["--table", tableName, "--url", "https://none.example/", "--since", "2026-11-01"], env);
    expect([run.code, run.stdout, run.stderr]).to.deep.equal([0, "No alarm state changes for https://none.example/ since 2026-11-01T00:00:00Z.\n", ""]);
  });

  it("exits 2 on a missing table, naming it and the endpoint", async () => {
    const run = await runCli("cli/alarms.ts", ["--table", "no-such-table"], env);
    expect([run.code, run.stdout, run.stderr]).to.deep.equal([2, "", `alarms: table no-such-table not found in us-east-1 at ${dynamo.endpoint}\n`]);
  });

  it("exits 2 on bad arguments, naming the problem", async () => {
    const run = await runCli("cli/alarms.ts", ["--table", tableName, "--state", "FIRING"], env);
    expect([run.code, run.stdout, run.stderr]).to.deep.equal([2, "", `alarms: --state: "FIRING" must be ALARM, OK or INSUFFICIENT_DATA\n`]);
  });

  it("ledger-record --samples feeds the sample incident to the recorder's handler, one JSON log line per record", async () => {
    const table = await dynamo.createTable();
    const run = await runCli("cli/ledger-record.ts", ["--samples"], { ...env, ALARM_TABLE_NAME: table });
    expect([run.code, run.stderr]).to.deep.equal([0, ""]);
    const lines = run.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.outcome, line.alarmName, line.newState])).to.deep.equal([
      ["recorded", "webhealth-beta-example-availability", "ALARM"],
      ["recorded", "webhealth-beta-example-latency", "ALARM"],
      ["recorded", "webhealth-beta-example-latency", "OK"],
      ["recorded", "webhealth-beta-example-availability", "OK"],
      ["recorded", "webhealth-beta-probe-health", "ALARM"],
    ]);
    expect(await dynamo.scan(table)).to.have.length(5);
  });

  it("ledger-record without ALARM_TABLE_NAME: exit 2 before anything runs, saying what to set", async () => {
    const run = await runCli("cli/ledger-record.ts", ["--samples"], { ...env, ALARM_TABLE_NAME: "" });
    expect([run.code, run.stdout, run.stderr]).to.deep.equal([
      2,
      "",
      "ledger:record: ALARM_TABLE_NAME: is required: the name of the ledger table to write (e.g. webhealth-beta-alarm-ledger, or webhealth-alarms for npm run ledger:local)\n",
    ]);
  });

  describe("--stack", () => {
    let binDir: string;
    before(() => {
      binDir = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-fake-pulumi-"));
    });
    after(() => fs.rmSync(binDir, { recursive: true, force: true }));

    it("exits 2 when no pulumi CLI is on PATH, saying to pass --table", async () => {
      const run = await runCli("cli/alarms.ts", ["--stack", "beta"], { ...env, PATH: binDir });
      expect([run.code, run.stdout, run.stderr]).to.deep.equal([
        2,
        "",
        `alarms: --stack needs the Pulumi CLI, and no \`pulumi\` is on PATH: pass --table <name> instead (region from AWS_REGION)\n`,
      ]);
    });

    it("reads alarmTableName and homeRegion from `pulumi stack output --json --stack <stage>`", async () => {
      // Prepare: a stand-in pulumi that records its arguments and prints the stack outputs.
      const argsFile = path.join(binDir, "args");
      fs.writeFileSync(
        path.join(binDir, "pulumi"),
        `#!/bin/sh\necho "$@" > '${argsFile}'\necho '{"stage":"beta","homeRegion":"us-east-1","alarmTableName":"${tableName}"}'\n`,
        { mode: 0o755 },
      );
      // Act: AWS_REGION unset, so the region can only come from homeRegion.
      const run = await runCli("cli/alarms.ts", ["--stack", "beta", "--url", B], { ...env, AWS_REGION: "", PATH: `${binDir}:${process.env.PATH}` });
      // Assess
      expect(fs.readFileSync(argsFile, "utf8")).to.equal("stack output --json --stack beta\n");
      expect([run.code, run.stderr]).to.deep.equal([0, ""]);
      expect(run.stdout.split("\n")[1]).to.equal(`${time(base - 4 * H - 50 * MIN)}  ${B}  latency-b  ALARM -> OK  -         b fast again`);
    });

    it("exits 2 when the stack has no alarmTableName output", async () => {
      fs.writeFileSync(path.join(binDir, "pulumi"), `#!/bin/sh\necho '{}'\n`, { mode: 0o755 });
      const run = await runCli("cli/alarms.ts", ["--stack", "beta"], { ...env, PATH: `${binDir}:${process.env.PATH}` });
      expect([run.code, run.stderr.split("\n")[0]]).to.deep.equal([2, "alarms: --stack beta: the stack has no alarmTableName output (not deployed yet?): pass --table <name>"]);
    });
  });

  describe("reading across pages, days and the look-back", () => {
    let table: string;
    const C = "https://c.example/";
    const D = "https://d.example/";
    before(async () => {
      table = await dynamo.createTable();
      await record(table, [
        { alarm: "avail-c", url: C, from: "OK", to: "ALARM", at: base - 48 * H },
        { alarm: "avail-c", url: C, from: "ALARM", to: "OK", at: base - 20 * H },
        ...[1, 2, 3, 4, 5, 6].map((k) => ({ alarm: `flap-${k}`, url: D, from: "OK", to: "ALARM", at: base - k * 7 * H })),
        { alarm: "probe-health", from: "OK", to: "ALARM", at: base - 30 * H },
      ]);
    });

    const cases: Array<{ url?: string; hoursAgo: number[]; queries: number }> = [
      // byDay: one query per UTC day in the range, each paged by 2.
      { hoursAgo: [7, 14, 20, 21, 28, 30, 35, 42, 48], queries: 0 },
      { url: D, hoursAgo: [7, 14, 21, 28, 35, 42], queries: 4 },
    ];
    for (const { url, hoursAgo, queries: expectedQueries } of cases) {
      it(`follows LastEvaluatedKey to the last page (${url ? "byUrl" : "byDay"}), newest first`, async () => {
        // Prepare: count the Query calls; 2 items per page forces several pages.
        let queries = 0;
        const name = `count-queries-${url ?? "all"}`;
        dynamo.client.middlewareStack.add((next) => async (args) => ((queries += 1), next(args)), { step: "initialize", name });
        try {
          // Act
          const items = await readLedger(dynamo.client, table, { from: base - 60 * H, until: base, url, pageSize: 2 });
          // Assess
          expect(items.map((item) => item.changedAt)).to.deep.equal(hoursAgo.map((hours) => new Date(base - hours * H).toISOString()));
          if (url) expect(queries).to.equal(expectedQueries);
          else expect(queries).to.be.greaterThan(daysBetween(base - 60 * H, base).length + 2);
        } finally {
          dynamo.client.middlewareStack.remove(name);
        }
      });
    }

    it("counts an alarm in ALARM since before the window from its look-back item", async () => {
      const since = new Date(base - 24 * H).toISOString();
      const run = await runCli("cli/alarms.ts", ["--table", table, "--since", since, "--url", C], env);
      expect([run.code, run.stderr]).to.deep.equal([0, ""]);
      // avail-c went into ALARM 48 h ago (before the window) and back to OK 20 h ago: 4 h of the window.
      const lines = run.stdout.split("\n");
      expect(lines[1]).to.equal(`${time(base - 20 * H)}  ${C}  avail-c  ALARM -> OK  -         ALARM to OK`);
      expect(lines.find((line) => line.startsWith(C))).to.match(/^https:\/\/c\.example\/ {2}4h 00m 00s {2}16\.\d\d% {5}1$/);
    });
  });
});
