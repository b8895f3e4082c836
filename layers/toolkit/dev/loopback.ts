/**
 * Whether a listen address is reachable from this machine only: the guard that keeps the
 * debugger off the network.
 *
 * @module
 */

import { parseBind } from "../../gateway/mod.ts";

const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const LOOPBACK_NAMES: ReadonlySet<string> = new Set([
  "localhost",
  "ip6-localhost",
  "ip6-loopback",
  "::1",
  "0:0:0:0:0:0:0:1",
]);

/**
 * Whether `bind` (a `--bind` value) listens on loopback only: `127.0.0.0/8`, `::1`, `localhost`,
 * or a unix socket (local by nature, guarded by file permissions). `0.0.0.0`, `::`, a bare
 * port and any other host are not; an unparsable value is not either.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLoopbackBind } from "./loopback.ts";
 *
 * assert.equal(isLoopbackBind("127.0.0.1:8000"), true);
 * assert.equal(isLoopbackBind("[::1]:0"), true);
 * assert.equal(isLoopbackBind("unix:/tmp/app.sock"), true);
 * assert.equal(isLoopbackBind("0.0.0.0:8000"), false);
 * assert.equal(isLoopbackBind("8000"), false);
 * ```
 */
export function isLoopbackBind(bind: string): boolean {
  let address;
  try {
    address = parseBind(bind);
  } catch {
    return false;
  }
  if (address.transport === "unix") return true;
  const host = address.hostname.toLowerCase();
  if (LOOPBACK_NAMES.has(host)) return true;
  const v4 = host.startsWith("::ffff:") ? host.slice(7) : host;
  return IPV4_LOOPBACK.test(v4) && v4.split(".").every((part) => Number(part) <= 255);
}
