/**
 * Parse and build the common header shapes: `value; key=param` (Content-Type,
 * Content-Disposition), comma lists, `key=value` dicts and case-insensitive sets
 * (Werkzeug's `parse_options_header`, `parse_list_header`, `parse_dict_header`,
 * `dump_header`, `quote_header_value`).
 *
 * @module
 */

import {
  hasOwn,
  isToken,
  percentDecode,
  scanParams,
  setOwn,
  splitExtValue,
  splitList,
  splitPair,
  trimOws,
  unquote,
} from "./_header_lexer.ts";

const CONTINUATION = /\*(\d+)$/;
const HAS_CONTROL_OR_NON_ASCII = /[^\t\x20-\x7e]/;
// deno-lint-ignore no-control-regex
const HAS_CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const DROP_FOR_FALLBACK = /[^\t\x20-\x7e]/g;
const HEX = "0123456789ABCDEF";
const ENCODER = new TextEncoder();

/** RFC 8187 `attr-char`: what may appear unencoded in a `key*=UTF-8''...` value. */
const ATTR_CHAR = new Uint8Array(128);
for (const c of "!#$&+-.^_`|~") ATTR_CHAR[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) ATTR_CHAR[c] = 1;
for (let c = 65; c <= 90; c++) ATTR_CHAR[c] = ATTR_CHAR[c + 32] = 1;

/**
 * Splits a header like `text/html; charset="utf-8"` into its value and parameters.
 *
 * Parameter keys are lower-cased; quoted values are unquoted; RFC 2231/8187 extended
 * values (`filename*=UTF-8''%E2%82%AC.txt`) are percent-decoded (UTF-8, ISO-8859-1 and
 * ASCII only; another charset leaves the value encoded) and continuations (`key*0`,
 * `key*1`) are joined. Parameters that are not `token=token` or `token="quoted"` are
 * skipped. `null` or an empty value gives `["", {}]`; this never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseOptionsHeader } from "./options_header.ts";
 *
 * assert.deepEqual(parseOptionsHeader('text/html; Charset="utf-8"'), [
 *   "text/html",
 *   { charset: "utf-8" },
 * ]);
 * assert.deepEqual(parseOptionsHeader("attachment; filename*=UTF-8''%E2%82%AC.txt"), [
 *   "attachment",
 *   { filename: "\u20ac.txt" },
 * ]);
 * assert.deepEqual(parseOptionsHeader(null), ["", {}]);
 * ```
 */
export function parseOptionsHeader(value: string | null): [string, Record<string, string>] {
  if (typeof value !== "string") return ["", {}];
  const semicolon = value.indexOf(";");
  if (semicolon === -1) return [trimOws(value), {}];
  const main = trimOws(value, 0, semicolon);
  const options: Record<string, string> = {};
  if (main === "") return [main, options];
  let continuedCharset: string | undefined;
  scanParams(value, semicolon, (key, param, quoted) => {
    if (key.endsWith("*")) {
      key = key.slice(0, -1);
      if (!quoted) {
        const ext = splitExtValue(param);
        let charset = continuedCharset;
        if (ext !== null) {
          if (ext[0] !== "") charset = ext[0];
          param = ext[1];
        }
        const decoded = charset === undefined ? null : percentDecode(param, charset);
        if (decoded !== null) {
          continuedCharset = charset;
          param = decoded;
        }
      }
    }
    if (quoted && param.includes("%22")) param = param.replaceAll("%22", '"');
    const continuation = CONTINUATION.exec(key);
    if (continuation !== null) {
      key = key.slice(0, continuation.index);
      setOwn(options, key, (hasOwn(options, key) ? options[key] : "") + param);
    } else {
      setOwn(options, key, param);
    }
  });
  return [main, options];
}

/** Values {@linkcode dumpOptionsHeader} and {@linkcode dumpHeader} accept. */
export type HeaderParamValue = string | number | boolean | null | undefined;

function percentEncodeAttr(value: string): string {
  let out = "";
  for (const byte of ENCODER.encode(value)) {
    if (byte < 128 && ATTR_CHAR[byte] === 1) out += String.fromCharCode(byte);
    else out += "%" + HEX[byte >> 4] + HEX[byte & 15];
  }
  return out;
}

function checkKey(key: string, header: string): void {
  const bare = key.endsWith("*") ? key.slice(0, -1) : key;
  if (!isToken(bare)) {
    throw new Error(
      `Cannot dump header ${JSON.stringify(header)}: parameter name ${
        JSON.stringify(key)
      } is not a token`,
    );
  }
}

/**
 * Builds a `value; key=param` header. `true` writes a bare `key`; `null`, `undefined` and
 * `false` are skipped; values are quoted when they are not tokens. A value with non-ASCII
 * or control characters is written twice, as an ASCII fallback `key="..."` (NFKD,
 * non-ASCII dropped) followed by `key*=UTF-8''percent-encoded` (RFC 6266/8187), so
 * Content-Disposition file names survive every browser. A key ending in `*` is written
 * as given. Throws an `Error` when `value` holds a control character or a key is not a
 * token (both are programming errors, not client input).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dumpOptionsHeader } from "./options_header.ts";
 *
 * assert.equal(dumpOptionsHeader("text/html", { charset: "utf-8" }), "text/html; charset=utf-8");
 * assert.equal(
 *   dumpOptionsHeader("attachment", { filename: "caf\u00e9 \u20ac.txt" }),
 *   "attachment; filename=\"cafe .txt\"; filename*=UTF-8''caf%C3%A9%20%E2%82%AC.txt",
 * );
 * assert.equal(dumpOptionsHeader("form-data", { name: "a b", x: true, y: null }), 'form-data; name="a b"; x');
 * ```
 */
export function dumpOptionsHeader(value: string, params: Record<string, HeaderParamValue>): string {
  const header = String(value);
  if (HAS_CONTROL.test(header)) {
    throw new Error(
      `Cannot dump header ${JSON.stringify(header)}: the value contains a control character`,
    );
  }
  let out = header;
  for (const key of Object.keys(params)) {
    const param = params[key];
    if (param === null || param === undefined || param === false) continue;
    checkKey(key, header);
    const sep = out === "" ? "" : "; ";
    if (param === true) {
      out += sep + key;
    } else if (key.endsWith("*")) {
      out += `${sep}${key}=${percentEncodeAttr(String(param))}`;
    } else {
      const text = String(param);
      if (HAS_CONTROL_OR_NON_ASCII.test(text)) {
        const fallback = text.normalize("NFKD").replace(DROP_FOR_FALLBACK, "");
        out += `${sep}${key}=${quoteHeaderValue(fallback)}; ${key}*=UTF-8''${
          percentEncodeAttr(text)
        }`;
      } else {
        out += `${sep}${key}=${quoteHeaderValue(text)}`;
      }
    }
  }
  return out;
}

/** Options of {@linkcode quoteHeaderValue}. */
export interface QuoteOptions {
  /** Leave a value that is a token unquoted (default `true`). */
  allowToken?: boolean;
}

/**
 * Quotes a header value as an RFC 9110 quoted-string (escaping `\` and `"`), unless it is
 * a token and `allowToken` is not `false`. An empty value becomes `""`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quoteHeaderValue } from "./options_header.ts";
 *
 * assert.equal(quoteHeaderValue("utf-8"), "utf-8");
 * assert.equal(quoteHeaderValue('say "hi"'), '"say \\"hi\\""');
 * assert.equal(quoteHeaderValue("abc", { allowToken: false }), '"abc"');
 * ```
 */
export function quoteHeaderValue(value: string | number, options?: QuoteOptions): string {
  const text = String(value);
  if (text === "") return '""';
  if (options?.allowToken !== false && isToken(text)) return text;
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/**
 * Removes the quotes of a quoted-string and unescapes `\\` and `\"`; other values are
 * returned unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unquoteHeaderValue } from "./options_header.ts";
 *
 * assert.equal(unquoteHeaderValue('"say \\"hi\\""'), 'say "hi"');
 * assert.equal(unquoteHeaderValue("plain"), "plain");
 * ```
 */
export function unquoteHeaderValue(value: string): string {
  return typeof value === "string" ? unquote(value) : "";
}

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
