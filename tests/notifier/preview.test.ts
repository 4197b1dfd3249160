/**
 * `npm run notify -- --preview` (in-process against a stage file the test writes, and spawned for
 * its exit codes), the notifier's self-test, and secrets kept out of every output: the preview,
 * the synthesised plan, the notifier's shipped configuration.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { expect } from "chai";
import { mockClient } from "aws-sdk-client-mock";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import * as yaml from "js-yaml";
import { command, NOTIFY_EXIT, runNotify } from "../../cli/notify";
import { helpText } from "../../cli/kit";
import { notifierSelfTest } from "../../functions/notifier/self-test";
import { ssmSecretSource } from "../../functions/notifier/secrets";
import { readRuntimeConfig } from "../../functions/notifier/settings";
import { planStage } from "../../infra/plan/stage";
import { loadStageConfig } from "../../infra/config";
import { synthesize } from "../../infra/synth";
import { runCli, startDynalite, type LocalDynamo } from "../ledger/helpers";
import { harness, runtimeOf, SECRETS, stageWithChannels } from "./support";

const SLACK_URL = "https://hooks.slack.com/services/T0AAAA/B0BBBB/secretSlackPath123";
const TEAMS_URL = "https://prod-00.westeurope.logic.azure.com/workflows/secretTeamsFlow/triggers/manual/paths/invoke?sig=secretTeamsSig";
const HOOK_URL = "https://hooks.example.com/webhealth/secretHookPath";
const PLAIN_SECRETS = [SLACK_URL, TEAMS_URL, HOOK_URL, SECRETS.routingKey, SECRETS.signingKey, "secretSlackPath123", "secretTeamsSig", "secretHookPath"];

function stackConfig(): Record<string, unknown> {
  return {
    "aws:region": "us-east-1",
    "webhealth:probeRegions": ["us-east-1", "eu-west-1"],
    "webhealth:targets": [{ url: "https://shop.example.com/", name: "shop", runbookUrl: "https://wiki.example.com/shop" }],
    "webhealth:notifications": {
      channels: [
        { name: "oncall", type: "email", addresses: ["oncall@example.com"] },
        { name: "team-chat", type: "slack", webhookUrl: { secret: "slack-url" } },
        { name: "ops-teams", type: "teams", webhookUrl: { secret: "teams-url" } },
        { name: "pager", type: "pagerduty", routingKey: { secret: "pd-key" } },
        { name: "receiver", type: "webhook", url: { secret: "hook-url" }, signingKey: { secret: "hook-key" } },
      ],
    },
    // Written in plain text on purpose: even then, nothing may show them.
    "webhealth:secrets": { "slack-url": SLACK_URL, "teams-url": TEAMS_URL, "pd-key": SECRETS.routingKey, "hook-url": HOOK_URL, "hook-key": SECRETS.signingKey },
  };
}

function capture() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe("notifier: npm run notify -- --preview, the self-test, and secrets in outputs", function () {
  this.timeout(120_000);
  let root: string;

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "webhealth-notify-"));
    fs.writeFileSync(path.join(root, "Pulumi.preview.yaml"), yaml.dump({ config: stackConfig() }));
    fs.writeFileSync(path.join(root, "Pulumi.quiet.yaml"), yaml.dump({ config: { "aws:region": "us-east-1", "webhealth:targets": [{ url: "https://a.example/" }] } }));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  function preview(args: string[]) {
    const out = capture();
    const err = capture();
    const code = runNotify(args, { stdout: out.stream, stderr: err.stream, root });
    return { code, stdout: out.text(), stderr: err.text() };
  }

  it("renders every channel's message for each sample alarm, without a secret", () => {
    const run = preview(["--preview", "--stack", "preview"]);
    expect([run.code, run.stderr]).to.deep.equal([NOTIFY_EXIT.ok, ""]);
    const headings = run.stdout.split("\n").filter((line) => line.startsWith("=== "));
    const channels = ["oncall (email)", "team-chat (slack)", "ops-teams (teams)", "pager (pagerduty)", "receiver (webhook)"];
    expect(headings).to.deep.equal(channels.flatMap((channel) => ["quorum ALARM", "recovery", "probe health"].map((sample) => `=== ${channel}: ${sample} ===`)));
    expect(run.stdout).to.include("(skipped: single-region ALARM: this stage probes from 2 regions (us-east-1, eu-west-1); see the quorum ALARM)");
    expect(run.stdout).to.include("Subject: ALARM: shop is down [preview]");
    expect(run.stdout).to.include("POST [secret] (the value of webhealth:secrets.slack-url)");
    expect(run.stdout).to.include('"routing_key": "[secret]"');
    expect(run.stdout).to.include("X-Webhealth-Signature: v1=<HMAC-SHA256 with [secret] webhealth:secrets.hook-key>");
    for (const secret of PLAIN_SECRETS) expect(run.stdout).to.not.include(secret);
  });

  it("--json and --channel: one object per line for the channels named", () => {
    const run = preview(["--preview", "--stack", "preview", "--channel", "pager", "--json"]);
    expect(run.code).to.equal(0);
    const entries = run.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(entries.map((entry) => [entry.channel, entry.sample, entry.request.body.event_action])).to.deep.equal([
      ["pager", "quorum ALARM", "trigger"],
      ["pager", "recovery", "resolve"],
      ["pager", "probe health", "trigger"],
    ]);
    expect(run.stderr).to.equal("skipped: single-region ALARM: this stage probes from 2 regions (us-east-1, eu-west-1); see the quorum ALARM\n");
  });

  it("says so for a stage without channels, and refuses bad input with exit 2", () => {
    expect(preview(["--preview", "--stack", "quiet"])).to.deep.equal({ code: 0, stdout: "quiet has no notification channel (webhealth:notifications.channels or webhealth:notifyEmails): nothing to preview.\n", stderr: "" });
    expect(preview(["--preview", "--stack", "preview", "--channel", "sms"])).to.deep.equal({
      code: 2,
      stdout: "",
      stderr: `notify: --channel: "sms" is not a channel of preview (oncall, team-chat, ops-teams, pager, receiver)\n`,
    });
    expect(preview(["--stack", "preview"]).stderr).to.equal(`notify: --preview is required: npm run notify only previews messages (the deployed notifier sends them)\n`);
    expect(preview(["--preview", "--stack", "nope"])).to.deep.include({ code: 2 });
    expect(preview(["--preview", "--stack", "nope"]).stderr).to.match(/^notify: --stack: no stack file Pulumi\.nope\.yaml/);
  });

  it("exits as the other commands when spawned: 0 for --help, 2 for an unknown option", async () => {
    const help = await runCli("cli/notify.ts", ["--help"]);
    expect([help.code, help.stdout]).to.deep.equal([0, helpText(command.spec)]);
    expect(help.stdout).to.match(/^Usage: npm run notify -- --preview --stack <stage> \[--channel <name>\]\.\.\. \[--json\]\n/);
    const bad = await runCli("cli/notify.ts", ["--preview", "--bogus"]);
    expect([bad.code, bad.stdout]).to.deep.equal([2, ""]);
    expect(bad.stderr).to.equal("notify: unknown option --bogus (see --help for the options)\n");
  });

  it("exits 130 when interrupted with Ctrl-C (SIGINT) while it runs, like the other commands", async () => {
    // The preview renders in one synchronous pass, too fast to signal from outside at a known moment:
    // a preload sends the process a real SIGINT the moment the command has installed its handler.
    const preload = path.join(root, "interrupt-on-start.js");
    fs.writeFileSync(
      preload,
      [
        "const on = process.on.bind(process);",
        'process.on = (event, listener) => { const result = on(event, listener); if (event === "SIGINT") { setTimeout(() => undefined, 10000); process.kill(process.pid, "SIGINT"); } return result; };',
      ].join("\n"),
    );
    const run = await runCli("cli/notify.ts", ["--preview", "--stack", "preview"], { WEBHEALTH_STAGE_DIR: root, NODE_OPTIONS: `--require ${preload}` });
    expect([run.code, run.stderr]).to.deep.equal([NOTIFY_EXIT.interrupted, ""]);
    // Without the preload the same run ends normally.
    const plain = await runCli("cli/notify.ts", ["--preview", "--stack", "preview"], { WEBHEALTH_STAGE_DIR: root });
    expect(plain.code).to.equal(NOTIFY_EXIT.ok);
  });

  it("keeps every secret out of the synthesised plan: SSM parameters show [secret], the notifier ships names only", async () => {
    const { document } = await synthesize("preview", stackConfig());
    const text = JSON.stringify(document);
    for (const secret of PLAIN_SECRETS) expect(text).to.not.include(secret);
    const parameters = document.resources.filter((resource) => resource.type === "aws:ssm/parameter:Parameter");
    expect(parameters.map((parameter) => [parameter.inputs.name, parameter.inputs.type, parameter.inputs.value])).to.deep.equal([
      ["/webhealth/preview/secrets/hook-key", "SecureString", "[secret]"],
      ["/webhealth/preview/secrets/hook-url", "SecureString", "[secret]"],
      ["/webhealth/preview/secrets/pd-key", "SecureString", "[secret]"],
      ["/webhealth/preview/secrets/slack-url", "SecureString", "[secret]"],
      ["/webhealth/preview/secrets/teams-url", "SecureString", "[secret]"],
    ]);
    // The notifier may read exactly its channels' parameters.
    const policy = JSON.parse(String(document.resources.find((resource) => resource.name === "notifier-policy")!.inputs.policy));
    expect(policy.Statement.find((statement: { Sid: string }) => statement.Sid === "ReadChannelSecrets").Resource.sort()).to.deep.equal(
      ["hook-key", "hook-url", "pd-key", "slack-url", "teams-url"].map((name) => `arn:aws:ssm:us-east-1:123456789012:parameter/webhealth/preview/secrets/${name}`),
    );
    const runtime = planStage(loadStageConfig("preview", stackConfig())).notifier!.runtime;
    for (const secret of PLAIN_SECRETS) expect(JSON.stringify(runtime)).to.not.include(secret);
  });

  it("reads the configuration file it ships with, and refuses a broken one by name", () => {
    const file = path.join(root, "notifier-config.json");
    const runtime = planStage(loadStageConfig("preview", stackConfig())).notifier!.runtime;
    fs.writeFileSync(file, JSON.stringify(runtime));
    expect(readRuntimeConfig(file)).to.deep.equal(runtime);
    fs.writeFileSync(file, JSON.stringify({ ...runtime, reminderMinutes: -1 }));
    expect(() => readRuntimeConfig(file)).to.throw("notifier-config.json.reminderMinutes");
  });

  describe("the self-test (pre-traffic hook)", () => {
    let dynamo: LocalDynamo;
    before(async () => {
      dynamo = await startDynalite();
    });
    after(async () => dynamo.close());

    it("passes with a reachable ledger and readable secrets, sending nothing and writing nothing", async () => {
      const tableName = await dynamo.createTable();
      const config = stageWithChannels({ slack: SLACK_URL, teams: TEAMS_URL, pagerduty: "https://events.pagerduty.com/v2/enqueue", webhook: HOOK_URL });
      const runtime = runtimeOf(config);
      const ssm = mockClient(SSMClient);
      try {
        // SSM answers the channel parameters (in batches of at most 10), one of them missing.
        ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
          Parameters: input.Names.filter((name) => !name.endsWith("/hook-key")).map((name) => ({ Name: name, Value: `value-of-${name}` })),
          InvalidParameters: input.Names.filter((name) => name.endsWith("/hook-key")),
        }));
        const h = harness(dynamo, tableName, runtime, {}, { secrets: ssmSecretSource(new SSMClient({ region: "us-east-1" })) });
        const report = await notifierSelfTest(() => h.deps);
        expect(report.checks.map((check) => [check.name, check.passed])).to.deep.equal([
          ["configuration", true],
          ["renders single-region ALARM", true],
          ["renders recovery", true],
          ["renders probe health", true],
          ["ledger is reachable", true],
          ["may write delivery records", true],
          ["channel secrets are readable", false],
        ]);
        expect(report.checks.at(-1)!.detail).to.equal("/webhealth/beta/secrets/hook-key: the parameter does not exist");
        expect(report.passed).to.equal(false);
        expect(ssm.commandCalls(GetParametersCommand).map((call) => call.args[0].input.WithDecryption)).to.deep.equal([true]);
        expect(await dynamo.scan(tableName)).to.deep.equal([]);
        // Values are never part of the report.
        expect(JSON.stringify(report)).to.not.include("value-of-");
      } finally {
        ssm.restore();
      }
    });
  });
});
