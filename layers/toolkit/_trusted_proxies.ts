// Finding the client's address behind trusted reverse proxies: IP and CIDR parsing, and the
// right-to-left walk of X-Forwarded-For (nginx's real_ip with real_ip_recursive, or Werkzeug's
// ProxyFix x_for=N for a hop count). Private to request.ts and ip_ranges.ts.

/** Which peers may set `X-Forwarded-For`: CIDR ranges / addresses (and `"unix:"`), or a hop count. */
export type TrustedProxies = readonly string[] | number;

interface Range {
  bytes: number[];
  bits: number;
}

interface Trust {
  ranges: Range[];
  unix: boolean;
}

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const PREFIX = /^\d{1,3}$/;
const compiled = new WeakMap<readonly string[], Trust>();

function parseIpv4(text: string): number[] | null {
  const out = [0, 0, 0, 0];
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46) { // "."
      if (digits === 0 || part === 3) return null;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else if (code >= 48 && code <= 57) {
      if (digits > 0 && value === 0) return null; // a leading zero (octal in some parsers)
      value = value * 10 + code - 48;
      if (value > 255) return null;
      digits++;
    } else {
      return null;
    }
  }
  if (digits === 0 || part !== 3) return null;
  out[3] = value;
  return out;
}

function parseIpv6(text: string): number[] | null {
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  if (text.length < 2 || text.length > 45) return null;
  const double = text.indexOf("::");
  if (double !== -1 && text.indexOf("::", double + 1) !== -1) return null;
  const groups: number[] = [];
  const tail: number[] = [];
  const fill = (part: string, into: number[], last: boolean): boolean => {
    if (part === "") return true;
    const items = part.split(":");
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (last && i === items.length - 1 && item.includes(".")) {
        const v4 = parseIpv4(item);
        if (!v4) return false;
        into.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (HEX_GROUP.test(item)) {
        into.push(parseInt(item, 16));
      } else {
        return false;
      }
    }
    return true;
  };
  if (double === -1) {
    if (!fill(text, groups, true) || groups.length !== 8) return null;
  } else {
    if (!fill(text.slice(0, double), groups, false)) return null;
    if (!fill(text.slice(double + 2), tail, true)) return null;
    if (groups.length + tail.length > 7) return null;
    while (groups.length + tail.length < 8) groups.push(0);
    groups.push(...tail);
  }
  const out: number[] = new Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = groups[i]! >> 8;
    out[i * 2 + 1] = groups[i]! & 0xff;
  }
  return out;
}

/** Parses an IPv4 or IPv6 address (brackets and zone allowed); IPv4-mapped IPv6 becomes IPv4. */
export function parseIp(text: string): number[] | null {
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  if (!text.includes(":")) return parseIpv4(text);
  const v6 = parseIpv6(text);
  if (!v6) return null;
  for (let i = 0; i < 10; i++) if (v6[i] !== 0) return v6;
  return v6[10] === 0xff && v6[11] === 0xff ? v6.slice(12) : v6;
}

/** Strips brackets and a port from an X-Forwarded-For entry (`[::1]:80`, `1.2.3.4:80`). */
function bareAddress(entry: string): string {
  const text = entry.trim();
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    return close === -1 ? text : text.slice(1, close);
  }
  const colon = text.indexOf(":");
  if (colon !== -1 && colon === text.lastIndexOf(":") && text.includes(".")) {
    return text.slice(0, colon);
  }
  return text;
}

function compile(list: readonly string[]): Trust {
  let trust = compiled.get(list);
  if (trust) return trust;
  trust = { ranges: [], unix: false };
  for (const item of list) {
    const text = item.trim();
    if (text === "unix:") {
      trust.unix = true;
      continue;
    }
    const slash = text.indexOf("/");
    const address = slash === -1 ? text : text.slice(0, slash);
    const bytes = parseIp(address);
    // An IPv4-mapped range (::ffff:10.0.0.0/104) is kept as its IPv4 part.
    const mapped = bytes !== null && bytes.length === 4 && address.includes(":");
    const max = bytes === null ? 0 : mapped ? 128 : bytes.length * 8;
    const prefix = slash === -1 ? "" : text.slice(slash + 1);
    const bits = slash === -1 ? max : PREFIX.test(prefix) ? Number(prefix) : NaN;
    const fullBits = mapped ? bits - 96 : bits;
    if (!bytes || !(fullBits >= 0 && bits <= max)) {
      throw new RangeError(
        `Cannot trust proxy "${item}": it is not an IP address, a CIDR range or "unix:"`,
      );
    }
    trust.ranges.push({ bytes, bits: fullBits });
  }
  compiled.set(list, trust);
  return trust;
}

function contains(range: Range, ip: number[]): boolean {
  if (range.bytes.length !== ip.length) return false;
  const whole = range.bits >> 3;
  for (let i = 0; i < whole; i++) if (range.bytes[i] !== ip[i]) return false;
  const rest = range.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (range.bytes[whole]! & mask) === (ip[whole]! & mask);
}

function isTrusted(trust: Trust, ip: number[]): boolean {
  for (const range of trust.ranges) if (contains(range, ip)) return true;
  return false;
}

/** Checks a trusted-proxies list up front, throwing a RangeError on an invalid entry. */
export function checkTrustedProxies(trusted: TrustedProxies): void {
  if (typeof trusted === "number") {
    if (!Number.isInteger(trusted) || trusted < 0) {
      throw new RangeError(`Cannot trust "${trusted}" proxies: give a whole number of hops`);
    }
  } else {
    compile(trusted);
  }
}

/**
 * The client's address: `peer` (the connected address, `null` for a unix socket) unless it is a
 * trusted proxy, in which case `X-Forwarded-For` is walked right to left past trusted
 * addresses; a malformed entry stops the walk at the last trusted hop.
 */
export function clientAddress(
  peer: string | null,
  forwardedFor: string | null,
  trusted: TrustedProxies,
): string | null {
  if (!forwardedFor) return peer;
  if (typeof trusted === "number") {
    if (trusted <= 0) return peer;
    const values = forwardedFor.split(",");
    if (values.length < trusted) return peer;
    const candidate = bareAddress(values[values.length - trusted]!);
    return parseIp(candidate) ? candidate : peer;
  }
  const trust = compile(trusted);
  if (peer === null) {
    if (!trust.unix) return null;
  } else {
    const ip = parseIp(peer);
    if (!ip || !isTrusted(trust, ip)) return peer;
  }
  let current = peer;
  const values = forwardedFor.split(",");
  for (let i = values.length - 1; i >= 0; i--) {
    const candidate = bareAddress(values[i]!);
    if (candidate === "" && i > 0) continue;
    const ip = parseIp(candidate);
    if (!ip) return current;
    current = candidate;
    if (!isTrusted(trust, ip)) return current;
  }
  return current;
}

/**
 * Whether `address` (an IP, or `null` for a unix-socket peer) is in `list` (addresses, CIDR
 * ranges, `"unix:"`); the list is compiled once per array. Throws a RangeError on a bad entry.
 */
export function inAddressList(list: readonly string[], address: string | null): boolean {
  const trust = compile(list);
  if (address === null) return trust.unix;
  const ip = parseIp(address);
  return ip !== null && isTrusted(trust, ip);
}
