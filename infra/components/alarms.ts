/** Alarms in the home region from their specs (infra/plan/alarms.ts): per target, probe health, dead letters. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlarmSpec } from "../plan/alarms";
import { metricAlarmArgs } from "./policy";

export interface AlarmsArgs {
  specs: AlarmSpec[];
  /** Receives ALARM and OK of every spec that notifies. */
  topicArn: pulumi.Input<string>;
}

/**
 * Alarms registered with Pulumi at once, at most. A stage of 10,000 targets has 30,000 alarms;
 * Pulumi holds a few hundred kilobytes per registration in flight (its promises and outputs),
 * so registering them all at once takes gigabytes. In batches the program's memory stays flat, and
 * in an update it costs no time: CloudWatch accepts 3 PutMetricAlarm a second by default
 * (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html), so 250 alarms
 * take over a minute to create whatever the batching, and a bounded number in flight keeps the
 * provider's throttling retries within their budget.
 */
export const ALARM_BATCH_SIZE = 250;

/** Resolves once Pulumi registered every resource: their URNs are known (in a preview at once, in an update when created). */
export function registered(resources: readonly pulumi.Resource[]): Promise<unknown> {
  // `promise()` is the Output's own (internal but stable across 3.x) resolution, which also rejects
  // when a registration fails, where an `apply` would never run.
  return Promise.all(resources.map((resource) => (resource.urn as unknown as { promise(): Promise<string> }).promise()));
}

export class Alarms extends pulumi.ComponentResource {
  public readonly alarms: aws.cloudwatch.MetricAlarm[] = [];

  private constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("webhealth:infra:Alarms", name, {}, opts);
  }

  /** Creates the component and its alarms, ALARM_BATCH_SIZE at a time. */
  static async create(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions): Promise<Alarms> {
    const component = new Alarms(name, opts);
    for (let start = 0; start < args.specs.length; start += ALARM_BATCH_SIZE) {
      const batch = args.specs
        .slice(start, start + ALARM_BATCH_SIZE)
        .map((spec) => new aws.cloudwatch.MetricAlarm(spec.logicalName, metricAlarmArgs(spec, args.topicArn), { parent: component }));
      component.alarms.push(...batch);
      await registered(batch);
    }
    component.registerOutputs({ count: component.alarms.length });
    return component;
  }
}
