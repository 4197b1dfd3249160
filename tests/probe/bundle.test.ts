import { expect } from "chai";
import * as fs from "node:fs";
import Module from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { bundleFunction, functionNames } from "../../scripts/bundle";
import { PROJECT_ROOT } from "../../infra/stack-files";
import type { SelfTestReport } from "../../functions/common/contract";
import { startHttpServer, type TestServer } from "./support/servers";

type CompilableModule = Module & { _compile(code: string, filename: string): void; paths: string[] };
const nodeModulePaths = (dir: string) => (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dir);

describe("probe bundle (esbuild, as Lambda runs it)", function () {
  let server: TestServer;
  let dir: string;
  before(async () => {
    server = await startHttpServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-bundle-"));
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is one CommonJS file under 100 KiB that needs only Node, the runtime's AWS SDK and its side modules, and passes its self-test", async () => {
    const bundle = bundleFunction("probe");
    const required = [...new Set([...bundle.code.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]))].sort();

    expect(required).to.deep.equal(["@aws-sdk/client-cloudwatch", "@aws-sdk/client-ssm", "jmespath", "node:events", "node:http", "node:https", "node:perf_hooks", "node:tls", "re2js"]);
    expect(bundle.sizeBytes).to.be.below(100 * 1024);
    expect(Object.keys(bundle.files)).to.deep.equal(["node_modules/jmespath/index.js", "node_modules/re2js/index.js"]);

    // The archive as Lambda unpacks it: index.js with node_modules/re2js beside it; @aws-sdk from
    // this project, as the runtime provides it.
    for (const [file, content] of Object.entries({ "index.js": bundle.code, ...bundle.files })) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    }
    const filename = path.join(dir, "index.js");
    const loaded = new Module(filename) as CompilableModule;
    loaded.filename = filename;
    loaded.paths = [...nodeModulePaths(dir), ...nodeModulePaths(PROJECT_ROOT)];
    loaded._compile(bundle.code, filename);
    const { handler } = loaded.exports as { handler: (event: unknown, context: unknown) => Promise<SelfTestReport> };
    const sideModules = ["jmespath", "re2js"].map((name) => path.join(dir, "node_modules", name, "index.js"));
    const loadedBeforeUse = sideModules.map((file) => file in require.cache);

    // The handler writes its JSON lines to stdout itself (one log event each, no runtime prefix).
    const logged: string[] = [];
    const originalWrite = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    let report: SelfTestReport;
    try {
      report = await handler(
        { selfTest: true, targets: [{ url: server.url("/ok"), expect: { bodyMatches: "(?i)HELLO from" } }, { url: server.url("/headers"), expect: { json: [{ path: "status", equals: "green" }] } }] },
        { getRemainingTimeInMillis: () => 30_000 },
      );
    } finally {
      process.stdout.write = originalWrite;
    }

    expect(report.passed).to.equal(true);
    expect(report.checks.map((check) => [check.name, check.passed])).to.deep.equal([
      ["loopback", true],
      [server.url("/ok"), true],
      [server.url("/headers"), true],
    ]);
    expect(report.checks.slice(1).map((check) => check.detail)).to.satisfy((details: string[]) => details.every((detail) => /^ok 200 in/.test(detail)));
    expect(logged[0].endsWith("\n")).to.equal(true);
    expect(JSON.parse(logged[0])).to.include({ type: "self-test", passed: true });
    // jmespath and re2js came from the archive's side modules, and only once a target needed them.
    expect([loadedBeforeUse, sideModules.map((file) => file in require.cache)]).to.deep.equal([
      [false, false],
      [true, true],
    ]);
  });

  it("keeps every function bundle under 100 KiB", () => {
    const names = functionNames();

    expect(names).to.include.members(["canary-hook", "notifier", "probe", "recorder"]);
    for (const name of names) expect(bundleFunction(name).sizeBytes, name).to.be.below(100 * 1024);
  });

  it("ships the notifier's croner beside its bundle, loaded only when a recurring maintenance window needs it", () => {
    const bundle = bundleFunction("notifier");
    const notifierDir = path.join(dir, "notifier");
    for (const [file, content] of Object.entries({ "index.js": bundle.code, ...bundle.files })) {
      fs.mkdirSync(path.dirname(path.join(notifierDir, file)), { recursive: true });
      fs.writeFileSync(path.join(notifierDir, file), content);
    }
    const filename = path.join(notifierDir, "index.js");
    const sideModule = path.join(notifierDir, "node_modules", "croner", "index.js");

    const loaded = new Module(filename) as CompilableModule;
    loaded.filename = filename;
    loaded.paths = [...nodeModulePaths(notifierDir), ...nodeModulePaths(PROJECT_ROOT)];
    loaded._compile(bundle.code, filename);

    expect(Object.keys(bundle.files)).to.deep.equal(["node_modules/croner/index.js"]);
    expect(bundle.code).to.contain('require("croner")');
    expect(typeof (loaded.exports as { handler?: unknown }).handler).to.equal("function");
    // Loading the bundle did not load croner; the side module is croner, whole, as CommonJS.
    expect(sideModule in require.cache).to.equal(false);
    const { Cron } = loaded.require("croner") as typeof import("croner");
    expect(sideModule in require.cache).to.equal(true);
    // 02:30 in Berlin does not exist on 2026-03-29: the window opens at the end of the gap (03:00 CEST).
    expect(new Cron("30 2 * * *", { timezone: "Europe/Berlin", paused: true }).nextRun(new Date("2026-03-28T12:00:00Z"))?.toISOString()).to.equal("2026-03-29T01:00:00.000Z");
  });
});
