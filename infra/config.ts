/**
 * The stage configuration: every `webhealth:*` key of `Pulumi.<stage>.yaml`, read once, validated
 * once with zod, defaults applied here and nowhere else. Errors name the key and the reason the
 * same way the target schema does: `webhealth:targets[2].url: must be http or https`.
 */
import * as z from "zod";
import { describeIssues, normaliseUrl, parseTargets, secretReferences, TARGET_LIMITS, TargetListSchema, ValidationError, type Target } from "../functions/common/targets";
import { DEFAULT_NAMESPACE, MAX_LATENCY_THRESHOLD_MS } from "../functions/common/metrics";
import { SECRET_LIMITS, SECRET_NAME_PATTERN, SECRET_NAME_RULE, SecretText, secretConfigPath, secretEnvVarName } from "../functions/common/secrets";
import { PROJECT_NAME } from "./stack-files";
import { targetKeyProblems } from "./plan/names";
import { probeTimeoutSeconds, shardProblems } from "./plan/shards";
import { minimumBurnObjective } from "./plan/slo";
import { quotaProblems, type AccountQuotas } from "./plan/quotas";
import { planStage } from "./plan/stage";
import {
  channelSecretRefs,
  LEGACY_EMAIL_CHANNEL,
  NotificationsSchema,
  TargetNotificationSchema,
  type ChannelConfig,
  type NotificationsConfig,
  type TargetNotificationSettings,
} from "./config-notifications";

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
  /** The quorum is a percent of the period's samples, one per region: with at most 10 regions any
   * two shares differ by at least one point, which keeps the alarms' thresholds exact
   * (infra/plan/alarms.ts quorumPercentThreshold). */
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
  /** Off: every phase of every check is in the probe's log line; the metrics are for alarming on a phase. */
  phaseMetrics: false,
  probeConcurrency: 32,
  /** Lambda's CPU share follows memory (1,769 MB = 1 vCPU). `npm run bench:probe` (section 5) held the
   * probe to each size's share under 400 targets at concurrency 50: at 256 MB the timing error's p99
   * was 91 ms and the run 1.46x its ideal time, at 512 MB 16 ms and 1.18x, no better above. */
  probeMemoryMb: 512,
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
  slo: {
    /** 99.9% of probe checks succeed: about 43 minutes of failed checks in 30 days. */
    objective: 99.9,
    /** Burn-rate alarms cost five alarms per target (infra/plan/slo.ts): opt in. */
    burnRateAlarms: false,
    /** The SLO window the budget is spent over (Google's SRE Workbook uses 30 days). */
    windowDays: 30,
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
  /** Channels, maintenance windows and reminders (`webhealth:notifications`, plus `webhealth:notifyEmails`). */
  notifications: NotificationsConfig;
  /** Per target (same order as `targets`): its `channels` and `runbookUrl`. */
  targetNotifications: TargetNotificationSettings[];
  probeRegions: string[];
  /** More than one probe region: the heartbeat carries the `Region` dimension and the per-target alarms a quorum (target metrics never do: every region writes the same ones). */
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
  /** `webhealth:slo`: the availability objective (a target's `slo` overrides it) and the burn-rate alarms. */
  slo: SloSettings;
  /** `webhealth:secrets`: every value a secret, whether the user encrypted it or not. */
  secrets: Readonly<Record<string, SecretText>>;
  /** `webhealth:accountQuotas`: quotas the account had raised above AWS's defaults (infra/plan/quotas.ts). */
  accountQuotas: AccountQuotas;
  /** `webhealth:promotesFrom`: the stage this one is promoted from (only the deploy driver uses it). */
  promotesFrom?: string;
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
      defaultLatencyMs: wholeNumber(1, MAX_LATENCY_THRESHOLD_MS).default(CONFIG_DEFAULTS.alarms.defaultLatencyMs),
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

const SloSchema = z.strictObject(
  {
    objective: z
      .number({ error: expected("a number") })
      .gt(TARGET_LIMITS.minSloPercent, { error: `must be above ${TARGET_LIMITS.minSloPercent}` })
      .lt(100, { error: "must be below 100 (100% leaves no error budget)" })
      .default(CONFIG_DEFAULTS.slo.objective),
    burnRateAlarms: z.boolean({ error: expected("true or false") }).default(CONFIG_DEFAULTS.slo.burnRateAlarms),
    windowDays: wholeNumber(1, 366).default(CONFIG_DEFAULTS.slo.windowDays),
  },
  { error: expected("an object") },
);

export type SloSettings = z.output<typeof SloSchema>;

/** A value Pulumi keeps encrypted in a stack file (`secure: v1:...`); only the Pulumi CLI can read it. */
function isEncrypted(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { secure?: unknown }).secure === "string";
}

/**
 * One secret's value. The Pulumi CLI hands the program decrypted text; a stack file read without it
 * (`npm run synth`) holds `secure:` ciphertext; `pulumi config set --path` stores a plain-text
 * integer as a number. Messages never quote the value.
 */
const secretValue = z.unknown().transform((value, ctx): SecretText => {
  if (isEncrypted(value)) return SecretText.encrypted();
  if (typeof value === "number" && Number.isFinite(value)) return SecretText.of(String(value));
  if (typeof value !== "string") {
    // What `--path 'webhealth:secrets.api.token'` writes: the dot nested the name.
    const nested = typeof value === "object" && value !== null && !Array.isArray(value);
    const message = value === undefined ? "is required" : nested ? `must be a string (a dot in a --path key nests: set a name with a dot as --path '${secretConfigPath("<a.b>")}')` : "must be a string";
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  }
  if (value.length === 0) ctx.addIssue({ code: "custom", message: "must not be empty" });
  else if (Buffer.byteLength(value) > SECRET_LIMITS.maxValueBytes) ctx.addIssue({ code: "custom", message: `must be at most ${SECRET_LIMITS.maxValueBytes} bytes (an SSM SecureString parameter)` });
  return SecretText.of(value);
});

/** `webhealth:secrets`: name -> value. Names that would read the same environment variable locally are refused. */
const SecretsSchema = z
  .record(z.string().regex(SECRET_NAME_PATTERN), secretValue, {
    // A bad name is reported by the record itself (zod's invalid_key), so it says what a name may be.
    error: (issue) => (issue.code === "invalid_key" ? `must be ${SECRET_NAME_RULE}` : expected("a map of secret names to values")(issue)),
  })
  .superRefine((secrets, ctx) => {
    const byVariable = new Map<string, string>();
    for (const name of Object.keys(secrets)) {
      const variable = secretEnvVarName(name);
      const other = byVariable.get(variable);
      if (other === undefined) byVariable.set(variable, name);
      else ctx.addIssue({ code: "custom", path: [name], message: `reads the same environment variable (${variable}) as secrets.${other} when probing locally: rename one` });
    }
  });

/** `webhealth:accountQuotas`: the account's quotas where they were raised (infra/plan/quotas.ts). */
const AccountQuotasSchema = z.strictObject(
  {
    eventBridgeRulesPerRegion: wholeNumber(1, 1_000_000).optional(),
    lambdaConcurrentExecutions: wholeNumber(1, 1_000_000).optional(),
    putMetricAlarmPerSecond: wholeNumber(1, 10_000).optional(),
    snsFilterPoliciesPerTopic: wholeNumber(1, 1_000_000).optional(),
  },
  { error: expected("an object") },
);

/** Every key `webhealth:accountQuotas` accepts. */
export const ACCOUNT_QUOTA_KEYS: readonly string[] = Object.keys(AccountQuotasSchema.shape);

/** The schema of the `webhealth:` namespace; keys are the part after `webhealth:`. */
const StageSchema = z.strictObject({
  targets: TargetListSchema,
  notifyEmails: uniqueList(z.email({ error: expected("an email address") }), "email addresses", "notifyEmails").default([]),
  probeRegions: uniqueList(region, "AWS region names", "probeRegions")
    .min(1, { error: "must contain at least one region" })
    .max(CONFIG_LIMITS.maxProbeRegions, { error: `must contain at most ${CONFIG_LIMITS.maxProbeRegions} regions (the quorum alarms compare shares of the period's checks, one per region, which stay at least a point apart up to ${CONFIG_LIMITS.maxProbeRegions})` })
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
  slo: SloSchema.default(() => ({ ...CONFIG_DEFAULTS.slo })),
  secrets: SecretsSchema.default(() => ({})),
  accountQuotas: AccountQuotasSchema.default(() => ({})),
  notifications: NotificationsSchema.default(() => NotificationsSchema.parse({})),
  /** Read by the deploy driver (automation/stages.ts): the stage `promote --to <this stage>` promotes from. */
  promotesFrom: z
    .string({ error: expected("a stage name") })
    .regex(/^[a-z][a-z0-9-]*$/, { error: "must be a stage name (lowercase letters, digits and dashes)" })
    .optional(),
});

/** Every key of the `webhealth:` namespace the schema accepts (the part after `webhealth:`). */
export const STAGE_CONFIG_KEYS: readonly string[] = Object.keys(StageSchema.shape);

/** The per-target notification fields: taken off each raw target before the target schema sees it. */
const TARGET_NOTIFICATION_FIELDS = ["channels", "runbookUrl"] as const;

function splitTargets(value: unknown): { targets: unknown; settings: unknown[] } {
  if (!Array.isArray(value)) return { targets: value, settings: [] };
  const settings: unknown[] = [];
  const targets = value.map((target) => {
    if (typeof target !== "object" || target === null || Array.isArray(target)) {
      settings.push({});
      return target;
    }
    const rest: Record<string, unknown> = { ...(target as Record<string, unknown>) };
    const own: Record<string, unknown> = {};
    for (const field of TARGET_NOTIFICATION_FIELDS) {
      if (field in rest) own[field] = rest[field];
      delete rest[field];
    }
    settings.push(own);
    return rest;
  });
  return { targets, settings };
}

/**
 * The probe's targets of a `webhealth:targets` value as a stack file holds it, without the
 * per-target notification fields (`channels`, `runbookUrl`): for commands that probe a stage's
 * targets without loading the whole stage config (`npm run probe -- --stack`, `verify`).
 */
export function stackFileTargets(value: unknown, root: string): Target[] {
  return parseTargets(splitTargets(readConfigValue("targets", value)).targets, root);
}

/**
 * The channels, windows and per-target settings, checked against each other, the targets and the
 * secrets. `webhealth:notifyEmails` (the older key) becomes the e-mail channel `email`.
 */
function resolveNotifications(
  parsed: z.output<typeof NotificationsSchema>,
  notifyEmails: string[],
  targets: Target[],
  rawSettings: unknown[],
  secrets: Readonly<Record<string, SecretText>>,
  problems: string[],
): { notifications: NotificationsConfig; targetNotifications: TargetNotificationSettings[] } {
  const key = `${KEY_PREFIX}notifications`;
  const channels: ChannelConfig[] = [...parsed.channels];
  if (notifyEmails.length > 0) {
    const clash = channels.findIndex((channel) => channel.name === LEGACY_EMAIL_CHANNEL);
    if (clash >= 0) {
      problems.push(`${KEY_PREFIX}notifyEmails: becomes the e-mail channel "${LEGACY_EMAIL_CHANNEL}", which ${key}.channels[${clash}] already defines: move the addresses into that channel and remove ${KEY_PREFIX}notifyEmails`);
    } else {
      channels.push({ name: LEGACY_EMAIL_CHANNEL, type: "email", addresses: notifyEmails });
    }
  }
  channels.forEach((channel, index) => {
    for (const ref of channelSecretRefs(channel)) {
      if (!(ref.secret in secrets)) {
        problems.push(`${key}.channels[${index}].${ref.field}: channel "${channel.name}" refers to the secret "${ref.secret}", which ${SECRETS_KEY} does not define (set it with pulumi config set --secret --path '${secretConfigPath(ref.secret)}' <value>)`);
      }
    }
  });
  if (channels.length > 0 && !channels.some((channel) => channel.type === "email")) {
    problems.push(
      `${key}.channels: add an e-mail channel: webhealth's own alarms (the notifier's dead letters and errors) reach people by e-mail straight from SNS, so that a broken notifier is never silent`,
    );
  }
  const names = new Set(channels.map((channel) => channel.name));
  const targetNotifications = targets.map((_, index): TargetNotificationSettings => {
    const result = TargetNotificationSchema.safeParse(rawSettings[index] ?? {});
    if (!result.success) {
      for (const line of describeIssues(`${CONFIG_NAMESPACE}.targets[${index}]`, result.error)) problems.push(toConfigPath(line));
      return {};
    }
    result.data.channels?.forEach((name, position) => {
      if (!names.has(name)) problems.push(`${KEY_PREFIX}targets[${index}].channels[${position}]: "${name}" is not a channel of ${key}.channels${names.size > 0 ? ` (${[...names].join(", ")})` : ""}`);
    });
    return { ...(result.data.channels ? { channels: result.data.channels } : {}), ...(result.data.runbookUrl ? { runbookUrl: result.data.runbookUrl } : {}) };
  });
  const urlByName = new Map<string, string>();
  for (const target of targets) {
    urlByName.set(target.url, target.url);
    if (target.name) urlByName.set(target.name, target.url);
  }
  const maintenance = parsed.maintenance.map((window, index) => {
    const { targets: names, ...rest } = window;
    if (names === undefined) return rest;
    const urls = names.map((name, position) => {
      // A URL in any spelling of the target's (the targets' URLs are normalised).
      const url = urlByName.get(name) ?? urlByName.get(normaliseUrl(name) ?? "");
      if (url === undefined) problems.push(`${key}.maintenance[${index}].targets[${position}]: "${name}" is neither the name nor the URL of a target`);
      return url ?? name;
    });
    return { ...rest, urls: [...new Set(urls)] };
  });
  return { notifications: { channels, maintenance, reminderMinutes: parsed.reminderMinutes }, targetNotifications };
}

/** The one key whose values are secrets. */
const SECRETS_KEY = `${KEY_PREFIX}secrets`;

/** Keys whose values are plain strings: never JSON-parsed when Pulumi hands them over as strings. */
const STRING_KEYS = new Set(["schedule", "namespace", "deploymentConfig", "promotesFrom"]);

/**
 * One `webhealth:<key>` value as the schema wants it, wherever it was read. Pulumi hands the program
 * every value as a string, structured values as JSON (what `Config.getObject` parses), and
 * `pulumi config set webhealth:phaseMetrics false` writes the string "false" into the stack file
 * itself (top-level values are always strings:
 * https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/). So a string for a key that is
 * not a string key is read as JSON, the same way for the program, `npm run synth` and the driver.
 */
export function readConfigValue(key: string, value: unknown): unknown {
  if (typeof value !== "string" || STRING_KEYS.has(key)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The path (`webhealth:targets[0].name`) of every encrypted value inside a config value. */
function encryptedPaths(value: unknown, path: string): string[] {
  if (isEncrypted(value)) return [path];
  if (Array.isArray(value)) return value.flatMap((item, index) => encryptedPaths(item, `${path}[${index}]`));
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([key, item]) => encryptedPaths(item, `${path}.${key}`));
  return [];
}

export interface LoadOptions {
  /** Keys the Pulumi CLI reports as secret (it hands their values over decrypted). */
  secretKeys?: ReadonlySet<string>;
}

/**
 * Validates a stack's config map (keys like `webhealth:targets`, `aws:region`) for a stage: the
 * values as the Pulumi CLI hands them to the program (strings) or as a stack file holds them.
 * Throws a ConfigError listing every problem; returns the config with defaults applied.
 */
export function loadStageConfig(stage: string, raw: Record<string, unknown>, options: LoadOptions = {}): StageConfig {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]*$/.test(stage) || stage.length > CONFIG_LIMITS.maxStageNameLength) {
    problems.push(`stack: "${stage}" must be lowercase letters, digits and dashes, at most ${CONFIG_LIMITS.maxStageNameLength} characters (it names functions and alarms)`);
  }
  const homeRegion = raw["aws:region"];
  if (homeRegion === undefined) problems.push("aws:region: is required (the home region of metrics, alarms and the ledger)");
  else if (typeof homeRegion !== "string" || !REGION_PATTERN.test(homeRegion)) problems.push("aws:region: must be an AWS region name like eu-west-1");

  const own: Record<string, unknown> = {};
  const refused = new Set<string>();
  for (const [key, rawValue] of Object.entries(raw)) {
    if (!key.startsWith(KEY_PREFIX)) continue;
    const short = key.slice(KEY_PREFIX.length);
    const value = readConfigValue(short, rawValue);
    if (key !== SECRETS_KEY) {
      const secretPaths = options.secretKeys?.has(key) ? [key] : encryptedPaths(value, key);
      if (secretPaths.length > 0) {
        problems.push(...secretPaths.map((path) => `${path}: is a secret (secure:), but only ${SECRETS_KEY} holds secrets: set it in plain text, or keep the value in ${SECRETS_KEY} and refer to it by name`));
        refused.add(short);
        continue;
      }
    }
    own[short] = value;
  }
  const split = splitTargets(own.targets);
  own.targets = split.targets;
  const result = StageSchema.safeParse(own);
  if (!result.success) {
    // A refused key was left out: the schema's "is required" for it would only repeat the problem.
    const issues = result.error.issues.filter((issue) => !refused.has(String(issue.path[0])));
    for (const line of describeIssues(CONFIG_NAMESPACE, new z.ZodError(issues))) problems.push(...line.split("\n").map(toConfigPath));
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
  if (value.promotesFrom === stage) problems.push(`${KEY_PREFIX}promotesFrom: a stage cannot promote from itself`);
  problems.push(...targetKeyProblems(value.targets, `${KEY_PREFIX}targets`));
  if (value.slo.burnRateAlarms) {
    // Below this objective the fastest pair's threshold is under 0% availability: it could never fire.
    const minimum = minimumBurnObjective(value.slo.windowDays);
    if (value.slo.objective <= minimum) problems.push(`${KEY_PREFIX}slo.objective: must be above ${minimum.toFixed(2)} for burn-rate alarms (below it, the fastest burn rate's error rate would be more than every check failing)`);
    value.targets.forEach((target, index) => {
      if (target.slo !== undefined && target.slo <= minimum) problems.push(`${KEY_PREFIX}targets[${index}].slo: must be above ${minimum.toFixed(2)} for burn-rate alarms`);
    });
  }
  value.targets.forEach((target, index) => {
    // The latency alarm counts passed checks slower than this; failed checks sit far above (functions/common/metrics.ts).
    if (target.latencyMs !== undefined && target.latencyMs > MAX_LATENCY_THRESHOLD_MS) {
      problems.push(`${KEY_PREFIX}targets[${index}].latencyMs: must be at most ${MAX_LATENCY_THRESHOLD_MS} (a check is cut off long before)`);
    }
  });
  problems.push(...secretReferenceProblems(value.targets, value.secrets));
  const { notifications, targetNotifications } = resolveNotifications(value.notifications, value.notifyEmails, value.targets, split.settings, value.secrets, problems);
  const timeoutMs = probeTimeoutSeconds(periodSeconds) * 1000;
  problems.push(...shardProblems(value.targets, { concurrency: value.probeConcurrency, timeoutMs }, `${KEY_PREFIX}targets`));
  if (problems.length > 0) throw new ConfigError(problems);

  const config: StageConfig = {
    stage,
    homeRegion: homeRegion as string,
    targets: value.targets,
    notifications,
    targetNotifications,
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
    slo: value.slo,
    secrets: value.secrets,
    accountQuotas: value.accountQuotas,
    ...(value.promotesFrom ? { promotesFrom: value.promotesFrom } : {}),
  };
  // Quotas depend on the plan (its shards): checked here so every reader of the config sees them.
  const quotas = quotaProblems(config, planStage(config));
  if (quotas.length > 0) throw new ConfigError(quotas);
  return config;
}

/** Every secret a target names must be in `webhealth:secrets`: the probe could never send it otherwise. */
function secretReferenceProblems(targets: readonly Target[], secrets: Readonly<Record<string, SecretText>>): string[] {
  return targets.flatMap((target, index) =>
    secretReferences(target)
      .filter(({ name }) => !Object.hasOwn(secrets, name))
      .map(
        ({ name, header }) =>
          `${KEY_PREFIX}targets[${index}].request.headers.${header}: secret "${name}" is not in ${SECRETS_KEY} (target ${target.name ?? target.url}); set it with pulumi config set --secret --path '${secretConfigPath(name)}' <value>`,
      ),
  );
}

/** `webhealth.targets[2].url: ...` (from formatPath) reads `webhealth:targets[2].url: ...` in Pulumi's notation. */
function toConfigPath(line: string): string {
  return line.startsWith(`${CONFIG_NAMESPACE}.`) ? `${KEY_PREFIX}${line.slice(CONFIG_NAMESPACE.length + 1)}` : line;
}
