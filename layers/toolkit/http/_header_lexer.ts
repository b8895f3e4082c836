/**
 * The small tokenizer the header parsers share: tokens, quoted strings, comma lists,
 * `;`-parameters and RFC 2231/8187 percent-decoding. Linear time on any input, never throws.
 *
 * @module
 */

/** `tchar` of RFC 9110 5.6.2, as a lookup table over ASCII. */
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = TOKEN[c + 32] = 1;

const SP = 32;
const HTAB = 9;
const DQUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const EQUALS = 61;

/** Whether the UTF-16 code unit `code` is an RFC 9110 token character. */
export function isTokenCode(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

/** Whether `value` is a non-empty RFC 9110 token. */
export function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    if (!isTokenCode(value.charCodeAt(i))) return false;
  }
  return true;
}

/** Whether `code` is optional white space (SP or HTAB). */
export function isOws(code: number): boolean {
  return code === SP || code === HTAB;
}

/** `value` without leading and trailing SP/HTAB. */
export function trimOws(value: string, start = 0, end = value.length): string {
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/**
 * The index just past the quoted string opening at `start` (a `"`), or -1 when it is
 * unterminated. Backslash escapes the next character.
 */
export function quotedEnd(value: string, start: number): number {
  for (let i = start + 1; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === BACKSLASH) i++;
    else if (code === DQUOTE) return i + 1;
  }
  return -1;
}

/**
 * The content of a quoted string without its quotes, `\\` and `\"` unescaped (other
 * backslashes are kept, as Werkzeug does, for Windows file names sent unescaped).
 */
export function unescapeQuoted(value: string, start: number, end: number): string {
  const slash = value.indexOf("\\", start);
  if (slash === -1 || slash >= end) return value.slice(start, end);
  let out = "";
  let from = start;
  for (let i = slash; i < end; i++) {
    if (value.charCodeAt(i) !== BACKSLASH || i + 1 >= end) continue;
    const next = value.charCodeAt(i + 1);
    if (next === BACKSLASH || next === DQUOTE) {
      out += value.slice(from, i);
      from = i + 1;
      i++;
    }
  }
  return out + value.slice(from, end);
}

/** `value` without surrounding double quotes (and unescaped), or `value` itself. */
export function unquote(value: string): string {
  if (value.length >= 2 && value.charCodeAt(0) === DQUOTE && value.endsWith('"')) {
    return unescapeQuoted(value, 1, value.length - 1);
  }
  return value;
}

/**
 * Splits a comma-separated header list, honouring quoted strings. Items are trimmed and
 * kept raw (quotes included); empty items are dropped (RFC 9110 5.6.1). An unterminated
 * quote runs to the end of the value.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const length = value.length;
  while (i < length) {
    const code = value.charCodeAt(i);
    if (code === DQUOTE) {
      const end = quotedEnd(value, i);
      i = end === -1 ? length : end;
      continue;
    }
    if (code === COMMA) {
      const item = trimOws(value, start, i);
      if (item !== "") out.push(item);
      start = i + 1;
    }
    i++;
  }
  const item = trimOws(value, start, length);
  if (item !== "") out.push(item);
  return out;
}

/** Receives one `key=value` parameter: the key lower-cased, the value unquoted. */
export type ParamCallback = (key: string, value: string, quoted: boolean) => void;

/**
 * Scans `;key=value` parameters from `start`, the way Werkzeug's `parse_options_header`
 * does: a parameter is `;`, optional white space, a token, `=` without spaces, then a token
 * or a quoted string. Anything else up to the next `;` is skipped. Linear time.
 */
export function scanParams(value: string, start: number, onParam: ParamCallback): void {
  const length = value.length;
  let noClosingQuote = false;
  let i = value.indexOf(";", start);
  while (i !== -1) {
    i++;
    while (i < length && isOws(value.charCodeAt(i))) i++;
    const keyStart = i;
    while (i < length && isTokenCode(value.charCodeAt(i))) i++;
    if (i > keyStart && i + 1 < length && value.charCodeAt(i) === EQUALS) {
      const key = value.slice(keyStart, i).toLowerCase();
      i++;
      if (value.charCodeAt(i) === DQUOTE) {
        const end = noClosingQuote ? -1 : quotedEnd(value, i);
        if (end === -1) {
          noClosingQuote = true;
        } else {
          onParam(key, unescapeQuoted(value, i + 1, end - 1), true);
          i = end;
        }
      } else {
        const valueStart = i;
        while (i < length && isTokenCode(value.charCodeAt(i))) i++;
        if (i > valueStart) onParam(key, value.slice(valueStart, i), false);
      }
    }
    i = value.indexOf(";", i);
  }
}

/** Splits `key=value` at the first `=` (OWS around it allowed); the value is unquoted. */
export function splitPair(item: string): [key: string, value: string | null] {
  const eq = item.indexOf("=");
  if (eq === -1) return [trimOws(item), null];
  return [trimOws(item, 0, eq), unquote(trimOws(item, eq + 1))];
}

const SAFE_CHARSETS: ReadonlySet<string> = new Set(["ascii", "us-ascii", "utf-8", "iso-8859-1"]);
const UTF8 = new TextDecoder("utf-8");
const ENCODER = new TextEncoder();

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 32;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * Percent-decodes `value` in `charset` (`utf-8`, `iso-8859-1`, `ascii`/`us-ascii`);
 * invalid escapes stay as they are, invalid bytes become U+FFFD. Returns `null` for any
 * other charset.
 */
export function percentDecode(value: string, charset: string): string | null {
  if (!SAFE_CHARSETS.has(charset)) return null;
  if (value.indexOf("%") === -1) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 37 && i + 2 < value.length) {
      const hi = hexValue(value.charCodeAt(i + 1));
      const lo = hexValue(value.charCodeAt(i + 2));
      if (hi !== -1 && lo !== -1) {
        bytes.push(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    // Tokens are ASCII; anything wider is kept as UTF-8 bytes of the character.
    if (code < 128) bytes.push(code);
    else for (const b of ENCODER.encode(value[i])) bytes.push(b);
  }
  if (charset === "utf-8") return UTF8.decode(new Uint8Array(bytes));
  let out = "";
  for (const b of bytes) {
    out += b < 128 || charset === "iso-8859-1" ? String.fromCharCode(b) : "\ufffd";
  }
  return out;
}

/**
 * Splits an RFC 2231/8187 extended value `charset'lang'pct-encoded` into its lower-cased
 * charset and encoded part, or returns `null` when `value` has no charset marker.
 */
export function splitExtValue(value: string): [charset: string, encoded: string] | null {
  const first = value.indexOf("'");
  if (first === -1) return null;
  const second = value.indexOf("'", first + 1);
  if (second === -1 || second + 1 >= value.length) return null;
  for (let i = 0; i < first; i++) {
    if (!isTokenCode(value.charCodeAt(i))) return null;
  }
  for (let i = first + 1; i < second; i++) {
    const code = value.charCodeAt(i);
    if (!isTokenCode(code) || code === 39) return null;
  }
  return [value.slice(0, first).toLowerCase(), value.slice(second + 1)];
}
