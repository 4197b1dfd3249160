/**
 * The stages the contract tests prove: every shipped `Pulumi.<stage>.yaml` (only checked to be
 * valid and to pass: users edit them, so no test reads what they contain) and generated extreme
 * stages at the edges of what the config schema accepts. Each is synthesised once per test run
 * and shared by every contract test file (mocha loads them into one process).
 */
import * as fs from "node:fs";
import { CONFIG_LIMITS, LAMBDA_DEPLOYMENT_CONFIGS, LOG_RETENTION_DAYS } from "../../infra/config";
import { NOTIFICATION_LIMITS, type TargetNotificationSettings } from "../../infra/config-notifications";
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

/** A channel name of the longest form CHANNEL_NAME_PATTERN accepts (32 characters). */
const longestChannelName = (stem: string) => `${stem}${"x".repeat(32 - stem.length)}`;
/** A secret name of the longest form (64 characters), distinct per stem. */
const longestSecretName = (stem: string) => `${stem}${"e".repeat(64 - stem.length)}`;
/** The largest value a standard SecureString parameter holds. */
const LARGEST_SECRET = "v".repeat(SECRET_LIMITS.maxValueBytes);

/**
 * The most channels (20, beside the older `notifyEmails` channel), of every type, with names and
 * secret names at their longest: the notifier's role names every secret parameter the channels
 * read, so 16 webhooks (two secrets each) make its policy the largest it can be.
 */
function longestChannels(): { channels: unknown[]; secrets: Record<string, string> } {
  const secrets: Record<string, string> = {};
  const secret = (stem: string) => {
    const name = longestSecretName(stem);
    secrets[name] = LARGEST_SECRET;
    return { secret: name };
  };
  const channels: unknown[] = [
    { name: longestChannelName("oncall"), type: "email", addresses: Array.from({ length: NOTIFICATION_LIMITS.maxAddressesPerChannel }, (_, index) => `${"a".repeat(40)}.${index}@${"mail".repeat(10)}.example.com`) },
    { name: longestChannelName("chat"), type: "slack", webhookUrl: secret("slack-") },
    { name: longestChannelName("teams"), type: "teams", webhookUrl: secret("teams-") },
    { name: longestChannelName("pager"), type: "pagerduty", routingKey: secret("pager-"), eventsUrl: "https://events.eu.pagerduty.com/v2/enqueue" },
  ];
  for (let index = 0; channels.length < NOTIFICATION_LIMITS.maxChannels; index++) {
    channels.push({ name: longestChannelName(`hook-${index}-`), type: "webhook", url: secret(`hook-url-${index}-`), signingKey: secret(`hook-key-${index}-`) });
  }
  return { channels, secrets };
}

/** The longest stage name the config accepts. */
export const LONGEST_STAGE = "x".repeat(CONFIG_LIMITS.maxStageNameLength - 2).replace(/^x/, "e") + "-z";

/** A target as a stage file holds it: the probe's fields and the notifier's (`channels`, `runbookUrl`). */
type StageFileTarget = Target & TargetNotificationSettings;

function longestTargets(): StageFileTarget[] {
  const longestName = "n".repeat(TARGET_LIMITS.maxNameLength);
  return [
    // The longest URL the schema accepts, unnamed (its alarms are keyed by host, path and hash).
    { url: urlOfLength(TARGET_LIMITS.maxUrlLength, { tag: "a" }), retries: TARGET_LIMITS.maxRetries, timeoutMs: TARGET_LIMITS.maxTimeoutMs },
    { url: urlOfLength(TARGET_LIMITS.maxUrlLength, { scheme: "http", tag: "b" }), latencyMs: 600_000 },
    // The longest name, on a long URL with every expectation.
    {
      url: urlOfLength(TARGET_LIMITS.maxUrlLength, { host: `${"h".repeat(63)}.${"i".repeat(63)}.example.org`, tag: "c" }),
      name: longestName,
      // Its own channels and runbook (the notifier's configuration), and its own objective.
      channels: [longestChannelName("oncall"), longestChannelName("pager")],
      runbookUrl: urlOfLength(TARGET_LIMITS.maxUrlLength, { host: "wiki.example.com", tag: "runbook/" }),
      slo: 99.999,
      expect: { status: [200, 204, 301, 599], bodyContains: "ok".repeat(100), bodyMatches: "^(ok|fine)+$", headers: { "content-type": "text/html", "x-long": "v".repeat(200) } },
    },
    // A name that slugs to nothing, an explicit port, a query, a fragment-free IDN host; a request
    // with every field and a secret of the longest name.
    { url: "https://example.com:8443/a/b?c=d&e=f", name: "!!!", request: { method: "POST", headers: { Authorization: { secret: LONGEST_SECRET_NAME }, "Content-Type": "application/json" }, body: '{"deep":true}' }, expect: { json: [{ path: "status", equals: "ok" }] } },
    { url: "https://xn--bcher-kva.example/stra%C3%9Fe" },
    ...generatedTargets(CONFIG_LIMITS.maxProbeRegions * 12),
  ];
}

const LONGEST_CHANNELS = longestChannels();

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
      // The largest SecureString value a standard parameter holds, for the probe's and the channels' secrets.
      "webhealth:secrets": { [LONGEST_SECRET_NAME]: LARGEST_SECRET, ...LONGEST_CHANNELS.secrets },
      "webhealth:notifications": {
        channels: LONGEST_CHANNELS.channels,
        maintenance: [
          // Recurring, the longest name and duration, targets by name and by URL.
          { name: `w${"i".repeat(63)}`, cron: "0 22 * * 6", durationMinutes: NOTIFICATION_LIMITS.maxWindowMinutes, timeZone: "America/Argentina/ComodRivadavia", targets: ["n".repeat(TARGET_LIMITS.maxNameLength), "https://example.com:8443/a/b?c=d&e=f"] },
          // One-off, a week long, every target.
          { name: "migration", start: "2026-12-05T20:00:00Z", end: "2026-12-12T21:00:00+01:00" },
        ],
        reminderMinutes: NOTIFICATION_LIMITS.maxReminderMinutes,
      },
      // An account whose quotas were raised: the plan is checked against these instead of AWS's defaults.
      "webhealth:accountQuotas": { eventBridgeRulesPerRegion: 1_000_000, lambdaConcurrentExecutions: 1_000_000, putMetricAlarmPerSecond: 10_000 },
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
  // so rules, permissions and the failure queue's policy scale with them. And 1,000 e-mail addresses
  // (the most channels, each with the most addresses): one filtered subscription each on the e-mail
  // and the operators topic, past SNS's default 200 filter policies per topic, so the account has
  // that quota raised.
  thousand: {
    stage: "thousand",
    config: {
      "aws:region": "us-east-1",
      "webhealth:targets": generatedTargets(1000).map((target, index) => ({ ...target, url: `https://service-${index + 1}.example.com/api/v1/health/check?probe=webhealth` })),
      "webhealth:notifications": {
        channels: Array.from({ length: NOTIFICATION_LIMITS.maxChannels }, (_, channel) => ({
          name: `team-${channel}`,
          type: "email",
          addresses: Array.from({ length: NOTIFICATION_LIMITS.maxAddressesPerChannel }, (_, index) => `person-${index}@team-${channel}.example.com`),
        })),
      },
      "webhealth:accountQuotas": { snsFilterPoliciesPerTopic: NOTIFICATION_LIMITS.maxChannels * NOTIFICATION_LIMITS.maxAddressesPerChannel },
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
        { url: "https://api.example.net/v1/health?deep=true", name: "api", retries: 2, timeoutMs: 30_000, channels: ["p"], runbookUrl: "http://wiki/api" },
        { url: "https://bücher.example/straße", latencyMs: 1 },
      ],
      "webhealth:probeRegions": ["eu-west-1", "us-west-2"],
      "webhealth:secrets": { k: "1", unused: { secure: "v1:c2VhbGVk" }, pd: { secure: "v1:cGFnZXI=" }, t: "https://example.webhook.office.com/x" },
      // One-letter channels, PagerDuty's default events URL, a window for every target in UTC, the
      // shortest reminder interval.
      "webhealth:notifications": {
        channels: [
          { name: "m", type: "email", addresses: ["Ops@Example.COM"] },
          { name: "p", type: "pagerduty", routingKey: { secret: "pd" } },
          { name: "t", type: "teams", webhookUrl: { secret: "t" } },
        ],
        maintenance: [{ name: "n", cron: "*/30 * * * *", durationMinutes: 1, timeZone: "UTC" }],
        reminderMinutes: NOTIFICATION_LIMITS.minReminderMinutes,
      },
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
