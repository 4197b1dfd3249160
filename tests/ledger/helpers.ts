/** Shared by the ledger tests: dynalite on 127.0.0.1, the table from LEDGER_TABLE, fixtures, CLI runs. */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import type { Server } from "node:http";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import dynalite from "dynalite";
import { ensureLedgerTable } from "../../cli/ledger-table";
import { cloudWatchTime } from "../../cli/ledger-record";
import { SINGLE_METRIC_ALARM } from "../../functions/recorder/samples";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBDocumentClient;
  /** Creates a fresh ledger table (random name) through the same builder `ledger:local` uses. */
  createTable(): Promise<string>;
  /** Creates the ledger table under a given name (once; a second call finds it). */
  createTableNamed(name: string): Promise<void>;
  /** Every item of a table, to prove what was (not) written. */
  scan(tableName: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<LocalDynamo> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const raw = new DynamoDBClient({ endpoint, region: "us-east-1" });
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint,
    client,
    async createTable() {
      const name = `ledger-${randomUUID()}`;
      await ensureLedgerTable(raw, name);
      return name;
    },
    async createTableNamed(name) {
      await ensureLedgerTable(raw, name);
    },
    async scan(tableName) {
      const { Items = [] } = await raw.send(new ScanCommand({ TableName: tableName }));
      return Items;
    },
    async close() {
      raw.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ChangeSpec {
  alarm: string;
  url?: string;
  from: string;
  to: string;
  at: number;
  reason?: string;
}

/** A CloudWatch single-metric notification for one state change (the SNS `Message`). */
export function notificationFor(change: ChangeSpec): string {
  const trigger = SINGLE_METRIC_ALARM.notification.Trigger as Record<string, unknown>;
  return JSON.stringify({
    ...SINGLE_METRIC_ALARM.notification,
    AlarmName: change.alarm,
    AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${change.alarm}`,
    OldStateValue: change.from,
    NewStateValue: change.to,
    NewStateReason: change.reason ?? `${change.from} to ${change.to}`,
    StateChangeTime: cloudWatchTime(change.at),
    Trigger: { ...trigger, Dimensions: change.url ? [{ name: "Url", value: change.url }] : [] },
  });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a CLI the way `npm run` does, from the project root, with extra environment. */
export function runCli(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", script, ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** The error an async action fails with (undefined if it succeeds), for assertions on it. */
export async function rejectionOf(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The error a synchronous action throws (undefined if it returns). */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}
