// Private to the static file engine: what the cache keeps about one file (its identity from
// the last stat, the header values computed once, the bytes when small) and how it is made.

import type { Settings } from "../config/types.ts";
import { formatHttpDate } from "../../toolkit/http/dates.ts";
import { fileEtag } from "../../toolkit/http/etag.ts";
import { contentTypeFor } from "../../toolkit/http/mime.ts";
import type { ErrorStatus } from "../types.ts";

/** A precompressed sibling's encoding, or `""` for the file itself. */
export type Encoding = "" | "br" | "gzip";

/** One cached file. Identity fields come from the stat that made (or last confirmed) it. */
export interface Entry {
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtime: number;
  ctime: number;
  /** The symlink verdict for `settings` (valid while dev and ino stay the same). */
  allowed: boolean;
  /** The settings the header values below were made for. */
  settings: Settings | null;
  /** The encoding the header values below were made for. */
  encoding: Encoding;
  /** The `Content-Type` (with charset), for multipart parts. */
  type: string;
  /** The `ETag`, or null with `etag off`. */
  etag: string | null;
  /** The header pairs of a 200 (a 206 adds Content-Range). */
  ok: string[];
  /** The header pairs of a 304. */
  notModified: string[];
  /** The whole file when it is small enough to keep, else null. */
  bytes: Uint8Array | null;
  /** Modified so recently that a same-size rewrite could keep mtime and ctime: re-read. */
  racy: boolean;
  /** CLOCK eviction: used since the sweep last passed. */
  referenced: boolean;
  /** Bytes charged to the cache. */
  cost: number;
}

/** Bytes charged per entry on top of its content (keys, header strings, the object). */
export const ENTRY_OVERHEAD = 256;

/**
 * Milliseconds within which a file's mtime/ctime may not tell two writes apart (the kernel
 * stamps files from a coarse clock; some file systems keep whole seconds): an entry read that
 * soon after its last change is re-read on every hit until it is older than this.
 */
export const RACY_MS = 2000;

/** An entry for `info` (a regular file's stat); header values are filled by `prepare()`. */
export function newEntry(path: string, info: Deno.FileInfo): Entry {
  return {
    path,
    dev: info.dev,
    ino: info.ino ?? 0,
    size: info.size,
    mtime: info.mtime?.getTime() ?? 0,
    ctime: info.ctime?.getTime() ?? 0,
    allowed: false,
    settings: null,
    encoding: "",
    type: "",
    etag: null,
    ok: [],
    notModified: [],
    bytes: null,
    racy: true,
    referenced: false,
    cost: ENTRY_OVERHEAD + path.length * 2,
  };
}

/** Whether `info` is still the file `entry` describes. */
export function sameFile(entry: Entry, info: Deno.FileInfo): boolean {
  return info.mtime?.getTime() === entry.mtime && info.size === entry.size &&
    info.ino === entry.ino && info.ctime?.getTime() === entry.ctime && info.dev === entry.dev;
}

/** Marks `entry` racy or not, from when its bytes were read. */
export function markRead(entry: Entry, readAt: number): void {
  entry.racy = readAt - Math.max(entry.mtime, entry.ctime) < RACY_MS;
}

/**
 * Computes the header values of `entry` for `settings` and `encoding`; `typePath` is the name
 * the type comes from (the file itself, or the original of a `.gz`/`.br` sibling).
 */
export function prepare(
  entry: Entry,
  settings: Settings,
  encoding: Encoding,
  typePath: string,
): void {
  entry.settings = settings;
  entry.encoding = encoding;
  entry.type = contentType(typePath, settings);
  entry.etag = settings.etag ? fileEtag({ size: entry.size, mtime: entry.mtime }) : null;
  const lastModified = formatHttpDate(entry.mtime);
  const ok = ["Content-Type", entry.type, "Last-Modified", lastModified];
  const notModified = ["Last-Modified", lastModified];
  if (entry.etag !== null) {
    ok.push("ETag", entry.etag);
    notModified.push("ETag", entry.etag);
  }
  if (encoding !== "") ok.push("Content-Encoding", encoding);
  if (settings.gzipStatic) {
    ok.push("Vary", "Accept-Encoding");
    notModified.push("Vary", "Accept-Encoding");
  }
  ok.push("Accept-Ranges", "bytes");
  entry.ok = ok;
  entry.notModified = notModified;
}

/**
 * The `Content-Type` of `path`: `[types]` overrides, else mime-db, else `default_type`; a text
 * type without parameters gets `; charset=<charset>` when `charset` is set.
 */
export function contentType(path: string, settings: Settings): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  const extension = dot > slash ? path.slice(dot + 1).toLowerCase() : "";
  let type = settings.defaultType;
  if (extension !== "") {
    if (Object.hasOwn(settings.types, extension)) {
      type = settings.types[extension];
    } else {
      const known = contentTypeFor(extension);
      if (known !== undefined) {
        const semicolon = known.indexOf(";");
        type = semicolon < 0 ? known : known.slice(0, semicolon);
      }
    }
  }
  return withCharset(type, settings.charset);
}

/** `type` plus `; charset=<charset>` when it is a text type without parameters. */
export function withCharset(type: string, charset: string | null): string {
  if (charset === null || type.includes(";") || !isTextType(type)) return type;
  return `${type}; charset=${charset}`;
}

function isTextType(essence: string): boolean {
  const type = essence.toLowerCase();
  return type.startsWith("text/") || type === "application/javascript" ||
    type === "application/json" || type === "application/xml" ||
    type === "application/rss+xml" || type === "application/atom+xml" ||
    type.endsWith("+json") || type.endsWith("+xml");
}

/** The status a failed stat or open answers: 404 missing, 403 refused, 500 anything else. */
export function statusOf(error: unknown): ErrorStatus {
  if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
    return 404;
  }
  if (
    error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.FilesystemLoop
  ) {
    return 403;
  }
  if ((error as { code?: string } | null)?.code === "ENAMETOOLONG") return 404;
  return 500;
}
