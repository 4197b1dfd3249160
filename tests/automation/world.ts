/**
 * A simulated AWS for the driver's scenario tests: CloudWatch alarms that evaluate over (virtual)
 * time, CodeDeploy deployments that shift traffic, poll alarms and roll back through a deployment
 * of their own, Lambda aliases, an SNS topic with filter policies that delivers to the recorder
 * (the real parser and item builder) and to e-mail, and the ledger table. Everything is built
 * from the program's synth of a fixture stage (alarms, deployment groups, subscriptions), and each
 * behaviour follows the AWS documentation cited where it is imitated.
 *
 * Time is the test runtime's virtual clock: every API call first brings the world up to `now()`.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type DescribeAlarmsCommandInput,
  type GetMetricDataCommandInput,
  type MetricAlarm,
} from "@aws-sdk/client-cloudwatch";
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  type CreateDeploymentCommandInput,
  type DeploymentStatus,
  type LifecycleEventStatus,
} from "@aws-sdk/client-codedeploy";
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, type GetItemCommandInput } from "@aws-sdk/client-dynamodb";
import { GetAliasCommand, InvokeCommand, LambdaClient, ListVersionsByFunctionCommand, type InvokeCommandInput } from "@aws-sdk/client-lambda";
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, PublishCommand, SNSClient, type PublishCommandInput } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import type { StackOutputs } from "../../infra/outputs";
import type { SynthDocument } from "../../infra/synth";
import { buildLedgerItem } from "../../functions/recorder/item";
import { parseAlarmNotification } from "../../functions/recorder/notification";
import type { RegionClients, Runtime } from "../../automation/runtime";
import { PENDING_CONFIRMATION } from "../../automation/verify";
import { CHECK_FAILED_VALUE, TARGET_METRICS } from "../../functions/common/metrics";
import { statistic, type AlarmInputs as EvaluatedAlarmInputs } from "../infra/support/alarm-evaluator";
import { readAlarmEvent } from "../../functions/notifier/alarm";
import { decide } from "../../functions/notifier/decide";
import { buildMessage } from "../../functions/notifier/message";
import { isTestNotification } from "../../functions/notifier/notifier";
import { renderEmail } from "../../functions/notifier/render";
import { loadStageConfig } from "../../infra/config";
import { planStage } from "../../infra/plan/stage";
import { fixtureConfig } from "../fixtures/stacks";

const MINUTE = 60_000;

/** The synthesised MetricAlarm inputs the world reads: the evaluator's, with the alarm's name and metric math. */
interface AlarmInputs extends EvaluatedAlarmInputs {
  name: string;
  metricQueries?: Array<{ id: string; expression?: string; returnData?: boolean; metric?: { namespace: string; metricName: string; dimensions?: Record<string, string>; period: number } }>;
}

interface SimAlarm {
  inputs: AlarmInputs;
  region: string;
  createdAt: number;
  state: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  reason: string;
  reasonData?: string;
  transitionedAt: number;
  /** The last minute boundary this alarm was evaluated at. */
  evaluatedAt: number;
  /** Every state it went through, in order (the first is INSUFFICIENT_DATA). */
  history: string[];
}

interface SimDeployment {
  id: string;
  region: string;
  app: string;
  group: string;
  functionName: string;
  from: string;
  to: string;
  status: DeploymentStatus;
  createdAt: number;
  configName: string;
  alarmsEnabled: boolean;
  events: Record<string, LifecycleEventStatus>;
  errorInformation?: { code: string; message: string };
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackMessage?: string; rollbackTriggeringDeploymentId?: string };
  /** A rollback deployment ends at this time. */
  endsAt?: number;
  input?: CreateDeploymentCommandInput;
}

interface SimSubscription {
  arn: string;
  /** The topic it belongs to (the alarm topic, or the notifier's e-mail or operators topic). */
  topic: string;
  protocol: string;
  endpoint: string;
  filterPolicy?: string;
  filterPolicyScope?: string;
}

/** What a scenario changes about the world. */
export interface WorldConditions {
  /** Probe regions whose scheduled runs publish from this time on (default: 1 minute after the world starts). */
  probeStartsAt: Record<string, number>;
  /** Monitored URLs that are down. */
  targetsDown: Set<string>;
  /** From this time on the probe in a region probes no target (its heartbeat reads 0). */
  probeBrokenFrom: Record<string, number>;
  /** From this time on the function's `live` alias raises errors. */
  errorsFrom: Record<string, number>;
  /** E-mail endpoints that confirmed their subscription. */
  confirmed: Set<string>;
  /** How long CodeDeploy's own rollback deployment runs. */
  rollbackTakesMs: number;
}

/** How long the pre-traffic hook (BeforeAllowTraffic) takes. */
const HOOK_MS = 10_000;

/**
 * CodeDeploy's predefined Lambda configs: the share of traffic on the new version over time.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html
 */
function trafficShare(configName: string, sinceHookMs: number): number {
  const canary = /LambdaCanary10Percent(\d+)Minutes/.exec(configName);
  if (canary) return sinceHookMs < Number(canary[1]) * MINUTE ? 0.1 : 1;
  const linear = /LambdaLinear10PercentEvery(\d+)Minutes?/.exec(configName);
  if (linear) return Math.min(1, (Math.floor(sinceHookMs / (Number(linear[1]) * MINUTE)) + 1) / 10);
  return 1;
}

export class World {
  readonly outputs: StackOutputs;
  readonly conditions: WorldConditions;
  readonly alarms: SimAlarm[] = [];
  readonly deployments: SimDeployment[] = [];
  readonly aliases = new Map<string, { version: string; weights: Record<string, number> }>();
  readonly subscriptions: SimSubscription[] = [];
  /** Messages SNS delivered to e-mail subscribers (people). */
  readonly emailed: Array<{ endpoint: string; subject?: string }> = [];
  readonly ledger = new Map<string, Record<string, unknown>>();
  private groups = new Map<string, { app: string; region: string; functionName: string; configName: string; alarms: string[] }>();
  private lastTick: number;
  private nextId = 1;
  private readonly targets: string[];
  private readonly stubs: Array<{ restore(): void }> = [];

  constructor(
    document: SynthDocument,
    outputs: StackOutputs,
    private readonly now: () => number,
    options: { liveVersion?: string } = {},
  ) {
    this.outputs = outputs;
    const start = now();
    this.lastTick = start;
    const probeRegions = Object.values(outputs.canaryFunctions)
      .filter((fn) => fn.functionName.includes("-probe-"))
      .map((fn) => fn.region);
    this.conditions = {
      probeStartsAt: Object.fromEntries(probeRegions.map((region) => [region, start + MINUTE])),
      targetsDown: new Set(),
      probeBrokenFrom: {},
      errorsFrom: {},
      confirmed: new Set(),
      rollbackTakesMs: 30_000,
    };
    const selfRegion = new Map((outputs.selfAlarms ?? []).map((alarm) => [alarm.name, alarm.region]));
    const resources = document.resources;
    for (const resource of resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")) {
      const inputs = resource.inputs as unknown as AlarmInputs;
      // A new alarm starts in INSUFFICIENT_DATA. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarm-states
      this.alarms.push({ inputs, region: selfRegion.get(inputs.name) ?? outputs.homeRegion, createdAt: start, state: "INSUFFICIENT_DATA", reason: "Unchecked: Initial alarm creation", transitionedAt: start, evaluatedAt: start, history: ["INSUFFICIENT_DATA"] });
    }
    const urls = this.alarms.flatMap((alarm) => [alarm.inputs.dimensions?.Url, ...(alarm.inputs.metricQueries ?? []).map((query) => query.metric?.dimensions?.Url)]);
    this.targets = [...new Set(urls.filter((url): url is string => !!url))];
    for (const resource of resources.filter((r) => r.type === "aws:codedeploy/deploymentGroup:DeploymentGroup")) {
      const inputs = resource.inputs as { appName: string; deploymentGroupName: string; deploymentConfigName: string; alarmConfiguration: { alarms: string[] } };
      const fn = Object.values(outputs.canaryFunctions).find((candidate) => candidate.deploymentGroup === inputs.deploymentGroupName);
      if (!fn) throw new Error(`world: no canary function for group ${inputs.deploymentGroupName}`);
      this.groups.set(inputs.deploymentGroupName, { app: inputs.appName, region: fn.region, functionName: fn.functionName, configName: inputs.deploymentConfigName, alarms: inputs.alarmConfiguration.alarms });
    }
    for (const fn of Object.values(outputs.canaryFunctions)) this.aliases.set(fn.functionName, { version: options.liveVersion ?? "6", weights: {} });
    for (const resource of resources.filter((r) => r.type === "aws:sns/topicSubscription:TopicSubscription")) {
      const inputs = resource.inputs as { topic: string; protocol: string; endpoint: string; filterPolicy?: string; filterPolicyScope?: string };
      this.subscriptions.push({ arn: `${inputs.topic}:${resource.name}`, ...inputs });
    }
  }

  // ---- time ----------------------------------------------------------------------------------

  /** Brings alarms and deployments up to the clock, in 5-second steps (CodeDeploy polls alarms as it shifts). */
  tick(): void {
    const target = this.now();
    for (let t = this.lastTick; t < target; ) {
      t = Math.min(target, t + 5_000);
      this.evaluateAlarms(t);
      for (const deployment of this.deployments) this.advance(deployment, t);
    }
    this.lastTick = Math.max(this.lastTick, target);
  }

  // ---- CloudWatch ----------------------------------------------------------------------------

  private metricValue(namespace: string, metricName: string, dimensions: Record<string, string>, periodStart: number, period: number): number | undefined {
    const c = this.conditions;
    const region = dimensions.Region ?? this.outputs.homeRegion;
    const probing = (r: string) => c.probeStartsAt[r] !== undefined && periodStart >= c.probeStartsAt[r];
    if (namespace === "AWS/Lambda") {
      const fnName = dimensions.FunctionName;
      const fn = Object.values(this.outputs.canaryFunctions).find((candidate) => candidate.functionName === fnName);
      // The recorder runs only on alarm notifications: its metrics have no data here (notBreaching alarms stay OK).
      if (!fn || !fnName.includes("-probe-") || !probing(fn.region)) return undefined;
      if (metricName === "Errors") return c.errorsFrom[fnName] !== undefined && periodStart >= c.errorsFrom[fnName] ? 1 : 0;
      return 900;
    }
    if (namespace === "AWS/SQS") return undefined;
    const regions = dimensions.Region ? [dimensions.Region] : Object.keys(c.probeStartsAt);
    if (!regions.some(probing)) return undefined;
    const broken = (r: string) => c.probeBrokenFrom[r] !== undefined && periodStart >= c.probeBrokenFrom[r];
    if (metricName === "TargetsProbed") return broken(region) ? 0 : this.targets.length;
    const url = dimensions.Url;
    const down = url !== undefined && c.targetsDown.has(url);
    if (broken(region)) return undefined;
    if (metricName === "Availability") return down ? 0 : 1;
    if (down) return undefined;
    if (metricName === "CertificateDaysRemaining") return 80;
    return 250;
    void period;
  }

  /**
   * A target's `Check` samples in one period: one per probe region that runs and is not broken,
   * its time when the target is up and the failure value when it is down (every region writes the
   * same metric: functions/common/metrics.ts).
   */
  private checkSamples(url: string | undefined, periodStart: number): number[] {
    const c = this.conditions;
    const running = (r: string) => c.probeStartsAt[r] !== undefined && periodStart >= c.probeStartsAt[r] && !(c.probeBrokenFrom[r] !== undefined && periodStart >= c.probeBrokenFrom[r]);
    const down = url !== undefined && c.targetsDown.has(url);
    return Object.keys(c.probeStartsAt)
      .filter(running)
      .map(() => (down ? CHECK_FAILED_VALUE : 250));
  }

  /** The alarm's value for one period: its metric (with its statistic), or its quorum expression over one metric per region. */
  private alarmValue(alarm: SimAlarm, periodStart: number): number | undefined {
    const { inputs } = alarm;
    if (inputs.namespace && inputs.metricName === TARGET_METRICS.check) {
      return statistic(inputs.extendedStatistic ?? inputs.statistic ?? "Average", this.checkSamples(inputs.dimensions?.Url, periodStart));
    }
    if (inputs.metricName && inputs.namespace) return this.metricValue(inputs.namespace, inputs.metricName, inputs.dimensions ?? {}, periodStart, inputs.period ?? 60);
    const metrics = (inputs.metricQueries ?? []).filter((query) => query.metric);
    const values = metrics.map((query) => this.metricValue(query.metric!.namespace, query.metric!.metricName, query.metric!.dimensions ?? {}, periodStart, query.metric!.period));
    // Metric math: no value where no metric has one; a metric missing where another has one reads 0.
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
    if (values.every((value) => value === undefined)) return undefined;
    const expression = (inputs.metricQueries ?? []).find((query) => query.expression)?.expression ?? "";
    const read = values.map((value) => value ?? 0);
    if (expression.includes("IF(")) {
      const threshold = Number(/> (\d+)/.exec(expression)?.[1] ?? 0);
      return read.filter((value) => value > threshold).length;
    }
    return read.length - read.reduce((sum, value) => sum + value, 0);
  }

  private breaching(alarm: SimAlarm, value: number): boolean {
    const { comparisonOperator: op, threshold } = alarm.inputs;
    if (op === "GreaterThanThreshold") return value > threshold;
    if (op === "GreaterThanOrEqualToThreshold") return value >= threshold;
    if (op === "LessThanThreshold") return value < threshold;
    return value <= threshold;
  }

  /**
   * Evaluates every alarm once a minute as CloudWatch does, on the last N+2 complete periods (the
   * "evaluation range"), filling missing datapoints with the alarm's treatment only as often as
   * needed to make N, and keeping every real datapoint: CloudWatch user guide, "How alarm state is
   * evaluated when data is missing" (its tables are the reference for these branches).
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data
   */
  private evaluateAlarms(until: number): void {
    for (const alarm of this.alarms) {
      for (let minute = Math.floor(alarm.evaluatedAt / MINUTE) * MINUTE + MINUTE; minute <= until; minute += MINUTE) {
        alarm.evaluatedAt = minute;
        const period = (alarm.inputs.period ?? alarm.inputs.metricQueries?.find((q) => q.metric)?.metric?.period ?? 60) * 1000;
        const n = alarm.inputs.evaluationPeriods;
        const m = alarm.inputs.datapointsToAlarm ?? n;
        const lastComplete = Math.floor(minute / period) * period - period;
        const existing: Array<{ at: number; value: number }> = [];
        for (let k = 0; k < n + 2; k++) {
          const start = lastComplete - k * period;
          const value = this.alarmValue(alarm, start);
          if (value !== undefined) existing.push({ at: start, value });
        }
        const treatment = alarm.inputs.treatMissingData ?? "missing";
        const real = existing.slice(0, n);
        const fills = Math.max(0, n - real.length);
        if (real.length === 0 && (treatment === "ignore" || treatment === "missing")) {
          if (treatment === "missing") this.setState(alarm, "INSUFFICIENT_DATA", `Insufficient Data: ${n} datapoints were unknown.`, minute, real, period);
          continue;
        }
        const realBreaching = real.filter((point) => this.breaching(alarm, point.value)).length;
        const breachCount = realBreaching + (treatment === "breaching" ? fills : 0);
        const state = breachCount >= m ? "ALARM" : "OK";
        const label = treatment === "breaching" ? "Breaching" : "NonBreaching";
        const values = real.map((point) => `${point.value.toFixed(1)} (${new Date(point.at).toISOString()})`).join(", ");
        const reason =
          fills === 0
            ? `Threshold Crossed: ${breachCount} out of the last ${n} datapoints [${values}] ${state === "ALARM" ? "crossed" : "did not cross"} the threshold (${alarm.inputs.threshold}).`
            : real.length === 0
              ? `Threshold Crossed: no datapoints were received for ${n} periods and ${n} missing datapoints were treated as [${label}].`
              : `Threshold Crossed: ${real.length} datapoint${real.length === 1 ? "" : "s"} [${values}] and ${fills} missing datapoint${fills === 1 ? " was" : "s were"} treated as [${label}].`;
        this.setState(alarm, state, reason, minute, real, period);
      }
    }
  }

  private setState(alarm: SimAlarm, state: SimAlarm["state"], reason: string, at: number, real: Array<{ at: number; value: number }>, period: number): void {
    if (state !== alarm.state) {
      alarm.transitionedAt = at;
      alarm.history.push(state);
    }
    alarm.state = state;
    alarm.reason = reason;
    alarm.reasonData = JSON.stringify({ version: "1.0", queryDate: new Date(at).toISOString(), period: period / 1000, recentDatapoints: real.map((point) => point.value), threshold: alarm.inputs.threshold });
  }

  /** DescribeAlarms: by name prefix or names, state, 100 a page. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html */
  describeAlarms(region: string, input: DescribeAlarmsCommandInput) {
    this.tick();
    const matching = this.alarms.filter(
      (alarm) =>
        alarm.region === region &&
        (!input.AlarmNamePrefix || alarm.inputs.name.startsWith(input.AlarmNamePrefix)) &&
        (!input.AlarmNames || input.AlarmNames.includes(alarm.inputs.name)) &&
        (!input.StateValue || alarm.state === input.StateValue),
    );
    const offset = Number(input.NextToken ?? 0);
    const page = matching.slice(offset, offset + (input.MaxRecords ?? 50));
    const next = offset + page.length < matching.length ? String(offset + page.length) : undefined;
    const metricAlarms: MetricAlarm[] = page.map((alarm) => ({
      AlarmName: alarm.inputs.name,
      StateValue: alarm.state,
      StateReason: alarm.reason,
      StateReasonData: alarm.reasonData,
      StateTransitionedTimestamp: new Date(alarm.transitionedAt),
      StateUpdatedTimestamp: new Date(alarm.transitionedAt),
      AlarmConfigurationUpdatedTimestamp: new Date(alarm.createdAt),
      TreatMissingData: alarm.inputs.treatMissingData,
      EvaluationPeriods: alarm.inputs.evaluationPeriods,
      DatapointsToAlarm: alarm.inputs.datapointsToAlarm,
      ComparisonOperator: alarm.inputs.comparisonOperator as MetricAlarm["ComparisonOperator"],
      Threshold: alarm.inputs.threshold,
      Dimensions: Object.entries(alarm.inputs.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
      Metrics: (alarm.inputs.metricQueries ?? []).map((query) => ({
        Id: query.id,
        ...(query.metric
          ? { MetricStat: { Metric: { Namespace: query.metric.namespace, MetricName: query.metric.metricName, Dimensions: Object.entries(query.metric.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })) }, Period: query.metric.period, Stat: "Minimum" } }
          : { Expression: query.expression }),
      })),
    }));
    return { MetricAlarms: metricAlarms, CompositeAlarms: [], NextToken: next };
  }

  /** GetMetricData over the simulated metrics: the complete periods with data, newest first. */
  getMetricData(input: GetMetricDataCommandInput) {
    this.tick();
    const now = this.now();
    return {
      MetricDataResults: (input.MetricDataQueries ?? []).map((query) => {
        const stat = query.MetricStat!;
        const period = stat.Period! * 1000;
        const dimensions = Object.fromEntries((stat.Metric!.Dimensions ?? []).map((d) => [d.Name!, d.Value!]));
        const timestamps: Date[] = [];
        const values: number[] = [];
        for (let start = Math.floor(new Date(input.StartTime!).getTime() / period) * period; start + period <= Math.min(now, new Date(input.EndTime!).getTime()); start += period) {
          const value = this.metricValue(stat.Metric!.Namespace!, stat.Metric!.MetricName!, dimensions, start, stat.Period!);
          if (value !== undefined) {
            timestamps.unshift(new Date(start));
            values.unshift(value);
          }
        }
        return { Id: query.Id, Timestamps: timestamps, Values: values, StatusCode: "Complete" as const };
      }),
    };
  }

  // ---- CodeDeploy ----------------------------------------------------------------------------

  private groupAlarmFiring(deployment: SimDeployment): string | undefined {
    const group = this.groups.get(deployment.group)!;
    return this.alarms.find((alarm) => alarm.region === group.region && group.alarms.includes(alarm.inputs.name) && alarm.state === "ALARM")?.inputs.name;
  }

  /**
   * A Lambda deployment: the BeforeAllowTraffic hook, then traffic moved by the config while the
   * group's alarms are polled; an alarm in ALARM stops it, and with auto-rollback CodeDeploy rolls
   * back through a new deployment (rollbackInfo.rollbackDeploymentId) that puts the alias back.
   * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-lambda.html
   * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html
   */
  private advance(deployment: SimDeployment, t: number): void {
    if (["Succeeded", "Failed", "Stopped"].includes(deployment.status)) return;
    const alias = this.aliases.get(deployment.functionName)!;
    if (deployment.rollbackInfo?.rollbackTriggeringDeploymentId) {
      if (t >= (deployment.endsAt ?? 0)) {
        this.aliases.set(deployment.functionName, { version: deployment.to, weights: {} });
        deployment.status = "Succeeded";
        deployment.events = { BeforeAllowTraffic: "Skipped", AllowTraffic: "Succeeded", AfterAllowTraffic: "Skipped" };
      }
      return;
    }
    deployment.status = "InProgress";
    const since = t - deployment.createdAt;
    if (since < HOOK_MS) {
      deployment.events = { BeforeAllowTraffic: "InProgress", AllowTraffic: "Pending", AfterAllowTraffic: "Pending" };
      return;
    }
    if (deployment.alarmsEnabled) {
      const firing = this.groupAlarmFiring(deployment);
      if (firing) {
        deployment.status = "Stopped";
        deployment.events = { BeforeAllowTraffic: "Succeeded", AllowTraffic: "Failed", AfterAllowTraffic: "Skipped" };
        deployment.errorInformation = { code: "ALARM_ACTIVE", message: `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <${firing}>` };
        const rollback = this.create(deployment.region, deployment.app, deployment.group, deployment.to, deployment.from, t, { configName: "CodeDeployDefault.LambdaAllAtOnce", alarmsEnabled: false });
        rollback.rollbackInfo = { rollbackTriggeringDeploymentId: deployment.id };
        rollback.endsAt = t + this.conditions.rollbackTakesMs;
        rollback.status = "InProgress";
        deployment.rollbackInfo = { rollbackDeploymentId: rollback.id, rollbackMessage: `Deployment ${deployment.id} was stopped: an alarm fired; rolling back through ${rollback.id}` };
        return;
      }
    }
    const share = trafficShare(deployment.configName, since - HOOK_MS);
    if (share >= 1) {
      this.aliases.set(deployment.functionName, { version: deployment.to, weights: {} });
      deployment.status = "Succeeded";
      deployment.events = { BeforeAllowTraffic: "Succeeded", AllowTraffic: "Succeeded", AfterAllowTraffic: "Skipped" };
    } else {
      this.aliases.set(deployment.functionName, { version: alias.version, weights: { [deployment.to]: share } });
      deployment.events = { BeforeAllowTraffic: "Succeeded", AllowTraffic: "InProgress", AfterAllowTraffic: "Pending" };
    }
  }

  private create(region: string, app: string, group: string, from: string, to: string, at: number, how: { configName: string; alarmsEnabled: boolean }): SimDeployment {
    const deployment: SimDeployment = {
      id: `d-SIM${this.nextId++}`,
      region,
      app,
      group,
      functionName: this.groups.get(group)!.functionName,
      from,
      to,
      status: "Created",
      createdAt: at,
      configName: how.configName,
      alarmsEnabled: how.alarmsEnabled,
      events: { BeforeAllowTraffic: "Pending", AllowTraffic: "Pending", AfterAllowTraffic: "Pending" },
    };
    this.deployments.push(deployment);
    return deployment;
  }

  /** CreateDeployment: the group's config and alarms unless the request overrides them. https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html */
  createDeployment(region: string, input: CreateDeploymentCommandInput) {
    this.tick();
    const group = this.groups.get(input.deploymentGroupName!);
    if (!group || group.region !== region) throw Object.assign(new Error("DeploymentGroupDoesNotExistException"), { name: "DeploymentGroupDoesNotExistException", $metadata: {} });
    if (this.deployments.some((d) => d.group === input.deploymentGroupName && !["Succeeded", "Failed", "Stopped"].includes(d.status))) {
      throw Object.assign(new Error(`The deployment group ${input.deploymentGroupName} already has an active deployment`), { name: "DeploymentLimitExceededException", $metadata: {} });
    }
    const appSpec = JSON.parse(input.revision!.appSpecContent!.content!.replace('"version":0.0', '"version":"0.0"')) as { Resources: Array<Record<string, { Properties: { CurrentVersion: string; TargetVersion: string } }>> };
    const properties = Object.values(appSpec.Resources[0])[0].Properties;
    const deployment = this.create(region, input.applicationName!, input.deploymentGroupName!, properties.CurrentVersion, properties.TargetVersion, this.now(), {
      configName: input.deploymentConfigName ?? group.configName,
      alarmsEnabled: input.overrideAlarmConfiguration ? input.overrideAlarmConfiguration.enabled !== false : true,
    });
    deployment.input = input;
    return { deploymentId: deployment.id };
  }

  private deployment(id: string | undefined): SimDeployment {
    const found = this.deployments.find((d) => d.id === id);
    if (!found) throw Object.assign(new Error(`no deployment ${id}`), { name: "DeploymentDoesNotExistException", $metadata: {} });
    return found;
  }

  getDeployment(id: string | undefined) {
    this.tick();
    const d = this.deployment(id);
    return { deploymentInfo: { deploymentId: d.id, status: d.status, errorInformation: d.errorInformation, rollbackInfo: d.rollbackInfo, deploymentConfigName: d.configName } };
  }

  listDeployments(input: { deploymentGroupName?: string; includeOnlyStatuses?: string[] }) {
    this.tick();
    return {
      deployments: this.deployments
        .filter((d) => d.group === input.deploymentGroupName && (!input.includeOnlyStatuses || input.includeOnlyStatuses.includes(d.status)))
        .reverse()
        .map((d) => d.id),
    };
  }

  deploymentTarget(id: string | undefined) {
    this.tick();
    const d = this.deployment(id);
    return {
      deploymentTarget: {
        lambdaTarget: {
          lifecycleEvents: Object.entries(d.events).map(([lifecycleEventName, status]) => ({ lifecycleEventName, status })),
          lambdaFunctionInfo: { functionName: d.functionName, functionAlias: "live", currentVersion: d.from, targetVersion: d.to },
        },
      },
    };
  }

  deploymentGroup(name: string | undefined) {
    const group = this.groups.get(name ?? "");
    return { deploymentGroupInfo: { alarmConfiguration: { enabled: true, alarms: (group?.alarms ?? []).map((alarm) => ({ name: alarm })) } } };
  }

  // ---- Lambda, SNS, DynamoDB -----------------------------------------------------------------

  getAlias(functionName: string | undefined) {
    this.tick();
    const alias = this.aliases.get(functionName ?? "");
    if (!alias) throw Object.assign(new Error(`Function not found: ${functionName}`), { name: "ResourceNotFoundException", $metadata: {} });
    return { FunctionVersion: alias.version, RoutingConfig: Object.keys(alias.weights).length > 0 ? { AdditionalVersionWeights: { ...alias.weights } } : undefined };
  }

  /** The probe answers a self-test: loopback passes; a target that is down fails its check. */
  invoke(input: InvokeCommandInput) {
    const event = JSON.parse(Buffer.from(input.Payload as Uint8Array).toString("utf8")) as { targets: Array<{ url: string }> };
    const checks = [{ name: "loopback", passed: true }, ...event.targets.map((target) => ({ name: target.url, passed: !this.conditions.targetsDown.has(target.url), detail: this.conditions.targetsDown.has(target.url) ? "503" : "200" }))];
    return { StatusCode: 200, Payload: Buffer.from(JSON.stringify({ selfTest: true, passed: checks.every((c) => c.passed), checks })) as unknown as Uint8Array };
  }

  private subscriptionArn(subscription: SimSubscription): string {
    return subscription.protocol === "email" && !this.conditions.confirmed.has(subscription.endpoint) ? PENDING_CONFIRMATION : subscription.arn;
  }

  listSubscriptions(topicArn: string | undefined) {
    return {
      Subscriptions: this.subscriptions.filter((s) => s.topic === topicArn).map((s) => ({ SubscriptionArn: this.subscriptionArn(s), Protocol: s.protocol, Endpoint: s.endpoint, TopicArn: s.topic })),
    };
  }

  subscriptionAttributes(arn: string | undefined) {
    const subscription = this.subscriptions.find((s) => s.arn === arn);
    return { Attributes: { ...(subscription?.filterPolicy ? { FilterPolicy: subscription.filterPolicy } : {}), ...(subscription?.filterPolicyScope ? { FilterPolicyScope: subscription.filterPolicyScope } : {}) } };
  }

  /**
   * Whether a subscription's filter policy accepts a message: each policy key must match; with the
   * MessageAttributes scope a message without attributes matches nothing, and `"exists": false`
   * only matches when at least one attribute (or body property) is present.
   * https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html
   * https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html
   */
  private accepts(subscription: SimSubscription, input: PublishCommandInput): boolean {
    if (!subscription.filterPolicy) return true;
    const policy = JSON.parse(subscription.filterPolicy) as Record<string, unknown[]>;
    let properties: Record<string, unknown>;
    if (subscription.filterPolicyScope === "MessageBody") {
      try {
        properties = JSON.parse(input.Message ?? "") as Record<string, unknown>;
      } catch {
        return false;
      }
    } else {
      properties = Object.fromEntries(Object.entries(input.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]));
    }
    if (Object.keys(properties).length === 0) return false;
    return Object.entries(policy).every(([key, conditions]) =>
      conditions.some((condition) => {
        if (typeof condition === "object" && condition !== null && "exists" in condition) return (key in properties) === (condition as { exists: boolean }).exists;
        return properties[key] === condition;
      }),
    );
  }

  /**
   * Publish: SNS delivers to every confirmed subscription of the topic whose filter accepts it; the
   * recorder writes the ledger item; the notifier (its own decision and rendering code) publishes a
   * readable e-mail per e-mail channel to its e-mail topic, and nothing for verify's test.
   */
  publish(input: PublishCommandInput) {
    const messageId = `m-${this.nextId++}`;
    for (const subscription of this.subscriptions) {
      if (subscription.topic !== input.TopicArn) continue;
      if (this.subscriptionArn(subscription) === PENDING_CONFIRMATION || !this.accepts(subscription, input)) continue;
      if (subscription.protocol === "lambda" && subscription.endpoint.includes("-recorder:")) {
        const notification = parseAlarmNotification(input.Message ?? "");
        const item = buildLedgerItem(notification, { snsMessageId: messageId, now: this.now(), retentionDays: 30 });
        this.ledger.set(`${item.alarmName}\n${item.changedAt}`, item as unknown as Record<string, unknown>);
      } else if (subscription.protocol === "lambda" && subscription.endpoint.includes("-notifier:")) {
        this.notify(input);
      } else {
        this.emailed.push({ endpoint: subscription.endpoint, subject: input.Subject });
      }
    }
    return { MessageId: messageId };
  }

  private notify(input: PublishCommandInput): void {
    const emailTopic = this.outputs.emailTopicArn;
    if (!emailTopic) return;
    const record = { Sns: { Message: input.Message ?? "", MessageAttributes: Object.fromEntries(Object.entries(input.MessageAttributes ?? {}).map(([name, value]) => [name, { Type: "String", Value: value.StringValue ?? "" }])) } };
    if (isTestNotification(record as never)) return;
    const runtime = planStage(loadStageConfig(this.outputs.stage, fixtureConfig(this.outputs.stage))).notifier!.runtime;
    const event = readAlarmEvent(parseAlarmNotification(input.Message ?? ""), runtime);
    const message = buildMessage(event, runtime, { now: this.now() });
    for (const decision of decide(event, runtime).channels) {
      if (decision.action !== "send" || decision.channel.type !== "email") continue;
      const email = renderEmail(message, decision.channel.name);
      this.publish({ TopicArn: emailTopic, Subject: email.subject, Message: email.text, MessageAttributes: { channel: { DataType: "String", StringValue: decision.channel.name } } });
    }
  }

  getItem(input: GetItemCommandInput) {
    const key = `${input.Key?.alarmName?.S}\n${input.Key?.changedAt?.S}`;
    const item = this.ledger.get(key);
    return item ? { Item: { alarmName: { S: item.alarmName as string }, changedAt: { S: item.changedAt as string } } } : {};
  }

  deleteItem(input: GetItemCommandInput) {
    this.ledger.delete(`${input.Key?.alarmName?.S}\n${input.Key?.changedAt?.S}`);
    return {};
  }

  // ---- wiring --------------------------------------------------------------------------------

  /** Points the runtime's AWS clients at this world (one client set per region). */
  attach(runtime: Runtime): void {
    const clients = new Map<string, RegionClients>();
    runtime.aws = (region) => {
      let set = clients.get(region);
      if (!set) {
        set = {
          codeDeploy: new CodeDeployClient({ region }),
          lambda: new LambdaClient({ region }),
          cloudWatch: new CloudWatchClient({ region }),
          sns: new SNSClient({ region }),
          dynamodb: new DynamoDBClient({ region }),
        };
        this.wire(region, set);
        clients.set(region, set);
      }
      return set;
    };
  }

  private wire(region: string, set: RegionClients): void {
    const cw = mockClient(set.cloudWatch);
    cw.on(DescribeAlarmsCommand).callsFake((input) => this.describeAlarms(region, input));
    cw.on(GetMetricDataCommand).callsFake((input) => this.getMetricData(input));
    const cd = mockClient(set.codeDeploy);
    cd.on(CreateDeploymentCommand).callsFake((input) => this.createDeployment(region, input));
    cd.on(GetDeploymentCommand).callsFake((input) => this.getDeployment(input.deploymentId));
    cd.on(ListDeploymentsCommand).callsFake((input) => this.listDeployments(input));
    cd.on(ListDeploymentTargetsCommand).callsFake((input) => ({ targetIds: [`${this.deployment(input.deploymentId).functionName}:live`] }));
    cd.on(GetDeploymentTargetCommand).callsFake((input) => this.deploymentTarget(input.deploymentId));
    cd.on(GetDeploymentGroupCommand).callsFake((input) => this.deploymentGroup(input.deploymentGroupName));
    const lambda = mockClient(set.lambda);
    lambda.on(GetAliasCommand).callsFake((input) => this.getAlias(input.FunctionName));
    lambda.on(InvokeCommand).callsFake((input) => this.invoke(input));
    lambda.on(ListVersionsByFunctionCommand).resolves({ Versions: ["1", "2", "3", "4", "5", "6", "7"].map((Version) => ({ Version })) });
    const sns = mockClient(set.sns);
    sns.on(ListSubscriptionsByTopicCommand).callsFake((input) => this.listSubscriptions(input.TopicArn));
    sns.on(GetSubscriptionAttributesCommand).callsFake((input) => this.subscriptionAttributes(input.SubscriptionArn));
    sns.on(PublishCommand).callsFake((input) => this.publish(input));
    const dynamo = mockClient(set.dynamodb);
    dynamo.on(GetItemCommand).callsFake((input) => this.getItem(input));
    dynamo.on(DeleteItemCommand).callsFake((input) => this.deleteItem(input));
    this.stubs.push(cw, cd, lambda, sns, dynamo);
  }

  alarm(name: string): SimAlarm {
    const found = this.alarms.find((alarm) => alarm.inputs.name === name);
    if (!found) throw new Error(`world: no alarm ${name}`);
    return found;
  }

  /** The CreateDeployment requests, in order. */
  created(): CreateDeploymentCommandInput[] {
    return this.deployments.filter((d) => d.input).map((d) => d.input as CreateDeploymentCommandInput);
  }

  restore(): void {
    for (const stub of this.stubs) stub.restore();
  }
}
