import { expect } from "chai";
import { parseAlarmsArgs, parseSince, type AlarmsOptions } from "../../cli/alarms-args";
import { UsageError } from "../../cli/usage";
import { alarmIntervals, formatDuration, timeInAlarmByUrl, type StateChange } from "../../cli/alarms-report";
import { thrownBy } from "./helpers";

const START = Date.parse("2026-11-26T00:00:00.000Z");
const END = Date.parse("2026-11-27T00:00:00.000Z");
const WINDOW = { start: START, end: END };
const H = 3_600_000;
const at = (hours: number) => new Date(START + hours * H).toISOString();
const change = (alarmName: string, url: string | undefined, hours: number, oldState: string, newState: string): StateChange => ({
  alarmName,
  url,
  changedAt: at(hours),
  oldState,
  newState,
});

describe("ledger: time in ALARM over a window", () => {
  const A = "https://a.example/";
  const cases: Array<{ name: string; changes: StateChange[]; expected: ReturnType<typeof timeInAlarmByUrl> }> = [
    { name: "no changes: nothing to report", changes: [], expected: [] },
    {
      name: "one incident inside the window",
      changes: [change("avail", A, 2, "OK", "ALARM"), change("avail", A, 3.5, "ALARM", "OK")],
      expected: [{ url: A, alarmMs: 1.5 * H, incidents: 1 }],
    },
    {
      name: "already in ALARM at the start, known from the first change's old state",
      changes: [change("avail", A, 1, "ALARM", "OK")],
      expected: [{ url: A, alarmMs: 1 * H, incidents: 1 }],
    },
    {
      name: "in ALARM before the window (look-back item) and all through it",
      changes: [change("avail", A, -30, "OK", "ALARM")],
      expected: [{ url: A, alarmMs: 24 * H, incidents: 1 }],
    },
    {
      name: "the look-back item wins over the first change's old state",
      changes: [change("avail", A, -5, "OK", "ALARM"), change("avail", A, -2, "ALARM", "OK"), change("avail", A, 4, "INSUFFICIENT_DATA", "OK")],
      expected: [{ url: A, alarmMs: 0, incidents: 0 }],
    },
    {
      name: "still in ALARM at the end",
      changes: [change("avail", A, 20, "OK", "ALARM")],
      expected: [{ url: A, alarmMs: 4 * H, incidents: 1 }],
    },
    {
      name: "overlapping alarms of one URL count once",
      changes: [
        change("avail", A, 2, "OK", "ALARM"),
        change("quorum", A, 2.5, "OK", "ALARM"),
        change("avail", A, 3, "ALARM", "OK"),
        change("quorum", A, 4, "ALARM", "OK"),
        change("latency", A, 10, "OK", "ALARM"),
        change("latency", A, 10.25, "ALARM", "OK"),
      ],
      expected: [{ url: A, alarmMs: 2.25 * H, incidents: 2 }],
    },
    {
      name: "INSUFFICIENT_DATA is not ALARM; changes after the window end are ignored",
      changes: [change("avail", A, 1, "OK", "INSUFFICIENT_DATA"), change("avail", A, 2, "INSUFFICIENT_DATA", "ALARM"), change("avail", A, 25, "ALARM", "OK")],
      expected: [{ url: A, alarmMs: 22 * H, incidents: 1 }],
    },
    {
      name: "rows by time in ALARM, the alarm without a URL last among equals",
      changes: [
        change("probe", undefined, 1, "OK", "ALARM"),
        change("probe", undefined, 2, "ALARM", "OK"),
        change("b", "https://b.example/", 5, "OK", "ALARM"),
        change("b", "https://b.example/", 6, "ALARM", "OK"),
        change("c", "https://c.example/", 7, "OK", "ALARM"),
        change("c", "https://c.example/", 10, "ALARM", "OK"),
      ],
      expected: [
        { url: "https://c.example/", alarmMs: 3 * H, incidents: 1 },
        { url: "https://b.example/", alarmMs: 1 * H, incidents: 1 },
        { url: undefined, alarmMs: 1 * H, incidents: 1 },
      ],
    },
  ];
  for (const { name, changes, expected } of cases) {
    it(name, () => expect(timeInAlarmByUrl(changes, WINDOW)).to.deep.equal(expected));
  }

  it("a change exactly at the window start sets the state at the start", () => {
    expect(alarmIntervals([change("avail", A, 0, "OK", "ALARM")], WINDOW)).to.deep.equal([[START, END]]);
  });

  it("an alarm known only from changes after the window is unknown, not OK", () => {
    expect(alarmIntervals([change("avail", A, 30, "OK", "ALARM")], WINDOW)).to.equal(undefined);
  });

  const durations: Array<[number, string]> = [
    [0, "0s"],
    [999, "0s"],
    [59_000, "59s"],
    [245_000, "4m 05s"],
    [2 * H + 10_000, "2h 00m 10s"],
    [24 * H, "1d 00h 00m 00s"],
    [30 * 24 * H + 61_000, "30d 00h 01m 01s"],
  ];
  for (const [ms, text] of durations) {
    it(`formats ${ms} ms as ${text}`, () => expect(formatDuration(ms)).to.equal(text));
  }
});

describe("ledger: npm run alarms arguments", () => {
  const NOW = Date.parse("2026-11-26T12:00:00.000Z");
  const base: AlarmsOptions = {
    source: { kind: "table", tableName: "alarms" },
    url: undefined,
    since: NOW - 24 * H,
    until: NOW,
    state: undefined,
    json: false,
    limit: 100,
    closedWindow: false,
  };
  const valid: Array<[string[], Partial<AlarmsOptions>]> = [
    [["--table", "alarms"], {}],
    [["--stack", "beta"], { source: { kind: "stack", stage: "beta" } }],
    [["--table", "alarms", "--since", "30m"], { since: NOW - 0.5 * H }],
    [["--table", "alarms", "--since", "7d"], { since: NOW - 7 * 24 * H }],
    [["--table", "alarms", "--since", "2w"], { since: NOW - 14 * 24 * H }],
    [["--table", "alarms", "--since", "2026-11-25T10:00:00Z"], { since: Date.parse("2026-11-25T10:00:00Z") }],
    [["--table", "alarms", "--since", "2026-11-25"], { since: Date.parse("2026-11-25T00:00:00Z") }],
    [["--table", "alarms", "--since", "2026-11-26T10:00:00+02:00"], { since: Date.parse("2026-11-26T08:00:00Z") }],
    [["--table", "alarms", "--state", "ALARM"], { state: "ALARM" }],
    [["--table", "alarms", "--state", "ok"], { state: "OK" }],
    [["--table", "alarms", "--url", "https://a.example/", "--json", "--limit", "5"], { url: "https://a.example/", json: true, limit: 5 }],
    // The ledger holds the normalised URL, as the target schema writes it.
    [["--table", "alarms", "--url", "HTTPS://A.Example:443"], { url: "https://a.example/" }],
    [["--table", "alarms", "--until", "2026-11-26"], { since: Date.parse("2026-11-25T00:00:00Z"), until: Date.parse("2026-11-26T00:00:00Z"), closedWindow: true }],
    [
      ["--table", "alarms", "--since", "2026-11-01", "--until", "2026-11-26T00:00:00Z"],
      { since: Date.parse("2026-11-01T00:00:00Z"), until: Date.parse("2026-11-26T00:00:00Z"), closedWindow: true },
    ],
    [["--table", "alarms", "--since", "7d", "--until", "1d"], { since: NOW - 8 * 24 * H, until: NOW - 24 * H, closedWindow: true }],
  ];
  for (const [argv, expected] of valid) {
    it(`${argv.join(" ")}`, () => expect(parseAlarmsArgs(argv, NOW)).to.deep.equal({ ...base, ...expected }));
  }

  const invalid: Array<[string[], string]> = [
    [[], "pass --stack <stage> or --table <name>"],
    [["--stack", "beta", "--table", "alarms"], "pass either --stack or --table, not both"],
    [["--table", "alarms", "--since", "yesterday"], '--since: "yesterday" is neither a duration (30m, 24h, 7d, 2w) nor an ISO time (2026-11-25T10:00:00Z)'],
    [["--table", "alarms", "--since", "0h"], '--since: "0h" is an empty window'],
    [["--table", "alarms", "--since", "2026-11-27T00:00:00Z"], '--since: "2026-11-27T00:00:00Z" is not in the past'],
    [["--table", "alarms", "--since", "2026-02-31"], '--since: "2026-02-31" is not a valid time'],
    [["--table", "alarms", "--state", "FIRING"], '--state: "FIRING" must be ALARM, OK or INSUFFICIENT_DATA'],
    [["--table", "alarms", "--limit", "0"], '--limit: "0" must be a whole number of at least 1'],
    [["--table", "alarms", "--limit", "ten"], '--limit: "ten" must be a whole number of at least 1'],
    [["--table", "alarms", "--url", "example.com"], '--url: "example.com" is not an absolute URL (give the target\'s URL exactly as configured)'],
    [["--table", "a"], '--table: "a" is not a valid DynamoDB table name'],
    [["--stack", "../prod"], '--stack: "../prod" is not a valid stage name'],
    [["--table", "alarms", "--colour"], "unknown option --colour (see --help for the options)"],
    [["--table"], "--table needs a value"],
    [["--table", "--json"], "--table needs a value (got the option --json; write --table=--json if that is the value)"],
    [["--table", "alarms", "extra"], 'unexpected argument "extra" (this command takes options only; see --help)'],
    [["--table", "alarms", "--json=yes"], "--json takes no value (got --json=yes)"],
    [["--table", "alarms", "--until", "2026-11-27"], '--until: "2026-11-27" is in the future (leave --until out to mean now)'],
    [["--table", "alarms", "--since", "2026-11-20", "--until", "2026-11-19"], '--since: "2026-11-20" is not before --until "2026-11-19"'],
  ];
  for (const [argv, message] of invalid) {
    it(`rejects ${argv.join(" ") || "no arguments"}`, () => {
      const caught = thrownBy(() => parseAlarmsArgs(argv, NOW));
      expect(caught).to.be.instanceOf(UsageError);
      expect((caught as Error).message).to.contain(message);
    });
  }

  it("parseSince counts a duration back from now", () => expect(parseSince("24h", NOW)).to.equal(NOW - 24 * H));
});
