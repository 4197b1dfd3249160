/**
 * IAM policy documents as the rules see them. @pulumi/aws accepts a document either as a JSON
 * string or as an object (`policy: { Version, Statement }`), and synth output keeps whichever the
 * program used, so both are read here.
 * Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
import { get, list, text } from "./rule-kit";

/** Where a document lives on a resource, e.g. `inlinePolicies[0].policy`, with its raw value. */
export interface DocumentLocation {
  field: string;
  value: unknown;
  /** Resource-based policies (topic, queue, bucket, key) name principals; identity policies do not. */
  kind: "identity" | "trust" | "resource";
}

/** The resource types that carry IAM documents and how to find them. */
export function documentsOf(type: string, props: Record<string, unknown>): DocumentLocation[] {
  switch (type) {
    case "aws:iam/role:Role":
      return [
        { field: "assumeRolePolicy", value: props.assumeRolePolicy, kind: "trust" as const },
        ...list(props.inlinePolicies).map((_, index) => ({
          field: `inlinePolicies[${index}].policy`,
          value: get(props.inlinePolicies, index, "policy"),
          kind: "identity" as const,
        })),
      ].filter((location) => location.value !== undefined);
    case "aws:iam/rolePolicy:RolePolicy":
    case "aws:iam/policy:Policy":
    case "aws:iam/userPolicy:UserPolicy":
    case "aws:iam/groupPolicy:GroupPolicy":
      return [{ field: "policy", value: props.policy, kind: "identity" }];
    case "aws:sns/topic:Topic":
    case "aws:sqs/queue:Queue":
    case "aws:sns/topicPolicy:TopicPolicy":
    case "aws:sqs/queuePolicy:QueuePolicy":
    case "aws:s3/bucketPolicy:BucketPolicy":
    case "aws:kms/key:Key":
    case "aws:kms/keyPolicy:KeyPolicy":
      return props.policy === undefined ? [] : [{ field: "policy", value: props.policy, kind: "resource" }];
    default:
      return [];
  }
}

export const DOCUMENT_TYPES = [
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/policy:Policy",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
  "aws:sns/topic:Topic",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:sqs/queue:Queue",
  "aws:sqs/queuePolicy:QueuePolicy",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:kms/key:Key",
  "aws:kms/keyPolicy:KeyPolicy",
] as const;

/** One statement, normalised: single values become lists. */
export interface Statement {
  /** `Sid "x"` when the statement has one, else `#<index>`: how messages name it. */
  label: string;
  effect: string;
  actions: string[];
  notActions: string[];
  /** `"*"` for `Principal: "*"`; otherwise `<kind>:<value>` entries such as `Service:sns.amazonaws.com`. */
  principals: string[];
  /** Every condition key, lower-cased (`aws:sourcearn`), whatever its operator. */
  conditionKeys: string[];
}

/** Parses a document; a string that is not JSON or has no statements gives an error message instead. */
export function parseDocument(value: unknown): { statements: Statement[] } | { error: string } {
  let document: unknown = value;
  if (typeof value === "string") {
    try {
      document = JSON.parse(value);
    } catch {
      return { error: "is not valid JSON" };
    }
  }
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    return { error: "is not a policy document object" };
  }
  const rawStatement = (document as Record<string, unknown>).Statement;
  const rawStatements = Array.isArray(rawStatement) ? rawStatement : rawStatement === undefined ? [] : [rawStatement];
  return {
    statements: rawStatements.map((statement, index) => {
      const sid = text(get(statement, "Sid"));
      return {
        label: sid ? `Sid "${sid}"` : `#${index}`,
        effect: text(get(statement, "Effect")) ?? "",
        actions: strings(get(statement, "Action")),
        notActions: strings(get(statement, "NotAction")),
        principals: principals(get(statement, "Principal")),
        conditionKeys: conditionKeys(get(statement, "Condition")),
      };
    }),
  };
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return list(value).filter((item): item is string => typeof item === "string");
}

function principals(value: unknown): string[] {
  if (value === "*") return ["*"];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([kind, entries]) => strings(entries).map((entry) => `${kind}:${entry}`));
}

function conditionKeys(value: unknown): string[] {
  if (value === null || typeof value !== "object") return [];
  return Object.values(value as Record<string, unknown>).flatMap((byKey) =>
    byKey !== null && typeof byKey === "object" ? Object.keys(byKey as Record<string, unknown>).map((key) => key.toLowerCase()) : [],
  );
}

/**
 * Why an action grants a whole service or everything, or undefined when it is scoped.
 * `kms:Describe*` is a family of read actions and is allowed; `*`, `s3:*` and `*:Get*` are not.
 */
export function wildcardReason(action: string): string | undefined {
  if (action.trim() === "*") return "every action";
  const [service, name] = action.split(":", 2);
  if (name === undefined) return undefined;
  if (service.includes("*")) return "actions of every service";
  if (name === "*") return `every ${service} action`;
  return undefined;
}

/** True when the action pattern (IAM wildcards `*` and `?`, case-insensitive) matches the given action. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return regex.test(action);
}
