import { expect } from "chai";
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { GetParameterCommand, GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import type { SelfTestReport } from "../../functions/common/contract";
import { ValidationError } from "../../functions/common/targets";
import { createHandler, PUBLISH_RESERVE_MS, type HandlerDependencies, type ProbeSummary } from "../../functions/probe/index";
import { PublishError } from "../../functions/probe/publish";
import { SECRET_CACHE_SECONDS } from "../../functions/probe/secrets";
import { CHECK_FAILED_VALUE } from "../../functions/common/metrics";
import { refusedPort, startHttpServer, type TestServer } from "./support/servers";

const context = (remainingMs = 60_000) => ({ getRemainingTimeInMillis: () => remainingMs });

describe("probe Lambda handler", function () {
  let cloudWatch: AwsClientStub<CloudWatchClient>;
  let server: TestServer;
  let logs: string[];
  let clientRegions: Array<string | undefined>;

  const handlerWith = (env: NodeJS.ProcessEnv = {}, extra: Partial<HandlerDependencies> = {}) =>
    createHandler({
      env: { AWS_REGION: "us-east-1", ...env },
      log: (line) => logs.push(line),
      createClient: (region) => {
        clientRegions.push(region);
        // A dead local endpoint: were the mock ever not in place, nothing would leave the machine.
        return new CloudWatchClient({ region, endpoint: "http://127.0.0.1:9" });
      },
      publish: { sleep: async () => undefined },
      ...extra,
    });
  const published = (): MetricDatum[] => cloudWatch.commandCalls(PutMetricDataCommand).flatMap((call) => call.args[0].input.MetricData ?? []);
  const valuesOf = (name: string) => published().filter((datum) => datum.MetricName === name);

  before(async () => {
    cloudWatch = mockClient(CloudWatchClient);
    server = await startHttpServer();
  });
  after(async () => {
    cloudWatch.restore();
    await server.close();
  });
  beforeEach(() => {
    cloudWatch.reset();
    cloudWatch.on(PutMetricDataCommand).resolves({});
    logs = [];
    clientRegions = [];
  });

  it("probes, publishes every metric and the heartbeat, logs a line per target and returns the summary", async () => {
    const handler = handlerWith();
    const targets = [{ url: server.url("/ok"), name: "home" }, { url: server.url("/status/503") }];

    const summary = (await handler({ targets, shard: { index: 1, count: 3 } }, context())) as ProbeSummary;

    expect(summary).to.include({ probed: 2, ok: 1, failed: 1, skipped: 0, publishRequests: 1, publishRetries: 0 });
    expect(summary.shard).to.deep.equal({ index: 1, count: 3 });
    expect(summary.results.map((result) => [result.url, result.ok, result.status, result.error?.code ?? null])).to.deep.equal([
      [targets[0].url, true, 200, null],
      [targets[1].url, false, 503, "STATUS"],
    ]);
    expect(Object.keys(summary.eventLoopDelayMs)).to.deep.equal(["p50", "p99", "max"]);
    expect(summary.durationMs).to.be.a("number");

    const call = cloudWatch.commandCalls(PutMetricDataCommand)[0].args[0].input;
    expect(call.Namespace).to.equal("WebHealth");
    expect(summary.datumsPublished).to.equal(published().length);
    expect(valuesOf("Check").map((datum) => [datum.Dimensions, datum.Value === CHECK_FAILED_VALUE])).to.deep.equal([
      [[{ Name: "Url", Value: targets[0].url }], false],
      [[{ Name: "Url", Value: targets[1].url }], true],
    ]);
    expect(valuesOf("Check")[0].Value).to.equal(summary.results[0].timings.totalMs);
    // Phase metrics are opt-in.
    expect(valuesOf("TimeToFirstByte").length).to.equal(0);
    expect(valuesOf("TargetsProbed").map((datum) => [datum.Value, datum.Dimensions])).to.deep.equal([[2, []]]);
    expect(clientRegions).to.deep.equal(["us-east-1"]);

    const lines = logs.map((line) => JSON.parse(line));
    expect(lines.map((line) => line.type)).to.deep.equal(["probe-result", "probe-result", "probe-summary"]);
    expect(lines[0]).to.include({ url: targets[0].url, name: "home", ok: true, region: "us-east-1" });
    expect(lines[1]).to.deep.include({ ok: false, status: 503, error: { code: "STATUS", message: summary.results[1].error?.message } });
    expect(Object.keys(lines[1])).to.deep.equal(["type", "url", "name", "region", "scheduledAt", "ok", "status", "error", "timings", "tls", "redirects", "attempts", "warnings"]);
    expect(lines[2]).to.include({ probed: 2, ok: 1, failed: 1, skipped: 0, region: "us-east-1" });
    expect(lines[2]).to.not.have.property("results");
  });

  it("stamps every datum and log line with the run's scheduled time (the event's time), not with when it finished", async () => {
    const handler = handlerWith();
    const time = "2026-12-01T10:03:58Z";

    await handler({ time, targets: [{ url: server.url("/delay/50") }] }, context());

    expect(published().map((datum) => (datum.Timestamp as Date).toISOString())).to.deep.equal([new Date(time).toISOString(), new Date(time).toISOString()]);
    expect(logs.map((line) => JSON.parse(line).scheduledAt)).to.deep.equal([new Date(time).toISOString(), new Date(time).toISOString()]);
  });

  it("honours the stage's settings: namespace, home region, the heartbeat's Region dimension, phase metrics on", async () => {
    const handler = handlerWith({
      METRICS_NAMESPACE: "Acme/Web",
      METRICS_REGION: "eu-central-1",
      METRICS_REGION_DIMENSION: "ap-southeast-2",
      PHASE_METRICS: "true",
    });

    await handler({ targets: [{ url: server.url("/ok") }] }, context());

    expect(clientRegions).to.deep.equal(["eu-central-1"]);
    expect(cloudWatch.commandCalls(PutMetricDataCommand)[0].args[0].input.Namespace).to.equal("Acme/Web");
    expect(published().map((datum) => datum.MetricName)).to.deep.equal(["Check", "TimeToFirstByte", "ConnectTime", "TransferTime", "TargetsProbed"]);
    expect(valuesOf("Check")[0].Dimensions).to.deep.equal([{ Name: "Url", Value: server.url("/ok") }]);
    expect(valuesOf("TargetsProbed")[0].Dimensions).to.deep.equal([{ Name: "Region", Value: "ap-southeast-2" }]);
  });

  it("creates the CloudWatch client once per container", async () => {
    const handler = handlerWith();

    await handler({ targets: [{ url: server.url("/ok") }] }, context());
    await handler({ targets: [{ url: server.url("/ok") }] }, context());

    expect(clientRegions).to.deep.equal(["us-east-1"]);
  });

  it("stops probing before the Lambda's time runs out: interrupted targets are skipped and publish nothing", async () => {
    const handler = handlerWith();
    const targets = [{ url: server.url("/ok") }, { url: server.url("/hang"), timeoutMs: 20_000 }];

    const summary = (await handler({ targets }, context(PUBLISH_RESERVE_MS + 500))) as ProbeSummary;

    expect(summary).to.include({ probed: 1, ok: 1, failed: 0, skipped: 1 });
    expect(summary.durationMs).to.be.below(PUBLISH_RESERVE_MS);
    expect(summary.results[1]).to.include({ skipped: true, ok: false, error: null });
    expect(published().some((datum) => datum.Dimensions?.some((d) => d.Value === targets[1].url))).to.equal(false);
    expect(valuesOf("TargetsProbed")[0].Value).to.equal(1);
  });

  const badEvents: Array<[string, unknown, string]> = [
    ["a target with a bad URL", { targets: [{ url: "https://a.example/" }, { url: "https://b.example/" }, { url: "ftp://c.example/" }] }, "event.targets[2].url: must be http or https"],
    ["no targets", {}, "event.targets: is required"],
    ["an empty list", { targets: [] }, "event.targets: must contain at least one target"],
    ["a shard index out of range", { targets: [{ url: "https://a.example/" }], shard: { index: 3, count: 3 } }, "event.shard.index: must be less than shard.count"],
    ["an unknown field", { targets: [{ url: "https://a.example/" }], target: [] }, "event.target: is not a known field"],
    ["not an object", "probe everything", "event: must be an object"],
  ];
  for (const [title, event, message] of badEvents) {
    it(`rejects an event with ${title}, probing and publishing nothing`, async () => {
      server.resetStats();

      const error = await handlerWith()(event, context()).catch((e: unknown) => e);

      expect(error).to.be.instanceOf(ValidationError);
      expect((error as ValidationError).problems).to.deep.equal([message]);
      expect(cloudWatch.commandCalls(PutMetricDataCommand).length).to.equal(0);
      expect(server.stats.requests).to.equal(0);
    });
  }

  it("rejects a bad setting by its variable name", async () => {
    const error = await handlerWith({ PROBE_CONCURRENCY: "lots", PHASE_METRICS: "yes" })({ targets: [{ url: server.url("/ok") }] }, context()).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).problems).to.deep.equal(['PHASE_METRICS: must be "true" or "false"', "PROBE_CONCURRENCY: must be a whole number from 1 to 256"]);
  });

  it("fails the invocation when publishing fails, after logging the results and the summary", async () => {
    cloudWatch.reset();
    cloudWatch.on(PutMetricDataCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }));

    const error = await handlerWith()({ targets: [{ url: server.url("/ok") }] }, context()).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(PublishError);
    const summaryLine = JSON.parse(logs[logs.length - 1]);
    expect(summaryLine).to.include({ type: "probe-summary", datumsPublished: 0 });
    expect(summaryLine.publishError).to.match(/AccessDenied: denied/);
  });

  describe("secrets (SSM Parameter Store, mocked: there is no local SSM server)", () => {
    const TOKEN = "Bearer live-4b1e0c";
    const OTHER = "key-77aa21";
    const PATH = "/webhealth/beta/secrets/";
    const env = { SECRETS_PARAMETER_PATH: PATH, SECRETS_REGION: "eu-west-1" };
    let ssm: AwsClientStub<SSMClient>;
    let ssmRegions: Array<string | undefined>;
    before(() => {
      ssm = mockClient(SSMClient);
    });
    after(() => ssm.restore());
    beforeEach(() => {
      ssm.reset();
      ssmRegions = [];
      server.resetStats();
    });
    const secretHandler = () =>
      handlerWith(env, {
        createSecretsClient: (region) => {
          ssmRegions.push(region);
          return new SSMClient({ region, endpoint: "http://127.0.0.1:9" });
        },
      });
    const targets = () => [
      { url: server.url("/echo?a"), name: "a", request: { headers: { Authorization: { secret: "api-token" } } } },
      { url: server.url("/echo?b"), name: "b", request: { headers: { "X-Api-Key": { secret: "other-key" } } } },
      { url: server.url("/ok"), name: "plain" },
    ];

    it("reads exactly the parameters the targets name, in the home region, decrypted, and sends them", async () => {
      ssm.on(GetParametersCommand).resolves({
        Parameters: [
          { Name: `${PATH}api-token`, Value: TOKEN, Type: "SecureString" },
          { Name: `${PATH}other-key`, Value: OTHER, Type: "SecureString" },
        ],
        InvalidParameters: [],
      });

      const summary = (await secretHandler()({ targets: targets() }, context())) as ProbeSummary;

      expect(summary.results.map((result) => result.ok)).to.deep.equal([true, true, true]);
      const calls = ssm.commandCalls(GetParametersCommand).map((call) => call.args[0].input);
      expect(calls).to.deep.equal([{ Names: [`${PATH}api-token`, `${PATH}other-key`], WithDecryption: true }]);
      expect(ssmRegions).to.deep.equal(["eu-west-1"]);
      expect(server.seen.map((seen) => [seen.path, seen.headers.authorization ?? null, seen.headers["x-api-key"] ?? null])).to.have.deep.members([
        ["/echo?a", TOKEN, null],
        ["/echo?b", null, OTHER],
        ["/ok", null, null],
      ]);
      // Logs, results and published metrics never carry a value.
      const everything = JSON.stringify({ logs, summary, published: published() });
      expect(everything).to.not.contain(TOKEN);
      expect(everything).to.not.contain(OTHER);
    });

    it("never logs, returns or publishes a value a server echoes back into a failure message", async () => {
      ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: `${PATH}api-token`, Value: TOKEN, Type: "SecureString" }] });
      const echoed = [{ url: server.url("/echo?a"), name: "a", request: { headers: { Authorization: { secret: "api-token" } } }, expect: { json: [{ path: "headers.authorization", equals: "Bearer nope" }] } }];

      const summary = (await secretHandler()({ targets: echoed }, context())) as ProbeSummary;

      expect(server.seen[0].headers.authorization).to.equal(TOKEN);
      expect(summary.results[0].error).to.deep.equal({ code: "BODY", message: 'json headers.authorization: expected "Bearer nope", got "[secret]"' });
      expect(JSON.stringify({ logs, summary, published: published() })).to.not.contain(TOKEN);
    });

    it("caches the values for a bounded time: the next invocations of the container read nothing", async () => {
      ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: `${PATH}api-token`, Value: TOKEN }, { Name: `${PATH}other-key`, Value: OTHER }] });
      const handler = secretHandler();

      await handler({ targets: targets() }, context());
      await handler({ targets: targets() }, context());

      expect(ssm.commandCalls(GetParametersCommand).length).to.equal(1);
    });

    it("reads them again once the cache's time (SECRET_CACHE_SECONDS) is up, not before", async () => {
      ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: `${PATH}api-token`, Value: TOKEN }, { Name: `${PATH}other-key`, Value: OTHER }] });
      const handler = secretHandler();
      const realNow = Date.now;
      const cachedAt = realNow();
      const reads: number[] = [];

      await handler({ targets: targets() }, context());
      try {
        // Powertools' cache compares its expiry with Date.now().
        for (const seconds of [SECRET_CACHE_SECONDS - 5, SECRET_CACHE_SECONDS + 5]) {
          Date.now = () => cachedAt + seconds * 1000;
          await handler({ targets: targets() }, context());
          reads.push(ssm.commandCalls(GetParametersCommand).length);
        }
      } finally {
        Date.now = realNow;
      }

      expect([SECRET_CACHE_SECONDS, reads]).to.deep.equal([300, [1, 2]]);
    });

    it("survives a failed read: only the targets that need the failing secret fail, with SECRET and the reason", async () => {
      // The batch is denied as a whole (one parameter's key is not ours); one by one, only other-key fails.
      ssm.on(GetParametersCommand).rejects(Object.assign(new Error("not authorized to perform kms:Decrypt"), { name: "AccessDeniedException" }));
      ssm.on(GetParameterCommand, { Name: `${PATH}api-token` }).resolves({ Parameter: { Name: `${PATH}api-token`, Value: TOKEN } });
      ssm.on(GetParameterCommand, { Name: `${PATH}other-key` }).rejects(Object.assign(new Error("not authorized to perform kms:Decrypt"), { name: "AccessDeniedException" }));

      const summary = (await secretHandler()({ targets: targets() }, context())) as ProbeSummary;

      expect(summary.results.map((result) => [result.name, result.ok, result.error?.code ?? null])).to.deep.equal([
        ["a", true, null],
        ["b", false, "SECRET"],
        ["plain", true, null],
      ]);
      expect(summary.results[1].error?.message).to.equal('request.headers.X-Api-Key: secret "other-key" could not be read: AccessDeniedException: not authorized to perform kms:Decrypt');
      expect(server.seen.map((seen) => seen.path).sort()).to.deep.equal(["/echo?a", "/ok"]);
      expect(JSON.stringify(logs)).to.not.contain(TOKEN);
    });

    it("fails a target whose parameter does not exist, probing the others", async () => {
      ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: `${PATH}api-token`, Value: TOKEN }], InvalidParameters: [`${PATH}other-key`] });

      const summary = (await secretHandler()({ targets: targets() }, context())) as ProbeSummary;

      expect(summary.results[1].error).to.deep.equal({ code: "SECRET", message: `request.headers.X-Api-Key: secret "other-key" could not be read: parameter ${PATH}other-key does not exist` });
      expect(summary.results[0].ok).to.equal(true);
    });

    it("reads nothing when no target names a secret, and fails secret targets of a stage without secrets", async () => {
      const plain = await handlerWith(env)({ targets: [{ url: server.url("/ok") }] }, context());
      const without = (await handlerWith()({ targets: targets() }, context())) as ProbeSummary;

      expect((plain as ProbeSummary).ok).to.equal(1);
      expect(ssm.commandCalls(GetParametersCommand).length).to.equal(0);
      expect(without.results.map((result) => result.error?.code ?? "ok")).to.deep.equal(["SECRET", "SECRET", "ok"]);
    });

    it("uses the secrets in the self-test too", async () => {
      ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: `${PATH}api-token`, Value: TOKEN }, { Name: `${PATH}other-key`, Value: OTHER }] });

      const report = (await secretHandler()({ selfTest: true, targets: targets().slice(0, 1) }, context())) as SelfTestReport;

      expect(report.checks.map((check) => [check.name, check.passed, check.detail?.startsWith("ok 200")])).to.deep.equal([
        ["loopback", true, true],
        [server.url("/echo?a"), true, true],
      ]);
      expect(JSON.stringify(logs)).to.not.contain(TOKEN);
    });
  });

  it("logs each result with its warnings, judged by the stage's thresholds", async () => {
    await handlerWith({ CERTIFICATE_WARNING_DAYS: "14", DEFAULT_LATENCY_MS: "1" })({ targets: [{ url: server.url("/delay/20") }] }, context());

    expect(JSON.parse(logs[0])).to.include({ type: "probe-result" }).and.to.deep.include({ warnings: ["SLOW"] });
  });

  describe("self-test", () => {
    it("checks the loopback server and every target, publishing nothing; a site being down still passes", async () => {
      const port = await refusedPort();
      const targets = [{ url: server.url("/ok") }, { url: `http://127.0.0.1:${port}/` }, { url: server.url("/status/503") }];

      const report = (await handlerWith()({ selfTest: true, targets }, context())) as SelfTestReport;

      expect(report.selfTest).to.equal(true);
      expect(report.passed).to.equal(true);
      expect(report.checks.map((check) => [check.name, check.passed])).to.deep.equal([
        ["loopback", true],
        [targets[0].url, true],
        [targets[1].url, true],
        [targets[2].url, true],
      ]);
      expect(report.checks[0].detail).to.match(/^ok 200 in \d+ ms \(ttfb [\d.]+ ms\)$/);
      expect(report.checks[1].detail).to.match(/^ok 200 in \d+ ms$/);
      expect(report.checks[2].detail).to.match(/^REFUSED: connect ECONNREFUSED/);
      expect(report.checks[3].detail).to.equal("STATUS: status 503 is not accepted (expected 2xx)");
      expect(cloudWatch.commandCalls(PutMetricDataCommand).length).to.equal(0);
      expect(clientRegions).to.deep.equal([]);
    });

    it("runs the loopback check alone when no targets are given", async () => {
      const report = (await handlerWith()({ selfTest: true }, context())) as SelfTestReport;

      expect(report.passed).to.equal(true);
      expect(report.checks.map((check) => check.name)).to.deep.equal(["loopback"]);
    });

    it("fails when a target could not be measured in time", async () => {
      const report = (await handlerWith()({ selfTest: true, targets: [{ url: server.url("/hang"), timeoutMs: 20_000 }] }, context(PUBLISH_RESERVE_MS + 500))) as SelfTestReport;

      expect(report.passed).to.equal(false);
      expect(report.checks[0]).to.include({ name: "loopback", passed: true });
      expect(report.checks[1]).to.deep.equal({ name: server.url("/hang"), passed: false, detail: "skipped: the invocation's deadline was reached before a result" });
    });
  });
});
