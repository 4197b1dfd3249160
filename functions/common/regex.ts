/**
 * The regular expressions of assertions (`bodyMatches`, `expect.json[].matches`) run on RE2JS, a
 * port of RE2: matching takes time linear in the body, whatever the pattern, so no pattern and no
 * body can stall the probe (`(a+)+$` on a 1 MiB body answers in milliseconds, where a backtracking
 * engine would run for ages). RE2 has no backreferences and no lookaround: such patterns are refused
 * at validation with a message that says why. Syntax: https://github.com/google/re2/wiki/Syntax
 * (JavaScript's for everything this project's targets use; flags inline, e.g. `(?i)green`).
 */
import type { RE2JS as RE2JSClass } from "re2js";

/**
 * re2js, loaded on first use: 150 KiB of code (mostly Unicode tables) that only targets with a
 * regular expression need; the probe ships it beside its bundle (scripts/bundle.ts SIDE_MODULES).
 */
let engine: typeof RE2JSClass | undefined;
function re2(): typeof RE2JSClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deliberate lazy load, see above
  engine ??= (require("re2js") as typeof import("re2js")).RE2JS;
  return engine;
}

export interface LinearRegex {
  readonly source: string;
  test(text: string): boolean;
}

const WHY = "the probe's regular expressions run in linear time (RE2 syntax), which rules them out";

/** Why RE2 cannot run `pattern`, in words, or undefined when nothing is ruled out on principle. */
function unsupportedFeature(pattern: string): string | undefined {
  // Scanned outside character classes and escapes, so `[(?=]` or `\(?=` are not mistaken for lookaround.
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i];
    if (char === "\\") {
      const next = pattern[i + 1] ?? "";
      if (!inClass && /[1-9]/.test(next)) return `backreferences (\\${next}) are not supported: ${WHY}`;
      if (!inClass && next === "k" && pattern[i + 2] === "<") return `backreferences (\\k<...>) are not supported: ${WHY}`;
      i += 1;
    } else if (inClass) {
      if (char === "]") inClass = false;
    } else if (char === "[") {
      inClass = true;
      if (pattern[i + 1] === "]") i += 1;
    } else if (char === "(" && pattern[i + 1] === "?") {
      const kind = pattern.slice(i + 2, i + 4);
      if (kind.startsWith("=") || kind.startsWith("!")) return `lookahead (${pattern.slice(i, i + 3)}) is not supported: ${WHY}`;
      if (kind === "<=" || kind === "<!") return `lookbehind (${pattern.slice(i, i + 4)}) is not supported: ${WHY}`;
    }
  }
  return undefined;
}

/** A problem with the pattern in words (for validation messages), or undefined when it compiles. */
export function regexProblem(pattern: string): string | undefined {
  const unsupported = unsupportedFeature(pattern);
  if (unsupported) return unsupported;
  try {
    re2().compile(pattern);
    return undefined;
  } catch (error) {
    return `must be a valid regular expression (${(error as Error).message.replace(/^error parsing regexp: /, "")})`;
  }
}

/** Compiles a validated pattern; matching finds the pattern anywhere in the text, like RegExp.test. */
export function compileRegex(pattern: string): LinearRegex {
  const compiled = re2().compile(pattern);
  return { source: pattern, test: (text) => compiled.matcher(text).find() };
}
