import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { generatedTargets } from "../../infra/cost";
import { runProgram } from "../../infra/program";
import { PROJECT_ROOT } from "../../infra/stack-files";
import { FIXTURE_STACKS, fixtureConfig } from "../fixtures/stacks";
import { REDACTED, synthesize, synthesizeProgram } from "../../infra/synth";
import { deliveredEvent } from "./support/eventbridge";
import { formatSummary } from "../../cli/synth-format";
import * as yaml from "js-yaml";
import { spellingsOf } from "../../functions/common/secrets";
import { loadStageConfig } from "../../infra/config";
import { planStage } from "../../infra/plan/stage";

function runCli(args: string[]) {
  return spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "cli/synth.ts", ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  });
}

describe("infra synth engine", function () {
  this.timeout(60_000);

  it("redacts secrets in inputs and outputs and resolves Outputs", async () => {
    const { document } = await synthesizeProgram("beta", { "aws:region": "us-east-1" }, () => {
      const topic = new aws.sns.Topic("t", { name: "plain", displayName: pulumi.secret("hidden") });
      return { arn: topic.arn, token: pulumi.secret("s3cr3t") };
    });
    expect(document.resources).to.deep.equal([
      {
        type: "aws:sns/topic:Topic",
        name: "t",
        inputs: { displayName: REDACTED, name: "plain" },
        options: { protect: false, retainOnDelete: false, ignoreChanges: [], deleteBeforeReplace: false, dependsOn: [], parent: "pulumi:pulumi:Stack::webhealth-beta" },
      },
    ]);
    expect(document.outputs).to.deep.equal({ arn: "arn:aws:sns:us-east-1:123456789012:plain", token: REDACTED });
  });

  it("runs the real entry point (infra/index.ts) with the same result as the program function", async () => {
    const config = fixtureConfig("beta");
    // The entry point runs the program when it is loaded, so it must load inside the mocked run.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const viaIndex = await synthesizeProgram("beta", config, () => require("../../infra/index"));
    const viaSynth = await synthesize("beta", config);
    expect(viaIndex.document).to.deep.equal(viaSynth.document);
  });

  it("probes from one region other than home without any Region dimension, publishing home", async () => {
    const { records } = await synthesize("edge", { "aws:region": "us-east-1", "webhealth:probeRegions": ["eu-central-1"], "webhealth:targets": [{ url: "http://example.com/", name: "plain" }] });
    const probe = records.find((record) => record.name === "probe-eu-central-1-function");
    expect(probe?.region).to.equal("eu-central-1");
    expect((probe?.inputs.environment as { variables: Record<string, string> }).variables).to.deep.equal({
      METRICS_NAMESPACE: "WebHealth",
      METRICS_REGION: "us-east-1",
      PHASE_METRICS: "false",
      PROBE_CONCURRENCY: "32",
      CERTIFICATE_WARNING_DAYS: "14",
      DEFAULT_LATENCY_MS: "3000",
    });
    const alarms = records.filter((record) => record.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && record.region === "us-east-1");
    expect(alarms.map((alarm) => [alarm.name, alarm.inputs.dimensions])).to.deep.equal([
      ["plain-availability", { Url: "http://example.com/" }],
      ["plain-latency", { Url: "http://example.com/" }],
      ["probe-health", {}],
      ["recorder-dead-letters", { QueueName: "webhealth-edge-recorder-dead-letters" }],
      ["recorder-duration", { FunctionName: "webhealth-edge-recorder", Resource: "webhealth-edge-recorder:live" }],
      ["recorder-errors", { FunctionName: "webhealth-edge-recorder", Resource: "webhealth-edge-recorder:live" }],
    ]);
  });

  it("synthesises a stage whose secrets only the Pulumi CLI could decrypt, and one set with `pulumi config set` strings", async () => {
    // Prepare: what `pulumi config set --secret --path 'webhealth:secrets.token'` and `pulumi config set webhealth:phaseMetrics true` write.
    const config = {
      "aws:region": "us-east-1",
      "webhealth:targets": [{ url: "https://example.com/" }],
      "webhealth:secrets": { token: { secure: "v1:c2VhbGVk" } },
      "webhealth:phaseMetrics": "true",
    };

    // Act
    const { document } = await synthesize("beta", config);

    // Assess: phase metrics are on as the string said, and nothing failed for want of the secret.
    const probe = document.resources.find((resource) => resource.name === "probe-us-east-1-function");
    expect((probe?.inputs.environment as { variables: Record<string, string> }).variables.PHASE_METRICS).to.equal("true");
  });

  describe("a stage whose targets use secrets", () => {
    const VALUE = "Bearer deploy-9e41aa07";
    const UNUSED = "unused-77c2f0";
    const config = {
      "aws:region": "us-east-1",
      "webhealth:probeRegions": ["us-east-1", "eu-west-1"],
      "webhealth:secrets": { "api-token": VALUE, unused: UNUSED },
      "webhealth:targets": [
        { url: "https://api.example.com/health", name: "api", request: { method: "POST", headers: { Authorization: { secret: "api-token" } }, body: "{}" } },
        { url: "https://www.example.com/", name: "www" },
      ],
    };
    let result: Awaited<ReturnType<typeof synthesize>>;
    before(async () => {
      result = await synthesize("beta", config);
    });
    const policyOf = (name: string) => JSON.parse(result.records.find((record) => record.name === name)?.inputs.policy as string);
    const stageKeyArn = () => {
      const key = result.records.find((record) => record.type === "aws:kms/key:Key");
      return `arn:aws:kms:us-east-1:123456789012:key/${crypto.createHash("sha256").update(key!.name).digest("hex").slice(0, 32)}`;
    };

    it("stores each secret as a SecureString under the stage's KMS key, in the home region, value redacted", () => {
      const parameters = result.records.filter((record) => record.type === "aws:ssm/parameter:Parameter");
      const keyArn = stageKeyArn();

      expect(parameters.map((parameter) => [parameter.name, parameter.region, parameter.inputs.name, parameter.inputs.type, parameter.inputs.keyId, parameter.inputs.value])).to.deep.equal([
        ["secret-api-token", "us-east-1", "/webhealth/beta/secrets/api-token", "SecureString", keyArn, REDACTED],
        ["secret-unused", "us-east-1", "/webhealth/beta/secrets/unused", "SecureString", keyArn, REDACTED],
      ]);
    });

    it("lets each probe role read exactly the parameters its targets name and decrypt them with exactly that key, through SSM", () => {
      const arn = "arn:aws:ssm:us-east-1:123456789012:parameter/webhealth/beta/secrets/api-token";
      for (const region of ["us-east-1", "eu-west-1"]) {
        const statements = policyOf(`probe-${region}-policy`).Statement as Array<{ Sid: string }>;
        const keyArn = stageKeyArn();

        expect(statements.filter((s) => s.Sid.endsWith("TargetSecrets"))).to.deep.equal([
          { Sid: "ReadTargetSecrets", Effect: "Allow", Action: ["ssm:GetParameters", "ssm:GetParameter"], Resource: [arn] },
          {
            Sid: "DecryptTargetSecrets",
            Effect: "Allow",
            Action: ["kms:Decrypt"],
            Resource: keyArn,
            Condition: { StringEquals: { "kms:ViaService": "ssm.us-east-1.amazonaws.com", "kms:EncryptionContext:PARAMETER_ARN": [arn] } },
          },
        ]);
      }
    });

    it("opens the key to the account through SSM only", () => {
      const key = result.records.find((record) => record.type === "aws:kms/key:Key");
      const statement = (JSON.parse(key!.inputs.policy as string).Statement as Array<{ Sid: string }>).find((s) => s.Sid === "AccountUsesThroughSsm");

      expect(statement).to.deep.equal({
        Sid: "AccountUsesThroughSsm",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::123456789012:root" },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "kms:ViaService": "ssm.us-east-1.amazonaws.com", "kms:CallerAccount": "123456789012" } },
      });
    });

    it("tells the probes where the parameters are; the EventBridge input carries only the secret's name", () => {
      const probe = result.records.find((record) => record.name === "probe-eu-west-1-function");
      const inputs = result.records.filter((record) => record.type === "aws:cloudwatch/eventTarget:EventTarget").map((record) => deliveredEvent(record.inputs) as { targets: Array<{ request?: unknown }> });

      expect((probe?.inputs.environment as { variables: Record<string, string> }).variables).to.include({ SECRETS_PARAMETER_PATH: "/webhealth/beta/secrets/", SECRETS_REGION: "us-east-1" });
      expect(inputs[0].targets[0].request).to.deep.equal({ method: "POST", headers: { Authorization: { secret: "api-token" } }, body: "{}" });
    });

    it("never shows a value: not in any resource, not in the stack outputs, not in what npm run synth prints", () => {
      // What `npm run synth` prints is the document as JSON (--json) or its summary.
      const everything = [JSON.stringify(result.document, null, 2), JSON.stringify(result.records), formatSummary(result.document), JSON.stringify(result.document.outputs)].join("\n");

      for (const secret of [VALUE, "deploy-9e41aa07", UNUSED]) expect(everything).to.not.contain(secret);
    });

    it("gives probes of a stage whose targets use no secret no SSM or KMS permission and no secrets path", async () => {
      const plain = await synthesize("beta", { ...config, "webhealth:targets": [{ url: "https://www.example.com/" }] });
      const probe = plain.records.find((record) => record.name === "probe-us-east-1-function");
      const statements = JSON.parse(plain.records.find((record) => record.name === "probe-us-east-1-policy")?.inputs.policy as string).Statement as Array<{ Sid: string }>;

      expect(statements.map((s) => s.Sid)).to.not.include.members(["ReadTargetSecrets", "DecryptTargetSecrets"]);
      expect((probe?.inputs.environment as { variables: Record<string, string> }).variables).to.not.have.any.keys("SECRETS_PARAMETER_PATH", "SECRETS_REGION");
    });
  });

  describe("a stage that uses secrets in probe headers and in notification channels", () => {
    // Written in plain text on purpose (a user may): even then no output may show them. `shared`
    // is both a probe header and the webhook's signing key.
    const VALUES = {
      "api-token": 'Bearer api-"7Qm\\x2Lk9 Pz4',
      shared: "shr-5VtW8nC3yB6u",
      "slack-url": "https://hooks.slack.com/services/T0SYNTH/B0SYNTH/slackPath9Kd2",
      "hook-url": "https://hooks.example.com/webhealth/hookPath4Rf7",
      unused: "unused-2Hs8Jq",
    };
    const STAGE = "secretsynth";
    const config = {
      "aws:region": "us-east-1",
      "webhealth:probeRegions": ["us-east-1", "eu-west-1"],
      "webhealth:secrets": VALUES,
      "webhealth:targets": [
        { url: "https://api.example.com/health", name: "api", request: { method: "POST", headers: { Authorization: { secret: "api-token" }, "X-Signature": { secret: "shared" } }, body: "{}" } },
        { url: "https://www.example.com/", name: "www" },
      ],
      "webhealth:notifications": {
        channels: [
          { name: "oncall", type: "email", addresses: ["oncall@example.com"] },
          { name: "chat", type: "slack", webhookUrl: { secret: "slack-url" } },
          { name: "receiver", type: "webhook", url: { secret: "hook-url" }, signingKey: { secret: "shared" } },
        ],
        maintenance: [{ name: "nightly", cron: "0 3 * * *", durationMinutes: 30, timeZone: "Europe/Berlin" }],
      },
    };
    /** Each value as any output could spell it: as is, escaped, percent-encoded, base64, and its distinctive tail alone. */
    const spellings = Object.values(VALUES).flatMap((value) => [...spellingsOf(value), Buffer.from(value).toString("base64"), value.slice(-8)]);
    const shownIn = (text: string) => spellings.filter((spelling) => text.includes(spelling));
    let result: Awaited<ReturnType<typeof synthesize>>;
    before(async () => {
      result = await synthesize(STAGE, config);
    });
    const parameterArn = (name: string) => `arn:aws:ssm:us-east-1:123456789012:parameter/webhealth/${STAGE}/secrets/${name}`;
    const statement = (policyName: string, sid: string) =>
      (JSON.parse(result.records.find((record) => record.name === policyName)?.inputs.policy as string).Statement as Array<{ Sid: string; Resource: unknown }>).find((s) => s.Sid === sid);

    it("shows no value in the resources, the records, the stack outputs, the summary, the EventBridge inputs or the notifier's shipped configuration", () => {
      const runtime = planStage(loadStageConfig(STAGE, config)).notifier!.runtime;
      const inputs = result.records.filter((record) => record.type === "aws:cloudwatch/eventTarget:EventTarget").map((record) => JSON.stringify(deliveredEvent(record.inputs)));
      const everything = [JSON.stringify(result.document, null, 2), JSON.stringify(result.records), JSON.stringify(result.document.outputs), formatSummary(result.document), JSON.stringify(runtime), ...inputs].join("\n");

      expect(shownIn(everything)).to.deep.equal([]);
      // The notifier's archive carries exactly that names-only configuration, and croner beside its bundle.
      const notifier = result.records.find((record) => record.type === "aws:lambda/function:Function" && String(record.inputs.name).endsWith("-notifier"));
      const archive = (notifier?.inputs.code as { archive: Record<string, { sha256: string }> }).archive;
      expect(Object.keys(archive).sort()).to.deep.equal(["index.js", "node_modules/croner/index.js", "notifier-config.json"]);
      expect(archive["notifier-config.json"].sha256).to.equal(crypto.createHash("sha256").update(JSON.stringify(runtime)).digest("hex"));
      expect(inputs.some((input) => input.includes('"Authorization":{"secret":"api-token"}'))).to.equal(true);
    });

    it("stores every value as a SecureString under the stage key, redacted, and grants each function exactly the parameters it uses", () => {
      const parameters = result.records.filter((record) => record.type === "aws:ssm/parameter:Parameter");
      expect(parameters.map((parameter) => [parameter.inputs.name, parameter.inputs.type, parameter.inputs.value])).to.deep.equal(
        ["api-token", "hook-url", "shared", "slack-url", "unused"].map((name) => [`/webhealth/${STAGE}/secrets/${name}`, "SecureString", REDACTED]),
      );
      for (const region of ["us-east-1", "eu-west-1"]) {
        expect(statement(`probe-${region}-policy`, "ReadTargetSecrets")?.Resource, region).to.deep.equal([parameterArn("api-token"), parameterArn("shared")]);
      }
      expect((statement("notifier-policy", "ReadChannelSecrets")?.Resource as string[]).sort()).to.deep.equal([parameterArn("hook-url"), parameterArn("shared"), parameterArn("slack-url")]);
    });

    it("prints no value from npm run synth, with or without --json", () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "synth-secrets-")), `Pulumi.${STAGE}.yaml`);
      fs.writeFileSync(file, yaml.dump({ config }));

      for (const args of [[], ["--json"]]) {
        const run = runCli(["--stack", STAGE, "--config-file", file, ...args]);

        expect(run.status, run.stderr).to.equal(0);
        expect(run.stderr).to.equal("");
        expect(run.stdout).to.contain(args.length > 0 ? '"aws:ssm/parameter:Parameter"' : `stack ${STAGE}: `);
        expect(shownIn(run.stdout)).to.deep.equal([]);
      }
    });
  });

  it("stops `pulumi up` on bad config with the key and the reason, no stack trace", async () => {
    let caught: unknown;
    try {
      await synthesizeProgram("beta", { "aws:region": "us-east-1", "webhealth:targets": [{ url: "https://a.example.com/", retries: 9 }] }, runProgram);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(pulumi.RunError);
    expect((caught as Error).message).to.equal("invalid stack configuration:\nwebhealth:targets[0].retries: must be at most 3");
  });

  it("records each resource's options as the program passed them, with Pulumi's inheritance applied", async () => {
    const { document } = await synthesizeProgram("beta", { "aws:region": "us-east-1" }, () => {
      const provider = new aws.Provider("west", { region: "us-west-2" });
      const parent = new pulumi.ComponentResource("test:index:Group", "group", {}, { provider, protect: true });
      const first = new aws.sns.Topic("first", {}, { parent, retainOnDelete: true, ignoreChanges: ["displayName"], deleteBeforeReplace: true });
      new aws.sqs.Queue("second", {}, { parent, protect: false, dependsOn: [first, parent] });
      return {};
    });
    const options = Object.fromEntries(document.resources.map((resource) => [resource.name, resource.options]));
    expect(options.first).to.deep.equal({
      protect: true,
      retainOnDelete: true,
      ignoreChanges: ["displayName"],
      deleteBeforeReplace: true,
      dependsOn: [],
      parent: "test:index:Group::group",
      provider: "pulumi:providers:aws::west",
    });
    expect(options.second).to.deep.include({ protect: false, retainOnDelete: false, dependsOn: ["aws:sns/topic:Topic::first", "test:index:Group::group"], provider: "pulumi:providers:aws::west" });
  });

  it("gives the same document on repeated runs in one process", async () => {
    const first = await synthesize("gamma", fixtureConfig("gamma"));
    const second = await synthesize("gamma", fixtureConfig("gamma"));
    expect(second.document).to.deep.equal(first.document);
  });

  it("scales linearly: 1,000 targets add 3 alarms each and one rule and target per shard and region", async () => {
    const count = async (targets: number, regions: string[]) => {
      const { document } = await synthesize("scale", { "aws:region": "us-east-1", "webhealth:probeRegions": regions, "webhealth:targets": generatedTargets(targets) });
      const of = (type: string) => document.resources.filter((resource) => resource.type === type).length;
      return { total: document.resources.length, alarms: of("aws:cloudwatch/metricAlarm:MetricAlarm"), rules: of("aws:cloudwatch/eventRule:EventRule"), permissions: of("aws:lambda/permission:Permission") };
    };
    const small = await count(100, ["us-east-1"]);
    const large = await count(1000, ["us-east-1"]);
    expect(large.alarms - small.alarms).to.equal(900 * 3);
    expect(large.total - small.total).to.equal(900 * 3 + 2 * (large.rules - small.rules));
    // Shards: at most one per 60 targets (the 8,192-character template holds well over that).
    expect(large.rules).to.be.within(Math.ceil(1000 / 160), Math.ceil(1000 / 60));
    // One invoke permission per region for all its shards (and the recorder's), whatever their number.
    expect([small.permissions, large.permissions]).to.deep.equal([2, 2]);
    expect(large.total).to.be.at.most(60 + 3.05 * 1000);
    // More regions add per-region parts, never per-target alarms.
    const threeRegions = await count(1000, ["us-east-1", "eu-west-1", "ap-southeast-2"]);
    expect(threeRegions.alarms - large.alarms).to.equal(2 + 2 * 2);
  });

  it("refuses at synth time a plan that would cross an AWS quota, naming the quota, its documentation and a way out", async () => {
    let caught: unknown;
    try {
      await synthesize("scale", { "aws:region": "us-east-1", "webhealth:targets": generatedTargets(200), "webhealth:accountQuotas": { eventBridgeRulesPerRegion: 1 } });
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).to.equal(
      "webhealth:targets: need 2 EventBridge rules (one per shard) in us-east-1, over its quota of 1 rules per event bus (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html); " +
        "have the quota raised (Service Quotas) and set webhealth:accountQuotas.eventBridgeRulesPerRegion, or move part of the targets to a stage in another account",
    );
  });

  it("refuses more e-mail subscriptions than SNS takes filter policies per topic, unless the account raised that quota", async () => {
    // Prepare: five e-mail channels of 50 addresses: 250 filtered subscriptions on the e-mail topic and 250 on the operators topic.
    const channels = Array.from({ length: 5 }, (_, channel) => ({ name: `team-${channel}`, type: "email", addresses: Array.from({ length: 50 }, (_, index) => `p${index}@team-${channel}.example.com`) }));
    const config = { "aws:region": "us-east-1", "webhealth:targets": generatedTargets(1), "webhealth:notifications": { channels } };
    let caught: unknown;
    try {
      await synthesize("mail", config);
    } catch (error) {
      caught = error;
    }
    const line = (topic: string) =>
      `webhealth:notifications: 250 e-mail subscriptions with a filter policy on the topic webhealth-mail-${topic}, over SNS's quota of 200 filter policies per topic (https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html); ` +
      "send to fewer addresses (a mailing list reaches many people through one), or have the quota raised and set webhealth:accountQuotas.snsFilterPoliciesPerTopic";
    expect((caught as Error).message).to.equal(`${line("email")}\n${line("operators")}`);
    const raised = await synthesize("mail", { ...config, "webhealth:accountQuotas": { snsFilterPoliciesPerTopic: 250 } });
    expect(raised.records.filter((record) => record.type === "aws:sns/topicSubscription:TopicSubscription" && record.inputs.protocol === "email").length).to.equal(500);
  });

  describe("npm run synth", () => {
    const BETA_FILE = path.join(FIXTURE_STACKS, "Pulumi.beta.yaml");

    it("--json prints the same document as the engine", async () => {
      const result = runCli(["--stack", "beta", "--config-file", BETA_FILE, "--json"]);
      expect(result.status, result.stderr).to.equal(0);
      expect(JSON.parse(result.stdout)).to.deep.equal((await synthesize("beta", fixtureConfig("beta"))).document);
    });

    it("prints a readable summary without --json: alarms with their statistics, the cost and its line items", async () => {
      const { document } = await synthesize("beta", fixtureConfig("beta"));
      const result = runCli(["--stack", "beta", "--config-file", BETA_FILE]);
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stdout).to.include(`stack beta: ${document.resources.length} resources\n`);
      expect(result.stdout).to.include(
        "  https://www.wikipedia.org/\n    availability: Check PR(5000000:20000000) >= 99.5 (2 of 3)\n    certificate: CertificateDaysRemaining Minimum < 14 (1 of 1)\n    latency: Check PR(1500:5000000) >= 99.5 (3 of 5)\n",
      );
      expect(result.stdout).to.include(`estimated monthly cost: $${document.estimatedMonthlyCostUsd.toFixed(2)}\n  alarmLedger    $0.00\n  alarms         $`);
    });

    it("reads what `pulumi config set` writes: strings for every value, secure: ciphertext in webhealth:secrets, never shown", async () => {
      // Prepare: a stage file as `pulumi config set` (strings) and `pulumi config set --secret --path` leave it.
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "synth-config-")), "Pulumi.strings.yaml");
      const ciphertext = "v1:Qk9HVVMtQ0lQSEVSVEVYVA==";
      fs.writeFileSync(
        file,
        [
          "config:",
          "  aws:region: eu-west-1",
          "  webhealth:phaseMetrics: \"false\"",
          "  webhealth:probeConcurrency: \"16\"",
          "  webhealth:protectData: \"true\"",
          "  webhealth:notifyEmails: '[\"ops@example.com\"]'",
          "  webhealth:targets: '[{\"url\":\"https://example.com/\",\"name\":\"example\"}]'",
          "  webhealth:secrets:",
          "    apiToken:",
          `      secure: ${ciphertext}`,
          "    plainToken: pl41n-t0ken-value",
          "",
        ].join("\n"),
      );
      // Act
      const result = runCli(["--stack", "strings", "--config-file", file, "--json"]);
      // Assess
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stderr).to.equal("");
      const document = JSON.parse(result.stdout) as { resources: Array<{ type: string; inputs: Record<string, unknown> }> };
      const probe = document.resources.find((r) => r.type === "aws:lambda/function:Function" && (r.inputs.name as string) === "webhealth-strings-probe-eu-west-1");
      const variables = (probe?.inputs.environment as { variables: Record<string, string> }).variables;
      expect([variables.PHASE_METRICS, variables.PROBE_CONCURRENCY]).to.deep.equal(["false", "16"]);
      const table = document.resources.find((r) => r.type === "aws:dynamodb/table:Table");
      expect(table?.inputs.deletionProtectionEnabled).to.equal(true);
      const subscriptions = document.resources.filter((r) => r.type === "aws:sns/topicSubscription:TopicSubscription" && r.inputs.protocol === "email");
      // The older notifyEmails key still works: the e-mail channel `email`, on the notifier's e-mail and operators topics.
      expect(subscriptions.map((s) => [s.inputs.endpoint, String(s.inputs.topic).split(":").pop()])).to.deep.equal([
        ["ops@example.com", "webhealth-strings-email"],
        ["ops@example.com", "webhealth-strings-operators"],
      ]);
      expect(result.stdout).to.not.include(ciphertext);
      expect(result.stdout).to.not.include("pl41n-t0ken-value");
    });

    it("exits 2 with the key and the reason on stderr and nothing on stdout for bad config", () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "synth-bad-")), "Pulumi.synthbad.yaml");
      fs.writeFileSync(file, "config:\n  aws:region: us-east-1\n  webhealth:targets:\n    - url: ftp://example.com/\n  webhealth:probeRegions: [us-east-1, us-east-1]\n  webhealth:namespace:\n    secure: v1:c2VjcmV0\n");
      const result = runCli(["--stack", "synthbad", "--config-file", file, "--json"]);
      expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).to.deep.equal({
        status: 2,
        stdout: "",
        stderr:
          "synth: webhealth:namespace: is a secret (secure:), but only webhealth:secrets holds secrets: set it in plain text, or keep the value in webhealth:secrets and refer to it by name\n" +
          "synth: webhealth:targets[0].url: must be http or https\nsynth: webhealth:probeRegions[1]: duplicates probeRegions[0]\n",
      });
    });

    it("exits 2 for an unknown stack, a missing config file or a missing --stack", () => {
      const unknown = runCli(["--stack", "no-such-stage"]);
      expect([unknown.status, unknown.stdout]).to.deep.equal([2, ""]);
      expect(unknown.stderr).to.match(/^synth: --stack: no stack file Pulumi\.no-such-stage\.yaml \(known stages: [a-z0-9, -]*\)\n$/);
      const noFile = runCli(["--stack", "beta", "--config-file", path.join(FIXTURE_STACKS, "Pulumi.none.yaml")]);
      expect([noFile.status, noFile.stdout, noFile.stderr]).to.deep.equal([2, "", "synth: Pulumi.none.yaml: no such stack file\n"]);
      const missing = runCli(["--json"]);
      expect([missing.status, missing.stdout, missing.stderr]).to.deep.equal([2, "", "synth: --stack: is required\n"]);
    });
  });
});
