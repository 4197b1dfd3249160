/**
 * The notifier's AWS clients against an endpoint that accepts connections and never answers:
 * each call gives up within its request timeout, so a hung SNS, SSM, SQS, CloudWatch or Logs
 * Insights cannot hold a delivery (or the secrets every channel waits for) until Lambda ends the
 * invocation. A real TCP server on 127.0.0.1 plays the silent endpoint.
 */
import { expect } from "chai";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { StartQueryCommand } from "@aws-sdk/client-cloudwatch-logs";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { cloudWatchClient, logsClient, NOTIFIER_AWS_TIMEOUTS, snsClient, sqsClient, ssmClient } from "../../functions/notifier/clients";
import { ssmSecretSource } from "../../functions/notifier/secrets";
import { readRecentResults } from "../../functions/notifier/probe-results";
import { sendToChannels } from "../../functions/notifier/send";
import { buildMessage } from "../../functions/notifier/message";
import { readAlarmEvent } from "../../functions/notifier/alarm";
import { parseAlarmNotification } from "../../functions/recorder/notification";
import { loadStageConfig } from "../../infra/config";
import { rejectionOf } from "../ledger/helpers";
import { notification, runtimeOf } from "./support";
import { startSilentServer, type SilentServer } from "../support/silent-server";

describe("notifier: AWS clients with request timeouts, against an endpoint that never answers", function () {
  this.timeout(60_000);
  let silent: SilentServer;
  let sockets: SilentServer["sockets"];
  let endpoint: string;

  before(async () => {
    silent = await startSilentServer();
    ({ sockets, endpoint } = silent);
  });
  after(() => silent.close());

  it("fails the e-mail channel with a timeout after the default request timeout, and records it as a failed delivery", async () => {
    // Prepare: the client exactly as the notifier builds it (its default timeouts), pointed at the silent server.
    const runtime = runtimeOf(
      loadStageConfig("beta", {
        "aws:region": "us-east-1",
        "webhealth:targets": [{ url: "https://shop.example.com/", name: "shop" }],
        "webhealth:notifications": { channels: [{ name: "oncall", type: "email", addresses: ["oncall@example.com"] }] },
      }),
    );
    const event = readAlarmEvent(parseAlarmNotification(JSON.stringify(notification("webhealth-beta-shop-availability", { from: "OK", to: "ALARM", at: "2026-11-26T10:03:41.123Z" }))), runtime);
    const message = buildMessage(event, runtime, { now: Date.now() });
    const sns = snsClient({ region: "us-east-1", endpoint });
    const before = sockets.length;
    const started = Date.now();

    // Act: one attempt (the retries are the notifier's, tested elsewhere).
    const [result] = await sendToChannels(
      {
        sns,
        emailTopicArn: "arn:aws:sns:us-east-1:123456789012:webhealth-beta-email",
        secrets: { read: async () => ({ values: new Map(), missing: new Map() }) },
        sleep: async () => undefined,
        now: Date.now,
        deadline: Date.now() + 60_000,
        retryPolicy: { attempts: 1 },
      },
      runtime.channels,
      message,
    );
    sns.destroy();

    // Assess: one request, abandoned at the timeout (a sanity bound, not a timing goal).
    expect([result.channel, result.delivery.status, result.delivery.attempts]).to.deep.equal(["oncall", "failed", 1]);
    expect(result.delivery.error).to.match(/^network error: .*requestTimeout/);
    expect(sockets.length - before).to.equal(1);
    expect(Date.now() - started).to.be.at.least(NOTIFIER_AWS_TIMEOUTS.requestTimeoutMs - 100).and.below(20_000);
  });

  it("keeps the probe-results query within its budget even when Logs Insights never answers (no retries after it)", async () => {
    const client = logsClient({ region: "us-east-1", endpoint });
    const before = sockets.length;
    const [region] = await readRecentResults([{ region: "us-east-1", logGroupName: "/aws/lambda/webhealth-beta-probe-us-east-1" }], "https://shop.example.com/", Date.now(), {
      clientFor: () => client,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: Date.now,
      budgetMs: 300,
    });
    client.destroy();
    expect(region).to.deep.equal({ region: "us-east-1", results: [], error: "Logs Insights did not answer within 0.3 s" });
    // Abandoned at the budget (300 ms), well before the 5 s request timeout would have let the SDK retry.
    expect(sockets.length - before).to.equal(1);
  });

  it("gives every other client a timeout too: SSM (secrets), SQS (dead letters), CloudWatch (the sweep), Logs Insights (probe results)", async () => {
    const options = { region: "us-east-1", endpoint, timeouts: { requestTimeoutMs: 300 } };
    const ssm = ssmClient(options);
    const secrets = await ssmSecretSource(ssm).read([{ secret: "slack-url", parameter: "/webhealth/beta/secrets/slack-url" }]);
    expect(secrets.values.size).to.equal(0);
    expect(secrets.missing.get("/webhealth/beta/secrets/slack-url")).to.match(/^TimeoutError: /);
    const calls: Array<[string, () => Promise<unknown>, { destroy(): void }]> = [];
    const sqs = sqsClient(options);
    calls.push(["sqs", () => sqs.send(new SendMessageCommand({ QueueUrl: `${endpoint}/123456789012/dl`, MessageBody: "{}" })), sqs]);
    const cloudwatch = cloudWatchClient(options);
    calls.push(["cloudwatch", () => cloudwatch.send(new DescribeAlarmsCommand({})), cloudwatch]);
    const logs = logsClient(options);
    calls.push(["logs", () => logs.send(new StartQueryCommand({ logGroupName: "g", startTime: 0, endTime: 1, queryString: "fields @message" })), logs]);
    for (const [name, call, client] of calls) {
      const caught = await rejectionOf(call);
      expect([name, (caught as Error).name]).to.deep.equal([name, "TimeoutError"]);
      client.destroy();
    }
    ssm.destroy();
  });
});
