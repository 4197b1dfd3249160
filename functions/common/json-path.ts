/**
 * JMESPath (the query language of the AWS CLI's `--query`) for `expect.json`, through the JMESPath
 * project's own JavaScript implementation. Loaded on first use: only targets with JSON assertions
 * need it, and the probe ships it beside its bundle (scripts/bundle.ts SIDE_MODULES).
 * https://jmespath.org/specification.html
 */
type JmesPath = typeof import("jmespath");

let library: JmesPath | undefined;
function jmespath(): JmesPath {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deliberate lazy load, see above
  library ??= require("jmespath") as JmesPath;
  return library;
}

/** JMESPath's built-in functions (the specification's list, which the AWS CLI's --query shares). */
const FUNCTIONS = new Set("abs avg ceil contains ends_with floor join keys length map max max_by merge min min_by not_null reverse sort sort_by starts_with sum to_array to_number to_string type values".split(" "));

function unknownFunctions(node: unknown, found: string[] = []): string[] {
  if (typeof node !== "object" || node === null) return found;
  const { type, name, children } = node as { type?: string; name?: string; children?: unknown[] };
  if (type === "Function" && typeof name === "string" && !FUNCTIONS.has(name)) found.push(name);
  for (const child of children ?? []) unknownFunctions(child, found);
  return found;
}

/** Why `expression` is not a JMESPath expression this probe can evaluate, or undefined when it is. */
export function jsonPathProblem(expression: string): string | undefined {
  let ast: unknown;
  try {
    ast = jmespath().compile(expression);
  } catch (error) {
    return (error as Error).message;
  }
  // An unknown function only fails when evaluated: catch the typo at validation instead.
  const unknown = unknownFunctions(ast);
  return unknown.length > 0 ? `unknown function ${unknown[0]}()` : undefined;
}

/** The value at `expression` in `document` (null when nothing is there); throws on a type error in a function call. */
export function searchJson(document: unknown, expression: string): unknown {
  return jmespath().search(document, expression);
}

/** JMESPath's equality: same types and members, numbers by value. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return jmespath().strictDeepEqual(a, b);
}
