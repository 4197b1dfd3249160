/**
 * How the program registers alarms (infra/components/alarms.ts): in batches, top-level, each
 * aliased to its former place under the `alarms` component so existing stages update in place.
 * Resource options are not passed to Pulumi's mocks: a stack transformation records them.
 * Once registered, the stack does not keep them (the program's memory stays flat at 30,000 alarms).
 */
import { expect } from "chai";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ALARM_BATCH_SIZE, createAlarms, FORMER_ALARMS_PARENT } from "../../infra/components/alarms";
import type { AlarmSpec } from "../../infra/plan/alarms";

function spec(index: number): AlarmSpec {
  return {
    logicalName: `site-${index}-availability`,
    alarmName: `webhealth-beta-site-${index}-availability`,
    description: "test",
    kind: "availability",
    region: "us-east-1",
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    threshold: 99.5,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    treatMissingData: "breaching",
    notify: true,
    metric: { namespace: "WebHealth", metricName: "Check", dimensions: { Url: `https://site-${index}.example.com/` }, stat: "PR(5000000:20000000)", period: 60 },
  };
}

function outputValue<T>(value: pulumi.Input<T>): Promise<T> {
  return (pulumi.output(value) as unknown as { promise(): Promise<T> }).promise();
}

describe("alarm registration", function () {
  this.timeout(60_000);

  it(`registers at most ${ALARM_BATCH_SIZE} alarms at a time, top-level, each aliased to its former parent`, async () => {
    // Prepare
    let registeredAlarms = 0;
    let constructedAlarms = 0;
    let mostInFlight = 0;
    const aliases: unknown[] = [];
    let stackChildren: Set<unknown> | undefined;
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          if (args.type === "aws:cloudwatch/metricAlarm:MetricAlarm") registeredAlarms += 1;
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: () => ({}),
      },
      "webhealth",
      "beta",
      false,
    );

    // Act
    const count = await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        if (args.type === "aws:cloudwatch/metricAlarm:MetricAlarm") {
          constructedAlarms += 1;
          mostInFlight = Math.max(mostInFlight, constructedAlarms - registeredAlarms);
          aliases.push(...(args.opts.aliases ?? []));
          expect(args.opts.parent, "no component parent: the alarm is top-level").to.equal(undefined);
        }
        return undefined;
      });
      const created = await createAlarms({ specs: Array.from({ length: ALARM_BATCH_SIZE + 10 }, (_, i) => spec(i)), topicArn: "arn:aws:sns:us-east-1:123456789012:t" }, {});
      const kept = new aws.sns.Topic("kept");
      stackChildren = (kept as unknown as { __parentResource: { __childResources: Set<unknown> } }).__parentResource.__childResources;
      return { count: created };
    });

    // Assess
    expect((count as { count: number }).count).to.equal(ALARM_BATCH_SIZE + 10);
    expect(registeredAlarms).to.equal(ALARM_BATCH_SIZE + 10);
    expect(mostInFlight).to.equal(ALARM_BATCH_SIZE);
    const parents = await Promise.all(aliases.map((alias) => outputValue((alias as { parent: pulumi.Input<string> }).parent)));
    expect(new Set(parents)).to.deep.equal(new Set([`urn:pulumi:beta::webhealth::${FORMER_ALARMS_PARENT.type}::${FORMER_ALARMS_PARENT.name}`]));
    expect(parents.length).to.equal(ALARM_BATCH_SIZE + 10);
    const kept = [...(stackChildren ?? [])].map((child) => (child as { __pulumiType: string }).__pulumiType);
    expect(kept, "the stack lets the registered alarms go; other top-level resources stay").to.deep.equal(["aws:sns/topic:Topic"]);
  });
});
