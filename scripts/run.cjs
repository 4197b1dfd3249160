#!/usr/bin/env node
/**
 * The command runner behind every `npm run <command>` (see package.json): compiles a command's
 * TypeScript entry once with esbuild into `dist/commands/<entry>.js`, again only when one of the
 * files it was built from changed (size or modification time), and runs the built file in this
 * process. Transpiling through ts-node on every run cost about a second before a command did
 * anything; a fresh build costs a stat() per input file.
 *
 *   node scripts/run.cjs cli/probe.ts --stack beta
 *
 * The built module exports `command` (cli/kit.ts) and the runner calls `command.main(argv)`.
 * Packages are loaded from node_modules as usual, except the small pure-JavaScript ones listed in
 * BUNDLED, which load faster from inside the bundle. Stack traces point into the bundle; run with
 * `NODE_OPTIONS=--enable-source-maps` to see the TypeScript lines (a source map is written beside it).
 * Plain CommonJS on purpose: it must start without any compiler.
 */
"use strict";
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const OUT_DIR = path.join(ROOT, "dist", "commands");
/** Pure JavaScript packages worth bundling: zod alone loads in about 75 ms from node_modules, 25 ms bundled. */
const BUNDLED = new Set(["zod", "js-yaml"]);
/** Exit code for a command that cannot be built (a bug in the tree, not the user's input). */
const BUILD_FAILED = 1;

/** `cli/probe.ts` -> `dist/commands/cli-probe.js`. */
function outputFor(entry) {
  return path.join(OUT_DIR, `${entry.replace(/\.ts$/, "").split(/[\\/]/).join("-")}.js`);
}

/** Changes whenever this file (and so the build settings) changes. */
function buildVersion() {
  return createHash("sha256").update(fs.readFileSync(__filename)).digest("hex").slice(0, 16);
}

function stamp(file) {
  const stat = fs.statSync(path.join(ROOT, file));
  return [stat.mtimeMs, stat.size];
}

/** True when the bundle exists and every input still has the size and time it was built from. */
function isFresh(out, version) {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(`${out}.inputs.json`, "utf8"));
    if (manifest.version !== version || !fs.existsSync(out)) return false;
    for (const [file, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
      const [nowMtime, nowSize] = stamp(file);
      if (nowMtime !== mtimeMs || nowSize !== size) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Packages other than BUNDLED stay `require()`s of node_modules (native addons, the Pulumi SDK, esbuild itself). */
const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:")) return { external: true };
      const name = args.path.startsWith("@") ? args.path.split("/").slice(0, 2).join("/") : args.path.split("/")[0];
      return BUNDLED.has(name) ? undefined : { external: true };
    });
  },
};

/** Builds `entry` and writes the bundle, its source map and the manifest of its inputs (each atomically). */
async function build(entry, out, version) {
  const esbuild = require("esbuild");
  const result = await esbuild.build({
    entryPoints: [path.join(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    outfile: out,
    write: false,
    metafile: true,
    sourcemap: "linked",
    logLevel: "silent",
    plugins: [externalPackages],
  });
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).map((file) => [file, stamp(file)]));
  const written = [...result.outputFiles.map((file) => [file.path, file.contents]), [`${out}.inputs.json`, JSON.stringify({ version, entry, inputs })]];
  // Two commands built at once each write whole files: a reader sees the old file or the new one.
  for (const [file, contents] of written) {
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, contents);
    fs.renameSync(temporary, file);
  }
}

/** The oldest Node.js major the commands run on (package.json `engines`). */
const MIN_NODE_MAJOR = 22;

/**
 * On an older node, runs this same command again under the Node that `.ci/node-path` provides
 * (Node 24 from the npm registry, installed once into .tools/node), forwarding the signals that
 * stop a command and its exit status, so the README's commands work as written on any machine.
 */
function rerunOnSupportedNode() {
  const { execFileSync, spawn } = require("node:child_process");
  let nodeBin;
  try {
    nodeBin = execFileSync(path.join(ROOT, ".ci", "node-path"), { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  } catch {
    process.stderr.write(`node ${process.version} is older than ${MIN_NODE_MAJOR} and no newer Node.js could be installed: install Node.js 24\n`);
    process.exitCode = 2;
    return;
  }
  const child = spawn(path.join(nodeBin, "node"), process.argv.slice(1), { stdio: "inherit", env: { ...process.env, PATH: `${nodeBin}${path.delimiter}${process.env.PATH ?? ""}` } });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? 128 + (require("node:os").constants.signals[signal] ?? 0);
  });
}

async function main() {
  if (Number(process.versions.node.split(".")[0]) < MIN_NODE_MAJOR) return rerunOnSupportedNode();
  const entry = process.argv[2];
  if (!entry || !entry.endsWith(".ts")) {
    process.stderr.write("usage: node scripts/run.cjs <command entry .ts> [arguments...]\n");
    process.exitCode = 2;
    return;
  }
  const out = outputFor(entry);
  const version = buildVersion();
  if (!isFresh(out, version)) {
    try {
      await build(entry, out, version);
    } catch (error) {
      const messages = error.errors ? error.errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`).join("\n") : error.stack;
      process.stderr.write(`cannot build ${entry}:\n${messages}\n`);
      process.exitCode = BUILD_FAILED;
      return;
    }
  }
  const { command } = require(out);
  if (!command || typeof command.main !== "function") {
    process.stderr.write(`${entry} exports no \`command\` (see cli/kit.ts)\n`);
    process.exitCode = BUILD_FAILED;
    return;
  }
  await command.main(process.argv.slice(3));
}

main();
