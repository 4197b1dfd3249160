import { expect } from "chai";
import Module from "node:module";
import * as path from "node:path";
import { bundleFunction } from "../../scripts/bundle";
import { PROJECT_ROOT } from "../../infra/stack-files";
import type { SelfTestReport } from "../../functions/common/contract";

type CompilableModule = Module & { _compile(code: string, filename: string): void; paths: string[] };

describe("probe bundle (esbuild, as Lambda runs it)", function () {
  it("is one CommonJS file that needs only Node and the runtime's AWS SDK, and passes its self-test", async () => {
    const bundle = bundleFunction("probe");
    const required = [...new Set([...bundle.code.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]))].sort();

    expect(required).to.deep.equal(["@aws-sdk/client-cloudwatch", "node:events", "node:http", "node:https", "node:perf_hooks"]);

    // Loaded from memory the way Lambda loads index.js; @aws-sdk resolves from this project as the runtime provides it.
    const filename = path.join(PROJECT_ROOT, "dist", "probe-bundle-under-test.js");
    const loaded = new Module(filename) as CompilableModule;
    loaded.filename = filename;
    loaded.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(PROJECT_ROOT);
    loaded._compile(bundle.code, filename);
    const { handler } = loaded.exports as { handler: (event: unknown, context: unknown) => Promise<SelfTestReport> };

    // The handler writes its JSON lines to stdout itself (one log event each, no runtime prefix).
    const logged: string[] = [];
    const originalWrite = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    let report: SelfTestReport;
    try {
      report = await handler({ selfTest: true }, { getRemainingTimeInMillis: () => 30_000 });
    } finally {
      process.stdout.write = originalWrite;
    }

    expect(report.passed).to.equal(true);
    expect(report.checks.map((check) => check.name)).to.deep.equal(["loopback"]);
    expect(logged[0].endsWith("\n")).to.equal(true);
    expect(JSON.parse(logged[0])).to.include({ type: "self-test", passed: true });
  });
});
