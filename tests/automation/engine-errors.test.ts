import { expect } from "chai";
import { ConcurrentUpdateError, StackNotFoundError } from "@pulumi/pulumi/automation";
import { DeployError, StackLockedError, translateEngineError } from "../../automation/engine";

/**
 * The Automation API's own error factory (internal, so loaded untyped): it classifies a failed
 * CLI run from its stderr, exactly as `stack.up()` and the others throw.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createCommandError } = require("@pulumi/pulumi/automation/errors") as { createCommandError: (result: unknown) => Error };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CommandResult } = require("@pulumi/pulumi/automation/cmd") as { CommandResult: new (stdout: string, stderr: string, code: number) => unknown };

function failedRun(stdout: string, stderr: string): Error {
  return createCommandError(new CommandResult(stdout, stderr, 255));
}

describe("deploy driver: engine errors", () => {
  const lockMessages: Array<[string, string]> = [
    ["Pulumi Cloud", "error: [409] Conflict: Another update is currently in progress.\n"],
    ["a self-managed (S3, file) backend", "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n"],
  ];
  for (const [backend, stderr] of lockMessages) {
    it(`reads a locked stack on ${backend} as StackLockedError (retried, never cancelled)`, () => {
      // Prepare
      const error = failedRun("", stderr);
      // Act
      const translated = translateEngineError("beta", "up", error);
      // Assess
      expect(error).to.be.instanceOf(ConcurrentUpdateError);
      expect(translated).to.be.instanceOf(StackLockedError);
      expect((translated as Error).message).to.equal("stack beta is locked by another update");
    });
  }

  it("says how to create a missing stack", () => {
    const error = failedRun("", "error: no stack named 'beta' found\n");
    expect(error).to.be.instanceOf(StackNotFoundError);
    const translated = translateEngineError("beta", "stack select", error) as Error;
    expect(translated).to.be.instanceOf(DeployError);
    expect(translated.message).to.match(/^stack beta does not exist in the current Pulumi backend \(.*\): create it once with `pulumi stack init beta`/);
  });

  it("keeps only the distinct error lines of a failed up, whose whole output was already streamed", () => {
    // Prepare
    const stdout = "Updating (beta):\n +  aws:lambda:Function probe creating (0s)\n +  aws:lambda:Function probe creating failed error: creating Lambda Function: AccessDenied\n";
    const stderr = "error: update failed\n    error: creating Lambda Function: AccessDenied\nerror: update failed\n";
    // Act
    const translated = translateEngineError("beta", "up", failedRun(stdout, stderr)) as Error;
    // Assess
    expect(translated).to.be.instanceOf(DeployError);
    expect(translated.message).to.equal(
      ["pulumi up of stack beta failed (its output is above):", "  error: update failed", "  error: creating Lambda Function: AccessDenied"].join("\n"),
    );
  });

  it("passes other errors through unchanged", () => {
    const error = new TypeError("boom");
    expect(translateEngineError("beta", "up", error)).to.equal(error);
  });
});
