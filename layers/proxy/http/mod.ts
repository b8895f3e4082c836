/**
 * The proxy's own HTTP/1.1 server core: request heads parsed from bytes, replies written as
 * bytes, nginx's timeouts, limits and counters. {@linkcode serveListener} runs it on a
 * listener; {@linkcode parseRequestHead} is its head parser.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveListener } from "./mod.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const server = serveListener(listener, {
 *   handler: () => ({ status: 204, headers: [], body: null }),
 *   listen: "127.0.0.1:0",
 *   scheme: "http",
 *   headerTimeout: 5_000,
 *   idleTimeout: 5_000,
 * });
 * const response = await fetch(`http://127.0.0.1:${listener.addr.port}/`);
 * assert.equal(response.status, 204);
 * assert.equal(server.stats().requests, 1);
 * await server.drain(1000);
 * ```
 *
 * @module
 */

export { type CoreServer, type CoreStats, serveListener } from "./server.ts";
export { type CoreOptions, resolveCoreOptions, type ResolvedCoreOptions } from "./options.ts";
export { HeadError, type HeadLimits, latin1, parseRequestHead } from "./parse.ts";
export type {
  Completed,
  Exchange,
  FileRange,
  Handler,
  Reply,
  ReplyBody,
  RequestHead,
} from "../types.ts";
export type { Logger } from "../../gateway/mod.ts";
export { errorPage, reasonPhrase, SERVER_FULL, SERVER_NAME, serverSignature } from "./pages.ts";
