/**
 * The AWS quotas a stage's plan must stay within, checked before anything is deployed: a plan
 * that would cross one fails at synth/preview time with the quota, its documentation and a way
 * out, instead of halfway through `pulumi up`. Defaults are AWS's; an account that raised one
 * says so in `webhealth:accountQuotas`.
 */
import { SNS_FILTER_POLICY_LIMITS } from "../../functions/common/aws-limits";
import type { StageConfig } from "../config";
import type { StagePlan } from "./stage";
import { allAlarms } from "./stage";
import { planShards, probeTimeoutSeconds } from "./shards";

export const QUOTA_DOCS = {
  eventBridgeRules: "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html",
  lambdaConcurrency: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
  putMetricAlarm: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html",
  snsFilterPolicies: "https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html",
} as const;

/** The account's quotas as the plan assumes them (per region). */
export interface AccountQuotas {
  /** Rules per event bus: 300 in most regions, 100 in af-south-1 and eu-south-1 (adjustable). */
  eventBridgeRulesPerRegion?: number;
  /** Concurrent Lambda executions: 1,000 by default (adjustable; new accounts may start lower). */
  lambdaConcurrentExecutions?: number;
  /** PutMetricAlarm requests per second: 3 by default (adjustable). */
  putMetricAlarmPerSecond?: number;
  /** Subscriptions with a filter policy per SNS topic: 200 by default (adjustable). */
  snsFilterPoliciesPerTopic?: number;
}

const SMALL_RULE_QUOTA_REGIONS = new Set(["af-south-1", "eu-south-1"]);

export function defaultRuleQuota(region: string): number {
  return SMALL_RULE_QUOTA_REGIONS.has(region) ? 100 : 300;
}
export const DEFAULT_LAMBDA_CONCURRENCY = 1_000;
export const DEFAULT_PUT_METRIC_ALARM_PER_SECOND = 3;

/**
 * How long creating the stage's alarms takes at least: CloudWatch accepts `putMetricAlarmPerSecond`
 * PutMetricAlarm calls a second, whatever Pulumi's parallelism (unbounded by default), so the
 * first `up` of a large stage is bound by it. An `up` that changes no alarm makes no such call.
 */
export function alarmDeploySeconds(plan: StagePlan, quotas: AccountQuotas = {}): number {
  const homeAlarms = allAlarms(plan).length;
  return Math.ceil(homeAlarms / (quotas.putMetricAlarmPerSecond ?? DEFAULT_PUT_METRIC_ALARM_PER_SECOND));
}

/** Every quota the plan would cross, as `webhealth:<key>: <reason>` lines with the quota, its documentation and a way out. */
/**
 * Whether a higher webhealth:probeConcurrency would mean fewer shards: only when the run time
 * bounds the shards, not EventBridge's input size (which usually fills a shard first).
 */
function concurrencyWouldHelp(config: StageConfig, shards: number): boolean {
  const unbounded = planShards(config.targets, { concurrency: Number.MAX_SAFE_INTEGER, timeoutMs: probeTimeoutSeconds(config.periodSeconds) * 1000 });
  return unbounded.length < shards;
}

export function quotaProblems(config: StageConfig, plan: StagePlan, quotas: AccountQuotas = config.accountQuotas): string[] {
  const problems: string[] = [];
  const shards = plan.shards.length;
  for (const region of config.probeRegions) {
    const rules = quotas.eventBridgeRulesPerRegion ?? defaultRuleQuota(region);
    // The notifier's sweep is a scheduled rule too, on the home region's default bus with the probe rules.
    const sweep = plan.notifier && region === config.homeRegion ? 1 : 0;
    if (shards + sweep > rules) {
      problems.push(
        `webhealth:targets: need ${shards + sweep} EventBridge rules (one per shard${sweep ? ", and the notifier's sweep" : ""}) in ${region}, over its quota of ${rules} rules per event bus (${QUOTA_DOCS.eventBridgeRules}); ` +
          `have the quota raised (Service Quotas) and set webhealth:accountQuotas.eventBridgeRulesPerRegion, or move part of the targets to a stage in another account`,
      );
    }
  }
  // Every shard's run may overlap every other's (each lasts up to the period), plus the pre-traffic hook.
  const concurrency = quotas.lambdaConcurrentExecutions ?? DEFAULT_LAMBDA_CONCURRENCY;
  if (shards + 1 > concurrency) {
    problems.push(
      `webhealth:targets: up to ${shards + 1} probe executions at once per region (one per shard, and the pre-traffic hook), over the Lambda quota of ${concurrency} concurrent executions (${QUOTA_DOCS.lambdaConcurrency}); ` +
        `${concurrencyWouldHelp(config, shards) ? "raise webhealth:probeConcurrency (fewer, larger shards), or " : ""}have the quota raised and set webhealth:accountQuotas.lambdaConcurrentExecutions` +
          `, or move part of the targets to a stage in another account`,
    );
  }
  // Every e-mail subscription carries a filter policy: the e-mail topic one per channel and address
  // (the channel's route), the operators topic one per address (verify's test is dropped).
  const notifier = plan.notifier;
  const filterPolicies = quotas.snsFilterPoliciesPerTopic ?? SNS_FILTER_POLICY_LIMITS.defaultPerTopic;
  const perTopic: Array<[string, number]> = notifier
    ? [
        [notifier.emailTopicName, notifier.emailSubscriptions.length],
        [notifier.operatorsTopicName, notifier.operatorAddresses.length],
      ]
    : [];
  for (const [topic, subscriptions] of perTopic) {
    if (subscriptions > filterPolicies) {
      problems.push(
        `webhealth:notifications: ${subscriptions} e-mail subscriptions with a filter policy on the topic ${topic}, over SNS's quota of ${filterPolicies} filter policies per topic (${QUOTA_DOCS.snsFilterPolicies}); ` +
          `send to fewer addresses (a mailing list reaches many people through one), or have the quota raised and set webhealth:accountQuotas.snsFilterPoliciesPerTopic`,
      );
    }
  }
  return problems;
}
