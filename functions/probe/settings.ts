/**
 * The probe's settings, read from the environment variables the Pulumi program sets
 * (functions/common/contract.ts PROBE_ENV) and validated once, with errors naming the variable.
 */
import { z } from "zod";
import { PROBE_ENV } from "../common/contract";
import { DEFAULT_NAMESPACE } from "../common/metrics";
import { TARGET_LIMITS, validate } from "../common/targets";
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from "./run";

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
}

const optional = (schema: z.ZodType<string>) => z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const SettingsSchema = z.object({
  // CloudWatch namespaces: 1-255 characters, and the AWS/ prefix is reserved.
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
  [PROBE_ENV.namespace]: optional(
    z
      .string()
      .max(255, { error: "must be at most 255 characters" })
      .refine((value) => !value.startsWith("AWS/"), { error: "must not start with AWS/ (reserved for AWS services)" }),
  ),
  [PROBE_ENV.metricsRegion]: optional(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: "must be an AWS region such as us-east-1" })),
  AWS_REGION: optional(z.string()),
  [PROBE_ENV.regionDimension]: optional(z.string().max(TARGET_LIMITS.maxUrlLength, { error: `must be at most ${TARGET_LIMITS.maxUrlLength} characters` })),
  [PROBE_ENV.phaseMetrics]: optional(z.enum(["true", "false"], { error: 'must be "true" or "false"' })),
  [PROBE_ENV.concurrency]: optional(
    z.string().refine((value) => /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_CONCURRENCY, {
      error: `must be a whole number from 1 to ${MAX_CONCURRENCY}`,
    }),
  ),
});

/** Reads and validates the settings; a bad value throws a ValidationError like `PROBE_CONCURRENCY: must be ...`. */
export function readProbeSettings(env: NodeJS.ProcessEnv = process.env): ProbeSettings {
  const values = validate(SettingsSchema, env, "") as Record<string, string | undefined>;
  return {
    namespace: values[PROBE_ENV.namespace] ?? DEFAULT_NAMESPACE,
    metricsRegion: values[PROBE_ENV.metricsRegion] ?? values.AWS_REGION,
    probeRegion: values.AWS_REGION,
    regionDimension: values[PROBE_ENV.regionDimension],
    // Opt-in: the log line carries every phase; metrics only for those who alarm on one.
    phaseMetrics: values[PROBE_ENV.phaseMetrics] === "true",
    concurrency: values[PROBE_ENV.concurrency] === undefined ? DEFAULT_CONCURRENCY : Number(values[PROBE_ENV.concurrency]),
  };
}
