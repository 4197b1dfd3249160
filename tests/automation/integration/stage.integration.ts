/**
 * Integration tests against a DEPLOYED stage (real AWS), run by the pipeline after `verify` on
 * beta and before gamma starts. They cover what `verify` does not: the schedule really runs the
 * probe, the probe reports a dead target as failing, the recorder stores a duplicate delivery once.
 *
 *   WEBHEALTH_INTEGRATION_STAGE=beta npx mocha --no-config --require ts-node/register/transpile-only \
 *     --timeout 900000 tests/automation/integration/stage.integration.ts
 *
 * Needs the stage's AWS credentials, a pulumi CLI and the backend (PULUMI_BACKEND_URL,
 * PULUMI_CONFIG_PASSPHRASE). Without WEBHEALTH_INTEGRATION_STAGE every test is skipped, saying so.
 */
import { expect } from "chai";
import { GetMetricStatisticsCommand, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { PublishCommand } from "@aws-sdk/client-sns";
import type { SelfTestReport } from "../../../functions/common/contract";
import { DEFAULT_NAMESPACE, PROBE_METRICS } from "../../../functions/common/metrics";
import type { StackOutputs } from "../../../infra/outputs";
import { readConfigValue } from "../../../infra/config";
import { readStackConfig } from "../../../infra/stack-files";
import { pulumiStacks } from "../../../automation/engine";
import { awsClients } from "../../../automation/runtime";
import { readStackOutputs } from "../../../automation/stack-outputs";
import { PROBE_KEY_PREFIX, VERIFY_ALARM_PREFIX, verifyNotification } from "../../../automation/verify";

const stage = process.env.WEBHEALTH_INTEGRATION_STAGE;
const aws = awsClients();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`integration: the deployed ${stage ?? "(no stage)"} stage`, function () {
  let outputs: StackOutputs;

  before(async function () {
    if (!stage) {
      console.log("    skipped: set WEBHEALTH_INTEGRATION_STAGE=<stage> to run the integration tests against a deployed stage");
      this.skip();
    }
    outputs = await readStackOutputs(await pulumiStacks()(stage), stage);
  });

  it("runs the probe on its schedule: the TargetsProbed heartbeat has data in the last 10 minutes", async () => {
    // Prepare
    const namespace = (readConfigValue("namespace", readStackConfig(stage as string)["webhealth:namespace"]) as string | undefined) ?? DEFAULT_NAMESPACE;
    const cloudWatch = aws(outputs.homeRegion).cloudWatch;
    const { Metrics } = await cloudWatch.send(new ListMetricsCommand({ Namespace: namespace, MetricName: PROBE_METRICS.targetsProbed }));
    expect(Metrics ?? [], `no ${namespace}/${PROBE_METRICS.targetsProbed} metric at all`).to.not.be.empty;
    const end = new Date();
    const start = new Date(end.getTime() - 10 * 60_000);
    // Act
    let total = 0;
    for (const metric of Metrics ?? []) {
      const { Datapoints } = await cloudWatch.send(
        new GetMetricStatisticsCommand({ Namespace: namespace, MetricName: PROBE_METRICS.targetsProbed, Dimensions: metric.Dimensions, StartTime: start, EndTime: end, Period: 60, Statistics: ["Sum"] }),
      );
      total += (Datapoints ?? []).reduce((sum, point) => sum + (point.Sum ?? 0), 0);
    }
    // Assess
    expect(total).to.be.greaterThan(0);
  });

  it("has every probe report an unresolvable target as failing, with a detail", async () => {
    // Prepare
    const target = { url: "https://unreachable.webhealth.invalid/" };
    for (const [key, fn] of Object.entries(outputs.canaryFunctions).filter(([name]) => name.startsWith(PROBE_KEY_PREFIX))) {
      // Act
      const response = await aws(fn.region).lambda.send(
        new InvokeCommand({ FunctionName: fn.functionName, Qualifier: fn.alias, Payload: Buffer.from(JSON.stringify({ selfTest: true, targets: [target] })) }),
      );
      // Assess
      expect(response.FunctionError, key).to.equal(undefined);
      const report = JSON.parse(Buffer.from(response.Payload as Uint8Array).toString("utf8")) as SelfTestReport;
      const check = report.checks.find((c) => c.name === target.url);
      expect(check?.passed, `${key}: ${JSON.stringify(report)}`).to.equal(false);
      expect(check?.detail, key).to.be.a("string").and.not.empty;
    }
  });

  it("keeps one ledger item when SNS delivers the same alarm notification twice", async () => {
    // Prepare
    const clients = aws(outputs.homeRegion);
    const alarmName = `${VERIFY_ALARM_PREFIX}${stage}-duplicate-${Date.now()}`;
    const changedAt = new Date();
    const message = JSON.stringify(verifyNotification(outputs, alarmName, changedAt));
    const query = new QueryCommand({
      TableName: outputs.alarmTableName,
      KeyConditionExpression: "alarmName = :name",
      ExpressionAttributeValues: { ":name": { S: alarmName } },
      ConsistentRead: true,
    });
    try {
      // Act
      await clients.sns.send(new PublishCommand({ TopicArn: outputs.topicArn, Message: message }));
      await clients.sns.send(new PublishCommand({ TopicArn: outputs.topicArn, Message: message }));
      let count = 0;
      for (let attempt = 0; attempt < 30 && count === 0; attempt++) {
        await sleep(2_000);
        count = (await clients.dynamodb.send(query)).Count ?? 0;
      }
      await sleep(15_000); // time for the second delivery to be processed too
      const { Items } = await clients.dynamodb.send(query);
      // Assess
      expect(Items ?? []).to.have.length(1);
      expect(Items?.[0].changedAt.S).to.equal(changedAt.toISOString());
    } finally {
      const { Items } = await clients.dynamodb.send(query);
      for (const item of Items ?? []) {
        await clients.dynamodb.send(new DeleteItemCommand({ TableName: outputs.alarmTableName, Key: { alarmName: item.alarmName, changedAt: item.changedAt } }));
      }
    }
  });
});
