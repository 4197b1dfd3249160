/**
 * The shipped Pulumi.<stage>.yaml files belong to the user: whatever they hold, they are only
 * checked to be valid stage configuration that synthesises, never for their contents (other tests
 * use tests/fixtures/stacks). Adding a URL, an address or a new stage file keeps this green.
 */
import { expect } from "chai";
import { loadStageConfig } from "../../infra/config";
import { listStages, PROJECT_ROOT, readStackConfig } from "../../infra/stack-files";
import { synthesize } from "../../infra/synth";
import { readStageGraph } from "../../automation/stages";

describe("the shipped stage files (the user's)", function () {
  this.timeout(120_000);
  const stages = listStages(PROJECT_ROOT);

  it("exist", () => {
    expect(stages).to.not.be.empty;
  });

  for (const stage of stages) {
    it(`Pulumi.${stage}.yaml is valid and synthesises`, async () => {
      const config = readStackConfig(stage, PROJECT_ROOT);
      expect(() => loadStageConfig(stage, config)).to.not.throw();
      const { document } = await synthesize(stage, config);
      expect(document.stack).to.equal(stage);
      expect(document.resources).to.not.be.empty;
    });
  }

  it("form a promotion order without problems", () => {
    expect(readStageGraph(PROJECT_ROOT).problems).to.deep.equal({});
  });
});
