/**
 * Secrets: values a stage keeps in `webhealth:secrets` (name -> value) and that targets and
 * channels refer to by name only. One definition of what a secret's name may be and where it
 * lives: in SSM Parameter Store when deployed, in `WEBHEALTH_SECRET_<NAME>` when run locally.
 */

/** What every output shows instead of a secret's value (synth output, logs, tables, errors). */
export const REDACTED = "[secret]";

/** Letters, digits, `_`, `.` and `-`, starting with a letter or digit: a name that reads the same
 * in a config key path, an SSM parameter name and (upper-cased) an environment variable. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const SECRET_NAME_RULE = "1-64 letters, digits, _ . or -, starting with a letter or digit";

export const SECRET_LIMITS = {
  /** A standard-tier SecureString parameter holds at most 4 KB.
   * https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html */
  maxValueBytes: 4096,
} as const;

/** The environment variable `npm run probe` reads a secret from: `WEBHEALTH_SECRET_` and the name
 * upper-cased, every character other than A-Z and 0-9 replaced by `_` (`api.token` -> `WEBHEALTH_SECRET_API_TOKEN`). */
export function secretEnvVarName(name: string): string {
  return `WEBHEALTH_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** The SSM Parameter Store name of a stage's secret: one hierarchy per stage, so a role can be
 * granted exactly the parameters it needs. */
export function secretParameterName(stage: string, name: string): string {
  return `/webhealth/${stage}/secrets/${name}`;
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * A secret's value that cannot leak by accident: `String()`, `JSON.stringify` and `console.log` all
 * show `[secret]`; only `reveal()` gives the value. `encrypted()` is a value Pulumi keeps encrypted
 * (`secure: v1:...` in a stack file) that this process cannot read: `npm run synth` works without
 * the Pulumi CLI, so it knows a secret exists but never its value.
 */
export class SecretText {
  readonly #value: string | undefined;

  private constructor(value: string | undefined) {
    this.#value = value;
  }

  static of(value: string): SecretText {
    return new SecretText(value);
  }

  static encrypted(): SecretText {
    return new SecretText(undefined);
  }

  /** False for a value only the Pulumi CLI can decrypt. */
  get readable(): boolean {
    return this.#value !== undefined;
  }

  /** The value, or undefined where it is encrypted. */
  reveal(): string | undefined {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [INSPECT](): string {
    return REDACTED;
  }
}

/** A secret name is valid (SECRET_NAME_PATTERN). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME_PATTERN.test(name);
}

/**
 * `text` with every occurrence of each value replaced by REDACTED, longest value first (so a value
 * inside another is covered too). For text that came from elsewhere and may quote a secret that was
 * sent: a server echoing a token in its body, in a redirect URL, in an error.
 */
export function redactValues(text: string, values: Iterable<string>): string {
  const ordered = [...new Set(values)].filter((value) => value.length > 0).sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of ordered) out = out.split(value).join(REDACTED);
  return out;
}
