/**
 * Moves a function's `live` alias to another version through CodeDeploy, so traffic shifts by the
 * deployment group's config (e.g. Canary10Percent5Minutes), the pre-traffic hook tests the new
 * version first, and an alarm rolls it back. Pulumi has no alias update policy like
 * CloudFormation's CodeDeployLambdaAliasUpdate, so the driver does this after `up`.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-lambda.html
 */
import { createHash } from "node:crypto";
import { DescribeAlarmsCommand, type CompositeAlarm, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  type DeploymentInfo,
  type DeploymentStatus,
  type DeploymentTarget,
  type RevisionLocation,
} from "@aws-sdk/client-codedeploy";
import { GetAliasCommand, ListVersionsByFunctionCommand } from "@aws-sdk/client-lambda";
import type { CanaryFunctionOutput } from "../infra/outputs";
import { DeployError } from "./engine";
import { CancelledError, type Runtime } from "./runtime";

/** Statuses of a deployment that has not finished: CodeDeploy runs one deployment per group at a time.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ListDeployments.html */
export const ACTIVE_DEPLOYMENT_STATUSES: DeploymentStatus[] = ["Created", "Queued", "InProgress", "Baking", "Ready"];

/** DescribeAlarms accepts at most 100 alarm names per call.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html */
export const DESCRIBE_ALARMS_MAX_NAMES = 100;

export type ShiftOutcome = { kind: "unchanged"; version: string } | { kind: "shifted"; deploymentId: string; from: string; to: string };

/**
 * How a rollback deploys: the group's alarms off (the alarm that is firing, the reason for the
 * rollback, must not stop it) and all at once. `overrideAlarmConfiguration` needs the caller to
 * hold `codedeploy:UpdateDeploymentGroup` too.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html
 */
export const ROLLBACK_DEPLOYMENT = {
  overrideAlarmConfiguration: { enabled: false },
  deploymentConfigName: "CodeDeployDefault.LambdaAllAtOnce",
} as const;

export interface ShiftOptions {
  /** A rollback: deploy with ROLLBACK_DEPLOYMENT (alarms ignored, all at once). */
  rollback?: boolean;
}

/**
 * The AppSpec of a Lambda deployment, as JSON. The resource is named by its function's key.
 * `version` is written `0.0` literally, as in AWS's examples (JSON.stringify would print `0`).
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html
 */
export function lambdaAppSpec(key: string, fn: CanaryFunctionOutput, currentVersion: string, targetVersion: string): string {
  const resourceName = key.replace(/[^A-Za-z0-9]/g, "") || "function";
  const body = JSON.stringify({
    Resources: [
      {
        [resourceName]: {
          Type: "AWS::Lambda::Function",
          Properties: { Name: fn.functionName, Alias: fn.alias, CurrentVersion: currentVersion, TargetVersion: targetVersion },
        },
      },
    ],
    Hooks: [{ BeforeAllowTraffic: fn.hookFunctionName }],
  });
  return `{"version":0.0,${body.slice(1)}`;
}

export interface AliasState {
  /** The alias's main version. */
  version: string;
  /** Versions that get a share of the traffic besides the main one (0.1 = 10 %): a shift underway, or left half-done. */
  weights: Record<string, number>;
}

/** The alias's main version and its routing weights (GetAlias `RoutingConfig.AdditionalVersionWeights`). */
export async function readAlias(runtime: Runtime, fn: CanaryFunctionOutput): Promise<AliasState> {
  const alias = await runtime.aws(fn.region).lambda.send(new GetAliasCommand({ FunctionName: fn.functionName, Name: fn.alias }));
  if (!alias.FunctionVersion) throw new DeployError(`${fn.functionName}:${fn.alias}: GetAlias returned no FunctionVersion`);
  return { version: alias.FunctionVersion, weights: { ...alias.RoutingConfig?.AdditionalVersionWeights } };
}

/**
 * A CreateDeployment revision carrying the AppSpec itself, with its SHA-256 (hex) so CodeDeploy
 * can check what it received, as aws-actions/amazon-ecs-deploy-task-definition sends it.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_AppSpecContent.html
 */
export function appSpecRevision(content: string): RevisionLocation {
  return { revisionType: "AppSpecContent", appSpecContent: { content, sha256: createHash("sha256").update(content).digest("hex") } };
}

/** The version the alias serves (its main version). */
export async function aliasVersion(runtime: Runtime, fn: CanaryFunctionOutput): Promise<string> {
  return (await readAlias(runtime, fn)).version;
}

/** `10% to version 7`, for the alias's weighted versions. */
function describeWeights(weights: Record<string, number>): string {
  return Object.entries(weights)
    .map(([version, weight]) => `${Math.round(weight * 1000) / 10}% to version ${version}`)
    .join(", ");
}

/** How many of the group's succeeded deployments a rollback reads to learn which versions were live. */
export const ROLLBACK_HISTORY_MAX_DEPLOYMENTS = 100;

/** Every target of a deployment (for Lambda: the alias, with its versions and lifecycle events), by target id. */
async function deploymentTargets(runtime: Runtime, fn: CanaryFunctionOutput, deploymentId: string): Promise<Array<[string, DeploymentTarget | undefined]>> {
  const codeDeploy = runtime.aws(fn.region).codeDeploy;
  const targets: Array<[string, DeploymentTarget | undefined]> = [];
  let nextToken: string | undefined;
  do {
    const page = await codeDeploy.send(new ListDeploymentTargetsCommand({ deploymentId, nextToken }));
    for (const targetId of page.targetIds ?? []) {
      const { deploymentTarget } = await codeDeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId }));
      targets.push([targetId, deploymentTarget]);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return targets;
}

/**
 * Versions that served all of the alias's traffic at some point: both ends of every succeeded
 * deployment of the group (read from at most ROLLBACK_HISTORY_MAX_DEPLOYMENTS of them).
 */
async function liveVersions(runtime: Runtime, fn: CanaryFunctionOutput): Promise<Set<string>> {
  const codeDeploy = runtime.aws(fn.region).codeDeploy;
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await codeDeploy.send(
      new ListDeploymentsCommand({ applicationName: fn.codeDeployApplication, deploymentGroupName: fn.deploymentGroup, includeOnlyStatuses: ["Succeeded"], nextToken }),
    );
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken && ids.length < ROLLBACK_HISTORY_MAX_DEPLOYMENTS);
  const live = new Set<string>();
  for (const id of ids.slice(0, ROLLBACK_HISTORY_MAX_DEPLOYMENTS)) {
    for (const [, target] of await deploymentTargets(runtime, fn, id)) {
      const info = target?.lambdaTarget?.lambdaFunctionInfo;
      if (info?.functionName !== fn.functionName || info.functionAlias !== fn.alias) continue;
      if (info.currentVersion) live.add(info.currentVersion);
      if (info.targetVersion) live.add(info.targetVersion);
    }
  }
  return live;
}

/**
 * The version to roll back to: the highest one below `current` that still exists
 * (ListVersionsByFunction, every page) and once served all the traffic (a succeeded CodeDeploy
 * deployment went from or to it). A version whose canary was rolled back never served all the
 * traffic, so it is skipped even when it is the newest below `current`.
 */
export async function previousVersion(runtime: Runtime, fn: CanaryFunctionOutput, current: string): Promise<string | undefined> {
  const live = await liveVersions(runtime, fn);
  const lambda = runtime.aws(fn.region).lambda;
  let best: number | undefined;
  let marker: string | undefined;
  do {
    const page = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: fn.functionName, Marker: marker }));
    for (const version of page.Versions ?? []) {
      const number = Number(version.Version);
      if (!Number.isInteger(number) || number >= Number(current) || !live.has(String(number))) continue;
      if (best === undefined || number > best) best = number;
    }
    marker = page.NextMarker;
  } while (marker);
  return best === undefined ? undefined : String(best);
}

/**
 * Points `fn`'s alias at `targetVersion` through a CodeDeploy deployment and follows it to the end.
 * Nothing happens when the alias is already there; a deployment already running in the group is
 * refused; a failed or stopped deployment throws a DeployError naming the version the alias is on
 * and why (CodeDeploy's error, its rollback message, the alarms in ALARM).
 */
export async function shiftAlias(runtime: Runtime, key: string, fn: CanaryFunctionOutput, targetVersion: string, reason: string, options: ShiftOptions = {}): Promise<ShiftOutcome> {
  const label = `${key} (${fn.functionName}:${fn.alias})`;
  const alias = await readAlias(runtime, fn);
  const current = alias.version;
  const weighted = Object.keys(alias.weights).length > 0;
  if (current === targetVersion && !weighted) {
    runtime.out.write(`${label}: already on version ${current}, nothing to shift\n`);
    return { kind: "unchanged", version: current };
  }

  const codeDeploy = runtime.aws(fn.region).codeDeploy;
  const active = await codeDeploy.send(
    new ListDeploymentsCommand({ applicationName: fn.codeDeployApplication, deploymentGroupName: fn.deploymentGroup, includeOnlyStatuses: ACTIVE_DEPLOYMENT_STATUSES }),
  );
  if (active.deployments && active.deployments.length > 0) {
    throw new DeployError(
      `${label}: deployment ${active.deployments.join(", ")} is already in progress in ${fn.codeDeployApplication}/${fn.deploymentGroup}; ` +
        `refusing to start another (CodeDeploy runs one per group). Wait for it, or stop it: aws deploy stop-deployment --region ${fn.region} --deployment-id ${active.deployments[0]} --auto-rollback-enabled`,
    );
  }

  if (weighted) {
    // A deployment stopped without rollback leaves the alias on two versions, and every later
    // deployment to it fails: https://docs.aws.amazon.com/codedeploy/latest/userguide/troubleshooting-deployments-lambda.html
    throw new DeployError(
      `${label}: the alias routes ${describeWeights(alias.weights)} besides version ${current}, and no deployment is running ` +
        `(a deployment stopped without rollback leaves it so; CodeDeploy cannot deploy to it). Put it on one version first: ` +
        `aws lambda update-alias --region ${fn.region} --function-name ${fn.functionName} --name ${fn.alias} --function-version ${current} --routing-config AdditionalVersionWeights={}`,
    );
  }

  if (runtime.signal.aborted) throw new CancelledError(`cancelled before shifting ${label}`);
  const created = await codeDeploy.send(
    new CreateDeploymentCommand({
      applicationName: fn.codeDeployApplication,
      deploymentGroupName: fn.deploymentGroup,
      description: `webhealth ${reason}: ${fn.functionName}:${fn.alias} ${current} -> ${targetVersion}`.slice(0, 100),
      revision: appSpecRevision(lambdaAppSpec(key, fn, current, targetVersion)),
      ...(options.rollback ? ROLLBACK_DEPLOYMENT : {}),
    }),
  );
  const deploymentId = created.deploymentId;
  if (!deploymentId) throw new DeployError(`${label}: CreateDeployment returned no deployment id`);
  runtime.out.write(
    `${label}: deployment ${deploymentId} shifts ${fn.alias} from version ${current} to ${targetVersion}` +
      `${options.rollback ? " (a rollback: all at once, the group's alarms not polled)" : ""}\n`,
  );

  const info = await followDeployment(runtime, label, fn, deploymentId);
  if (info.status === "Succeeded") {
    runtime.out.write(`${label}: deployment ${deploymentId} succeeded, ${fn.alias} is on version ${targetVersion}\n`);
    return { kind: "shifted", deploymentId, from: current, to: targetVersion };
  }
  const rollback = await followCodeDeployRollback(runtime, label, fn, deploymentId, info);
  throw new DeployError(await explainFailure(runtime, label, fn, deploymentId, info, current, rollback));
}

/** The end of CodeDeploy's own rollback of a failed or stopped deployment. */
interface RollbackEnd {
  deploymentId: string;
  status?: string;
}

/**
 * After a failed or stopped deployment, CodeDeploy rolls back through a new deployment (named in
 * `rollbackInfo.rollbackDeploymentId`; "rolled-back deployments are technically new deployments,
 * with new deployment IDs": https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html).
 * The alias is not settled until that one ends, so it is followed to its end before anything reads
 * the alias or advises a manual fix that would race it. When the id is not given, a deployment
 * still running in the group is that rollback.
 */
async function followCodeDeployRollback(runtime: Runtime, label: string, fn: CanaryFunctionOutput, deploymentId: string, info: DeploymentInfo): Promise<RollbackEnd | undefined> {
  let rollbackId = info.rollbackInfo?.rollbackDeploymentId;
  if (!rollbackId) {
    const active = await runtime.aws(fn.region).codeDeploy.send(
      new ListDeploymentsCommand({ applicationName: fn.codeDeployApplication, deploymentGroupName: fn.deploymentGroup, includeOnlyStatuses: ACTIVE_DEPLOYMENT_STATUSES }),
    );
    rollbackId = active.deployments?.find((id) => id !== deploymentId);
  }
  if (!rollbackId) return undefined;
  runtime.out.write(`${label}: CodeDeploy rolls ${deploymentId} back through deployment ${rollbackId}; following it to its end\n`);
  const end = await followDeployment(runtime, label, fn, rollbackId);
  return { deploymentId: rollbackId, status: end.status };
}

/** Polls the deployment until it ends, printing status and lifecycle-event changes as they happen. */
async function followDeployment(runtime: Runtime, label: string, fn: CanaryFunctionOutput, deploymentId: string): Promise<DeploymentInfo> {
  const codeDeploy = runtime.aws(fn.region).codeDeploy;
  const seen = new Map<string, string>();
  let lastStatus: string | undefined;
  for (;;) {
    if (runtime.signal.aborted) throw stoppedFollowing(label, fn, deploymentId);
    const { deploymentInfo } = await codeDeploy.send(new GetDeploymentCommand({ deploymentId }));
    const status = deploymentInfo?.status;
    if (status !== lastStatus) {
      runtime.out.write(`${label}: ${deploymentId} ${status ?? "unknown status"}\n`);
      lastStatus = status;
    }
    await printLifecycleEvents(runtime, label, fn, deploymentId, seen);
    if (deploymentInfo && (status === "Succeeded" || status === "Failed" || status === "Stopped")) return deploymentInfo;
    try {
      await runtime.sleep(runtime.timings.deploymentPollMs, runtime.signal);
    } catch (error) {
      if (error instanceof CancelledError) throw stoppedFollowing(label, fn, deploymentId);
      throw error;
    }
  }
}

function stoppedFollowing(label: string, fn: CanaryFunctionOutput, deploymentId: string): CancelledError {
  return new CancelledError(
    `${label}: stopped following deployment ${deploymentId}; CodeDeploy carries on with it (and rolls back on an alarm). ` +
      `Watch it: aws deploy get-deployment --region ${fn.region} --deployment-id ${deploymentId}; ` +
      `stop it: aws deploy stop-deployment --region ${fn.region} --deployment-id ${deploymentId} --auto-rollback-enabled`,
  );
}

/** Lambda deployments report lifecycle events (BeforeAllowTraffic, AllowTraffic, ...) per deployment target. */
async function printLifecycleEvents(runtime: Runtime, label: string, fn: CanaryFunctionOutput, deploymentId: string, seen: Map<string, string>): Promise<void> {
  for (const [targetId, deploymentTarget] of await deploymentTargets(runtime, fn, deploymentId)) {
    for (const event of deploymentTarget?.lambdaTarget?.lifecycleEvents ?? []) {
      const name = event.lifecycleEventName ?? "?";
      const status = event.status ?? "Unknown";
      const key = `${targetId}/${name}`;
      if (seen.get(key) === status) continue;
      seen.set(key, status);
      const diagnostics = event.diagnostics?.message ? ` (${event.diagnostics.errorCode ?? "error"}: ${event.diagnostics.message})` : "";
      runtime.out.write(`${label}:   ${name} ${status}${diagnostics}\n`);
    }
  }
}

/** Alarms of the deployment group that are in ALARM now. */
async function firingGroupAlarms(runtime: Runtime, fn: CanaryFunctionOutput): Promise<Array<MetricAlarm | CompositeAlarm>> {
  const { deploymentGroupInfo } = await runtime.aws(fn.region).codeDeploy.send(
    new GetDeploymentGroupCommand({ applicationName: fn.codeDeployApplication, deploymentGroupName: fn.deploymentGroup }),
  );
  const names = (deploymentGroupInfo?.alarmConfiguration?.alarms ?? []).map((alarm) => alarm.name).filter((name): name is string => !!name);
  const firing: Array<MetricAlarm | CompositeAlarm> = [];
  for (let start = 0; start < names.length; start += DESCRIBE_ALARMS_MAX_NAMES) {
    // Without AlarmTypes, DescribeAlarms returns metric alarms only.
    const { MetricAlarms, CompositeAlarms } = await runtime.aws(fn.region).cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: names.slice(start, start + DESCRIBE_ALARMS_MAX_NAMES), StateValue: "ALARM", AlarmTypes: ["MetricAlarm", "CompositeAlarm"] }),
    );
    firing.push(...(MetricAlarms ?? []), ...(CompositeAlarms ?? []));
  }
  return firing;
}

async function explainFailure(runtime: Runtime, label: string, fn: CanaryFunctionOutput, deploymentId: string, info: DeploymentInfo, from: string, rollback?: RollbackEnd): Promise<string> {
  const lines = [`${label}: deployment ${deploymentId} ${info.status === "Stopped" ? "was stopped" : "failed"}`];
  if (rollback) lines.push(`  CodeDeploy's rollback deployment ${rollback.deploymentId} ended: ${rollback.status ?? "unknown status"}`);
  try {
    const alias = await readAlias(runtime, fn);
    if (Object.keys(alias.weights).length > 0) {
      lines.push(
        `  the ${fn.alias} alias is on version ${alias.version} but still routes ${describeWeights(alias.weights)}: ` +
          `put it on one version (aws lambda update-alias --region ${fn.region} --function-name ${fn.functionName} --name ${fn.alias} --function-version ${from} --routing-config AdditionalVersionWeights={})`,
      );
    } else {
      lines.push(
        alias.version === from
          ? `  the ${fn.alias} alias is back on version ${alias.version}, the version it had before; the new version serves no traffic`
          : `  the ${fn.alias} alias is on version ${alias.version} (it was on ${from} before this deployment)`,
      );
    }
  } catch (error) {
    lines.push(`  could not read the ${fn.alias} alias to confirm its version: ${(error as Error).message}`);
  }
  if (info.errorInformation) lines.push(`  why: ${info.errorInformation.code ?? "error"}: ${info.errorInformation.message ?? ""}`.trimEnd());
  if (info.rollbackInfo?.rollbackMessage) lines.push(`  rollback: ${info.rollbackInfo.rollbackMessage}`);
  try {
    const alarms = await firingGroupAlarms(runtime, fn);
    for (const alarm of alarms) lines.push(`  alarm in ALARM: ${alarm.AlarmName}: ${alarm.StateReason ?? ""}`.trimEnd());
    if (alarms.length === 0 && info.errorInformation?.code === "ALARM_ACTIVE") lines.push("  (the alarm that stopped it is no longer in ALARM)");
  } catch (error) {
    lines.push(`  could not list the deployment group's alarms: ${(error as Error).message}`);
  }
  lines.push(`  the stack state records the new version; fix forward with a new commit (see "Incident operations" in the README)`);
  return lines.join("\n");
}
