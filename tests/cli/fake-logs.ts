/**
 * A local stand-in for CloudWatch Logs Insights that speaks its wire protocol: the AWS SDK for
 * JavaScript v3 calls CloudWatch Logs with AWS JSON 1.1 (`X-Amz-Target: Logs_20140328.<Op>`,
 * times in epoch seconds). It answers StartQuery and GetQueryResults from scripted log events,
 * evaluating the subset of the query language webhealth's queries use, the way the Logs Insights
 * documentation describes it (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html):
 * - commands separated by `|`: `filter`, `stats`, `limit`;
 * - `filter` terms joined by `and`: `field = "text"`, `field = number`, `ispresent(field)`, `not ispresent(field)`;
 * - `stats` aggregates `count(*)`, `latest(field)` (the value of the event with the latest
 *   timestamp), `pct(field, n)` (nearest rank; the scripted data keeps it equal to any other
 *   definition), each `as name`, grouped `by` fields;
 * - JSON fields discovered in the message, nested ones with dots; a JSON boolean reads as 1 or 0.
 * Only events in [startTime, endTime] (inclusive, seconds) of the named log group and the request's
 * region (from its signature) are read. A log group without events does not exist (ResourceNotFoundException).
 */
import { accessDeniedMessage, startAwsJsonServer } from "./fake-aws-json";

export interface FakeLogEvent {
  region: string;
  logGroupName: string;
  /** Epoch milliseconds. */
  timestamp: number;
  message: string;
}

export interface FakeLogs {
  endpoint: string;
  events: FakeLogEvent[];
  /** Actions (`logs:StartQuery`) answered with AccessDenied. */
  denied: Set<string>;
  /** How many GetQueryResults calls of each query answer `Running` before `Complete`. */
  runningPolls: number;
  /** Every request: operation, region and body. */
  calls: Array<{ operation: string; region: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

type Value = string | number | undefined;
type Event = Record<string, Value>;

/** The message's JSON fields, flattened with dots; booleans as 1/0. */
function fieldsOf(event: FakeLogEvent): Event {
  const fields: Event = { "@timestamp": event.timestamp, "@message": event.message };
  const walk = (value: unknown, prefix: string) => {
    if (value === null || value === undefined) return;
    if (typeof value === "object" && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) walk(inner, prefix ? `${prefix}.${key}` : key);
    } else if (typeof value === "boolean") fields[prefix] = value ? 1 : 0;
    else if (typeof value === "number" || typeof value === "string") fields[prefix] = value;
  };
  try {
    walk(JSON.parse(event.message), "");
  } catch {
    // Not JSON: only @message.
  }
  return fields;
}

function matches(fields: Event, condition: string): boolean {
  return condition.split(/\s+and\s+/).every((term) => {
    const present = /^(not\s+)?ispresent\(([\w.@]+)\)$/.exec(term.trim());
    if (present) return (fields[present[2]] !== undefined) !== Boolean(present[1]);
    const equals = /^([\w.@]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?))$/.exec(term.trim());
    if (!equals) throw new Error(`fake Logs Insights: filter term ${term} not supported`);
    return equals[2] !== undefined ? fields[equals[1]] === equals[2].replace(/\\(.)/g, "$1") : Number(fields[equals[1]]) === Number(equals[3]);
  });
}

function aggregate(expression: string, events: Event[]): Value {
  const count = /^count\(\*\)$/.exec(expression);
  if (count) return events.length;
  const latest = /^latest\(([\w.@]+)\)$/.exec(expression);
  if (latest) return [...events].sort((a, b) => Number(b["@timestamp"]) - Number(a["@timestamp"]))[0]?.[latest[1]];
  const pct = /^pct\(([\w.@]+),\s*(\d+(?:\.\d+)?)\)$/.exec(expression);
  if (pct) {
    const values = events.map((event) => event[pct[1]]).filter((value): value is number => typeof value === "number").sort((a, b) => a - b);
    return values.length === 0 ? undefined : values[Math.max(0, Math.ceil((Number(pct[2]) / 100) * values.length) - 1)];
  }
  throw new Error(`fake Logs Insights: aggregate ${expression} not supported`);
}

/** The query's rows over the events. */
export function evaluateQuery(query: string, events: Event[]): Array<Array<{ field: string; value: string }>> {
  let rows: Event[] = events;
  let limit = 10_000;
  for (const command of query.split("|").map((part) => part.trim())) {
    const [, verb, rest] = /^(\w+)\s+([^]*)$/.exec(command) ?? [];
    if (verb === "filter") rows = rows.filter((fields) => matches(fields, rest));
    else if (verb === "limit") limit = Number(rest);
    else if (verb === "stats") {
      const [, aggregates, by] = /^(.*?)(?:\s+by\s+(.*))?$/.exec(rest) ?? [];
      const keys = by ? by.split(",").map((key) => key.trim()) : [];
      const specs = aggregates.split(/,\s*(?![^()]*\))/).map((spec) => {
        const [, expression, name] = /^(.*?)\s+as\s+(\w+)$/.exec(spec.trim()) ?? [];
        return { expression, name };
      });
      const groups = new Map<string, Event[]>();
      for (const fields of rows) {
        const key = JSON.stringify(keys.map((k) => fields[k]));
        groups.set(key, [...(groups.get(key) ?? []), fields]);
      }
      rows = [...groups.entries()].map(([key, members]) => {
        const values = JSON.parse(key) as Value[];
        return { ...Object.fromEntries(keys.map((k, i) => [k, values[i]])), ...Object.fromEntries(specs.map(({ expression, name }) => [name, aggregate(expression, members)])) };
      });
    } else throw new Error(`fake Logs Insights: command ${command} not supported`);
  }
  return rows.slice(0, limit).map((fields) => Object.entries(fields).filter(([, value]) => value !== undefined).map(([field, value]) => ({ field, value: String(value) })));
}

const ACTIONS: Record<string, string> = { StartQuery: "logs:StartQuery", GetQueryResults: "logs:GetQueryResults" };

export async function startFakeLogs(): Promise<FakeLogs> {
  const fake = { events: [], denied: new Set<string>(), runningPolls: 0, calls: [] } as unknown as FakeLogs;
  const queries = new Map<string, { results: ReturnType<typeof evaluateQuery>; polls: number }>();
  const server = await startAwsJsonServer("application/x-amz-json-1.1", (call, reply) => {
    const { operation, region, body } = call;
    fake.calls.push(call);
    const action = ACTIONS[operation];
    if (!action) return reply(400, { __type: "InvalidOperationException", message: `fake Logs: ${operation} not supported` });
    if (fake.denied.has(action)) return reply(400, { __type: "AccessDeniedException", message: accessDeniedMessage(action) });
    if (operation === "StartQuery") {
      const { logGroupName, startTime, endTime, queryString } = body as { logGroupName: string; startTime: number; endTime: number; queryString: string };
      const inGroup = fake.events.filter((event) => event.region === region && event.logGroupName === logGroupName);
      if (inGroup.length === 0) return reply(400, { __type: "ResourceNotFoundException", message: `Log group '${logGroupName}' does not exist` });
      const inRange = inGroup.filter((event) => event.timestamp >= startTime * 1000 && event.timestamp < (endTime + 1) * 1000);
      const queryId = `q-${queries.size + 1}`;
      queries.set(queryId, { results: evaluateQuery(queryString, inRange.map(fieldsOf)), polls: 0 });
      return reply(200, { queryId });
    }
    const query = queries.get(String(body.queryId));
    if (!query) return reply(400, { __type: "ResourceNotFoundException", message: "no such query" });
    query.polls += 1;
    if (query.polls <= fake.runningPolls) return reply(200, { status: "Running", results: [] });
    return reply(200, { status: "Complete", results: query.results, statistics: { recordsMatched: query.results.length } });
  });
  fake.endpoint = server.endpoint;
  fake.close = server.close;
  return fake;
}
