/**
 * The stages and their promotion order. A stage is any `Pulumi.<stage>.yaml`; the order is what
 * each stage file says with `webhealth:promotesFrom: <stage>` (the stage whose last passed verify
 * `promote --to <stage>` requires). A stage without the key is a first stage (deployed with `up`).
 * The order lives in the stage files because they belong to the user: adding `Pulumi.staging.yaml`
 * with `promotesFrom: gamma` and pointing prod's `promotesFrom` at `staging` puts staging between
 * them, and nothing in the code knows stage names.
 */
import { readConfigValue } from "../infra/config";
import { listStages, PROJECT_ROOT, readStackConfig, StackFileError } from "../infra/stack-files";

/** The config key naming the stage a stage is promoted from. */
export const PROMOTES_FROM_KEY = "webhealth:promotesFrom";

export interface StageGraph {
  /** Every stage, each after the stage it promotes from (first stages first, siblings by name). */
  order: string[];
  /** stage -> the stage it is promoted from (absent for first stages). */
  promotesFrom: Record<string, string>;
  /** What is wrong with the order, stage by stage (an unreadable file, an unknown stage, a cycle). */
  problems: Record<string, string>;
}

/** A linear order (each stage promotes from the one before it): what tests and simple callers give. */
export function linearStageGraph(order: readonly string[]): StageGraph {
  const promotesFrom: Record<string, string> = {};
  order.forEach((stage, index) => {
    if (index > 0) promotesFrom[stage] = order[index - 1];
  });
  return { order: [...order], promotesFrom, problems: {} };
}

/** Reads `webhealth:promotesFrom` of every stage file under `root` (through the one config parser). */
export function readStageGraph(root = PROJECT_ROOT): StageGraph {
  const stages = listStages(root);
  const promotesFrom: Record<string, string> = {};
  const problems: Record<string, string> = {};
  for (const stage of stages) {
    let value: unknown;
    try {
      value = readConfigValue("promotesFrom", readStackConfig(stage, root)[PROMOTES_FROM_KEY]);
    } catch (error) {
      if (!(error instanceof StackFileError)) throw error;
      problems[stage] = error.message;
      continue;
    }
    if (value === undefined) continue;
    if (typeof value !== "string") problems[stage] = `Pulumi.${stage}.yaml: ${PROMOTES_FROM_KEY}: must be a stage name`;
    else if (value === stage) problems[stage] = `Pulumi.${stage}.yaml: ${PROMOTES_FROM_KEY}: ${stage} cannot promote from itself`;
    else if (!stages.includes(value)) problems[stage] = `Pulumi.${stage}.yaml: ${PROMOTES_FROM_KEY}: no stage "${value}" (stages: ${stages.join(", ")})`;
    else promotesFrom[stage] = value;
  }
  // A cycle (a -> b -> a) has no first stage to start from: every stage on it is a problem.
  for (const stage of Object.keys(promotesFrom)) {
    const seen = new Set<string>([stage]);
    for (let from = promotesFrom[stage]; from !== undefined; from = promotesFrom[from]) {
      if (seen.has(from)) {
        problems[stage] = `Pulumi.${stage}.yaml: ${PROMOTES_FROM_KEY}: the promotion order has a cycle (${[...seen, from].join(" -> ")})`;
        break;
      }
      seen.add(from);
    }
  }
  for (const stage of Object.keys(problems)) delete promotesFrom[stage];
  return { order: orderOf(stages, promotesFrom), promotesFrom, problems };
}

/** Depth-first from the first stages, children by name; stages left over (in problems) at the end. */
function orderOf(stages: readonly string[], promotesFrom: Record<string, string>): string[] {
  const children = new Map<string, string[]>();
  for (const [stage, from] of Object.entries(promotesFrom)) children.set(from, [...(children.get(from) ?? []), stage].sort());
  const order: string[] = [];
  const visit = (stage: string) => {
    if (order.includes(stage)) return;
    order.push(stage);
    for (const child of children.get(stage) ?? []) visit(child);
  };
  for (const stage of stages) if (promotesFrom[stage] === undefined) visit(stage);
  return [...order, ...stages.filter((stage) => !order.includes(stage))];
}

/** `beta, gamma (after beta), prod (after gamma)`, for the help text and messages. */
export function describeOrder(graph: StageGraph): string {
  return graph.order.map((stage) => (graph.promotesFrom[stage] ? `${stage} (after ${graph.promotesFrom[stage]})` : stage)).join(", ");
}
