/**
 * The proxy's on-the-fly compression (`gzip`, `gzip_types`, `gzip_min_length`), brotli when
 * the client prefers it, with compressed variants cached per body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compressReply } from "./mod.ts";
 *
 * const reply = { status: 200, headers: ["Content-Type", "text/css"], body: new Uint8Array(100) };
 * const head = {
 *   method: "GET", target: "/a.css", path: "/a.css", query: "", version: "1.1" as const,
 *   headers: ["accept-encoding", "br, gzip"], host: "", keepAlive: true, contentLength: 0,
 * };
 * const out = compressReply(head, reply, { gzip: true, gzipTypes: ["text/css"], gzipMinLength: 20 });
 * assert.deepEqual(out.headers.slice(-2), ["Content-Encoding", "br"]);
 * ```
 *
 * @module
 */

export {
  CompressionCache,
  type CompressOptions,
  compressReply,
  type CompressSettings,
} from "./compress.ts";
