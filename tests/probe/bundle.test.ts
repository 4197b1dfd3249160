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

    expect(required).to.deep.equal(["@aws-sdk/client-cloudwatch", "@aws-sdk/client-ssm", "node:events", "node:http", "node:https", "node:perf_hooks", "node:tls"]);

    // Loaded from memory the way Lambda loads index.js; @aws-sdk resolves from this project as the runtime provides it.
    const filename = path.join(PROJECT_ROOT, "dist", "probe-bundle-under-test.js");
    const loaded = new Module(filename) as CompilableModule;
    loaded.filename = filename;
    loaded.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(PROJECT_ROOT);
    loaded._compile(bundle.code, filename);
    const { handler } = loaded.exports as { handler: (event: unknown, context: unknown) => Promise<SelfTestReport> };

    const logged: unknown[] = [];
    const originalLog = console.log;
    console.log = (...args: unknown[]) => void logged.push(...args);
    let report: SelfTestReport;
    try {
      report = await handler({ selfTest: true }, { getRemainingTimeInMillis: () => 30_000 });
    } finally {
      console.log = originalLog;
    }

    expect(report.passed).to.equal(true);
    expect(report.checks.map((check) => check.name)).to.deep.equal(["loopback"]);
    expect(JSON.parse(logged[0] as string)).to.include({ type: "self-test", passed: true });
  });
});
