/**
 * Readers for the value shapes nginx users write: strings, lists, on/off booleans, sizes
 * (`512k`), times (`1m30s`), and the "did you mean" suggestion for unknown keys.
 *
 * @module
 */

import type { At } from "./_locate.ts";

/** A value as a message quotes it: `"abc"`, `5`, `true`, `an array`, `a table`. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a date";
  if (value !== null && typeof value === "object") return "a table";
  return String(value);
}

/** Whether `value` is a TOML table (not an array, not a date). */
export function isTable(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) &&
    !(value instanceof Date);
}

/** `value` as a string, or a failure naming what was given. */
export function expectString(value: unknown, at: At): string {
  if (typeof value !== "string") at.fail(`expected a string, got ${describe(value)}`);
  return value;
}

/** `value` as a non-empty string. */
export function expectNonEmpty(value: unknown, at: At): string {
  const text = expectString(value, at).trim();
  if (!text) at.fail("expected a non-empty string");
  return text;
}

/** `value` as a list of strings; a lone string is a list of one. */
export function expectStrings(value: unknown, at: At, options: { single?: boolean } = {}) {
  if (typeof value === "string" && options.single !== false) return [value];
  if (!Array.isArray(value)) {
    at.fail(
      `expected ${options.single === false ? "" : "a string or "}an array of strings, got ${
        describe(value)
      }`,
    );
  }
  return value.map((item, i) => expectString(item, at.child(i + 1)));
}

/** `value` as a table. */
export function expectTable(value: unknown, at: At): Record<string, unknown> {
  if (!isTable(value)) at.fail(`expected a table, got ${describe(value)}`);
  return value;
}

/** A boolean: `true`/`false`, or nginx's `"on"`/`"off"`. */
export function expectBool(value: unknown, at: At): boolean {
  if (typeof value === "boolean") return value;
  if (value === "on") return true;
  if (value === "off") return false;
  return at.fail(`expected true, false, "on" or "off", got ${describe(value)}`);
}

/** An integer in `[min, max]`. */
export function expectInt(value: unknown, at: At, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    at.fail(`expected an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) {
    at.fail(`expected an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** One of `choices`. */
export function expectChoice<const T extends string>(
  value: unknown,
  at: At,
  choices: readonly T[],
): T {
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) {
    return value as T;
  }
  return at.fail(`expected ${choices.map((c) => `"${c}"`).join(", ")}, got ${describe(value)}`);
}

const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** An nginx size (`"1m"`, `"512k"`, `"1g"`, `"0"`, or a number of bytes), in bytes. */
export function expectSize(value: unknown, at: At): number {
  if (typeof value === "number") return expectInt(value, at, 0);
  const match = typeof value === "string" ? /^\s*(\d+)\s*([kmg]?)\s*$/i.exec(value) : null;
  if (!match) {
    at.fail(`expected a size like "512k", "1m" or a number of bytes, got ${describe(value)}`);
  }
  return Number(match[1]) * SIZE_UNITS[match[2].toLowerCase()];
}

const TIME_UNITS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 7 * 86400,
  M: 30 * 86400,
  y: 365 * 86400,
};

/** An nginx time (`"75s"`, `"1m30s"`, `"500ms"`, `"-1h"`) in seconds, or null if malformed. */
export function parseTime(text: string): number | null {
  const match = /^\s*(-?)((?:\d+(?:\.\d+)?(?:ms|[smhdwMy])?\s*)+)$/.exec(text);
  if (!match) return null;
  let seconds = 0;
  const parts = [...match[2].matchAll(/(\d+(?:\.\d+)?)(ms|[smhdwMy])?/g)];
  // A bare number only stands alone (`"75"`), as in nginx.
  if (parts.length > 1 && parts.some((p) => !p[2])) return null;
  for (const [, n, unit] of parts) seconds += Number(n) * TIME_UNITS[unit ?? "s"];
  return match[1] ? -seconds : seconds;
}

/** A non-negative nginx time, in seconds (fractions allowed). */
export function expectTime(value: unknown, at: At): number {
  if (typeof value === "number" && value >= 0 && Number.isFinite(value)) return value;
  const seconds = typeof value === "string" ? parseTime(value) : null;
  if (seconds === null || seconds < 0) {
    at.fail(
      `expected a time like "75s", "1m", "500ms" or a number of seconds, got ${describe(value)}`,
    );
  }
  return seconds;
}

/** The edit distance between two strings (Levenshtein). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[b.length];
}

/** The closest of `candidates` to `word` when it is close enough to be a typo, else null. */
export function closest(word: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  const normal = word.toLowerCase().replaceAll("-", "_");
  for (const candidate of candidates) {
    // A word the candidate starts with (`default` for `default_server`) is as good as a typo.
    const distance = normal.length >= 4 && candidate.startsWith(normal)
      ? 1
      : editDistance(normal, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

/** "unknown key" with a "did you mean" when one of `candidates` is close. */
export function unknownKey(key: string, candidates: Iterable<string>, where: string): string {
  const guess = closest(key, candidates);
  return `unknown key in ${where}${guess ? `; did you mean "${guess}"?` : ""}`;
}
