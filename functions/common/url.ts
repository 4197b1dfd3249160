/**
 * The one spelling of a URL: its WHATWG serialisation (`new URL(value).href`: lower-case scheme and
 * host, punycode host, percent-encoded path and query, default port dropped). The target schema
 * stores every target's URL in this form (it is the `Url` dimension and the ledger's key), so
 * every place that takes a target's URL from a person compares this form: a maintenance window's
 * targets, `npm run alarms --url`. A module of its own so a command can use it without the schema.
 */
export function normaliseUrl(value: string): string | undefined {
  try {
    return new URL(value).href;
  } catch {
    return undefined;
  }
}
