import { expect } from "chai";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Writable } from "node:stream";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { runCli, type CliIo } from "../../cli/probe";
import { PROJECT_ROOT } from "../../infra/stack-files";
import { testPki } from "./support/certs";
import { refusedPort, startHttpServer, startHttpsServer, type TestServer } from "./support/servers";

class Collector extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void) {
    this.text += chunk.toString();
    callback();
  }
}

const JSON_FIELDS = ["url", "name", "ok", "status", "error", "timings", "tls", "redirects", "attempts", "warnings"];

describe("npm run probe (cli/probe.ts)", function () {
  let server: TestServer;
  let dir: string;

  const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const stdout = new Collector();
    const stderr = new Collector();
    const code = await runCli(argv, { stdout, stderr, env, root: dir });
    return { code, stdout: stdout.text, stderr: stderr.text };
  };
  const runWith = async (argv: string[], env: NodeJS.ProcessEnv, engine: CliIo["engine"]) => {
    const stdout = new Collector();
    const stderr = new Collector();
    const code = await runCli(argv, { stdout, stderr, env, root: dir, engine });
    return { code, stdout: stdout.text, stderr: stderr.text };
  };
  const writeFile = (name: string, content: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  before(async () => {
    server = await startHttpServer();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-probe-cli-"));
    writeFile("Pulumi.local.yaml", `config:\n  aws:region: eu-west-2\n  webhealth:targets:\n    - url: ${server.url("/ok")}\n      name: local\n    - url: ${server.url("/headers")}\n`);
    writeFile("Pulumi.broken.yaml", "config:\n  webhealth:targets:\n    - url: ftp://files.example.com/\n");
    writeFile("Pulumi.empty.yaml", "config:\n  aws:region: us-east-1\n");
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("prints one JSON line per target in input order with exactly the documented fields, exit 1 when one is not ok", async () => {
    const port = await refusedPort();
    const urls = [server.url("/status/503"), server.url("/ok"), `http://127.0.0.1:${port}/`];

    const { code, stdout, stderr } = await run(["--json", ...urls]);

    expect(code).to.equal(1);
    expect(stderr).to.equal("");
    const lines = stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(lines.map((line) => line.url)).to.deep.equal(urls);
    for (const line of lines) expect(Object.keys(line)).to.deep.equal(JSON_FIELDS);
    expect(lines.map((line) => [line.ok, line.status, line.error?.code ?? null])).to.deep.equal([
      [false, 503, "STATUS"],
      [true, 200, null],
      [false, null, "REFUSED"],
    ]);
    expect(Object.keys(lines[1].timings)).to.deep.equal(["dnsMs", "connectMs", "tlsMs", "ttfbMs", "transferMs", "totalMs"]);
  });

  it("probes a stack's targets and prints the table, exit 0 when all are ok", async () => {
    const { code, stdout } = await run(["--stack", "local"]);

    expect(code).to.equal(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).to.match(/^URL\s+NAME\s+OK\s+STATUS\s+TOTAL\s+DNS\s+CONNECT\s+TLS\s+TTFB\s+TRANSFER\s+CERT DAYS\s+REDIRECTS\s+ATTEMPTS\s+WARNINGS\s+ERROR$/);
    expect(lines[1]).to.match(new RegExp(`^${server.url("/ok").replace(/[.?/]/g, "\\$&")}\\s+local\\s+yes\\s+200\\s+[\\d.]+\\s+-\\s+[\\d.]+\\s+-\\s+[\\d.]+\\s+[\\d.]+\\s+-\\s+0\\s+1\\s+-$`));
    expect(lines[3]).to.match(/^2 targets: 2 ok, 0 not ok \(times in ms; event-loop delay p99 \d+\.\d\)$/);
  });

  it("reads a targets file with expectations, and --timeout overrides every target's timeout", async () => {
    const file = writeFile("targets.json", JSON.stringify([{ url: server.url("/headers"), expect: { bodyContains: "green" } }, { url: server.url("/hang"), timeoutMs: 30_000 }]));

    const { code, stdout } = await run(["--targets", file, "--timeout", "300", "--json"]);

    expect(code).to.equal(1);
    const lines = stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(lines[0].ok).to.equal(true);
    expect(lines[1].error).to.deep.equal({ code: "TIMEOUT", message: "no complete answer within 300 ms" });
  });

  describe("bad input: exit 2, a message on stderr, nothing probed", () => {
    const cases: Array<[string, () => string[], RegExp, NodeJS.ProcessEnv?]> = [
      ["an unknown option", () => ["--bogus", server.url("/ok")], /^probe: unknown option --bogus \(see --help for the options\)\n$/],
      ["a URL that is not http(s)", () => [server.url("/ok"), "ftp://files.example.com/"], /^probe: "ftp:\/\/files.example.com\/": must be http or https\n$/],
      ["a missing targets file", () => ["--targets", path.join(dir, "nope.json")], /^probe: --targets .*nope\.json: cannot read the file \(ENOENT\)\n$/],
      ["a targets file that is not JSON", () => ["--targets", writeFile("bad.json", "[{url:")], /^probe: --targets .*bad\.json: not valid JSON/],
      [
        "a bad target in a file (the good ones are not probed either)",
        () => ["--targets", writeFile("third.json", JSON.stringify([{ url: server.url("/ok") }, { url: server.url("/ok?2") }, { url: "nope" }]))],
        /^probe: .*third\.json: targets\[2\]\.url: must be an absolute URL\n$/,
      ],
      ["a bad target in the stack", () => ["--stack", "broken"], /^probe: Pulumi\.broken\.yaml: webhealth:targets\[0\]\.url: must be http or https\n$/],
      ["a stack without targets", () => ["--stack", "empty"], /^probe: Pulumi\.empty\.yaml: webhealth:targets: is required\n$/],
      ["an unknown stack", () => ["--stack", "nosuch"], /^probe: --stack: no stack file Pulumi\.nosuch\.yaml \(known stages: broken, empty, local\)\n$/],
      ["a duplicate URL across sources", () => ["--stack", "local", server.url("/ok")], /^probe: the combined target list .*: targets\[2\]\.url: duplicates targets\[0\]\.url\n$/],
      ["a timeout below the minimum", () => ["--timeout", "50", server.url("/ok")], /^probe: --timeout: must be a whole number from 100 to 60000, got "50"\n$/],
      ["a concurrency of 0", () => ["--concurrency", "0", server.url("/ok")], /^probe: --concurrency: must be a whole number from 1 to 256, got "0"\n$/],
      ["no targets at all", () => ["--json"], /^probe: no targets: give --stack <stage>, --targets <file.json> or URLs/],
      ["a bad publishing setting", () => ["--publish", server.url("/ok")], /^probe: PROBE_CONCURRENCY: must be a whole number from 1 to 256\n$/, { PROBE_CONCURRENCY: "many" }],
      [
        "--publish with no region to publish to",
        () => ["--publish", server.url("/ok")],
        /^probe: --publish: no region to publish to: set METRICS_REGION or AWS_REGION, or use --stack with a stage that sets aws:region\n$/,
        {},
      ],
    ];
    for (const [title, argv, message, env] of cases) {
      it(title, async () => {
        server.resetStats();

        const result = await run(argv(), env);

        expect(result.code).to.equal(2);
        expect(result.stderr).to.match(message);
        expect(result.stdout).to.equal("");
        expect(server.stats.requests).to.equal(0);
      });
    }
  });

  describe("requests with secrets, warnings, --strict, progress, input hygiene", () => {
    const SECRET = "s3cr3t-value-9d7e";
    const secretTarget = () => ({ url: server.url("/echo"), name: "api", request: { headers: { Authorization: { secret: "api.token" } } }, expect: { json: [{ path: "headers.authorization", equals: "Bearer nope" }] } });

    it("reads a secret from WEBHEALTH_SECRET_<NAME>, sends it, and redacts it from the JSON line", async () => {
      const file = writeFile("secret-targets.json", JSON.stringify([secretTarget()]));
      server.resetStats();

      const { code, stdout, stderr } = await run(["--json", "--targets", file], { WEBHEALTH_SECRET_API_TOKEN: SECRET });

      expect(code).to.equal(1);
      expect(server.seen[0].headers.authorization).to.equal(SECRET);
      expect(JSON.parse(stdout).error).to.deep.equal({ code: "BODY", message: 'json headers.authorization: expected "Bearer nope", got "[secret]"' });
      expect(stdout + stderr).to.not.contain(SECRET);
    });

    it("prefers the --secrets file over the environment, and keeps the table free of the value", async () => {
      const file = writeFile("secret-targets.json", JSON.stringify([secretTarget()]));
      const secrets = writeFile("secrets.json", JSON.stringify({ "api.token": SECRET }));
      server.resetStats();

      const { stdout, stderr } = await run(["--targets", file, "--secrets", secrets], { WEBHEALTH_SECRET_API_TOKEN: "from-the-environment" });

      expect(server.seen[0].headers.authorization).to.equal(SECRET);
      expect(stdout).to.contain('got "[secret]"');
      expect(stdout + stderr).to.not.contain(SECRET);
    });

    const bad: Array<[string, () => string[], string | (() => string), NodeJS.ProcessEnv?]> = [
      [
        "a secret that is set nowhere",
        () => ["--targets", writeFile("secret-targets.json", JSON.stringify([{ url: server.url("/ok") }, secretTarget()]))],
        'probe: targets[1] (api): request.headers.Authorization: secret "api.token" is not set: set WEBHEALTH_SECRET_API_TOKEN or give it in --secrets <file.json>\n',
      ],
      ["a --secrets file that is not JSON (its text never shown)", () => ["--secrets", writeFile("bad-secrets.json", `{"api.token": "${SECRET}`), server.url("/ok")], () => `probe: --secrets ${path.join(dir, "bad-secrets.json")}: not valid JSON\n`],
      ["a --secrets value that is not a string", () => ["--secrets", writeFile("num-secrets.json", '{"pin": 1234}'), server.url("/ok")], () => `probe: --secrets ${path.join(dir, "num-secrets.json")}: pin: must be a string\n`],
      ["a single-valued option given twice", () => ["--timeout", "500", "--timeout", "900", server.url("/ok")], "probe: --timeout: given more than once (it takes one value)\n"],
      ["--certificate-days out of range", () => ["--certificate-days", "0", server.url("/ok")], 'probe: --certificate-days: must be a whole number from 1 to 365, got "0"\n'],
    ];
    for (const [title, argv, message, env] of bad) {
      it(`refuses ${title}: exit 2, nothing probed`, async () => {
        const args = argv();
        server.resetStats();

        const result = await run(args, env);

        expect([result.code, result.stderr, result.stdout, server.stats.requests]).to.deep.equal([2, typeof message === "string" ? message : message(), "", 0]);
        expect(result.stderr).to.not.contain(SECRET);
      });
    }

    it("reads a targets file that starts with a UTF-8 byte-order mark", async () => {
      const file = writeFile("bom.json", "\ufeff" + JSON.stringify([{ url: server.url("/ok") }]));

      const { code, stdout } = await run(["--json", "--targets", file]);

      expect(code).to.equal(0);
      expect(JSON.parse(stdout).ok).to.equal(true);
    });

    it("reports warnings in --json and the table; --strict makes a warning fail the run", async () => {
      const file = writeFile("slow.json", JSON.stringify([{ url: server.url("/delay/150"), name: "slow", latencyMs: 50 }]));

      const lenient = await run(["--json", "--targets", file]);
      const strict = await run(["--json", "--strict", "--targets", file]);
      const table = await run(["--targets", file]);

      expect([lenient.code, JSON.parse(lenient.stdout).ok, JSON.parse(lenient.stdout).warnings]).to.deep.equal([0, true, ["SLOW"]]);
      expect(strict.code).to.equal(1);
      expect(table.stdout.split("\n")[1]).to.match(/\s+slow\s+yes\s+200\s.*\s0\s+1\s+SLOW$/);
      expect(table.stdout).to.match(/1 target: 1 ok, 0 not ok, 1 with warnings \(times in ms/);
    });

    it("takes the certificate threshold from the stack's alarms, and --certificate-days over it", async () => {
      const pki = testPki();
      const https = await startHttpsServer(pki.valid);
      try {
        writeFile("Pulumi.certs.yaml", `config:\n  aws:region: us-east-1\n  webhealth:alarms:\n    certificateDays: 90\n  webhealth:targets:\n    - url: ${https.url("/ok")}\n`);
        const io = { ca: pki.caCert };
        const viaStack = await runWith(["--json", "--stack", "certs"], {}, io);
        const viaOption = await runWith(["--json", "--stack", "certs", "--certificate-days", "7"], {}, io);

        expect(JSON.parse(viaStack.stdout).warnings).to.deep.equal(["CERTIFICATE"]);
        expect(JSON.parse(viaOption.stdout).warnings).to.deep.equal([]);
      } finally {
        await https.close();
      }
    });

    it("shows progress on stderr when it is a terminal, erased at the end; stdout stays clean", async () => {
      const stdout = new Collector();
      const stderr = Object.assign(new Collector(), { isTTY: true });
      const targets = Array.from({ length: 3 }, (_, i) => server.url(`/ok?progress=${i}`));

      const code = await runCli(["--json", "--concurrency", "1", ...targets], { stdout, stderr, env: {}, root: dir });

      expect(code).to.equal(0);
      expect(stdout.text.trimEnd().split("\n").map((line) => JSON.parse(line).ok)).to.deep.equal([true, true, true]);
      expect(stderr.text.startsWith("\rprobing: ")).to.equal(true);
      expect(stderr.text).to.match(/probing: \d of 3 targets done/);
      expect(stderr.text).to.contain("\rprobing: 3 of 3 targets done\x1b[K");
      expect(stderr.text.endsWith("\r\x1b[K")).to.equal(true);
    });

    it("writes nothing to stderr when it is not a terminal", async () => {
      const { stderr } = await run(["--json", server.url("/ok")]);

      expect(stderr).to.equal("");
    });
  });

  describe("--publish", () => {
    let cloudWatch: AwsClientStub<CloudWatchClient>;
    const savedEndpoint = process.env.AWS_ENDPOINT_URL;
    before(() => {
      cloudWatch = mockClient(CloudWatchClient);
      // A dead local endpoint: were the mock ever not in place, nothing would leave the machine.
      process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
    });
    after(() => {
      cloudWatch.restore();
      if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = savedEndpoint;
    });

    it("publishes the targets' metrics to the stack's region, without the deployed probe's heartbeat", async () => {
      cloudWatch.on(PutMetricDataCommand).resolves({});

      const { code, stderr } = await run(["--stack", "local", "--publish"], { AWS_REGION: "us-east-1" });

      expect(code).to.equal(0);
      const calls = cloudWatch.commandCalls(PutMetricDataCommand);
      expect(calls.length).to.equal(1);
      const names = (calls[0].args[0].input.MetricData ?? []).map((datum) => datum.MetricName);
      expect(names.filter((name) => name === "Check").length).to.equal(2);
      expect(names).to.not.include("TargetsProbed");
      expect(stderr).to.equal(`probe: published ${names.length} datums to WebHealth in eu-west-2 (1 request)\n`);
    });

    it("touches nothing in AWS without --publish", async () => {
      cloudWatch.reset();

      await run(["--stack", "local"]);

      expect(cloudWatch.commandCalls(PutMetricDataCommand).length).to.equal(0);
    });
  });

  describe("as a process (node + ts-node, like npm run probe)", () => {
    const spawnCli = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(PROJECT_ROOT, "cli", "probe.ts"), ...argv], {
          cwd: PROJECT_ROOT,
          env: { ...process.env, ...env },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });

    it("gets every line of --json through a pipe whole, far past the pipe's buffer", async () => {
      const file = writeFile("many.json", JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ url: server.url(`/ok?target=${i}`), name: `target number ${i}` }))));

      const { code, stdout } = await spawnCli(["--json", "--concurrency", "50", "--targets", file]);

      expect(code).to.equal(0);
      expect(stdout.length).to.be.above(64 * 1024);
      const lines = stdout.split("\n");
      expect(lines.pop()).to.equal("");
      expect(lines.length).to.equal(400);
      expect(lines.map((line) => JSON.parse(line).name)).to.deep.equal(Array.from({ length: 400 }, (_, i) => `target number ${i}`));
    });

    it("stops quietly when the reader closes the pipe early (| head), keeping the run's exit status", async () => {
      // About 110 KB of JSON lines, more than a pipe holds: the probe is still writing when head exits.
      const targets = Array.from({ length: 300 }, (_, i) => ({ url: server.url(`/ok?closed=${i}`), name: `${"long name ".repeat(12)}${i}` }));
      const file = writeFile("closed.json", JSON.stringify([...targets, { url: server.url("/status/500") }]));
      const cli = [process.execPath, "-r", "ts-node/register/transpile-only", path.join(PROJECT_ROOT, "cli", "probe.ts"), "--json", "--targets", file];

      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const shell = spawn("bash", ["-c", '"$@" | head -c 100 > /dev/null; echo "probe exit ${PIPESTATUS[0]}"', "bash", ...cli], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        shell.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        shell.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
        shell.on("error", reject);
        shell.on("close", (exit) => resolve({ code: exit, stdout: out, stderr: err }));
      });

      expect([code, stdout, stderr]).to.deep.equal([0, "probe exit 1\n", ""]);
    });

    it("trusts the CAs in NODE_EXTRA_CA_CERTS", async () => {
      const pki = testPki();
      const https = await startHttpsServer(pki.valid);
      try {
        const caFile = writeFile("ca.pem", pki.caCert);

        const { code, stdout } = await spawnCli(["--json", https.url("/ok")], { NODE_EXTRA_CA_CERTS: caFile });

        expect(code).to.equal(0);
        expect(JSON.parse(stdout)).to.include({ ok: true, status: 200 });
        expect(JSON.parse(stdout).tls.issuer).to.equal(`CN=${pki.caName}`);
      } finally {
        await https.close();
      }
    });
  });
});
