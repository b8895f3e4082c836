/**
 * The hop-by-hop header fields: they describe one connection, so an app never sets them and a
 * server or proxy never forwards them.
 *
 * @module
 */

/**
 * Lower-case names of the hop-by-hop fields: RFC 9110 §7.6.1's, PEP 3333's (RFC 2616's list,
 * `proxy-authenticate`, `proxy-authorization` and `trailers` included) and `proxy-connection`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HOP_BY_HOP } from "./hop_by_hop.ts";
 *
 * assert.ok(HOP_BY_HOP.has("transfer-encoding"));
 * assert.ok(!HOP_BY_HOP.has("content-length"));
 * ```
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "trailers",
  "transfer-encoding",
  "upgrade",
]);
