/**
 * `npm run bench:synth [-- --write] [--sizes 1,10,100,1000,10000]`:
 *  1. how long the program takes to synthesise under mocks and how much memory it needs, from one
 *     and three regions, each size in its own process with a 4 GB heap (as `npm run synth` runs),
 *     for the stage the cost table prices (generatedStageRawConfig: the notifier included);
 *  2. how the resources grow (per target, per shard), and how long CloudWatch's PutMetricAlarm
 *     rate makes the first `pulumi up`;
 *  3. the README's cost table: webhealth next to CloudWatch Synthetics and Checkly for the same
 *     checks, and the layouts measured before choosing this one (bench/cost-candidates.ts).
 * With --write, the generated tables replace the marked blocks of README.md and docs/program.md.
 * Goal: 10,000 targets in under 60 s on the 2-core machine.
 */
import { fork } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { costTable, generatedStageRawConfig, PRICES, PRICES_CHECKED } from "../infra/cost";
import { ALARM_BATCH_SIZE } from "../infra/components/alarms";
import { DEFAULT_PUT_METRIC_ALARM_PER_SECOND } from "../infra/plan/quotas";
import { PROJECT_ROOT } from "../infra/stack-files";
import type { SynthDocument } from "../infra/synth";
import { candidateTable } from "./cost-candidates";
import { defineCommand } from "../cli/kit";
import { EXIT, UsageError } from "../cli/usage";

const DEFAULT_SIZES = [1, 10, 100, 1000, 10_000];
export const REGION_SETS = [["us-east-1"], ["us-east-1", "eu-west-1", "ap-southeast-2"]];
const GOAL_SECONDS = 60;
const HEAP_MB = 4096;
const ALARM_TYPE = "aws:cloudwatch/metricAlarm:MetricAlarm";

interface Measurement {
  targets: number;
  regions: number;
  seconds: number;
  /** CPU time of the synthesis (user + system), less sensitive to the machine's other work than wall time. */
  cpuSeconds: number;
  maxRssMb: number;
  resources: number;
  alarms: number;
  shards: number;
  estimatedMonthlyCostUsd: number;
}

/** The synthesis table's counts of one synthesised stage (the tables test recomputes them for the small sizes). */
export function documentCounts(document: SynthDocument, regions: number): Pick<Measurement, "resources" | "alarms" | "shards"> {
  return {
    resources: document.resources.length,
    alarms: document.resources.filter((resource) => resource.type === ALARM_TYPE).length,
    // The probe's rules only (`<probe>-shard-<i>`): the notifier's sweep is a rule too.
    shards: document.resources.filter((resource) => resource.type === "aws:cloudwatch/eventRule:EventRule" && /-shard-\d+$/.test(resource.name)).length / regions,
  };
}

/** In the child: synthesise one generated stage and report. */
async function child(targets: number, regions: string[]): Promise<void> {
  const { synthesize } = await import("../infra/synth");
  // Bundling the three functions happens once per process: not part of the figure.
  await synthesize("bench", generatedStageRawConfig(1, regions));
  const started = performance.now();
  const cpu = process.cpuUsage();
  // The stage the cost table prices: https targets, defaults, one e-mail channel (so the notifier too).
  const { document } = await synthesize("bench", generatedStageRawConfig(targets, regions));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const measurement: Measurement = {
    targets,
    regions: regions.length,
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...documentCounts(document, regions.length),
    estimatedMonthlyCostUsd: document.estimatedMonthlyCostUsd,
  };
  if (process.send) process.send(measurement);
  else console.log(JSON.stringify(measurement));
}

function measure(targets: number, regions: string[]): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    // The TypeScript source, not this file: run from a built bundle, __filename is the bundle.
    const worker = fork(path.join(PROJECT_ROOT, "bench", "synth.ts"), ["--child", String(targets), regions.join(",")], {
      execArgv: [`--max-old-space-size=${HEAP_MB}`, "-r", "ts-node/register/transpile-only"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result: Measurement | undefined;
    worker.on("message", (message) => (result = message as Measurement));
    worker.on("error", reject);
    worker.on("exit", (code) => (result ? resolve(result) : reject(new Error(`synth of ${targets} targets from ${regions.length} region(s) exited ${code}`))));
  });
}

const usd = (value: number) => `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const thousands = (value: number) => value.toLocaleString("en-US");

function duration(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

function machine(): string {
  return `${os.cpus().length} CPUs, node ${process.version}, load average ${os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(" / ")}`;
}

function synthTable(rows: Measurement[]): string {
  const lines = [
    "| Targets | Regions | Resources | Alarms | Shards | Seconds | CPU seconds | Max RSS (MB) | First `up`: alarms at 3/s |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    lines.push(
      `| ${thousands(row.targets)} | ${row.regions} | ${thousands(row.resources)} | ${thousands(row.alarms)} | ${row.shards} | ${row.seconds.toFixed(1)} | ${row.cpuSeconds.toFixed(1)} | ${thousands(row.maxRssMb)} | ${duration(row.alarms / DEFAULT_PUT_METRIC_ALARM_PER_SECOND)} |`,
    );
  }
  return lines.join("\n");
}

/** The README's cost table (deterministic: the cost model over generated stages). */
export function costMarkdown(sizes: readonly number[] = DEFAULT_SIZES): string {
  const rows = costTable(sizes, REGION_SETS);
  const lines = [
    "| URLs | Probe regions | webhealth | per URL | CloudWatch Synthetics | Checkly (API checks) |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((row) => `| ${thousands(row.urls)} | ${row.regions} | ${usd(row.webhealthUsd)} | ${usd(row.perUrlUsd)} | ${usd(row.syntheticsUsd)} | ${usd(row.checklyUsd)} |`),
    "",
    `Every minute, default settings (phase metrics off), https URLs, one e-mail channel with one address (so the notifier, its alarms and its sweep are included); us-east-1 list prices, no free tier, checked ${PRICES_CHECKED}: ` +
      `webhealth from \`infra/cost.ts\` (AWS's pricing pages, each price's source in docs/program.md); ` +
      `CloudWatch Synthetics at $${PRICES.syntheticsRun} per canary run, one canary per URL and region (https://aws.amazon.com/cloudwatch/pricing/), before the canaries' own Lambda, logs and S3; ` +
      `Checkly at $2 per 10,000 API check runs, each location a run (prepaid bundles, https://docs.checklyhq.com/docs/monitoring/check-pricing), before the plan's fee.`,
  ];
  return lines.join("\n");
}

/** The candidate layouts at 100 URLs (deterministic too). */
export function candidatesMarkdown(): string {
  const rows = candidateTable(100, REGION_SETS);
  const byName = new Map<string, typeof rows>();
  for (const row of rows) byName.set(row.name, [...(byName.get(row.name) ?? []), row]);
  const lines = ["| Layout (100 URLs) | 1 region, per URL | 3 regions, per URL | Gives up |", "| --- | ---: | ---: | --- |"];
  for (const [name, [one, three]] of byName) lines.push(`| ${name} | ${usd(one.perUrlUsd)} | ${usd(three.perUrlUsd)} | ${one.givesUp || "(the layout before)"} |`);
  return lines.join("\n");
}

/** Replaces the text between `<!-- bench:synth:<name> -->` and `<!-- /bench:synth:<name> -->`. */
export function replaceBlock(text: string, name: string, content: string): string {
  const start = `<!-- bench:synth:${name} -->`;
  const end = `<!-- /bench:synth:${name} -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no ${start} ... ${end} block`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--child") return child(Number(argv[1]), argv[2].split(","));
  const write = argv.includes("--write");
  const sizesArg = argv[argv.indexOf("--sizes") + 1];
  const sizes = argv.includes("--sizes") ? sizesArg.split(",").map(Number) : DEFAULT_SIZES;

  console.log(`bench:synth on ${machine()}; each size in its own process with a ${HEAP_MB} MB heap`);
  const rows: Measurement[] = [];
  for (const regions of REGION_SETS) {
    for (const targets of sizes) {
      const row = await measure(targets, regions);
      rows.push(row);
      const goal = targets >= 10_000 ? `  (goal < ${GOAL_SECONDS} s: ${row.seconds < GOAL_SECONDS ? "met" : "MISSED"})` : "";
      console.log(`  ${thousands(targets).padStart(6)} targets, ${regions.length} region(s): ${thousands(row.resources)} resources, ${row.seconds.toFixed(1)} s (${row.cpuSeconds.toFixed(1)} s CPU), max RSS ${row.maxRssMb} MB${goal}`);
    }
  }
  const load = machine();
  console.log(`\n${synthTable(rows)}\n\n(${load} at the end)`);

  for (const regions of REGION_SETS) {
    const [a, b] = [rows.find((row) => row.regions === regions.length && row.targets === 1000), rows.find((row) => row.regions === regions.length && row.targets === 10_000)];
    if (a && b) {
      const perTarget = (b.resources - a.resources) / (b.targets - a.targets);
      console.log(
        `${regions.length} region(s): ${perTarget.toFixed(3)} resources per target from 1,000 to 10,000 targets (3 alarms, plus one rule and one target per shard and region: ${b.shards} shards at 10,000); ` +
          `the first up creates ${thousands(b.alarms)} alarms in at least ${duration(b.alarms / DEFAULT_PUT_METRIC_ALARM_PER_SECOND)} at CloudWatch's default ${DEFAULT_PUT_METRIC_ALARM_PER_SECOND} PutMetricAlarm calls a second ` +
          `(Pulumi's parallelism, unbounded by default, cannot beat that quota; the program registers ${ALARM_BATCH_SIZE} alarms at a time so throttling retries stay few)`,
      );
    }
  }

  const cost = costMarkdown();
  const candidates = candidatesMarkdown();
  console.log(`\nEstimated monthly cost\n${cost}\n\nLayouts measured (cost model, 100 URLs)\n${candidates}`);

  if (write) {
    const synth = `${synthTable(rows)}\n\nMeasured by \`npm run bench:synth\` on ${load}, over the cost table's generated stages (https targets, default settings, one e-mail channel: the notifier included).`;
    const readme = path.join(PROJECT_ROOT, "README.md");
    fs.writeFileSync(readme, replaceBlock(replaceBlock(fs.readFileSync(readme, "utf8"), "cost", cost), "synth", synth));
    const program = path.join(PROJECT_ROOT, "docs", "program.md");
    let doc = fs.readFileSync(program, "utf8");
    doc = replaceBlock(doc, "synth", synth);
    doc = replaceBlock(doc, "cost", cost);
    doc = replaceBlock(doc, "candidates", candidates);
    fs.writeFileSync(program, doc);
    console.log("\nwrote the tables into README.md and docs/program.md");
  }
}

export const command = defineCommand({
  name: "bench:synth",
  usage: ["[--write] [--sizes 1,10,100,1000,10000]"],
  summary:
    "Synthesis time, memory and resource counts as targets grow (one and three regions, each size in a fresh process), then the README's cost tables; --write puts the generated tables into README.md and docs/program.md.",
  options: {
    write: { type: "boolean", help: "replace the marked tables of README.md and docs/program.md with the generated ones" },
    sizes: { type: "string", value: "n,n,...", help: `the target counts to synthesise (default ${DEFAULT_SIZES.join(",")})` },
  },
  exitCodes: { ok: "the figures were printed", failed: "the benchmark could not run" },
  run: async ({ values }) => {
    if (values.sizes !== undefined && !/^\d+(,\d+)*$/.test(values.sizes)) throw new UsageError(`--sizes: "${values.sizes}" must be target counts separated by commas, like 1,10,100`);
    await main([...(values.write ? ["--write"] : []), ...(values.sizes ? ["--sizes", values.sizes] : [])]);
    return EXIT.ok;
  },
});

if (require.main === module) {
  // A size's worker (forked by main with --child) runs without the command line kit.
  if (process.argv[2] === "--child") {
    main(process.argv.slice(2)).catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
  } else void command.main(process.argv.slice(2));
}
