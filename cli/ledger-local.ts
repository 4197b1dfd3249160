/**
 * `npm run ledger:local [-- --dir <folder>] [--port <n>]`: a local DynamoDB (dynalite) holding the
 * alarm ledger table, so the recorder and `npm run alarms` can be tried without an AWS account.
 * Runs until Ctrl-C (exit 130). Exit 2 on bad arguments, a --dir that is a file, or a port in use.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Server } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { RECORDER_ENV } from "../functions/common/contract";
import { LEDGER_TABLE } from "../functions/common/ledger";
import { defineCommand, parseOptions, type CommandIo, type OptionTable, type ParsedCommandLine } from "./kit";
import { ensureLedgerTable, LOCAL_TABLE_NAME } from "./ledger-table";
import { EXIT, UsageError } from "./usage";

/** DynamoDB Local's customary port, so existing habits and tools line up. */
export const DEFAULT_PORT = 8000;
const HOST = "127.0.0.1";

export interface LedgerLocalOptions {
  /** Undefined: a temporary folder, deleted on exit. */
  dir?: string;
  port: number;
}

export const LEDGER_LOCAL_OPTIONS = {
  dir: { type: "string", value: "folder", help: "keep the data in this folder (created if missing); a later run finds the table again. Default: a temporary folder, deleted on exit" },
  port: { type: "string", value: "n", help: `the port on 127.0.0.1 (1-65535, default ${DEFAULT_PORT})` },
} satisfies OptionTable;

export function ledgerLocalOptions({ values }: ParsedCommandLine<typeof LEDGER_LOCAL_OPTIONS>): LedgerLocalOptions {
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!/^\d+$/.test(values.port ?? String(DEFAULT_PORT)) || port < 1 || port > 65_535) {
    throw new UsageError(`--port: "${values.port}" must be a port number (1-65535)`);
  }
  if (values.dir !== undefined && values.dir.trim() === "") throw new UsageError("--dir: must name a folder");
  return { dir: values.dir === undefined ? undefined : path.resolve(values.dir), port };
}

export function parseLedgerLocalArgs(argv: string[]): LedgerLocalOptions {
  return ledgerLocalOptions(parseOptions(LEDGER_LOCAL_OPTIONS, argv, false));
}

/** Makes sure `dir` is a folder we can use, before anything starts; a file or an unwritable place is bad input. */
function prepareDataDir(dir: string): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new UsageError(`--dir ${dir}: cannot use it (${(error as NodeJS.ErrnoException).code})`);
  }
  if (stat && !stat.isDirectory()) throw new UsageError(`--dir ${dir}: is a file, not a folder (name a folder to keep the data in)`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    throw new UsageError(`--dir ${dir}: cannot create or write the folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
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
    `  ${env} ${RECORDER_ENV.tableName}=${tableName} npm run ledger:record -- --samples`,
    "  # read them back",
    `  ${env} npm run alarms -- --table ${tableName}`,
    `  ${env} npm run alarms -- --table ${tableName} --json`,
    "",
    "Ctrl-C to stop.",
  ];
}

async function serve(options: LedgerLocalOptions, io: CommandIo): Promise<number> {
  if (options.dir !== undefined) prepareDataDir(options.dir);
  const temporary = options.dir === undefined;
  const dataDir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-ledger-"));
  const server: Server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  try {
    await listen(server, options.port);
  } catch (error) {
    if (temporary) fs.rmSync(dataDir, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot listen on ${HOST}:${options.port} (${code ?? (error as Error).message}): pass --port <n>`);
  }
  const endpoint = `http://${HOST}:${options.port}`;
  const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  let created: boolean;
  try {
    created = (await ensureLedgerTable(client, LOCAL_TABLE_NAME)) === "created";
  } finally {
    client.destroy();
  }
  // The kit listens for Ctrl-C from the start: a signal sent as soon as "ready" is printed (or
  // earlier) aborts io.signal, and the server stops and cleans up instead of dying mid-write.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    if (io.signal.aborted) stop();
    else io.signal.addEventListener("abort", stop, { once: true });
  });
  io.stdout.write(`${instructions(endpoint, LOCAL_TABLE_NAME, dataDir, temporary, created).join("\n")}\n`);
  await stopped;
  if (temporary) fs.rmSync(dataDir, { recursive: true, force: true });
  io.stdout.write("Stopped.\n");
  return EXIT.interrupted;
}

export const command = defineCommand({
  name: "ledger:local",
  usage: ["[--dir <folder>] [--port <n>]"],
  summary:
    "Starts dynalite (DynamoDB on LevelDB, no Java, no AWS account) on 127.0.0.1 with the ledger table, prints the endpoint and commands to try, and runs until Ctrl-C.",
  options: LEDGER_LOCAL_OPTIONS,
  exitCodes: { ok: "never (it runs until stopped)", failed: "the local DynamoDB failed" },
  notes: ["Stopping it (Ctrl-C, or SIGTERM to it or to npm) closes the server, deletes a temporary folder, and exits 130."],
  interruptible: true,
  run: (input, io) => serve(ledgerLocalOptions(input), io),
});

if (require.main === module) void command.main(process.argv.slice(2));
