/** IAM and resource policy documents, written as data so the synth output shows them whole. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { isStandardStatistic, type AlarmSpec } from "../plan/alarms";

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow";
  Principal?: Record<string, pulumi.Input<string> | pulumi.Input<string>[]>;
  Action: string[];
  Resource: pulumi.Input<string> | pulumi.Input<string>[];
  Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

export function policyDocument(statements: PolicyStatement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * A role that only the given AWS service may assume. No aws:SourceAccount condition: not every
 * service sets it when it assumes a service role, and a role nobody can assume would fail the
 * first deployment. Only principals of this account with iam:PassRole can hand the role over.
 */
export function assumeRolePolicy(service: string): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

/**
 * A queue policy statement letting an AWS service send to a dead-letter queue for one source only
 * (`aws:SourceArn`), so no other topic or rule of any account can fill it.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html
 */
export function serviceSendsToQueue(
  sid: string,
  service: "sns.amazonaws.com" | "events.amazonaws.com",
  queueArn: pulumi.Input<string>,
  condition: NonNullable<PolicyStatement["Condition"]>,
): PolicyStatement {
  return { Sid: sid, Effect: "Allow", Principal: { Service: service }, Action: ["sqs:SendMessage"], Resource: queueArn, Condition: condition };
}

/** Writing to the function's own log group only (the program creates the group, so no CreateLogGroup). */
export function logStatements(partition: pulumi.Input<string>, region: string, accountId: pulumi.Input<string>, logGroupName: string): PolicyStatement[] {
  return [
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:${logGroupName}:*`,
    },
  ];
}

/**
 * The inputs of a MetricAlarm from its spec; `topicArn` receives ALARM and OK when the spec
 * notifies, and `operatorsTopicArn` too when the spec notifies operators directly.
 */
export function metricAlarmArgs(spec: AlarmSpec, topicArn?: pulumi.Input<string>, operatorsTopicArn?: pulumi.Input<string>): aws.cloudwatch.MetricAlarmArgs {
  const actions: pulumi.Input<string>[] = [];
  if (spec.notify && topicArn) actions.push(topicArn);
  if (spec.notifyOperators && operatorsTopicArn) actions.push(operatorsTopicArn);
  const { metric } = spec;
  return {
    name: spec.alarmName,
    alarmDescription: spec.description,
    comparisonOperator: spec.comparisonOperator,
    threshold: spec.threshold,
    evaluationPeriods: spec.evaluationPeriods,
    datapointsToAlarm: spec.datapointsToAlarm,
    treatMissingData: spec.treatMissingData,
    actionsEnabled: true,
    alarmActions: actions,
    okActions: actions,
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensions: metric.dimensions,
    // PutMetricAlarm takes either Statistic or ExtendedStatistic (percentiles, PR(n:m)...), never both.
    ...(isStandardStatistic(metric.stat) ? { statistic: metric.stat } : { extendedStatistic: metric.stat }),
    period: metric.period,
  };
}
