/**
 * The cost tables in README.md and docs/program.md are the benchmark's (`npm run bench:synth --
 * --write`), not typed by hand: the cost model is deterministic, so they must equal what it
 * computes now. A price or plan change that is not re-generated fails here.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { candidatesMarkdown, costMarkdown, documentCounts, REGION_SETS, replaceBlock } from "../../bench/synth";
import { generatedStageRawConfig } from "../../infra/cost";
import { PROJECT_ROOT } from "../../infra/stack-files";
import { synthesize } from "../../infra/synth";

function block(file: string, name: string): string {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
  const start = `<!-- bench:synth:${name} -->\n`;
  const from = text.indexOf(start);
  const to = text.indexOf(`\n<!-- /bench:synth:${name} -->`);
  expect(from, `${file} has a ${name} block`).to.be.greaterThan(-1);
  return text.slice(from + start.length, to);
}

describe("generated tables in the docs", () => {
  it("README.md and docs/program.md show the cost table the cost model computes", () => {
    expect(block("README.md", "cost")).to.equal(costMarkdown());
    expect(block("docs/program.md", "cost")).to.equal(costMarkdown());
  });

  it("docs/program.md shows the candidate layouts the cost model computes", () => {
    expect(block("docs/program.md", "candidates")).to.equal(candidatesMarkdown());
  });

  it("the synthesis table comes from a benchmark run, with the machine's load", () => {
    for (const file of ["README.md", "docs/program.md"]) {
      const table = block(file, "synth");
      expect(table, file).to.match(/^\| Targets \| Regions \| Resources \| Alarms \| Shards \| Seconds \| CPU seconds \| Max RSS \(MB\) \|/);
      expect(table, file).to.match(/Measured by `npm run bench:synth` on \d+ CPUs, node v\d+\.\d+\.\d+, load average /);
      expect(table, file).to.include("| 10,000 | 3 |");
      // Whole shards per region (the probe's rules, not every rule of the stage), whole resources and alarms.
      const rows = table.split("\n").filter((line) => /^\| [\d,]+ \|/.test(line));
      expect(rows, file).to.have.length(10);
      for (const row of rows) expect(row.split("|").slice(3, 6).map((cell) => cell.trim()), `${file}: ${row}`).to.satisfy((cells: string[]) => cells.every((cell) => /^[\d,]+$/.test(cell)));
    }
  });

  it("the synthesis table's resource, alarm and shard counts are those of the stage the benchmark synthesises now", async function () {
    // Deterministic columns: a plan change (or a change of the benchmarked stage) that is not re-run fails here.
    // The small sizes are synthesised again in this process; the large ones only by the benchmark.
    this.timeout(120_000);
    const expected = new Map<string, string[]>();
    for (const regions of REGION_SETS) {
      for (const targets of [1, 10, 100]) {
        const { document } = await synthesize("bench", generatedStageRawConfig(targets, regions));
        const counts = documentCounts(document, regions.length);
        expected.set(`${targets}/${regions.length}`, [counts.resources, counts.alarms, counts.shards].map((n) => n.toLocaleString("en-US")));
      }
    }
    for (const file of ["README.md", "docs/program.md"]) {
      const rows = block(file, "synth")
        .split("\n")
        .filter((line) => /^\| [\d,]+ \|/.test(line))
        .map((line) => line.split("|").slice(1, 6).map((cell) => cell.trim()));
      const shown = new Map(rows.map(([targets, regions, ...counts]) => [`${targets}/${regions}`, counts]));
      for (const [size, counts] of expected) expect(shown.get(size), `${file}: ${size} (targets/regions)`).to.deep.equal(counts);
    }
  });

  it("replaces exactly the marked block", () => {
    expect(replaceBlock("a\n<!-- bench:synth:x -->\nold\n<!-- /bench:synth:x -->\nb", "x", "new")).to.equal("a\n<!-- bench:synth:x -->\nnew\n<!-- /bench:synth:x -->\nb");
  });
});
