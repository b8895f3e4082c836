/**
 * The pipeline's URI step, nginx's `ngx_http_parse_complex_uri`: percent-decode a request path
 * once, merge slashes, resolve `.` and `..`, and refuse what cannot name a file.
 *
 * @module
 */

import type { ErrorStatus } from "../types.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * Decodes and normalises a request path (the target's path, still percent-encoded, without
 * the query) into the URI that locations match and files map from: `%XX` decoded exactly once
 * (so `%252e` stays the text `%2e`), the bytes read as UTF-8, runs of `/` merged, `.` segments
 * dropped and `..` segments resolved. Answers 400 for a path that does not start with `/`, a
 * bad escape (`%zz`, `%u002e`), invalid or overlong UTF-8 (`%c0%ae`), a NUL byte, or a `..`
 * that would climb above `/`. Characters the core left in the path as they arrived (outside
 * ASCII) count as bytes when below U+0100 (the core reads heads byte for byte) and as UTF-8
 * otherwise. A path needing none of this is returned as it is, without allocating.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizeUri } from "./normalize_uri.ts";
 *
 * assert.equal(normalizeUri("/a%20b//c/./d/../e"), "/a b/c/e");
 * assert.equal(normalizeUri("/caf%C3%A9/"), "/café/");
 * assert.equal(normalizeUri("/%252e%252e/x"), "/%2e%2e/x");
 * assert.equal(normalizeUri("/%2e%2e/etc/passwd"), 400);
 * assert.equal(normalizeUri("/%c0%ae%c0%ae/etc/passwd"), 400);
 * assert.equal(normalizeUri("/a%00.html"), 400);
 * ```
 */
export function normalizeUri(rawPath: string): string | ErrorStatus {
  const length = rawPath.length;
  if (length === 0 || rawPath.charCodeAt(0) !== 47) return 400;
  for (let i = 0; i < length; i++) {
    const code = rawPath.charCodeAt(i);
    if (code === 37 || code === 0 || code > 0x7e) return decodeAndResolve(rawPath);
    if (code === 47) {
      const next = rawPath.charCodeAt(i + 1);
      if (next === 47 || next === 46) return decodeAndResolve(rawPath);
    }
  }
  return rawPath;
}

function decodeAndResolve(rawPath: string): string | ErrorStatus {
  const decoded = decode(rawPath);
  if (typeof decoded === "number") return decoded;
  return resolveDots(decoded);
}

/** `%XX` decoded once, then the bytes read as strict UTF-8; 400 on any error or a NUL. */
function decode(rawPath: string): string | ErrorStatus {
  const bytes = new Uint8Array(rawPath.length * 3);
  let n = 0;
  for (let i = 0; i < rawPath.length; i++) {
    let code = rawPath.charCodeAt(i);
    if (code === 37) {
      const high = hexValue(rawPath.charCodeAt(i + 1));
      const low = hexValue(rawPath.charCodeAt(i + 2));
      if (high < 0 || low < 0) return 400;
      code = high * 16 + low;
      i += 2;
    } else if (code > 0xff) {
      const pair = code >= 0xd800 && code <= 0xdbff ? 2 : 1;
      const { written } = encoder.encodeInto(rawPath.slice(i, i + pair), bytes.subarray(n));
      n += written;
      i += pair - 1;
      continue;
    }
    if (code === 0) return 400;
    bytes[n++] = code;
  }
  try {
    return utf8.decode(bytes.subarray(0, n));
  } catch {
    return 400;
  }
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** Merges slashes and resolves dot segments; 400 when `..` climbs above the root. */
function resolveDots(path: string): string | ErrorStatus {
  const parts = path.split("/");
  const out: string[] = [];
  let trailing = false;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    const last = i === parts.length - 1;
    if (part === "" || part === ".") {
      if (last) trailing = true;
    } else if (part === "..") {
      if (out.length === 0) return 400;
      out.pop();
      if (last) trailing = true;
    } else {
      out.push(part);
    }
  }
  if (out.length === 0) return "/";
  return "/" + out.join("/") + (trailing ? "/" : "");
}
