import { expect } from "chai";
import { parseTargets, ValidationError, type JsonAssertion, type Target } from "../../functions/common/targets";
import { probeTarget } from "../../functions/probe/probe";
import { testPki, VALID_LEAF_DAYS } from "./support/certs";
import { startHttpServer, startHttpsServer, type TestServer } from "./support/servers";

const STATUS_DOC = {
  status: { indicator: "green", since: "2026-11-30" },
  version: "1.2.3",
  queue: { depth: 12 },
  regions: ["eu-west-1", "us-east-1"],
  checks: [
    { name: "db", ok: true },
    { name: "cache", ok: false },
  ],
  note: "x".repeat(300),
  error: null,
};

function problemsOf(value: unknown): string[] {
  try {
    parseTargets(value);
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
}

describe("assertions on real responses (127.0.0.1)", function () {
  let server: TestServer;
  before(async () => {
    server = await startHttpServer();
  });
  after(() => server.close());
  const docUrl = (doc: unknown) => server.url(`/json?doc=${encodeURIComponent(typeof doc === "string" ? doc : JSON.stringify(doc))}`);

  describe("expect.json (JMESPath)", () => {
    const cases: Array<[string, JsonAssertion, string | null]> = [
      ["equals a string", { path: "status.indicator", equals: "green" }, null],
      ["equals fails with path, expected and actual", { path: "status.indicator", equals: "red" }, 'json status.indicator: expected "red", got "green"'],
      ["equals an object", { path: "status", equals: { indicator: "green", since: "2026-11-30" } }, null],
      ["notEquals", { path: "status.indicator", notEquals: "red" }, null],
      ["notEquals fails", { path: "status.indicator", notEquals: "green" }, 'json status.indicator: expected anything but "green", got "green"'],
      ["contains in a string", { path: "version", contains: "1.2" }, null],
      ["contains in a list", { path: "regions", contains: "us-east-1" }, null],
      ["contains fails on a list", { path: "regions", contains: "ap-south-1" }, 'json regions: expected a list containing "ap-south-1", got ["eu-west-1","us-east-1"]'],
      ["contains on a number", { path: "queue.depth", contains: "1" }, 'json queue.depth: expected a string or a list containing "1", got 12'],
      ["matches", { path: "version", matches: "^1\\.\\d+\\.\\d+$" }, null],
      ["matches fails", { path: "version", matches: "^2\\." }, 'json version: expected a string matching /^2\\./, got "1.2.3"'],
      ["exists", { path: "checks[?name=='db'].ok | [0]", exists: true }, null],
      ["exists fails on a missing path", { path: "status.missing", exists: true }, "json status.missing: expected a value, got nothing (null)"],
      ["exists false on null", { path: "error", exists: false }, null],
      ["exists false fails", { path: "version", exists: false }, 'json version: expected nothing, got "1.2.3"'],
      ["lessThan", { path: "queue.depth", lessThan: 100 }, null],
      ["lessThan fails", { path: "queue.depth", lessThan: 10 }, "json queue.depth: expected a number below 10, got 12"],
      ["greaterThan on length()", { path: "length(regions)", greaterThan: 1 }, null],
      ["greaterThan on a string", { path: "version", greaterThan: 1 }, 'json version: expected a number above 1, got "1.2.3"'],
      ["a filter", { path: "checks[?ok==`false`].name", equals: ["cache"] }, null],
      ["a long actual value is truncated", { path: "note", equals: "y" }, `json note: expected "y", got "${"x".repeat(119)}... (truncated)`],
    ];
    for (const [title, assertion, message] of cases) {
      it(`${title} -> ${message === null ? "ok" : "BODY"}`, async () => {
        const result = await probeTarget({ url: docUrl(STATUS_DOC), expect: { json: [assertion] } });

        expect(result.error).to.deep.equal(message === null ? null : { code: "BODY", message });
      });
    }

    it("reports the first failing assertion, in order", async () => {
      const result = await probeTarget({ url: docUrl(STATUS_DOC), expect: { json: [{ path: "version", exists: true }, { path: "queue.depth", lessThan: 5 }, { path: "status.indicator", equals: "red" }] } });

      expect(result.error?.message).to.equal("json queue.depth: expected a number below 5, got 12");
    });

    it("fails a body that is not JSON with BODY, saying so", async () => {
      const result = await probeTarget({ url: server.url("/ok"), expect: { json: [{ path: "status", exists: true }] } });

      expect(result.error?.code).to.equal("BODY");
      expect(result.error?.message).to.match(/^body is not JSON \(Unexpected token/);
    });

    it("says when the body was cut at the cap rather than blaming the JSON", async () => {
      const result = await probeTarget({ url: docUrl(STATUS_DOC), expect: { json: [{ path: "status", exists: true }] } }, { bodyCapBytes: 20 });

      expect(result.error).to.deep.equal({ code: "BODY", message: "body is not JSON (it was cut at the first 20 bytes)" });
    });

    it("reports a function applied to the wrong type as BODY, naming the path", async () => {
      const result = await probeTarget({ url: docUrl(STATUS_DOC), expect: { json: [{ path: "abs(version)", exists: true }] } });

      expect(result.error?.code).to.equal("BODY");
      expect(result.error?.message).to.match(/^json abs\(version\): cannot be evaluated on this body \(TypeError: abs\(\) expected argument 1 to be type/);
    });
  });

  describe("expect.json validation", () => {
    const rejected: Array<[string, unknown, string[]]> = [
      ["a syntax error", { path: "status.[", equals: 1 }, ['targets[0].expect.json[0].path: must be a JMESPath expression (Invalid token (EOF): "")']],
      ["an unknown function", { path: "count(regions)", equals: 1 }, ["targets[0].expect.json[0].path: must be a JMESPath expression (unknown function count())"]],
      ["no comparison", { path: "version" }, ["targets[0].expect.json[0]: must have exactly one of equals, notEquals, contains, matches, exists, lessThan, greaterThan"]],
      [
        "two comparisons",
        { path: "version", equals: "1", exists: true },
        ["targets[0].expect.json[0]: must have exactly one of equals, notEquals, contains, matches, exists, lessThan, greaterThan (has equals, exists)"],
      ],
      [
        "an unknown comparison",
        { path: "version", startsWith: "1" },
        ["targets[0].expect.json[0].startsWith: is not a known field", "targets[0].expect.json[0]: must have exactly one of equals, notEquals, contains, matches, exists, lessThan, greaterThan"],
      ],
      ["a lessThan that is not a number", { path: "queue.depth", lessThan: "10" }, ["targets[0].expect.json[0].lessThan: must be a number"]],
      [
        "a lookahead in matches",
        { path: "version", matches: "^1(?=\\.)" },
        ["targets[0].expect.json[0].matches: lookahead ((?=) is not supported: the probe's regular expressions run in linear time (RE2 syntax), which rules them out"],
      ],
    ];
    for (const [title, assertion, problems] of rejected) {
      it(`refuses ${title}`, () => {
        expect(problemsOf([{ url: "https://a.example/", expect: { json: [assertion] } }])).to.deep.equal(problems);
      });
    }
  });

  describe("regular expressions run in linear time (RE2)", () => {
    it("answers (a+)+$ against a body of a million a's: no match, and no stall", async () => {
      const started = performance.now();

      const result = await probeTarget({ url: server.url("/a-run"), expect: { bodyMatches: "(a+)+$" } });

      expect(result.error).to.deep.equal({ code: "BODY", message: "body does not match /(a+)+$/" });
      // A backtracking engine takes longer than the age of the universe here; RE2 takes milliseconds.
      // The bound is loose for a busy machine: what matters is that the probe answered at all.
      expect(performance.now() - started).to.be.below(10_000);
    });

    it("matches inline flags RE2 supports, like (?i)", async () => {
      const result = await probeTarget({ url: server.url("/headers"), expect: { bodyMatches: "(?i)GREEN" } });

      expect(result.error).to.equal(null);
    });

    const refused: Array<[string, string]> = [
      ["(a)\\1", "backreferences (\\1) are not supported: the probe's regular expressions run in linear time (RE2 syntax), which rules them out"],
      ["(?<year>\\d+)-\\k<year>", "backreferences (\\k<...>) are not supported: the probe's regular expressions run in linear time (RE2 syntax), which rules them out"],
      ["foo(?!bar)", "lookahead ((?!) is not supported: the probe's regular expressions run in linear time (RE2 syntax), which rules them out"],
      ["(?<=\\$)\\d+", "lookbehind ((?<=) is not supported: the probe's regular expressions run in linear time (RE2 syntax), which rules them out"],
      ["(?<!x)y", "lookbehind ((?<!) is not supported: the probe's regular expressions run in linear time (RE2 syntax), which rules them out"],
    ];
    for (const [pattern, why] of refused) {
      it(`refuses ${pattern} at validation, saying why`, () => {
        expect(problemsOf([{ url: "https://a.example/", expect: { bodyMatches: pattern } }])).to.deep.equal([`targets[0].expect.bodyMatches: ${why}`]);
      });
    }

    it("accepts what only looks like lookaround: escaped or inside a class", () => {
      expect(problemsOf([{ url: "https://a.example/", expect: { bodyMatches: "\\(?=x[(?=]" } }])).to.deep.equal([]);
    });
  });

  describe("header assertions look names up safely", () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      it(`a header named ${name} that the response lacks fails with HEADER`, async () => {
        const result = await probeTarget({ url: server.url("/ok"), expect: { headers: { [name]: "x" } } });

        expect(result.error).to.deep.equal({ code: "HEADER", message: `header ${name} is missing` });
      });
    }
  });

  it("fails body assertions on a compressed body with a message saying it was compressed", async () => {
    const result = await probeTarget({ url: server.url("/gzip"), expect: { json: [{ path: "status", equals: "green" }] } });

    expect(result.error).to.deep.equal({
      code: "BODY",
      message: "body is compressed (content-encoding: gzip) although the probe asked for accept-encoding: identity; body assertions need the body as text",
    });
  });

  describe("warnings", () => {
    const thresholds = { certificateDays: 14, defaultLatencyMs: 3_000 };

    it("warns SLOW when the total time is over the target's latencyMs", async () => {
      const result = await probeTarget({ url: server.url("/delay/150"), latencyMs: 50 }, { warnings: thresholds });

      expect(result).to.include({ ok: true });
      expect(result.warnings).to.deep.equal(["SLOW"]);
    });

    it("uses the default latency threshold for a target without latencyMs", async () => {
      const result = await probeTarget({ url: server.url("/delay/150") }, { warnings: { ...thresholds, defaultLatencyMs: 100 } });

      expect(result.warnings).to.deep.equal(["SLOW"]);
    });

    it("does not warn a fast answer, nor without thresholds", async () => {
      expect((await probeTarget({ url: server.url("/ok") }, { warnings: thresholds })).warnings).to.deep.equal([]);
      expect((await probeTarget({ url: server.url("/delay/150"), latencyMs: 50 })).warnings).to.deep.equal([]);
    });

    it("warns CERTIFICATE when the certificate expires within the threshold, not otherwise", async () => {
      const pki = testPki();
      const https = await startHttpsServer(pki.valid);
      try {
        const target: Target = { url: https.url("/ok") };
        const soon = await probeTarget(target, { ca: pki.caCert, warnings: { ...thresholds, certificateDays: VALID_LEAF_DAYS + 1 } });
        const later = await probeTarget(target, { ca: pki.caCert, warnings: { ...thresholds, certificateDays: VALID_LEAF_DAYS } });

        expect([soon.ok, soon.warnings, later.warnings]).to.deep.equal([true, ["CERTIFICATE"], []]);
      } finally {
        await https.close();
      }
    });
  });
});
