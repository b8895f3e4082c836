/**
 * `allow` / `deny` / `access`: client address rules, checked in order, first match wins.
 *
 * @module
 */

import type { At } from "./_locate.ts";
import { describe, expectStrings } from "./_values.ts";

/** One access rule. */
export type AccessRule = { allow: boolean; cidr: string };

/** Whether `text` is a dotted-quad IPv4 address. */
function isIPv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** Whether `text` is an IPv6 address (the URL parser is the judge). */
function isIPv6(text: string): boolean {
  if (!/^[0-9a-f:.]+$/i.test(text) || !text.includes(":")) return false;
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

/** Checks `all`, `unix:`, an address or a CIDR (`10.0.0.0/8`, `fd00::/8`). */
export function checkCidr(text: string, at: At): string {
  if (text === "all" || text === "unix:") return text;
  const [address, bits, extra] = text.split("/");
  const v4 = isIPv4(address);
  if (extra === undefined && (v4 || isIPv6(address))) {
    const max = v4 ? 32 : 128;
    if (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max)) return text;
  }
  return at.fail(
    `expected an IPv4 or IPv6 address or CIDR (like "10.0.0.0/8"), "unix:" or "all", got ${
      describe(text)
    }`,
  );
}

/** `allow = [...]` or `deny = [...]`: a list of addresses/CIDRs. */
export function parseAllowDeny(value: unknown, at: At, allow: boolean): AccessRule[] {
  return expectStrings(value, at).map((cidr, i) => ({
    allow,
    cidr: checkCidr(cidr.trim(), at.child(i + 1)),
  }));
}

/** `access = ["allow 10.0.0.0/8", "deny all"]`: ordered rules. */
export function parseAccess(value: unknown, at: At): AccessRule[] {
  return expectStrings(value, at, { single: false }).map((rule, i) => {
    const item: At = at.child(i + 1);
    const match = /^\s*(allow|deny)\s+(\S+)\s*$/.exec(rule);
    if (!match) item.fail(`expected "allow ADDRESS" or "deny ADDRESS", got ${describe(rule)}`);
    return { allow: match[1] === "allow", cidr: checkCidr(match[2], item) };
  });
}
