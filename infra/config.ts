/**
 * The stage configuration: every `webhealth:*` key of `Pulumi.<stage>.yaml`, read once, validated
 * once with zod, defaults applied here and nowhere else. Errors name the key and the reason the
 * same way the target schema does: `webhealth:targets[2].url: must be http or https`.
 */
import * as z from "zod";
import { describeIssues, TargetListSchema, ValidationError, type Target } from "../functions/common/targets";
import { DEFAULT_NAMESPACE } from "../functions/common/metrics";
import { PROJECT_NAME } from "./stack-files";
import { targetKeyProblems } from "./plan/names";
import { probeTimeoutSeconds, shardProblems } from "./plan/shards";

export const CONFIG_NAMESPACE = PROJECT_NAME;
const KEY_PREFIX = `${CONFIG_NAMESPACE}:`;

/** CodeDeploy's predefined Lambda deployment configurations.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html */
export const LAMBDA_DEPLOYMENT_CONFIGS = [
  "CodeDeployDefault.LambdaAllAtOnce",
  "CodeDeployDefault.LambdaCanary10Percent5Minutes",
  "CodeDeployDefault.LambdaCanary10Percent10Minutes",
  "CodeDeployDefault.LambdaCanary10Percent15Minutes",
  "CodeDeployDefault.LambdaCanary10Percent30Minutes",
  "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
  "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
  "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
  "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
] as const;

/** The values CloudWatch Logs accepts for a log group's retention.
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export const CONFIG_LIMITS = {
  /** A metric-math alarm reads at most 10 metrics, and a quorum alarm reads one per region.
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html */
  maxProbeRegions: 10,
  /** Matches the probe engine's own bound (functions/probe/run.ts MAX_CONCURRENCY). */
  maxProbeConcurrency: 256,
  /** Lambda memory bounds. https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html */
  minMemoryMb: 128,
  maxMemoryMb: 10_240,
  /** Hook names are `CodeDeployHook_webhealth-<stage>-probe-<region>` and Lambda names are at most 64 characters. */
  maxStageNameLength: 12,
  /** With periods of at most 1 hour, 20 periods stay inside CloudWatch's one-day alarm window
   * (period x evaluation periods <= 86,400 s). */
  maxEvaluationPeriods: 20,
} as const;

/** Defaults a user would choose; each stage file overrides what it needs. */
export const CONFIG_DEFAULTS = {
  schedule: "rate(1 minute)",
  namespace: DEFAULT_NAMESPACE,
  phaseMetrics: true,
  probeConcurrency: 32,
  probeMemoryMb: 256,
  deploymentConfig: "CodeDeployDefault.LambdaAllAtOnce",
  ledgerRetentionDays: 400,
  logRetentionDays: 30,
  protectData: false,
  alarms: {
    /** 2 of 3 one-minute datapoints: one failed sample does not page, two in three minutes do. */
    availabilityDatapoints: 2,
    availabilityPeriods: 3,
    /** 3 of 5: a single slow sample never pages. */
    latencyDatapoints: 3,
    latencyPeriods: 5,
    /** Latency threshold for a target without `latencyMs`. */
    defaultLatencyMs: 3_000,
    certificateDays: 14,
  },
} as const;

export interface AlarmSettings {
  availabilityDatapoints: number;
  availabilityPeriods: number;
  latencyDatapoints: number;
  latencyPeriods: number;
  defaultLatencyMs: number;
  certificateDays: number;
  /** Regions that must see a target down (or slow) before its quorum alarm fires; 1 when single-region. */
  quorum: number;
}

/** The validated configuration of one stage, with every default applied. */
export interface StageConfig {
  stage: string;
  /** `aws:region`: metrics, alarms, the topic, the ledger and the dashboard live here. */
  homeRegion: string;
  targets: Target[];
  notifyEmails: string[];
  probeRegions: string[];
  /** More than one probe region: metrics carry the `Region` dimension and alarms use a quorum. */
  multiRegion: boolean;
  schedule: string;
  /** The schedule's period in seconds; also the period of every per-target alarm. */
  periodSeconds: number;
  namespace: string;
  phaseMetrics: boolean;
  probeConcurrency: number;
  probeMemoryMb: number;
  deploymentConfig: (typeof LAMBDA_DEPLOYMENT_CONFIGS)[number];
  ledgerRetentionDays: number;
  logRetentionDays: number;
  protectData: boolean;
  alarms: AlarmSettings;
}

/** Bad configuration: every problem as `webhealth:<key>: <reason>`, one per line. */
export class ConfigError extends ValidationError {
  constructor(problems: string[]) {
    super(problems);
    this.name = "ConfigError";
  }
}

function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be ${what}`);
}

const wholeNumber = (min: number, max: number) =>
  z
    .number({ error: expected("a number") })
    .int({ error: "must be a whole number" })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

/** Commercial, GovCloud and China region names, e.g. `eu-west-1`, `us-gov-west-1`. */
const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const region = z.string({ error: expected("an AWS region name") }).regex(REGION_PATTERN, { error: "must be an AWS region name like eu-west-1" });

/** Unique values in a list, reported at the later index like the target schema does for URLs. */
function uniqueList<T extends z.ZodType<string>>(item: T, what: string, key: string) {
  return z.array(item, { error: expected(`a list of ${what}`) }).superRefine((values, ctx) => {
    const first = new Map<string, number>();
    values.forEach((value, index) => {
      const seen = first.get(value);
      if (seen === undefined) first.set(value, index);
      else ctx.addIssue({ code: "custom", path: [index], message: `duplicates ${key}[${seen}]` });
    });
  });
}

/** `rate(N minute(s))` or `rate(N hour(s))`: a fixed period, which the shard and alarm arithmetic needs.
 * EventBridge wants the singular unit for 1 and the plural otherwise.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html */
export function schedulePeriodSeconds(schedule: string): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(schedule);
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2];
  if (value < 1 || (value === 1) !== !unit.endsWith("s")) return undefined;
  return value * (unit.startsWith("minute") ? 60 : 3600);
}

/** Lambda's timeout is at most 15 minutes and the period must divide a day for the alarm window: 1 minute to 1 hour. */
const MAX_PERIOD_SECONDS = 3600;

const AlarmsSchema = z
  .strictObject(
    {
      availabilityDatapoints: wholeNumber(1, CONFIG_LIMITS.maxEvaluationPeriods).default(CONFIG_DEFAULTS.alarms.availabilityDatapoints),
      availabilityPeriods: wholeNumber(1, CONFIG_LIMITS.maxEvaluationPeriods).default(CONFIG_DEFAULTS.alarms.availabilityPeriods),
      latencyDatapoints: wholeNumber(1, CONFIG_LIMITS.maxEvaluationPeriods).default(CONFIG_DEFAULTS.alarms.latencyDatapoints),
      latencyPeriods: wholeNumber(1, CONFIG_LIMITS.maxEvaluationPeriods).default(CONFIG_DEFAULTS.alarms.latencyPeriods),
      defaultLatencyMs: wholeNumber(1, 600_000).default(CONFIG_DEFAULTS.alarms.defaultLatencyMs),
      certificateDays: wholeNumber(1, 365).default(CONFIG_DEFAULTS.alarms.certificateDays),
      quorum: wholeNumber(1, CONFIG_LIMITS.maxProbeRegions).optional(),
    },
    { error: expected("an object") },
  )
  .superRefine((alarms, ctx) => {
    if (alarms.availabilityDatapoints > alarms.availabilityPeriods) {
      ctx.addIssue({ code: "custom", path: ["availabilityDatapoints"], message: `must be at most availabilityPeriods (${alarms.availabilityPeriods})` });
    }
    if (alarms.latencyDatapoints > alarms.latencyPeriods) {
      ctx.addIssue({ code: "custom", path: ["latencyDatapoints"], message: `must be at most latencyPeriods (${alarms.latencyPeriods})` });
    }
  });

/** The schema of the `webhealth:` namespace; keys are the part after `webhealth:`. */
const StageSchema = z.strictObject({
  targets: TargetListSchema,
  notifyEmails: uniqueList(z.email({ error: expected("an email address") }), "email addresses", "notifyEmails").default([]),
  probeRegions: uniqueList(region, "AWS region names", "probeRegions")
    .min(1, { error: "must contain at least one region" })
    .max(CONFIG_LIMITS.maxProbeRegions, { error: `must contain at most ${CONFIG_LIMITS.maxProbeRegions} regions (a quorum alarm reads one metric per region)` })
    .optional(),
  schedule: z
    .string({ error: expected("a string") })
    .refine((value) => (schedulePeriodSeconds(value) ?? Infinity) <= MAX_PERIOD_SECONDS, {
      error: "must be rate(N minute[s]) or rate(N hour[s]) between 1 minute and 1 hour",
    })
    .default(CONFIG_DEFAULTS.schedule),
  namespace: z
    .string({ error: expected("a string") })
    .regex(/^[A-Za-z0-9_.\-/#:]{1,255}$/, { error: "must be 1-255 letters, digits or . - _ / # :" })
    .refine((value) => !value.startsWith("AWS/"), { error: "must not start with AWS/ (reserved for AWS services)" })
    .default(CONFIG_DEFAULTS.namespace),
  phaseMetrics: z.boolean({ error: expected("true or false") }).default(CONFIG_DEFAULTS.phaseMetrics),
  probeConcurrency: wholeNumber(1, CONFIG_LIMITS.maxProbeConcurrency).default(CONFIG_DEFAULTS.probeConcurrency),
  probeMemoryMb: wholeNumber(CONFIG_LIMITS.minMemoryMb, CONFIG_LIMITS.maxMemoryMb).default(CONFIG_DEFAULTS.probeMemoryMb),
  deploymentConfig: z
    .enum(LAMBDA_DEPLOYMENT_CONFIGS, { error: `must be one of ${LAMBDA_DEPLOYMENT_CONFIGS.join(", ")}` })
    .default(CONFIG_DEFAULTS.deploymentConfig),
  ledgerRetentionDays: wholeNumber(1, 3650).default(CONFIG_DEFAULTS.ledgerRetentionDays),
  logRetentionDays: z
    .number({ error: expected("a number") })
    .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), { error: `must be one of ${LOG_RETENTION_DAYS.join(", ")}` })
    .default(CONFIG_DEFAULTS.logRetentionDays),
  protectData: z.boolean({ error: expected("true or false") }).default(CONFIG_DEFAULTS.protectData),
  alarms: AlarmsSchema.default(() => ({ ...CONFIG_DEFAULTS.alarms })),
});

/** Keys whose values are plain strings: never JSON-parsed when read from Pulumi's string config. */
const STRING_KEYS = new Set(["schedule", "namespace", "deploymentConfig"]);

/**
 * Pulumi hands the program every config value as a string, structured values as JSON. This turns
 * them back into values (what `Config.getObject` does), leaving the known string keys as they are.
 */
export function parseConfigStrings(all: Record<string, string>): Record<string, unknown> {
  const parsed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    const short = key.startsWith(KEY_PREFIX) ? key.slice(KEY_PREFIX.length) : undefined;
    if (short === undefined || STRING_KEYS.has(short)) {
      parsed[key] = value;
      continue;
    }
    try {
      parsed[key] = JSON.parse(value);
    } catch {
      parsed[key] = value;
    }
  }
  return parsed;
}

/** A value Pulumi keeps encrypted (`secure:`): nothing here may be a secret, and none can be read without the CLI. */
function isEncrypted(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

/**
 * Validates a stack's config map (keys like `webhealth:targets`, `aws:region`) for a stage.
 * Throws a ConfigError listing every problem; returns the config with defaults applied.
 */
export function loadStageConfig(stage: string, raw: Record<string, unknown>): StageConfig {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]*$/.test(stage) || stage.length > CONFIG_LIMITS.maxStageNameLength) {
    problems.push(`stack: "${stage}" must be lowercase letters, digits and dashes, at most ${CONFIG_LIMITS.maxStageNameLength} characters (it names functions and alarms)`);
  }
  const homeRegion = raw["aws:region"];
  if (homeRegion === undefined) problems.push("aws:region: is required (the home region of metrics, alarms and the ledger)");
  else if (typeof homeRegion !== "string" || !REGION_PATTERN.test(homeRegion)) problems.push("aws:region: must be an AWS region name like eu-west-1");

  const own: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!key.startsWith(KEY_PREFIX)) continue;
    if (isEncrypted(value)) problems.push(`${key}: is encrypted (secure:); no webhealth key holds a secret, set it in plain text`);
    else own[key.slice(KEY_PREFIX.length)] = value;
  }
  const result = StageSchema.safeParse(own);
  if (!result.success) {
    for (const line of describeIssues(CONFIG_NAMESPACE, result.error)) problems.push(...line.split("\n").map(toConfigPath));
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);

  const value = result.data;
  const probeRegions = value.probeRegions ?? [homeRegion as string];
  const multiRegion = probeRegions.length > 1;
  const periodSeconds = schedulePeriodSeconds(value.schedule) as number;
  const majority = Math.floor(probeRegions.length / 2) + 1;
  const quorum = value.alarms.quorum ?? (multiRegion ? majority : 1);
  if (quorum > probeRegions.length) {
    problems.push(`${KEY_PREFIX}alarms.quorum: must be at most the number of probe regions (${probeRegions.length})`);
  }
  problems.push(...targetKeyProblems(value.targets, `${KEY_PREFIX}targets`));
  const timeoutMs = probeTimeoutSeconds(periodSeconds) * 1000;
  problems.push(...shardProblems(value.targets, { concurrency: value.probeConcurrency, timeoutMs }, `${KEY_PREFIX}targets`));
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    stage,
    homeRegion: homeRegion as string,
    targets: value.targets,
    notifyEmails: value.notifyEmails,
    probeRegions,
    multiRegion,
    schedule: value.schedule,
    periodSeconds,
    namespace: value.namespace,
    phaseMetrics: value.phaseMetrics,
    probeConcurrency: value.probeConcurrency,
    probeMemoryMb: value.probeMemoryMb,
    deploymentConfig: value.deploymentConfig,
    ledgerRetentionDays: value.ledgerRetentionDays,
    logRetentionDays: value.logRetentionDays,
    protectData: value.protectData,
    alarms: { ...value.alarms, quorum },
  };
}

/** `webhealth.targets[2].url: ...` (from formatPath) reads `webhealth:targets[2].url: ...` in Pulumi's notation. */
function toConfigPath(line: string): string {
  return line.startsWith(`${CONFIG_NAMESPACE}.`) ? `${KEY_PREFIX}${line.slice(CONFIG_NAMESPACE.length + 1)}` : line;
}
