// Private to the toolkit (its folders share it): filling plain records from untrusted keys.

/**
 * Sets `target[key]` as an own enumerable property, also for the key `"__proto__"` (which a
 * plain assignment would take as the prototype), so header and query names cannot reach
 * `Object.prototype`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setOwn } from "./_own.ts";
 *
 * const params: Record<string, string> = {};
 * setOwn(params, "__proto__", "x");
 * setOwn(params, "q", "1");
 * assert.deepEqual(Object.keys(params), ["__proto__", "q"]);
 * assert.equal(Object.getPrototypeOf(params), Object.prototype);
 * ```
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}
