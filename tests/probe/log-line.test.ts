import { expect } from "chai";
import { phaseTimingsQuery, probeLogGroupName, recentResultsQuery } from "../../functions/common/probe-log";
import { probeResultLogLine } from "../../functions/probe/log-line";
import type { ProbeResult } from "../../functions/probe/result";

const result: ProbeResult = {
  url: "https://shop.example.com/health",
  name: "shop",
  ok: false,
  status: 503,
  error: { code: "STATUS", message: "status 503" },
  timings: { dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: 4, transferMs: 5, totalMs: 15 },
  tls: { daysRemaining: 40, validTo: "2027-01-10T00:00:00.000Z", issuer: "CN=R11" },
  redirects: 0,
  attempts: 2,
  warnings: [],
};
const context = { region: "eu-west-1", scheduledAt: new Date("2026-12-01T10:03:00.000Z") };

describe("probe log line and its Logs Insights queries", () => {
  it("carries what says why a target fails: target, region, scheduled time, ok, status, error, timings", () => {
    expect(probeResultLogLine(result, context)).to.deep.equal({
      type: "probe-result",
      url: "https://shop.example.com/health",
      name: "shop",
      region: "eu-west-1",
      scheduledAt: "2026-12-01T10:03:00.000Z",
      ok: false,
      status: 503,
      error: { code: "STATUS", message: "status 503" },
      timings: { dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: 4, transferMs: 5, totalMs: 15 },
      tls: { daysRemaining: 40, validTo: "2027-01-10T00:00:00.000Z", issuer: "CN=R11" },
      redirects: 0,
      attempts: 2,
      warnings: [],
    });
  });

  it("never logs what a result carries beyond its listed fields (a request's headers, a secret)", () => {
    const withSecrets = {
      ...result,
      request: { method: "POST", headers: { authorization: "Bearer s3cr3t-t0ken" } },
      secret: "s3cr3t-t0ken",
      error: { code: "STATUS" as const, message: "status 503", detail: "s3cr3t-t0ken" },
      timings: { ...result.timings, header: "s3cr3t-t0ken" },
    } as unknown as ProbeResult;
    const line = JSON.stringify(probeResultLogLine(withSecrets, context));
    expect(line).to.not.include("s3cr3t-t0ken");
    expect(line).to.not.include("authorization");
  });

  it("carries the engine's warnings, and the skipped flag only when skipped", () => {
    expect(probeResultLogLine({ ...result, ok: true, warnings: ["SLOW", "CERTIFICATE"] }, context).warnings).to.deep.equal(["SLOW", "CERTIFICATE"]);
    expect(probeResultLogLine(result, context)).to.not.have.property("skipped");
    expect(probeResultLogLine({ ...result, skipped: true }, context).skipped).to.equal(true);
  });

  it("defines one query for one target's latest results (the notifier's) and the latest failures (the dashboard's)", () => {
    expect(recentResultsQuery({ url: 'https://a.example.com/"q"\\x' })).to.equal(
      [
        "fields @timestamp, url, name, region, ok, status, error.code, error.message, timings.totalMs, attempts, @message",
        'filter type = "probe-result" and url = "https://a.example.com/\\"q\\"\\\\x"',
        "sort @timestamp desc",
        "limit 50",
      ].join("\n| "),
    );
    expect(recentResultsQuery({ failuresOnly: true, limit: 20 })).to.include('filter type = "probe-result" and ok = 0 and ispresent(error.code)\n| sort @timestamp desc\n| limit 20');
    expect(phaseTimingsQuery()).to.include("avg(timings.dnsMs) as dnsMs");
    expect(probeLogGroupName("webhealth-prod-probe-eu-west-1")).to.equal("/aws/lambda/webhealth-prod-probe-eu-west-1");
  });
});
