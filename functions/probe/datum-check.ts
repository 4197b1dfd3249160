/**
 * Refuses, one datum at a time, what PutMetricData would reject: CloudWatch fails a whole request
 * for one invalid datum, which would lose every other target's datums and the heartbeat with it.
 * Pure: the publisher sends the valid datums and logs each refused one with its reason.
 */
import type { MetricDatum } from "@aws-sdk/client-cloudwatch";
import { CLOUDWATCH_LIMITS } from "../common/aws-limits";
import { dimensionTextProblem, metricValueProblem } from "../common/cloudwatch-values";

export interface RefusedDatum {
  datum: MetricDatum;
  reason: string;
}

/** Why CloudWatch would reject the datum, or undefined when it would accept it. */
export function datumProblem(datum: MetricDatum, now: Date): string | undefined {
  const name = datum.MetricName ?? "";
  const nameProblem = dimensionTextProblem(name, CLOUDWATCH_LIMITS.metricNameMaxLength);
  if (nameProblem) return `MetricName ${nameProblem}`;
  const dimensions = datum.Dimensions ?? [];
  if (dimensions.length > CLOUDWATCH_LIMITS.maxDimensions) return `${dimensions.length} dimensions, more than ${CLOUDWATCH_LIMITS.maxDimensions}`;
  for (const dimension of dimensions) {
    const dimensionName = dimension.Name ?? "";
    const problem = dimensionTextProblem(dimensionName, CLOUDWATCH_LIMITS.dimensionNameMaxLength) ?? (dimensionName.startsWith(":") ? 'starts with ":"' : undefined);
    if (problem) return `dimension name ${JSON.stringify(dimensionName)} ${problem}`;
    const valueProblem = dimensionTextProblem(dimension.Value ?? "");
    if (valueProblem) return `dimension ${dimensionName} ${valueProblem}`;
  }
  if (datum.Value === undefined) return "Value is missing";
  const valueProblem = metricValueProblem(datum.Value);
  if (valueProblem) return `Value ${valueProblem}`;
  if (datum.Timestamp) {
    const age = now.getTime() - datum.Timestamp.getTime();
    if (Number.isNaN(age)) return "Timestamp is not a valid date";
    if (age > CLOUDWATCH_LIMITS.maxDatumAgeMs) return `Timestamp ${datum.Timestamp.toISOString()} is more than two weeks old`;
    if (-age > CLOUDWATCH_LIMITS.maxDatumFutureMs) return `Timestamp ${datum.Timestamp.toISOString()} is more than two hours ahead`;
  }
  return undefined;
}

/** The datums CloudWatch accepts, in order, and the refused ones with their reasons. */
export function checkDatums(datums: readonly MetricDatum[], now: Date): { valid: MetricDatum[]; refused: RefusedDatum[] } {
  const valid: MetricDatum[] = [];
  const refused: RefusedDatum[] = [];
  for (const datum of datums) {
    const reason = datumProblem(datum, now);
    if (reason) refused.push({ datum, reason });
    else valid.push(datum);
  }
  return { valid, refused };
}
