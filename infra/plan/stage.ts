/**
 * The whole plan of a stage as plain data, computed once from the validated config: shards,
 * function settings, every alarm, the self-test events. The components turn it into resources,
 * and the cost model prices exactly the same plan.
 */
import { LIVE_ALIAS } from "../../functions/common/contract";
import type { RecorderMaintenance } from "../../functions/recorder/config";
import { secretParameterName } from "../../functions/common/secrets";
import { secretReferences } from "../../functions/common/targets";
import type { StageConfig } from "../config";
import { planDeadLetterAlarm, planFunctionAlarms, planProbeHealthAlarms, planTargetAlarms, type AlarmSpec } from "./alarms";
import { functionName, hookFunctionName, NOTIFIER_ROLE, probeRole, RECORDER_ROLE, stagePrefix } from "./names";
import { NOTIFIER_SETTINGS, planNotifier, type NotifierPlan } from "./notifier";
import { planShards, probeTimeoutSeconds, type Shard } from "./shards";
import { planBurnRateAlarms, type CompositeAlarmSpec } from "./slo";

/** Lambda limits all environment variables of a function to 4 KB together; the self-test event
 * stays well under, leaving room for the hook's other variables.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const SELF_TEST_EVENT_LIMIT = 3_000;
/** A self-test probes a few real targets, enough to prove the new code works end to end. */
export const SELF_TEST_MAX_TARGETS = 3;

export const RECORDER_SETTINGS = { memoryMb: 256, timeoutSeconds: 30 } as const;
export const HOOK_SETTINGS = { memoryMb: 128, extraSeconds: 30 } as const;

export interface CanaryFunctionPlan {
  /** `probe-<region>` or `recorder`: the key of the stack output and of logical names. */
  role: string;
  region: string;
  functionName: string;
  hookFunctionName: string;
  alias: string;
  timeoutSeconds: number;
  memoryMb: number;
  hookTimeoutSeconds: number;
  /** The event the pre-traffic hook sends to the new version. */
  selfTestEvent: string;
  /** Errors and duration of the `live` alias: the deployment group's rollback alarms. */
  alarms: AlarmSpec[];
}

/** The stage's secrets in SSM Parameter Store (home region, SecureString under the stage's KMS key). */
export interface SecretsPlan {
  /** The path every parameter is under, ending in `/` (the probe appends a secret's name). */
  parameterPath: string;
  /** One parameter per entry of `webhealth:secrets`. */
  parameters: Array<{ secret: string; parameterName: string; logicalName: string }>;
  /** The secrets the targets name: exactly the parameters the probe functions may read. */
  probeSecrets: string[];
}

export interface StagePlan {
  prefix: string;
  secrets: SecretsPlan;
  shards: Shard[];
  probes: CanaryFunctionPlan[];
  recorder: CanaryFunctionPlan;
  targetAlarms: AlarmSpec[];
  probeHealthAlarms: AlarmSpec[];
  deadLetterAlarm: AlarmSpec;
  recorderDeadLetterQueueName: string;
  /** SLO burn-rate windows (metric alarms without actions) and the composite alarm per target that pages. */
  burnRateWindows: AlarmSpec[];
  burnRateAlarms: CompositeAlarmSpec[];
  /** The notifier and what reaches people; undefined when the stage has no channel. */
  notifier?: { function: CanaryFunctionPlan } & NotifierPlan;
  /** The recorder's RECORDER_CONFIG_FILE (windows, composite alarms' URLs); undefined without windows or burn-rate alarms. */
  recorderMaintenance?: RecorderMaintenance;
}

/** The probe's self-test: the first targets (at most 3) whose event stays under the env budget. */
export function probeSelfTestEvent(config: StageConfig): string {
  const targets = [];
  for (const target of config.targets.slice(0, SELF_TEST_MAX_TARGETS)) {
    const candidate = JSON.stringify({ selfTest: true, targets: [...targets, target] });
    if (candidate.length > SELF_TEST_EVENT_LIMIT) break;
    targets.push(target);
  }
  return JSON.stringify({ selfTest: true, targets });
}

function canaryFunction(config: StageConfig, role: string, region: string, timeoutSeconds: number, memoryMb: number, selfTestEvent: string): CanaryFunctionPlan {
  const name = functionName(config.stage, role);
  return {
    role,
    region,
    functionName: name,
    hookFunctionName: hookFunctionName(config.stage, role),
    alias: LIVE_ALIAS,
    timeoutSeconds,
    memoryMb,
    hookTimeoutSeconds: Math.min(900, timeoutSeconds + HOOK_SETTINGS.extraSeconds),
    selfTestEvent,
    alarms: planFunctionAlarms(config.stage, role, region, name, timeoutSeconds),
  };
}

export function planSecrets(config: StageConfig): SecretsPlan {
  const names = Object.keys(config.secrets).sort();
  return {
    parameterPath: secretParameterName(config.stage, ""),
    parameters: names.map((secret) => ({ secret, parameterName: secretParameterName(config.stage, secret), logicalName: `secret-${secret}` })),
    probeSecrets: [...new Set(config.targets.flatMap((target) => secretReferences(target).map((reference) => reference.name)))].sort(),
  };
}

export function planStage(config: StageConfig): StagePlan {
  const timeoutSeconds = probeTimeoutSeconds(config.periodSeconds);
  const shards = planShards(config.targets, { concurrency: config.probeConcurrency, timeoutMs: timeoutSeconds * 1000 });
  const probeSelfTest = probeSelfTestEvent(config);
  const prefix = stagePrefix(config.stage);
  const recorderDeadLetterQueueName = `${prefix}-recorder-dead-letters`;
  const burn = planBurnRateAlarms(config);
  const plan: StagePlan = {
    prefix,
    secrets: planSecrets(config),
    shards,
    probes: config.probeRegions.map((region) => canaryFunction(config, probeRole(region), region, timeoutSeconds, config.probeMemoryMb, probeSelfTest)),
    recorder: canaryFunction(config, RECORDER_ROLE, config.homeRegion, RECORDER_SETTINGS.timeoutSeconds, RECORDER_SETTINGS.memoryMb, JSON.stringify({ selfTest: true })),
    targetAlarms: planTargetAlarms(config),
    probeHealthAlarms: planProbeHealthAlarms(config),
    deadLetterAlarm: planDeadLetterAlarm(config.stage, config.homeRegion, recorderDeadLetterQueueName),
    recorderDeadLetterQueueName,
    burnRateWindows: burn.windows,
    burnRateAlarms: burn.composites,
  };
  const windows = config.notifications.maintenance;
  if (windows.length > 0 || burn.composites.length > 0) {
    // Composite alarms name no metric, so their notification carries no URL: the plan gives it, so
    // that their ledger items carry the target's URL (byUrl, npm run status) and its maintenance mark.
    plan.recorderMaintenance = { windows, alarmUrls: Object.fromEntries(burn.composites.map((alarm) => [alarm.alarmName, alarm.url])) };
  }
  if (config.notifications.channels.length > 0) {
    const fn = canaryFunction(config, NOTIFIER_ROLE, config.homeRegion, NOTIFIER_SETTINGS.timeoutSeconds, NOTIFIER_SETTINGS.memoryMb, JSON.stringify({ selfTest: true }));
    // The notifier's own rollback alarms also reach people, straight from SNS: a broken notifier is never silent.
    fn.alarms = fn.alarms.map((spec) => ({ ...spec, notify: true, notifyOperators: true }));
    const notifier = planNotifier(config, [...allAlarms(plan), ...plan.burnRateAlarms], fn.alarms);
    if (notifier) plan.notifier = { function: fn, ...notifier };
  }
  return plan;
}

/** Every metric alarm of the stage (the composite burn-rate alarms are `plan.burnRateAlarms`). */
export function allAlarms(plan: StagePlan): AlarmSpec[] {
  return [
    ...plan.targetAlarms,
    ...plan.burnRateWindows,
    ...plan.probeHealthAlarms,
    ...plan.probes.flatMap((probe) => probe.alarms),
    ...plan.recorder.alarms,
    plan.deadLetterAlarm,
    ...(plan.notifier ? [...plan.notifier.function.alarms, plan.notifier.deadLetterAlarm] : []),
  ];
}
