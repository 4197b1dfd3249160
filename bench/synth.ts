/**
 * `npm run bench:synth`: how long the program takes to synthesise under mocks as targets grow,
 * and how the resource count grows (linearly: per target a fixed set of alarms; per shard a
 * rule, target and permission per region). Goal: 1,000 targets in under 30 s on the 2-core machine.
 * Then the README's cost table: webhealth's estimate next to CloudWatch Synthetics.
 */
import { performance } from "node:perf_hooks";
import { defineCommand } from "../cli/kit";
import { EXIT } from "../cli/usage";

const SIZES = [1, 10, 100, 1000];
const GOAL_SECONDS = 30;

async function main(): Promise<void> {
  // Loaded here, not at the top: the Pulumi SDK takes about a second, and `--help` needs none of it.
  const [{ costTable, generatedTargets }, { planDashboard }, { planStage }, { synthesize }] = await Promise.all([
    import("../infra/cost"),
    import("../infra/plan/dashboard"),
    import("../infra/plan/stage"),
    import("../infra/synth"),
  ]);
  // Warm up: bundling the three functions happens once per process.
  await synthesize("bench", { "aws:region": "us-east-1", "webhealth:targets": generatedTargets(1) });
  console.log("targets  regions  resources  alarms  shards  seconds  ms/target");
  for (const regions of [["us-east-1"], ["us-east-1", "eu-west-1", "ap-southeast-2"]]) {
    for (const size of SIZES) {
      const started = performance.now();
      const { document } = await synthesize("bench", { "aws:region": regions[0], "webhealth:probeRegions": regions, "webhealth:targets": generatedTargets(size) });
      const seconds = (performance.now() - started) / 1000;
      const count = (type: string) => document.resources.filter((resource) => resource.type === type).length;
      const alarms = count("aws:cloudwatch/metricAlarm:MetricAlarm");
      const shards = count("aws:cloudwatch/eventRule:EventRule") / regions.length;
      console.log(
        [size, regions.length, document.resources.length, alarms, shards].map((n) => String(n).padStart(7)).join("  ") +
          `  ${seconds.toFixed(2).padStart(7)}  ${((seconds * 1000) / size).toFixed(1).padStart(9)}` +
          (size === 1000 ? `  (goal < ${GOAL_SECONDS} s: ${seconds < GOAL_SECONDS ? "met" : "MISSED"})` : ""),
      );
    }
  }

  console.log("\nEstimated monthly cost (USD, us-east-1 prices, every minute, phase metrics on, one email)");
  console.log("| URLs | probe regions | webhealth | CloudWatch Synthetics |");
  console.log("| ---: | ---: | ---: | ---: |");
  const rows = costTable(SIZES, [["us-east-1"], ["us-east-1", "eu-west-1", "ap-southeast-2"]], (config) =>
    planDashboard(config, planStage(config), { accountId: "0", partition: "aws" }).metricCount,
  );
  for (const row of rows) console.log(`| ${row.urls.toLocaleString("en-US")} | ${row.regions} | $${row.webhealthUsd.toLocaleString("en-US", { minimumFractionDigits: 2 })} | $${row.syntheticsUsd.toLocaleString("en-US", { minimumFractionDigits: 2 })} |`);
}

export const command = defineCommand({
  name: "bench:synth",
  usage: [""],
  summary: "Synthesis time and resource counts as targets grow (1 to 1,000, one and three regions), then the README's cost table next to CloudWatch Synthetics.",
  options: {},
  exitCodes: { ok: "the figures were printed", failed: "the benchmark could not run" },
  run: async () => {
    await main();
    return EXIT.ok;
  },
});

if (require.main === module) void command.main(process.argv.slice(2));
