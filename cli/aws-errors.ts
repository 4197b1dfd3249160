/**
 * AWS failures that are the caller's setup rather than a failed operation, recognised by the names
 * the AWS SDK for JavaScript v3 gives them (no SDK import: this file is loaded by every command).
 * Each becomes exit 2 with a message that says what to fix; an action AWS refused is named.
 */

/** Error names for credentials that are missing, invalid or expired. */
const BAD_CREDENTIALS = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
  "TokenRefreshRequired",
]);

/** Error names for a request the credentials are not allowed to make (query and JSON protocols). */
const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"]);

/** The IAM action an error names (`... is not authorized to perform: cloudwatch:GetMetricData on ...`). */
function actionInMessage(message: string): string | undefined {
  return /perform: ([A-Za-z0-9-]+:[A-Za-z0-9*]+)/.exec(message)?.[1];
}

/** The action a call was making, attached by `withAction`. */
const ACTION = Symbol("webhealth.awsAction");

/**
 * Runs one AWS call and tags a failure with the IAM action it needed (`cloudwatch:GetMetricData`),
 * so a refusal can name it even when AWS's message does not.
 */
export async function withAction<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error !== null && typeof error === "object") Object.defineProperty(error, ACTION, { value: action, configurable: true });
    throw error;
  }
}

/**
 * The message for a setup failure (credentials, region, permission), or undefined when the error
 * is something else (a network error, a missing table, a bug).
 */
export function describeAwsFailure(error: unknown): string | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const { name = "", message = "" } = error as Error;
  const action = (error as { [ACTION]?: string })[ACTION];
  if (name === "CredentialsProviderError" || /Could not load credentials from any providers/.test(message)) {
    return (
      "no AWS credentials: the AWS SDK found none (environment variables, a profile in ~/.aws, SSO, or a role). " +
      "Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run again"
    );
  }
  if (/Region is missing/i.test(message)) return "no AWS region: set AWS_REGION (or a region in your AWS profile)";
  if (BAD_CREDENTIALS.has(name)) return `the AWS credentials were refused (${name}: ${message}): refresh or replace them`;
  if (ACCESS_DENIED.has(name)) {
    const denied = actionInMessage(message) ?? action;
    return `the AWS credentials lack a permission${denied ? `: ${denied}` : ""} (${name}: ${message})${denied ? `; allow ${denied} to the identity you run as` : ""}`;
  }
  return undefined;
}
