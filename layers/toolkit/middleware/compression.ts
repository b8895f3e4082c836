/**
 * Compressing responses on the fly with brotli, gzip or deflate, as the client accepts.
 *
 * @module
 */

import { type App, type AppObject, toAppObject } from "../../gateway/mod.ts";
import { concatBytes } from "../_bytes.ts";
import { parseAcceptEncoding } from "../http/accept.ts";
import { isCompressibleType } from "../http/mime.ts";
import {
  compressBytes,
  compressStream,
  DEFAULT_BROTLI_QUALITY,
  type Encoding,
  type Levels,
} from "./_compress.ts";
import { editHeaders } from "../http/edit_headers.ts";
import { appendVary, wrapApp } from "./_http.ts";
import { wholeNumber } from "./_options.ts";

/** A content coding {@linkcode compression} can produce. */
export type CompressionEncoding = "br" | "gzip" | "deflate";

/** Options for {@linkcode compression}. */
export interface CompressionOptions {
  /** Bodies with a known length under this many bytes are sent as they are; default 1024. */
  minLength?: number;
  /**
   * Which `Content-Type`s to compress: a list of types (`"text/*"` style wildcards allowed) or a
   * test; default the types mime-db marks compressible, `text/*`, `+json`, `+xml`
   * (`isCompressibleType`), except `text/event-stream`.
   */
  types?: readonly string[] | ((contentType: string) => boolean);
  /** The codings offered, preferred first when the client rates them equally; default br, gzip, deflate. */
  encodings?: readonly CompressionEncoding[];
  /**
   * Compression levels: brotli quality 0–11 (default 4), gzip and deflate 0–9 (default: the
   * `CompressionStream` level, 6).
   */
  level?: { br?: number; gzip?: number; deflate?: number };
  /** Known-length bodies up to this size are compressed in one call instead of streamed; default 64 KiB. */
  bufferLimit?: number;
}

const ALL_ENCODINGS: readonly Encoding[] = ["br", "gzip", "deflate"];
const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i;
const DIGITS = /^\d+$/;

/**
 * Compresses response bodies for clients that accept it, choosing the coding by the
 * `Accept-Encoding` q-values (ties go to the order of `encodings`; a client that prefers
 * `identity`, or sends no `Accept-Encoding`, gets the body as it is).
 *
 * Left alone: HEAD requests, bodiless responses (204, 304), responses that already have a
 * `Content-Encoding`, `Cache-Control: no-transform`, partial content (206 or `Content-Range`),
 * types that do not compress, and bodies under `minLength` bytes. A compressed response gets
 * `Content-Encoding`, a weak ETag (`W/"…"`: the bytes changed), and loses `Accept-Ranges`;
 * `Vary: Accept-Encoding` goes on every response the choice applied to, compressed or not.
 *
 * The size of a body without `Content-Length` (a string, JSON or bytes given to `Response`) is
 * learnt by reading the chunks it has ready before the next macrotask. Bodies found complete
 * and up to `bufferLimit` are compressed in one call (1.5–2× cheaper than a stream for 1 KiB)
 * and sent with their new `Content-Length`; longer or still-arriving bodies are streamed,
 * without one, through `CompressionStream` (gzip, deflate) or `node:zlib` (brotli, and gzip or
 * deflate at a chosen level). Streamed output is not flushed per chunk, so event streams
 * (`text/event-stream`) are never compressed by default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gunzipSync } from "node:zlib";
 * import { testContext } from "../../gateway/mod.ts";
 * import { compression } from "./compression.ts";
 *
 * const json = JSON.stringify({ items: Array.from({ length: 200 }, (_, id) => ({ id })) });
 * const app = compression()(() => Response.json(JSON.parse(json)));
 * const ctx = testContext();
 * const request = new Request("http://x/", { headers: { "accept-encoding": "gzip" } });
 * const response = await app.fetch(request, ctx);
 * assert.equal(response.headers.get("content-encoding"), "gzip");
 * assert.equal(response.headers.get("vary"), "Accept-Encoding");
 * const body = gunzipSync(new Uint8Array(await response.arrayBuffer()));
 * assert.equal(new TextDecoder().decode(body), json);
 * ```
 */
export function compression(options: CompressionOptions = {}): (app: App) => AppObject {
  const minLength = wholeNumber(options.minLength ?? 1024, 'compression: "minLength"');
  const bufferLimit = wholeNumber(options.bufferLimit ?? 65536, 'compression: "bufferLimit"');
  const encodings = options.encodings ?? ALL_ENCODINGS;
  for (const encoding of encodings) {
    if (!ALL_ENCODINGS.includes(encoding)) {
      throw new TypeError(
        `Cannot create compression: unknown encoding "${encoding}", expected br, gzip or deflate`,
      );
    }
  }
  const offers = [...encodings, "identity"];
  const levels: Levels = {
    br: level(options.level?.br, 11, "br") ?? DEFAULT_BROTLI_QUALITY,
    gzip: level(options.level?.gzip, 9, "gzip"),
    deflate: level(options.level?.deflate, 9, "deflate"),
  };
  const compressible = typeMatcher(options.types);

  return (app) => {
    const inner = toAppObject(app);
    return wrapApp(inner, async (request, ctx) => {
      const response = await inner.fetch(request, ctx);
      // `response.body` is not read before a body is to be compressed: reading it turns a
      // string or bytes body into a stream, and the server then loses its Content-Length.
      if (request.method === "HEAD") return response;
      const headers = response.headers;
      if (
        response.status === 206 || headers.has("content-range") ||
        headers.has("content-encoding")
      ) return response;
      const type = headers.get("content-type");
      if (type === null || !compressible(type)) return response;
      const cacheControl = headers.get("cache-control");
      if (cacheControl !== null && NO_TRANSFORM.test(cacheControl)) return response;

      const acceptEncoding = request.headers.get("accept-encoding");
      const encoding = acceptEncoding === null
        ? undefined
        : parseAcceptEncoding(acceptEncoding).best(offers) as Encoding | "identity" | undefined;
      const lengthHeader = headers.get("content-length");
      const length = lengthHeader !== null && DIGITS.test(lengthHeader)
        ? Number(lengthHeader)
        : null;
      if (
        encoding === undefined || encoding === "identity" || length !== null && length < minLength
      ) {
        return editHeaders(response, (h) => appendVary(h, "Accept-Encoding"));
      }
      if (response.body === null) return response;
      const init = compressedInit(response, encoding);
      if (length !== null && length <= bufferLimit) {
        return oneShot(await response.bytes(), encoding, levels, init);
      }
      if (length === null) {
        // Most bodies are in memory already (a string, JSON, bytes) yet carry no length: read
        // what is at hand at once, so small ones are judged by their size and compressed in one
        // call; a body still arriving is streamed from where the peek stopped.
        const peeked = await peek(response.body, bufferLimit);
        if (peeked.done) {
          const data = concatBytes(peeked.chunks, peeked.size);
          if (data.byteLength >= minLength) return oneShot(data, encoding, levels, init);
          const headers = new Headers(response.headers);
          appendVary(headers, "Accept-Encoding");
          return new Response(data, { ...init, headers });
        }
        init.headers.delete("content-length");
        return new Response(resume(peeked).pipeThrough(compressStream(encoding, levels)), init);
      }
      init.headers.delete("content-length");
      return new Response(response.body.pipeThrough(compressStream(encoding, levels)), init);
    });
  };
}

interface ResponseInitWithHeaders {
  status: number;
  statusText: string;
  headers: Headers;
}

/** The status and headers of `response` once compressed with `encoding`. */
function compressedInit(response: Response, encoding: Encoding): ResponseInitWithHeaders {
  const headers = new Headers(response.headers);
  appendVary(headers, "Accept-Encoding");
  headers.set("content-encoding", encoding);
  headers.delete("accept-ranges");
  const etag = headers.get("etag");
  if (etag !== null && etag.startsWith('"')) headers.set("etag", `W/${etag}`);
  return { status: response.status, statusText: response.statusText, headers };
}

function oneShot(
  data: Uint8Array,
  encoding: Encoding,
  levels: Levels,
  init: ResponseInitWithHeaders,
): Response {
  const compressed = compressBytes(data, encoding, levels);
  init.headers.set("content-length", String(compressed.byteLength));
  return new Response(compressed as Uint8Array<ArrayBuffer>, init);
}

interface Peeked {
  reader: ReadableStreamDefaultReader<Uint8Array>;
  chunks: Uint8Array[];
  size: number;
  done: boolean;
  /** The read that was still waiting when the peek stopped. */
  pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
}

/**
 * Reads the chunks `body` has ready now (those that arrive before the next macrotask), up to
 * a little past `limit` bytes.
 */
async function peek(body: ReadableStream<Uint8Array>, limit: number): Promise<Peeked> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = new Promise<null>((resolve) => timer = setTimeout(resolve, 0, null));
  try {
    while (size <= limit) {
      const next = reader.read();
      const result = await Promise.race([next, later]);
      if (result === null) return { reader, chunks, size, done: false, pending: next };
      if (result.done) return { reader, chunks, size, done: true, pending: undefined };
      chunks.push(result.value);
      size += result.value.byteLength;
    }
    return { reader, chunks, size, done: false, pending: undefined };
  } finally {
    clearTimeout(timer);
  }
}

/** The peeked chunks followed by the rest of the body. */
function resume(peeked: Peeked): ReadableStream<Uint8Array> {
  const { reader, chunks } = peeked;
  let pending = peeked.pending;
  let index = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index < chunks.length) {
        controller.enqueue(chunks[index++]);
        return;
      }
      const result = await (pending ?? reader.read());
      pending = undefined;
      if (result.done) controller.close();
      else controller.enqueue(result.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

function typeMatcher(
  types: CompressionOptions["types"],
): (contentType: string) => boolean {
  if (typeof types === "function") return types;
  if (types === undefined) {
    return (type) =>
      isCompressibleType(type) && !type.toLowerCase().startsWith("text/event-stream");
  }
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const entry of types) {
    const lower = entry.toLowerCase();
    if (lower.endsWith("/*")) prefixes.push(lower.slice(0, -1));
    else exact.add(lower);
  }
  return (type) => {
    const semicolon = type.indexOf(";");
    const essence = (semicolon === -1 ? type : type.slice(0, semicolon)).trim().toLowerCase();
    return exact.has(essence) || prefixes.some((prefix) => essence.startsWith(prefix));
  };
}

function level(value: number | undefined, max: number, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new TypeError(
      `Cannot create compression: "level.${name}" must be a whole number from 0 to ${max}, ` +
        `got ${value}`,
    );
  }
  return value;
}
