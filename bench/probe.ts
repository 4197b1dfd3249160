/**
 * `npm run bench:probe`: figures for the probe engine, all against a local endpoint on 127.0.0.1
 * served by a separate process, every loop bounded.
 *  1. Throughput: N targets with a known delay at concurrency C; wall time against the ideal
 *     ceil(N / C) x delay, and the concurrency actually reached (client and server side).
 *  2. Accuracy against curl: the same endpoint measured sequentially, alternating probe and curl;
 *     medians of the time to first byte, over HTTP and over HTTPS (a test CA made at run time).
 *  3. Under load: timing error (measured time to first byte minus the server's delay) at
 *     concurrency 50, with the probe's own event-loop delay during the run.
 *  4. At scale: a 10,000-target stage's shards (the program's own plan), a few of them run over
 *     HTTPS with the probe's per-invocation work (probing, log lines, datums), for the wall time
 *     and the probe's CPU time per target; then the cost model's Lambda figures with them.
 */
import { execFile, fork, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { probeResultLogLine } from "../functions/probe/log-line";
import { probeTarget } from "../functions/probe/probe";
import { batchDatums, heartbeatDatum, targetDatums } from "../functions/probe/publish";
import { generatedStageConfig, LAMBDA_ONE_VCPU_MB, PRICES, probeRunSeconds, USAGE_ASSUMPTIONS, HOURS_PER_MONTH } from "../infra/cost";
import { planStage } from "../infra/plan/stage";
import type { ProbeResult } from "../functions/probe/result";
import { probeAll } from "../functions/probe/run";
import { testPki } from "../tests/probe/support/certs";

const execFileAsync = promisify(execFile);
const CURL = "/usr/bin/curl";

const THROUGHPUT = { targets: 400, concurrency: 50, delayMs: 100, rounds: 3 } as const;
const ACCURACY = { samples: 40, delayMs: 40, warmup: 5 } as const;
const LOAD = { targets: 400, concurrency: 50, delayMs: 50 } as const;
/** Part 4: the shards run here, out of a 10,000-target stage; each site answers after the cost model's wave time. */
const SCALE = { targets: 10_000, shardsRun: 3 } as const;

interface Endpoint {
  base: string;
  tlsBase: string;
  ask<T>(command: string): Promise<T>;
  stop(): Promise<void>;
}

function startEndpoint(tls: { key: string; cert: string }): Promise<Endpoint> {
  const child: ChildProcess = fork(path.join(__dirname, "probe-server.ts"), [], {
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

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
function percentile(values: number[], p: number): number {
  const ordered = sorted(values);
  return ordered[Math.min(ordered.length - 1, Math.max(0, Math.ceil((p / 100) * ordered.length) - 1))];
}
const median = (values: number[]) => percentile(values, 50);
const f = (ms: number, digits = 2) => `${ms.toFixed(digits)} ms`;

/** Start of the request to the first response byte: the contiguous phases up to it. */
function startToFirstByte(result: ProbeResult): number {
  const { dnsMs, connectMs, tlsMs, ttfbMs } = result.timings;
  return (dnsMs ?? 0) + (connectMs ?? 0) + (tlsMs ?? 0) + (ttfbMs ?? 0);
}

function assertOk(results: ProbeResult[], what: string) {
  const failed = results.filter((result) => !result.ok);
  if (failed.length > 0) throw new Error(`${what}: ${failed.length} probe(s) failed, e.g. ${JSON.stringify(failed[0].error)}`);
}

async function throughput(endpoint: Endpoint) {
  const { targets: n, concurrency, delayMs, rounds } = THROUGHPUT;
  const ideal = Math.ceil(n / concurrency) * delayMs;
  console.log(`\n1. Throughput: ${n} targets, concurrency ${concurrency}, server delay ${delayMs} ms (ideal ceil(${n}/${concurrency}) x ${delayMs} = ${ideal} ms; goal <= 1.5x)`);
  for (let round = 1; round <= rounds; round += 1) {
    await endpoint.ask("reset");
    const targets = Array.from({ length: n }, (_, i) => ({ url: `${endpoint.base}/delay/${delayMs}?round=${round}&target=${i}` }));
    const started = performance.now();
    const outcome = await probeAll(targets, { concurrency });
    const wall = performance.now() - started;
    assertOk(outcome.results, "throughput");
    const { maxInFlight: serverMax } = await endpoint.ask<{ maxInFlight: number }>("stats");
    const within = wall <= 1.5 * ideal && outcome.maxInFlight <= concurrency && serverMax <= concurrency;
    console.log(
      `   round ${round}: wall ${f(wall, 0)} = ${(wall / ideal).toFixed(2)}x ideal; in flight at most ${outcome.maxInFlight} (probe) / ${serverMax} (server); ` +
        `loop delay p99 ${f(outcome.eventLoopDelay.p99Ms)} -> ${within ? "goal met" : "GOAL MISSED"}`,
    );
  }
}

interface CurlTimes {
  connect: number;
  appconnect: number;
  starttransfer: number;
}

async function curlOnce(url: string, caFile: string): Promise<CurlTimes> {
  const { stdout } = await execFileAsync(CURL, ["-s", "-o", "/dev/null", "--cacert", caFile, "-w", "%{time_connect} %{time_appconnect} %{time_starttransfer}", url]);
  const [connect, appconnect, starttransfer] = stdout.trim().split(" ").map((seconds) => Number(seconds) * 1000);
  return { connect, appconnect, starttransfer };
}

function compare(label: string, ours: number[], theirs: number[]) {
  const difference = median(ours) - median(theirs);
  console.log(
    `   ${label}: probe median ${f(median(ours), 3)} (p90 ${f(percentile(ours, 90), 3)}), curl median ${f(median(theirs), 3)} (p90 ${f(percentile(theirs, 90), 3)}); ` +
      `difference ${difference >= 0 ? "+" : ""}${f(difference, 3)}`,
  );
  return Math.abs(difference);
}

async function accuracyOf(url: string, ca: string, caFile: string) {
  const { samples, warmup } = ACCURACY;
  const isHttps = url.startsWith("https:");
  for (let i = 0; i < warmup; i += 1) {
    await probeTarget({ url }, { ca });
    await curlOnce(url, caFile);
  }
  const probe = { fromStart: [] as number[], tls: [] as number[], ttfb: [] as number[] };
  const curl = { fromStart: [] as number[], tls: [] as number[], ttfb: [] as number[] };
  for (let i = 0; i < samples; i += 1) {
    const result = await probeTarget({ url }, { ca });
    assertOk([result], "accuracy");
    probe.fromStart.push(startToFirstByte(result));
    probe.tls.push(result.timings.tlsMs ?? NaN);
    probe.ttfb.push(result.timings.ttfbMs ?? NaN);
    const measured = await curlOnce(url, caFile);
    const ready = isHttps ? measured.appconnect : measured.connect;
    curl.fromStart.push(measured.starttransfer);
    curl.tls.push(measured.appconnect - measured.connect);
    curl.ttfb.push(measured.starttransfer - ready);
  }
  console.log(`   ${url} (${samples} samples each):`);
  const headline = compare("start to first byte (curl %{time_starttransfer})", probe.fromStart, curl.fromStart);
  if (isHttps) compare("TLS handshake (probe tlsMs; curl appconnect - connect)", probe.tls, curl.tls);
  compare(`first byte after ${isHttps ? "the handshake" : "connect"} (probe ttfbMs; curl starttransfer - ${isHttps ? "appconnect" : "connect"})`, probe.ttfb, curl.ttfb);
  console.log(`   -> ${headline <= 1 ? "goal met" : "GOAL MISSED"} (time to first byte within 1 ms of curl's)`);
}

async function accuracy(endpoint: Endpoint, ca: string) {
  const { samples, delayMs } = ACCURACY;
  console.log(`\n2. Accuracy against curl: ${samples} sequential samples each, probe and curl alternating, server delay ${delayMs} ms (goal: medians within 1 ms)`);
  if (!fs.existsSync(CURL)) {
    console.log(`   ${CURL} not found: the comparison with curl is skipped.`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-bench-"));
  const caFile = path.join(dir, "ca.pem");
  fs.writeFileSync(caFile, ca);
  try {
    await accuracyOf(`${endpoint.base}/delay/${delayMs}`, ca, caFile);
    await accuracyOf(`${endpoint.tlsBase}/delay/${delayMs}`, ca, caFile);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function underLoad(endpoint: Endpoint) {
  const { targets: n, concurrency, delayMs } = LOAD;
  console.log(`\n3. Under load: ${n} targets at concurrency ${concurrency}, server delay ${delayMs} ms: error = ttfbMs - ${delayMs}`);
  const targets = Array.from({ length: n }, (_, i) => ({ url: `${endpoint.base}/delay/${delayMs}?load=${i}` }));
  const outcome = await probeAll(targets, { concurrency });
  assertOk(outcome.results, "under load");
  const errors = outcome.results.map((result) => (result.timings.ttfbMs ?? NaN) - delayMs);
  const connects = outcome.results.map((result) => result.timings.connectMs ?? NaN);
  const loop = outcome.eventLoopDelay;
  console.log(`   timing error: median ${f(median(errors))}, p99 ${f(percentile(errors, 99))}, max ${f(Math.max(...errors))}`);
  console.log(`   connect phase: median ${f(median(connects))}, p99 ${f(percentile(connects, 99))}`);
  console.log(`   probe's event-loop delay during the run: p50 ${f(loop.p50Ms)}, p99 ${f(loop.p99Ms)}, max ${f(loop.maxMs)}`);
}

async function atScale(endpoint: Endpoint, ca: string) {
  const config = generatedStageConfig(SCALE.targets, ["us-east-1"]);
  const plan = planStage(config);
  const waveMs = USAGE_ASSUMPTIONS.probeWaveSeconds * 1000;
  const perShard = plan.shards.map((shard) => shard.targets.length);
  console.log(
    `\n4. At scale: ${SCALE.targets.toLocaleString("en-US")} targets per region = ${plan.shards.length} shards of ${Math.min(...perShard)}-${Math.max(...perShard)} targets (the plan's), ` +
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
    assertOk(outcome.results, "at scale");
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

async function main() {
  console.log(`probe benchmark: node ${process.version}, ${os.cpus().length} CPU(s), load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const pki = testPki();
  const endpoint = await startEndpoint(pki.valid);
  try {
    await throughput(endpoint);
    await accuracy(endpoint, pki.caCert);
    await underLoad(endpoint);
    await atScale(endpoint, pki.caCert);
  } finally {
    await endpoint.stop();
  }
}

main().then(
  () => undefined,
  (error: unknown) => {
    console.error(`bench:probe failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  },
);
