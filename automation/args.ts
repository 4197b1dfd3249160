/**
 * Command-line parsing for `npm run deploy -- <command> [options]`. Everything is checked here,
 * before any Pulumi or AWS call: an unknown command, option or stage is a usage error (exit 2).
 */
import { describeOrder, linearStageGraph, PROMOTES_FROM_KEY, type StageGraph } from "./stages";
import { EXIT as SHARED_EXIT } from "../cli/usage";

/** Exit codes of the driver: the shared table of every command (cli/usage.ts), under the driver's names. */
export const EXIT = {
  ok: SHARED_EXIT.ok,
  /** A check or a deployment failed. */
  failed: SHARED_EXIT.failed,
  /** The command line is wrong, or the setup is (no Pulumi CLI, no AWS credentials). */
  usage: SHARED_EXIT.badInput,
  /** Stopped by Ctrl-C or SIGTERM. */
  cancelled: SHARED_EXIT.interrupted,
} as const;

export const COMMANDS = ["preview", "up", "verify", "promote", "rollback", "outputs", "destroy"] as const;
export type CommandName = (typeof COMMANDS)[number];

export const DEFAULT_BAKE = "5m";
/** The longest verify waits for the first data of a deployment before its bake. */
export const DEFAULT_WARMUP = "5m";

export interface ParsedArgs {
  command: CommandName;
  /** The stage the command acts on (for `promote`, the `--to` stage). */
  stage: string;
  /** For `promote`: the stage whose last verify must have passed at this commit. */
  fromStage?: string;
  allowReplace: boolean;
  bakeMs: number;
  /** For `verify` and `promote`: the longest the warm-up waits for data after the deployment. */
  warmupMs: number;
  json: boolean;
  yesDestroyProd: boolean;
  /** For `rollback`: canary function keys (from the stack outputs); empty means all. */
  functions: string[];
  /** For `rollback`: the version to go back to; default the one before the alias's current version. */
  version?: string;
}

export type ParseResult = { kind: "run"; args: ParsedArgs } | { kind: "help"; text: string } | { kind: "error"; message: string };

type OptionName = "--stage" | "--to" | "--allow-replace" | "--bake" | "--warmup" | "--json" | "--yes-destroy-prod" | "--function" | "--version";

interface OptionSpec {
  takesValue: boolean;
  help: string;
}

const OPTIONS: Record<OptionName, OptionSpec> = {
  "--stage": { takesValue: true, help: "the stage (a Pulumi.<stage>.yaml stack)" },
  "--to": { takesValue: true, help: "promote: the stage to deploy next" },
  "--allow-replace": { takesValue: false, help: "let a preview/up replace or delete the ledger table, the KMS key or the topic" },
  "--bake": { takesValue: true, help: `verify: how long no alarm may fire, e.g. 90s, 5m, 1h (default ${DEFAULT_BAKE})` },
  "--warmup": { takesValue: true, help: `verify: the longest to wait for the deployment's first data before the bake (default ${DEFAULT_WARMUP})` },
  "--json": { takesValue: false, help: "outputs: print JSON" },
  "--yes-destroy-prod": { takesValue: false, help: "destroy: required to destroy the prod stage" },
  "--function": { takesValue: true, help: "rollback: a canary function key (repeatable; default all)" },
  "--version": { takesValue: true, help: "rollback: the Lambda version to go back to (default the previous one)" },
};

const COMMAND_SPECS: Record<CommandName, { summary: string; options: OptionName[] }> = {
  preview: { summary: "refresh, preview with the policy pack, summarise the changes", options: ["--stage", "--allow-replace"] },
  up: { summary: "preview checks, up, then shift every canary alias through CodeDeploy", options: ["--stage", "--allow-replace"] },
  verify: { summary: "subscribers, probe self-test, alarm notification round trip, warm-up, bake with no webhealth alarm", options: ["--stage", "--bake", "--warmup"] },
  promote: { summary: "preview, up and verify the next stage if the previous one passed verify at this commit", options: ["--to", "--allow-replace", "--bake", "--warmup"] },
  rollback: { summary: "point canary aliases back at their previous version through CodeDeploy", options: ["--stage", "--function", "--version"] },
  outputs: { summary: "print the stage's stack outputs", options: ["--stage", "--json"] },
  destroy: { summary: "destroy the stage (prod needs --yes-destroy-prod)", options: ["--stage", "--yes-destroy-prod"] },
};

/** `90s`, `5m`, `1h`, `250ms` or `0` as milliseconds; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!match) return undefined;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

export function helpText(stagesOrGraph: readonly string[] | StageGraph): string {
  const graph = asGraph(stagesOrGraph);
  const commandLines = COMMANDS.map((name) => `  ${name.padEnd(9)} ${COMMAND_SPECS[name].summary}`);
  const optionLines = (Object.keys(OPTIONS) as OptionName[]).map((name) => {
    const spec = OPTIONS[name];
    const usage = spec.takesValue ? `${name} <value>` : name;
    return `  ${usage.padEnd(22)} ${spec.help}`;
  });
  return [
    "Usage: npm run deploy -- <command> --stage <stage> [options]",
    "       npm run deploy -- promote --to <stage> [options]",
    "",
    "Commands:",
    ...commandLines,
    "",
    "Options:",
    ...optionLines,
    "  --help, -h             show this help",
    "",
    `Stages (in promotion order, set by ${PROMOTES_FROM_KEY} in each stage file): ${describeOrder(graph) || "none (no Pulumi.<stage>.yaml)"}`,
    "Exit codes: 0 success, 1 a check or deployment failed, 2 bad input or missing setup (unknown command, option or stage; no Pulumi CLI; no AWS credentials), 130 cancelled (Ctrl-C, SIGTERM).",
    "",
  ].join("\n");
}

function asGraph(stagesOrGraph: readonly string[] | StageGraph): StageGraph {
  return Array.isArray(stagesOrGraph) ? linearStageGraph(stagesOrGraph as readonly string[]) : (stagesOrGraph as StageGraph);
}

/**
 * Parses argv (without `node` and the script). Never throws. `stages` is the stage graph (or a
 * plain list, read as a linear order): `promote --to S` promotes from the stage S names.
 */
export function parseArgs(argv: readonly string[], stagesOrGraph: readonly string[] | StageGraph): ParseResult {
  const graph = asGraph(stagesOrGraph);
  const stages = graph.order;
  if (argv.length === 0) return { kind: "error", message: `no command given (commands: ${COMMANDS.join(", ")}); see --help` };
  if (argv.includes("--help") || argv.includes("-h")) return { kind: "help", text: helpText(graph) };

  const [commandText, ...rest] = argv;
  if (!(COMMANDS as readonly string[]).includes(commandText)) {
    return { kind: "error", message: `unknown command "${commandText}" (commands: ${COMMANDS.join(", ")})` };
  }
  const command = commandText as CommandName;
  const allowed = COMMAND_SPECS[command].options;

  const values = new Map<OptionName, string[]>();
  for (let index = 0; index < rest.length; index++) {
    const token = rest[index];
    const [name, inlineValue] = token.startsWith("--") && token.includes("=") ? [token.slice(0, token.indexOf("=")), token.slice(token.indexOf("=") + 1)] : [token, undefined];
    if (!(name in OPTIONS)) {
      return { kind: "error", message: name.startsWith("-") ? `unknown option ${name}` : `unexpected argument "${token}"` };
    }
    const option = name as OptionName;
    if (!allowed.includes(option)) return { kind: "error", message: `option ${option} does not apply to ${command}` };
    let value = "";
    if (OPTIONS[option].takesValue) {
      value = inlineValue ?? rest[++index];
      if (value === undefined || (inlineValue === undefined && value.startsWith("--"))) return { kind: "error", message: `${option} needs a value` };
    } else if (inlineValue !== undefined) {
      return { kind: "error", message: `${option} takes no value` };
    }
    if (values.has(option) && option !== "--function") return { kind: "error", message: `${option}: given more than once (it takes one value)` };
    values.set(option, [...(values.get(option) ?? []), value]);
  }

  const stageOption: OptionName = command === "promote" ? "--to" : "--stage";
  const stage = values.get(stageOption)?.[0];
  if (stage === undefined) return { kind: "error", message: `${stageOption} is required for ${command}` };
  if (!stages.includes(stage)) {
    return { kind: "error", message: `unknown stage "${stage}" (stages: ${stages.join(", ") || "none"})` };
  }

  if (command === "destroy" && stage === "prod" && !values.has("--yes-destroy-prod")) {
    return { kind: "error", message: "destroy --stage prod: refusing without --yes-destroy-prod" };
  }

  let fromStage: string | undefined;
  if (command === "promote") {
    if (graph.problems[stage]) return { kind: "error", message: `--to ${stage}: ${graph.problems[stage]}` };
    fromStage = graph.promotesFrom[stage];
    if (fromStage === undefined) {
      return { kind: "error", message: `--to ${stage}: ${stage} is a first stage (its stage file sets no ${PROMOTES_FROM_KEY}), there is nothing to promote from (use up)` };
    }
  }

  const bakeText = values.get("--bake")?.[0] ?? DEFAULT_BAKE;
  const bakeMs = parseDuration(bakeText);
  if (bakeMs === undefined) return { kind: "error", message: `--bake: "${bakeText}" is not a duration (like 90s, 5m or 1h)` };

  const warmupText = values.get("--warmup")?.[0] ?? DEFAULT_WARMUP;
  const warmupMs = parseDuration(warmupText);
  if (warmupMs === undefined) return { kind: "error", message: `--warmup: "${warmupText}" is not a duration (like 90s, 5m or 1h)` };

  const version = values.get("--version")?.[0];
  if (version !== undefined && !/^[1-9]\d*$/.test(version)) {
    return { kind: "error", message: `--version: "${version}" is not a published Lambda version number` };
  }

  return {
    kind: "run",
    args: {
      command,
      stage,
      fromStage,
      allowReplace: values.has("--allow-replace"),
      bakeMs,
      warmupMs,
      json: values.has("--json"),
      yesDestroyProd: values.has("--yes-destroy-prod"),
      functions: values.get("--function") ?? [],
      version,
    },
  };
}
