import { expect } from "chai";
import { ValidationError } from "../../functions/common/targets";
import { buildLedgerItem, regionFromAlarmArn } from "../../functions/recorder/item";
import { parseAlarmNotification } from "../../functions/recorder/notification";
import { METRIC_MATH_OK, SAMPLE_CONTEXT, SAMPLES, SINGLE_METRIC_ALARM } from "../../functions/recorder/samples";
import { thrownBy } from "./helpers";

/** The sample notification with some fields replaced (undefined removes a field). */
function variant(overrides: Record<string, unknown>): string {
  const notification: Record<string, unknown> = { ...SINGLE_METRIC_ALARM.notification, ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete notification[key];
  return JSON.stringify(notification);
}

describe("ledger: parsing CloudWatch alarm notifications", () => {
  for (const sample of SAMPLES) {
    it(`turns the ${sample.name} sample into its expected item`, () => {
      // Act
      const item = buildLedgerItem(parseAlarmNotification(JSON.stringify(sample.notification)), SAMPLE_CONTEXT);
      // Assess
      expect(item).to.deep.equal(sample.expected);
    });
  }

  it("leaves url out of the probe-health item, so the byUrl index stays sparse", () => {
    const item = buildLedgerItem(parseAlarmNotification(JSON.stringify(SAMPLES[2].notification)), SAMPLE_CONTEXT);
    expect(Object.keys(item)).to.not.include("url");
    expect(Object.keys(item)).to.not.include("description");
  });

  const timeCases: Array<[string, string]> = [
    ["2026-11-26T10:03:41.123+0000", "2026-11-26T10:03:41.123Z"],
    ["2026-11-26T10:03:41.000+0000", "2026-11-26T10:03:41.000Z"],
    ["2026-11-26T10:03:41+0000", "2026-11-26T10:03:41.000Z"],
    ["2026-11-26T12:03:41.5+0200", "2026-11-26T10:03:41.500Z"],
    ["2026-11-26T10:03:41.123Z", "2026-11-26T10:03:41.123Z"],
    ["2026-11-26T00:30:00.000+01:00", "2026-11-25T23:30:00.000Z"],
  ];
  for (const [given, expected] of timeCases) {
    it(`normalises StateChangeTime ${given} to ${expected} and its day`, () => {
      const item = buildLedgerItem(parseAlarmNotification(variant({ StateChangeTime: given })), SAMPLE_CONTEXT);
      expect([item.changedAt, item.day, item.eventKey]).to.deep.equal([
        expected,
        expected.slice(0, 10),
        `${expected}#webhealth-beta-example-availability`,
      ]);
    });
  }

  it("accepts dimensions in the API's { Name, Value } casing too", () => {
    const trigger = { ...(SINGLE_METRIC_ALARM.notification.Trigger as object), Dimensions: [{ Name: "Url", Value: "https://b.example/" }] };
    const item = buildLedgerItem(parseAlarmNotification(variant({ Trigger: trigger })), SAMPLE_CONTEXT);
    expect(item.url).to.equal("https://b.example/");
  });

  it("keeps no url for a metric-math alarm whose metrics name different URLs", () => {
    const trigger = structuredClone(METRIC_MATH_OK.notification.Trigger) as { Metrics: Array<{ MetricStat?: { Metric: { Dimensions: Array<{ name: string; value: string }> } } }> };
    trigger.Metrics[2].MetricStat!.Metric.Dimensions[0].value = "https://other.example/";
    const item = buildLedgerItem(parseAlarmNotification(JSON.stringify({ ...METRIC_MATH_OK.notification, Trigger: trigger })), SAMPLE_CONTEXT);
    expect(item.url).to.equal(undefined);
    expect(item.metricName).to.equal("Availability");
  });

  it("records a composite alarm (no Trigger) without metric fields", () => {
    const item = buildLedgerItem(parseAlarmNotification(variant({ Trigger: undefined })), SAMPLE_CONTEXT);
    expect([item.url, item.metricName, item.threshold]).to.deep.equal([undefined, undefined, undefined]);
    expect(item.alarmName).to.equal("webhealth-beta-example-availability");
  });

  it("sets expiresAt to the state change plus the retention", () => {
    const item = buildLedgerItem(parseAlarmNotification(variant({})), { ...SAMPLE_CONTEXT, retentionDays: 1 });
    expect(item.expiresAt).to.equal(Date.parse("2026-11-26T10:03:41Z") / 1000 + 86_400);
  });

  const regionCases: Array<[string | undefined, string | undefined]> = [
    ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:x", "eu-west-1"],
    ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:name:with:colons", "us-east-1"],
    ["not-an-arn", undefined],
    [undefined, undefined],
  ];
  for (const [arn, region] of regionCases) {
    it(`reads region ${region} from alarm ARN ${arn}`, () => expect(regionFromAlarmArn(arn)).to.equal(region));
  }

  it("falls back to the display region name when the ARN is missing", () => {
    const item = buildLedgerItem(parseAlarmNotification(variant({ AlarmArn: undefined })), SAMPLE_CONTEXT);
    expect([item.region, item.regionName]).to.deep.equal(["US East (N. Virginia)", "US East (N. Virginia)"]);
  });

  const invalid: Array<[string, string, string[]]> = [
    ["not JSON", "{AlarmName:", ["message: is not JSON (expected a CloudWatch alarm notification)"]],
    ["a JSON array", "[]", ["message: must be a JSON object"]],
    ["no AlarmName", variant({ AlarmName: undefined }), ["message.AlarmName: is required"]],
    ["an unknown state", variant({ NewStateValue: "BROKEN" }), ["message.NewStateValue: must be OK, ALARM or INSUFFICIENT_DATA"]],
    ["no OldStateValue", variant({ OldStateValue: undefined }), ["message.OldStateValue: is required"]],
    ["a bad time", variant({ StateChangeTime: "yesterday" }), ["message.StateChangeTime: must be a time like 2026-11-26T10:03:41.123+0000"]],
    ["an impossible time", variant({ StateChangeTime: "2026-13-45T10:03:41.123+0000" }), ["message.StateChangeTime: must be a time like 2026-11-26T10:03:41.123+0000"]],
    [
      "several problems",
      variant({ AWSAccountId: undefined, NewStateReason: 5 }),
      ["message.AWSAccountId: is required", "message.NewStateReason: must be a string"],
    ],
  ];
  for (const [name, message, problems] of invalid) {
    it(`rejects ${name}, naming the field`, () => {
      const caught = thrownBy(() => parseAlarmNotification(message));
      expect(caught).to.be.instanceOf(ValidationError);
      expect((caught as ValidationError).problems).to.deep.equal(problems);
    });
  }
});
