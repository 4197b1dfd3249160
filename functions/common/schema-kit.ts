/**
 * Small builders on zod/mini shared by every schema of the functions, so messages read the same
 * everywhere (`is required`, `must be a number`, `must be a whole number`). zod/mini keeps the
 * bundles small: only the checks a schema uses are bundled (the classic API drags in all of them).
 */
import * as z from "zod/mini";

/** A type error that says "is required" when the field is missing and what was expected otherwise. */
export function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be ${what}`);
}

/** A whole number: "must be a number" for anything else, "must be a whole number" for 1.5. */
export function wholeNumberType() {
  return z.int({
    error: (issue) => {
      if (issue.input === undefined) return "is required";
      return typeof issue.input === "number" && Number.isFinite(issue.input) ? "must be a whole number" : "must be a number";
    },
  });
}

/** A whole number within [min, max], with "must be at least / at most" messages. */
export function boundedWholeNumber(min: number, max: number) {
  return wholeNumberType().check(z.minimum(min, { error: `must be at least ${min}` }), z.maximum(max, { error: `must be at most ${max}` }));
}
