/**
 * What a target sends: method, headers (secrets resolved), body; and how a redirect changes it.
 * Credentials never follow a redirect to another origin (the rule browsers apply to Authorization:
 * https://fetch.spec.whatwg.org/#http-redirect-fetch), and a secret's value never leaves this module
 * except in the request itself.
 */
import { isSecretRef, TARGET_DEFAULTS, type Target } from "../common/targets";

/** A secret's value, or why it could not be read. Keyed by the secret's name. */
export type SecretValues = ReadonlyMap<string, string | Error>;

/** Headers that carry credentials whatever their value: dropped when a redirect leaves the origin. */
export const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"] as const;
/** Headers that describe the body: dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = ["content-type", "content-encoding", "content-language", "content-location"];

/** What Node accepts in a header value. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export interface PreparedRequest {
  method: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: string;
  /** Lower-case names of the headers dropped when a redirect leaves the origin. */
  credentialHeaders: ReadonlySet<string>;
  /** The secret values this request carries: redacted from every message. */
  secretValues: string[];
}

/**
 * The first request of a target: the engine's defaults (user agent, `accept`, identity encoding),
 * overridden by the target's own headers, secrets resolved. A secret that is missing or unreadable
 * is returned as an error naming it: the target fails with SECRET and nothing is sent.
 */
export function prepareRequest(target: Target, secrets: SecretValues | undefined, userAgent: string): PreparedRequest | { error: string } {
  const headers: Record<string, string> = { "user-agent": userAgent, accept: "*/*" };
  const credentialHeaders = new Set<string>(CREDENTIAL_HEADERS);
  const secretValues: string[] = [];
  for (const [name, value] of Object.entries(target.request?.headers ?? {})) {
    const key = name.toLowerCase();
    if (!isSecretRef(value)) {
      headers[key] = value;
      continue;
    }
    const resolved = secrets?.get(value.secret);
    if (resolved === undefined) return { error: `request.headers.${name}: secret "${value.secret}" is not available to this probe` };
    if (resolved instanceof Error) return { error: `request.headers.${name}: secret "${value.secret}" could not be read: ${resolved.message}` };
    if (!HEADER_VALUE.test(resolved)) return { error: `request.headers.${name}: secret "${value.secret}" is not a valid header value (it contains a line break or another control character)` };
    headers[key] = resolved;
    credentialHeaders.add(key);
    secretValues.push(resolved);
  }
  // Last, so that no target header can ask for a compressed body: assertions read it as sent.
  headers["accept-encoding"] = "identity";
  return { method: target.request?.method ?? TARGET_DEFAULTS.method, headers, body: target.request?.body, credentialHeaders, secretValues };
}

/**
 * The request for the next hop of a redirect. Leaving the origin (scheme, host or port) drops every
 * credential header, for the rest of the chain, and a `host` the target set (it names the first
 * origin's virtual host: another origin gets its own, as curl sends a custom Host to the first host
 * only). 303, and 301/302 after a POST, continue as a GET without the body (what browsers and curl
 * do); 307 and 308 repeat the method and the body.
 */
export function redirectRequest(current: PreparedRequest, status: number, from: URL, to: URL): PreparedRequest {
  const headers = { ...current.headers };
  if (from.origin !== to.origin) {
    for (const name of current.credentialHeaders) delete headers[name];
    delete headers.host;
  }
  const becomesGet = (status === 303 && current.method !== "GET" && current.method !== "HEAD") || ((status === 301 || status === 302) && current.method === "POST");
  if (!becomesGet) return { ...current, headers };
  for (const name of BODY_HEADERS) delete headers[name];
  return { ...current, method: "GET", headers, body: undefined };
}
