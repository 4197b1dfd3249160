/**
 * Secrets that targets use by name (`{ "secret": "<name>" }` as a header value): the name rule, where
 * a secret is found locally (an environment variable) and when deployed (an SSM parameter), and
 * redaction, so a value never reaches an output.
 */

/** Letters, digits, `_`, `.` and `-`, starting with a letter or digit: safe in an SSM parameter name. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const SECRET_NAME_RULE = "must be 1-128 letters, digits, _ . or -, starting with a letter or digit";

export function isSecretName(name: string): boolean {
  return SECRET_NAME_PATTERN.test(name);
}

/** `WEBHEALTH_SECRET_<NAME>`: upper-cased, every character other than A-Z and 0-9 replaced by `_`. */
export function secretEnvName(name: string): string {
  return `WEBHEALTH_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** The SSM parameter holding a stage's secret: `/webhealth/<stage>/secrets/<name>`. */
export function secretParameterName(stage: string, name: string): string {
  return `${secretParameterPath(stage)}${name}`;
}

/** The path every secret parameter of a stage lives under (with the trailing slash). */
export function secretParameterPath(stage: string): string {
  return `/webhealth/${stage}/secrets/`;
}

export const REDACTED = "***";

/** Replaces every occurrence of each value in `text` (longest first, so a value inside another is covered). */
export function redact(text: string, values: Iterable<string>): string {
  const ordered = [...new Set(values)].filter((value) => value.length > 0).sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of ordered) out = out.split(value).join(REDACTED);
  return out;
}
