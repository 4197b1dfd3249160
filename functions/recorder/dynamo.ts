/**
 * DynamoDB access shared by the recorder and `npm run alarms`. The client resolves its endpoint
 * the SDK's standard way, so `AWS_ENDPOINT_URL_DYNAMODB` (or `AWS_ENDPOINT_URL`) points it at a
 * local DynamoDB such as dynalite.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { LEDGER_TABLE, type LedgerItem } from "../common/ledger";

export function createLedgerClient(region?: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(region ? { region } : {}), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export type WriteOutcome = "recorded" | "duplicate";

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/**
 * Inserts the item unless one with the same key (alarm, state change time) exists: SNS delivers at
 * least once and CloudWatch may notify twice for one change, and both mean the change is recorded.
 */
export async function putLedgerItem(client: DynamoDBDocumentClient, tableName: string, item: LedgerItem): Promise<WriteOutcome> {
  try {
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: "attribute_not_exists(#hashKey)",
        ExpressionAttributeNames: { "#hashKey": LEDGER_TABLE.hashKey },
      }),
    );
    return "recorded";
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || errorName(error) === "ConditionalCheckFailedException") return "duplicate";
    throw error;
  }
}
