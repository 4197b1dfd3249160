/** Alarms in the home region from their specs (infra/plan/alarms.ts): per target, probe health, dead letters. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlarmSpec } from "../plan/alarms";
import { metricAlarmArgs } from "./policy";

export interface AlarmsArgs {
  specs: AlarmSpec[];
  /** Receives ALARM and OK of every spec that notifies. */
  topicArn: pulumi.Input<string>;
  /** Receives ALARM and OK of the specs that notify operators directly (when the stage has a notifier). */
  operatorsTopicArn?: pulumi.Input<string>;
}

export class Alarms extends pulumi.ComponentResource {
  public readonly alarms: aws.cloudwatch.MetricAlarm[];

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("webhealth:infra:Alarms", name, {}, opts);
    this.alarms = args.specs.map((spec) => new aws.cloudwatch.MetricAlarm(spec.logicalName, metricAlarmArgs(spec, args.topicArn, args.operatorsTopicArn), { parent: this }));
    this.registerOutputs({ count: this.alarms.length });
  }
}
