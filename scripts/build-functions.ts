/** `npm run build`: writes every function's bundle to dist/functions/<name>/index.js and prints sizes. */
import * as fs from "node:fs";
import * as path from "node:path";
import { bundleFunction, FUNCTIONS_DIR } from "./bundle";

const outRoot = path.resolve(__dirname, "..", "dist", "functions");
const names = fs
  .readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(FUNCTIONS_DIR, entry.name, "index.ts")))
  .map((entry) => entry.name)
  .sort();

for (const name of names) {
  const bundle = bundleFunction(name);
  const outDir = path.join(outRoot, name);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "index.js"), bundle.code);
  console.log(`${name.padEnd(16)} ${(bundle.sizeBytes / 1024).toFixed(1).padStart(8)} KiB  dist/functions/${name}/index.js`);
  for (const [file, content] of Object.entries(bundle.files)) {
    fs.mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
    fs.writeFileSync(path.join(outDir, file), content);
    console.log(`${"".padEnd(16)} ${(Buffer.byteLength(content) / 1024).toFixed(1).padStart(8)} KiB  dist/functions/${name}/${file} (loaded only when needed)`);
  }
}
