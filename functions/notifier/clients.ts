/**
 * The notifier's AWS clients, each with a request timeout: an AWS endpoint that accepts a
 * connection and never answers must not hold a delivery (or the secrets every channel waits for,
 * or the delivery record) until Lambda ends the invocation. A request that has not answered in
 * time fails like a network error, which the caller already handles: the e-mail channel retries it
 * within its deadline (deliver.ts), a Logs Insights query is reported as unavailable, a secret as
 * unreadable, a dead letter as not sent.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";

/**
 * These calls answer in milliseconds; 5 s is far beyond that and, with the SDK's 3 attempts, leaves
 * most of the notifier's 60 s for the channels. (DynamoDB's are in functions/recorder/dynamo.ts.)
 */
export const NOTIFIER_AWS_TIMEOUTS = { requestTimeoutMs: 5_000, connectionTimeoutMs: 1_000 } as const;

export interface ClientOptions {
  region?: string;
  /** Tests only: a local endpoint and shorter timeouts. */
  endpoint?: string;
  timeouts?: Partial<Record<keyof typeof NOTIFIER_AWS_TIMEOUTS, number>>;
}

function config(options: ClientOptions, maxAttempts?: number) {
  const timeouts = { ...NOTIFIER_AWS_TIMEOUTS, ...options.timeouts };
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(maxAttempts ? { maxAttempts } : {}),
    // Without throwOnRequestTimeout, @smithy/node-http-handler 4.x only logs a warning when requestTimeout passes.
    requestHandler: { requestTimeout: timeouts.requestTimeoutMs, connectionTimeout: timeouts.connectionTimeoutMs, throwOnRequestTimeout: true },
  };
}

/** SNS for e-mail: one attempt per call, the notifier's own retry policy decides (deliver.ts). */
export const snsClient = (options: ClientOptions = {}) => new SNSClient(config(options, 1));
export const sqsClient = (options: ClientOptions = {}) => new SQSClient(config(options));
export const ssmClient = (options: ClientOptions = {}) => new SSMClient(config(options));
export const cloudWatchClient = (options: ClientOptions = {}) => new CloudWatchClient(config(options));
export const logsClient = (options: ClientOptions = {}) => new CloudWatchLogsClient(config(options));
