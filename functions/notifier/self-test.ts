/**
 * `{ "selfTest": true }` (the CodeDeploy pre-traffic hook): sends nothing and writes nothing.
 * Checks the configuration, renders every sample alarm for every channel, and proves the new
 * version can reach what it needs: the ledger (DescribeTable, and a conditional UpdateItem on a
 * key that cannot exist), the channels' secrets (read, never shown).
 */
import { randomUUID } from "node:crypto";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { SelfTestReport } from "../common/contract";
import { LEDGER_TABLE } from "../common/ledger";
import { channelSecrets } from "../common/notifier-config";
import { errorName } from "../recorder/dynamo";
import type { NotifierDeps } from "./notifier";
import { renderEmail, renderPagerDuty, renderSlack, renderTeams, renderWebhook } from "./render";
import { notifierSamples, sampleMessage } from "./samples";

type Check = SelfTestReport["checks"][number];

function describe(error: unknown): string {
  return `${errorName(error)}: ${(error as Error).message}`.replace(/\n/g, "; ");
}

export async function notifierSelfTest(getDeps: () => NotifierDeps): Promise<SelfTestReport> {
  const checks: Check[] = [];
  let deps: NotifierDeps | undefined;
  try {
    deps = getDeps();
    checks.push({ name: "configuration", passed: true, detail: `stage ${deps.config.stage}, ${deps.config.channels.length} channel(s), ${Object.keys(deps.config.alarms).length} alarms` });
  } catch (error) {
    checks.push({ name: "configuration", passed: false, detail: describe(error) });
    return { selfTest: true, passed: false, checks };
  }
  const config = deps.config;
  const { samples } = notifierSamples(config);
  for (const sample of samples) {
    try {
      const message = sampleMessage(sample, config);
      for (const channel of config.channels) {
        if (channel.type === "email") renderEmail(message, channel.name);
        else if (channel.type === "slack") renderSlack(message);
        else if (channel.type === "teams") renderTeams(message);
        else if (channel.type === "pagerduty") renderPagerDuty(message);
        else renderWebhook(message);
      }
      checks.push({ name: `renders ${sample.name}`, passed: true });
    } catch (error) {
      checks.push({ name: `renders ${sample.name}`, passed: false, detail: describe(error) });
    }
  }
  try {
    const { Table: table } = await deps.ledger.client.send(new DescribeTableCommand({ TableName: deps.ledger.tableName }));
    checks.push({ name: "ledger is reachable", passed: table?.TableStatus === "ACTIVE", detail: `${deps.ledger.tableName} is ${table?.TableStatus}` });
  } catch (error) {
    checks.push({ name: "ledger is reachable", passed: false, detail: describe(error) });
  }
  try {
    await deps.ledger.client.send(
      new UpdateCommand({
        TableName: deps.ledger.tableName,
        Key: { [LEDGER_TABLE.hashKey]: `webhealth-self-test-${randomUUID()}`, [LEDGER_TABLE.rangeKey]: new Date(deps.now()).toISOString() },
        UpdateExpression: "SET #probe = :probe",
        ConditionExpression: "attribute_exists(#hashKey)",
        ExpressionAttributeNames: { "#hashKey": LEDGER_TABLE.hashKey, "#probe": "selfTest" },
        ExpressionAttributeValues: { ":probe": true },
      }),
    );
    checks.push({ name: "may write delivery records", passed: false, detail: "a conditional update that must fail succeeded" });
  } catch (error) {
    const name = errorName(error);
    checks.push({ name: "may write delivery records", passed: name === "ConditionalCheckFailedException", ...(name === "ConditionalCheckFailedException" ? {} : { detail: describe(error) }) });
  }
  const uses = channelSecrets(config.channels);
  if (uses.length > 0) {
    const { missing } = await deps.secrets.read(uses);
    checks.push({
      name: "channel secrets are readable",
      passed: missing.size === 0,
      detail: missing.size === 0 ? `${uses.length} secret(s): ${uses.map((use) => use.secret).join(", ")}` : [...missing.entries()].map(([parameter, why]) => `${parameter}: ${why}`).join("; "),
    });
  }
  return { selfTest: true, passed: checks.every((check) => check.passed), checks };
}
