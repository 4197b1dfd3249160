import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { helpText, parseArgs } from "../../automation/args";
import { readStageGraph } from "../../automation/stages";

/** A project folder holding exactly these stage files (stage -> its promotesFrom, or undefined). */
function stageFiles(files: Record<string, string | undefined | { raw: string }>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "stages-"));
  for (const [stage, from] of Object.entries(files)) {
    const body =
      typeof from === "object" ? from.raw : `config:\n  aws:region: us-east-1\n${from === undefined ? "" : `  webhealth:promotesFrom: ${from}\n`}  webhealth:targets:\n    - url: https://example.com/\n`;
    fs.writeFileSync(path.join(root, `Pulumi.${stage}.yaml`), body);
  }
  return root;
}

describe("deploy driver: stages and the promotion order (webhealth:promotesFrom)", () => {
  it("orders the stages by promotesFrom, whatever their names", () => {
    // Prepare: staging added between gamma and prod, as a user would (prod now promotes from staging).
    const root = stageFiles({ beta: undefined, gamma: "beta", staging: "gamma", prod: "staging" });
    // Act
    const graph = readStageGraph(root);
    // Assess
    expect(graph).to.deep.equal({ order: ["beta", "gamma", "staging", "prod"], promotesFrom: { gamma: "beta", staging: "gamma", prod: "staging" }, problems: {} });
    expect(parseArgs(["promote", "--to", "prod"], graph)).to.deep.include({ kind: "run" });
    expect((parseArgs(["promote", "--to", "prod"], graph) as { args: { fromStage: string } }).args.fromStage).to.equal("staging");
    expect((parseArgs(["promote", "--to", "staging"], graph) as { args: { fromStage: string } }).args.fromStage).to.equal("gamma");
    expect(helpText(graph)).to.contain("Stages (in promotion order, set by webhealth:promotesFrom in each stage file): beta, gamma (after beta), staging (after gamma), prod (after staging)\n");
  });

  it("reads the value `pulumi config set webhealth:promotesFrom gamma` writes, and lets stages branch", () => {
    // Prepare: qa and prod both promote from gamma; sandbox is a first stage of its own.
    const root = stageFiles({ beta: undefined, gamma: "beta", prod: '"gamma"', qa: "gamma", sandbox: undefined });
    // Act
    const graph = readStageGraph(root);
    // Assess
    expect(graph.order).to.deep.equal(["beta", "gamma", "prod", "qa", "sandbox"]);
    expect(graph.promotesFrom).to.deep.equal({ gamma: "beta", prod: "gamma", qa: "gamma" });
    expect(parseArgs(["promote", "--to", "sandbox"], graph)).to.deep.equal({
      kind: "error",
      message: "--to sandbox: sandbox is a first stage (its stage file sets no webhealth:promotesFrom), there is nothing to promote from (use up)",
    });
  });

  const broken: Array<[string, Record<string, string | undefined | { raw: string }>, string, string]> = [
    ["an unknown stage", { beta: undefined, prod: "gama" }, "prod", 'Pulumi.prod.yaml: webhealth:promotesFrom: no stage "gama" (stages: beta, prod)'],
    ["itself", { beta: undefined, prod: "prod" }, "prod", "Pulumi.prod.yaml: webhealth:promotesFrom: prod cannot promote from itself"],
    ["a cycle", { beta: "prod", prod: "beta" }, "prod", "Pulumi.prod.yaml: webhealth:promotesFrom: the promotion order has a cycle (prod -> beta -> prod)"],
    ["a stage file that is not YAML", { beta: undefined, prod: { raw: "config: [unclosed\n" } }, "prod", "Pulumi.prod.yaml: not valid YAML"],
  ];
  for (const [name, files, stage, message] of broken) {
    it(`refuses to promote to a stage whose promotesFrom names ${name}, saying which file and why (exit 2)`, () => {
      // Act
      const graph = readStageGraph(stageFiles(files));
      const parsed = parseArgs(["promote", "--to", stage], graph);
      // Assess
      expect(parsed.kind).to.equal("error");
      expect((parsed as { message: string }).message.startsWith(`--to ${stage}: ${message}`), (parsed as { message: string }).message).to.equal(true);
      // Other commands on the stage still work: a broken order must not block an incident rollback.
      expect(parseArgs(["rollback", "--stage", stage], graph).kind).to.equal("run");
    });
  }
});
