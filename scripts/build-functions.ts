/** `npm run build`: writes every function's bundle to dist/functions/<name>/index.js and prints sizes. */
import * as fs from "node:fs";
import * as path from "node:path";
import { defineCommand } from "../cli/kit";
import { EXIT } from "../cli/usage";
import { bundleFunction, functionNames } from "./bundle";

export const command = defineCommand({
  name: "build",
  usage: [""],
  summary: "Bundles every Lambda function (functions/<name>/index.ts) with esbuild into dist/functions/<name>/index.js, as the Pulumi program ships it, and prints the sizes.",
  options: {},
  exitCodes: { ok: "every bundle was written", failed: "a function did not build" },
  async run(_input, io) {
    const outRoot = path.join(io.root, "dist", "functions");
    for (const name of functionNames()) {
      const bundle = bundleFunction(name);
      const outDir = path.join(outRoot, name);
      fs.mkdirSync(outDir, { recursive: true });
      fs.writeFileSync(path.join(outDir, "index.js"), bundle.code);
      io.stdout.write(`${name.padEnd(16)} ${(bundle.sizeBytes / 1024).toFixed(1).padStart(8)} KiB  dist/functions/${name}/index.js\n`);
      for (const [file, content] of Object.entries(bundle.files)) {
        fs.mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
        fs.writeFileSync(path.join(outDir, file), content);
        io.stdout.write(`${"".padEnd(16)} ${(Buffer.byteLength(content) / 1024).toFixed(1).padStart(8)} KiB  dist/functions/${name}/${file} (loaded only when needed)\n`);
      }
    }
    return EXIT.ok;
  },
});

if (require.main === module) void command.main(process.argv.slice(2));
