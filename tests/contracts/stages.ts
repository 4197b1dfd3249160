/**
 * The stages the contract tests prove: every shipped `Pulumi.<stage>.yaml` (only checked to be
 * valid and to pass: users edit them, so no test reads what they contain) and generated extreme
 * stages at the edges of what the config schema accepts. Each is synthesised once per test run
 * and shared by every contract test file (mocha loads them into one process).
 */
import * as fs from "node:fs";
import { CONFIG_LIMITS, LAMBDA_DEPLOYMENT_CONFIGS, LOG_RETENTION_DAYS } from "../../infra/config";
import { generatedTargets } from "../../infra/cost";
import { PROJECT_ROOT, readStackConfig } from "../../infra/stack-files";
import { synthesize, type SynthResult } from "../../infra/synth";
import { SECRET_LIMITS } from "../../functions/common/secrets";
import { TARGET_LIMITS, type Target } from "../../functions/common/targets";

/** The stage files present in the repository (whatever the user named them). */
export function shippedStages(): string[] {
  return fs
    .readdirSync(PROJECT_ROOT)
    .map((file) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(file)?.[1])
    .filter((stage): stage is string => stage !== undefined)
    .sort();
}

/** An https URL of exactly `length` characters (its path padded), valid and already normalised. */
export function urlOfLength(length: number, { scheme = "https", host = "www.example.com", tag = "" } = {}): string {
  const start = `${scheme}://${host}/${tag}`;
  return `${start}${"p".repeat(length - start.length)}`;
}

/** Real region names, the longest first: function and hook names embed them. */
const TEN_REGIONS = ["ap-southeast-2", "ap-southeast-1", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "eu-central-1", "eu-central-2"];

/** The longest secret name the config accepts (SECRET_NAME_PATTERN: 64 characters). */
export const LONGEST_SECRET_NAME = `s${"e".repeat(62)}t`;

/** The longest stage name the config accepts. */
export const LONGEST_STAGE = "x".repeat(CONFIG_LIMITS.maxStageNameLength - 2).replace(/^x/, "e") + "-z";

function longestTargets(): Target[] {
  const longestName = "n".repeat(TARGET_LIMITS.maxNameLength);
  return [
    // The longest URL the schema accepts, unnamed (its alarms are keyed by host, path and hash).
    { url: urlOfLength(TARGET_LIMITS.maxUrlLength, { tag: "a" }), retries: TARGET_LIMITS.maxRetries, timeoutMs: TARGET_LIMITS.maxTimeoutMs },
    { url: urlOfLength(TARGET_LIMITS.maxUrlLength, { scheme: "http", tag: "b" }), latencyMs: 600_000 },
    // The longest name, on a long URL with every expectation.
    {
      url: urlOfLength(TARGET_LIMITS.maxUrlLength, { host: `${"h".repeat(63)}.${"i".repeat(63)}.example.org`, tag: "c" }),
      name: longestName,
      expect: { status: [200, 204, 301, 599], bodyContains: "ok".repeat(100), bodyMatches: "^(ok|fine)+$", headers: { "content-type": "text/html", "x-long": "v".repeat(200) } },
    },
    // A name that slugs to nothing, an explicit port, a query, a fragment-free IDN host; a request
    // with every field and a secret of the longest name.
    { url: "https://example.com:8443/a/b?c=d&e=f", name: "!!!", request: { method: "POST", headers: { Authorization: { secret: LONGEST_SECRET_NAME }, "Content-Type": "application/json" }, body: '{"deep":true}' }, expect: { json: [{ path: "status", equals: "ok" }] } },
    { url: "https://xn--bcher-kva.example/stra%C3%9Fe" },
    ...generatedTargets(CONFIG_LIMITS.maxProbeRegions * 12),
  ];
}

/** Generated stages at the edges of the schema. Each is a full stack config map, like a stage file. */
export const EXTREME_STAGES: Record<string, { stage: string; config: Record<string, unknown> }> = {
  // Longest stage name, the most probe regions (longest real region names), longest URLs and
  // names, the longest namespace, every per-target field at its limit, hourly schedule,
  // 20-period alarms, data protected, the largest memory, the longest retention.
  longest: {
    stage: LONGEST_STAGE,
    config: {
      "aws:region": TEN_REGIONS[0],
      "webhealth:targets": longestTargets(),
      "webhealth:probeRegions": TEN_REGIONS,
      "webhealth:notifyEmails": [`${"o".repeat(64)}@${"d".repeat(60)}.example.com`, "oncall@example.com"],
      "webhealth:schedule": "rate(1 hour)",
      "webhealth:namespace": `Web/${"N".repeat(251)}`,
      "webhealth:phaseMetrics": true,
      "webhealth:probeConcurrency": CONFIG_LIMITS.maxProbeConcurrency,
      "webhealth:probeMemoryMb": CONFIG_LIMITS.maxMemoryMb,
      "webhealth:deploymentConfig": LAMBDA_DEPLOYMENT_CONFIGS[LAMBDA_DEPLOYMENT_CONFIGS.length - 1],
      "webhealth:ledgerRetentionDays": 3650,
      "webhealth:logRetentionDays": LOG_RETENTION_DAYS[LOG_RETENTION_DAYS.length - 1],
      "webhealth:protectData": true,
      // The largest SecureString value a standard parameter holds.
      "webhealth:secrets": { [LONGEST_SECRET_NAME]: "v".repeat(SECRET_LIMITS.maxValueBytes) },
      "webhealth:alarms": {
        availabilityDatapoints: CONFIG_LIMITS.maxEvaluationPeriods,
        availabilityPeriods: CONFIG_LIMITS.maxEvaluationPeriods,
        latencyDatapoints: CONFIG_LIMITS.maxEvaluationPeriods,
        latencyPeriods: CONFIG_LIMITS.maxEvaluationPeriods,
        defaultLatencyMs: 600_000,
        certificateDays: 365,
        quorum: CONFIG_LIMITS.maxProbeRegions,
      },
      // SLO burn-rate alarms on every target: the longest window alarm and composite alarm names and rules.
      "webhealth:slo": { burnRateAlarms: true, objective: 99.99, windowDays: 366 },
    },
  },
  // 1,000 targets from one region, every minute, with realistic URL lengths: more than ten shards,
  // so rules, permissions and the failure queue's policy scale with them.
  thousand: {
    stage: "thousand",
    config: {
      "aws:region": "us-east-1",
      "webhealth:targets": generatedTargets(1000).map((target, index) => ({ ...target, url: `https://service-${index + 1}.example.com/api/v1/health/check?probe=webhealth` })),
    },
  },
  // An unusual but valid schedule (every 7 minutes), two regions with a home outside us-east-1,
  // mixed http and https, quorum 1, phase metrics off, the smallest memory, one-day logs.
  unusual: {
    stage: "u",
    config: {
      "aws:region": "eu-west-1",
      "webhealth:targets": [
        { url: "HTTP://Example.COM:80/status", name: "plain", request: { method: "HEAD", headers: { "X-Api-Key": { secret: "k" } } } },
        { url: "https://api.example.net/v1/health?deep=true", name: "api", retries: 2, timeoutMs: 30_000 },
        { url: "https://bücher.example/straße", latencyMs: 1 },
      ],
      "webhealth:probeRegions": ["eu-west-1", "us-west-2"],
      "webhealth:secrets": { k: "1", unused: { secure: "v1:c2VhbGVk" } },
      "webhealth:schedule": "rate(7 minutes)",
      "webhealth:phaseMetrics": false,
      "webhealth:probeConcurrency": 1,
      "webhealth:probeMemoryMb": CONFIG_LIMITS.minMemoryMb,
      "webhealth:logRetentionDays": LOG_RETENTION_DAYS[0],
      "webhealth:ledgerRetentionDays": 1,
      "webhealth:alarms": { quorum: 1, availabilityDatapoints: 1, availabilityPeriods: 1, latencyDatapoints: 1, latencyPeriods: 1, certificateDays: 1, defaultLatencyMs: 1 },
      // Burn-rate alarms at the lowest objective they accept for the shortest SLO window.
      "webhealth:slo": { burnRateAlarms: true, objective: 93.1, windowDays: 30 },
    },
  },
};

export interface ProvenStage {
  /** `beta` for a stage file, `extreme:<name>` for a generated one. */
  label: string;
  stage: string;
  config: Record<string, unknown>;
  shipped: boolean;
}

/** Every stage the contract tests prove: the stage files first, then the extremes. */
export function provenStages(): ProvenStage[] {
  return [
    ...shippedStages().map((stage) => ({ label: stage, stage, config: readStackConfig(stage), shipped: true })),
    ...Object.entries(EXTREME_STAGES).map(([name, { stage, config }]) => ({ label: `extreme:${name}`, stage, config, shipped: false })),
  ];
}

const cache = new Map<string, Promise<SynthResult>>();

/** The synth of a proven stage, computed once per process. */
export function synthOf(stage: ProvenStage): Promise<SynthResult> {
  let result = cache.get(stage.label);
  if (!result) {
    result = synthesize(stage.stage, stage.config);
    cache.set(stage.label, result);
  }
  return result;
}
