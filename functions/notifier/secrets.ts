/**
 * Reading the channels' secrets (webhook URLs, routing keys, signing keys) from SSM Parameter
 * Store: GetParameters in batches of 10 with decryption (SSM decrypts with the stage's KMS key,
 * using the notifier's own kms:Decrypt), cached for 5 minutes per container so a burst of alarms
 * reads each secret once. Behind a small interface so tests and `npm run notify -- --preview`
 * (which reads no secret) can pass their own. The call is written here, not left to a library,
 * so the IAM contract tests see it (tests/contracts/function-calls.ts reads the code).
 */
import { GetParametersCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { SecretUse } from "../common/notifier-config";

export const SECRET_CACHE_SECONDS = 300;
/** GetParameters takes at most 10 names. https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html */
export const GET_PARAMETERS_MAX_NAMES = 10;

export interface SecretSource {
  /** Parameter name -> value for every use; a parameter that cannot be read is in `missing` with the reason. */
  read(uses: readonly SecretUse[]): Promise<{ values: Map<string, string>; missing: Map<string, string> }>;
}

export function ssmSecretSource(client: SSMClient, now: () => number = Date.now): SecretSource {
  const cache = new Map<string, { value: string; until: number }>();
  return {
    async read(uses) {
      const values = new Map<string, string>();
      const missing = new Map<string, string>();
      const wanted = [...new Set(uses.map((use) => use.parameter))];
      const stale = wanted.filter((name) => {
        const cached = cache.get(name);
        if (cached && cached.until > now()) values.set(name, cached.value);
        return !values.has(name);
      });
      for (let start = 0; start < stale.length; start += GET_PARAMETERS_MAX_NAMES) {
        const names = stale.slice(start, start + GET_PARAMETERS_MAX_NAMES);
        try {
          const answer = await client.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
          for (const parameter of answer.Parameters ?? []) {
            if (parameter.Name && parameter.Value !== undefined) {
              values.set(parameter.Name, parameter.Value);
              cache.set(parameter.Name, { value: parameter.Value, until: now() + SECRET_CACHE_SECONDS * 1000 });
            }
          }
          for (const name of answer.InvalidParameters ?? []) missing.set(name, "the parameter does not exist");
        } catch (error) {
          for (const name of names) missing.set(name, `${(error as Error).name}: ${(error as Error).message}`);
        }
      }
      for (const name of wanted) if (!values.has(name) && !missing.has(name)) missing.set(name, "no value");
      return { values, missing };
    },
  };
}

/** Fixed values (tests, local runs). */
export function staticSecretSource(values: Record<string, string>): SecretSource {
  return {
    async read(uses) {
      const found = new Map<string, string>();
      const missing = new Map<string, string>();
      for (const use of uses) {
        const value = values[use.parameter];
        if (value === undefined) missing.set(use.parameter, "the parameter does not exist or cannot be read");
        else found.set(use.parameter, value);
      }
      return { values: found, missing };
    },
  };
}
