// The publisher refuses, datum by datum, what CloudWatch would reject, so one bad datum never
// fails the request that carries every other target's datums and the heartbeat.
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { datumProblem } from "../../functions/probe/datum-check";
import { publishDatums } from "../../functions/probe/publish";

const NOW = new Date("2026-12-01T10:00:00.000Z");
const ok: MetricDatum = { MetricName: "Availability", Dimensions: [{ Name: "Url", Value: "https://example.com/" }], Value: 1, Unit: "None", Timestamp: NOW };

describe("probe: datums CloudWatch would reject are refused one by one", () => {
  const cases: Array<[string, MetricDatum, string | undefined]> = [
    ["a valid datum", ok, undefined],
    ["a zero value", { ...ok, Value: 0 }, undefined],
    ["NaN", { ...ok, Value: NaN }, "Value is NaN, not a finite number"],
    ["Infinity", { ...ok, Value: Infinity }, "Value is Infinity, not a finite number"],
    ["above 2^360", { ...ok, Value: 2 ** 361 }, `Value is ${2 ** 361}, beyond CloudWatch's range of -2^360 to 2^360`],
    ["closer to zero than 2^-360", { ...ok, Value: 2 ** -400 }, `Value is ${2 ** -400}, closer to zero than CloudWatch's 2^-360`],
    ["no value", { ...ok, Value: undefined }, "Value is missing"],
    ["a non-ASCII dimension value", { ...ok, Dimensions: [{ Name: "Url", Value: "https://bücher.example/" }] }, "dimension Url has characters other than printable ASCII (control or non-ASCII characters)"],
    ["a control character", { ...ok, Dimensions: [{ Name: "Url", Value: "https://example.com/\u0007" }] }, "dimension Url has characters other than printable ASCII (control or non-ASCII characters)"],
    ["an empty dimension value", { ...ok, Dimensions: [{ Name: "Url", Value: "" }] }, "dimension Url is empty"],
    ["a dimension value of spaces only", { ...ok, Dimensions: [{ Name: "Url", Value: "   " }] }, "dimension Url is only whitespace"],
    ["a dimension name of spaces only", { ...ok, Dimensions: [{ Name: " ", Value: "x" }] }, 'dimension name " " is only whitespace'],
    ["a metric name of spaces only", { ...ok, MetricName: "  " }, "MetricName is only whitespace"],
    ["spaces inside a dimension value", { ...ok, Dimensions: [{ Name: "Url", Value: " a b " }] }, undefined],
    ["a dimension value over 1,024 characters", { ...ok, Dimensions: [{ Name: "Url", Value: "u".repeat(1025) }] }, "dimension Url is 1025 characters, more than 1024"],
    ["a dimension name starting with a colon", { ...ok, Dimensions: [{ Name: ":Url", Value: "x" }] }, 'dimension name ":Url" starts with ":"'],
    ["31 dimensions", { ...ok, Dimensions: Array.from({ length: 31 }, (_, index) => ({ Name: `D${index}`, Value: "x" })) }, "31 dimensions, more than 30"],
    ["an empty metric name", { ...ok, MetricName: "" }, "MetricName is empty"],
    ["a timestamp three weeks old", { ...ok, Timestamp: new Date(NOW.getTime() - 21 * 86_400_000) }, "Timestamp 2026-11-10T10:00:00.000Z is more than two weeks old"],
    ["a timestamp three hours ahead", { ...ok, Timestamp: new Date(NOW.getTime() + 3 * 3_600_000) }, "Timestamp 2026-12-01T13:00:00.000Z is more than two hours ahead"],
  ];
  for (const [title, datum, expected] of cases) {
    it(`${title}: ${expected ?? "accepted"}`, () => {
      expect(datumProblem(datum, NOW)).to.equal(expected);
    });
  }

  it("publishes every other datum and logs the refused one with its reason", async () => {
    const cloudWatch = mockClient(CloudWatchClient);
    cloudWatch.on(PutMetricDataCommand).resolves({});
    const lines: string[] = [];
    const bad = { ...ok, Dimensions: [{ Name: "Url", Value: "https://bücher.example/" }] };
    const heartbeat: MetricDatum = { MetricName: "TargetsProbed", Value: 2, Unit: "Count", Timestamp: NOW };
    try {
      const report = await publishDatums(new CloudWatchClient({}), "WebHealth", [ok, bad, heartbeat], { log: (line) => lines.push(line), now: () => NOW });
      expect(report).to.deep.equal({ requests: 1, datums: 2, retries: 0 });
      expect(cloudWatch.commandCalls(PutMetricDataCommand).map((call) => call.args[0].input)).to.deep.equal([{ Namespace: "WebHealth", MetricData: [ok, heartbeat] }]);
      expect(lines.map((line) => JSON.parse(line))).to.deep.equal([
        {
          type: "datum-refused",
          metricName: "Availability",
          dimensions: [{ Name: "Url", Value: "https://bücher.example/" }],
          value: 1,
          timestamp: NOW.toISOString(),
          reason: "dimension Url has characters other than printable ASCII (control or non-ASCII characters)",
        },
      ]);
    } finally {
      cloudWatch.restore();
    }
  });
});
