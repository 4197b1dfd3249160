/**
 * What CloudWatch accepts in a datum, as pure checks: the target schema uses the dimension rule so
 * every URL it accepts is a valid `Url` dimension, and the probe's publisher refuses, datum by
 * datum, anything PutMetricData would reject (one bad datum fails the whole request).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html
 */
import { CLOUDWATCH_LIMITS } from "./aws-limits";

/** Printable ASCII only: no control characters (0x00-0x1F, 0x7F), nothing above 0x7E. */
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;

/** Why a text cannot be a dimension value (or name, with `maxLength` 255), or undefined when it can. */
export function dimensionTextProblem(text: string, maxLength: number = CLOUDWATCH_LIMITS.dimensionValueMaxLength): string | undefined {
  if (text.length === 0) return "is empty";
  if (text.length > maxLength) return `is ${text.length} characters, more than ${maxLength}`;
  if (!PRINTABLE_ASCII.test(text)) return "has characters other than printable ASCII (control or non-ASCII characters)";
  // "must include at least one non-whitespace character" (Dimension; metric names likewise, MetricStreamFilter).
  if (text.trim() === "") return "is only whitespace";
  return undefined;
}

/** Why a number cannot be a metric value, or undefined when CloudWatch accepts it. */
export function metricValueProblem(value: number): string | undefined {
  if (!Number.isFinite(value)) return `is ${value}, not a finite number`;
  const magnitude = Math.abs(value);
  if (magnitude > CLOUDWATCH_LIMITS.maxValueMagnitude) return `is ${value}, beyond CloudWatch's range of -2^360 to 2^360`;
  if (magnitude !== 0 && magnitude < CLOUDWATCH_LIMITS.minNonZeroMagnitude) return `is ${value}, closer to zero than CloudWatch's 2^-360`;
  return undefined;
}
