/**
 * The stack outputs: a contract between the Pulumi program (which exports them) and the deploy
 * driver and people (who read them with `pulumi stack output` or `npm run deploy -- outputs`).
 * Renaming a field here breaks the driver of a stack deployed with the old name: add, don't rename.
 */

/** One function that ships through a CodeDeploy canary behind its `live` alias. */
export interface CanaryFunctionOutput {
  /** The AWS region of the function, its alias and its CodeDeploy application. */
  region: string;
  functionName: string;
  /** Always `live`. */
  alias: string;
  /** The version `pulumi up` just published; the driver shifts the alias to it. */
  version: string;
  codeDeployApplication: string;
  deploymentGroup: string;
  /** The pre-traffic hook function CodeDeploy invokes before moving any traffic. */
  hookFunctionName: string;
}

export interface StackOutputs {
  stage: string;
  /** The region holding metrics, alarms, the topic and the ledger. */
  homeRegion: string;
  topicArn: string;
  alarmTableName: string;
  dashboardUrl: string;
  /** Every alarm of the stage is named with this prefix (the driver's bake check lists by it). */
  alarmNamePrefix: string;
  /** Keyed by a stable role name: `probe-<region>` per probe region, `recorder`, and `notifier` when the stage has channels. */
  canaryFunctions: Record<string, CanaryFunctionOutput>;
  estimatedMonthlyCostUsd: number;
}
