/**
 * The deployed probe's secrets: the SSM SecureString parameters of the secrets its targets name,
 * read with Powertools' SSMProvider (GetParameters in batches of 10, decrypted, cached for
 * SECRET_CACHE_SECONDS per container). A read that fails fails only the targets that need that
 * secret (SECRET), with the reason; the other targets are probed as usual. Values stay in memory.
 */
import { SSMClient } from "@aws-sdk/client-ssm";
import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { secretReferences, type Target } from "../common/targets";
import type { SecretValues } from "./request";

/**
 * How long a value is reused before it is read again: a rotated secret reaches the probe within
 * five minutes, and a shard's container reads each parameter about once per five runs.
 */
export const SECRET_CACHE_SECONDS = 300;
/** One GetParameters normally takes tens of milliseconds; a hung one must not eat the probe's minute. */
export const SECRET_REQUEST_TIMEOUT_MS = 2_000;

/** The names of every secret the targets use, each once, sorted. */
export function secretNamesOf(targets: readonly Target[]): string[] {
  return [...new Set(targets.flatMap((target) => secretReferences(target).map((reference) => reference.name)))].sort();
}

/** `endpoint` and `requestTimeoutMs` exist for tests against a local server; the probe passes the region only. */
export function createSecretsClient(region: string | undefined, options: { endpoint?: string; requestTimeoutMs?: number } = {}): SSMClient {
  return new SSMClient({
    region,
    endpoint: options.endpoint,
    maxAttempts: 2,
    // Without throwOnRequestTimeout, @smithy/node-http-handler 4.x only warns when requestTimeout
    // passes, and a hung GetParameters would hold every target until Lambda ends the invocation.
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? SECRET_REQUEST_TIMEOUT_MS, connectionTimeout: 1_000, throwOnRequestTimeout: true },
  });
}

/** The provider of one container: its cache outlives invocations. */
export function createSecretsProvider(client: SSMClient): SSMProvider {
  return new SSMProvider({ awsSdkV3Client: client });
}

/** "AccessDeniedException: ..." for a message, without the SDK's request metadata. */
function reasonOf(error: unknown): Error {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const name = (cause as Error).name && (cause as Error).name !== "Error" ? `${(cause as Error).name}: ` : "";
  return new Error(`${name}${(cause as Error).message ?? String(cause)}`);
}

/**
 * Reads the named secrets under `parameterPath`. Every name gets a value or the reason it could not
 * be read. One batch for all; if the batch fails as a whole (throttled, denied, a key it cannot
 * decrypt), each name is read on its own so that one bad parameter costs only its own targets.
 */
export async function readSecrets(provider: SSMProvider, parameterPath: string, names: readonly string[]): Promise<SecretValues> {
  const values = new Map<string, string | Error>();
  if (names.length === 0) return values;
  const parameterOf = (name: string) => `${parameterPath}${name}`;
  const options = { decrypt: true, maxAge: SECRET_CACHE_SECONDS };
  try {
    const batch = (await provider.getParametersByName(Object.fromEntries(names.map((name) => [parameterOf(name), {}])), { ...options, throwOnError: false })) as Record<string, unknown> & {
      _errors?: string[];
    };
    for (const name of names) {
      const value = batch[parameterOf(name)];
      if (typeof value === "string") values.set(name, value);
      else values.set(name, new Error(`parameter ${parameterOf(name)} ${batch._errors?.includes(parameterOf(name)) ? "does not exist" : "has no value"}`));
    }
    return values;
  } catch {
    // The batch as a whole failed: find out which parameters are at fault.
  }
  await Promise.all(
    names.map(async (name) => {
      try {
        const value = await provider.get(parameterOf(name), options);
        values.set(name, typeof value === "string" ? value : new Error(`parameter ${parameterOf(name)} has no value`));
      } catch (error) {
        values.set(name, reasonOf(error));
      }
    }),
  );
  return values;
}
