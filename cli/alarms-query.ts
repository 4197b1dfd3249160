/**
 * Reads the alarm ledger for a time range, newest first, following `LastEvaluatedKey` until the
 * last page (DynamoDB returns at most 1 MB per Query call).
 */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { LEDGER_ATTRIBUTES, LEDGER_INDEXES, ledgerDay, type LedgerItem } from "../functions/common/ledger";

const DAY_MS = 86_400_000;

export interface LedgerRange {
  /** Inclusive start, epoch milliseconds. */
  from: number;
  /** Inclusive end, epoch milliseconds. */
  until: number;
  /** Only this URL's items (GSI byUrl); otherwise every item (GSI byDay, one query per UTC day). */
  url?: string;
  /** Items per Query call (DynamoDB's `Limit`); unset, DynamoDB fills 1 MB pages. */
  pageSize?: number;
}

/** Runs one Query to its last page. */
async function queryAll(client: DynamoDBDocumentClient, input: QueryCommandInput): Promise<LedgerItem[]> {
  const items: LedgerItem[] = [];
  let startKey: QueryCommandInput["ExclusiveStartKey"];
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...((page.Items ?? []) as LedgerItem[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** The UTC days from `from` to `until`, newest first: `["2026-11-26", "2026-11-25"]`. */
export function daysBetween(from: number, until: number): string[] {
  const days: string[] = [];
  const first = ledgerDay(new Date(from).toISOString());
  for (let day = Date.parse(`${ledgerDay(new Date(until).toISOString())}T00:00:00Z`); ; day -= DAY_MS) {
    const name = ledgerDay(new Date(day).toISOString());
    days.push(name);
    if (name <= first) break;
  }
  return days;
}

/**
 * Every item whose state change is in the range, newest first. `eventKey` starts with the ISO time
 * of the change, so a string range on it is a time range.
 */
export async function readLedger(client: DynamoDBDocumentClient, tableName: string, range: LedgerRange): Promise<LedgerItem[]> {
  const fromKey = new Date(range.from).toISOString();
  // `~` sorts after `#`, so every eventKey of the last millisecond is inside the range.
  const untilKey = `${new Date(range.until).toISOString()}~`;
  const common = {
    TableName: tableName,
    ScanIndexForward: false,
    Limit: range.pageSize,
    ExpressionAttributeValues: { ":from": fromKey, ":until": untilKey } as Record<string, string>,
  };
  const queries: QueryCommandInput[] = range.url
    ? [
        {
          ...common,
          IndexName: LEDGER_INDEXES.byUrl,
          KeyConditionExpression: "#url = :url AND #eventKey BETWEEN :from AND :until",
          ExpressionAttributeNames: { "#url": LEDGER_ATTRIBUTES.url, "#eventKey": LEDGER_ATTRIBUTES.eventKey },
          ExpressionAttributeValues: { ...common.ExpressionAttributeValues, ":url": range.url },
        },
      ]
    : daysBetween(range.from, range.until).map((day) => ({
        ...common,
        IndexName: LEDGER_INDEXES.byDay,
        KeyConditionExpression: "#day = :day AND #eventKey BETWEEN :from AND :until",
        ExpressionAttributeNames: { "#day": LEDGER_ATTRIBUTES.day, "#eventKey": LEDGER_ATTRIBUTES.eventKey },
        ExpressionAttributeValues: { ...common.ExpressionAttributeValues, ":day": day },
      }));
  const items: LedgerItem[] = [];
  // Days are queried newest first and each query returns newest first: the result stays ordered.
  for (const query of queries) items.push(...(await queryAll(client, query)));
  return items;
}
