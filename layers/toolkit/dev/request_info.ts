/**
 * What the debug page shows of a request: method, URL, headers (credentials masked), the
 * client's address and the mount point.
 *
 * @module
 */

import { formatAddr } from "../../gateway/mod.ts";
import type { Context } from "../../gateway/mod.ts";

/** A request as the debug page shows it. */
export interface RequestInfo {
  /** The request method. */
  method: string;
  /** The full URL. */
  url: string;
  /** The HTTP version of the request line, when known. */
  protocol?: string;
  /** The headers, sorted by (lower-cased) name as `Headers` iterates them, credentials masked. */
  headers: [string, string][];
  /** The client's address (`127.0.0.1:51234`, `unix`), when known. */
  remoteAddr?: string;
  /** Where the app is mounted (`ctx.rootPath`), when known. */
  rootPath?: string;
}

/** What replaces a secret. */
export const MASK = "[masked]";

/** Headers whose values are credentials: masked, keeping the auth scheme or the cookie names. */
const SECRET_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "x-api-key",
  "x-auth-token",
]);

/**
 * Masks a header value that carries credentials: `Bearer abc` becomes `Bearer [masked]`,
 * `a=1; b=2` becomes `a=[masked]; b=[masked]`; other headers are returned as they are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maskHeader } from "./request_info.ts";
 *
 * assert.equal(maskHeader("authorization", "Basic dXNlcjpwYXNz"), "Basic [masked]");
 * assert.equal(maskHeader("cookie", "sid=abc; theme=dark"), "sid=[masked]; theme=[masked]");
 * assert.equal(maskHeader("accept", "text/html"), "text/html");
 * ```
 */
export function maskHeader(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (!SECRET_HEADERS.has(lower)) return value;
  if (lower === "cookie") {
    return value.split(";").map((pair) => {
      const eq = pair.indexOf("=");
      return eq === -1 ? MASK : `${pair.slice(0, eq).trim()}=${MASK}`;
    }).join("; ");
  }
  const space = value.indexOf(" ");
  if ((lower === "authorization" || lower === "proxy-authorization") && space > 0) {
    return `${value.slice(0, space)} ${MASK}`;
  }
  return MASK;
}

/**
 * Captures what the debug page shows of `request` (and of `ctx`, when there is one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeRequest } from "./request_info.ts";
 *
 * const info = describeRequest(
 *   new Request("http://localhost/a", { headers: { authorization: "Bearer t0ken" } }),
 * );
 * assert.deepEqual(info.headers, [["authorization", "Bearer [masked]"]]);
 * ```
 */
export function describeRequest(request: Request, ctx?: Partial<Context>): RequestInfo {
  const headers: [string, string][] = [];
  for (const [name, value] of request.headers) headers.push([name, maskHeader(name, value)]);
  const info: RequestInfo = { method: request.method, url: request.url, headers };
  if (ctx?.protocol) info.protocol = ctx.protocol;
  if (ctx?.remoteAddr) {
    const addr = ctx.remoteAddr;
    info.remoteAddr = "path" in addr ? `unix${addr.path ? `:${addr.path}` : ""}` : formatAddr(addr);
  }
  if (ctx?.rootPath !== undefined) info.rootPath = ctx.rootPath;
  return info;
}
