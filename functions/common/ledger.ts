/**
 * The alarm ledger's table definition: one source for the Pulumi program (which deploys it) and
 * for `npm run ledger:local` and the tests (which create it in a local DynamoDB).
 *
 * Access patterns:
 * - an idempotent insert per state change: primary key (alarmName, changedAt), written with
 *   `attribute_not_exists(alarmName)`, so CloudWatch's or SNS's duplicate deliveries are one item;
 * - history of one URL, newest first: GSI `byUrl` (url, eventKey), ScanIndexForward = false;
 * - everything in a time range: GSI `byDay` (day, eventKey), one query per UTC day in the range.
 * `eventKey` is `<changedAt>#<alarmName>`, so ties at the same instant stay distinct and ordered.
 */

export const LEDGER_ATTRIBUTES = {
  alarmName: "alarmName",
  /** State change time as ISO 8601 UTC with milliseconds: `2026-11-26T10:03:41.123Z`. */
  changedAt: "changedAt",
  url: "url",
  /** UTC day of changedAt: `2026-11-26`. */
  day: "day",
  eventKey: "eventKey",
  /** Epoch seconds after which DynamoDB's TTL deletes the item. */
  expiresAt: "expiresAt",
} as const;

export interface KeyAttribute {
  name: string;
  type: "S" | "N" | "B";
}

export interface IndexDefinition {
  name: string;
  hashKey: string;
  rangeKey: string;
  projectionType: "ALL";
}

export interface TableDefinition {
  hashKey: string;
  rangeKey: string;
  /** Only the key attributes (of the table and its indexes) are declared, as DynamoDB requires. */
  attributes: KeyAttribute[];
  globalSecondaryIndexes: IndexDefinition[];
  ttlAttribute: string;
}

export const LEDGER_INDEXES = { byUrl: "byUrl", byDay: "byDay" } as const;

export const LEDGER_TABLE: TableDefinition = {
  hashKey: LEDGER_ATTRIBUTES.alarmName,
  rangeKey: LEDGER_ATTRIBUTES.changedAt,
  attributes: [
    { name: LEDGER_ATTRIBUTES.alarmName, type: "S" },
    { name: LEDGER_ATTRIBUTES.changedAt, type: "S" },
    { name: LEDGER_ATTRIBUTES.url, type: "S" },
    { name: LEDGER_ATTRIBUTES.day, type: "S" },
    { name: LEDGER_ATTRIBUTES.eventKey, type: "S" },
  ],
  globalSecondaryIndexes: [
    { name: LEDGER_INDEXES.byUrl, hashKey: LEDGER_ATTRIBUTES.url, rangeKey: LEDGER_ATTRIBUTES.eventKey, projectionType: "ALL" },
    { name: LEDGER_INDEXES.byDay, hashKey: LEDGER_ATTRIBUTES.day, rangeKey: LEDGER_ATTRIBUTES.eventKey, projectionType: "ALL" },
  ],
  ttlAttribute: LEDGER_ATTRIBUTES.expiresAt,
};
