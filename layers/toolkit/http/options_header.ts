/**
 * Parse and build the common header shapes: `value; key=param` (Content-Type,
 * Content-Disposition), comma lists, `key=value` dicts and case-insensitive sets
 * (Werkzeug's `parse_options_header`, `parse_list_header`, `parse_dict_header`,
 * `dump_header`, `quote_header_value`).
 *
 * @module
 */

import { setOwn } from "../_own.ts";
import { isToken, percentDecode, scanParams, splitExtValue, trimOws } from "./_header_lexer.ts";
import { type HeaderParamValue, percentEncodeAttr, quoteHeaderValue } from "./_header_quote.ts";

export { dumpHeader, dumpSet, HeaderSet, parseDict, parseList, parseSet } from "./_header_lists.ts";
export {
  type HeaderParamValue,
  quoteHeaderValue,
  type QuoteOptions,
  unquoteHeaderValue,
} from "./_header_quote.ts";

const CONTINUATION = /\*(\d+)$/;
const HAS_CONTROL_OR_NON_ASCII = /[^\t\x20-\x7e]/;
// deno-lint-ignore no-control-regex
const HAS_CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const DROP_FOR_FALLBACK = /[^\t\x20-\x7e]/g;

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
      setOwn(options, key, (Object.hasOwn(options, key) ? options[key] : "") + param);
    } else {
      setOwn(options, key, param);
    }
  });
  return [main, options];
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
