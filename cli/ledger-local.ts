/**
 * `npm run ledger:local [-- --dir <folder>] [--port <n>]`: a local DynamoDB (dynalite) holding the
 * alarm ledger table, so the recorder and `npm run alarms` can be tried without an AWS account.
 * Runs until Ctrl-C. Exit 2 on bad arguments or a port in use.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { Server } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { RECORDER_ENV } from "../functions/common/contract";
import { LEDGER_TABLE } from "../functions/common/ledger";
import { ensureLedgerTable, LOCAL_TABLE_NAME } from "./ledger-table";

export const LEDGER_LOCAL_USAGE = "usage: npm run ledger:local [-- --dir <folder>] [--port <n>]";
/** DynamoDB Local's customary port, so existing habits and tools line up. */
export const DEFAULT_PORT = 8000;
const HOST = "127.0.0.1";

export interface LedgerLocalOptions {
  /** Undefined: a temporary folder, deleted on exit. */
  dir?: string;
  port: number;
}

export function parseLedgerLocalArgs(argv: string[]): LedgerLocalOptions {
  const { values } = parseArgs({ args: argv, strict: true, options: { dir: { type: "string" }, port: { type: "string" } } });
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!/^\d+$/.test(values.port ?? String(DEFAULT_PORT)) || port < 1 || port > 65_535) {
    throw new Error(`--port: "${values.port}" must be a port number (1-65535)`);
  }
  if (values.dir !== undefined && values.dir.trim() === "") throw new Error("--dir: must name a folder");
  return { dir: values.dir === undefined ? undefined : path.resolve(values.dir), port };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** The lines printed once the table is ready: what to run next, copy-pasteable. */
export function instructions(endpoint: string, tableName: string, dataDir: string, temporary: boolean, created: boolean): string[] {
  const env = `AWS_ENDPOINT_URL_DYNAMODB=${endpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`;
  return [
    `Local DynamoDB (dynalite) listening on ${endpoint}`,
    `Table ${tableName} ${created ? "created" : "already there"} (keys ${LEDGER_TABLE.hashKey} + ${LEDGER_TABLE.rangeKey}, indexes ${LEDGER_TABLE.globalSecondaryIndexes.map((index) => index.name).join(", ")})`,
    `Time to live on ${LEDGER_TABLE.ttlAttribute}: not enabled locally (dynalite has no UpdateTimeToLive); deployed tables have it.`,
    `Data: ${dataDir}${temporary ? " (temporary, deleted on exit; pass --dir <folder> to keep it)" : ""}`,
    "",
    "Try:",
    "  # record the built-in sample notifications through the recorder's handler (times moved to the last hour)",
    `  ${env} ${RECORDER_ENV.tableName}=${tableName} node -r ts-node/register/transpile-only cli/ledger-record.ts --samples`,
    "  # read them back",
    `  ${env} npm run alarms -- --table ${tableName}`,
    `  ${env} npm run alarms -- --table ${tableName} --json`,
    "",
    "Ctrl-C to stop.",
  ];
}

async function main(argv: string[]): Promise<number> {
  let options: LedgerLocalOptions;
  try {
    options = parseLedgerLocalArgs(argv);
  } catch (error) {
    process.stderr.write(`ledger:local: ${(error as Error).message}\n${LEDGER_LOCAL_USAGE}\n`);
    return 2;
  }
  const temporary = options.dir === undefined;
  const dataDir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-ledger-"));
  fs.mkdirSync(dataDir, { recursive: true });
  const server: Server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  try {
    await listen(server, options.port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(`ledger:local: cannot listen on ${HOST}:${options.port} (${code ?? (error as Error).message}): pass --port <n>\n`);
    if (temporary) fs.rmSync(dataDir, { recursive: true, force: true });
    return 2;
  }
  const endpoint = `http://${HOST}:${options.port}`;
  const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const created = (await ensureLedgerTable(client, LOCAL_TABLE_NAME)) === "created";
  client.destroy();
  // Listen for Ctrl-C before saying "ready": a script that signals as soon as it reads the
  // instructions must find the handler in place, not Node's default (die without cleaning up).
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      server.close(() => resolve());
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  process.stdout.write(`${instructions(endpoint, LOCAL_TABLE_NAME, dataDir, temporary, created).join("\n")}\n`);
  await stopped;
  if (temporary) fs.rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write("Stopped.\n");
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`ledger:local: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
