/**
 * Every IAM policy document of a synthesised plan, with its kind: role trust policies, inline
 * role policies, the KMS key policy, topic and queue policies, and the function policy statement
 * Lambda builds from each `aws.lambda.Permission` (AddPermission: the principal, the action, the
 * function ARN with its qualifier, `ArnLike AWS:SourceArn`, as the Lambda developer guide shows it:
 * https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html).
 */
import { MOCK_ACCOUNT_ID, type SynthRecord } from "../../infra/synth";
import type { DocumentKind } from "./iam";

export interface PlanPolicy {
  /** `<type> <logical name>[ <field>]`. */
  where: string;
  kind: DocumentKind;
  document: { Version?: string; Statement: Array<Record<string, unknown>> };
  record: SynthRecord;
}

function parsed(value: unknown): PlanPolicy["document"] {
  return (typeof value === "string" ? JSON.parse(value) : value) as PlanPolicy["document"];
}

/** The ARN of a function (and qualifier) a permission names, in the permission's region. */
export function permissionFunctionArn(record: SynthRecord, homeRegion: string): string {
  const fn = String(record.inputs.function);
  const base = fn.startsWith("arn:") ? fn : `arn:aws:lambda:${record.region ?? homeRegion}:${MOCK_ACCOUNT_ID}:function:${fn}`;
  return record.inputs.qualifier ? `${base}:${record.inputs.qualifier}` : base;
}

/** The statement Lambda adds to the function's resource policy for one permission. */
export function permissionStatement(record: SynthRecord, homeRegion: string): Record<string, unknown> {
  const { inputs } = record;
  const condition: Record<string, Record<string, string>> = {};
  if (inputs.sourceArn) condition.ArnLike = { "AWS:SourceArn": String(inputs.sourceArn) };
  if (inputs.sourceAccount) condition.StringEquals = { "AWS:SourceAccount": String(inputs.sourceAccount) };
  return {
    Sid: record.name,
    Effect: "Allow",
    Principal: { Service: String(inputs.principal) },
    Action: String(inputs.action),
    Resource: permissionFunctionArn(record, homeRegion),
    ...(Object.keys(condition).length ? { Condition: condition } : {}),
  };
}

export function planPolicies(records: readonly SynthRecord[], homeRegion: string): PlanPolicy[] {
  const policies: PlanPolicy[] = [];
  for (const record of records) {
    const where = `${record.type} ${record.name}`;
    switch (record.type) {
      case "aws:iam/role:Role":
        policies.push({ where: `${where} assumeRolePolicy`, kind: "trust", document: parsed(record.inputs.assumeRolePolicy), record });
        break;
      case "aws:iam/rolePolicy:RolePolicy":
        policies.push({ where, kind: "identity", document: parsed(record.inputs.policy), record });
        break;
      case "aws:kms/key:Key":
      case "aws:sns/topicPolicy:TopicPolicy":
      case "aws:sqs/queuePolicy:QueuePolicy":
        if (record.inputs.policy !== undefined) policies.push({ where, kind: "resource", document: parsed(record.inputs.policy), record });
        break;
      case "aws:lambda/permission:Permission":
        policies.push({ where, kind: "resource", document: { Version: "2012-10-17", Statement: [permissionStatement(record, homeRegion)] }, record });
        break;
      default:
        break;
    }
  }
  return policies;
}
