/**
 * Metric names and dimensions shared by the probe (which publishes them) and the Pulumi program
 * (whose alarms and dashboard read them). An alarm must name exactly the dimension set that was
 * published, so both sides build dimensions from here.
 */

export const DEFAULT_NAMESPACE = "WebHealth";

/** Per-target metrics, each published with the `Url` dimension (plus `Region` when multi-region). */
export const TARGET_METRICS = {
  availability: "Availability",
  latency: "Latency",
  timeToFirstByte: "TimeToFirstByte",
  dnsTime: "DnsTime",
  connectTime: "ConnectTime",
  tlsTime: "TlsTime",
  certificateDaysRemaining: "CertificateDaysRemaining",
} as const;

/** The phase metrics a stage may switch off to save the per-metric charge. */
export const PHASE_METRICS = [
  TARGET_METRICS.timeToFirstByte,
  TARGET_METRICS.dnsTime,
  TARGET_METRICS.connectTime,
  TARGET_METRICS.tlsTime,
] as const;

/**
 * The probe's own heartbeat: published once per invocation (per shard) with no `Url` dimension
 * (only `Region` when multi-region), so an alarm can tell "the monitor is dead" from "sites are down".
 */
export const PROBE_METRICS = {
  targetsProbed: "TargetsProbed",
} as const;

export const DIMENSIONS = {
  url: "Url",
  region: "Region",
} as const;

export interface MetricDimension {
  Name: string;
  Value: string;
}

/** The dimensions of a per-target metric; `region` only when the stage probes from several regions. */
export function targetDimensions(url: string, region?: string): MetricDimension[] {
  const dimensions: MetricDimension[] = [{ Name: DIMENSIONS.url, Value: url }];
  if (region) dimensions.push({ Name: DIMENSIONS.region, Value: region });
  return dimensions;
}

/** The dimensions of the probe's heartbeat metric. */
export function probeDimensions(region?: string): MetricDimension[] {
  return region ? [{ Name: DIMENSIONS.region, Value: region }] : [];
}

/**
 * The unit of each metric as published. Alarms and dashboards need not name a unit, but if one
 * does it must be this one, or CloudWatch matches no data.
 */
export const METRIC_UNITS: Record<string, "Milliseconds" | "Count" | "None"> = {
  [TARGET_METRICS.availability]: "None",
  [TARGET_METRICS.latency]: "Milliseconds",
  [TARGET_METRICS.timeToFirstByte]: "Milliseconds",
  [TARGET_METRICS.dnsTime]: "Milliseconds",
  [TARGET_METRICS.connectTime]: "Milliseconds",
  [TARGET_METRICS.tlsTime]: "Milliseconds",
  [TARGET_METRICS.certificateDaysRemaining]: "None",
  [PROBE_METRICS.targetsProbed]: "Count",
};
