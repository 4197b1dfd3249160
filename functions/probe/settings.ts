/**
 * The probe's settings, read from the environment variables the Pulumi program sets
 * (functions/common/contract.ts PROBE_ENV) and validated once, with errors naming the variable.
 */
import * as z from "zod/mini";
import { PROBE_ENV } from "../common/contract";
import { DEFAULT_NAMESPACE } from "../common/metrics";
import { TARGET_LIMITS, validate } from "../common/targets";
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from "./run";
import type { WarningThresholds } from "./warnings";

export interface ProbeSettings {
  namespace: string;
  /** The home region metrics go to; undefined when neither METRICS_REGION nor AWS_REGION is set. */
  metricsRegion?: string;
  /** The region the probe runs in (Lambda's AWS_REGION), written into every log line. */
  probeRegion?: string;
  /** The heartbeat's `Region` dimension value, set only when the stage probes from several regions. */
  regionDimension?: string;
  /** Publish the opt-in phase metrics (TimeToFirstByte, DnsTime, ConnectTime, TlsTime, TransferTime). */
  phaseMetrics: boolean;
  concurrency: number;
  /** Where the stage's secret parameters live: a path ending in `/`, and their region (the home region). */
  secrets?: { parameterPath: string; region?: string };
  /** The stage's alarm thresholds, so each result's `warnings` judge like the alarms; undefined: no warnings. */
  warnings?: WarningThresholds;
}

/** An unset or empty variable is absent. */
const optional = (schema: z.ZodMiniType<string>) => z.pipe(z.transform((value: unknown) => (value === "" ? undefined : value)), z.optional(schema));
const wholeNumberText = (min: number, max: number) =>
  z.string().check(z.refine((value) => /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max, { error: `must be a whole number from ${min} to ${max}` }));
const region = z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: "must be an AWS region such as us-east-1" }));

const SettingsSchema = z.object({
  // CloudWatch namespaces: 1-255 characters, and the AWS/ prefix is reserved.
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
  [PROBE_ENV.namespace]: optional(
    z
      .string()
      .check(
        z.maxLength(255, { error: "must be at most 255 characters" }),
        z.refine((value) => !value.startsWith("AWS/"), { error: "must not start with AWS/ (reserved for AWS services)" }),
      ),
  ),
  [PROBE_ENV.metricsRegion]: optional(region),
  AWS_REGION: optional(z.string()),
  [PROBE_ENV.regionDimension]: optional(z.string().check(z.maxLength(TARGET_LIMITS.maxUrlLength, { error: `must be at most ${TARGET_LIMITS.maxUrlLength} characters` }))),
  [PROBE_ENV.phaseMetrics]: optional(z.enum(["true", "false"], { error: 'must be "true" or "false"' })),
  [PROBE_ENV.concurrency]: optional(wholeNumberText(1, MAX_CONCURRENCY)),
  // SSM parameter paths: `/`-separated, ending in `/` here; the secret's name is appended.
  // https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html
  [PROBE_ENV.secretsPath]: optional(z.string().check(z.regex(/^\/([A-Za-z0-9_.-]+\/)+$/, { error: "must be an SSM parameter path like /webhealth/beta/secrets/" }))),
  [PROBE_ENV.secretsRegion]: optional(region),
  [PROBE_ENV.certificateDays]: optional(wholeNumberText(1, 365)),
  [PROBE_ENV.defaultLatencyMs]: optional(wholeNumberText(1, 600_000)),
});

/** Reads and validates the settings; a bad value throws a ValidationError like `PROBE_CONCURRENCY: must be ...`. */
export function readProbeSettings(env: NodeJS.ProcessEnv = process.env): ProbeSettings {
  const values = validate(SettingsSchema, env, "") as Record<string, string | undefined>;
  const metricsRegion = values[PROBE_ENV.metricsRegion] ?? values.AWS_REGION;
  const secretsPath = values[PROBE_ENV.secretsPath];
  const certificateDays = values[PROBE_ENV.certificateDays];
  const defaultLatencyMs = values[PROBE_ENV.defaultLatencyMs];
  return {
    namespace: values[PROBE_ENV.namespace] ?? DEFAULT_NAMESPACE,
    metricsRegion,
    probeRegion: values.AWS_REGION,
    regionDimension: values[PROBE_ENV.regionDimension],
    // Opt-in: the log line carries every phase; metrics only for those who alarm on one.
    phaseMetrics: values[PROBE_ENV.phaseMetrics] === "true",
    concurrency: values[PROBE_ENV.concurrency] === undefined ? DEFAULT_CONCURRENCY : Number(values[PROBE_ENV.concurrency]),
    ...(secretsPath ? { secrets: { parameterPath: secretsPath, region: values[PROBE_ENV.secretsRegion] ?? metricsRegion } } : {}),
    ...(certificateDays && defaultLatencyMs ? { warnings: { certificateDays: Number(certificateDays), defaultLatencyMs: Number(defaultLatencyMs) } } : {}),
  };
}
