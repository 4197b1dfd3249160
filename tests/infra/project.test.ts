/**
 * How `pulumi up` finds and loads the program, checked against what Pulumi's Node.js host does.
 * The language host starts node with `--pwd <program directory>` (infra/, the `main` of
 * Pulumi.yaml) and sets PULUMI_NODEJS_TYPESCRIPT from `runtime.options.typescript`. Then
 * @pulumi/pulumi/cmd/run/run.js: chdir to infra/; read `compilerOptions` of ./tsconfig.json as
 * plain JSON (no "extends") and lay them over its defaults (target ES2020, module and
 * moduleResolution nodenext); register ts-node with that file, type-checking unless `noCheck` or
 * PULUMI_NODEJS_TRANSPILE_ONLY=true; for the entry point "." use package.json's `main`; `require`
 * it as CommonJS (no `"type": "module"`). Without infra/tsconfig.json, ts-node would skip the
 * project's tsconfig.json and type-check the program under different, looser options.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import * as yaml from "js-yaml";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");

// The function run.js itself calls to read a tsconfig (internal to @pulumi/pulumi, plain CommonJS).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pulumiTsUtils = require("@pulumi/pulumi/tsutils") as { loadTypeScriptCompilerOptions(file: string): Record<string, unknown> };

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as Record<string, unknown>;
}

/** What ts-node compiles with: the tsconfig with "extends" resolved, then the host's overrides. */
function effectiveOptions(tsconfig: string): ts.CompilerOptions {
  const hostOverrides = { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", ...pulumiTsUtils.loadTypeScriptCompilerOptions(tsconfig) };
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, ts.convertCompilerOptionsFromJson(hostOverrides, path.dirname(tsconfig)).options, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
    },
  });
  if (!parsed) throw new Error(`cannot read ${tsconfig}`);
  return parsed.options;
}

const COMPARED = ["target", "module", "moduleResolution", "lib", "strict", "esModuleInterop", "types", "noUnusedLocals", "resolveJsonModule"] as const;

describe("infra project: what Pulumi's Node.js host loads", () => {
  const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;

  it("declares the webhealth Node.js project with TypeScript and the program under infra/", () => {
    expect(project.name).to.equal("webhealth");
    expect(project.runtime).to.deep.equal({ name: "nodejs", options: { typescript: true } });
    expect(project.main).to.equal("infra/");
  });

  it("resolves the entry point to infra/index.ts, through package.json's main or the directory", () => {
    const entry = path.join(ROOT, "infra", "index.ts");
    expect(path.join(ROOT, readJson("package.json").main as string)).to.equal(entry);
    // The directory form: the host requires "<dir>/", and ts-node (registered by mocha here) adds .ts.
    expect(require.resolve(path.join(ROOT, project.main as string))).to.equal(entry);
    expect(readJson("package.json").type).to.equal(undefined);
  });

  it("compiles the program under the project's own options, whichever directory the host runs in", () => {
    const projectOptions = effectiveOptions(path.join(ROOT, "tsconfig.json"));
    const inProgramDir = effectiveOptions(path.join(ROOT, "infra", "tsconfig.json"));
    for (const key of COMPARED) expect(inProgramDir[key], key).to.deep.equal(projectOptions[key]);
    expect(projectOptions).to.deep.include({ module: ts.ModuleKind.CommonJS, strict: true });
    expect(inProgramDir.noCheck).to.equal(undefined);
  });

  it("uses the project's TypeScript and ts-node, not the host's vendored TypeScript 3.8", () => {
    expect(require.resolve("typescript", { paths: [path.join(ROOT, "infra")] })).to.equal(path.join(ROOT, "node_modules", "typescript", "lib", "typescript.js"));
    expect(require.resolve("ts-node", { paths: [path.join(ROOT, "infra")] })).to.match(/node_modules[\\/]ts-node[\\/]/);
  });
});
