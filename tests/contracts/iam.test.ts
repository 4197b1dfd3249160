/**
 * IAM at the level of AWS's own reference: every policy document of every proven stage against
 * the IAM Service Authorization Reference, and every access the stage depends on simulated
 * against the synthesised policies (iam-simulate), with a refused neighbour next to each.
 */
import { expect } from "chai";
import { actionExists, arnMatchesFormat, conditionKeyApplies, expandAction, policyDocumentProblems, resourceProblem } from "./iam";
import { CALL_TARGETS, FUNCTION_NAMES, simulate, stageAccess, type AccessCase } from "./access";
import { loadStageConfig } from "../../infra/config";
import { planStage } from "../../infra/plan/stage";
import { REQUEST_SENDING_LIBRARIES, sdkCallsInSource, sdkCallsOf, unseenRequestSenders, unseenRequestSendersOf } from "./function-calls";
import { planPolicies } from "./plan-policies";
import { provenStages, synthOf } from "./stages";

describe("contracts: IAM", function () {
  this.timeout(120_000);

  describe("the reference helpers (tests/contracts/iam.ts)", () => {
    it("knows which actions exist, wildcards included", async () => {
      expect(await actionExists("codedeploy:PutLifecycleEventHookExecutionStatus")).to.equal(true);
      expect(await actionExists("codedeploy:PutLifecycleHookStatus")).to.equal(false);
      expect(await actionExists("nosuchservice:Get")).to.equal(false);
      expect(await expandAction("kms:GenerateDataKey*")).to.deep.equal(["kms:GenerateDataKey", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext", "kms:GenerateDataKeyWithoutPlaintext"]);
    });

    it("knows which condition keys apply to an action", async () => {
      expect(await conditionKeyApplies("cloudwatch:PutMetricData", "cloudwatch:namespace")).to.equal(true);
      expect(await conditionKeyApplies("sqs:SendMessage", "cloudwatch:namespace")).to.equal(false);
      expect(await conditionKeyApplies("sns:Publish", "aws:SourceArn")).to.equal(true);
      expect(await conditionKeyApplies("kms:Decrypt", "kms:ViaService")).to.equal(true);
      expect(await conditionKeyApplies("sns:Publish", "aws:NoSuchKey")).to.equal(false);
    });

    it("matches resource ARNs, IAM wildcards included, to an action's resource types", async () => {
      const logStream = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}";
      expect(arnMatchesFormat("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*", logStream)).to.equal(true);
      expect(arnMatchesFormat("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f", logStream)).to.equal(false);
      expect(arnMatchesFormat("arn:aws:iam::123456789012:role/r", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}")).to.equal(true);
      expect(await resourceProblem("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/ledger")).to.equal(undefined);
      expect(await resourceProblem("dynamodb:PutItem", "arn:aws:sqs:us-east-1:123456789012:queue")).to.match(/^"arn:aws:sqs:us-east-1:123456789012:queue" is not an ARN of a resource type of dynamodb:PutItem/);
      expect(await resourceProblem("codedeploy:PutLifecycleEventHookExecutionStatus", "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:a/b")).to.equal(
        'codedeploy:PutLifecycleEventHookExecutionStatus supports no resource-level permissions: only "Resource": "*" grants it, so "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:a/b" grants nothing',
      );
    });

    it("reports a document's unknown actions, foreign condition keys and unusable resources", async () => {
      const problems = await policyDocumentProblems(
        {
          Statement: [
            { Sid: "Typo", Effect: "Allow", Action: "dynamodb:PutItems", Resource: "*" },
            { Sid: "Key", Effect: "Allow", Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:123456789012:q", Condition: { StringEquals: { "cloudwatch:namespace": "x" } } },
            // The defect the hook policy had: a wildcard-only action on a deployment group ARN.
            { Sid: "Report", Effect: "Allow", Action: ["codedeploy:PutLifecycleEventHookExecutionStatus", "codedeploy:GetDeployment"], Resource: "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:a/b" },
          ],
        },
        "identity",
        "doc",
      );
      expect(problems).to.deep.equal([
        "doc statement Typo: dynamodb:PutItems names no action of the IAM Service Authorization Reference",
        "doc statement Key: condition key cloudwatch:namespace does not apply to sqs:SendMessage",
        'doc statement Report: codedeploy:PutLifecycleEventHookExecutionStatus supports no resource-level permissions: only "Resource": "*" grants it, so "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:a/b" grants nothing',
      ]);
    });
  });

  describe("the SDK calls of each function, read from its code", () => {
    it("finds every function's calls", () => {
      const calls = Object.fromEntries(FUNCTION_NAMES.map((name) => [name, sdkCallsOf(name).map((call) => call.action)]));
      expect(calls).to.deep.equal({
        "canary-hook": ["codedeploy:GetApplicationRevision", "codedeploy:GetDeployment", "codedeploy:PutLifecycleEventHookExecutionStatus", "lambda:InvokeFunction"],
        notifier: [
          "cloudwatch:DescribeAlarms",
          "dynamodb:DescribeTable",
          "dynamodb:Query",
          "dynamodb:UpdateItem",
          "logs:GetQueryResults",
          "logs:StartQuery",
          "sns:Publish",
          "sqs:SendMessage",
          "ssm:GetParameters",
        ],
        probe: ["cloudwatch:PutMetricData"],
        recorder: ["dynamodb:DescribeTable", "dynamodb:UpdateItem"],
      });
    });

    it("sees a call added to a function's code, named or through a namespace import", () => {
      const source = [
        'import { SendMessageCommand } from "@aws-sdk/client-sqs";',
        'import * as cw from "@aws-sdk/client-cloudwatch";',
        'import { PutCommand as Put } from "@aws-sdk/lib-dynamodb";',
        "export const go = (c: any) => Promise.all([c.send(new SendMessageCommand({})), c.send(new cw.GetMetricDataCommand({})), c.send(new Put({}))]);",
      ].join("\n");
      expect(sdkCallsInSource("functions/x/y.ts", source).map((call) => call.action)).to.deep.equal(["sqs:SendMessage", "cloudwatch:GetMetricData", "dynamodb:PutItem"]);
    });

    it("maps transactions to the actions of their items: a read one to GetItem, a write one refused until proven by hand", () => {
      const source = (command: string, client: string) => `import { ${command} } from "${client}";\nexport const go = (c: any) => c.send(new ${command}({}));`;
      expect(sdkCallsInSource("functions/x/y.ts", source("TransactGetItemsCommand", "@aws-sdk/client-dynamodb")).map((call) => call.action)).to.deep.equal(["dynamodb:GetItem"]);
      expect(() => sdkCallsInSource("functions/x/y.ts", source("TransactWriteCommand", "@aws-sdk/lib-dynamodb"))).to.throw(
        "@aws-sdk/lib-dynamodb:TransactWriteCommand: its IAM actions are those of its items (PutItem, UpdateItem, DeleteItem, ConditionCheckItem): prove its grants by hand in tests/contracts/access.ts",
      );
      expect(() => sdkCallsInSource("functions/x/y.ts", source("TransactWriteItemsCommand", "@aws-sdk/client-dynamodb"))).to.throw("TransactWriteItemsCommand: its IAM actions are those of its items");
    });

    it("no function sends AWS requests the reader cannot see, beyond the library uses proven by hand", () => {
      const unproven = FUNCTION_NAMES.flatMap((name) =>
        unseenRequestSendersOf(name)
          .filter((sender) => !REQUEST_SENDING_LIBRARIES[sender.library]?.includes(name))
          .map((sender) => `${name}: ${sender.name} of ${sender.library} (${sender.file})`),
      );
      expect(unproven).to.deep.equal([]);
      expect(unseenRequestSendersOf("probe").map((sender) => `${sender.library} ${sender.name}`)).to.deep.equal(["@aws-lambda-powertools/parameters SSMProvider"]);
      const source = ['import { SSM } from "@aws-sdk/client-ssm";', 'import { getParameter } from "@aws-lambda-powertools/parameters/ssm";', 'import { type MetricDatum, CloudWatchClient } from "@aws-sdk/client-cloudwatch";'].join("\n");
      expect(unseenRequestSenders("functions/x/y.ts", source).map((sender) => `${sender.library} ${sender.name}`)).to.deep.equal(["@aws-sdk/client-ssm SSM", "@aws-lambda-powertools/parameters getParameter"]);
    });

    it("names a target for every call of every function", () => {
      const missing = FUNCTION_NAMES.flatMap((name) => sdkCallsOf(name).filter((call) => !CALL_TARGETS[name]?.[call.action]).map((call) => `${name}: ${call.action}`));
      expect(missing).to.deep.equal([]);
    });

    it("every call is an action of the IAM reference", async () => {
      const unknown = [];
      for (const name of FUNCTION_NAMES) for (const call of sdkCallsOf(name)) if (!(await actionExists(call.action))) unknown.push(call.action);
      expect(unknown).to.deep.equal([]);
    });
  });

  for (const stage of provenStages()) {
    describe(stage.label, () => {
      const home = String(stage.config["aws:region"]);

      it("every policy document uses real actions, condition keys that apply and resources of the right type", async () => {
        const policies = planPolicies((await synthOf(stage)).records, home);
        expect(policies.map((policy) => policy.kind)).to.include.members(["trust", "identity", "resource"]);
        const problems = (await Promise.all(policies.map((policy) => policyDocumentProblems(policy.document, policy.kind, policy.where)))).flat();
        expect(problems).to.deep.equal([]);
      });

      it("allows every access the stage depends on and refuses its neighbours (iam-simulate)", async () => {
        const secretParameters = planStage(loadStageConfig(stage.stage, stage.config)).notifier?.secrets.map((use) => use.parameter) ?? [];
        const access = stageAccess(await synthOf(stage), home, secretParameters);
        expect(access.untargetedCalls, "calls without a target").to.deep.equal([]);
        expect(access.unusedRoles, "roles nothing uses").to.deep.equal([]);
        expect(access.unneededGrants, "grants nothing needs").to.deep.equal([]);
        const wrong: string[] = [];
        for (const each of access.cases) {
          const { result, errors } = await simulate(each);
          const ok = each.expect === "Allowed" ? result === "Allowed" : result !== "Allowed" && result !== "error";
          if (!ok) wrong.push(`${each.label}: expected ${each.expect}, got ${result}${errors ? ` (${errors})` : ""}`);
        }
        expect(wrong).to.deep.equal([]);
        // Each kind of access is there to prove (not vacuously empty).
        const labels = access.cases.map((each) => each.label).join("\n");
        for (const expected of ["cloudwatch:PutMetricData", "dynamodb:UpdateItem", "codedeploy:PutLifecycleEventHookExecutionStatus", "CloudWatch publishes to the topic", "CloudWatch uses the topic's key", "EventBridge invokes", "EventBridge keeps undeliverable events", "SNS invokes", "SNS keeps undeliverable notifications", "Lambda keeps a failed invocation", "assumes", "CodeDeploy lambda:UpdateAlias"]) {
          expect(labels, expected).to.include(expected);
        }
      });
    });
  }

  describe("every access is proven somewhere", () => {
    it("each SDK call of each function, CloudWatch publishing from metric and composite alarms to every topic they name", async () => {
      const labels: string[] = [];
      const allowedCalls = new Set<string>();
      for (const stage of provenStages()) {
        const config = loadStageConfig(stage.stage, stage.config);
        const secretParameters = planStage(config).notifier?.secrets.map((use) => use.parameter) ?? [];
        for (const each of stageAccess(await synthOf(stage), String(stage.config["aws:region"]), secretParameters).cases) {
          labels.push(each.label);
          if (each.expect === "Allowed") allowedCalls.add(`${each.principal.split("/").pop()} ${each.action}`);
        }
      }
      // Every call CALL_TARGETS knows is simulated as allowed for some role of its function in some stage.
      const unproven = Object.entries(CALL_TARGETS).flatMap(([name, calls]) =>
        Object.keys(calls).filter((action) => ![...allowedCalls].some((call) => call.endsWith(` ${action}`) && call.includes(name === "canary-hook" ? "hook" : name))).map((action) => `${name}: ${action}`),
      );
      expect(unproven).to.deep.equal([]);
      for (const expected of [/^composite alarm .*-burn-rate: CloudWatch publishes to the topic .*-alarms$/, /^alarm .*: CloudWatch publishes to the topic .*-operators$/, /^CloudWatch uses the topic's key \(kms:GenerateDataKey\) for .*-operators$/, /notifier: ssm:GetParameters \(GetParametersCommand\)$/, /notifier: kms:Decrypt through ssm:GetParameters$/]) {
        expect(labels.some((label) => expected.test(label)), String(expected)).to.equal(true);
      }
    });
  });

  describe("the simulation fails what it must", () => {
    it("denies the hook's status report granted on its deployment group (the defect this issue fixed)", async () => {
      const access: AccessCase = {
        label: "old grant",
        principal: "arn:aws:iam::123456789012:role/hook",
        action: "codedeploy:PutLifecycleEventHookExecutionStatus",
        resource: "*",
        context: {},
        identityPolicies: [{ name: "p", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["codedeploy:PutLifecycleEventHookExecutionStatus"], Resource: "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:a/b" }] } }],
        expect: "Allowed",
      };
      expect((await simulate(access)).result).to.equal("ImplicitlyDenied");
    });

    it("reports a call added to a function without a grant", async () => {
      const stage = provenStages()[0];
      const access = stageAccess(await synthOf(stage), String(stage.config["aws:region"]));
      const probe = access.cases.find((each) => each.action === "cloudwatch:PutMetricData")!;
      // The probe's role, asked for a call its code does not make today.
      expect((await simulate({ ...probe, action: "cloudwatch:GetMetricData", context: {} })).result).to.equal("ImplicitlyDenied");
    });
  });
});
