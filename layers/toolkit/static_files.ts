/**
 * Static files (Werkzeug's `send_file` / `send_from_directory`, nginx's static handler): one
 * implementation for the framework and the proxy, with conditional requests, byte ranges,
 * precompressed siblings and constant memory on large files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sendFromDirectory } from "./static_files.ts";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/hello.txt`, "Hello, World!\n");
 * const response = await sendFromDirectory(new Request("http://x/hello.txt"), root, "hello.txt");
 * assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
 * assert.equal(await response.text(), "Hello, World!\n");
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @module
 */

import { fileStream, fromMemory, readFile, refuseSymlink, statFile } from "./_file_io.ts";
import { Forbidden, NotFound } from "./exceptions.ts";
import { parseAcceptEncoding } from "./http/accept.ts";
import { evaluatePreconditions, evaluateRange, notModified } from "./http/conditional.ts";
import { formatHttpDate } from "./http/dates.ts";
import { fileEtag, quoteEtag, unquoteEtag } from "./http/etag.ts";
import { contentTypeFor } from "./http/mime.ts";
import { dumpOptionsHeader } from "./http/options_header.ts";
import { type ByteRange, formatContentRange, frameByteranges } from "./http/range.ts";
import { safeJoin } from "./http/security.ts";

/** A precompressed sibling the sender may serve: `br` → `file.br`, `gzip` → `file.gz`. */
export type PrecompressedEncoding = "br" | "gzip";

/** Options of {@linkcode sendFile} and {@linkcode sendFromDirectory}. */
export interface StaticFileOptions {
  /** The `Content-Type`; default from the extension (see `contentTypeFor`), else octet-stream. */
  contentType?: string;
  /** Extension → type overrides for the default content type (nginx `types`). */
  mimeTypes?: Readonly<Record<string, string>>;
  /** Send as an attachment: `true` uses the file's name, a string names it. */
  download?: boolean | string;
  /** `true` (default): nginx-style tag from mtime and size; a string: that tag; `false`: none. */
  etag?: boolean | string;
  /** `true` (default): the file's mtime; a date: that date; `false`: no `Last-Modified`. */
  lastModified?: boolean | Date | number;
  /** `Cache-Control: public, max-age=N` (seconds). */
  maxAge?: number;
  /** Add `immutable` (with a year's `max-age` when `maxAge` is not given). */
  immutable?: boolean;
  /** The whole `Cache-Control` value; wins over `maxAge` and `immutable`. */
  cacheControl?: string;
  /** Answer `If-*` preconditions with 304 / 412; default true. */
  conditional?: boolean;
  /** Answer `Range` requests and send `Accept-Ranges: bytes`; default true. */
  acceptRanges?: boolean;
  /** Most ranges one request may get after coalescing (more: whole file); default 16. */
  maxRanges?: number;
  /** Serve `file.br` / `file.gz` when the client accepts them (nginx `gzip_static`); `true` = both. */
  precompressed?: boolean | readonly PrecompressedEncoding[];
  /** Extra response headers, set last. */
  headers?: HeadersInit;
  /** `false` refuses symlinks leaving the directory (nginx `disable_symlinks`); default true. */
  followSymlinks?: boolean;
  /** Path segments starting with "." in `sendFromDirectory`: 404 (`"ignore"`, default), 403 (`"deny"`), or served. */
  dotfiles?: "allow" | "deny" | "ignore";
  /** Files up to this size are read in one call instead of streamed; default 64 KiB. */
  inMemoryLimit?: number;
  /** Bytes per read when streaming; default 64 KiB. */
  chunkSize?: number;
  /**
   * Stat and read small files with synchronous calls, as nginx does without `aio` (default
   * true): a few µs on a page-cache hit instead of a trip through the async op pool, but the
   * event loop waits for a slow disk. Set false for network file systems. Large files always
   * stream asynchronously.
   */
  syncIo?: boolean;
}

const KIB64 = 65536;
const YEAR = 31536000;
const ALL_ENCODINGS: readonly PrecompressedEncoding[] = ["br", "gzip"];
const SUFFIX: Readonly<Record<PrecompressedEncoding, string>> = { br: ".br", gzip: ".gz" };
const EMPTY = new Uint8Array(0);

/**
 * Sends a file: 200 with the bytes, or 304 / 412 / 206 / 416 as the request's conditions and
 * ranges say; HEAD gets the same headers without a body. `Content-Length` is always set. Small
 * files are read in one call; larger ones stream in `chunkSize` reads that stop at the range and
 * close the file at the end, on error and when the client goes away. Throws `NotFound` when the
 * file is missing, is not a regular file, or cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sendFile } from "./static_files.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".txt" });
 * await Deno.writeTextFile(path, "0123456789");
 * const first = await sendFile(new Request("http://x/"), path);
 * const etag = first.headers.get("etag")!;
 * await first.body?.cancel();
 * const again = await sendFile(new Request("http://x/", { headers: { "if-none-match": etag } }), path);
 * assert.equal(again.status, 304);
 * const part = await sendFile(new Request("http://x/", { headers: { range: "bytes=2-4" } }), path);
 * assert.equal(part.status, 206);
 * assert.equal(await part.text(), "234");
 * await Deno.remove(path);
 * ```
 */
export async function sendFile(
  request: Request,
  path: string,
  options?: StaticFileOptions,
): Promise<Response> {
  return await serveFile(request, path, options ?? {}, null);
}

/**
 * Sends `path` (untrusted, already percent-decoded) from under `directory` (trusted), as
 * {@linkcode sendFile} does. Throws `NotFound` when the path escapes the directory (`..`, an
 * absolute path, a NUL byte, a backslash), names a missing file or a directory, or has a dot
 * segment (`.env`, `.git/config`) under the default `dotfiles: "ignore"`; `Forbidden` for a dot
 * segment under `dotfiles: "deny"`. With `followSymlinks: false`, a symlink resolving outside the
 * directory is `NotFound` too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NotFound } from "./exceptions.ts";
 * import { sendFromDirectory } from "./static_files.ts";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/app.js`, "export {};\n");
 * const get = new Request("http://x/");
 * const response = await sendFromDirectory(get, root, "app.js", { maxAge: 3600 });
 * assert.equal(response.headers.get("cache-control"), "public, max-age=3600");
 * await response.body?.cancel();
 * await assert.rejects(sendFromDirectory(get, root, "../etc/passwd"), NotFound);
 * await assert.rejects(sendFromDirectory(get, root, ".env"), NotFound);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function sendFromDirectory(
  request: Request,
  directory: string,
  path: string,
  options?: StaticFileOptions,
): Promise<Response> {
  const resolved = options ?? {};
  const dotfiles = resolved.dotfiles ?? "ignore";
  if (dotfiles !== "allow" && hasDotSegment(path)) {
    throw dotfiles === "deny" ? new Forbidden() : new NotFound();
  }
  const full = safeJoin(directory, path);
  if (full === null) throw new NotFound();
  return await serveFile(request, full, resolved, directory);
}

function hasDotSegment(path: string): boolean {
  if (!path.includes(".")) return false;
  for (const segment of path.split("/")) {
    if (segment.charCodeAt(0) === 46 && segment !== "." && segment !== "..") return true;
  }
  return false;
}

async function serveFile(
  request: Request,
  path: string,
  options: StaticFileOptions,
  root: string | null,
): Promise<Response> {
  const sync = options.syncIo !== false;
  let file = path;
  let encoding: PrecompressedEncoding | null = null;
  let info: Deno.FileInfo | null = null;
  if (options.precompressed) {
    const offers = options.precompressed === true ? ALL_ENCODINGS : options.precompressed;
    for (const offer of acceptedEncodings(request.headers.get("accept-encoding"), offers)) {
      info = await statFile(path + SUFFIX[offer], sync);
      if (info) {
        file = path + SUFFIX[offer];
        encoding = offer;
        break;
      }
    }
  }
  info ??= await statFile(path, sync);
  if (!info) throw new NotFound();
  if (options.followSymlinks === false) await refuseSymlink(file, root);

  const headers = new Headers();
  headers.set(
    "content-type",
    options.contentType ?? contentTypeFor(path, options.mimeTypes) ??
      "application/octet-stream",
  );
  if (encoding) headers.set("content-encoding", encoding);
  if (options.precompressed) headers.set("vary", "Accept-Encoding");
  const etag = etagFor(options.etag, info);
  if (etag) headers.set("etag", etag);
  const lastModified = options.lastModified === false
    ? null
    : options.lastModified === true || options.lastModified === undefined
    ? info.mtime
    : options.lastModified;
  if (lastModified !== null) headers.set("last-modified", formatHttpDate(lastModified));
  const cacheControl = cacheControlFor(options);
  if (cacheControl) headers.set("cache-control", cacheControl);
  if (options.download) {
    const name = typeof options.download === "string" ? options.download : basename(path);
    headers.set("content-disposition", dumpOptionsHeader("attachment", { filename: name }));
  }
  const acceptRanges = options.acceptRanges !== false;
  if (acceptRanges) headers.set("accept-ranges", "bytes");
  if (options.headers) {
    new Headers(options.headers).forEach((value, name) => headers.set(name, value));
  }

  if (options.conditional !== false) {
    const status = evaluatePreconditions(request, { etag, lastModified });
    if (status === 304) return notModified(headers);
    if (status === 412) return new Response(null, { status: 412 });
  }
  const size = info.size;
  const ranges = acceptRanges
    ? evaluateRange(request, { etag, lastModified, size, maxRanges: options.maxRanges })
    : null;
  if (ranges === "unsatisfiable") {
    return new Response(null, {
      status: 416,
      headers: { "content-range": formatContentRange(null, size), "accept-ranges": "bytes" },
    });
  }
  if (ranges === null && request.method === "HEAD") {
    headers.set("content-length", String(size));
    return new Response(null, { status: 200, headers });
  }
  let source: Uint8Array<ArrayBuffer> | { path: string; chunkSize: number };
  if (size <= (options.inMemoryLimit ?? KIB64)) {
    source = size === 0 ? EMPTY : await readFile(file, sync);
    if (source.length !== size) { // changed since the stat: send it whole, as it is now
      headers.set("content-length", String(source.length));
      return new Response(source, { status: 200, headers });
    }
  } else {
    source = { path: file, chunkSize: options.chunkSize ?? KIB64 };
  }
  let segments: (Uint8Array | ByteRange)[] = ranges ?? (size ? [{ start: 0, end: size - 1 }] : []);
  let length = size;
  if (ranges?.length === 1) {
    headers.set("content-range", formatContentRange(ranges[0], size));
    length = ranges[0].end - ranges[0].start + 1;
  } else if (ranges) {
    const framed = frameByteranges(ranges, { size, contentType: headers.get("content-type") });
    headers.set("content-type", framed.contentType);
    length = framed.contentLength;
    segments = framed.parts.flatMap(({ head, range }) => [head, range]);
    segments.push(framed.tail);
  }
  headers.set("content-length", String(length));
  const body = source instanceof Uint8Array
    ? fromMemory(source, segments, length)
    : await fileStream(source.path, segments, source.chunkSize);
  return new Response(body, { status: ranges ? 206 : 200, headers });
}

/**
 * The offers the client accepts at least as much as the identity, best first (ties keep the
 * configured order). No `Accept-Encoding` means no precompressed file, as in nginx.
 */
function acceptedEncodings(
  header: string | null,
  offers: readonly PrecompressedEncoding[],
): PrecompressedEncoding[] {
  if (!header) return [];
  const accept = parseAcceptEncoding(header);
  const identity = accept.quality("identity");
  const ranked: { offer: PrecompressedEncoding; q: number }[] = [];
  for (const offer of offers) {
    const q = accept.quality(offer);
    if (q > 0 && q >= identity) ranked.push({ offer, q });
  }
  return ranked.length < 2
    ? ranked.map((entry) => entry.offer)
    : ranked.sort((a, b) => b.q - a.q).map((entry) => entry.offer);
}

function etagFor(option: boolean | string | undefined, info: Deno.FileInfo): string | null {
  if (option === false) return null;
  if (typeof option !== "string") return fileEtag(info);
  return unquoteEtag(option) ? option.trim() : quoteEtag(option);
}

function cacheControlFor(options: StaticFileOptions): string | null {
  if (options.cacheControl) return options.cacheControl;
  if (options.maxAge === undefined && !options.immutable) return null;
  const maxAge = Math.max(0, Math.floor(options.maxAge ?? YEAR));
  return `public, max-age=${maxAge}${options.immutable ? ", immutable" : ""}`;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
