/**
 * "Did you mean": the known key an unknown one is probably a misspelling of.
 *
 * @module
 */

/** Optimal string alignment distance: insertions, deletions, substitutions, swaps. */
function distance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, before[j - 2] + 1);
      }
      current.push(best);
    }
    [before, previous] = [previous, current];
  }
  return previous[b.length];
}

/**
 * The known key that `key` looks like a typo of: same letters in another case, or at most one
 * edit away (two for keys of ten or more characters). `undefined` when `key` is known or nothing
 * is close.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { likelyTypo } from "./_typo.ts";
 *
 * const known = ["SECRET_KEY", "SESSION_COOKIE_NAME", "DEBUG"];
 * assert.equal(likelyTypo("SECRET_KY", known), "SECRET_KEY");
 * assert.equal(likelyTypo("debug", known), "DEBUG");
 * assert.equal(likelyTypo("DATABASE_URL", known), undefined);
 * assert.equal(likelyTypo("DEBUG", known), undefined);
 * ```
 */
export function likelyTypo(key: string, known: Iterable<string>): string | undefined {
  const candidates = [...known];
  if (candidates.includes(key)) return undefined;
  const upper = key.toUpperCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(upper, candidate.toUpperCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  if (best === undefined) return undefined;
  const allowed = best.length >= 10 ? 2 : 1;
  return bestDistance <= allowed ? best : undefined;
}
