/** Creates the ledger table in a local DynamoDB from the same definition the Pulumi program deploys. */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { createTableInput } from "../functions/common/ledger";
import { errorName } from "../functions/recorder/dynamo";

/** The table name `npm run ledger:local` creates (a deployed stage names its own). */
export const LOCAL_TABLE_NAME = "webhealth-alarms";

/** Creates the table unless it exists (a data folder from an earlier run); returns whether it was created. */
export async function ensureLedgerTable(client: DynamoDBClient, tableName: string): Promise<"created" | "exists"> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return "exists";
  } catch (error) {
    if (errorName(error) !== "ResourceNotFoundException") throw error;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
  return "created";
}
