/**
 * The alarms in the home region from their specs (infra/plan/alarms.ts): per target, probe
 * health, dead letters.
 *
 * Unlike the other concerns, alarms are not children of a ComponentResource: Pulumi keeps every
 * child of a component alive for the component's lifetime (so that depending on the component
 * waits for them), and a stage of 10,000 targets has 30,000 alarms, tens of kilobytes each in
 * the SDK (outputs, promises). Top-level, each alarm is let go once registered, and the program's
 * memory stays flat whatever the number of targets (docs/program.md has the measurements). They
 * were children of the `alarms` component before: the alias keeps each one's identity, so an
 * existing stage updates them in place instead of replacing them.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlarmSpec } from "../plan/alarms";
import type { CompositeAlarmSpec } from "../plan/slo";
import { metricAlarmArgs } from "./policy";

export interface AlarmsArgs {
  specs: AlarmSpec[];
  /** Receives ALARM and OK of every spec that notifies. */
  topicArn: pulumi.Input<string>;
  /** Receives ALARM and OK of the specs that notify operators directly (when the stage has a notifier). */
  operatorsTopicArn?: pulumi.Input<string>;
}

/** The component the alarms were children of, which their aliases name. */
export const FORMER_ALARMS_PARENT = { type: "webhealth:infra:Alarms", name: "alarms" } as const;

/**
 * Alarms registered with Pulumi at once, at most. Pulumi holds a few hundred kilobytes per
 * registration in flight, so registering 30,000 at once takes gigabytes; in batches memory stays
 * flat, and smaller batches leave the garbage collector less to do (measured: 5,000 targets from
 * three regions took 10.7 / 11.9 / 14.4 / 16.2 CPU seconds to synthesise with batches of 50 / 100 /
 * 250 / 500). In an update it costs no time: CloudWatch accepts 3 PutMetricAlarm calls a second
 * by default (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html),
 * so 100 alarms take over 30 s to create whatever the batching, and a bounded number in flight
 * keeps the provider's throttling retries within their budget.
 */
export const ALARM_BATCH_SIZE = 100;

/** Resolves once Pulumi registered every resource: their URNs are known (in a preview at once, in an update when created). */
export function registered(resources: readonly pulumi.Resource[]): Promise<unknown> {
  // `promise()` is the Output's own resolution (internal to @pulumi/pulumi but stable across 3.x),
  // which rejects when a registration fails, where an `apply` would never run.
  return Promise.all(resources.map((resource) => (resource.urn as unknown as { promise(): Promise<string> }).promise()));
}

/**
 * Drops registered top-level resources from the stack's list of children. Pulumi adds every
 * resource to its parent's `__childResources` (the stack, for a top-level one) and reads that list
 * only to wait for a component's children when something depends on the component; nothing
 * depends on the stack, so the list only keeps 30,000 alarms and their outputs alive (heap
 * snapshot after a 2,000-target synthesis: 305 MB kept, 79 MB without). Internal to
 * @pulumi/pulumi (resource.js, runtime/dependsOn.js, unchanged across 3.x); when absent this does nothing.
 */
export function letGo(resources: readonly pulumi.Resource[]): void {
  for (const resource of resources) {
    const parent = (resource as unknown as { __parentResource?: { __childResources?: Set<unknown> } }).__parentResource;
    if ((parent as { __pulumiType?: string } | undefined)?.__pulumiType === pulumi.runtime.rootPulumiStackTypeName) parent?.__childResources?.delete(resource);
  }
}

/**
 * Creates the alarms, ALARM_BATCH_SIZE at a time, and resolves with their number once all are
 * registered. `opts` (provider, dependsOn) apply to each alarm.
 */
export async function createAlarms(args: AlarmsArgs, opts: pulumi.CustomResourceOptions): Promise<number> {
  const formerParent = pulumi.createUrn(FORMER_ALARMS_PARENT.name, FORMER_ALARMS_PARENT.type);
  for (let start = 0; start < args.specs.length; start += ALARM_BATCH_SIZE) {
    const batch = args.specs
      .slice(start, start + ALARM_BATCH_SIZE)
      .map((spec) => new aws.cloudwatch.MetricAlarm(spec.logicalName, metricAlarmArgs(spec, args.topicArn, args.operatorsTopicArn), { ...opts, aliases: [{ parent: formerParent }] }));
    await registered(batch);
    letGo(batch);
  }
  return args.specs.length;
}

/**
 * The SLO burn-rate alarms (infra/plan/slo.ts): each target's window alarms, then its composite
 * alarm over them, which CloudWatch refuses while a window it names does not exist yet (hence
 * `dependsOn` the target's windows). Top-level like the other alarms, a target at a time.
 */
export async function createBurnRateAlarms(
  windows: AlarmSpec[],
  composites: CompositeAlarmSpec[],
  args: Pick<AlarmsArgs, "topicArn" | "operatorsTopicArn">,
  opts: pulumi.CustomResourceOptions,
): Promise<number> {
  const bySpecName = new Map(windows.map((spec) => [spec.alarmName, spec]));
  for (const composite of composites) {
    const children = composite.children.map((name) => bySpecName.get(name)).filter((spec): spec is AlarmSpec => spec !== undefined);
    const windowAlarms = children.map((spec) => new aws.cloudwatch.MetricAlarm(spec.logicalName, metricAlarmArgs(spec, args.topicArn, args.operatorsTopicArn), opts));
    const alarm = new aws.cloudwatch.CompositeAlarm(
      composite.logicalName,
      {
        alarmName: composite.alarmName,
        alarmDescription: composite.description,
        alarmRule: composite.rule,
        actionsEnabled: true,
        // A burn-rate alarm is about a target: it goes where the target alarms go (the alarm topic, the notifier's input).
        alarmActions: [args.topicArn],
        okActions: [args.topicArn],
      },
      { ...opts, dependsOn: [...windowAlarms, ...(Array.isArray(opts.dependsOn) ? (opts.dependsOn as pulumi.Resource[]) : [])] },
    );
    await registered([...windowAlarms, alarm]);
    letGo([...windowAlarms, alarm]);
  }
  return windows.length + composites.length;
}
