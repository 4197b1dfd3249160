import { expect } from "chai";
import { parseTargets, ValidationError, type Target } from "../../functions/common/targets";

/** The problems a ValidationError lists, or [] when the value is accepted. */
function problemsOf(value: unknown): string[] {
  try {
    parseTargets(value);
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
}

describe("the target schema (config, CLI file and Lambda event share it)", () => {
  const accepted: Array<[string, Target[]]> = [
    ["a bare URL", [{ url: "https://example.com/" }]],
    [
      "every field",
      [
        {
          url: "http://example.com:8080/health?full=1",
          name: "shop",
          latencyMs: 1500,
          timeoutMs: 5000,
          retries: 3,
          expect: { status: [200, 301], bodyContains: "ok", bodyMatches: "^\\{\"status\":", headers: { "content-type": "json" } },
        },
      ],
    ],
    ["the timeout bounds", [{ url: "https://a.example/", timeoutMs: 100 }, { url: "https://b.example/", timeoutMs: 60_000 }]],
  ];
  for (const [title, targets] of accepted) {
    it(`accepts ${title} unchanged`, () => {
      expect(parseTargets(targets)).to.deep.equal(targets);
    });
  }

  const rejected: Array<[string, unknown, string[]]> = [
    ["not a list", { url: "https://example.com/" }, ["targets: must be a list of targets"]],
    ["an empty list", [], ["targets: must contain at least one target"]],
    ["a target that is not an object", ["https://example.com/"], ["targets[0]: must be an object"]],
    ["a missing url", [{ name: "x" }], ["targets[0].url: is required"]],
    ["an ftp URL, in third place", [{ url: "https://a.example/" }, { url: "https://b.example/" }, { url: "ftp://c.example/" }], ["targets[2].url: must be http or https"]],
    ["a relative URL", [{ url: "/health" }], ["targets[0].url: must be an absolute URL"]],
    ["credentials in the URL", [{ url: "https://user:secret@example.com/" }], ["targets[0].url: must not contain credentials"]],
    ["a URL longer than a CloudWatch dimension value", [{ url: `https://example.com/${"x".repeat(1024)}` }], ["targets[0].url: must be at most 1024 characters once normalised (is 1044)"]],
    // The limit is measured on the normalised form: 335 characters of "é" become 2,010 once percent-encoded.
    ["a URL that grows past the limit once normalised", [{ url: `https://example.com/${"é".repeat(335)}` }], ["targets[0].url: must be at most 1024 characters once normalised (is 2030)"]],
    ["two spellings of one URL", [{ url: "HTTPS://Example.com" }, { url: "https://example.com:443/" }], ["targets[1].url: duplicates targets[0].url"]],
    ["the same URL twice", [{ url: "https://a.example/" }, { url: "https://a.example/" }], ["targets[1].url: duplicates targets[0].url"]],
    ["an empty name", [{ url: "https://a.example/", name: "" }], ["targets[0].name: must not be empty"]],
    ["a fractional latency threshold", [{ url: "https://a.example/", latencyMs: 1.5 }], ["targets[0].latencyMs: must be a whole number"]],
    ["a timeout below 100 ms", [{ url: "https://a.example/", timeoutMs: 50 }], ["targets[0].timeoutMs: must be at least 100"]],
    ["a timeout above a minute", [{ url: "https://a.example/", timeoutMs: 60_001 }], ["targets[0].timeoutMs: must be at most 60000"]],
    ["a timeout given as text", [{ url: "https://a.example/", timeoutMs: "5000" }], ["targets[0].timeoutMs: must be a number"]],
    ["negative retries", [{ url: "https://a.example/", retries: -1 }], ["targets[0].retries: must not be negative"]],
    ["too many retries", [{ url: "https://a.example/", retries: 4 }], ["targets[0].retries: must be at most 3"]],
    ["a status code out of range", [{ url: "https://a.example/", expect: { status: [200, 600] } }], ["targets[0].expect.status[1]: must be an HTTP status code (100-599)"]],
    ["an empty status list", [{ url: "https://a.example/", expect: { status: [] } }], ["targets[0].expect.status: must not be empty"]],
    ["an invalid regular expression", [{ url: "https://a.example/", expect: { bodyMatches: "(" } }], ["targets[0].expect.bodyMatches: must be a valid regular expression (missing closing ): `(`)"]],
    ["a header value that is not text", [{ url: "https://a.example/", expect: { headers: { "x-build": 1 } } }], ["targets[0].expect.headers.x-build: must be a string"]],
    ["an unknown field", [{ url: "https://a.example/", timeout: 5000 }], ["targets[0].timeout: is not a known field"]],
    ["an unknown expectation", [{ url: "https://a.example/", expect: { body: "ok" } }], ["targets[0].expect.body: is not a known field"]],
    [
      "several problems at once, each named",
      [{ url: "ftp://a.example/", retries: 9 }, { name: "no url" }],
      ["targets[0].url: must be http or https", "targets[0].retries: must be at most 3", "targets[1].url: is required"],
    ],
  ];
  for (const [title, value, problems] of rejected) {
    it(`rejects ${title}`, () => {
      expect(problemsOf(value)).to.deep.equal(problems);
    });
  }

  it("names the place under the caller's root (stack config key, event)", () => {
    let caught: unknown;
    try {
      parseTargets([{ url: "ftp://a.example/" }], "webhealth:targets");
    } catch (error) {
      caught = error;
    }
    expect((caught as ValidationError).message).to.equal("webhealth:targets[0].url: must be http or https");
  });
});
