/**
 * On-the-fly compression of replies (nginx's `gzip` filter, with brotli when the client
 * prefers it): text bodies held in memory are compressed once per body and encoding.
 *
 * @module
 */

import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { parseAcceptEncoding } from "../../toolkit/mod.ts";
import type { Settings } from "../config/types.ts";
import { headerOf, type Reply, type RequestHead } from "../types.ts";

/** The settings {@linkcode compressReply} reads (a location's {@linkcode Settings}). */
export type CompressSettings = Pick<Settings, "gzip" | "gzipTypes" | "gzipMinLength">;

/**
 * Compressed variants of bodies, keyed by the body's identity: a static file cache that
 * hands out the same `Uint8Array` for every request gets it compressed once. Entries live
 * as long as their body. Bodies must not change after they were handed out in a reply.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CompressionCache } from "./compress.ts";
 *
 * const cache = new CompressionCache();
 * const body = new Uint8Array(8);
 * cache.set(body, "gzip", new Uint8Array(3));
 * assert.equal(cache.get(body, "gzip")?.length, 3);
 * assert.equal(cache.get(body, "br"), undefined);
 * ```
 */
export class CompressionCache {
  #variants = new WeakMap<Uint8Array, Record<string, Uint8Array>>();

  /** The variant of `body` compressed as `key` (an encoding, with its level), if kept. */
  get(body: Uint8Array, key: string): Uint8Array | undefined {
    return this.#variants.get(body)?.[key];
  }

  /** Keeps `compressed` as the `key` variant of `body`. */
  set(body: Uint8Array, key: string, compressed: Uint8Array): void {
    let variants = this.#variants.get(body);
    if (!variants) {
      this.#variants.set(body, variants = Object.create(null) as Record<string, Uint8Array>);
    }
    variants[key] = compressed;
  }
}

/** Options for {@linkcode compressReply}. */
export interface CompressOptions {
  /** gzip level, 1–9; default 1 (nginx's `gzip_comp_level`). */
  gzipLevel?: number;
  /** brotli quality, 0–11; default 4 (fast, still smaller than gzip -6). */
  brotliQuality?: number;
  /** Where compressed variants are kept; default one cache per process; `null` for none. */
  cache?: CompressionCache | null;
}

const SHARED_CACHE = new CompressionCache();
const OFFERS = ["br", "gzip"];

/** The index of header `name` (lower-case) in a reply's flat headers, or -1. */
function find(headers: string[], name: string): number {
  for (let i = 0; i < headers.length; i += 2) {
    const key = headers[i];
    if (key.length === name.length && key.toLowerCase() === name) return i;
  }
  return -1;
}

function compressible(type: string | undefined, types: readonly string[]): boolean {
  if (type === undefined) return false;
  const semicolon = type.indexOf(";");
  const mime = (semicolon === -1 ? type : type.slice(0, semicolon)).trim().toLowerCase();
  return mime === "text/html" || types.includes("*") || types.includes(mime);
}

function compress(body: Uint8Array, coding: string, options: CompressOptions): Uint8Array {
  const level = coding === "br" ? options.brotliQuality ?? 4 : options.gzipLevel ?? 1;
  const key = `${coding}${level}`;
  const cache = options.cache === undefined ? SHARED_CACHE : options.cache;
  const kept = cache?.get(body, key);
  if (kept) return kept;
  const compressed: Uint8Array = coding === "br"
    ? brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: level,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    })
    : gzipSync(body, { level });
  cache?.set(body, key, compressed);
  return compressed;
}

/** Adds `Accept-Encoding` to the reply's `Vary` (or a `Vary` header) unless it is there. */
function addVary(headers: string[]): void {
  const at = find(headers, "vary");
  if (at === -1) {
    headers.push("Vary", "Accept-Encoding");
    return;
  }
  const value = headers[at + 1];
  if (/(^|,)\s*(\*|accept-encoding)\s*(,|$)/i.test(value)) return;
  headers[at + 1] = value.trim() === "" ? "Accept-Encoding" : `${value}, Accept-Encoding`;
}

/**
 * Compresses `reply`'s body for the client when nginx's gzip filter would: `gzip` is on; the
 * status is 200, 403 or 404 (so never 206 or 304); the request is not HEAD and carries no
 * `Via` header (nginx's `gzip_proxied off`); the body is a `Uint8Array` of at least
 * `gzipMinLength` bytes; its `Content-Type` is `text/html`, in `gzipTypes`, or `gzipTypes`
 * holds `*`; the reply has no `Content-Encoding` and no `Cache-Control: no-transform`.
 *
 * Such a reply always gets `Vary: Accept-Encoding`. It is compressed with brotli when the
 * client's `Accept-Encoding` ranks `br` at least as high as `gzip`, else with gzip, if either
 * is acceptable (q above 0); then it gets `Content-Encoding`, a weak `ETag` (`W/"…"`; a
 * malformed one is dropped) and loses `Accept-Ranges`. A body that would not shrink is sent
 * as it is. The input reply is never changed: a compressed one is a new reply.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gunzipSync } from "node:zlib";
 * import { compressReply } from "./compress.ts";
 *
 * const html = new TextEncoder().encode("<p>hello</p>".repeat(100));
 * const reply = compressReply(
 *   {
 *     method: "GET", target: "/", path: "/", query: "", version: "1.1",
 *     headers: ["accept-encoding", "gzip"], host: "", keepAlive: true, contentLength: 0,
 *   },
 *   { status: 200, headers: ["Content-Type", "text/html", "ETag", '"abc"'], body: html },
 *   { gzip: true, gzipTypes: [], gzipMinLength: 20 },
 * );
 * assert.deepEqual(reply.headers, [
 *   "Content-Type", "text/html", "ETag", 'W/"abc"', "Vary", "Accept-Encoding",
 *   "Content-Encoding", "gzip",
 * ]);
 * assert.deepEqual(new Uint8Array(gunzipSync(reply.body as Uint8Array)), html);
 * ```
 */
export function compressReply(
  head: RequestHead,
  reply: Reply,
  settings: CompressSettings,
  options: CompressOptions = {},
): Reply {
  const body = reply.body;
  const status = reply.status;
  if (
    !settings.gzip || !(body instanceof Uint8Array) ||
    (status !== 200 && status !== 403 && status !== 404) ||
    body.length < settings.gzipMinLength || head.method === "HEAD"
  ) {
    return reply;
  }
  const headers = reply.headers;
  const type = find(headers, "content-type");
  if (!compressible(type === -1 ? undefined : headers[type + 1], settings.gzipTypes)) return reply;
  if (find(headers, "content-encoding") !== -1) return reply;
  const cacheControl = find(headers, "cache-control");
  if (cacheControl !== -1 && /no-transform/i.test(headers[cacheControl + 1])) return reply;
  if (headerOf(head, "via") !== null) return reply;

  const out = headers.slice();
  addVary(out);
  const acceptHeader = headerOf(head, "accept-encoding");
  const coding = acceptHeader === null ? undefined : parseAcceptEncoding(acceptHeader).best(OFFERS);
  if (coding === undefined) return { ...reply, headers: out };
  const compressed = compress(body, coding, options);
  if (compressed.length >= body.length) return { ...reply, headers: out };

  const etag = find(out, "etag");
  if (etag !== -1) {
    const value = out[etag + 1];
    if (value.startsWith('"')) out[etag + 1] = `W/${value}`;
    else if (!value.startsWith("W/")) out.splice(etag, 2);
  }
  const ranges = find(out, "accept-ranges");
  if (ranges !== -1) out.splice(ranges, 2);
  out.push("Content-Encoding", coding);
  return { ...reply, headers: out, body: compressed };
}
