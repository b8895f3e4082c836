/**
 * `MultiDict`: an insertion-ordered map that keeps every value of a repeated key, the shape
 * of query strings, form bodies and cookie headers (Werkzeug's `MultiDict`).
 *
 * @module
 */

import { setOwn } from "../_own.ts";

/** What {@linkcode MultiDict.from} and the constructor accept. */
export type MultiDictInit<V> =
  | Iterable<readonly [string, V]>
  | Record<string, V | readonly V[]>;

/** Options of {@linkcode MultiDict.get} and {@linkcode MultiDict.getAll} with a conversion. */
export interface MultiDictTypeOptions<V, T> {
  /**
   * Converts a raw value. When it throws, or returns `NaN`, the value counts as missing
   * (like Werkzeug's `type=`), so `get("page", { type: Number })` is safe on bad input.
   */
  type: (raw: V) => T;
}

/**
 * Thrown by a write to a frozen {@linkcode MultiDict} (request data is read-only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultiDict, MultiDictFrozenError } from "./multi_dict.ts";
 *
 * const args = MultiDict.from({ q: "deno" }).freeze();
 * assert.throws(() => args.add("q", "x"), MultiDictFrozenError);
 * ```
 */
export class MultiDictFrozenError extends Error {
  /** Creates the error for a write `action` on `key`. */
  constructor(action: string, key: string) {
    super(
      `Cannot ${action} key "${key}": the MultiDict is frozen (request data is read-only); ` +
        "call copy() to get a mutable copy",
    );
    this.name = "MultiDictFrozenError";
  }
}

const CONVERSION_FAILED = Symbol("conversion failed");

function convert<V, T>(raw: V, type: (raw: V) => T): T | typeof CONVERSION_FAILED {
  try {
    const value = type(raw);
    return typeof value === "number" && Number.isNaN(value) ? CONVERSION_FAILED : value;
  } catch {
    return CONVERSION_FAILED;
  }
}

/**
 * An insertion-ordered multi-value map. `get()` returns a key's first value, `getAll()`
 * every value, `entries()` every pair in insertion order. Lookups are O(1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MultiDict } from "./multi_dict.ts";
 *
 * const args = MultiDict.from(new URLSearchParams("tag=a&page=2&tag=b"));
 * assert.equal(args.get("tag"), "a");
 * assert.deepEqual(args.getAll("tag"), ["a", "b"]);
 * assert.equal(args.get("page", { type: Number }), 2);
 * assert.equal(args.get("tag", { type: Number }), undefined);
 * assert.deepEqual([...args], [["tag", "a"], ["page", "2"], ["tag", "b"]]);
 * assert.deepEqual(args.toObject(), { tag: "a", page: "2" });
 * ```
 */
export class MultiDict<V = string> implements Iterable<[string, V]> {
  #map = new Map<string, V[]>();
  #pairs: [string, V][] = [];
  #frozen = false;

  /** Creates a MultiDict, optionally filled like {@linkcode MultiDict.from}. */
  constructor(init?: MultiDictInit<V>) {
    if (init !== undefined && init !== null) this.#fill(init);
  }

  /**
   * Builds a MultiDict from `URLSearchParams`, `FormData`, `Headers`, another MultiDict,
   * any iterable of `[key, value]` pairs, or a record whose array values become several
   * values of one key.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MultiDict } from "./multi_dict.ts";
   *
   * const d = MultiDict.from({ a: ["1", "2"], b: "3" });
   * assert.deepEqual(d.getAll("a"), ["1", "2"]);
   * assert.equal(d.get("b"), "3");
   * ```
   */
  static from<V>(init: MultiDictInit<V>): MultiDict<V> {
    return new MultiDict<V>(init);
  }

  #fill(init: MultiDictInit<V>): void {
    if (typeof (init as Iterable<unknown>)[Symbol.iterator] === "function") {
      for (const [key, value] of init as Iterable<readonly [string, V]>) {
        this.#append(String(key), value);
      }
      return;
    }
    for (const [key, value] of Object.entries(init as Record<string, V | readonly V[]>)) {
      if (Array.isArray(value)) {
        for (const item of value) this.#append(key, item);
      } else {
        this.#append(key, value as V);
      }
    }
  }

  #append(key: string, value: V): void {
    const values = this.#map.get(key);
    if (values === undefined) this.#map.set(key, [value]);
    else values.push(value);
    this.#pairs.push([key, value]);
  }

  #checkWritable(action: string, key: string): void {
    if (this.#frozen) throw new MultiDictFrozenError(action, key);
  }

  /** The number of distinct keys. */
  get size(): number {
    return this.#map.size;
  }

  /** Whether writes throw {@linkcode MultiDictFrozenError}. */
  get frozen(): boolean {
    return this.#frozen;
  }

  /** The first value of `key`, or `undefined`. */
  get(key: string): V | undefined;
  /** The first value of `key` converted by `options.type`; `undefined` when missing or when the conversion fails. */
  get<T>(key: string, options: MultiDictTypeOptions<V, T>): T | undefined;
  get<T>(key: string, options?: MultiDictTypeOptions<V, T>): V | T | undefined {
    const values = this.#map.get(key);
    if (values === undefined) return undefined;
    if (options?.type === undefined) return values[0];
    const value = convert(values[0], options.type);
    return value === CONVERSION_FAILED ? undefined : value;
  }

  /** Every value of `key` in insertion order (a fresh array). */
  getAll(key: string): V[];
  /** Every value of `key` converted by `options.type`, skipping values the conversion rejects. */
  getAll<T>(key: string, options: MultiDictTypeOptions<V, T>): T[];
  getAll<T>(key: string, options?: MultiDictTypeOptions<V, T>): (V | T)[] {
    const values = this.#map.get(key);
    if (values === undefined) return [];
    if (options?.type === undefined) return values.slice();
    const out: T[] = [];
    for (const raw of values) {
      const value = convert(raw, options.type);
      if (value !== CONVERSION_FAILED) out.push(value);
    }
    return out;
  }

  /** Whether `key` has at least one value. */
  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** Appends a value to `key`, keeping the ones already there. */
  add(key: string, value: V): this {
    this.#checkWritable("add", key);
    this.#append(key, value);
    return this;
  }

  /** Replaces every value of `key` with `value`; the key keeps its first position. */
  set(key: string, value: V): this {
    this.#checkWritable("set", key);
    const values = this.#map.get(key);
    if (values === undefined) {
      this.#append(key, value);
      return this;
    }
    this.#map.set(key, [value]);
    if (values.length === 1) {
      const pair = this.#pairs.find((p) => p[0] === key);
      if (pair) pair[1] = value;
      return this;
    }
    let seen = false;
    this.#pairs = this.#pairs.filter((pair) => {
      if (pair[0] !== key) return true;
      if (seen) return false;
      seen = true;
      pair[1] = value;
      return true;
    });
    return this;
  }

  /** Removes `key` and all its values; returns whether it was there. */
  delete(key: string): boolean {
    this.#checkWritable("delete", key);
    if (!this.#map.delete(key)) return false;
    this.#pairs = this.#pairs.filter((pair) => pair[0] !== key);
    return true;
  }

  /** Removes every key. */
  clear(): void {
    this.#checkWritable("clear", "*");
    this.#map.clear();
    this.#pairs = [];
  }

  /** The distinct keys, in order of first insertion. */
  keys(): IterableIterator<string> {
    return this.#map.keys();
  }

  /** The first value of each key, in key order. */
  *values(): IterableIterator<V> {
    for (const values of this.#map.values()) yield values[0];
  }

  /** Every `[key, value]` pair in insertion order (repeated keys appear several times). */
  *entries(): IterableIterator<[string, V]> {
    for (const [key, value] of this.#pairs) yield [key, value];
  }

  /** Same as {@linkcode MultiDict.entries}. */
  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** Calls `callback` for every pair in insertion order. */
  forEach(callback: (value: V, key: string, dict: this) => void): void {
    for (const [key, value] of this.#pairs) callback(value, key, this);
  }

  /** A plain object of the first value of each key. */
  toObject(): Record<string, V>;
  /** A plain object of every value of each key. */
  toObject(options: { multi: true }): Record<string, V[]>;
  /** First values, or every value per key with `{ multi: true }`. */
  toObject(options?: { multi?: boolean }): Record<string, V> | Record<string, V[]>;
  toObject(options?: { multi?: boolean }): Record<string, V> | Record<string, V[]> {
    if (options?.multi) {
      const out: Record<string, V[]> = {};
      for (const [key, values] of this.#map) setOwn(out, key, values.slice());
      return out;
    }
    const out: Record<string, V> = {};
    for (const [key, values] of this.#map) setOwn(out, key, values[0]);
    return out;
  }

  /** A mutable copy (the values themselves are shared). */
  copy(): MultiDict<V> {
    return new MultiDict<V>(this.#pairs);
  }

  /** Makes this MultiDict read-only (writes throw {@linkcode MultiDictFrozenError}); returns it. */
  freeze(): this {
    this.#frozen = true;
    return this;
  }

  /** A short description for debugging. */
  get [Symbol.toStringTag](): string {
    return "MultiDict";
  }
}
