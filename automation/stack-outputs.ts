/**
 * Reads and checks the stack outputs (the contract in infra/outputs.ts) before the driver acts on
 * them: a missing or mistyped field fails with its path, never as an `undefined` deep in an AWS call.
 */
import * as z from "zod";
import type { CanaryFunctionOutput, HeartbeatOutput, SelfAlarmOutput, StackOutputs } from "../infra/outputs";
import { validate, ValidationError } from "../functions/common/targets";
import { DeployError, type DeployStack } from "./engine";

const text = z.string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") }).min(1, { error: "must not be empty" });

const CanaryFunctionSchema = z.object({
  region: text,
  functionName: text,
  alias: text,
  version: text.regex(/^\d+$/, { error: "must be a published version number (not $LATEST)" }),
  codeDeployApplication: text,
  deploymentGroup: text,
  hookFunctionName: text,
}) satisfies z.ZodType<CanaryFunctionOutput>;

const SelfAlarmSchema = z.object({ name: text, region: text, kind: text }) satisfies z.ZodType<SelfAlarmOutput>;

const HeartbeatSchema = z.object({
  probeRegion: text,
  namespace: text,
  metricName: text,
  dimensions: z.record(z.string(), z.string()),
  periodSeconds: z.number().int().positive(),
}) satisfies z.ZodType<HeartbeatOutput>;

export const StackOutputsSchema = z.object({
  stage: text,
  homeRegion: text,
  topicArn: text.regex(/^arn:aws[a-z-]*:sns:/, { error: "must be an SNS topic ARN" }),
  alarmTableName: text,
  dashboardUrl: text,
  alarmNamePrefix: text,
  canaryFunctions: z.record(z.string(), CanaryFunctionSchema, { error: (issue) => (issue.input === undefined ? "is required" : "must be an object") }),
  estimatedMonthlyCostUsd: z.number({ error: (issue) => (issue.input === undefined ? "is required" : "must be a number") }),
  // Added later: stacks deployed before have none.
  estimatedMonthlyCostLineItemsUsd: z
    .object({
      customMetrics: z.number(),
      alarms: z.number(),
      lambda: z.number(),
      logs: z.number(),
      kms: z.number(),
      apiRequests: z.number(),
      dashboard: z.number(),
      notifications: z.number(),
      alarmLedger: z.number(),
    })
    .optional(),
  // Optional: a stack deployed by an older program has none until its next up (rollback and outputs must still work).
  selfAlarms: z.array(SelfAlarmSchema).optional(),
  heartbeats: z.array(HeartbeatSchema).optional(),
  emailTopicArn: text.regex(/^arn:aws[a-z-]*:sns:/, { error: "must be an SNS topic ARN" }).optional(),
  operatorsTopicArn: text.regex(/^arn:aws[a-z-]*:sns:/, { error: "must be an SNS topic ARN" }).optional(),
}) satisfies z.ZodType<StackOutputs>;

/** Checks raw output values; errors read `stack beta outputs: canaryFunctions.recorder.version: is required`. */
export function parseStackOutputs(stage: string, values: Record<string, unknown>): StackOutputs {
  if (Object.keys(values).length === 0) {
    throw new DeployError(`stack ${stage} has no outputs: it has not been deployed yet (run up first)`);
  }
  try {
    return validate(StackOutputsSchema, values, "");
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new DeployError(`stack ${stage} outputs do not match infra/outputs.ts:\n${error.problems.map((problem) => `  ${problem}`).join("\n")}`);
    }
    throw error;
  }
}

export async function readStackOutputs(stack: DeployStack, stage: string): Promise<StackOutputs> {
  return parseStackOutputs(stage, await stack.outputs());
}
