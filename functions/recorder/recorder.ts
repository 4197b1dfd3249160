/**
 * The recorder's behaviour, with its dependencies passed in: `index.ts` wires the real ones once
 * per container; tests pass a client pointed at dynalite or mocked with aws-sdk-client-mock.
 */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SNSEventRecord } from "aws-lambda";
import type { SelfTestReport } from "../common/contract";
import { LEDGER_TABLE } from "../common/ledger";
import type { RecorderConfig } from "./config";
import { errorName, putLedgerItem } from "./dynamo";
import { buildLedgerItem } from "./item";
import { parseAlarmNotification } from "./notification";
import { SAMPLE_CONTEXT, SAMPLES } from "./samples";

export interface RecorderDeps {
  client: DynamoDBDocumentClient;
  config: RecorderConfig;
  now: () => number;
  /** Receives one structured line per record (the Lambda writes it as JSON to its log). */
  log: (line: Record<string, unknown>) => void;
}

export type RecordOutcome = "recorded" | "duplicate" | "failed";

export interface RecordResult {
  outcome: RecordOutcome;
  messageId: string;
  alarmName?: string;
  changedAt?: string;
  url?: string;
  newState?: string;
  /** Why a failed record was not recorded: `parse` (not a valid notification), `write` (DynamoDB
   * refused) or `config` (the function's environment is invalid). */
  stage?: "parse" | "write" | "config";
  error?: string;
}

/** Thrown when any record was not recorded, so SNS's async invocation is retried and then dead-lettered. */
export class RecordsNotRecordedError extends Error {
  constructor(public readonly failed: RecordResult[], total: number) {
    super(`${failed.length} of ${total} record(s) not recorded: ${failed.map((r) => `${r.messageId} (${r.stage}: ${r.error})`).join("; ")}`);
    this.name = "RecordsNotRecordedError";
  }
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return errorName(error) === "ValidationError" ? message.replace(/\n/g, "; ") : `${errorName(error)}: ${message}`;
}

async function recordOne(record: SNSEventRecord, deps: RecorderDeps): Promise<RecordResult> {
  const messageId = record.Sns?.MessageId ?? "(no MessageId)";
  let item;
  try {
    item = buildLedgerItem(parseAlarmNotification(String(record.Sns?.Message)), {
      snsMessageId: messageId,
      now: deps.now(),
      retentionDays: deps.config.retentionDays,
      maintenance: deps.config.maintenance,
    });
  } catch (error) {
    return { outcome: "failed", messageId, stage: "parse", error: describeError(error) };
  }
  const about = { messageId, alarmName: item.alarmName, changedAt: item.changedAt, url: item.url, newState: item.newState };
  try {
    const outcome = await putLedgerItem(deps.client, deps.config.tableName, item);
    return { outcome, ...about };
  } catch (error) {
    return { outcome: "failed", ...about, stage: "write", error: describeError(error) };
  }
}

/**
 * Records every record of an SNS event, one after the other (SNS sends one per invocation in
 * practice), logs one line for each, then fails the invocation if any record was not recorded.
 * A retry writes the good records again: they come back as duplicates, which is success.
 */
export async function recordSnsRecords(records: SNSEventRecord[], deps: RecorderDeps): Promise<RecordResult[]> {
  const results: RecordResult[] = [];
  for (const record of records) {
    const result = await recordOne(record, deps);
    deps.log({ level: result.outcome === "failed" ? "ERROR" : "INFO", table: deps.config.tableName, ...result });
    results.push(result);
  }
  const failed = results.filter((result) => result.outcome === "failed");
  if (failed.length > 0) throw new RecordsNotRecordedError(failed, results.length);
  return results;
}

type Check = SelfTestReport["checks"][number];

function sampleCheck(sample: (typeof SAMPLES)[number]): Check {
  const name = `parses ${sample.name}`;
  try {
    const item = buildLedgerItem(parseAlarmNotification(JSON.stringify(sample.notification)), SAMPLE_CONTEXT);
    if (isDeepStrictEqual(item, sample.expected)) return { name, passed: true };
    const keys = new Set([...Object.keys(item), ...Object.keys(sample.expected)]);
    const differing = [...keys].filter((key) => !isDeepStrictEqual(item[key as keyof typeof item], sample.expected[key as keyof typeof item]));
    return { name, passed: false, detail: `fields differ from the expected item: ${differing.join(", ")}` };
  } catch (error) {
    return { name, passed: false, detail: describeError(error) };
  }
}

/** DescribeTable: the table exists, is ACTIVE and has the ledger's key schema (not some other table). */
async function tableCheck(deps: RecorderDeps): Promise<Check> {
  const name = "table is reachable";
  try {
    const { Table: table } = await deps.client.send(new DescribeTableCommand({ TableName: deps.config.tableName }));
    const keys = (table?.KeySchema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join(",");
    const expectedKeys = `${LEDGER_TABLE.hashKey}:HASH,${LEDGER_TABLE.rangeKey}:RANGE`;
    if (keys !== expectedKeys) return { name, passed: false, detail: `${deps.config.tableName} has keys ${keys}, expected ${expectedKeys}` };
    if (table?.TableStatus !== "ACTIVE") return { name, passed: false, detail: `${deps.config.tableName} is ${table?.TableStatus}` };
    return { name, passed: true, detail: `${deps.config.tableName} is ACTIVE` };
  } catch (error) {
    return { name, passed: false, detail: describeError(error) };
  }
}

/**
 * Proves the role may UpdateItem without writing anything: an update conditioned on an item that
 * cannot exist (a fresh random key) must fail with ConditionalCheckFailedException, which DynamoDB
 * only answers after authorizing the UpdateItem. (It consumes one write unit.)
 */
async function writePermissionCheck(deps: RecorderDeps): Promise<Check> {
  const name = "may write to the table";
  const probeKey = { [LEDGER_TABLE.hashKey]: `webhealth-self-test-${randomUUID()}`, [LEDGER_TABLE.rangeKey]: new Date(deps.now()).toISOString() };
  try {
    await deps.client.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: probeKey,
        UpdateExpression: "SET #probe = :probe",
        ConditionExpression: "attribute_exists(#hashKey)",
        ExpressionAttributeNames: { "#hashKey": LEDGER_TABLE.hashKey, "#probe": "selfTest" },
        ExpressionAttributeValues: { ":probe": true },
      }),
    );
    return { name, passed: false, detail: "a conditional put that must fail succeeded" };
  } catch (error) {
    if (errorName(error) === "ConditionalCheckFailedException") return { name, passed: true };
    return { name, passed: false, detail: describeError(error) };
  }
}

/** Answers `{ "selfTest": true }`: writes nothing, reports every check (the hook reads `passed`). */
export async function selfTest(getDeps: () => RecorderDeps): Promise<SelfTestReport> {
  const checks: Check[] = SAMPLES.map(sampleCheck);
  let deps: RecorderDeps | undefined;
  try {
    deps = getDeps();
    const windows = deps.config.maintenance?.windows.length ?? 0;
    checks.unshift({ name: "configuration", passed: true, detail: `table ${deps.config.tableName}, retention ${deps.config.retentionDays} days${windows > 0 ? `, ${windows} maintenance window(s)` : ""}` });
  } catch (error) {
    checks.unshift({ name: "configuration", passed: false, detail: describeError(error) });
  }
  if (deps) checks.push(await tableCheck(deps), await writePermissionCheck(deps));
  return { selfTest: true, passed: checks.every((check) => check.passed), checks };
}
