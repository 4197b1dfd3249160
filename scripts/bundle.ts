/**
 * Bundles one Lambda function (`functions/<name>/index.ts`) into a single CommonJS file with
 * esbuild. The Pulumi program calls this while it runs, so every `pulumi up` ships the code of
 * the commit being deployed; `npm run build` writes the same bundles to `dist/functions/`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { BUNDLE_TARGET } from "../functions/common/contract";
import { PROJECT_ROOT } from "../infra/stack-files";

export const FUNCTIONS_DIR = path.join(PROJECT_ROOT, "functions");

/** Every function: each directory of functions/ with an index.ts, sorted. */
export function functionNames(): string[] {
  return fs
    .readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(FUNCTIONS_DIR, entry.name, "index.ts")))
    .map((entry) => entry.name)
    .sort();
}

/** Lambda's Node.js runtime (LAMBDA_RUNTIME) ships the AWS SDK for JavaScript v3, so it is left out of the
 * bundle to keep it small: https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html */
const PROVIDED_BY_RUNTIME = ["@aws-sdk/*", "@smithy/*"];

/**
 * Packages shipped beside `index.js` (as `node_modules/<name>/index.js`, bundled and minified) and
 * required only by the code that needs them: re2js is 150 KiB, nearly all Unicode tables, and only
 * a target with a regular expression loads it; jmespath only a target with JSON assertions; croner
 * (33 KiB) only a recurring maintenance window (functions/common/maintenance.ts). Everything else
 * is inside `index.js`.
 */
export const SIDE_MODULES: Readonly<Record<string, readonly string[]>> = { probe: ["jmespath", "re2js"], notifier: ["croner"] };

export interface FunctionBundle {
  name: string;
  /** The bundled JavaScript: deterministic for the same sources, so unchanged code means no new version. */
  code: string;
  /** `index.js`'s size. */
  sizeBytes: number;
  /** Files shipped beside index.js (path in the archive -> content): the side modules. */
  files: Record<string, string>;
  /** The project's source files in the bundle (repository-relative, dependencies excluded). */
  sources: string[];
}

const COMMON_OPTIONS = {
  bundle: true,
  platform: "node",
  target: BUNDLE_TARGET,
  format: "cjs",
  write: false,
  // Minified (names kept for readable stack traces): a smaller package means a faster cold start
  // and a smaller upload on every version.
  minify: true,
  keepNames: true,
  legalComments: "none",
  logLevel: "silent",
  // Paths in the bundle are relative to the repository, so the code hash is the same on every machine.
  absWorkingDir: path.resolve(FUNCTIONS_DIR, ".."),
} as const;

/** One side module as a single file, found the way Node finds it from the functions. */
function bundleSideModule(name: string): string {
  const result = buildSync({ ...COMMON_OPTIONS, stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: FUNCTIONS_DIR, loader: "js" } });
  return result.outputFiles[0].text;
}

export function bundleFunction(name: string): FunctionBundle {
  const entryPoint = path.join(FUNCTIONS_DIR, name, "index.ts");
  const sideModules = SIDE_MODULES[name] ?? [];
  const result = buildSync({
    ...COMMON_OPTIONS,
    entryPoints: [entryPoint],
    external: [...PROVIDED_BY_RUNTIME, ...sideModules],
    metafile: true,
  });
  const code = result.outputFiles[0].text;
  const files = Object.fromEntries(sideModules.map((module) => [`node_modules/${module}/index.js`, bundleSideModule(module)]));
  const sources = Object.keys(result.metafile.inputs)
    .filter((input) => !input.includes("node_modules/"))
    .sort();
  return { name, code, sizeBytes: Buffer.byteLength(code), files, sources };
}

