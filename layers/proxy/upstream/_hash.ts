/**
 * The hashing nginx's balancers do, byte for byte: crc32 (for `hash` and the consistent-hash
 * ring), the ring's split of a server name, and the address bytes `ip_hash` hashes.
 *
 * @module
 */

/**
 * Splits a server name as nginx does for the ring: `unix:` paths have no port, otherwise the
 * digits after the last colon are the port.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitServerName } from "./_hash.ts";
 *
 * assert.deepEqual(splitServerName("[::1]:8001"), ["[::1]", "8001"]);
 * assert.deepEqual(splitServerName("unix:/run/a.sock"), ["/run/a.sock", ""]);
 * ```
 */
export function splitServerName(name: string): [string, string] {
  if (name.length >= 5 && name.slice(0, 5).toLowerCase() === "unix:") return [name.slice(5), ""];
  for (let k = name.length - 1; k >= 0; k--) {
    const c = name.charCodeAt(k);
    if (c === 0x3a) return [name.slice(0, k), name.slice(k + 1)];
    if (c < 0x30 || c > 0x39) break;
  }
  return [name, ""];
}

/**
 * Fills `out` with what ip_hash hashes for `address`: the first three octets of IPv4 (also
 * IPv4-mapped IPv6, so a client keeps its peer whichever way it arrives), the sixteen bytes
 * of IPv6, three zeros for anything else (a Unix socket client, as nginx). Returns how many.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashedAddressBytes } from "./_hash.ts";
 *
 * const out = new Uint8Array(16);
 * assert.equal(hashedAddressBytes("::ffff:10.1.2.3", out), 3);
 * assert.deepEqual([...out.subarray(0, 3)], [10, 1, 2]);
 * assert.equal(hashedAddressBytes("2001:db8::1", out), 16);
 * ```
 */
export function hashedAddressBytes(address: string, out: Uint8Array): number {
  if (parseIpv4(address, 0, address.length, out, 0)) return 3;
  if (parseIpv6(address, out)) {
    let mapped = out[10] === 0xff && out[11] === 0xff;
    for (let k = 0; k < 10 && mapped; k++) mapped = out[k] === 0;
    if (!mapped) return 16;
    out.copyWithin(0, 12, 15);
    return 3;
  }
  out.fill(0, 0, 3);
  return 3;
}

/** Parses dotted-quad IPv4 in `text` from `start` to `end` into 4 bytes of `out` at `at`. */
function parseIpv4(text: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let octet = 0;
  let digits = 0;
  let octets = 0;
  for (let k = start; k <= end; k++) {
    const c = k < end ? text.charCodeAt(k) : 0x2e;
    if (c >= 0x30 && c <= 0x39) {
      octet = octet * 10 + c - 0x30;
      if (++digits > 3 || octet > 255) return false;
    } else if (c === 0x2e && digits > 0 && octets < 4) {
      out[at + octets++] = octet;
      octet = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return octets === 4;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Parses IPv6 text (brackets and a `%zone` allowed) into the 16 bytes of `out`. */
function parseIpv6(address: string, out: Uint8Array): boolean {
  let text = address;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) return false;
    text = text.slice(1, close);
  }
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const gap = text.indexOf("::");
  if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) return false;
  const words: number[] = [];
  if (!ipv6Words(gap < 0 ? text : text.slice(0, gap), gap < 0, words, out)) return false;
  const before = words.length;
  if (gap >= 0 && !ipv6Words(text.slice(gap + 2), true, words, out)) return false;
  if (gap < 0 ? words.length !== 8 : words.length > 7) return false;
  out.fill(0);
  for (let k = 0; k < words.length; k++) {
    const at = k < before ? k : 8 - words.length + k;
    out[at * 2] = words[k] >>> 8;
    out[at * 2 + 1] = words[k] & 0xff;
  }
  return true;
}

/** Appends the 16-bit words of colon-separated `text`; an IPv4 tail may end the address. */
function ipv6Words(text: string, last: boolean, words: number[], scratch: Uint8Array): boolean {
  if (text === "") return true;
  const pieces = text.split(":");
  for (let k = 0; k < pieces.length; k++) {
    const piece = pieces[k];
    if (HEX_GROUP.test(piece)) {
      words.push(parseInt(piece, 16));
    } else if (last && k === pieces.length - 1 && parseIpv4(piece, 0, piece.length, scratch, 0)) {
      words.push(scratch[0] << 8 | scratch[1], scratch[2] << 8 | scratch[3]);
    } else {
      return false;
    }
  }
  return true;
}

/** A crc32 not yet begun; crc32s run as int32 and end unsigned in {@linkcode crc32Final}. *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CRC_INIT, crc32Final, crc32Update } from "./_hash.ts";
 *
 * const base = crc32Update(CRC_INIT, "host\0");
 * assert.equal(crc32Final(crc32Update(base, "80")), crc32Final(crc32Update(CRC_INIT, "host\x0080")));
 * ```
 */
export const CRC_INIT: number = -1;

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

function crc32Byte(crc: number, byte: number): number {
  return CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
}

/**
 * Continues a crc32 over `text`: a char below 256 is one byte (the proxy reads heads as
 * latin1, so these are the bytes nginx hashes), any other is the UTF-8 of its UTF-16 unit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CRC_INIT, crc32Final, crc32Update } from "./_hash.ts";
 *
 * assert.equal(crc32Final(crc32Update(CRC_INIT, "hello")), 0x3610a686);
 * ```
 */
export function crc32Update(crc: number, text: string): number {
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c < 0x100) {
      crc = crc32Byte(crc, c);
    } else if (c < 0x800) {
      crc = crc32Byte(crc32Byte(crc, 0xc0 | c >>> 6), 0x80 | c & 0x3f);
    } else {
      crc = crc32Byte(
        crc32Byte(crc32Byte(crc, 0xe0 | c >>> 12), 0x80 | c >>> 6 & 0x3f),
        0x80 | c & 0x3f,
      );
    }
  }
  return crc;
}

/** Continues a crc32 over `bytes`. *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CRC_INIT, crc32Bytes, crc32Final } from "./_hash.ts";
 *
 * assert.equal(crc32Final(crc32Bytes(CRC_INIT, new TextEncoder().encode("hello"))), 0x3610a686);
 * ```
 */
export function crc32Bytes(crc: number, bytes: Uint8Array): number {
  for (let k = 0; k < bytes.length; k++) crc = crc32Byte(crc, bytes[k]);
  return crc;
}

/** Ends a crc32: the unsigned checksum. *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CRC_INIT, crc32Final } from "./_hash.ts";
 *
 * assert.equal(crc32Final(CRC_INIT), 0);
 * ```
 */
export function crc32Final(crc: number): number {
  return (crc ^ CRC_INIT) >>> 0;
}
