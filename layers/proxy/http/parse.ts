/**
 * Parsing an HTTP/1.x request head straight from its bytes, nginx's way: one decode of the
 * head, then index scans over the string — no regexes, no `split`.
 *
 * @module
 */

import type { RequestHead } from "../types.ts";

/**
 * A request head the core refuses, with the status it answers (400, 414, 431, 501, 505).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeadError } from "./parse.ts";
 *
 * const error = new HeadError(505, "HTTP/2.0 is not supported");
 * assert.equal(error.status, 505);
 * ```
 */
export class HeadError extends Error {
  /** The status to answer with. */
  readonly status: number;
  /** The request line's method, when it was read before the failure (for the access log). */
  method = "";
  /** The request line's target, when it was read before the failure. */
  target = "";

  /** Makes the error for `status` with a sentence-case `message`. */
  constructor(status: number, message: string) {
    super(message);
    this.name = "HeadError";
    this.status = status;
  }
}

/** The limits {@linkcode parseRequestHead} holds a head to. */
export interface HeadLimits {
  /** The longest request line in bytes (414 past it). */
  maxRequestLine: number;
  /** The most header fields (431 past it). */
  maxHeaders: number;
}

const SP = 32;
const HT = 9;
const CR = 13;
const LF = 10;
const COLON = 58;
const QUESTION = 63;

/** tchar (RFC 9110 §5.6.2): 1 for the bytes a token may hold; 2 marks the upper-case letters. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 65; c <= 90; c++) TCHAR[c] = 2;

const utf8 = new TextDecoder();

/** Common methods by length: a head's copy of one is reused, not allocated. */
const METHODS: string[][] = [];
for (const method of ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]) {
  (METHODS[method.length] ??= []).push(method);
}

/** `s[from, to)` as one of {@linkcode METHODS} when it is one, else `undefined`. */
function knownMethod(s: string, from: number, to: number): string | undefined {
  const list = METHODS[to - from];
  if (list === undefined) return undefined;
  for (let n = 0; n < list.length; n++) {
    if (s.startsWith(list[n], from)) return list[n];
  }
  return undefined;
}

/**
 * Decodes head bytes as ISO-8859-1, one char per byte. An all-ASCII head (nearly all of them)
 * takes the native UTF-8 decoder, 10× faster than building the string in JS.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latin1 } from "./parse.ts";
 *
 * assert.equal(latin1(new Uint8Array([0x47, 0x45, 0x54])), "GET");
 * assert.equal(latin1(new Uint8Array([0x47, 0x45, 0x54, 0xe9])), "GET\u00e9");
 * ```
 */
export function latin1(bytes: Uint8Array): string {
  const text = utf8.decode(bytes);
  // Same length and no U+FFFD: every byte was ASCII (a valid multi-byte sequence shortens the
  // string, an invalid byte becomes U+FFFD).
  if (text.length === bytes.length && text.indexOf("\uFFFD") === -1) return text;
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return out;
}

/**
 * Parses a whole request head (request line, fields, the empty line) into a
 * {@linkcode RequestHead}; a malformed one throws a {@linkcode HeadError} carrying its status.
 * Lone-LF line endings are accepted; obs-fold, a space before a colon, invalid tokens, a bad
 * Content-Length, Content-Length with Transfer-Encoding (400), a coding other than chunked
 * (501), a major version other than 1 (505) and an HTTP/1.1 request without Host (400) are not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRequestHead } from "./parse.ts";
 *
 * const bytes = new TextEncoder().encode("GET /a?b=1 HTTP/1.1\r\nHost: Example.COM:8080\r\n\r\n");
 * const head = parseRequestHead(bytes, { maxRequestLine: 8192, maxHeaders: 100 });
 * assert.equal(head.path, "/a");
 * assert.equal(head.query, "b=1");
 * assert.equal(head.host, "example.com");
 * assert.deepEqual(head.headers, ["host", "Example.COM:8080"]);
 * ```
 */
export function parseRequestHead(bytes: Uint8Array, limits: HeadLimits): RequestHead {
  return parseHeadText(latin1(bytes), limits);
}

function fail(status: number, message: string, method = "", target = ""): never {
  const error = new HeadError(status, message);
  error.method = method;
  error.target = target;
  throw error;
}

/** Parses a head already decoded to a string (see {@linkcode parseRequestHead}). */
function parseHeadText(s: string, limits: HeadLimits): RequestHead {
  let p = 0;
  while (s.charCodeAt(p) === CR || s.charCodeAt(p) === LF) p++;
  const lf = s.indexOf("\n", p);
  if (lf === -1) fail(400, "The request head has no end of line");
  const lineEnd = lf > p && s.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
  if (lineEnd - p > limits.maxRequestLine) {
    fail(414, `The request line is longer than ${limits.maxRequestLine} bytes`);
  }

  // Method: a token followed by one SP.
  let i = p;
  let c = 0;
  while (i < lineEnd && (c = s.charCodeAt(i)) < 128 && TCHAR[c] !== 0) i++;
  if (i === p || i === lineEnd || c !== SP) fail(400, "The request line has no valid method");
  const method = knownMethod(s, p, i) ?? s.slice(p, i);

  // Target: visible ASCII up to the next SP; the first "?" splits path and query.
  const targetStart = ++i;
  let question = -1;
  for (; i < lineEnd; i++) {
    c = s.charCodeAt(i);
    if (c === SP) break;
    if (c <= SP || c >= 127) {
      fail(400, "The request target has a control or non-ASCII byte", method);
    }
    if (c === QUESTION && question === -1) question = i;
  }
  if (i === targetStart) fail(400, "The request line has no target", method);
  const target = s.slice(targetStart, i);
  if (i === lineEnd) fail(400, "The request line has no HTTP version", method, target);
  const version = parseVersion(s, i + 1, lineEnd, method, target);

  // The target's forms: origin (/path), absolute (http://host/path), asterisk (*).
  let path: string;
  let query = "";
  let targetHost: string | null = null;
  if (s.charCodeAt(targetStart) === 47 /* / */) {
    if (question === -1) path = target;
    else {
      path = s.slice(targetStart, question);
      query = s.slice(question + 1, i);
    }
  } else if (target === "*") {
    if (method !== "OPTIONS") fail(400, 'The target "*" is only for OPTIONS', method, target);
    path = "*";
  } else {
    const scheme = schemeLength(target);
    if (scheme === 0) {
      fail(400, "The request target is not a path or an http(s) URL", method, target);
    }
    let slash = scheme;
    while (slash < target.length) {
      c = target.charCodeAt(slash);
      if (c === 47 || c === QUESTION) break;
      slash++;
    }
    targetHost = validHost(target.slice(scheme, slash));
    if (targetHost === null) fail(400, "The request target has an invalid host", method, target);
    const q = question === -1 ? -1 : question - targetStart;
    if (q === -1) path = slash < target.length ? target.slice(slash) : "/";
    else {
      path = q > slash ? target.slice(slash, q) : "/";
      query = target.slice(q + 1);
    }
  }

  const headers: string[] = [];
  const maxFields = limits.maxHeaders * 2;
  let hostValue: string | null = null;
  let contentLength = -2; // -2: none seen
  let transferEncoding: string | null = null;
  let close = false;
  let keepAliveToken = false;
  p = lf + 1;
  while (true) {
    const end = s.indexOf("\n", p);
    if (end === -1) fail(400, "The request head does not end in an empty line", method, target);
    const le = end > p && s.charCodeAt(end - 1) === CR ? end - 1 : end;
    if (le === p) break;
    c = s.charCodeAt(p);
    if (c === SP || c === HT) fail(400, "A header line is folded (obs-fold)", method, target);
    let k = p;
    let upper = false;
    while (k < le) {
      c = s.charCodeAt(k);
      const kind = c < 128 ? TCHAR[c] : 0;
      if (kind === 0) break;
      if (kind === 2) upper = true;
      k++;
    }
    if (k === p || k === le || c !== COLON) {
      fail(400, "A header line has no valid name and colon", method, target);
    }
    if (headers.length >= maxFields) {
      fail(431, `The request has more than ${limits.maxHeaders} header fields`, method, target);
    }
    const name = upper ? s.slice(p, k).toLowerCase() : s.slice(p, k);
    let vs = k + 1;
    let ve = le;
    while (vs < ve && ((c = s.charCodeAt(vs)) === SP || c === HT)) vs++;
    while (ve > vs && ((c = s.charCodeAt(ve - 1)) === SP || c === HT)) ve--;
    for (let j = vs; j < ve; j++) {
      c = s.charCodeAt(j);
      if ((c < SP && c !== HT) || c === 127) {
        fail(400, `Header "${name}" has a control character`, method, target);
      }
    }
    const value = s.slice(vs, ve);
    headers.push(name, value);
    switch (name.length) {
      case 4:
        if (name === "host") {
          if (hostValue !== null) fail(400, "The request has two Host headers", method, target);
          hostValue = value;
        }
        break;
      case 10:
        if (name === "connection") {
          const tokens = connectionTokens(value);
          close ||= (tokens & 1) !== 0;
          keepAliveToken ||= (tokens & 2) !== 0;
        }
        break;
      case 14:
        if (name === "content-length") {
          const length = decimal(value);
          if (length < 0 || (contentLength !== -2 && contentLength !== length)) {
            fail(400, `Invalid Content-Length "${value}"`, method, target);
          }
          contentLength = length;
        }
        break;
      case 17:
        if (name === "transfer-encoding") {
          transferEncoding = transferEncoding === null ? value : `${transferEncoding}, ${value}`;
        }
    }
    p = end + 1;
  }

  let length = contentLength === -2 ? 0 : contentLength;
  if (transferEncoding !== null) {
    if (contentLength !== -2) {
      fail(400, "The request has both Content-Length and Transfer-Encoding", method, target);
    }
    if (version === "1.0") fail(400, "Transfer-Encoding in an HTTP/1.0 request", method, target);
    const coding = transferEncoding.toLowerCase();
    if (coding !== "chunked") {
      const chunkedLast = coding.endsWith("chunked");
      fail(
        chunkedLast || coding.includes("chunked") ? 400 : 501,
        `Transfer-Encoding "${transferEncoding}" is not supported`,
        method,
        target,
      );
    }
    length = -1;
  }
  let host = "";
  if (hostValue !== null) {
    // A keep-alive client sends the same Host again and again: its check is remembered.
    if (hostValue !== lastHostValue) {
      lastHostValue = hostValue;
      lastHost = validHost(hostValue);
    }
    const valid = lastHost;
    if (valid === null) fail(400, `Invalid Host "${hostValue}"`, method, target);
    host = valid;
  } else if (version === "1.1") {
    fail(400, "An HTTP/1.1 request without a Host header", method, target);
  }
  if (targetHost !== null) host = targetHost;
  return {
    method,
    target,
    path,
    query,
    version,
    headers,
    host,
    keepAlive: version === "1.1" ? !close : keepAliveToken && !close,
    contentLength: length,
  };
}

/** `HTTP/<major>.<minor>` from `from` to `end`: "1.0" or "1.1" (any 1.x above 0), else fails. */
function parseVersion(
  s: string,
  from: number,
  end: number,
  method: string,
  target: string,
): "1.0" | "1.1" {
  if (end - from === 8 && s.startsWith("HTTP/1.", from)) {
    const minor = s.charCodeAt(from + 7);
    if (minor === 48) return "1.0";
    if (minor > 48 && minor <= 57) return "1.1";
  }
  if (!s.startsWith("HTTP/", from)) {
    fail(400, "The request line has no valid HTTP version", method, target);
  }
  let major = 0;
  let i = from + 5;
  let digits = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    major = major * 10 + c - 48;
    digits++;
  }
  let minorDigits = 0;
  if (s.charCodeAt(i) === 46 /* . */) {
    for (i++; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      minorDigits++;
    }
  }
  if (digits === 0 || digits > 3 || i !== end || minorDigits > 3) {
    fail(400, "The request line has no valid HTTP version", method, target);
  }
  if (major >= 2) fail(505, `HTTP/${s.slice(from + 5, end)} is not supported`, method, target);
  if (major === 1 && minorDigits > 0) return "1.1";
  return fail(400, `HTTP/${s.slice(from + 5, end)} is not supported`, method, target);
}

/** The length of `http://` or `https://` (any case) at the start of `target`, else 0. */
function schemeLength(target: string): number {
  const lower = target.slice(0, 8).toLowerCase();
  if (lower.startsWith("http://")) return 7;
  if (lower === "https://") return 8;
  return 0;
}

/** A Content-Length value: 1 to 15 digits; -1 when it is anything else. */
function decimal(value: string): number {
  if (value.length === 0 || value.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + c - 48;
  }
  return n;
}

/** Which tokens a Connection value lists: bit 1 `close`, bit 2 `keep-alive` (any case). */
function connectionTokens(value: string): number {
  let bits = 0;
  let i = 0;
  const n = value.length;
  while (i < n) {
    let c = value.charCodeAt(i);
    while (i < n && (c === SP || c === HT || c === 44)) c = value.charCodeAt(++i);
    const start = i;
    while (i < n && (c = value.charCodeAt(i)) !== 44 && c !== SP && c !== HT) i++;
    const length = i - start;
    if (length === 5 && value.slice(start, i).toLowerCase() === "close") bits |= 1;
    else if (length === 10 && value.slice(start, i).toLowerCase() === "keep-alive") bits |= 2;
    while (i < n && value.charCodeAt(i) !== 44) i++;
  }
  return bits;
}

/** The last Host value checked and its {@linkcode validHost} result. */
let lastHostValue = "";
let lastHost: string | null = null;

/**
 * nginx's host check: the host part of a Host value (or a URL's authority), lower-cased,
 * without the port and a trailing dot; `null` when invalid (empty, `..`, a slash, a control
 * byte, userinfo, an unclosed IPv6 literal).
 */
function validHost(value: string): string | null {
  const n = value.length;
  let end = n;
  let dot = -2; // nginx allows a leading dot, not two in a row
  let upper = false;
  if (value.charCodeAt(0) === 91 /* [ */) {
    const close = value.indexOf("]");
    if (close === -1) return null;
    end = close + 1;
    for (let i = 1; i < close; i++) {
      const c = value.charCodeAt(i);
      const hex = (c >= 48 && c <= 58) || c === 46 || (c >= 97 && c <= 102);
      if (c >= 65 && c <= 70) upper = true;
      else if (!hex) return null;
    }
    if (end < n && !portOnly(value, end)) return null;
  } else {
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c === 46 /* . */) {
        if (dot === i - 1) return null;
        dot = i;
      } else if (c === COLON) {
        if (!portOnly(value, i)) return null;
        end = i;
        break;
      } else if (c <= SP || c >= 127 || c === 47 || c === 92 || c === 64 /* / \ @ */) {
        return null;
      } else if (c >= 65 && c <= 90) {
        upper = true;
      }
    }
    if (dot === end - 1) end--;
  }
  if (end === 0) return null;
  const host = end === n ? value : value.slice(0, end);
  return upper ? host.toLowerCase() : host;
}

/** Whether `value` from `colon` on is `:` and digits only. */
function portOnly(value: string, colon: number): boolean {
  if (value.charCodeAt(colon) !== COLON) return false;
  for (let i = colon + 1; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
