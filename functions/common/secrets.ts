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

/**
 * The key `pulumi config set --secret --path <key> <value>` sets a secret with. A dot in a path
 * nests (`webhealth:secrets.api.token` is `api: { token }`), so a name with a dot is quoted in
 * brackets: `webhealth:secrets["api.token"]`.
 * https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/
 */
export function secretConfigPath(name: string): string {
  return name.includes(".") ? `webhealth:secrets["${name}"]` : `webhealth:secrets.${name}`;
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
 * How a value can be spelled in a message that quotes it: as is; inside a JSON string (a quote or a
 * backslash escaped, as messages quote what a server sent); percent-encoded the way a URL's path,
 * query or fragment serialises it (a redirect's URL in a message: a space is %20), or a form.
 * Only spellings at least as long as the value: a URL setter may drop a leading `/`, `?` or `#`,
 * and a shorter piece would redact unrelated text.
 */
export function spellingsOf(value: string): string[] {
  const spellings = new Set([value, JSON.stringify(value).slice(1, -1)]);
  try {
    spellings.add(encodeURIComponent(value));
    spellings.add(encodeURI(value));
    spellings.add(new URLSearchParams({ v: value }).toString().slice("v=".length));
    const url = new URL("http://host/");
    url.pathname = value;
    spellings.add(url.pathname.slice(1));
    url.search = value;
    spellings.add(url.search.slice(1));
    url.hash = value;
    spellings.add(url.hash.slice(1));
  } catch {
    // A lone surrogate cannot be percent-encoded; nor can it be in a URL, so nothing is missed.
  }
  return [...spellings].filter((spelling) => spelling.length >= value.length);
}

/**
 * `text` with every occurrence of each value, in each of its spellings (spellingsOf), replaced by
 * REDACTED, longest first (so a value inside another is covered too). For text that came from
 * elsewhere and may quote a secret that was sent: a server echoing a token in its body, in a
 * header, in a redirect URL, in an error. Text that is cut to a length must be redacted before it
 * is cut: the cut could leave only a part of the value.
 */
export function redactValues(text: string, values: Iterable<string>): string {
  const ordered = [...new Set([...values].filter((value) => value.length > 0).flatMap(spellingsOf))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const spelling of ordered) out = out.split(spelling).join(REDACTED);
  return out;
}
