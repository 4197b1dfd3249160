/**
 * Resource options are part of the proof: synth records the options the program really passes
 * (not constants it exports), the policy rules read them, and the data protection and the live
 * alias's ignoreChanges are asserted on every proven stage and on fixture stages of their own.
 */
import { expect } from "chai";
import * as childProcess from "node:child_process";
import { CODEDEPLOY_ALIAS_FIELDS, checkResources, protectedDataStays, STATEFUL_TYPES, TYPES } from "../../policy/rules";
import type { PolicyResource } from "../../policy/rule-kit";
import { STATEFUL_RESOURCES } from "../../infra/plan/names";
import { PROJECT_ROOT } from "../../infra/stack-files";
import { synthesize, type SynthResult } from "../../infra/synth";
import { provenStages, synthOf } from "./stages";

/** Fixture stages of this file's own: one protecting its data, one not; with a channel, so the notifier's topics are there. */
const FIXTURE = {
  "aws:region": "us-east-1",
  "webhealth:targets": [{ url: "https://example.com/", name: "site" }],
  "webhealth:notifications": { channels: [{ name: "oncall", type: "email", addresses: ["oncall@example.com"] }] },
};

function policyResources(result: SynthResult): PolicyResource[] {
  return result.records.map((record) => ({
    type: record.type,
    name: record.name,
    props: record.inputs,
    opts: { ignoreChanges: record.options.ignoreChanges, protect: record.options.protect, retainOnDelete: record.options.retainOnDelete },
  }));
}

describe("contracts: resource options", function () {
  this.timeout(120_000);
  let protectedStage: SynthResult;
  let unprotectedStage: SynthResult;

  before(async () => {
    protectedStage = await synthesize("vault", { ...FIXTURE, "webhealth:protectData": true });
    unprotectedStage = await synthesize("scratch", { ...FIXTURE, "webhealth:protectData": false });
  });

  it("a stage that protects its data protects and retains its table, key and topics (the notifier's, which hold people's confirmed subscriptions, too)", () => {
    const stateful = protectedStage.records.filter((record) => STATEFUL_TYPES.includes(record.type));
    expect(stateful.map((record) => [record.type, record.name, record.options.protect, record.options.retainOnDelete])).to.deep.equal([
      [STATEFUL_RESOURCES.ledgerTable.type, STATEFUL_RESOURCES.ledgerTable.name, true, true],
      [STATEFUL_RESOURCES.alarmKey.type, STATEFUL_RESOURCES.alarmKey.name, true, true],
      [STATEFUL_RESOURCES.alarmTopic.type, STATEFUL_RESOURCES.alarmTopic.name, true, true],
      [TYPES.topic, "email-topic", true, true],
      [TYPES.topic, "operators-topic", true, true],
    ]);
    // Only those: protecting everything would make every routine change a manual one.
    expect(protectedStage.records.filter((record) => record.options.protect).length).to.equal(5);
  });

  it("a stage that does not protect its data leaves them deletable", () => {
    expect(unprotectedStage.records.filter((record) => record.options.protect || record.options.retainOnDelete).map((record) => record.name)).to.deep.equal([]);
  });

  it("every live alias leaves functionVersion and routingConfig to CodeDeploy, in every proven stage", async () => {
    for (const stage of provenStages()) {
      const aliases = (await synthOf(stage)).records.filter((record) => record.type === TYPES.alias);
      expect(aliases.length, stage.label).to.be.greaterThan(1);
      for (const alias of aliases) expect(alias.options.ignoreChanges, `${stage.label} ${alias.name}`).to.include.members([...CODEDEPLOY_ALIAS_FIELDS]);
    }
  });

  it("every proven stage passes the option rules with the options synth recorded", async () => {
    for (const stage of provenStages()) {
      const violations = checkResources(policyResources(await synthOf(stage))).filter((violation) => ["live-alias-ignores-codedeploy-fields", "protected-data-stays"].includes(violation.rule));
      expect(violations, stage.label).to.deep.equal([]);
    }
  });

  describe("the rule protected-data-stays", () => {
    it("passes the protected fixture and reports each stateful resource that loses an option", () => {
      expect(checkResources(policyResources(protectedStage), [], [protectedDataStays])).to.deep.equal([]);
      const resources = policyResources(protectedStage);
      const table = resources.find((resource) => resource.type === TYPES.table)!;
      const topic = resources.find((resource) => resource.type === TYPES.topic)!;
      table.opts = { ...table.opts, protect: false };
      topic.opts = { ...topic.opts, retainOnDelete: false };
      expect(checkResources(resources, [], [protectedDataStays]).map(({ resource, message }) => ({ resource, message }))).to.deep.equal([
        { resource: "ledger-table", message: "protect must be true: the stage protects its data (deletionProtectionEnabled on its table), and Pulumi would delete this resource on destroy or replace" },
        { resource: "alarm-topic", message: "retainOnDelete must be true: the stage protects its data, so destroying the stack must leave this resource in AWS" },
      ]);
    });

    it("checks protect alone where the engine sends no retainOnDelete (pulumi preview)", () => {
      const resources = policyResources(protectedStage).map((resource) => ({ ...resource, opts: { ignoreChanges: resource.opts?.ignoreChanges, protect: resource.opts?.protect } }));
      expect(checkResources(resources, [], [protectedDataStays])).to.deep.equal([]);
    });

    it("asks nothing of a stage that does not protect its data", () => {
      expect(checkResources(policyResources(unprotectedStage), [], [protectedDataStays])).to.deep.equal([]);
    });
  });

  it("npm run synth -- --json records every resource's options", function () {
    const stage = provenStages()[0];
    const stdout = childProcess.execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "cli/synth.ts", "--stack", stage.stage, "--json"], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const document = JSON.parse(stdout) as { resources: Array<{ type: string; name: string; options: Record<string, unknown> }> };
    for (const resource of document.resources) {
      expect(Object.keys(resource.options).sort(), `${resource.type} ${resource.name}`).to.include.members(["deleteBeforeReplace", "dependsOn", "ignoreChanges", "parent", "protect", "retainOnDelete"]);
    }
    const fn = document.resources.find((resource) => resource.type === "aws:lambda/function:Function")!;
    expect(fn.options.provider).to.match(/^pulumi:providers:aws::aws-/);
    expect(fn.options.parent).to.match(/^webhealth:infra:CanaryFunction::/);
    expect(fn.options.dependsOn).to.have.length(2);
  });
});
