import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LOCAL_TABLE_NAME } from "../../cli/ledger-table";
import { createTableInput } from "../../functions/common/ledger";
import { PROJECT_ROOT, runCli } from "./helpers";

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `ledger:local` and resolves with its output once it says it is ready. */
function startLedgerLocal(args: string[]): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "cli/ledger-local.ts", ...args], { cwd: PROJECT_ROOT });
  let stdout = "";
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes("Ctrl-C to stop.")) resolve({ child, output: () => stdout });
    });
    child.on("exit", (code) => reject(new Error(`ledger:local exited ${code} before it was ready: ${stdout}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.on("exit", (code) => resolve(code));
    child.kill("SIGINT");
  });
}

describe("ledger: npm run ledger:local (spawned)", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-ledger-test-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("creates the table from LEDGER_TABLE, prints how to use it, stops on Ctrl-C and finds it again in the same folder", async () => {
    // Prepare
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    // Act: first run creates the table.
    const first = await startLedgerLocal(["--dir", dir, "--port", String(port)]);
    const client = new DynamoDBClient({ endpoint, region: "us-east-1" });
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: LOCAL_TABLE_NAME }));
    client.destroy();
    const firstCode = await stop(first.child);
    // Act: the second run over the same data finds it.
    const second = await startLedgerLocal(["--dir", dir, "--port", String(port)]);
    const secondCode = await stop(second.child);
    // Assess
    const expected = createTableInput(LOCAL_TABLE_NAME);
    expect(table?.TableStatus).to.equal("ACTIVE");
    expect(table?.KeySchema).to.deep.equal(expected.KeySchema);
    expect(table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.KeySchema])).to.deep.equal(
      expected.GlobalSecondaryIndexes.map((index) => [index.IndexName, index.KeySchema]),
    );
    const env = `AWS_ENDPOINT_URL_DYNAMODB=${endpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`;
    expect(first.output().split("\n")).to.deep.equal([
      `Local DynamoDB (dynalite) listening on ${endpoint}`,
      "Table webhealth-alarms created (keys alarmName + changedAt, indexes byUrl, byDay)",
      "Time to live on expiresAt: not enabled locally (dynalite has no UpdateTimeToLive); deployed tables have it.",
      `Data: ${dir}`,
      "",
      "Try:",
      "  # record the built-in sample notifications through the recorder's handler (times moved to the last hour)",
      `  ${env} ALARM_TABLE_NAME=webhealth-alarms npm run ledger:record -- --samples`,
      "  # read them back",
      `  ${env} npm run alarms -- --table webhealth-alarms`,
      `  ${env} npm run alarms -- --table webhealth-alarms --json`,
      "",
      "Ctrl-C to stop.",
      "Stopped.",
      "",
    ]);
    expect(second.output().split("\n")[1]).to.equal("Table webhealth-alarms already there (keys alarmName + changedAt, indexes byUrl, byDay)");
    // Stopped by a signal: 130, like every interrupted command.
    expect([firstCode, secondCode]).to.deep.equal([130, 130]);
  });

  it("without --dir keeps the data in a temporary folder and deletes it on exit", async () => {
    const port = await freePort();
    const run = await startLedgerLocal(["--port", String(port)]);
    const dataLine = run.output().split("\n").find((line) => line.startsWith("Data: ")) ?? "";
    const match = /^Data: (.+) \(temporary, deleted on exit; pass --dir <folder> to keep it\)$/.exec(dataLine);
    const folder = match?.[1] ?? "";
    const existedWhileRunning = fs.existsSync(folder);

    const code = await stop(run.child);

    expect(folder.startsWith(path.join(os.tmpdir(), "webhealth-ledger-")), dataLine).to.equal(true);
    expect([existedWhileRunning, code, fs.existsSync(folder)]).to.deep.equal([true, 130, false]);
  });

  const bad: Array<[string[], string]> = [
    [["--port", "http"], 'ledger:local: --port: "http" must be a port number (1-65535)'],
    [["--port", "70000"], 'ledger:local: --port: "70000" must be a port number (1-65535)'],
    [["--dir"], "ledger:local: --dir needs a value"],
  ];
  for (const [args, message] of bad) {
    it(`exits 2 on ${args.join(" ")}`, async () => {
      const run = await runCli("cli/ledger-local.ts", args);
      expect(run.code).to.equal(2);
      expect(run.stderr.split("\n")[0]).to.contain(message);
    });
  }

  it("exits 2 when --dir names a file, saying so, and starts nothing", async () => {
    const file = path.join(dir, "not-a-folder.txt");
    fs.writeFileSync(file, "x");
    const run = await runCli("cli/ledger-local.ts", ["--dir", file, "--port", "1"]);
    expect([run.code, run.stdout, run.stderr]).to.deep.equal([2, "", `ledger:local: --dir ${file}: is a file, not a folder (name a folder to keep the data in)\n`]);
  });

  it("exits 2 when the port is taken, saying which", async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const run = await runCli("cli/ledger-local.ts", ["--port", String(port)]);
      expect([run.code, run.stdout, run.stderr]).to.deep.equal([2, "", `ledger:local: cannot listen on 127.0.0.1:${port} (EADDRINUSE): pass --port <n>\n`]);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});
