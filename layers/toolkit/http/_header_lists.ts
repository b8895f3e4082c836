// Private to http/: comma-separated headers as lists, dicts and case-insensitive sets. Public
// through options_header.ts.

import { setOwn } from "../_own.ts";
import { percentDecode, splitExtValue, splitList, splitPair, unquote } from "./_header_lexer.ts";
import { type HeaderParamValue, percentEncodeAttr, quoteHeaderValue } from "./_header_quote.ts";

/**
 * Splits a comma-separated header (`Cache-Control`, `Vary`, `If-Match`…) into items,
 * honouring quoted strings; quoted items are unquoted, empty items dropped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseList } from "./options_header.ts";
 *
 * assert.deepEqual(parseList('token, "quoted, value", , last'), ["token", "quoted, value", "last"]);
 * ```
 */
export function parseList(value: string | null): string[] {
  if (typeof value !== "string" || value === "") return [];
  const items = splitList(value);
  for (let i = 0; i < items.length; i++) items[i] = unquote(items[i]);
  return items;
}

/**
 * Parses a comma-separated `key=value` header into a record: values are unquoted, a key
 * without `=` maps to `null`, an RFC 8187 `key*=UTF-8''...` value is decoded into `key`.
 * On repeated keys the last one wins. Keys keep their case.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDict } from "./options_header.ts";
 *
 * assert.deepEqual(parseDict('a=1, b="x,y", c'), { a: "1", b: "x,y", c: null });
 * ```
 */
export function parseDict(value: string | null): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (typeof value !== "string" || value === "") return out;
  for (const item of splitList(value)) {
    let [key, param] = splitPair(item);
    if (key === "") continue;
    if (param !== null && key.endsWith("*")) {
      key = key.slice(0, -1);
      const ext = splitExtValue(param);
      if (ext !== null) param = percentDecode(ext[1], ext[0]) ?? param;
    }
    setOwn(out, key, param);
  }
  return out;
}

/**
 * Builds a comma-separated header from a list (each item quoted when needed) or a record
 * (`key=value`; `null` or `true` writes a bare `key`, `undefined`/`false` are skipped, a
 * key ending in `*` is percent-encoded as RFC 8187 UTF-8).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dumpHeader } from "./options_header.ts";
 *
 * assert.equal(dumpHeader(["gzip", "a b"]), 'gzip, "a b"');
 * assert.equal(dumpHeader({ "max-age": 60, private: null, x: "a,b" }), 'max-age=60, private, x="a,b"');
 * ```
 */
export function dumpHeader(
  value: Iterable<string | number> | Record<string, HeaderParamValue>,
): string {
  const items: string[] = [];
  if (typeof (value as Iterable<unknown>)[Symbol.iterator] === "function") {
    for (const item of value as Iterable<string | number>) items.push(quoteHeaderValue(item));
    return items.join(", ");
  }
  const record = value as Record<string, HeaderParamValue>;
  for (const key of Object.keys(record)) {
    const param = record[key];
    if (param === undefined || param === false) continue;
    if (param === null || param === true) items.push(key);
    else if (key.endsWith("*")) items.push(`${key}=UTF-8''${percentEncodeAttr(String(param))}`);
    else items.push(`${key}=${quoteHeaderValue(param)}`);
  }
  return items.join(", ");
}

/**
 * A case-insensitive, ordered set of header tokens (`Vary`, `Allow`, `Content-Language`).
 * Values keep the case they were first added with; `toString()` dumps the header.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeaderSet } from "./options_header.ts";
 *
 * const vary = new HeaderSet(["Accept-Encoding"]);
 * vary.add("accept-encoding").add("Cookie");
 * assert.equal(vary.has("ACCEPT-ENCODING"), true);
 * assert.equal(vary.toString(), "Accept-Encoding, Cookie");
 * ```
 */
export class HeaderSet implements Iterable<string> {
  #items = new Map<string, string>();

  /** Creates a set holding `values`. */
  constructor(values?: Iterable<string>) {
    if (values) { for (const value of values) this.add(value); }
  }

  /** The number of distinct values. */
  get size(): number {
    return this.#items.size;
  }

  /** Whether `value` is in the set, ignoring case. */
  has(value: string): boolean {
    return this.#items.has(String(value).toLowerCase());
  }

  /** Adds `value` unless it is already there (ignoring case). */
  add(value: string): this {
    const text = String(value);
    const key = text.toLowerCase();
    if (!this.#items.has(key)) this.#items.set(key, text);
    return this;
  }

  /** Removes `value` (ignoring case); returns whether it was there. */
  delete(value: string): boolean {
    return this.#items.delete(String(value).toLowerCase());
  }

  /** Removes every value. */
  clear(): void {
    this.#items.clear();
  }

  /** The values in insertion order. */
  values(): IterableIterator<string> {
    return this.#items.values();
  }

  /** Same as {@linkcode HeaderSet.values}. */
  [Symbol.iterator](): IterableIterator<string> {
    return this.#items.values();
  }

  /** The values as an array. */
  toArray(): string[] {
    return [...this.#items.values()];
  }

  /** The header value: items joined with `, `, quoted when needed. */
  toString(): string {
    return dumpHeader(this.#items.values());
  }
}

/**
 * Parses a comma-separated header into a case-insensitive {@linkcode HeaderSet}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSet } from "./options_header.ts";
 *
 * const allow = parseSet("GET, HEAD, get");
 * assert.deepEqual(allow.toArray(), ["GET", "HEAD"]);
 * assert.equal(allow.has("head"), true);
 * ```
 */
export function parseSet(value: string | null): HeaderSet {
  return new HeaderSet(parseList(value));
}

/**
 * Dumps a set (or any iterable of tokens) as a comma-separated header value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dumpSet, parseSet } from "./options_header.ts";
 *
 * assert.equal(dumpSet(parseSet("Cookie, cookie, Accept")), "Cookie, Accept");
 * ```
 */
export function dumpSet(values: Iterable<string>): string {
  return dumpHeader(values instanceof HeaderSet ? values.values() : new HeaderSet(values).values());
}
