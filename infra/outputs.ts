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

/** The estimated monthly bill by line item, in USD (infra/cost.ts computes it). */
export interface CostLineItems {
  /** Custom metric-months (prorated by the hours in which each metric receives data). */
  customMetrics: number;
  /** Alarm metrics: $0.10 per metric each standard alarm reads. */
  alarms: number;
  /** Requests and arm64 GB-seconds of the probes and the recorder. */
  lambda: number;
  /** Log ingestion, storage and the dashboard's Logs Insights scans. */
  logs: number;
  /** The topic's customer-managed key and its requests. */
  kms: number;
  /** PutMetricData requests and the dashboard's GetMetricData. */
  apiRequests: number;
  /** The dashboard (no free tier). */
  dashboard: number;
  /** SNS email notifications. */
  notifications: number;
  /** DynamoDB writes of the alarm ledger. */
  alarmLedger: number;
}

/**
 * An alarm that says webhealth itself is broken (probe health, the functions' errors and
 * duration, the recorder's dead letters): `verify` fails its bake on these. Every other alarm of
 * the stage measures a monitored target and is only reported.
 */
export interface SelfAlarmOutput {
  name: string;
  /** The region the alarm lives in (a probe's function alarms sit in the probe's region). */
  region: string;
  /** The plan's alarm kind, e.g. `probe-health`, `function-errors`. */
  kind: string;
}

/** The probe's heartbeat in one probe region: `TargetsProbed`, published to the home region. */
export interface HeartbeatOutput {
  probeRegion: string;
  namespace: string;
  metricName: string;
  /** The exact dimension set the probe publishes (none, or `Region` when multi-region). */
  dimensions: Record<string, string>;
  /** The schedule's period: one datapoint per period when the probe runs. */
  periodSeconds: number;
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
  /** The estimated bill of the stage (infra/cost.ts, us-east-1 list prices, no free tier). */
  estimatedMonthlyCostUsd: number;
  /**
   * The same estimate by line item, each rounded to cents (their sum may differ from the total by
   * a cent or two): customMetrics, alarms, lambda, logs, kms, apiRequests, dashboard,
   * notifications, alarmLedger. Absent from stacks deployed before it was added.
   */
  estimatedMonthlyCostLineItemsUsd?: CostLineItems;
  /** Added in issue 8 (optional: a stack deployed before has none until its next up). */
  selfAlarms?: SelfAlarmOutput[];
  /** Added in issue 8, as selfAlarms: one per probe region. */
  heartbeats?: HeartbeatOutput[];
  /** Added in issue 12, with a notifier (a stage with channels): the topic of its readable e-mails (one filtered subscription per e-mail channel and address). */
  emailTopicArn?: string;
  /** Added in issue 12, with a notifier: the topic that e-mails the notifier's own alarms straight from SNS. */
  operatorsTopicArn?: string;
}
