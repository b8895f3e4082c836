// Private to logs/: nginx's three ways of escaping a variable's value in an access log line.
//
// Values come in two kinds. Most are *byte strings*: the core reads heads byte for byte, so
// each char code is one byte (0–255). `$uri` is *text*: percent-decoded and read as UTF-8.
// Default escaping writes every byte ≥ 0x7f as `\xHH`, so text is first taken as its UTF-8
// bytes; JSON and no escaping write UTF-8, so byte strings are first read as UTF-8.

const HEX = "0123456789ABCDEF";
const BYTE_ESCAPES: string[] = [];
for (let b = 0; b < 256; b++) BYTE_ESCAPES.push(`\\x${HEX[b >> 4]}${HEX[b & 15]}`);

const encoder = new TextEncoder();
const utf8 = new TextDecoder();

/** How one value is written: escaped for the format's mode, its kind taken into account. */
export type Escaper = (value: string) => string;

function utf8Escapes(value: string, i: number): [escaped: string, width: number] {
  const code = value.codePointAt(i)!;
  const width = code > 0xffff ? 2 : 1;
  let out = "";
  for (const byte of encoder.encode(String.fromCodePoint(code))) out += BYTE_ESCAPES[byte];
  return [out, width];
}

/** nginx's `escape=default`: `"`, `\`, bytes below 0x20 and from 0x7f as `\xHH`. */
export function escapeDefault(value: string, text: boolean): string {
  const length = value.length;
  let i = 0;
  for (; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 34 || c === 92) break;
  }
  if (i === length) return value;
  let out = value.slice(0, i);
  while (i < length) {
    const c = value.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 34 && c !== 92) {
      out += value[i++];
    } else if (c < 0x80 || (c <= 0xff && !text)) {
      out += BYTE_ESCAPES[c];
      i++;
    } else {
      const [escaped, width] = utf8Escapes(value, i);
      out += escaped;
      i += width;
    }
  }
  return out;
}

/** A byte string read as UTF-8 (invalid sequences become U+FFFD); ASCII returned as it is. */
export function bytesToText(value: string): string {
  const length = value.length;
  let i = 0;
  while (i < length && value.charCodeAt(i) < 0x80) i++;
  if (i === length) return value;
  const bytes = new Uint8Array(length);
  for (let j = 0; j < length; j++) bytes[j] = value.charCodeAt(j);
  return utf8.decode(bytes);
}

const JSON_SHORT: Record<number, string> = { 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r" };

/** nginx's `escape=json` (`ngx_escape_json`): `\"`, `\\`, `\n` and kin, `\u00XX` for the rest. */
export function escapeJson(value: string): string {
  const length = value.length;
  let i = 0;
  for (; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 34 || c === 92) break;
  }
  if (i === length) return value;
  let out = value.slice(0, i);
  for (; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x20) out += c === 34 || c === 92 ? `\\${value[i]}` : value[i];
    else out += JSON_SHORT[c] ?? `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
  }
  return out;
}

/** The escaper for `mode` and a value's kind (`text`: already Unicode, as `$uri`). */
export function escaperFor(mode: "default" | "json" | "none", text: boolean): Escaper {
  if (mode === "default") {
    return text ? (v) => escapeDefault(v, true) : (v) => escapeDefault(v, false);
  }
  if (mode === "json") return text ? escapeJson : (v) => escapeJson(bytesToText(v));
  return text ? (v) => v : bytesToText;
}
