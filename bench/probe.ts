/**
 * `npm run bench:probe`: the probe's size, start-up, throughput and timing figures, every loop
 * bounded, all against local endpoints on 127.0.0.1 served by a separate process.
 *  1. Bundle size of every function (goal: each index.js under 100 KiB).
 *  2. Cold start: the probe bundle's own load time with the AWS SDK already loaded, in fresh
 *     processes (goal: under 20 ms).
 *  3. Load: 400 targets at concurrency 50 against a 100 ms endpoint, the probe and Prometheus'
 *     blackbox_exporter (when installed) interleaved, three rounds: wall time against the ideal
 *     ceil(400/50) x 100 ms (goal: within 1.2x) and timing error = measured time to first byte -
 *     100 ms (goal: p99 no worse than blackbox_exporter's in the same run), with the server's own lag.
 *  4. Accuracy against curl: sequential, alternating probe and curl, time to first byte measured
 *     from the start of the request the way curl's %{time_starttransfer} is (goal: within 0.5 ms).
 *  5. Memory size: the load run again with the probe held to the CPU share Lambda gives each memory
 *     size (a cgroup CPU quota; skipped where the machine allows none).
 *  6. At scale: a 10,000-target stage's shards (the program's own plan), a few of them run over
 *     HTTPS with the probe's per-invocation work (probing, log lines, datums), for the wall time
 *     and the probe's CPU time per target; then the cost model's Lambda figures with them.
 */
import { execFile, fork, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { probeResultLogLine } from "../functions/probe/log-line";
import { probeTarget } from "../functions/probe/probe";
import { batchDatums, heartbeatDatum, targetDatums } from "../functions/probe/publish";
import { probeAll } from "../functions/probe/run";
import { generatedStageConfig, HOURS_PER_MONTH, LAMBDA_ONE_VCPU_MB, PRICES, probeRunSeconds, USAGE_ASSUMPTIONS } from "../infra/cost";
import { planStage } from "../infra/plan/stage";
import type { ProbeResult } from "../functions/probe/result";
import { bundleFunction, functionNames } from "../scripts/bundle";
import { PROJECT_ROOT } from "../infra/stack-files";
import { testPki } from "../tests/probe/support/certs";
import { defineCommand } from "../cli/kit";
import { EXIT, UsageError } from "../cli/usage";
import type { LoadReply, LoadRequest } from "./probe-load";

const execFileAsync = promisify(execFile);
const CURL = "/usr/bin/curl";
const BLACKBOX = "/usr/bin/prometheus-blackbox-exporter";

const SIZE_GOAL_BYTES = 100 * 1024;
const COLD_START = { rounds: 3, samples: 10, goalMs: 20 } as const;
const LOAD = { targets: 400, concurrency: 50, delayMs: 100, rounds: 3, goalRatio: 1.2 } as const;
const ACCURACY = { samples: 40, delayMs: 40, warmup: 5, goalMs: 0.5 } as const;
/** Lambda gives a function CPU in proportion to its memory: 1,769 MB is one vCPU.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html */
const MB_PER_VCPU = 1769;
const MEMORY_SIZES_MB = [256, 512, 1024, 1769] as const;
const CGROUP_ROOT = "/sys/fs/cgroup/cpu";
const CFS_PERIOD_US = 100_000;

const f = (ms: number, digits = 2) => `${ms.toFixed(digits)} ms`;
const sorted = (values: number[]) => [...values].filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
function percentile(values: number[], p: number): number {
  const ordered = sorted(values);
  return ordered[Math.min(ordered.length - 1, Math.max(0, Math.ceil((p / 100) * ordered.length) - 1))];
}
const median = (values: number[]) => percentile(values, 50);
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");

// ---------------------------------------------------------------------------------------------
// The endpoint

interface Endpoint {
  base: string;
  tlsBase: string;
  ask<T>(command: string): Promise<T>;
  stop(): Promise<void>;
}

function startEndpoint(tls: { key: string; cert: string }): Promise<Endpoint> {
  const child: ChildProcess = fork(path.join(PROJECT_ROOT, "bench", "probe-server.ts"), [], {
    execArgv: ["-r", "ts-node/register/transpile-only"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, BENCH_TLS_KEY: tls.key, BENCH_TLS_CERT: tls.cert },
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("message", (message: { port: number; tlsPort: number }) => {
      resolve({
        base: `http://127.0.0.1:${message.port}`,
        tlsBase: `https://127.0.0.1:${message.tlsPort}`,
        ask: <T>(command: string) =>
          new Promise<T>((answer) => {
            child.once("message", (reply) => answer(reply as T));
            child.send({ command });
          }),
        stop: () =>
          new Promise<void>((done) => {
            child.once("exit", () => done());
            child.send({ command: "stop" });
            setTimeout(() => child.kill(), 2_000).unref();
          }),
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// 1. Size

function sizes() {
  console.log(`\n1. Bundle size (goal: every function's index.js under ${SIZE_GOAL_BYTES / 1024} KiB)`);
  for (const name of functionNames()) {
    const bundle = bundleFunction(name);
    const side = Object.entries(bundle.files).map(([file, content]) => `; beside it ${file} ${(Buffer.byteLength(content) / 1024).toFixed(1)} KiB, loaded only when needed`);
    console.log(`   ${name.padEnd(12)} ${(bundle.sizeBytes / 1024).toFixed(1).padStart(6)} KiB${side.join("")} -> ${bundle.sizeBytes < SIZE_GOAL_BYTES ? "goal met" : "GOAL MISSED"}`);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Cold start

/** Writes the probe's archive as Lambda unpacks it, so requiring index.js loads what Lambda would; returns the side modules' files. */
function writeArchive(dir: string): string[] {
  const bundle = bundleFunction("probe");
  for (const [file, content] of Object.entries({ "index.js": bundle.code, ...bundle.files })) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return Object.keys(bundle.files).map((file) => path.join(dir, file));
}

/**
 * One fresh process: the SDK clients the runtime provides are loaded first, then index.js is timed,
 * then the side modules (what a stage whose targets use regular expressions and JSON assertions
 * loads on its first invocation: deferred, not saved, for such a stage).
 */
const COLD_START_SCRIPT = `
const { performance } = require("node:perf_hooks");
const t0 = performance.now();
require("@aws-sdk/client-cloudwatch");
const t1 = performance.now();
require(process.argv[1]);
const t2 = performance.now();
for (const file of process.argv.slice(2)) require(file);
const t3 = performance.now();
process.stdout.write(JSON.stringify({ sdkMs: t1 - t0, bundleMs: t2 - t1, sideModulesMs: t3 - t2 }));
`;

interface ColdStartFigures {
  sdkMs: number;
  bundleMs: number;
  sideModulesMs: number;
}

async function coldStartOnce(indexFile: string, sideModules: string[]): Promise<ColdStartFigures> {
  const { stdout } = await execFileAsync(process.execPath, ["-e", COLD_START_SCRIPT, indexFile, ...sideModules], { env: { ...process.env, NODE_PATH: path.join(PROJECT_ROOT, "node_modules") } });
  return JSON.parse(stdout) as ColdStartFigures;
}

async function coldStart() {
  console.log(`\n2. Cold start: requiring the probe's index.js in a fresh process, the runtime's CloudWatch client already loaded (goal: under ${COLD_START.goalMs} ms)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-coldstart-"));
  try {
    const sideModules = writeArchive(dir);
    const indexFile = path.join(dir, "index.js");
    const names = sideModules.map((file) => path.basename(path.dirname(file))).join(" and ");
    for (let round = 1; round <= COLD_START.rounds; round += 1) {
      const runs: ColdStartFigures[] = [];
      for (let i = 0; i < COLD_START.samples; i += 1) runs.push(await coldStartOnce(indexFile, sideModules));
      const bundle = median(runs.map((run) => run.bundleMs));
      const withSideModules = median(runs.map((run) => run.bundleMs + run.sideModulesMs));
      console.log(
        `   round ${round}: bundle's own load median ${f(bundle)} (max ${f(Math.max(...runs.map((run) => run.bundleMs)))}); the CloudWatch client itself ${f(median(runs.map((run) => run.sdkMs)))} ` +
          `-> ${bundle < COLD_START.goalMs ? "goal met" : "GOAL MISSED"}\n` +
          `            with ${names} (a stage whose targets use both loads them on its first invocation) median ${f(withSideModules)} ` +
          `-> ${withSideModules < COLD_START.goalMs ? "goal met" : "GOAL MISSED"} for such a stage`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Load: the probe and blackbox_exporter

interface LoadFigures {
  wallMs: number;
  errors: number[];
  maxInFlight: number;
  serverLag: number[];
  loopDelayP99Ms?: number;
}

/** A probe process, optionally held to a CPU quota (fraction of one CPU). */
async function startProbeProcess(cpuShare?: number): Promise<{ run(request: LoadRequest): Promise<LoadReply>; stop(): Promise<void> }> {
  const child = fork(path.join(PROJECT_ROOT, "bench", "probe-load.ts"), [], { execArgv: ["-r", "ts-node/register/transpile-only"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  await new Promise((resolve) => child.once("message", resolve));
  let cgroup: string | undefined;
  if (cpuShare !== undefined) {
    cgroup = path.join(CGROUP_ROOT, `webhealth-bench-${process.pid}-${Math.round(cpuShare * 1000)}`);
    fs.mkdirSync(cgroup);
    fs.writeFileSync(path.join(cgroup, "cpu.cfs_period_us"), String(CFS_PERIOD_US));
    fs.writeFileSync(path.join(cgroup, "cpu.cfs_quota_us"), String(Math.round(cpuShare * CFS_PERIOD_US)));
    fs.writeFileSync(path.join(cgroup, "cgroup.procs"), String(child.pid));
  }
  return {
    run: (request) =>
      new Promise<LoadReply>((resolve) => {
        child.once("message", (reply) => resolve(reply as LoadReply));
        child.send(request);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => {
          // A cgroup can be removed once its last process has left it.
          if (cgroup) fs.rmdirSync(cgroup);
          resolve();
        });
        child.kill();
      }),
  };
}

function loadTargets(endpoint: Endpoint, tag: string) {
  return Array.from({ length: LOAD.targets }, (_, i) => ({ url: `${endpoint.base}/delay/${LOAD.delayMs}?${tag}=${i}` }));
}

async function probeLoad(endpoint: Endpoint, processHandle: Awaited<ReturnType<typeof startProbeProcess>>, tag: string): Promise<LoadFigures> {
  await endpoint.ask("reset");
  const reply = await processHandle.run({ targets: loadTargets(endpoint, tag), concurrency: LOAD.concurrency });
  if (reply.failures.length > 0) throw new Error(`probe load: ${reply.failures.length} failed, e.g. ${reply.failures[0]}`);
  const { maxInFlight, lags } = await endpoint.ask<{ maxInFlight: number; lags: number[] }>("stats");
  return { wallMs: reply.wallMs, errors: reply.ttfbMs.map((ttfb) => ttfb - LOAD.delayMs), maxInFlight: Math.max(reply.maxInFlight, maxInFlight), serverLag: lags, loopDelayP99Ms: reply.loopDelayP99Ms };
}

interface Blackbox {
  probe(target: string, agent: http.Agent): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

async function startBlackbox(caFile: string, dir: string): Promise<Blackbox | undefined> {
  if (!fs.existsSync(BLACKBOX)) return undefined;
  const config = path.join(dir, "blackbox.yml");
  fs.writeFileSync(
    config,
    ["modules:", "  http_2xx:", "    prober: http", "    timeout: 10s", "    http:", "      preferred_ip_protocol: ip4", "      tls_config:", `        ca_file: ${caFile}`, ""].join("\n"),
  );
  const port = 19_000 + (process.pid % 1000);
  const child = spawn(BLACKBOX, [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=error"], { stdio: ["ignore", "ignore", "inherit"] });
  const base = `http://127.0.0.1:${port}`;
  const get = (url: string, agent?: http.Agent) =>
    new Promise<string>((resolve, reject) => {
      http
        .get(url, { agent }, (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk));
          response.on("end", () => resolve(text));
        })
        .on("error", reject);
    });
  for (let i = 0; ; i += 1) {
    try {
      await get(`${base}/metrics`);
      break;
    } catch (error) {
      if (i >= 50) throw new Error(`blackbox_exporter did not start: ${(error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    async probe(target, agent) {
      const text = await get(`${base}/probe?module=http_2xx&target=${encodeURIComponent(target)}`, agent);
      const metrics: Record<string, number> = {};
      for (const line of text.split("\n")) {
        const match = /^(probe_[a-z_]+(?:\{phase="[a-z]+"\})?) ([-\d.e+]+)$/.exec(line);
        if (match) metrics[match[1]] = Number(match[2]);
      }
      return metrics;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 2_000).unref();
      }),
  };
}

async function blackboxLoad(endpoint: Endpoint, blackbox: Blackbox, tag: string): Promise<LoadFigures> {
  await endpoint.ask("reset");
  const targets = loadTargets(endpoint, tag);
  // Keep-alive to the exporter itself: only the exporter's own connections to the endpoint are fresh.
  const agent = new http.Agent({ keepAlive: true, maxSockets: LOAD.concurrency });
  const errors: number[] = [];
  let next = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: LOAD.concurrency }, async () => {
      while (next < targets.length) {
        const target = targets[next++];
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const metrics = await blackbox.probe(target.url, agent);
        inFlight -= 1;
        if (metrics.probe_success !== 1) throw new Error(`blackbox_exporter failed ${target.url}`);
        // The "processing" phase: from the request written to the first response byte, like ttfbMs.
        errors.push(metrics['probe_http_duration_seconds{phase="processing"}'] * 1000 - LOAD.delayMs);
      }
    }),
  );
  const wallMs = performance.now() - started;
  agent.destroy();
  const stats = await endpoint.ask<{ maxInFlight: number; lags: number[] }>("stats");
  return { wallMs, errors, maxInFlight: Math.max(maxInFlight, stats.maxInFlight), serverLag: stats.lags };
}

const describeLoad = (who: string, figures: LoadFigures, ideal: number) =>
  `   ${who.padEnd(17)} wall ${f(figures.wallMs, 0)} = ${(figures.wallMs / ideal).toFixed(2)}x ideal; timing error median ${f(median(figures.errors))}, p99 ${f(percentile(figures.errors, 99))}; ` +
  `server lag median ${f(median(figures.serverLag))}, p99 ${f(percentile(figures.serverLag, 99))}; in flight at most ${figures.maxInFlight}` +
  (figures.loopDelayP99Ms === undefined ? "" : `; probe loop delay p99 ${f(figures.loopDelayP99Ms)}`);

async function loadComparison(endpoint: Endpoint, blackbox: Blackbox | undefined) {
  const { targets, concurrency, delayMs, rounds, goalRatio } = LOAD;
  const ideal = Math.ceil(targets / concurrency) * delayMs;
  console.log(
    `\n3. Load: ${targets} targets, concurrency ${concurrency}, server delay ${delayMs} ms; ideal wall ceil(${targets}/${concurrency}) x ${delayMs} = ${ideal} ms ` +
      `(goals: within ${goalRatio}x; timing error p99 no worse than blackbox_exporter's)`,
  );
  if (!blackbox) console.log(`   ${BLACKBOX} not found (Debian: apt-get install prometheus-blackbox-exporter): the comparison with blackbox_exporter is skipped.`);
  const probeProcess = await startProbeProcess();
  try {
    // One unreported run each first: the probe's code is compiled and the exporter's pools are warm.
    await probeLoad(endpoint, probeProcess, "warmup");
    if (blackbox) await blackboxLoad(endpoint, blackbox, "warmup");
    for (let round = 1; round <= rounds; round += 1) {
      console.log(`   round ${round} (load average ${load()}):`);
      // Interleaved, the order alternating, so drift in the machine's load falls on both.
      const order = round % 2 === 1 ? ["probe", "blackbox"] : ["blackbox", "probe"];
      const figures: Record<string, LoadFigures> = {};
      for (const who of order) {
        if (who === "probe") figures.probe = await probeLoad(endpoint, probeProcess, `probe-${round}`);
        else if (blackbox) figures.blackbox = await blackboxLoad(endpoint, blackbox, `blackbox-${round}`);
      }
      console.log(describeLoad("webhealth probe", figures.probe, ideal));
      if (figures.blackbox) console.log(describeLoad("blackbox_exporter", figures.blackbox, ideal));
      const wallMet = figures.probe.wallMs <= goalRatio * ideal;
      const p99Met = figures.blackbox ? percentile(figures.probe.errors, 99) <= percentile(figures.blackbox.errors, 99) : undefined;
      console.log(
        `   -> throughput ${wallMet ? "goal met" : "GOAL MISSED"}` +
          (p99Met === undefined ? "" : `; p99 error ${p99Met ? "goal met" : "GOAL MISSED"} (${f(percentile(figures.probe.errors, 99))} vs ${f(percentile(figures.blackbox!.errors, 99))})`),
      );
    }
  } finally {
    await probeProcess.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Accuracy against curl

interface CurlTimes {
  connect: number;
  appconnect: number;
  starttransfer: number;
}

/**
 * One curl process, two transfers on fresh connections (`Connection: close`, no TLS session reuse):
 * the first (cold) pays curl's own start-up inside its timings (loading the CA bundle into a new TLS
 * context counts in its handshake); the second (warm) is measured the way a long-running prober is,
 * with that done, like the probe's shared TLS context and blackbox_exporter's.
 */
async function curlOnce(url: string, caFile: string): Promise<{ cold: CurlTimes; warm: CurlTimes }> {
  const { stdout } = await execFileAsync(CURL, [
    "-s",
    "--cacert",
    caFile,
    "--no-sessionid",
    "-H",
    "Connection: close",
    "-w",
    "%{time_connect} %{time_appconnect} %{time_starttransfer} %{num_connects}\\n",
    "-o",
    "/dev/null",
    "-o",
    "/dev/null",
    url,
    url,
  ]);
  const [cold, warm] = stdout
    .trim()
    .split("\n")
    .map((line) => {
      const [connect, appconnect, starttransfer, connects] = line.split(" ").map(Number);
      if (connects !== 1) throw new Error(`curl reused a connection (${line})`);
      return { connect: connect * 1000, appconnect: appconnect * 1000, starttransfer: starttransfer * 1000 };
    });
  return { cold, warm };
}

/** From the start of the request to the first response byte: what curl's %{time_starttransfer} measures. */
function startToFirstByte(result: ProbeResult): number {
  const { dnsMs, connectMs, tlsMs, ttfbMs } = result.timings;
  return (dnsMs ?? 0) + (connectMs ?? 0) + (tlsMs ?? 0) + (ttfbMs ?? 0);
}

function compare(label: string, ours: number[], theirs: number[]) {
  const difference = median(ours) - median(theirs);
  console.log(
    `   ${label}: probe median ${f(median(ours), 3)} (p90 ${f(percentile(ours, 90), 3)}), curl median ${f(median(theirs), 3)} (p90 ${f(percentile(theirs, 90), 3)}); ` +
      `difference ${difference >= 0 ? "+" : ""}${f(difference, 3)}`,
  );
  return difference;
}

async function accuracyOf(url: string, ca: string, caFile: string) {
  const { samples, warmup, goalMs } = ACCURACY;
  const isHttps = url.startsWith("https:");
  for (let i = 0; i < warmup; i += 1) {
    await probeTarget({ url }, { ca });
    await curlOnce(url, caFile);
  }
  const probe = { fromStart: [] as number[], tls: [] as number[], ttfb: [] as number[] };
  const curl = { cold: [] as number[], fromStart: [] as number[], tls: [] as number[], ttfb: [] as number[] };
  for (let i = 0; i < samples; i += 1) {
    const result = await probeTarget({ url }, { ca });
    if (!result.ok) throw new Error(`accuracy: ${JSON.stringify(result.error)}`);
    probe.fromStart.push(startToFirstByte(result));
    probe.tls.push(result.timings.tlsMs ?? NaN);
    probe.ttfb.push(result.timings.ttfbMs ?? NaN);
    const { cold, warm } = await curlOnce(url, caFile);
    const ready = isHttps ? warm.appconnect : warm.connect;
    curl.cold.push(cold.starttransfer);
    curl.fromStart.push(warm.starttransfer);
    curl.tls.push(warm.appconnect - warm.connect);
    curl.ttfb.push(warm.starttransfer - ready);
  }
  console.log(`   ${url} (${samples} samples each, load average ${load()}):`);
  const headline = compare("start to first byte (curl %{time_starttransfer}, warm)", probe.fromStart, curl.fromStart);
  compare("start to first byte against curl's first transfer of a process (cold)", probe.fromStart, curl.cold);
  if (isHttps) compare("TLS handshake (probe tlsMs; curl appconnect - connect, warm)", probe.tls, curl.tls);
  compare(`first byte after ${isHttps ? "the handshake" : "connect"} (probe ttfbMs; curl starttransfer - ${isHttps ? "appconnect" : "connect"}, warm)`, probe.ttfb, curl.ttfb);
  console.log(`   -> ${Math.abs(headline) <= goalMs ? "goal met" : "GOAL MISSED"} (start to first byte within ${goalMs} ms of warm curl's)`);
}

async function accuracy(endpoint: Endpoint, ca: string, caFile: string) {
  const { samples, delayMs, goalMs } = ACCURACY;
  console.log(`\n4. Accuracy against curl: ${samples} sequential samples each, probe and curl alternating, server delay ${delayMs} ms (goal: medians within ${goalMs} ms)`);
  if (!fs.existsSync(CURL)) {
    console.log(`   ${CURL} not found: the comparison with curl is skipped.`);
    return;
  }
  await accuracyOf(`${endpoint.base}/delay/${delayMs}`, ca, caFile);
  await accuracyOf(`${endpoint.tlsBase}/delay/${delayMs}`, ca, caFile);
}

// ---------------------------------------------------------------------------------------------
// 5. Memory size

function cgroupsWritable(): boolean {
  try {
    const probe = path.join(CGROUP_ROOT, `webhealth-bench-check-${process.pid}`);
    fs.mkdirSync(probe);
    fs.rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

async function memorySizes(endpoint: Endpoint) {
  const ideal = Math.ceil(LOAD.targets / LOAD.concurrency) * LOAD.delayMs;
  console.log(`\n5. Memory size: the load run with the probe held to Lambda's CPU share per memory size (${MB_PER_VCPU} MB = 1 vCPU), as a cgroup CPU quota`);
  if (!cgroupsWritable()) {
    console.log(`   ${CGROUP_ROOT} is not writable here (needs root and cgroup v1's cpu controller): skipped.`);
    return;
  }
  for (const memoryMb of MEMORY_SIZES_MB) {
    const share = memoryMb / MB_PER_VCPU;
    const handle = await startProbeProcess(share);
    try {
      await probeLoad(endpoint, handle, `warmup-${memoryMb}`);
      const figures = await probeLoad(endpoint, handle, `memory-${memoryMb}`);
      console.log(
        `   ${String(memoryMb).padStart(4)} MB (${share.toFixed(3)} vCPU): wall ${f(figures.wallMs, 0)} = ${(figures.wallMs / ideal).toFixed(2)}x ideal; ` +
          `timing error median ${f(median(figures.errors))}, p99 ${f(percentile(figures.errors, 99))}; loop delay p99 ${f(figures.loopDelayP99Ms ?? NaN)} (load average ${load()})`,
      );
    } finally {
      await handle.stop();
    }
  }
}

/** Part 6: the shards run here, out of a 10,000-target stage; each site answers after the cost model's wave time. */
const SCALE = { targets: 10_000, shardsRun: 3 } as const;

async function atScale(endpoint: Endpoint, ca: string) {
  const config = generatedStageConfig(SCALE.targets, ["us-east-1"]);
  const plan = planStage(config);
  const waveMs = USAGE_ASSUMPTIONS.probeWaveSeconds * 1000;
  const perShard = plan.shards.map((shard) => shard.targets.length);
  console.log(
    `\n6. At scale: ${SCALE.targets.toLocaleString("en-US")} targets per region = ${plan.shards.length} shards of ${Math.min(...perShard)}-${Math.max(...perShard)} targets (the plan's), ` +
      `concurrency ${config.probeConcurrency}, ${config.probeMemoryMb} MB; ${SCALE.shardsRun} shards run here over HTTPS, each site answering after ${waveMs} ms`,
  );
  const settings = { namespace: config.namespace, phaseMetrics: config.phaseMetrics };
  const walls: number[] = [];
  let cpuMicros = 0;
  let probed = 0;
  for (const shard of plan.shards.slice(0, SCALE.shardsRun)) {
    const targets = shard.targets.map((target, index) => ({ ...target, url: `${endpoint.tlsBase}/delay/${waveMs}?shard=${shard.index}&target=${index}` }));
    const scheduledAt = new Date();
    const cpu = process.cpuUsage();
    const started = performance.now();
    // What one invocation does besides PutMetricData's network time: probe, log a line per target, build the datums.
    const outcome = await probeAll(targets, { concurrency: config.probeConcurrency, ca });
    let logged = 0;
    for (const result of outcome.results) logged += JSON.stringify(probeResultLogLine(result, { region: "us-east-1", scheduledAt })).length;
    const datums = [...outcome.results.flatMap((result) => targetDatums(result, settings, scheduledAt)), heartbeatDatum(outcome.results, undefined, scheduledAt)];
    const requests = batchDatums(datums, config.namespace).length;
    walls.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    cpuMicros += used.user + used.system;
    probed += targets.length;
    const failed = outcome.results.filter((result) => !result.ok);
    if (failed.length > 0) throw new Error(`at scale: ${failed.length} probe(s) failed, e.g. ${JSON.stringify(failed[0].error)}`);
    console.log(
      `   shard ${shard.index}: ${targets.length} targets in ${f(walls[walls.length - 1], 0)} (ideal ${Math.ceil(targets.length / config.probeConcurrency)} waves x ${waveMs} ms), ` +
        `${datums.length} datums in ${requests} request(s), ${Math.round(logged / targets.length)} bytes of log line per target`,
    );
  }
  const cpuPerTarget = cpuMicros / 1e6 / probed;
  const cpuShare = Math.min(1, config.probeMemoryMb / LAMBDA_ONE_VCPU_MB);
  const shardTargets = Math.max(...perShard);
  const modelSeconds = probeRunSeconds(shardTargets, config.probeConcurrency, config.probeMemoryMb);
  const measuredSeconds = Math.max(...walls) / 1000 + ((cpuPerTarget * shardTargets) / cpuShare - (cpuPerTarget * shardTargets)) + USAGE_ASSUMPTIONS.probeOverheadSeconds;
  console.log(
    `   the probe's CPU time: ${(cpuPerTarget * 1000).toFixed(2)} ms per target on this machine's core (the cost model assumes ${(USAGE_ASSUMPTIONS.probeCpuSecondsPerTarget * 1000).toFixed(2)} ms); ` +
      `at ${config.probeMemoryMb} MB Lambda gives ${(cpuShare * 100).toFixed(1)}% of a vCPU`,
  );
  console.log(
    `   one invocation of ${shardTargets} targets: measured here ${f(Math.max(...walls), 0)}, in Lambda about ${measuredSeconds.toFixed(2)} s with that CPU share and the start (cost model: ${modelSeconds.toFixed(2)} s); ` +
      `all ${plan.shards.length} shards run at once, so a run's wall time is one shard's`,
  );
  const runsPerMonth = (HOURS_PER_MONTH * 3600) / config.periodSeconds;
  const gbSecondsPerRun = plan.shards.reduce((sum, shard) => sum + probeRunSeconds(shard.targets.length, config.probeConcurrency, config.probeMemoryMb), 0) * (config.probeMemoryMb / 1024);
  const perRun = plan.shards.length * PRICES.lambdaRequest + gbSecondsPerRun * PRICES.lambdaArmGbSecond;
  console.log(
    `   Lambda per run and region: ${plan.shards.length} requests + ${gbSecondsPerRun.toFixed(1)} GB-s = $${perRun.toFixed(5)}; per month (${runsPerMonth.toLocaleString("en-US")} runs) $${(perRun * runsPerMonth).toFixed(2)}, ` +
      `$${((perRun * runsPerMonth) / SCALE.targets).toFixed(4)} per target`,
  );
}

// ---------------------------------------------------------------------------------------------

/** The sections, in the order they run; `npm run bench:probe -- load accuracy` runs only those. */
export const SECTIONS = ["size", "coldstart", "load", "accuracy", "memory", "scale"] as const;
let only = new Set<string>();
const wanted = (section: string) => only.size === 0 || only.has(section);

async function main() {
  console.log(`probe benchmark: node ${process.version}, ${os.cpus().length} CPU(s), load average ${load()} at the start`);
  if (wanted("size")) sizes();
  if (wanted("coldstart")) await coldStart();
  const pki = testPki();
  const endpoint = await startEndpoint(pki.valid);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-bench-"));
  const caFile = path.join(dir, "ca.pem");
  fs.writeFileSync(caFile, pki.caCert);
  const blackbox = await startBlackbox(caFile, dir);
  try {
    if (wanted("load")) await loadComparison(endpoint, blackbox);
    if (wanted("accuracy")) await accuracy(endpoint, pki.caCert, caFile);
    if (wanted("memory")) await memorySizes(endpoint);
    if (wanted("scale")) await atScale(endpoint, pki.caCert);
  } finally {
    await blackbox?.stop();
    await endpoint.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nload average ${load()} at the end`);
}

export const command = defineCommand({
  name: "bench:probe",
  usage: [`[${SECTIONS.join("|")} ...]`],
  summary:
    "Figures for the probe engine against local endpoints on 127.0.0.1 served by a separate process: bundle sizes, cold start, throughput and timing error under load (against blackbox_exporter when installed), accuracy against curl, and Lambda memory sizes as CPU shares. Needs curl.",
  options: {},
  positionals: { name: "section ...", help: `run only these sections (${SECTIONS.join(", ")}); none: all` },
  exitCodes: { ok: "the figures were printed", failed: "the benchmark could not run" },
  run: async ({ positionals }) => {
    const unknown = positionals.filter((section) => !(SECTIONS as readonly string[]).includes(section));
    if (unknown.length > 0) throw new UsageError(`unknown section ${unknown.map((section) => JSON.stringify(section)).join(", ")} (sections: ${SECTIONS.join(", ")})`);
    only = new Set(positionals);
    await main();
    return EXIT.ok;
  },
});

if (require.main === module) void command.main(process.argv.slice(2));
