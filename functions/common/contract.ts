/**
 * Contracts between the Lambda functions, the Pulumi program that configures them and the tools
 * that invoke them (the pre-traffic hook, the deploy driver's `verify`).
 */

/** Environment variables the Pulumi program sets on the probe function. */
export const PROBE_ENV = {
  /** CloudWatch namespace for every metric (default `WebHealth`). */
  namespace: "METRICS_NAMESPACE",
  /** The home region metrics are published to, whatever region the probe runs in. */
  metricsRegion: "METRICS_REGION",
  /** Set to the probe's own region when the stage probes from several regions: the heartbeat's `Region` dimension. */
  regionDimension: "METRICS_REGION_DIMENSION",
  /** "true" or "false": publish the opt-in phase metrics (DnsTime, ConnectTime, TlsTime, TimeToFirstByte, TransferTime). */
  phaseMetrics: "PHASE_METRICS",
  /** Targets probed at once inside one invocation. */
  concurrency: "PROBE_CONCURRENCY",
  /** The SSM path of the stage's secret parameters (`/webhealth/<stage>/secrets/`); unset when the stage has none. */
  secretsPath: "SECRETS_PARAMETER_PATH",
  /** The region of those parameters (the home region, where the stage's KMS key is). */
  secretsRegion: "SECRETS_REGION",
  /** The certificate alarm's threshold in days: a result warns CERTIFICATE below it. */
  certificateDays: "CERTIFICATE_WARNING_DAYS",
  /** The latency alarm's threshold for targets without `latencyMs`: a result warns SLOW above it. */
  defaultLatencyMs: "DEFAULT_LATENCY_MS",
} as const;

/** Environment variables the Pulumi program sets on the recorder function. */
export const RECORDER_ENV = {
  tableName: "ALARM_TABLE_NAME",
  /** Days an alarm item is kept before DynamoDB's TTL removes it. */
  retentionDays: "ALARM_RETENTION_DAYS",
} as const;

/** Environment variables the Pulumi program sets on the notifier function. Everything else it needs
 * (channels, alarms, maintenance windows) is in NOTIFIER_CONFIG_FILE inside its code archive, so a
 * configuration change ships as a new version through the same canary as a code change. */
export const NOTIFIER_ENV = {
  tableName: "ALARM_TABLE_NAME",
  retentionDays: "ALARM_RETENTION_DAYS",
  /** The topic the notifier publishes readable e-mails to (one subscription filter per e-mail channel). */
  emailTopicArn: "EMAIL_TOPIC_ARN",
  /** Where a delivery that failed after its retries is kept (the notifier's dead-letter queue). */
  deadLetterQueueUrl: "DEAD_LETTER_QUEUE_URL",
} as const;

/** The notifier's configuration file, next to `index.js` in its archive (see functions/common/notifier-config.ts). */
export const NOTIFIER_CONFIG_FILE = "notifier-config.json";

/** The recorder's maintenance windows, next to `index.js` in its archive when the stage has any
 * (functions/recorder/config.ts): the recorder marks a change made during one itself, whether or not
 * the notifier runs. */
export const RECORDER_CONFIG_FILE = "recorder-config.json";

/** Environment variables the Pulumi program sets on the CodeDeploy pre-traffic hook. */
export const HOOK_ENV = {
  /** JSON of the event the hook sends to the new version (a self-test event). */
  selfTestEvent: "SELF_TEST_EVENT",
} as const;

/**
 * Every function that ships through CodeDeploy answers `{ "selfTest": true, ... }` without side
 * effects (no metrics, no ledger writes) with a SelfTestReport. The pre-traffic hook and the
 * driver's `verify` both rely on `passed`.
 */
export interface SelfTestReport {
  selfTest: true;
  passed: boolean;
  /** One line per check, human-readable, for the hook's log and the driver's output. */
  checks: Array<{ name: string; passed: boolean; detail?: string }>;
}

/**
 * The Lambda runtime of every function and the Node.js the bundles are compiled for: one pair, so
 * the bundle never uses syntax or APIs the runtime lacks. nodejs24.x takes async handlers only
 * (callback-style handlers were removed), which is all these functions export.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
 */
export const LAMBDA_RUNTIME = "nodejs24.x";
export const BUNDLE_TARGET = "node24";

/** The name of the alias that CodeDeploy moves between versions. */
export const LIVE_ALIAS = "live";

/**
 * How `verify`'s test alarm notification is marked, and the filter policy every human-facing
 * subscription of the alarm topic carries so the test never reaches a person (the recorder's
 * subscription has none: it records the test, and the driver deletes the item).
 *
 * The mark is both a message attribute (for subscribers that read attributes, e.g. a Lambda) and a
 * property of the message body, and the filter works on the body: an attribute filter policy only
 * accepts messages that carry attributes, even `"exists": false` ("only matches if at least one
 * attribute is present"), and CloudWatch's own alarm notifications carry none, so an attribute
 * filter would drop every real alarm.
 * https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html
 * https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering-scope.html
 */
export const TEST_NOTIFICATION = {
  /** The message attribute (String "true") and the body property (true) that mark a test. */
  marker: "WebhealthTest",
} as const;

/** SNS `FilterPolicyScope` of a human-facing subscription: the policy applies to the message body. */
export const HUMAN_FILTER_POLICY_SCOPE = "MessageBody";

/** The filter policy of a human-facing subscription: drops messages whose body carries the test marker. */
export const HUMAN_FILTER_POLICY: Readonly<Record<string, ReadonlyArray<{ exists: boolean }>>> = { [TEST_NOTIFICATION.marker]: [{ exists: false }] };

/** The subscription protocols that reach people (e-mail, SMS, webhooks such as chat or paging relays): each must carry HUMAN_FILTER_POLICY. */
export const HUMAN_PROTOCOLS = ["email", "email-json", "sms", "http", "https"] as const;

/** The alarm names of `npm run deploy -- verify`'s test notifications (`webhealth-verify-<stage>-<id>`):
 * the recorder records them, the notifier never sends them to people. */
export const VERIFY_ALARM_PREFIX = "webhealth-verify-";
