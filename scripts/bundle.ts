/**
 * Bundles one Lambda function (`functions/<name>/index.ts`) into a single CommonJS file with
 * esbuild. The Pulumi program calls this while it runs, so every `pulumi up` ships the code of
 * the commit being deployed; `npm run build` writes the same bundles to `dist/functions/`.
 */
import * as path from "node:path";
import { buildSync } from "esbuild";
import { BUNDLE_TARGET } from "../functions/common/contract";

export const FUNCTIONS_DIR = path.resolve(__dirname, "..", "functions");

/** Lambda's Node.js runtime (LAMBDA_RUNTIME) ships the AWS SDK for JavaScript v3, so it is left out of the
 * bundle to keep it small: https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html */
const PROVIDED_BY_RUNTIME = ["@aws-sdk/*", "@smithy/*"];

export interface FunctionBundle {
  name: string;
  /** The bundled JavaScript: deterministic for the same sources, so unchanged code means no new version. */
  code: string;
  sizeBytes: number;
  /** The project's source files in the bundle (repository-relative, dependencies excluded). */
  sources: string[];
}

export function bundleFunction(name: string): FunctionBundle {
  const entryPoint = path.join(FUNCTIONS_DIR, name, "index.ts");
  const result = buildSync({
    entryPoints: [entryPoint],
    bundle: true,
    platform: "node",
    target: BUNDLE_TARGET,
    format: "cjs",
    write: false,
    // Minified (names kept for readable stack traces): zod dominates the size, and a smaller
    // package means a faster cold start and a smaller upload on every version.
    minify: true,
    keepNames: true,
    legalComments: "none",
    external: PROVIDED_BY_RUNTIME,
    logLevel: "silent",
    metafile: true,
    // Paths in the bundle are relative to the repository, so the code hash is the same on every machine.
    absWorkingDir: path.resolve(FUNCTIONS_DIR, ".."),
  });
  const code = result.outputFiles[0].text;
  const sources = Object.keys(result.metafile.inputs)
    .filter((input) => !input.includes("node_modules/"))
    .sort();
  return { name, code, sizeBytes: Buffer.byteLength(code), sources };
}
