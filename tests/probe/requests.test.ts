import { expect } from "chai";
import { REDACTED } from "../../functions/common/secrets";
import type { Target } from "../../functions/common/targets";
import { probeTarget } from "../../functions/probe/probe";
import type { SecretValues } from "../../functions/probe/request";
import { testPki } from "./support/certs";
import { startHttpServer, startHttpsServer, type TestServer } from "./support/servers";

const TOKEN = "Bearer tok-3f9a1c77e2";
const secrets: SecretValues = new Map([["api-token", TOKEN]]);

describe("probe requests: method, headers, secrets, body (real servers on 127.0.0.1)", function () {
  let server: TestServer;
  /** Another port: another origin. */
  let other: TestServer;
  before(async () => {
    server = await startHttpServer();
    other = await startHttpServer();
  });
  after(async () => {
    await server.close();
    await other.close();
  });
  beforeEach(() => {
    server.resetStats();
    other.resetStats();
  });

  it("sends GET with the engine's headers by default", async () => {
    const result = await probeTarget({ url: server.url("/echo") });

    expect(result.ok).to.equal(true);
    expect(server.seen.map((seen) => seen.method)).to.deep.equal(["GET"]);
    expect(server.seen[0].headers).to.include({ "user-agent": "webhealth-probe/0.1", accept: "*/*", "accept-encoding": "identity" });
  });

  for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const) {
    it(`sends ${method} with the body as is and the target's content-type`, async () => {
      const body = `{"check":"${method}"}`;

      const result = await probeTarget({
        url: server.url("/echo"),
        request: { method, headers: { "Content-Type": "application/json" }, body },
        expect: { json: [{ path: "method", equals: method }] },
      });

      expect(result.error).to.equal(null);
      expect(server.seen.map((seen) => [seen.method, seen.headers["content-type"], seen.body])).to.deep.equal([[method, "application/json", body]]);
    });
  }

  it("sends HEAD and reads no body", async () => {
    const result = await probeTarget({ url: server.url("/ok"), request: { method: "HEAD" } });

    expect(result).to.include({ ok: true, status: 200 });
    expect(server.seen.map((seen) => seen.method)).to.deep.equal(["HEAD"]);
  });

  it("lets a target replace the user agent and accept headers, never accept-encoding", async () => {
    await probeTarget({ url: server.url("/echo"), request: { headers: { "User-Agent": "acme-check/2", Accept: "application/json", "X-Trace": "1" } } });

    expect(server.seen[0].headers).to.include({ "user-agent": "acme-check/2", accept: "application/json", "x-trace": "1", "accept-encoding": "identity" });
  });

  it("resolves a secret header, sends it, and never shows it in a message even when the server echoes it", async () => {
    const target: Target = {
      url: server.url("/echo"),
      request: { headers: { Authorization: { secret: "api-token" } } },
      expect: { json: [{ path: "headers.authorization", equals: "something else" }] },
    };

    const result = await probeTarget(target, { secrets });

    expect(server.seen[0].headers.authorization).to.equal(TOKEN);
    expect(result.error).to.deep.equal({ code: "BODY", message: `json headers.authorization: expected "something else", got "${REDACTED}"` });
    expect(JSON.stringify(result)).to.not.contain("tok-3f9a1c77e2");
  });

  describe("a secret echoed back is never shown, however the message spells or cuts it", () => {
    // A space, a quote and a backslash: JSON escapes the last two, a URL percent-encodes the first two.
    const CORE = 'q7"Zx\\9kW2pL4mN8vR3';
    const SPECIAL = `Bearer ${CORE}`;
    const specialSecrets: SecretValues = new Map([["api-token", SPECIAL]]);
    /** Every five characters of the token, as the message could show them. */
    const fragments = Array.from({ length: CORE.length - 4 }, (_, i) => CORE.slice(i, i + 5));
    const cases: Array<[string, string, Target["expect"], string | RegExp]> = [
      ["in a JSON value (escaped)", "/reflect?into=json", { json: [{ path: "echo", equals: "z" }] }, `json echo: expected "z", got "${REDACTED}"`],
      ["in a JSON value cut at the shown length", "/reflect?into=json&pad=100", { json: [{ path: "echo", equals: "z" }] }, `json echo: expected "z", got "${"x".repeat(100)}${REDACTED}"`],
      ["in a JSON value cut inside the token", "/reflect?into=json&pad=105", { json: [{ path: "echo", contains: "z" }] }, /^json echo: expected a string containing "z", got "x{105}\[secret\]"$/],
      ["in a response header (escaped)", "/reflect?into=header", { headers: { "x-echo": "zzz" } }, `header x-echo is "${REDACTED}", expected it to contain "zzz"`],
      ["in a response header cut at the shown length", "/reflect?into=header&pad=110", { headers: { "x-echo": "zzz" } }, /^header x-echo is "x{110}\[secret\]", expected it to contain "zzz"$/],
      ["in a redirect URL (percent-encoded)", "/reflect?into=location", undefined, /^redirect loop: .*\/reflect\?into=location&t=\[secret\] redirects back to .*\/reflect\?into=location&t=\[secret\]$/],
    ];
    for (const [title, path, expectations, message] of cases) {
      it(title, async () => {
        const result = await probeTarget({ url: server.url(path), request: { headers: { Authorization: { secret: "api-token" } } }, expect: expectations }, { secrets: specialSecrets });

        expect(server.seen[0].headers.authorization).to.equal(SPECIAL);
        if (typeof message === "string") expect(result.error?.message).to.equal(message);
        else expect(result.error?.message).to.match(message);
        const shown = JSON.stringify(result);
        expect(fragments.filter((fragment) => shown.includes(fragment))).to.deep.equal([]);
      });
    }
  });

  it("fails a target whose secret is missing with SECRET, sending nothing", async () => {
    const result = await probeTarget({ url: server.url("/echo"), request: { headers: { "X-Api-Key": { secret: "absent" } } } }, { secrets });

    expect(result).to.deep.include({ ok: false, status: null, attempts: 0, error: { code: "SECRET", message: 'request.headers.X-Api-Key: secret "absent" is not available to this probe' } });
    expect(server.stats.requests).to.equal(0);
  });

  it("fails a target whose secret could not be read with SECRET and the reason", async () => {
    const failing: SecretValues = new Map([["api-token", new Error("AccessDeniedException: not authorized to perform ssm:GetParameters")]]);

    const result = await probeTarget({ url: server.url("/echo"), request: { headers: { Authorization: { secret: "api-token" } } } }, { secrets: failing });

    expect(result.error).to.deep.equal({
      code: "SECRET",
      message: 'request.headers.Authorization: secret "api-token" could not be read: AccessDeniedException: not authorized to perform ssm:GetParameters',
    });
    expect(server.stats.requests).to.equal(0);
  });

  it("refuses a secret value that cannot be a header value (a line break), sending nothing", async () => {
    const result = await probeTarget({ url: server.url("/echo"), request: { headers: { Authorization: { secret: "api-token" } } } }, { secrets: new Map([["api-token", "a\r\nInjected: yes"]]) });

    expect(result.error?.code).to.equal("SECRET");
    expect(result.error?.message).to.not.contain("Injected");
    expect(server.stats.requests).to.equal(0);
  });

  describe("redirects never leak credentials", () => {
    const credentials = { Authorization: { secret: "api-token" }, Cookie: "session=abc", "X-Api-Key": { secret: "api-token" }, "X-Trace": "keep-me" };

    it("keeps every header on a redirect within the origin", async () => {
      const result = await probeTarget({ url: server.url(`/redirect-to?location=${encodeURIComponent("/echo")}`), request: { headers: credentials } }, { secrets });

      expect(result).to.include({ ok: true, redirects: 1 });
      expect(server.seen[1].headers).to.include({ authorization: TOKEN, cookie: "session=abc", "x-api-key": TOKEN, "x-trace": "keep-me" });
    });

    it("drops authorization, cookie and every secret-valued header when a redirect leaves the origin, for the rest of the chain", async () => {
      // server -> other (another port) -> back to server: the credentials stay dropped.
      const back = server.url("/echo?back");
      const away = other.url(`/redirect-to?location=${encodeURIComponent(back)}`);

      const result = await probeTarget({ url: server.url(`/redirect-to?location=${encodeURIComponent(away)}`), request: { headers: credentials } }, { secrets });

      expect(result).to.include({ ok: true, redirects: 2 });
      expect(server.seen[0].headers).to.include({ authorization: TOKEN, cookie: "session=abc" });
      for (const seen of [other.seen[0], server.seen[1]]) {
        expect(seen.headers).to.not.have.any.keys("authorization", "cookie", "x-api-key");
        expect(seen.headers["x-trace"]).to.equal("keep-me");
      }
    });

    it("treats http -> https on the same host as another origin", async () => {
      const https = await startHttpsServer(testPki().valid);
      try {
        const result = await probeTarget(
          { url: server.url(`/redirect-to?location=${encodeURIComponent(https.url("/echo"))}`), request: { headers: credentials } },
          { secrets, ca: testPki().caCert },
        );

        expect(result).to.include({ ok: true, redirects: 1 });
        expect(https.seen[0].headers).to.not.have.any.keys("authorization", "cookie", "x-api-key");
      } finally {
        await https.close();
      }
    });

    it("sends a target's Host header to its own origin only, as curl does: another origin gets its own host", async () => {
      const away = other.url("/echo");

      const result = await probeTarget({ url: server.url(`/redirect-to?location=${encodeURIComponent(away)}`), request: { headers: { Host: "vhost.example" } } });

      expect(result).to.include({ ok: true, redirects: 1 });
      expect(server.seen[0].headers.host).to.equal("vhost.example");
      expect(other.seen[0].headers.host).to.equal(new URL(away).host);
    });

    it("never sends userinfo from a Location (no Authorization header appears)", async () => {
      const withUserinfo = server.url("/echo").replace("http://", "http://admin:hunter2@");

      const result = await probeTarget({ url: server.url(`/redirect-to?location=${encodeURIComponent(withUserinfo)}`) });

      expect(result).to.include({ ok: true, redirects: 1, error: null });
      expect(server.seen[1].headers).to.not.have.property("authorization");
      expect(server.seen[1].path).to.equal("/echo");
    });
  });

  describe("redirects and the method", () => {
    const cases: Array<[number, string, string, string]> = [
      [303, "POST", "GET", ""],
      [302, "POST", "GET", ""],
      [301, "POST", "GET", ""],
      [307, "POST", "POST", '{"a":1}'],
      [308, "PUT", "PUT", '{"a":1}'],
      [303, "HEAD", "HEAD", ""],
      [302, "DELETE", "DELETE", '{"a":1}'],
    ];
    for (const [status, method, then, body] of cases) {
      it(`${status} after ${method} continues with ${then}${body ? " and the body" : " without a body"}`, async () => {
        const result = await probeTarget({
          url: server.url(`/redirect-post/${status}?location=/echo`),
          request: method === "HEAD" ? { method } : { method: method as "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' },
        });

        expect(result).to.include({ ok: true, redirects: 1 });
        expect([server.seen[1].method, server.seen[1].body, server.seen[1].headers["content-type"] ?? null]).to.deep.equal([then, body, body ? "application/json" : null]);
      });
    }
  });
});
