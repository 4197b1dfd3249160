/**
 * Alarms in the home region from their specs (infra/plan/alarms.ts, infra/plan/slo.ts): per target,
 * SLO burn-rate windows and their composite alarms, probe health, dead letters.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlarmSpec } from "../plan/alarms";
import type { CompositeAlarmSpec } from "../plan/slo";
import { metricAlarmArgs } from "./policy";

export interface AlarmsArgs {
  specs: AlarmSpec[];
  /** Composite alarms over some of `specs` (by name): created after them, notifying like the others. */
  composites?: CompositeAlarmSpec[];
  /** Receives ALARM and OK of every spec that notifies. */
  topicArn: pulumi.Input<string>;
  /** Receives ALARM and OK of the specs that notify operators directly (when the stage has a notifier). */
  operatorsTopicArn?: pulumi.Input<string>;
}

export class Alarms extends pulumi.ComponentResource {
  public readonly alarms: aws.cloudwatch.MetricAlarm[];
  public readonly composites: aws.cloudwatch.CompositeAlarm[];

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webhealth:infra:Alarms", name, {}, opts);
    this.alarms = args.specs.map((spec) => new aws.cloudwatch.MetricAlarm(spec.logicalName, metricAlarmArgs(spec, args.topicArn, args.operatorsTopicArn), { parent: this }));
    const byName = new Map(args.specs.map((spec, index) => [spec.alarmName, this.alarms[index]]));
    this.composites = (args.composites ?? []).map(
      (spec) =>
        new aws.cloudwatch.CompositeAlarm(
          spec.logicalName,
          {
            alarmName: spec.alarmName,
            alarmDescription: spec.description,
            alarmRule: spec.rule,
            actionsEnabled: true,
            // A burn-rate alarm is about a target: it goes where the target alarms go (the notifier's topic).
            alarmActions: [args.topicArn],
            okActions: [args.topicArn],
          },
          // CloudWatch refuses a rule naming an alarm that does not exist yet.
          { parent: this, dependsOn: spec.children.map((name) => byName.get(name)).filter((alarm): alarm is aws.cloudwatch.MetricAlarm => alarm !== undefined) },
        ),
    );
    this.registerOutputs({ count: this.alarms.length + this.composites.length });
  }
}
