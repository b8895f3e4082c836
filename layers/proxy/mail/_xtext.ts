/**
 * The escapes of the mail proxy's two outbound dialogues: xtext (RFC 3461 section 4, used by
 * Postfix's XCLIENT attribute values) and the URL-style `%XX` escape nginx applies to the
 * `auth_http` request's header values. Both make sure no CR, LF or NUL can leave the proxy.
 *
 * @module
 */

const ENCODER = new TextEncoder();
const HEX = "0123456789ABCDEF";

function hex(byte: number, mark: string): string {
  return mark + HEX[byte >> 4] + HEX[byte & 15];
}

/**
 * Encodes `value` as xtext: `!` to `~` stay except `+` and `=`, every other byte of its UTF-8
 * form becomes `+XX`.
 *
 * @example
 * ```ts
 * import { encodeXtext } from "./_xtext.ts";
 * import assert from "node:assert/strict";
 * assert.equal(encodeXtext("joe+tag=1 é"), "joe+2Btag+3D1+20+C3+A9");
 * ```
 */
export function encodeXtext(value: string): string {
  let out = "";
  for (const byte of ENCODER.encode(value)) {
    out += byte >= 0x21 && byte <= 0x7e && byte !== 0x2b && byte !== 0x3d
      ? String.fromCharCode(byte)
      : hex(byte, "+");
  }
  return out;
}

/**
 * Escapes a credential for an `auth_http` header as nginx does (`NGX_ESCAPE_MAIL_AUTH`): space,
 * `%`, control bytes and DEL become `%XX`; other bytes of the UTF-8 form go as they are (as
 * Latin-1 characters, which `fetch` sends as those bytes).
 *
 * @example
 * ```ts
 * import { escapeAuthValue } from "./_xtext.ts";
 * import assert from "node:assert/strict";
 * assert.equal(escapeAuthValue("p% w\r\n"), "p%25%20w%0D%0A");
 * ```
 */
export function escapeAuthValue(value: string): string {
  return escapeBytes(value, (byte) => byte <= 0x20 || byte === 0x25 || byte === 0x7f);
}

/**
 * Escapes a protocol value for an `auth_http` header (Auth-SMTP-Helo/From/To, Auth-Salt):
 * nginx sends these as they are, since a command line cannot hold CR or LF; here control bytes
 * and DEL still become `%XX`, so that none can ever reach a header.
 *
 * @example
 * ```ts
 * import { escapeProtocolValue } from "./_xtext.ts";
 * import assert from "node:assert/strict";
 * assert.equal(escapeProtocolValue("MAIL FROM:<a@b> SIZE=10"), "MAIL FROM:<a@b> SIZE=10");
 * assert.equal(escapeProtocolValue("x\r\nAuth-Status: OK"), "x%0D%0AAuth-Status: OK");
 * ```
 */
export function escapeProtocolValue(value: string): string {
  return escapeBytes(value, (byte) => byte < 0x20 || byte === 0x7f);
}

function escapeBytes(value: string, escaped: (byte: number) => boolean): string {
  let out = "";
  for (const byte of ENCODER.encode(value)) {
    out += escaped(byte) ? hex(byte, "%") : String.fromCharCode(byte);
  }
  return out;
}

/**
 * Reverses {@linkcode escapeAuthValue} for a header value read back (Auth-User/Auth-Pass in the
 * answer): `%XX` become bytes, the Latin-1 characters `fetch` gives are the other bytes, and the
 * result is read as UTF-8 (malformed escapes stay as written).
 *
 * @example
 * ```ts
 * import { unescapeAuthValue } from "./_xtext.ts";
 * import assert from "node:assert/strict";
 * assert.equal(unescapeAuthValue("p%25%20w"), "p% w");
 * ```
 */
export function unescapeAuthValue(value: string): string {
  return latin1ToUtf8(value.replace(/%([0-9A-Fa-f]{2})/g, (_, code: string) => {
    return String.fromCharCode(parseInt(code, 16));
  }));
}

/**
 * Reads a header value `fetch` gave as Latin-1 characters (one per byte) as UTF-8, when it is
 * valid UTF-8; otherwise returns it unchanged.
 *
 * @example
 * ```ts
 * import { latin1ToUtf8 } from "./_xtext.ts";
 * import assert from "node:assert/strict";
 * assert.equal(latin1ToUtf8("Caf\xc3\xa9"), "Café");
 * ```
 */
export function latin1ToUtf8(value: string): string {
  if (!/[\x80-\xff]/.test(value) || /[\u0100-\uffff]/.test(value)) return value;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(value, (char) => char.charCodeAt(0)),
    );
  } catch {
    return value;
  }
}
