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
    [
      "a request with every field (a header naming a secret)",
      [
        {
          url: "https://api.example/health",
          request: { method: "POST", headers: { "Content-Type": "application/json", Authorization: { secret: "api.token" } }, body: '{"deep":true}' },
          expect: { json: [{ path: "status.indicator", equals: "green" }] },
        },
      ],
    ],
    ["each request method", ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map((method, i) => ({ url: `https://a.example/${i}`, request: { method } })) as Target[]],
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
    // request: the issue's own example, the place named.
    [
      "an unknown request method, in fourth place",
      [{ url: "https://a.example/" }, { url: "https://b.example/" }, { url: "https://c.example/" }, { url: "https://d.example/", request: { method: "TRACE" } }],
      ["targets[3].request.method: must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"],
    ],
    ["a request method in lower case", [{ url: "https://a.example/", request: { method: "post" } }], ["targets[0].request.method: must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"]],
    ["a request that is not an object", [{ url: "https://a.example/", request: "POST" }], ["targets[0].request: must be an object"]],
    ["an unknown request field", [{ url: "https://a.example/", request: { verb: "POST" } }], ["targets[0].request.verb: is not a known field"]],
    ["a body that is not a string", [{ url: "https://a.example/", request: { method: "POST", body: { deep: true } } }], ["targets[0].request.body: must be a string"]],
    ["a body over 65,536 characters", [{ url: "https://a.example/", request: { method: "POST", body: "x".repeat(65_537) } }], ["targets[0].request.body: must be at most 65536 characters"]],
    [
      "a header the engine owns (framing, encoding)",
      [{ url: "https://a.example/", request: { headers: { "Content-Length": "3", "accept-encoding": "gzip" } } }],
      [
        "targets[0].request.headers.Content-Length: is set by the probe itself (fresh connection, body as sent, identity encoding)",
        "targets[0].request.headers.accept-encoding: is set by the probe itself (fresh connection, body as sent, identity encoding)",
      ],
    ],
    ["a header named twice in two cases", [{ url: "https://a.example/", request: { headers: { "X-Key": "a", "x-key": "b" } } }], ["targets[0].request.headers.x-key: duplicates request.headers.X-Key (names are case-insensitive)"]],
    ["a header name that is not a token", [{ url: "https://a.example/", request: { headers: { "X Key": "a" } } }], ["targets[0].request.headers.X Key: is not a valid header name"]],
    ["a header value with a line break", [{ url: "https://a.example/", request: { headers: { "X-Key": "a\r\nX-Injected: 1" } } }], ["targets[0].request.headers.X-Key: must not contain line breaks or other control characters"]],
    ["a header value that is a number", [{ url: "https://a.example/", request: { headers: { "X-Key": 5 } } }], ['targets[0].request.headers.X-Key: must be a string or { "secret": "<name>" }']],
    ["a secret reference with another field", [{ url: "https://a.example/", request: { headers: { "X-Key": { secret: "k", value: "v" } } } }], ['targets[0].request.headers.X-Key: must be a string or { "secret": "<name>" }']],
    [
      "a secret name that is not a name",
      [{ url: "https://a.example/", request: { headers: { "X-Key": { secret: "../other" } } } }],
      ["targets[0].request.headers.X-Key.secret: must be 1-64 letters, digits, _ . or -, starting with a letter or digit"],
    ],
    [
      "more than 50 headers",
      [{ url: "https://a.example/", request: { headers: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`x-h${i}`, "v"])) } }],
      ["targets[0].request.headers: must have at most 50 headers"],
    ],
    [
      "body assertions on a HEAD request",
      [{ url: "https://a.example/", request: { method: "HEAD" }, expect: { status: [200], bodyContains: "ok", json: [{ path: "a", exists: true }] } }],
      ["targets[0].expect.bodyContains: cannot hold: a HEAD response has no body", "targets[0].expect.json: cannot hold: a HEAD response has no body"],
    ],
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
