// Preloaded with `node --require` by tests/cli/startup.test.ts: on exit, writes the file of every
// module this process loaded from disk (one per line) to the file named by RECORD_MODULES_TO.
"use strict";
const fs = require("node:fs");

process.on("exit", () => {
  fs.writeFileSync(process.env.RECORD_MODULES_TO, Object.keys(require.cache).join("\n"));
});
