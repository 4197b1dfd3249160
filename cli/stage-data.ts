/**
 * What `status` and `report` read about a deployed stage, with the user's AWS credentials:
 * the stage's plan from `Pulumi.<stage>.yaml` (targets, alarm names, regions, the ledger table:
 * no Pulumi CLI needed), alarm states (`cloudwatch:DescribeAlarms`), metric data
 * (`cloudwatch:GetMetricData`), the ledger (`dynamodb:Query`) and, per probe region, the probe's
 * log lines (`logs:StartQuery`, cli/region-results.ts). Endpoints resolve the SDK's standard way
 * (`AWS_ENDPOINT_URL_CLOUDWATCH`, `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`, `AWS_ENDPOINT_URL_DYNAMODB`),
 * which the tests use to point at their local fakes.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { LedgerItem } from "../functions/common/ledger";
import { loadStageConfig, type StageConfig } from "../infra/config";
import { alarmNamePrefix, ledgerTableName } from "../infra/plan/names";
import { allAlarms, planStage, type StagePlan } from "../infra/plan/stage";
import type { AlarmSpec } from "../infra/plan/alarms";
import { readStackConfig } from "../infra/stack-files";
import { withAction } from "./aws-errors";
import { SetupError } from "./usage";
import type { MetricQuery } from "../infra/plan/availability";

export interface Stage {
  config: StageConfig;
  plan: StagePlan;
  alarms: AlarmSpec[];
  tableName: string;
  alarmPrefix: string;
}

/** The stage as planned from its stack file (the same plan the program deploys). */
export function loadStage(stage: string, root: string): Stage {
  const config = loadStageConfig(stage, readStackConfig(stage, root));
  const plan = planStage(config);
  return { config, plan, alarms: allAlarms(plan), tableName: ledgerTableName(stage), alarmPrefix: alarmNamePrefix(stage) };
}

export interface AlarmState {
  name: string;
  state: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  /** Epoch milliseconds. */
  since: number;
  reason: string;
}

/** Clients in the regions the stage uses; the credentials are resolved before any read. */
export interface Readers {
  cloudWatch(region: string): CloudWatchClient;
  /** CloudWatch Logs in a region (its SDK loaded on first use: only multi-region status reads logs). */
  logs(region: string): Promise<CloudWatchLogsClient>;
  ledger: DynamoDBDocumentClient;
  close(): void;
}

export async function openReaders(homeRegion: string): Promise<Readers> {
  const [{ CloudWatchClient }, { createLedgerClient }] = await Promise.all([import("@aws-sdk/client-cloudwatch"), import("../functions/recorder/dynamo")]);
  const clients = new Map<string, CloudWatchClient>();
  const cloudWatch = (region: string) => {
    let client = clients.get(region);
    if (!client) clients.set(region, (client = new CloudWatchClient({ region })));
    return client;
  };
  const logClients = new Map<string, CloudWatchLogsClient>();
  const logs = async (region: string) => {
    const { CloudWatchLogsClient } = await import("@aws-sdk/client-cloudwatch-logs");
    let client = logClients.get(region);
    if (!client) logClients.set(region, (client = new CloudWatchLogsClient({ region })));
    return client;
  };
  const ledger = createLedgerClient(homeRegion);
  const readers = {
    cloudWatch,
    logs,
    ledger,
    close() {
      for (const client of [...clients.values(), ...logClients.values()]) client.destroy();
      ledger.destroy();
    },
  };
  try {
    // Missing credentials are a setup problem (exit 2), told before anything is read.
    await cloudWatch(homeRegion).config.credentials();
  } catch (error) {
    readers.close();
    throw error;
  }
  return readers;
}

/** Every alarm whose name starts with `prefix` (metric and composite), every page. */
export async function describeAlarmStates(client: CloudWatchClient, prefix: string): Promise<Map<string, AlarmState>> {
  const { DescribeAlarmsCommand } = await import("@aws-sdk/client-cloudwatch");
  const states = new Map<string, AlarmState>();
  let nextToken: string | undefined;
  do {
    const page = await withAction("cloudwatch:DescribeAlarms", () =>
      client.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, AlarmTypes: ["MetricAlarm", "CompositeAlarm"], NextToken: nextToken })),
    );
    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      if (!alarm.AlarmName) continue;
      states.set(alarm.AlarmName, {
        name: alarm.AlarmName,
        state: (alarm.StateValue ?? "INSUFFICIENT_DATA") as AlarmState["state"],
        since: alarm.StateUpdatedTimestamp?.getTime() ?? 0,
        reason: alarm.StateReason ?? "",
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return states;
}

/** Datapoints of one query: epoch milliseconds -> value, oldest first. */
export type Points = Array<[number, number]>;

/** GetMetricData takes at most 500 queries per call.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html */
const MAX_QUERIES_PER_CALL = 500;

/** The datapoints of every query over [start, end), following NextToken. */
export async function getMetricData(client: CloudWatchClient, queries: readonly MetricQuery[], start: number, end: number): Promise<Map<string, Points>> {
  const { GetMetricDataCommand } = await import("@aws-sdk/client-cloudwatch");
  const results = new Map<string, Points>(queries.map((query) => [query.Id, []]));
  for (let offset = 0; offset < queries.length; offset += MAX_QUERIES_PER_CALL) {
    const batch = queries.slice(offset, offset + MAX_QUERIES_PER_CALL);
    let nextToken: string | undefined;
    do {
      const page = await withAction("cloudwatch:GetMetricData", () =>
        client.send(
          new GetMetricDataCommand({ MetricDataQueries: batch, StartTime: new Date(start), EndTime: new Date(end), ScanBy: "TimestampAscending", NextToken: nextToken }),
        ),
      );
      for (const result of page.MetricDataResults ?? []) {
        const points = results.get(result.Id ?? "") ?? [];
        (result.Timestamps ?? []).forEach((timestamp, index) => points.push([timestamp.getTime(), result.Values?.[index] ?? NaN]));
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  for (const points of results.values()) points.sort((a, b) => a[0] - b[0]);
  return results;
}

/** A ledger read, with a missing table told as what it means: the stage is not (yet) deployed there. */
export async function ledgerRead<T>(tableName: string, read: () => Promise<T>): Promise<T> {
  try {
    return await withAction("dynamodb:Query", read);
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") {
      throw new SetupError(`the ledger table ${tableName} does not exist in this account and region: is the stage deployed (npm run deploy -- outputs)?`);
    }
    throw error;
  }
}

/** The ledger's state changes in [from, until] (all URLs), newest first. */
export async function readLedgerRange(ledger: DynamoDBDocumentClient, tableName: string, from: number, until: number): Promise<LedgerItem[]> {
  const { readLedger } = await import("./alarms-query");
  return ledgerRead(tableName, () => readLedger(ledger, tableName, { from, until }));
}
