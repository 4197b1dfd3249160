/**
 * `npm run synth -- --stack <stage> [--config-file <Pulumi.<stage>.yaml>] [--json]`: evaluates the
 * Pulumi program under Pulumi's mocks with the stage's stack file (no Pulumi CLI, no credentials)
 * and prints the resource plan.
 *
 * Exit codes: 0 printed, 2 bad arguments, stack file or config (the key and the reason on stderr,
 * nothing on stdout), 1 anything else.
 */
import { defineCommand } from "./kit";
import { EXIT, UsageError } from "./usage";

export const command = defineCommand({
  name: "synth",
  usage: ["--stack <stage> [--config-file <Pulumi.<stage>.yaml>] [--json]"],
  summary:
    "Evaluates the Pulumi program under Pulumi's mocks with Pulumi.<stage>.yaml (no Pulumi CLI, no credentials) and prints its resources by type, the per-target alarms, the outputs and the estimated monthly cost.",
  options: {
    stack: { type: "string", value: "stage", help: "the stage (Pulumi.<stage>.yaml); required" },
    "config-file": { type: "string", value: "file", help: "read the stage's config from this file instead, like Pulumi's own --config-file" },
    json: { type: "boolean", help: "print { stack, resources: [{ type, name, inputs, options }], outputs, estimatedMonthlyCostUsd } instead" },
  },
  exitCodes: { ok: "printed", failed: "the program failed under the mocks" },
  async run({ values }, io) {
    if (!values.stack) throw new UsageError("--stack: is required");
    // The Pulumi SDK takes about half a second to load: only after the command line is known good.
    const [{ synthesize }, { formatSummary }, { readStackConfig, readStackConfigFile }] = await Promise.all([
      import("../infra/synth"),
      import("./synth-format"),
      import("../infra/stack-files"),
    ]);
    const configFile = values["config-file"];
    const { document } = await synthesize(values.stack, configFile ? readStackConfigFile(configFile) : readStackConfig(values.stack, io.root));
    const text = values.json ? `${JSON.stringify(document, null, 2)}\n` : formatSummary(document);
    await new Promise<void>((resolve) => io.stdout.write(text, () => resolve()));
    return EXIT.ok;
  },
});

if (require.main === module) void command.main(process.argv.slice(2));
