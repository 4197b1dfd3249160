import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConcurrentUpdateError, StackNotFoundError } from "@pulumi/pulumi/automation";
import { DeployError, PULUMI_CLI_VERSION, pulumiStacks, StackLockedError, translateEngineError } from "../../automation/engine";
import { SetupError } from "../../cli/usage";

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

  describe("the pulumi CLI the driver runs", () => {
    let bin: string;
    let savedPath: string | undefined;
    beforeEach(() => {
      bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
      savedPath = process.env.PATH;
    });
    afterEach(() => {
      process.env.PATH = savedPath;
      fs.rmSync(bin, { recursive: true, force: true });
    });
    /** A `pulumi` that reports `version` and succeeds at anything else (`stack select`). */
    const fakePulumi = (version: string) => {
      fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\nif [ "$1" = "version" ]; then echo v${version}; fi\nexit 0\n`, { mode: 0o755 });
      process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ""}`;
    };

    it("refuses a CLI older than the SDK's version, saying which to install", async () => {
      fakePulumi("3.200.0");
      const error = await pulumiStacks(bin)("beta").then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).to.be.instanceOf(SetupError);
      expect((error as Error).message).to.equal(
        `the pulumi CLI on the PATH is version 3.200.0, older than ${PULUMI_CLI_VERSION} (the SDK's): install ${PULUMI_CLI_VERSION}, e.g. curl -fsSL https://get.pulumi.com | sh -s -- --version ${PULUMI_CLI_VERSION}`,
      );
    });

    it("runs the SDK's version (or a newer one)", async () => {
      fakePulumi(PULUMI_CLI_VERSION);
      expect((await pulumiStacks(bin)("beta")).name).to.equal("beta");
    });

    it("says which CLI to install when none is on the PATH", async () => {
      process.env.PATH = bin;
      const error = await pulumiStacks(bin)("beta").then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).to.be.instanceOf(SetupError);
      expect((error as Error).message).to.equal(`the pulumi CLI is not on the PATH: install version ${PULUMI_CLI_VERSION} (the SDK's), e.g. curl -fsSL https://get.pulumi.com | sh -s -- --version ${PULUMI_CLI_VERSION}`);
    });
  });
});
