import { expect } from "chai";
import * as http from "node:http";
import { gunzipSync } from "node:zlib";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { createCloudWatchClient } from "../../functions/probe/index";
import {
  batchDatums,
  checkValue,
  datumBytes,
  heartbeatDatum,
  isRetryable,
  MAX_DATUMS_PER_REQUEST,
  MAX_REQUEST_BYTES,
  publishDatums,
  PublishError,
  RETRY_POLICY,
  targetDatums,
} from "../../functions/probe/publish";
import { skippedResult, type ProbeResult } from "../../functions/probe/result";
import { CHECK_BANDS, CHECK_FAILED_VALUE } from "../../functions/common/metrics";

const timestamp = new Date("2026-11-26T10:00:00.000Z");
const url = "https://shop.example.com/health";

const okHttps: ProbeResult = {
  url,
  name: "shop",
  ok: true,
  status: 200,
  error: null,
  timings: { dnsMs: 1.5, connectMs: 2.25, tlsMs: 10.125, ttfbMs: 40.5, transferMs: 3, totalMs: 58.375 },
  tls: { daysRemaining: 42, validTo: "2027-01-07T10:00:00.000Z", issuer: "CN=R11" },
  redirects: 0,
  attempts: 1,
  warnings: [],
};

const refused: ProbeResult = {
  ...okHttps,
  ok: false,
  status: null,
  error: { code: "REFUSED", message: "connect ECONNREFUSED" },
  timings: { dnsMs: 1.5, connectMs: null, tlsMs: null, ttfbMs: null, transferMs: null, totalMs: 2 },
  tls: null,
};

const summarizeDatums = (datums: MetricDatum[]) => datums.map((d) => [d.MetricName, d.Value, d.Unit, d.Dimensions?.map((x) => `${x.Name}=${x.Value}`).join(",")]);

function throttled(): Error {
  return Object.assign(new Error("Rate exceeded"), { name: "Throttling", $metadata: { httpStatusCode: 400 } });
}

function manyDatums(count: number, urlLength = 30): MetricDatum[] {
  return Array.from({ length: count }, (_, i) => ({
    MetricName: "Check",
    Value: 1,
    Unit: "None",
    Timestamp: timestamp,
    Dimensions: [{ Name: "Url", Value: `https://example.com/${String(i).padStart(5, "0")}/`.padEnd(urlLength, "x") }],
  }));
}

describe("metrics: datums", () => {
  const certificateHour = new Date("2026-11-26T00:07:00.000Z");

  it("publishes one Check datum (the time of a passed check), stamped with the scheduled time, with no Region dimension", () => {
    const datums = targetDatums(okHttps, { namespace: "WebHealth", phaseMetrics: false, regionDimension: "eu-west-1" }, timestamp);

    expect(summarizeDatums(datums)).to.deep.equal([["Check", 58.375, "Milliseconds", `Url=${url}`]]);
    expect(datums.every((datum) => datum.Timestamp === timestamp)).to.equal(true);
  });

  it("adds every opt-in phase metric when the stage switches them on", () => {
    const datums = targetDatums(okHttps, { namespace: "WebHealth", phaseMetrics: true }, timestamp);

    expect(summarizeDatums(datums)).to.deep.equal([
      ["Check", 58.375, "Milliseconds", `Url=${url}`],
      ["TimeToFirstByte", 40.5, "Milliseconds", `Url=${url}`],
      ["DnsTime", 1.5, "Milliseconds", `Url=${url}`],
      ["ConnectTime", 2.25, "Milliseconds", `Url=${url}`],
      ["TlsTime", 10.125, "Milliseconds", `Url=${url}`],
      ["TransferTime", 3, "Milliseconds", `Url=${url}`],
    ]);
  });

  it("publishes the certificate's days only from runs scheduled in the first hour of the UTC day", () => {
    const settings = { namespace: "WebHealth", phaseMetrics: false };

    expect(summarizeDatums(targetDatums(okHttps, settings, certificateHour))).to.deep.equal([
      ["Check", 58.375, "Milliseconds", `Url=${url}`],
      ["CertificateDaysRemaining", 42, "None", `Url=${url}`],
    ]);
    expect(targetDatums(okHttps, settings, new Date("2026-11-26T01:00:00.000Z")).map((datum) => datum.MetricName)).to.deep.equal(["Check"]);
  });

  it("publishes a failed check as the failure value, far above any check time, and no phase", () => {
    const status503 = { ...okHttps, ok: false, status: 503, error: { code: "STATUS" as const, message: "status 503" } };

    expect(summarizeDatums(targetDatums(refused, { namespace: "WebHealth", phaseMetrics: true }, timestamp))).to.deep.equal([["Check", CHECK_FAILED_VALUE, "Milliseconds", `Url=${url}`]]);
    expect(checkValue(status503)).to.equal(10_000_000);
    expect(checkValue(okHttps)).to.be.at.most(CHECK_BANDS.passedMax);
    expect(CHECK_FAILED_VALUE).to.be.greaterThan(CHECK_BANDS.failedAbove).and.at.most(CHECK_BANDS.failedMax);
  });

  it("publishes nothing for a skipped target, and does not count it in the heartbeat", () => {
    const skipped = skippedResult({ url: "https://late.example.com/" });

    expect(targetDatums(skipped, { namespace: "WebHealth", phaseMetrics: true }, timestamp)).to.deep.equal([]);
    expect(heartbeatDatum([okHttps, refused, skipped], undefined, timestamp)).to.deep.equal({
      MetricName: "TargetsProbed",
      Dimensions: [],
      Value: 2,
      Unit: "Count",
      Timestamp: timestamp,
    });
    expect(heartbeatDatum([okHttps], "us-west-2", timestamp).Dimensions).to.deep.equal([{ Name: "Region", Value: "us-west-2" }]);
  });
});

describe("metrics: batching to PutMetricData's limits", () => {
  it("splits by count: 2,500 datums -> 1,000 + 1,000 + 500, in order", () => {
    const datums = manyDatums(2500);

    const batches = batchDatums(datums, "WebHealth");

    expect(batches.map((batch) => batch.length)).to.deep.equal([1000, 1000, 500]);
    expect(batches.flat()).to.deep.equal(datums);
  });

  it("splits by size before count when URLs are long: every request under 1 MB", () => {
    const datums = manyDatums(1000, 1024);

    const batches = batchDatums(datums, "WebHealth");

    expect(batches.length).to.equal(2);
    expect(batches.flat()).to.deep.equal(datums);
    for (const batch of batches) {
      expect(batch.length).to.be.at.most(MAX_DATUMS_PER_REQUEST);
      expect(batch.reduce((sum, datum) => sum + datumBytes(datum), 0)).to.be.below(MAX_REQUEST_BYTES);
    }
  });
});

describe("metrics: publishing with a mocked CloudWatch client", () => {
  // Mocked in before(), not while mocha loads the files, so other suites' mocks of the same client do not overlap.
  let cloudWatch: AwsClientStub<CloudWatchClient>;
  let sleeps: number[];
  const options = () => ({ sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.5 });
  const client = new CloudWatchClient({ region: "us-east-1", endpoint: "http://127.0.0.1:9" });

  before(() => {
    cloudWatch = mockClient(CloudWatchClient);
  });
  beforeEach(() => {
    cloudWatch.reset();
    sleeps = [];
  });
  after(() => cloudWatch.restore());

  it("sends one PutMetricData per batch into the namespace", async () => {
    cloudWatch.on(PutMetricDataCommand).resolves({});

    const report = await publishDatums(client, "WebHealth", manyDatums(2500), options());

    const calls = cloudWatch.commandCalls(PutMetricDataCommand);
    expect(calls.map((call) => call.args[0].input.MetricData?.length)).to.deep.equal([1000, 1000, 500]);
    expect(calls.every((call) => call.args[0].input.Namespace === "WebHealth")).to.equal(true);
    expect(report).to.deep.equal({ requests: 3, datums: 2500, retries: 0 });
    expect(sleeps).to.deep.equal([]);
  });

  it("retries a throttled request with exponential backoff and jitter", async () => {
    cloudWatch.on(PutMetricDataCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({});

    const report = await publishDatums(client, "WebHealth", manyDatums(10), options());

    expect(report).to.deep.equal({ requests: 3, datums: 10, retries: 2 });
    // Half (random 0.5) of 200 ms, then of 400 ms.
    expect(sleeps).to.deep.equal([100, 200]);
  });

  it("gives up after the policy's attempts and says how many datums were lost", async () => {
    cloudWatch.on(PutMetricDataCommand).rejects(throttled());

    const error = await publishDatums(client, "WebHealth", manyDatums(10), options()).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(PublishError);
    expect((error as PublishError).message).to.equal("PutMetricData failed for 10 of 10 datums: Throttling: Rate exceeded");
    expect(cloudWatch.commandCalls(PutMetricDataCommand).length).to.equal(RETRY_POLICY.maxAttempts);
    expect(sleeps).to.deep.equal([100, 200, 400, 800]);
  });

  it("does not retry a request CloudWatch rejects, and still sends the other batches", async () => {
    const denied = Object.assign(new Error("not authorized to perform cloudwatch:PutMetricData"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    cloudWatch.on(PutMetricDataCommand).rejectsOnce(denied).resolves({});

    const error = (await publishDatums(client, "WebHealth", manyDatums(1500), options()).catch((e: unknown) => e)) as PublishError;

    expect(error).to.be.instanceOf(PublishError);
    expect(error.message).to.equal("PutMetricData failed for 1000 of 1500 datums: AccessDenied: not authorized to perform cloudwatch:PutMetricData");
    expect(error.report).to.deep.equal({ requests: 2, datums: 500, retries: 0 });
    expect(sleeps).to.deep.equal([]);
  });

  it("starts no retry that would end after the deadline", async () => {
    cloudWatch.on(PutMetricDataCommand).rejects(throttled());

    const error = await publishDatums(client, "WebHealth", manyDatums(5), { ...options(), deadline: performance.now() + 50 }).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(PublishError);
    expect(cloudWatch.commandCalls(PutMetricDataCommand).length).to.equal(1);
    expect(sleeps).to.deep.equal([]);
  });

  const retryable: Array<[string, unknown, boolean]> = [
    ["Throttling", throttled(), true],
    ["ThrottlingException", { name: "ThrottlingException" }, true],
    ["HTTP 429", { name: "Error", $metadata: { httpStatusCode: 429 } }, true],
    ["HTTP 503", { name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } }, true],
    ["SDK-marked retryable", { name: "Error", $retryable: {} }, true],
    ["a reset socket", { name: "Error", code: "ECONNRESET" }, true],
    ["InvalidParameterValue", { name: "InvalidParameterValue", $metadata: { httpStatusCode: 400 } }, false],
    ["AccessDenied", { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }, false],
  ];
  for (const [title, error, expected] of retryable) {
    it(`${expected ? "retries" : "does not retry"} ${title}`, () => {
      expect(isRetryable(error)).to.equal(expected);
    });
  }
});

describe("metrics: the real SDK against a local CloudWatch endpoint (AWS_ENDPOINT_URL)", () => {
  let server: http.Server;
  const bodies: Array<{ target: string | undefined; encoding: string | undefined; bytes: number; json: { Namespace: string; MetricData: unknown[] } }> = [];
  const saved = process.env.AWS_ENDPOINT_URL;

  before(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        // The SDK gzips large PutMetricData bodies (the API accepts gzip); the limit is checked on the uncompressed body.
        const encoding = request.headers["content-encoding"];
        const body = encoding === "gzip" ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks);
        try {
          bodies.push({ target: request.headers["x-amz-target"] as string | undefined, encoding, bytes: body.length, json: JSON.parse(body.toString("utf8")) });
          response.writeHead(200, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "test" });
          response.end("{}");
        } catch (error) {
          response.writeHead(500, { "content-type": "text/plain" });
          response.end(String(error));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = saved;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("sends every batch as a request body under 1 MB, to the endpoint the SDK settings name", async () => {
    const client = createCloudWatchClient("eu-west-1");
    try {
      const datums = manyDatums(1500, 1024);

      const report = await publishDatums(client, "WebHealth", datums);

      expect(report.datums).to.equal(1500);
      expect(bodies.length).to.equal(report.requests);
      expect(bodies.map((body) => body.json.MetricData.length).reduce((a, b) => a + b, 0)).to.equal(1500);
      for (const body of bodies) {
        expect(body.target).to.equal("GraniteServiceVersion20100801.PutMetricData");
        expect(body.json.Namespace).to.equal("WebHealth");
        expect(body.bytes).to.be.below(1_000_000);
      }
      expect(await client.config.region()).to.equal("eu-west-1");
    } finally {
      client.destroy();
    }
  });
});
