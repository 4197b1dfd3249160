/**
 * The Pulumi program of a stage. `runProgram()` is what `infra/index.ts` runs under `pulumi up`
 * (and what `npm run synth` runs under mocks): read and validate the config once, plan the
 * stage, create the components, return the stack outputs.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as pulumiRuntimeConfig from "@pulumi/pulumi/runtime/config";
import { bundleFunction } from "../scripts/bundle";
import { loadStageConfig, ConfigError, type StageConfig } from "./config";
import { costLineItemsUsd, estimatedMonthlyCostUsd, estimateUsage } from "./cost";
import { createAlarms, createBurnRateAlarms } from "./components/alarms";
import { CanaryFunction } from "./components/canary-function";
import { Dashboard } from "./components/dashboard";
import { AlarmLedger } from "./components/ledger";
import { Notifications } from "./components/notifications";
import { Notifier } from "./components/notifier";
import { ProbeRegion, type ProbeSecretAccess } from "./components/probes";
import { StageSecrets } from "./components/secrets";
import { secretParameterName } from "../functions/common/secrets";
import { RECORDER_CONFIG_FILE } from "../functions/common/contract";
import type { CanaryFunctionOutput, StackOutputs } from "./outputs";
import { dashboardUsage } from "./plan/dashboard";
import { alarmNamePrefix } from "./plan/names";
import { allAlarms, planStage, type StagePlan } from "./plan/stage";
import { ALARM_MEASURES } from "./plan/alarms";

/** The functions the program deploys, bundled by scripts/bundle.ts from functions/<name>/index.ts. */
export type FunctionName = "probe" | "recorder" | "notifier" | "canary-hook";

const bundles = new Map<FunctionName, { code: string; files: Record<string, string> }>();

/** Bundles a function into the archive Lambda runs (`index.js`, handler `index.handler`, plus its side
 * modules under `node_modules/` and any configuration file it ships with). A process bundles each
 * function once: the sources do not change while it runs. */
export function functionArchive(name: FunctionName, extraFiles: Record<string, string> = {}): pulumi.asset.AssetArchive {
  const assets: Record<string, pulumi.asset.StringAsset> = {};
  for (const [file, content] of Object.entries({ ...functionFiles(name), ...extraFiles })) assets[file] = new pulumi.asset.StringAsset(content);
  return new pulumi.asset.AssetArchive(assets);
}

/** Every file of a function's archive (`index.js` and its side modules), for archives that carry more (the notifier's configuration). */
export function functionFiles(name: FunctionName): Record<string, string> {
  let bundle = bundles.get(name);
  if (bundle === undefined) {
    const { code, files } = bundleFunction(name);
    bundle = { code, files };
    bundles.set(name, bundle);
  }
  return { "index.js": bundle.code, ...bundle.files };
}

/**
 * Options of the stateful resources (ledger table, KMS key, topic). Where a stage protects its data,
 * Pulumi refuses to delete them and leaves them in AWS if the stack is destroyed. Synth records
 * the options each resource really gets (infra/synth.ts); the rule protected-data-stays checks them.
 */
export function statefulResourceOptions(protectData: boolean): { protect: boolean; retainOnDelete: boolean } {
  return { protect: protectData, retainOnDelete: protectData };
}

/** KMS waits this long before deleting a key: the longest where data is protected. */
export function keyDeletionWindowDays(protectData: boolean): number {
  return protectData ? 30 : 7;
}

/** Every output is an Input of its StackOutputs type, resolved by the engine. */
export type ProgramOutputs = { [K in keyof StackOutputs]: pulumi.Input<StackOutputs[K]> };

function canaryOutput(fn: CanaryFunction, region: string): pulumi.Output<CanaryFunctionOutput> {
  return pulumi.output({
    region,
    functionName: fn.function.name,
    alias: fn.alias.name,
    version: fn.function.version,
    codeDeployApplication: fn.application.name,
    deploymentGroup: fn.deploymentGroup.deploymentGroupName,
    hookFunctionName: fn.hook.name,
  });
}

/** The alarms `verify` fails on, and the heartbeat of each probe region (the plan's own alarm specs). */
export function verifyOutputs(plan: StagePlan): Pick<StackOutputs, "selfAlarms" | "heartbeats"> {
  const alarms = allAlarms(plan);
  return {
    selfAlarms: alarms.filter((spec) => ALARM_MEASURES[spec.kind] === "webhealth").map((spec) => ({ name: spec.alarmName, region: spec.region, kind: spec.kind })),
    heartbeats: plan.probeHealthAlarms.map((spec, index) => {
      const metric = spec.metric;
      return { probeRegion: plan.probes[index].region, namespace: metric.namespace, metricName: metric.metricName, dimensions: metric.dimensions, periodSeconds: metric.period };
    }),
  };
}

/**
 * Creates every resource of a stage from its validated config. Async because the alarms are
 * registered in batches (infra/components/alarms.ts); Pulumi awaits the program's promise.
 */
export async function createStack(config: StageConfig): Promise<ProgramOutputs> {
  const plan = planStage(config);
  const providers = new Map<string, aws.Provider>();
  const providerFor = (region: string) => {
    let provider = providers.get(region);
    if (!provider) {
      provider = new aws.Provider(`aws-${region}`, { region });
      providers.set(region, provider);
    }
    return provider;
  };
  const home = providerFor(config.homeRegion);
  const accountId = aws.getCallerIdentityOutput({}, { provider: home }).accountId;
  const partition = aws.getPartitionOutput({}, { provider: home }).partition;
  const statefulOptions = statefulResourceOptions(config.protectData);
  const probeCode = functionArchive("probe");
  // The recorder marks changes during maintenance itself: the windows ship in its archive (only when there are any).
  const recorderCode = functionArchive("recorder", plan.recorderMaintenance ? { [RECORDER_CONFIG_FILE]: JSON.stringify(plan.recorderMaintenance) } : {});
  const hookCode = functionArchive("canary-hook");

  const notifications = new Notifications(
    "notifications",
    {
      prefix: plan.prefix,
      alarmNamePrefix: alarmNamePrefix(config.stage),
      region: config.homeRegion,
      accountId,
      partition,
      statefulOptions,
      keyDeletionWindowDays: keyDeletionWindowDays(config.protectData),
      keyEncryptsSecrets: plan.secrets.parameters.length > 0,
    },
    { provider: home },
  );
  const secrets = new StageSecrets("secrets", { plan: plan.secrets, values: config.secrets, keyArn: notifications.key.arn, stage: config.stage }, { provider: home });
  const probeSecrets: ProbeSecretAccess | undefined =
    plan.secrets.probeSecrets.length === 0
      ? undefined
      : {
          parameterArns: plan.secrets.probeSecrets.map((name) => pulumi.interpolate`arn:${partition}:ssm:${config.homeRegion}:${accountId}:parameter${secretParameterName(config.stage, name)}`),
          keyArn: notifications.key.arn,
          parameterPath: plan.secrets.parameterPath,
          region: config.homeRegion,
        };
  const ledger = new AlarmLedger(
    "ledger",
    {
      config,
      plan: plan.recorder,
      prefix: plan.prefix,
      deadLetterQueueName: plan.recorderDeadLetterQueueName,
      topicArn: notifications.topic.arn,
      code: recorderCode,
      hookCode,
      accountId,
      partition,
      statefulOptions,
    },
    { provider: home },
  );
  const probes = plan.probes.map(
    (probePlan) =>
      new ProbeRegion(
        probePlan.role,
        { config, secrets: probeSecrets, plan: probePlan, shards: plan.shards, prefix: plan.prefix, code: probeCode, hookCode, accountId, partition },
        // The parameters exist before any probe version that reads them.
        { provider: providerFor(probePlan.region), dependsOn: [secrets] },
      ),
  );
  const notifier = plan.notifier
    ? new Notifier(
        "notifier",
        {
          plan: plan.notifier,
          functionPlan: plan.notifier.function,
          files: functionFiles("notifier"),
          hookCode,
          alarmTopicArn: notifications.topic.arn,
          keyArn: notifications.key.arn,
          tableName: ledger.table.name,
          tableArn: ledger.table.arn,
          retentionDays: config.ledgerRetentionDays,
          region: config.homeRegion,
          logRetentionDays: config.logRetentionDays,
          deploymentConfigName: config.deploymentConfig,
          accountId,
          partition,
          statefulOptions,
        },
        // The parameters exist before any notifier version that reads them.
        { provider: home, dependsOn: [ledger, secrets] },
      )
    : undefined;
  const dashboard = new Dashboard("dashboard", { config, plan, accountId, partition }, { provider: home });
  // Alarms after the recorder's and the notifier's subscriptions: both are subscribed before the
  // first state change is published. (The subscriptions, not the components: depending on a
  // component costs each of 30,000 alarms a walk over the component's children.)
  await createAlarms(
    {
      specs: [...plan.probeHealthAlarms, plan.deadLetterAlarm, ...plan.targetAlarms],
      topicArn: notifications.topic.arn,
      operatorsTopicArn: notifier?.operatorsTopic.arn,
    },
    { provider: home, dependsOn: notifier ? [ledger.subscription, notifier.subscription] : [ledger.subscription] },
  );
  await createBurnRateAlarms(
    plan.burnRateWindows,
    plan.burnRateAlarms,
    { topicArn: notifications.topic.arn, operatorsTopicArn: notifier?.operatorsTopic.arn },
    { provider: home, dependsOn: notifier ? [ledger.subscription, notifier.subscription] : [ledger.subscription] },
  );

  const usage = estimateUsage(config, plan, dashboardUsage(config, plan));
  const canaryFunctions: Record<string, pulumi.Output<CanaryFunctionOutput>> = { recorder: canaryOutput(ledger.recorder, config.homeRegion) };
  if (notifier) canaryFunctions.notifier = canaryOutput(notifier.notifier, config.homeRegion);
  probes.forEach((probe, index) => {
    canaryFunctions[plan.probes[index].role] = canaryOutput(probe.probe, plan.probes[index].region);
  });

  return {
    stage: config.stage,
    homeRegion: config.homeRegion,
    topicArn: notifications.topic.arn,
    alarmTableName: ledger.table.name,
    dashboardUrl: dashboard.url,
    alarmNamePrefix: alarmNamePrefix(config.stage),
    canaryFunctions: pulumi.output(canaryFunctions),
    estimatedMonthlyCostUsd: estimatedMonthlyCostUsd(usage),
    estimatedMonthlyCostLineItemsUsd: costLineItemsUsd(usage),
    ...(verifyOutputs(plan) as Required<ReturnType<typeof verifyOutputs>>),
    ...(notifier ? { emailTopicArn: notifier.emailTopic.arn, operatorsTopicArn: notifier.operatorsTopic.arn } : {}),
  };
}

/**
 * Whether the Pulumi CLI handed a key over as a secret (`pulumi config set --secret`). The SDK
 * marks this function internal but has exported it since 3.x (it reads the secret keys the
 * language host passes with the config); where it is missing, no key counts as secret and only
 * `webhealth:secrets` values are treated as secrets, which they always are.
 */
function isConfigSecret(key: string): boolean {
  const runtimeConfig = pulumiRuntimeConfig as unknown as { isConfigSecret?: (key: string) => boolean };
  return runtimeConfig.isConfigSecret?.(key) ?? false;
}

/** Reads the stack's config through Pulumi, validates it, and creates the stack. */
export function runProgram(): Promise<ProgramOutputs> {
  let config: StageConfig;
  try {
    const all = pulumi.runtime.allConfig();
    config = loadStageConfig(pulumi.getStack(), all, { secretKeys: new Set(Object.keys(all).filter(isConfigSecret)) });
  } catch (error) {
    // A RunError prints its message without a stack trace: the user sees `webhealth:key: reason` lines.
    if (error instanceof ConfigError) throw new pulumi.RunError(`invalid stack configuration:\n${error.message}`);
    throw error;
  }
  return createStack(config);
}
