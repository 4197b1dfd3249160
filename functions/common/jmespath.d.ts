/**
 * Types of the `jmespath` package (the JMESPath project's own JavaScript implementation), for the
 * functions this project calls: https://github.com/jmespath/jmespath.js
 */
declare module "jmespath" {
  /** Evaluates `expression` against a JSON document; throws on a syntax error or an invalid function call. */
  export function search(data: unknown, expression: string): unknown;
  /** Parses `expression` into its syntax tree; throws a ParserError (or LexerError) on a syntax error. */
  export function compile(expression: string): unknown;
  /** JMESPath's equality: same types and members, numbers by value. */
  export function strictDeepEqual(a: unknown, b: unknown): boolean;
}
