/**
 * A local stand-in for CloudWatch that speaks its wire protocol: the AWS SDK for JavaScript v3
 * (3.1164) calls CloudWatch with AWS JSON 1.0 (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`,
 * timestamps as epoch seconds) in query-compatible mode (errors carry `x-amzn-query-error`).
 * It answers DescribeAlarms and GetMetricData from scripted alarms and raw datapoints, computing
 * each statistic per period the way CloudWatch documents it (tests/support/cloudwatch-statistics.ts:
 * SampleCount, Sum, Average, Minimum, Maximum, PR, TM and pNN). Buckets start at the
 * query's StartTime, rounded down as CloudWatch documents it (by the start's age: to the minute, 5
 * minutes or the hour), and step by the period. The region comes from the request's signature scope.
 */
import { statistic } from "../support/cloudwatch-statistics";
import { accessDeniedMessage, startAwsJsonServer } from "./fake-aws-json";

export interface FakeMetric {
  region: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** Raw datums: epoch milliseconds and value. */
  points: Array<[number, number]>;
}

export interface FakeAlarm {
  region: string;
  name: string;
  state: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  /** Epoch milliseconds. */
  updatedAt: number;
  reason: string;
  composite?: boolean;
}

export interface FakeCloudWatch {
  endpoint: string;
  metrics: FakeMetric[];
  alarms: FakeAlarm[];
  /** Actions (`cloudwatch:GetMetricData`) answered with AccessDenied, as for credentials without that permission. */
  denied: Set<string>;
  /** Every request: operation, region and body. */
  calls: Array<{ operation: string; region: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

const sameDimensions = (a: Record<string, string>, b: Array<{ Name: string; Value: string }>) =>
  Object.keys(a).length === b.length && b.every((dimension) => a[dimension.Name] === dimension.Value);

interface Query {
  Id: string;
  MetricStat: { Metric: { Namespace: string; MetricName: string; Dimensions?: Array<{ Name: string; Value: string }> }; Period: number; Stat: string };
}

/**
 * "CloudWatch rounds the specified time stamp as follows: Start time less than 15 days ago - Round
 * down to the nearest whole minute ... between 15 and 63 days ago - ... the nearest 5-minute clock
 * interval ... greater than 63 days ago - ... the nearest 1-hour clock interval" (periods of 60 s
 * or more), relative to when CloudWatch receives the request.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 */
export function roundedStartTime(start: number, now: number): number {
  const age = now - start;
  const step = age < 15 * 86_400_000 ? 60_000 : age <= 63 * 86_400_000 ? 300_000 : 3_600_000;
  return Math.floor(start / step) * step;
}

function metricData(fake: FakeCloudWatch, region: string, body: { MetricDataQueries: Query[]; StartTime: number; EndTime: number; ScanBy?: string }) {
  const start = roundedStartTime(body.StartTime * 1000, Date.now());
  const end = body.EndTime * 1000;
  return {
    MetricDataResults: body.MetricDataQueries.map((query) => {
      const { Metric, Period, Stat } = query.MetricStat;
      const metric = fake.metrics.find(
        (m) => m.region === region && m.namespace === Metric.Namespace && m.metricName === Metric.MetricName && sameDimensions(m.dimensions, Metric.Dimensions ?? []),
      );
      const buckets = new Map<number, number[]>();
      for (const [time, value] of metric?.points ?? []) {
        if (time < start || time >= end) continue;
        const bucket = start + Math.floor((time - start) / (Period * 1000)) * Period * 1000;
        buckets.set(bucket, [...(buckets.get(bucket) ?? []), value]);
      }
      const times = [...buckets.keys()].sort((a, b) => (body.ScanBy === "TimestampAscending" ? a - b : b - a));
      return { Id: query.Id, Label: Metric.MetricName, StatusCode: "Complete", Timestamps: times.map((time) => time / 1000), Values: times.map((time) => statistic(Stat, buckets.get(time) ?? [])) };
    }),
    Messages: [],
  };
}

/**
 * DescribeAlarms by name prefix. As AWS documents it, composite alarms are returned only when
 * `AlarmTypes` asks for them ("If you omit this parameter, only metric alarms are returned"):
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
 */
function describeAlarms(fake: FakeCloudWatch, region: string, body: { AlarmNamePrefix?: string; AlarmTypes?: string[] }) {
  const types = body.AlarmTypes ?? ["MetricAlarm"];
  const matching = fake.alarms.filter((alarm) => alarm.region === region && alarm.name.startsWith(body.AlarmNamePrefix ?? ""));
  const shape = (alarm: FakeAlarm) => ({ AlarmName: alarm.name, StateValue: alarm.state, StateReason: alarm.reason, StateUpdatedTimestamp: alarm.updatedAt / 1000 });
  return {
    MetricAlarms: types.includes("MetricAlarm") ? matching.filter((alarm) => !alarm.composite).map(shape) : [],
    CompositeAlarms: types.includes("CompositeAlarm") ? matching.filter((alarm) => alarm.composite).map(shape) : [],
  };
}

const ACTIONS: Record<string, string> = { GetMetricData: "cloudwatch:GetMetricData", DescribeAlarms: "cloudwatch:DescribeAlarms" };

export async function startFakeCloudWatch(): Promise<FakeCloudWatch> {
  const fake = { metrics: [], alarms: [], denied: new Set<string>(), calls: [] } as unknown as FakeCloudWatch;
  const server = await startAwsJsonServer("application/x-amz-json-1.0", (call, reply) => {
    const { operation, region, body } = call;
    fake.calls.push(call);
    const action = ACTIONS[operation];
    if (!action) return reply(400, { __type: "com.amazonaws.cloudwatch#InvalidAction", message: `fake CloudWatch: ${operation} not supported` }, { "x-amzn-query-error": "InvalidAction;Sender" });
    if (fake.denied.has(action)) {
      return reply(403, { __type: "com.amazonaws.cloudwatch#AccessDenied", message: accessDeniedMessage(action) }, { "x-amzn-query-error": "AccessDenied;Sender" });
    }
    if (operation === "GetMetricData") return reply(200, metricData(fake, region, body as never));
    return reply(200, describeAlarms(fake, region, body));
  });
  fake.endpoint = server.endpoint;
  fake.close = server.close;
  return fake;
}
