/**
 * DynamoDB access shared by the recorder and `npm run alarms`. The client resolves its endpoint
 * the SDK's standard way, so `AWS_ENDPOINT_URL_DYNAMODB` (or `AWS_ENDPOINT_URL`) points it at a
 * local DynamoDB such as dynalite.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { LEDGER_ATTRIBUTES, LEDGER_TABLE, type LedgerItem } from "../common/ledger";

/**
 * A DynamoDB request answers in milliseconds; one that has not answered in 3 s is abandoned and
 * retried (the SDK's standard strategy: 3 attempts), so a DynamoDB that accepts connections and
 * never answers fails a call in about 10 s, inside the recorder's 30 s and the notifier's 60 s
 * timeouts, instead of holding the function until Lambda stops it.
 */
export const DYNAMO_TIMEOUTS = { requestTimeoutMs: 3_000, connectionTimeoutMs: 1_000, maxAttempts: 3 } as const;

export interface LedgerClientOptions {
  region?: string;
  /** Tests only: shorter timeouts. */
  timeouts?: Partial<typeof DYNAMO_TIMEOUTS>;
}

export function createLedgerClient(regionOrOptions?: string | LedgerClientOptions): DynamoDBDocumentClient {
  const options = typeof regionOrOptions === "string" ? { region: regionOrOptions } : (regionOrOptions ?? {});
  const timeouts = { ...DYNAMO_TIMEOUTS, ...options.timeouts };
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      ...(options.region ? { region: options.region } : {}),
      maxAttempts: timeouts.maxAttempts,
      // throwOnRequestTimeout: since @smithy/node-http-handler 4.x an expired requestTimeout only logs a
      // warning unless asked to fail the request (checked against a server that never answers).
      requestHandler: { requestTimeout: timeouts.requestTimeoutMs, connectionTimeout: timeouts.connectionTimeoutMs, throwOnRequestTimeout: true },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}

export type WriteOutcome = "recorded" | "duplicate";

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/**
 * Writes the item unless the change is already recorded: SNS delivers at least once and CloudWatch
 * may notify twice for one change, and both mean the change is recorded. One UpdateItem that sets
 * every field, conditioned on the item having no `newState` yet: the notifier may have started the
 * item first with its delivery record (it runs beside the recorder), which this keeps.
 */
export async function putLedgerItem(client: DynamoDBDocumentClient, tableName: string, item: LedgerItem): Promise<WriteOutcome> {
  const keys = new Set<string>([LEDGER_TABLE.hashKey, LEDGER_TABLE.rangeKey]);
  const fields = Object.entries(item).filter(([name, value]) => !keys.has(name) && value !== undefined);
  const names: Record<string, string> = { "#newState": "newState" };
  const values: Record<string, unknown> = {};
  const sets = fields.map(([name, value], index) => {
    names[`#f${index}`] = name;
    values[`:f${index}`] = value;
    return `#f${index} = :f${index}`;
  });
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { [LEDGER_ATTRIBUTES.alarmName]: item.alarmName, [LEDGER_ATTRIBUTES.changedAt]: item.changedAt },
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: "attribute_not_exists(#newState)",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return "recorded";
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || errorName(error) === "ConditionalCheckFailedException") return "duplicate";
    throw error;
  }
}
