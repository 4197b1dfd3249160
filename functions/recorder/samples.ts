/**
 * Realistic CloudWatch alarm notifications (the SNS `Message`) with the ledger items they must
 * become. The recorder's self-test parses them in the deployed code before any traffic moves to a
 * new version; the tests reuse them. The expected items are written out by hand on purpose: they
 * are the contract, not a copy of the code's output.
 */
import type { LedgerItem } from "../common/ledger";
import type { ItemContext } from "./item";

export const SAMPLE_CONTEXT: ItemContext = {
  snsMessageId: "sample-message-id",
  now: Date.parse("2026-11-26T10:35:00.000Z"),
  retentionDays: 400,
};

export interface SampleNotification {
  name: string;
  /** The notification, as CloudWatch publishes it (before JSON.stringify). */
  notification: Record<string, unknown>;
  expected: LedgerItem;
}

const ACCOUNT = "123456789012";
const ARN_PREFIX = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:`;
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:webhealth-beta-alarms`;

/** A single-metric availability alarm going OK -> ALARM; dimensions in CloudWatch's lowercase form. */
export const SINGLE_METRIC_ALARM: SampleNotification = {
  name: "single-metric ALARM",
  notification: {
    AlarmName: "webhealth-beta-example-availability",
    AlarmDescription: "https://example.com/ is down: Availability < 1 for 3 of 3 minutes",
    AWSAccountId: ACCOUNT,
    AlarmConfigurationUpdatedTimestamp: "2026-11-20T08:00:00.000+0000",
    NewStateValue: "ALARM",
    NewStateReason:
      "Threshold Crossed: 3 out of the last 3 datapoints [0.0 (26/11/26 10:02:00), 0.0 (26/11/26 10:01:00), 0.0 (26/11/26 10:00:00)] were less than the threshold (1.0) (minimum 3 datapoints for OK -> ALARM transition).",
    StateChangeTime: "2026-11-26T10:03:41.123+0000",
    Region: "US East (N. Virginia)",
    AlarmArn: `${ARN_PREFIX}webhealth-beta-example-availability`,
    OldStateValue: "OK",
    OKActions: [TOPIC],
    AlarmActions: [TOPIC],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: "Availability",
      Namespace: "WebHealth",
      StatisticType: "Statistic",
      Statistic: "MINIMUM",
      Unit: null,
      Dimensions: [{ value: "https://example.com/", name: "Url" }],
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: "LessThanThreshold",
      Threshold: 1.0,
      TreatMissingData: "breaching",
      EvaluateLowSampleCountPercentile: "",
    },
  },
  expected: {
    alarmName: "webhealth-beta-example-availability",
    changedAt: "2026-11-26T10:03:41.123Z",
    day: "2026-11-26",
    eventKey: "2026-11-26T10:03:41.123Z#webhealth-beta-example-availability",
    url: "https://example.com/",
    metricName: "Availability",
    namespace: "WebHealth",
    description: "https://example.com/ is down: Availability < 1 for 3 of 3 minutes",
    newState: "ALARM",
    oldState: "OK",
    reason:
      "Threshold Crossed: 3 out of the last 3 datapoints [0.0 (26/11/26 10:02:00), 0.0 (26/11/26 10:01:00), 0.0 (26/11/26 10:00:00)] were less than the threshold (1.0) (minimum 3 datapoints for OK -> ALARM transition).",
    region: "us-east-1",
    regionName: "US East (N. Virginia)",
    account: ACCOUNT,
    alarmArn: `${ARN_PREFIX}webhealth-beta-example-availability`,
    threshold: 1,
    comparisonOperator: "LessThanThreshold",
    snsMessageId: "sample-message-id",
    recordedAt: "2026-11-26T10:35:00.000Z",
    expiresAt: 1830247421,
  },
};

/** A three-region stage's availability alarm (the quorum: metric math over one metric per region) going ALARM -> OK. */
export const METRIC_MATH_OK: SampleNotification = {
  name: "metric-math OK",
  notification: {
    AlarmName: "webhealth-prod-example-availability",
    AlarmDescription: "https://example.com/ fails from 2 or more regions",
    AWSAccountId: ACCOUNT,
    NewStateValue: "OK",
    NewStateReason:
      "Threshold Crossed: 1 datapoint [0.0 (26/11/26 10:30:00)] was not greater than or equal to the threshold (2.0).",
    StateChangeTime: "2026-11-26T10:31:02.456+0000",
    Region: "US East (N. Virginia)",
    AlarmArn: `${ARN_PREFIX}webhealth-prod-example-availability`,
    OldStateValue: "ALARM",
    OKActions: [TOPIC],
    AlarmActions: [TOPIC],
    InsufficientDataActions: [],
    Trigger: {
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: 2.0,
      TreatMissingData: "breaching",
      EvaluateLowSampleCountPercentile: "",
      Metrics: [
        { Expression: "3 - (m0 + m1 + m2)", Id: "down", Label: "Regions seeing the target down", ReturnData: true },
        ...["us-east-1", "eu-west-1", "ap-southeast-2"].map((region, index) => ({
          Id: `m${index}`,
          MetricStat: {
            Metric: {
              Dimensions: [
                { value: "https://example.com/", name: "Url" },
                { value: region, name: "Region" },
              ],
              MetricName: "Availability",
              Namespace: "WebHealth",
            },
            Period: 60,
            Stat: "Minimum",
          },
          ReturnData: false,
        })),
      ],
    },
  },
  expected: {
    alarmName: "webhealth-prod-example-availability",
    changedAt: "2026-11-26T10:31:02.456Z",
    day: "2026-11-26",
    eventKey: "2026-11-26T10:31:02.456Z#webhealth-prod-example-availability",
    url: "https://example.com/",
    metricName: "Availability",
    namespace: "WebHealth",
    expression: "3 - (m0 + m1 + m2)",
    description: "https://example.com/ fails from 2 or more regions",
    newState: "OK",
    oldState: "ALARM",
    reason: "Threshold Crossed: 1 datapoint [0.0 (26/11/26 10:30:00)] was not greater than or equal to the threshold (2.0).",
    region: "us-east-1",
    regionName: "US East (N. Virginia)",
    account: ACCOUNT,
    alarmArn: `${ARN_PREFIX}webhealth-prod-example-availability`,
    threshold: 2,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    snsMessageId: "sample-message-id",
    recordedAt: "2026-11-26T10:35:00.000Z",
    expiresAt: 1830249062,
  },
};

/** The probe-health alarm: its heartbeat metric has no `Url` dimension, so the item has no `url`. */
export const PROBE_HEALTH_ALARM: SampleNotification = {
  name: "probe-health ALARM (no Url)",
  notification: {
    AlarmName: "webhealth-beta-probe-health",
    AlarmDescription: null,
    AWSAccountId: ACCOUNT,
    NewStateValue: "ALARM",
    NewStateReason:
      "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].",
    StateChangeTime: "2026-11-26T09:58:00.000+0000",
    Region: "US East (N. Virginia)",
    AlarmArn: `${ARN_PREFIX}webhealth-beta-probe-health`,
    OldStateValue: "INSUFFICIENT_DATA",
    Trigger: {
      MetricName: "TargetsProbed",
      Namespace: "WebHealth",
      Statistic: "SUM",
      Dimensions: [],
      Period: 60,
      EvaluationPeriods: 3,
      ComparisonOperator: "LessThanThreshold",
      Threshold: 1.0,
      TreatMissingData: "breaching",
    },
  },
  expected: {
    alarmName: "webhealth-beta-probe-health",
    changedAt: "2026-11-26T09:58:00.000Z",
    day: "2026-11-26",
    eventKey: "2026-11-26T09:58:00.000Z#webhealth-beta-probe-health",
    metricName: "TargetsProbed",
    namespace: "WebHealth",
    newState: "ALARM",
    oldState: "INSUFFICIENT_DATA",
    reason: "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].",
    region: "us-east-1",
    regionName: "US East (N. Virginia)",
    account: ACCOUNT,
    alarmArn: `${ARN_PREFIX}webhealth-beta-probe-health`,
    threshold: 1,
    comparisonOperator: "LessThanThreshold",
    snsMessageId: "sample-message-id",
    recordedAt: "2026-11-26T10:35:00.000Z",
    expiresAt: 1830247080,
  },
};

export const SAMPLES: SampleNotification[] = [SINGLE_METRIC_ALARM, METRIC_MATH_OK, PROBE_HEALTH_ALARM];
