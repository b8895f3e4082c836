/**
 * IP address lists: addresses and CIDR ranges, IPv4 and IPv6 (IPv4-mapped IPv6 counts as
 * IPv4), plus `"unix:"` for unix-socket peers. The same matcher the request wrapper uses for
 * trusted proxies; the proxy's `allow`/`deny` use it too.
 *
 * @module
 */

import { inAddressList } from "./_trusted_proxies.ts";

/**
 * A compiled list of addresses and CIDR ranges.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IpRanges } from "./ip_ranges.ts";
 *
 * const lan = new IpRanges(["10.0.0.0/8", "::1", "unix:"]);
 * assert.ok(lan.has("10.1.2.3"));
 * assert.ok(lan.has("::ffff:10.9.9.9"));
 * assert.ok(lan.has(null)); // a unix-socket peer
 * assert.ok(!lan.has("192.168.1.1"));
 * assert.throws(() => new IpRanges(["10.0.0.0/33"]), RangeError);
 * ```
 */
export class IpRanges {
  readonly #list: readonly string[];

  /** Compiles `list`; a RangeError names the first entry that is not an address or range. */
  constructor(list: readonly string[]) {
    this.#list = [...list];
    inAddressList(this.#list, "0.0.0.0");
  }

  /** Whether `address` is in the list; `null` stands for a unix-socket peer. */
  has(address: string | null): boolean {
    return inAddressList(this.#list, address);
  }
}
