/**
 * The recorder Lambda: subscribed to the alarm topic, it writes every CloudWatch alarm state change
 * into the alarm ledger (DynamoDB). `{ "selfTest": true }` runs the self-test instead (no writes).
 */
import type { SNSEvent } from "aws-lambda";
import type { SelfTestReport } from "../common/contract";
import { readRecorderConfig, readRecorderMaintenance } from "./config";
import { createLedgerClient } from "./dynamo";
import { recordSnsRecords, selfTest, type RecordResult, type RecorderDeps } from "./recorder";

let deps: RecorderDeps | undefined;

/** Created once per container: the client keeps its connections, the config is validated once. */
function containerDeps(): RecorderDeps {
  deps ??= {
    config: { ...readRecorderConfig(process.env), maintenance: readRecorderMaintenance() },
    client: createLedgerClient(),
    now: Date.now,
    log: (line) => console.log(JSON.stringify(line)),
  };
  return deps;
}

function isSelfTest(event: unknown): boolean {
  return typeof event === "object" && event !== null && (event as { selfTest?: unknown }).selfTest === true;
}

function isSnsEvent(event: unknown): event is SNSEvent {
  return typeof event === "object" && event !== null && Array.isArray((event as { Records?: unknown }).Records);
}

export async function handler(event: unknown): Promise<SelfTestReport | { recorded: RecordResult[] }> {
  if (isSelfTest(event)) return selfTest(containerDeps);
  if (!isSnsEvent(event)) throw new Error('unsupported event: expected an SNS event ({ "Records": [...] }) or { "selfTest": true }');
  let recorderDeps: RecorderDeps;
  try {
    recorderDeps = containerDeps();
  } catch (error) {
    // Misconfigured: nothing can be written. Say so for every record, then fail so SNS's retries
    // and the dead-letter queue keep the notifications.
    for (const record of event.Records) {
      console.log(JSON.stringify({ level: "ERROR", outcome: "failed", messageId: record.Sns?.MessageId, stage: "config", error: (error as Error).message }));
    }
    throw error;
  }
  return { recorded: await recordSnsRecords(event.Records, recorderDeps) };
}
