/**
 * Names of everything the program creates, from one place: physical names (functions, alarms,
 * tables) that people and the driver look up, and the stable keys that Pulumi logical names use.
 */
import { createHash } from "node:crypto";
import { LAMBDA_LIMITS } from "../../functions/common/aws-limits";
import type { Target } from "../../functions/common/targets";
import { PROJECT_NAME } from "../stack-files";

/** `webhealth-<stage>`: the prefix of every physical name of a stage. */
export function stagePrefix(stage: string): string {
  return `${PROJECT_NAME}-${stage}`;
}

/** The alarm ledger's DynamoDB table of a stage (the `alarmTableName` output). */
export function ledgerTableName(stage: string): string {
  return `${stagePrefix(stage)}-alarm-ledger`;
}

/** Every alarm of a stage starts with this (the driver's bake check lists alarms by it). */
export function alarmNamePrefix(stage: string): string {
  return `${stagePrefix(stage)}-`;
}

/** The role of the probe function in one region, the key of `canaryFunctions` in the outputs. */
export function probeRole(region: string): string {
  return `probe-${region}`;
}

export const RECORDER_ROLE = "recorder";

/**
 * The stateful resources (type token and logical name) that must never be replaced or deleted by
 * accident: the deploy driver refuses a plan that replaces them. Renaming one replaces it.
 */
export const STATEFUL_RESOURCES = {
  ledgerTable: { type: "aws:dynamodb/table:Table", name: "ledger-table" },
  alarmKey: { type: "aws:kms/key:Key", name: "alarm-key" },
  alarmTopic: { type: "aws:sns/topic:Topic", name: "alarm-topic" },
} as const;

/** CodeDeploy's managed role policy (AWSCodeDeployRoleForLambda) may invoke only functions named
 * `CodeDeployHook_*`; the program grants the invoke explicitly too, but the name keeps both paths working.
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForLambda.html */
export const HOOK_NAME_PREFIX = "CodeDeployHook_";

/** Lambda function names are at most 64 characters (functions/common/aws-limits.ts). */
export const MAX_FUNCTION_NAME_LENGTH = LAMBDA_LIMITS.functionNameMaxLength;

export function functionName(stage: string, role: string): string {
  return `${stagePrefix(stage)}-${role}`;
}

export function hookFunctionName(stage: string, role: string): string {
  return `${HOOK_NAME_PREFIX}${functionName(stage, role)}`;
}

const MAX_KEY_LENGTH = 48;

function slug(text: string, maxLength: number): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, maxLength)
    .replace(/-+$/, "");
}

/**
 * The key of a target in alarm names and logical names: its `name` when it has one (people read
 * alarm names), otherwise host and path plus a short hash of the whole URL, so two URLs that
 * differ only in scheme or punctuation never share a key. Stable for as long as the target is.
 */
export function targetKey(target: Target): string {
  if (target.name) return slug(target.name, MAX_KEY_LENGTH) || "target";
  const url = new URL(target.url);
  const hash = createHash("sha256").update(target.url).digest("hex").slice(0, 8);
  return `${slug(`${url.host}${url.pathname}`, MAX_KEY_LENGTH - hash.length - 1) || "url"}-${hash}`;
}

/** Problems where two targets would share a key (only possible through `name`). */
export function targetKeyProblems(targets: readonly Target[], root: string): string[] {
  const firstByKey = new Map<string, number>();
  const problems: string[] = [];
  targets.forEach((target, index) => {
    const key = targetKey(target);
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, index);
    else problems.push(`${root}[${index}].name: names the same alarms ("${key}") as ${root}[${first}]: give each target a distinct name`);
  });
  return problems;
}

/** The console URL of a stage's dashboard (named like the stage's prefix). */
export function dashboardUrl(region: string, name: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${encodeURIComponent(name)}`;
}

export const NOTIFIER_ROLE = "notifier";
