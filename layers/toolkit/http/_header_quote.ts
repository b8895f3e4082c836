// Private to http/: quoting header values and RFC 8187 percent-encoding. Public through
// options_header.ts.

import { isToken, unquote } from "./_header_lexer.ts";

const HEX = "0123456789ABCDEF";
const ENCODER = new TextEncoder();

/** RFC 8187 `attr-char`: what may appear unencoded in a `key*=UTF-8''...` value. */
const ATTR_CHAR = new Uint8Array(128);
for (const c of "!#$&+-.^_`|~") ATTR_CHAR[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) ATTR_CHAR[c] = 1;
for (let c = 65; c <= 90; c++) ATTR_CHAR[c] = ATTR_CHAR[c + 32] = 1;

/** Values {@linkcode dumpOptionsHeader} and {@linkcode dumpHeader} accept. */
export type HeaderParamValue = string | number | boolean | null | undefined;

/** Percent-encodes `value` as UTF-8 for an RFC 8187 `key*=UTF-8''...` value. */
export function percentEncodeAttr(value: string): string {
  let out = "";
  for (const byte of ENCODER.encode(value)) {
    if (byte < 128 && ATTR_CHAR[byte] === 1) out += String.fromCharCode(byte);
    else out += "%" + HEX[byte >> 4] + HEX[byte & 15];
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
