// Private to middleware/: checking the numbers the middleware factories take.

/**
 * `value` when it is a whole number of 0 or more; otherwise throws a `TypeError` naming the
 * option, e.g. `option` `'compression: "minLength"'` gives `Cannot create compression:
 * "minLength" must be a whole number of 0 or more, got -1`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wholeNumber } from "./_options.ts";
 *
 * const options: { minLength?: number } = {};
 * assert.equal(wholeNumber(options.minLength ?? 1024, 'compression: "minLength"'), 1024);
 * assert.throws(() => wholeNumber(1.5, 'proxyFix: "host"'), /Cannot create proxyFix: "host" must/);
 * ```
 */
export function wholeNumber(value: unknown, option: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new TypeError(
      `Cannot create ${option} must be a whole number of 0 or more, got ${value}`,
    );
  }
  return value as number;
}
