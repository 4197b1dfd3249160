/**
 * Reading the channels' secrets (webhook URLs, routing keys, signing keys) from SSM Parameter
 * Store: Powertools' SSM provider, GetParameters in batches of 10 with decryption, cached for
 * 5 minutes per container. Behind a small interface so tests and `npm run notify -- --preview`
 * (which reads no secret) can pass their own.
 */
import type { SSMClient } from "@aws-sdk/client-ssm";
import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import type { SecretUse } from "../common/notifier-config";

export const SECRET_CACHE_SECONDS = 300;

export interface SecretSource {
  /** Parameter name -> value for every use; a parameter that cannot be read is in `missing` with the reason. */
  read(uses: readonly SecretUse[]): Promise<{ values: Map<string, string>; missing: Map<string, string> }>;
}

export function ssmSecretSource(client: SSMClient): SecretSource {
  const provider = new SSMProvider({ awsSdkV3Client: client });
  return {
    async read(uses) {
      const values = new Map<string, string>();
      const missing = new Map<string, string>();
      if (uses.length === 0) return { values, missing };
      const request = Object.fromEntries(uses.map((use) => [use.parameter, {}]));
      try {
        const answer = (await provider.getParametersByName(request, { decrypt: true, maxAge: SECRET_CACHE_SECONDS, throwOnError: false })) as Record<string, unknown> & { _errors?: string[] };
        for (const use of uses) {
          const value = answer[use.parameter];
          if (typeof value === "string") values.set(use.parameter, value);
          else missing.set(use.parameter, answer._errors?.includes(use.parameter) ? "the parameter does not exist or cannot be read" : "no value");
        }
      } catch (error) {
        for (const use of uses) missing.set(use.parameter, `${(error as Error).name}: ${(error as Error).message}`);
      }
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
