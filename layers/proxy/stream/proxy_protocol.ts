/**
 * The PROXY protocol header a stream server writes to its backend before any client byte
 * (`proxy_protocol = "v1" | "v2"`), so the backend learns the client's real address: version 1
 * is one text line, version 2 a binary block (haproxy's `proxy-protocol.txt`).
 *
 * @module
 */

/** The two ends a header tells of: the client's, and the address it reached. */
export interface ProxyProtocolEnds {
  /** The client's address (`127.0.0.1`, `::1`, `::ffff:10.0.0.1`). */
  remoteAddr: string;
  /** The client's port. */
  remotePort: number;
  /** The address the client reached. */
  serverAddr: string;
  /** The port the client reached. */
  serverPort: number;
}

/** The 12 bytes every version 2 header starts with. */
export const PROXY_V2_SIGNATURE: Uint8Array = Uint8Array.of(
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
);

/** Version 2, command PROXY (a relayed connection). */
const V2_PROXY = 0x21;
/** Version 2, command LOCAL (no addresses: the receiver uses the connection's own). */
const V2_LOCAL = 0x20;
/** Address family and transport: AF_INET + STREAM, AF_INET6 + STREAM. */
const V2_TCP4 = 0x11;
const V2_TCP6 = 0x21;

/**
 * The version 1 header for `ends`: `PROXY TCP4 src dst sport dport\r\n` (or `TCP6`). An
 * IPv4-mapped IPv6 address counts as IPv4; when one end is IPv4 and the other IPv6, the IPv4
 * one is written mapped (`::ffff:a.b.c.d`) under `TCP6`. Ends that are not IP addresses give
 * `PROXY UNKNOWN\r\n`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proxyProtocolV1 } from "./proxy_protocol.ts";
 *
 * const ends = { remoteAddr: "192.0.2.7", remotePort: 51000, serverAddr: "192.0.2.1", serverPort: 7000 };
 * assert.equal(proxyProtocolV1(ends), "PROXY TCP4 192.0.2.7 192.0.2.1 51000 7000\r\n");
 * ```
 */
export function proxyProtocolV1(ends: ProxyProtocolEnds): string {
  const pair = addressPair(ends);
  if (!pair) return "PROXY UNKNOWN\r\n";
  const [src, dst] = pair;
  const family = src.length === 4 ? "TCP4" : "TCP6";
  return `PROXY ${family} ${formatIp(src)} ${
    formatIp(dst)
  } ${ends.remotePort} ${ends.serverPort}\r\n`;
}

/**
 * The version 2 header for `ends`: the signature, `0x21` (version 2, PROXY), `0x11` (AF_INET,
 * STREAM) or `0x21` (AF_INET6, STREAM), the length of what follows (12 or 36, big-endian),
 * then source and destination addresses and ports in network order. Addresses are paired as
 * {@linkcode proxyProtocolV1} pairs them; ends that are not IP addresses give a LOCAL header
 * with no addresses (`0x20 0x00 0x00 0x00`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proxyProtocolV2 } from "./proxy_protocol.ts";
 *
 * const header = proxyProtocolV2({ remoteAddr: "10.0.0.2", remotePort: 443, serverAddr: "10.0.0.1", serverPort: 80 });
 * assert.equal(header.length, 28);
 * assert.deepEqual([...header.subarray(12, 16)], [0x21, 0x11, 0x00, 0x0c]);
 * assert.deepEqual([...header.subarray(16)], [10, 0, 0, 2, 10, 0, 0, 1, 0x01, 0xbb, 0x00, 0x50]);
 * ```
 */
export function proxyProtocolV2(ends: ProxyProtocolEnds): Uint8Array {
  const pair = addressPair(ends);
  const size = pair ? pair[0].length * 2 + 4 : 0;
  const out = new Uint8Array(16 + size);
  out.set(PROXY_V2_SIGNATURE);
  out[12] = pair ? V2_PROXY : V2_LOCAL;
  if (!pair) return out;
  const [src, dst] = pair;
  out[13] = src.length === 4 ? V2_TCP4 : V2_TCP6;
  out[14] = size >> 8;
  out[15] = size & 0xff;
  out.set(src, 16);
  out.set(dst, 16 + src.length);
  const ports = 16 + src.length * 2;
  out[ports] = ends.remotePort >> 8;
  out[ports + 1] = ends.remotePort & 0xff;
  out[ports + 2] = ends.serverPort >> 8;
  out[ports + 3] = ends.serverPort & 0xff;
  return out;
}

/**
 * The header of `version` for `ends`, as bytes to write first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proxyProtocolHeader } from "./proxy_protocol.ts";
 *
 * const ends = { remoteAddr: "::1", remotePort: 5000, serverAddr: "::1", serverPort: 7000 };
 * assert.equal(new TextDecoder().decode(proxyProtocolHeader("v1", ends)), "PROXY TCP6 ::1 ::1 5000 7000\r\n");
 * assert.equal(proxyProtocolHeader("v2", ends).length, 52);
 * ```
 */
export function proxyProtocolHeader(version: "v1" | "v2", ends: ProxyProtocolEnds): Uint8Array {
  return version === "v1" ? new TextEncoder().encode(proxyProtocolV1(ends)) : proxyProtocolV2(ends);
}

/** The ends' addresses as bytes of one family (4 or 16 each), or null when not both IP. */
function addressPair(ends: ProxyProtocolEnds): [Uint8Array, Uint8Array] | null {
  if (!validPort(ends.remotePort) || !validPort(ends.serverPort)) return null;
  let src = parseIp(ends.remoteAddr);
  let dst = parseIp(ends.serverAddr);
  if (!src || !dst) return null;
  if (src.length !== dst.length) {
    if (src.length === 4) src = mapped(src);
    else dst = mapped(dst);
  }
  return [src, dst];
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 0xffff;
}

/** `a.b.c.d` as the IPv4-mapped IPv6 address `::ffff:a.b.c.d`. */
function mapped(v4: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(v4, 12);
  return out;
}

/**
 * An IP address as 4 bytes (IPv4, or IPv4-mapped IPv6) or 16 (IPv6); brackets and a zone
 * (`%eth0`) are dropped. Null when `text` is not one.
 */
function parseIp(text: string): Uint8Array | null {
  let s = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  const v4 = parseIpv4(s);
  if (v4) return v4;
  const v6 = parseIpv6(s);
  if (!v6) return null;
  let isMapped = v6[10] === 0xff && v6[11] === 0xff;
  for (let k = 0; k < 10 && isMapped; k++) isMapped = v6[k] === 0;
  return isMapped ? v6.slice(12) : v6;
}

function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let k = 0; k < 4; k++) {
    if (!/^\d{1,3}$/.test(parts[k])) return null;
    const n = Number(parts[k]);
    if (n > 255) return null;
    out[k] = n;
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | null {
  if (!s.includes(":")) return null;
  const out = new Uint8Array(16);
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string): number[] | null => {
    if (half === "") return [];
    const words: number[] = [];
    const parts = half.split(":");
    for (let k = 0; k < parts.length; k++) {
      const part = parts[k];
      if (k === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (!v4) return null;
        words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) words.push(parseInt(part, 16));
      else return null;
    }
    return words;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  const total = head.length + tail.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return null;
  const words = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  for (let k = 0; k < 8; k++) {
    out[k * 2] = words[k] >> 8;
    out[k * 2 + 1] = words[k] & 0xff;
  }
  return out;
}

/** 4 bytes as `a.b.c.d`; 16 as RFC 5952 text (`::ffff:a.b.c.d` for a mapped address). */
function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join(".");
  let isMapped = bytes[10] === 0xff && bytes[11] === 0xff;
  for (let k = 0; k < 10 && isMapped; k++) isMapped = bytes[k] === 0;
  if (isMapped) return `::ffff:${bytes.subarray(12).join(".")}`;
  const words: number[] = [];
  for (let k = 0; k < 8; k++) words.push((bytes[k * 2] << 8) | bytes[k * 2 + 1]);
  // The longest run of two or more zero words (the first of equals) becomes "::".
  let best = -1;
  let bestLength = 1;
  for (let k = 0; k < 8;) {
    if (words[k] !== 0) {
      k++;
      continue;
    }
    let end = k;
    while (end < 8 && words[end] === 0) end++;
    if (end - k > bestLength) {
      best = k;
      bestLength = end - k;
    }
    k = end;
  }
  const hex = (list: number[]) => list.map((w) => w.toString(16)).join(":");
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLength))}`;
}
