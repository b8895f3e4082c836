/**
 * Plain tables (what TOML tables and JSON objects become): telling them apart from other values,
 * copying them, and setting a nested key in a copy.
 *
 * @module
 */

/**
 * Whether `value` is a plain table: an object that is not an array or a date.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTable } from "./_tables.ts";
 *
 * assert.equal(isTable({ a: 1 }), true);
 * assert.equal(isTable([1]), false);
 * assert.equal(isTable(null), false);
 * ```
 */
export function isTable(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) &&
    !(value instanceof Date);
}

/**
 * A copy of `table` and of the tables inside it; other values are shared.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { copyTable } from "./_tables.ts";
 *
 * const table = { a: { b: 1 } };
 * const copy = copyTable(table);
 * assert.deepEqual(copy, table);
 * assert.notEqual(copy.a, table.a);
 * ```
 */
export function copyTable(table: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(table).map(([key, inner]) => [key, isTable(inner) ? copyTable(inner) : inner]),
  );
}

/**
 * A copy of `table` (or a new table) with `value` at `path`, creating the tables on the way.
 * Calls `blocked` with the path to a value in the way that is not a table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withNested } from "./_tables.ts";
 *
 * const table = { URI: "sqlite://" };
 * assert.deepEqual(withNested(table, ["POOL", "SIZE"], 5, () => {}), {
 *   URI: "sqlite://",
 *   POOL: { SIZE: 5 },
 * });
 * assert.deepEqual(table, { URI: "sqlite://" });
 * ```
 */
export function withNested(
  table: Record<string, unknown> | undefined,
  path: string[],
  value: unknown,
  blocked: (path: string[], found: unknown) => void,
): Record<string, unknown> {
  const root = table ? copyTable(table) : {};
  let current = root;
  for (const [i, part] of path.slice(0, -1).entries()) {
    const inner = Object.hasOwn(current, part) && current[part] !== undefined
      ? current[part]
      : setOwn(current, part, {});
    if (!isTable(inner)) {
      blocked(path.slice(0, i + 1), inner);
      return root;
    }
    current = inner;
  }
  setOwn(current, path[path.length - 1], value);
  return root;
}

/**
 * Sets `table[key]` as an own property, even for `__proto__`, and returns `value`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setOwn } from "./_tables.ts";
 *
 * const table: Record<string, unknown> = {};
 * setOwn(table, "__proto__", { polluted: true });
 * assert.equal(({} as Record<string, unknown>).polluted, undefined);
 * assert.deepEqual(Object.keys(table), ["__proto__"]);
 * ```
 */
export function setOwn<T>(table: Record<string, unknown>, key: string, value: T): T {
  Object.defineProperty(table, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return value;
}
