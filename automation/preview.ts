/**
 * The change summary of a preview (creates, updates, replaces, deletes by resource type) and the
 * guard against replacing or deleting the resources that hold state.
 */
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";

/** Replacing or deleting these loses data (the alarm ledger), breaks decryption (the key) or subscriptions (the topic). */
export const STATEFUL_TYPES = ["aws:dynamodb/table:Table", "aws:kms/key:Key", "aws:sns/topic:Topic"] as const;

export const SUMMARY_OPS = ["create", "update", "replace", "delete"] as const;
export type SummaryOp = (typeof SUMMARY_OPS)[number];

/**
 * Engine step ops counted under each summary column. A replacement shows up as a `replace` step plus
 * its `create-replacement` and `delete-replaced` halves: only `replace` is counted.
 */
const OP_COLUMN: Partial<Record<OpType, SummaryOp>> = {
  create: "create",
  import: "create",
  update: "update",
  replace: "replace",
  delete: "delete",
};

/** Ops that destroy the existing physical resource. */
const DESTRUCTIVE_OPS: ReadonlySet<OpType> = new Set<OpType>(["replace", "create-replacement", "delete-replaced", "delete", "discard"]);

export interface ResourceChange {
  op: SummaryOp;
  type: string;
  urn: string;
}

export interface ChangeSummary {
  /** type -> op -> count, types sorted. */
  byType: Map<string, Record<SummaryOp, number>>;
  totals: Record<SummaryOp, number>;
  /** Replaces and deletes of STATEFUL_TYPES, one per resource. */
  statefulChanges: ResourceChange[];
}

/** Collects resource steps from engine events as they stream in. */
export class ChangeCollector {
  private readonly changes: ResourceChange[] = [];
  private readonly destructive = new Map<string, ResourceChange>();

  readonly onEvent = (event: EngineEvent): void => {
    const metadata = event.resourcePreEvent?.metadata;
    if (!metadata) return;
    const column = OP_COLUMN[metadata.op];
    if (column) this.changes.push({ op: column, type: metadata.type, urn: metadata.urn });
    if (DESTRUCTIVE_OPS.has(metadata.op) && (STATEFUL_TYPES as readonly string[]).includes(metadata.type) && !this.destructive.has(metadata.urn)) {
      this.destructive.set(metadata.urn, { op: metadata.op === "delete" || metadata.op === "discard" ? "delete" : "replace", type: metadata.type, urn: metadata.urn });
    }
  };

  summary(): ChangeSummary {
    const totals = emptyCounts();
    const byType = new Map<string, Record<SummaryOp, number>>();
    for (const change of this.changes) {
      const counts = byType.get(change.type) ?? emptyCounts();
      counts[change.op]++;
      totals[change.op]++;
      byType.set(change.type, counts);
    }
    const sorted = new Map([...byType.entries()].sort(([a], [b]) => a.localeCompare(b)));
    return { byType: sorted, totals, statefulChanges: [...this.destructive.values()] };
  }
}

function emptyCounts(): Record<SummaryOp, number> {
  return { create: 0, update: 0, replace: 0, delete: 0 };
}

/** The resource's name from its URN: `urn:pulumi:beta::webhealth::a$b::ledger` -> `ledger`. */
export function resourceName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

function describeStateful(change: ResourceChange): string {
  return `${change.type} "${resourceName(change.urn)}" would be ${change.op === "replace" ? "replaced" : "deleted"}`;
}

export function formatSummaryText(stage: string, summary: ChangeSummary): string {
  const { totals } = summary;
  const lines = [`Preview of ${stage}: ${totals.create} to create, ${totals.update} to update, ${totals.replace} to replace, ${totals.delete} to delete`];
  for (const [type, counts] of summary.byType) {
    const parts = SUMMARY_OPS.filter((op) => counts[op] > 0).map((op) => `${counts[op]} ${op}`);
    lines.push(`  ${type}: ${parts.join(", ")}`);
  }
  for (const change of summary.statefulChanges) lines.push(`  STATEFUL: ${describeStateful(change)}`);
  return lines.join("\n") + "\n";
}

export function formatSummaryMarkdown(stage: string, summary: ChangeSummary, allowReplace: boolean): string {
  const lines = [`### Preview of \`${stage}\``, ""];
  if (summary.byType.size === 0) {
    lines.push("No changes.");
  } else {
    lines.push("| Resource type | Create | Update | Replace | Delete |", "| --- | ---: | ---: | ---: | ---: |");
    for (const [type, counts] of summary.byType) {
      lines.push(`| \`${type}\` | ${SUMMARY_OPS.map((op) => counts[op] || "").join(" | ")} |`);
    }
    const t = summary.totals;
    lines.push(`| **Total** | ${t.create} | ${t.update} | ${t.replace} | ${t.delete} |`);
  }
  if (summary.statefulChanges.length > 0) {
    lines.push("", allowReplace ? "**Stateful resources replaced or deleted (allowed by `--allow-replace`):**" : "**Blocked: stateful resources would be replaced or deleted:**");
    for (const change of summary.statefulChanges) lines.push(`- ${describeStateful(change)}`);
  }
  return lines.join("\n") + "\n\n";
}

/** The guard's failure message, or undefined when the preview may go on. */
export function statefulGuardMessage(stage: string, summary: ChangeSummary, allowReplace: boolean): string | undefined {
  if (allowReplace || summary.statefulChanges.length === 0) return undefined;
  return [
    `preview of ${stage} would replace or delete stateful resources:`,
    ...summary.statefulChanges.map((change) => `  ${describeStateful(change)}`),
    "Refusing: that loses the alarm ledger, the key's encrypted data or the topic's subscriptions. Re-run with --allow-replace if this is intended.",
  ].join("\n");
}
