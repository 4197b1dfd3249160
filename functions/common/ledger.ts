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
import { createHash } from "node:crypto";
import type { DeliveryRecord } from "./delivery";

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

/**
 * One alarm state change as the recorder writes it. Keys first, then the notification's fields.
 * Optional fields are left out of the item (not written as null), which keeps `byUrl` sparse:
 * an alarm without a `Url` dimension (the probe-health alarm) is in `byDay` but not in `byUrl`.
 */
export interface LedgerItem {
  alarmName: string;
  /** ISO 8601 UTC with milliseconds, from the notification's `StateChangeTime`. */
  changedAt: string;
  day: string;
  eventKey: string;
  /** The `Url` dimension of the alarm's metric (or of the metrics of a metric-math alarm). */
  url?: string;
  description?: string;
  newState: string;
  oldState: string;
  reason: string;
  /** Region code from the alarm ARN (`us-east-2`), or the notification's display name if there is no ARN. */
  region: string;
  /** The notification's display name for the region (`US East (Ohio)`). */
  regionName: string;
  account: string;
  alarmArn?: string;
  /** The metric's name; for a metric-math alarm, the distinct names of the metrics it reads, comma-separated. */
  metricName?: string;
  namespace?: string;
  /** The expression a metric-math alarm watches (its `ReturnData` metric). */
  expression?: string;
  threshold?: number;
  comparisonOperator?: string;
  /** The SNS message id that delivered the notification first (a duplicate delivery does not overwrite it). */
  snsMessageId: string;
  /** When the recorder wrote the item (ISO 8601 UTC). */
  recordedAt: string;
  /** Epoch seconds; DynamoDB's TTL deletes the item some time after this. */
  expiresAt: number;
  /**
   * The maintenance window covering the alarm's target when the state changed (its name), written by
   * the recorder with the change, so the mark never depends on the notifier. Absent outside windows.
   */
  maintenance?: string;
  /** Written by the notifier: who was told about this change (functions/common/delivery.ts). */
  delivery?: DeliveryRecord;
}

/** `2026-11-26T10:03:41.123Z` -> `2026-11-26`. */
export function ledgerDay(changedAt: string): string {
  return changedAt.slice(0, 10);
}

/** DynamoDB's key limits: a sort key is at most 1,024 bytes (a partition key 2,048).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-partition-sort-keys */
export const LEDGER_LIMITS = { maxSortKeyBytes: 1024 } as const;
const EVENT_KEY_HASH_LENGTH = 16;

/**
 * Sort key of both GSIs: time first, so a range condition on it is a time range:
 * `<changedAt>#<alarmName>`. An alarm name may be 255 characters of any script, up to 1,020 bytes
 * in UTF-8, which with the time would pass DynamoDB's 1,024-byte limit: such a key keeps as much
 * of the name as fits and ends with `#` and 16 hex digits of the name's SHA-256, so it stays
 * unique per alarm and still sorts by time.
 */
export function ledgerEventKey(changedAt: string, alarmName: string): string {
  const whole = `${changedAt}#${alarmName}`;
  if (Buffer.byteLength(whole) <= LEDGER_LIMITS.maxSortKeyBytes) return whole;
  const hash = createHash("sha256").update(alarmName).digest("hex").slice(0, EVENT_KEY_HASH_LENGTH);
  const budget = LEDGER_LIMITS.maxSortKeyBytes - Buffer.byteLength(changedAt) - 2 - EVENT_KEY_HASH_LENGTH;
  let kept = "";
  for (const character of alarmName) {
    if (Buffer.byteLength(kept + character) > budget) break;
    kept += character;
  }
  return `${changedAt}#${kept}#${hash}`;
}

/**
 * The `CreateTable` input for a table of this definition, for a local DynamoDB (dynalite) and the
 * tests. On-demand billing, as the Pulumi program deploys it. TTL is not part of `CreateTable`:
 * it takes a separate `UpdateTimeToLive` call (which dynalite does not support).
 */
export function createTableInput(tableName: string, definition: TableDefinition = LEDGER_TABLE) {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST" as const,
    AttributeDefinitions: definition.attributes.map((attribute) => ({ AttributeName: attribute.name, AttributeType: attribute.type })),
    KeySchema: [
      { AttributeName: definition.hashKey, KeyType: "HASH" as const },
      { AttributeName: definition.rangeKey, KeyType: "RANGE" as const },
    ],
    GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.hashKey, KeyType: "HASH" as const },
        { AttributeName: index.rangeKey, KeyType: "RANGE" as const },
      ],
      Projection: { ProjectionType: index.projectionType },
    })),
  };
}
