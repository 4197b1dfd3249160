/** The notifier's settings: its environment (set by the Pulumi program) and its configuration file. */
import * as fs from "node:fs";
import * as path from "node:path";
import * as z from "zod/mini";
import { NOTIFIER_CONFIG_FILE, NOTIFIER_ENV } from "../common/contract";
import { NotifierRuntimeConfigSchema, type NotifierRuntimeConfig } from "../common/notifier-config";
import { validate } from "../common/schema-kit";
import { DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS } from "../recorder/config";

export interface NotifierSettings {
  tableName: string;
  retentionDays: number;
  emailTopicArn: string;
  deadLetterQueueUrl: string;
  config: NotifierRuntimeConfig;
}

const required = (what: string) => z.string({ error: `is required (${what})` }).check(z.minLength(1, { error: `is required (${what})` }));

const EnvSchema = z.object({
  [NOTIFIER_ENV.tableName]: required("the alarm ledger table"),
  [NOTIFIER_ENV.retentionDays]: z.optional(
    z.pipe(z.string().check(z.regex(/^\d+$/, { error: `must be a whole number of days (1-${MAX_RETENTION_DAYS})` })), z.transform(Number)),
  ),
  [NOTIFIER_ENV.emailTopicArn]: required("the e-mail topic"),
  [NOTIFIER_ENV.deadLetterQueueUrl]: required("the notifier's dead-letter queue"),
});

/** Reads and checks the configuration file shipped next to the bundle. */
export function readRuntimeConfig(file = path.join(__dirname, NOTIFIER_CONFIG_FILE)): NotifierRuntimeConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${NOTIFIER_CONFIG_FILE}: cannot be read (${(error as Error).message})`, { cause: error });
  }
  return validate(NotifierRuntimeConfigSchema, raw, NOTIFIER_CONFIG_FILE) as NotifierRuntimeConfig;
}

export function readNotifierSettings(env: NodeJS.ProcessEnv, config: NotifierRuntimeConfig): NotifierSettings {
  const parsed = validate(EnvSchema, { ...env }, "env");
  return {
    tableName: parsed[NOTIFIER_ENV.tableName],
    retentionDays: parsed[NOTIFIER_ENV.retentionDays] ?? DEFAULT_RETENTION_DAYS,
    emailTopicArn: parsed[NOTIFIER_ENV.emailTopicArn],
    deadLetterQueueUrl: parsed[NOTIFIER_ENV.deadLetterQueueUrl],
    config,
  };
}
