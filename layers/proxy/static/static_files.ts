/**
 * The proxy's static file handler (nginx's `ngx_http_static_module`, `index`, `autoindex`,
 * `gzip_static` and `open_file_cache` in one): files answered as {@linkcode Reply}s from a
 * cache that is revalidated by one `stat` per request, with the toolkit's conditional and range
 * logic.
 *
 * @module
 */

import type { Settings } from "../config/types.ts";
import { formatContentRange, frameByteranges } from "../../toolkit/http/range.ts";
import type { ByteRange } from "../../toolkit/http/range.ts";
import type { ErrorStatus, Exchange, FileRange, Reply } from "../types.ts";
import { autoindex } from "./_autoindex.ts";
import { Conditions } from "./_conditions.ts";
import {
  type Encoding,
  type Entry,
  ENTRY_OVERHEAD,
  markRead,
  newEntry,
  prepare,
  sameFile,
  statusOf,
} from "./_entry.ts";
import { EntryCache } from "./_entry_cache.ts";
import { rangeNotSatisfiable, slashRedirect } from "./_pages.ts";
import { acceptedSiblings } from "./_precompressed.ts";
import { symlinksAllowed, symlinksAllowedCached } from "./_symlinks.ts";

/** Options of {@linkcode StaticFiles}. */
export interface StaticFilesOptions {
  /** Files up to this many bytes are kept in memory (0: none; nginx-like per-worker cache). */
  maxFileSize: number;
  /** Bytes the cache may hold in all, contents and bookkeeping (0: no cache at all). */
  totalBytes: number;
}

/** What {@linkcode probe} finds at a path (for `try_files`). */
export type ProbeResult = "file" | "dir" | "none" | "forbidden";

const DIRECTORY = -1;
const EMPTY = new Uint8Array(0);
/** How long a missing `.gz`/`.br` sibling is believed missing without a stat, in ms. */
const MISSING_TTL = 1000;
const MAX_MISSING = 4096;

/**
 * Serves files as the proxy's {@linkcode Reply}s. Per request it stats the file once and
 * compares device, inode, size, mtime and ctime with what it cached, so a changed file is never
 * served stale (a file changed within the last two seconds, which a same-size rewrite in the
 * same clock tick could hide, is re-read until it settles). Files up to `maxFileSize` are kept
 * in memory with their header values already made, so a hit builds no strings; larger ones are
 * opened per request and handed to the core as a {@linkcode FileRange}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Settings } from "../config/types.ts";
 * import type { Exchange } from "../types.ts";
 * import { StaticFiles } from "./static_files.ts";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/hello.txt`, "Hello\n");
 * const settings = {
 *   root, alias: null, index: ["index.html"], autoindex: false, autoindexFormat: "html",
 *   defaultType: "application/octet-stream", charset: "utf-8", types: {}, gzipStatic: false,
 *   etag: true, ifModifiedSince: "exact", disableSymlinks: "if_outside_root",
 *   hiddenFiles: false, serverTokens: true,
 * } as unknown as Settings;
 * const exchange = {
 *   head: { method: "GET", path: "/hello.txt", query: "", headers: [] },
 *   start: performance.now(),
 * } as unknown as Exchange;
 * const files = new StaticFiles({ maxFileSize: 65536, totalBytes: 1 << 20 });
 * const reply = files.serve(exchange, "/hello.txt", `${root}/hello.txt`, settings);
 * assert.ok(typeof reply !== "number");
 * assert.equal(reply.status, 200);
 * assert.equal(reply.headers[1], "text/plain; charset=utf-8");
 * assert.equal(new TextDecoder().decode(reply.body as Uint8Array), "Hello\n");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export class StaticFiles {
  readonly #cache: EntryCache;
  readonly #maxFileSize: number;
  readonly #conditions = new Conditions();
  readonly #missing = new Map<string, number>();

  /** Makes an empty cache of at most `options.totalBytes`. */
  constructor(options: StaticFilesOptions) {
    this.#cache = new EntryCache(options.totalBytes);
    this.#maxFileSize = Math.max(0, options.maxFileSize);
  }

  /** Bytes the cache holds now (contents plus a fixed charge per entry). */
  get cachedBytes(): number {
    return this.#cache.bytes;
  }

  /** Whether the content of `fsPath` is held in memory now. */
  isCached(fsPath: string): boolean {
    const entry = this.#cache.get(fsPath);
    return entry !== undefined && entry.bytes !== null;
  }

  /**
   * Answers `exchange` with the file at `fsPath` (from `mapPath()`), `uri` being the URI it was
   * mapped from. A file: 200, or 304 / 412 / 206 / 416 as its conditional and Range headers
   * say; a precompressed sibling under `gzip_static`. A URI ending in `/`: the first `index`
   * file, else the `autoindex` listing, else 403. A directory without the slash: 301 to
   * `uri/`. Missing: 404; refused by `disable_symlinks` or permissions: 403; a method other than
   * GET and HEAD: 405 (POST only once the file is found, as nginx). HEAD reads nothing on a
   * hit; a file above `maxFileSize` is still opened so the core can tell its length. Synchronous
   * (one `stat` per hit; a read or an open on a miss), so `await` it or not.
   */
  serve(exchange: Exchange, uri: string, fsPath: string, settings: Settings): Reply | ErrorStatus {
    const head = exchange.head;
    const method = head.method;
    if (method !== "GET" && method !== "HEAD" && method !== "POST") return 405;
    const conditional = this.#conditions.scan(head.headers);
    if (uri.charCodeAt(uri.length - 1) === 47) {
      return this.#directory(exchange, uri, fsPath, settings, conditional);
    }
    const found = this.#file(exchange, fsPath, settings, conditional);
    if (found !== DIRECTORY) return found;
    return slashRedirect(uri, head.query, settings.serverTokens);
  }

  /** The file (or its sibling) answered, or DIRECTORY when `path` is an allowed directory. */
  #file(
    exchange: Exchange,
    path: string,
    settings: Settings,
    conditional: boolean,
  ): Reply | ErrorStatus {
    const method = exchange.head.method;
    if (settings.gzipStatic && method !== "POST" && this.#conditions.acceptEncoding !== null) {
      const reply = this.#precompressed(exchange, path, settings, conditional);
      if (reply !== null) return reply;
    }
    const entry = this.#lookup(path, settings, "", path);
    if (typeof entry === "number") {
      if (entry !== DIRECTORY) return entry;
      return symlinksAllowed(path, settings) ? DIRECTORY : 403;
    }
    if (method === "POST") return 405;
    return this.#reply(method, entry, settings, conditional);
  }

  #precompressed(
    exchange: Exchange,
    path: string,
    settings: Settings,
    conditional: boolean,
  ): Reply | ErrorStatus | null {
    for (const sibling of acceptedSiblings(this.#conditions.acceptEncoding)) {
      const siblingPath = path + sibling.suffix;
      const missingSince = this.#missing.get(siblingPath);
      if (missingSince !== undefined && exchange.start - missingSince < MISSING_TTL) continue;
      const entry = this.#lookup(siblingPath, settings, sibling.encoding, path);
      if (entry === 404 || entry === DIRECTORY) {
        if (this.#missing.size >= MAX_MISSING) this.#missing.clear();
        this.#missing.set(siblingPath, exchange.start);
        continue;
      }
      if (typeof entry === "number") return entry;
      return this.#reply(exchange.head.method, entry, settings, conditional);
    }
    return null;
  }

  /** The valid entry for `path`: from the cache when one stat confirms it, else made now. */
  #lookup(
    path: string,
    settings: Settings,
    encoding: Encoding,
    typePath: string,
  ): Entry | ErrorStatus {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(path);
    } catch (error) {
      this.#cache.delete(path);
      return statusOf(error);
    }
    let entry = this.#cache.get(path);
    if (entry !== undefined) {
      if (!sameFile(entry, info)) {
        this.#cache.delete(path);
      } else {
        entry.referenced = true;
        if (entry.settings !== settings || entry.encoding !== encoding) {
          entry.allowed = symlinksAllowed(path, settings);
          prepare(entry, settings, encoding, typePath);
        }
        if (!entry.allowed) return 403;
        return entry.racy && entry.bytes !== null ? this.#reread(entry, settings, typePath) : entry;
      }
    }
    if (info.isDirectory) return DIRECTORY;
    if (!info.isFile) return 404;
    entry = newEntry(path, info);
    entry.allowed = symlinksAllowed(path, settings);
    prepare(entry, settings, encoding, typePath);
    if (entry.allowed && entry.size <= this.#maxFileSize) {
      if (entry.size + entry.cost > this.#cache.limit) {
        return this.#reread(entry, settings, typePath);
      }
      const read = this.#reread(entry, settings, typePath);
      if (read !== entry) return read;
    }
    this.#cache.set(entry);
    return entry.allowed ? entry : 403;
  }

  /**
   * Reads `entry`'s bytes again; a file whose length no longer matches its stat is answered
   * as read, outside the cache (the next request stats it afresh).
   */
  #reread(entry: Entry, settings: Settings, typePath: string): Entry | ErrorStatus {
    let bytes: Uint8Array;
    try {
      bytes = entry.size === 0 ? EMPTY : Deno.readFileSync(entry.path);
    } catch (error) {
      this.#cache.delete(entry.path);
      return statusOf(error);
    }
    if (bytes.length !== entry.size) {
      this.#cache.delete(entry.path);
      const fresh = { ...entry, size: bytes.length, bytes, racy: true };
      prepare(fresh, settings, entry.encoding, typePath);
      return fresh;
    }
    const cost = ENTRY_OVERHEAD + entry.path.length * 2 + bytes.length;
    entry.bytes = bytes;
    this.#cache.recharge(entry, cost);
    markRead(entry, Date.now());
    return entry;
  }

  /** 200 / 304 / 412 / 206 / 416 for a GET or HEAD of `entry`. */
  #reply(
    method: string,
    entry: Entry,
    settings: Settings,
    conditional: boolean,
  ): Reply | ErrorStatus {
    if (!conditional) return full(entry);
    const conditions = this.#conditions;
    const status = conditions.preconditions(method, entry.etag, entry.mtime, settings);
    if (status === 304) return { status: 304, headers: entry.notModified.slice(), body: null };
    if (status === 412) return 412;
    const ranges = conditions.ranges(method, entry.etag, entry.mtime, entry.size);
    if (ranges === null) return full(entry);
    if (ranges === "unsatisfiable") return rangeNotSatisfiable(entry.size, settings.serverTokens);
    const headers = entry.ok.slice();
    const body: (Uint8Array | FileRange)[] = [];
    try {
      if (ranges.length === 1) {
        headers.push("Content-Range", formatContentRange(ranges[0], entry.size));
        return { status: 206, headers, body: part(entry, ranges[0]) };
      }
      const framed = frameByteranges(ranges, { size: entry.size, contentType: entry.type });
      headers[1] = framed.contentType; // Content-Type comes first in `ok`
      for (const { head, range } of framed.parts) body.push(head, part(entry, range));
      body.push(framed.tail);
      return { status: 206, headers, body };
    } catch (error) {
      for (const piece of body) if (!(piece instanceof Uint8Array)) piece.file.close();
      return statusOf(error);
    }
  }

  #directory(
    exchange: Exchange,
    uri: string,
    dirPath: string,
    settings: Settings,
    conditional: boolean,
  ): Reply | ErrorStatus {
    for (const name of settings.index) {
      if (name === "" || name.charCodeAt(0) === 47) continue;
      const found = this.#file(exchange, dirPath + name, settings, conditional);
      if (found === 404 || found === DIRECTORY) continue;
      return found;
    }
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(dirPath);
    } catch (error) {
      return statusOf(error);
    }
    if (!info.isDirectory) return 404;
    if (!symlinksAllowedCached(dirPath, info, settings)) return 403;
    if (!settings.autoindex) return 403;
    const method = exchange.head.method;
    if (method !== "GET" && method !== "HEAD") return 405;
    return autoindex(dirPath, uri, settings);
  }
}

/** 200 with the whole file: its bytes, or the open file for the core to stream (and close). */
function full(entry: Entry): Reply | ErrorStatus {
  if (entry.bytes !== null) return { status: 200, headers: entry.ok.slice(), body: entry.bytes };
  if (entry.size === 0) return { status: 200, headers: entry.ok.slice(), body: EMPTY };
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(entry.path);
  } catch (error) {
    return statusOf(error);
  }
  return { status: 200, headers: entry.ok.slice(), body: { file, offset: 0, length: entry.size } };
}

/** One range: a view of the bytes, or the file opened for it (throws when it cannot be). */
function part(entry: Entry, range: ByteRange): Uint8Array | FileRange {
  if (entry.bytes !== null) return entry.bytes.subarray(range.start, range.end + 1);
  const length = range.end - range.start + 1;
  return { file: Deno.openSync(entry.path), offset: range.start, length };
}

/**
 * What is at `fsPath` for `try_files`: a `"file"`, a `"dir"`, `"none"` (missing or neither),
 * or `"forbidden"` (refused by `disable_symlinks` or permissions). One `stat`; the symlink
 * verdict is remembered while the file keeps its inode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Settings } from "../config/types.ts";
 * import { probe } from "./static_files.ts";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/a.txt`, "a");
 * const settings = { root, alias: null, disableSymlinks: "if_outside_root" } as Settings;
 * assert.equal(probe(`${root}/a.txt`, settings), "file");
 * assert.equal(probe(`${root}/`, settings), "dir");
 * assert.equal(probe(`${root}/missing`, settings), "none");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function probe(fsPath: string, settings: Settings): ProbeResult {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(fsPath);
  } catch (error) {
    return statusOf(error) === 403 ? "forbidden" : "none";
  }
  if (!info.isFile && !info.isDirectory) return "none";
  if (!symlinksAllowedCached(fsPath, info, settings)) return "forbidden";
  return info.isDirectory ? "dir" : "file";
}
