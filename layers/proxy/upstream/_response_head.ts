// Parsing an upstream's HTTP/1.x response head straight from its bytes: one decode, then index
// scans over the string (no regex, no split). Private to the upstream client.
//
// Strictness, as nginx toward an upstream: lines end in CRLF, but a lone LF is accepted as a
// line end (some small servers send them and nothing can be smuggled through a response head
// the proxy reads alone); a bare CR anywhere else, obs-fold (a line starting with SP/HT), a
// space before a colon, a name that is not a token, a control byte in a value, differing
// Content-Length values and a version other than HTTP/1.0 or HTTP/1.1 are refused.

import { latin1 } from "../http/parse.ts";

const SP = 32;
const HT = 9;
const CR = 13;
const LF = 10;
const COLON = 58;

/** tchar (RFC 9110 §5.6.2): 1 for the bytes a token may hold; 2 marks the upper-case letters. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 65; c <= 90; c++) TCHAR[c] = 2;

/**
 * Common response field names by length, as `[canonical, lower-case]` pairs: a name sent in
 * either spelling gets the interned lower-case string, with no slice and no `toLowerCase()`.
 */
const KNOWN: [string, string][][] = [];
for (
  const name of [
    "Accept-Ranges",
    "Access-Control-Allow-Origin",
    "Age",
    "Cache-Control",
    "Connection",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Content-Length",
    "Content-Range",
    "Content-Security-Policy",
    "Content-Type",
    "Date",
    "ETag",
    "Expires",
    "Keep-Alive",
    "Last-Modified",
    "Link",
    "Location",
    "Pragma",
    "Referrer-Policy",
    "Retry-After",
    "Server",
    "Set-Cookie",
    "Strict-Transport-Security",
    "Transfer-Encoding",
    "Upgrade",
    "Vary",
    "WWW-Authenticate",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "X-Request-Id",
  ]
) {
  (KNOWN[name.length] ??= []).push([name, name.toLowerCase()]);
}

/** The lower-case name in `s[from, to)`; `upper`: whether it has upper-case letters. */
function fieldName(s: string, from: number, to: number, upper: boolean): string {
  const known = KNOWN[to - from];
  if (known !== undefined) {
    for (let i = 0; i < known.length; i++) {
      const [canonical, lower] = known[i];
      if (s.startsWith(upper ? canonical : lower, from)) return lower;
    }
  }
  return upper ? s.slice(from, to).toLowerCase() : s.slice(from, to);
}

/** The longest response head accepted, in bytes (the upstream's read buffer holds it). */
export const MAX_HEAD = 64 * 1024;

/** A parsed response head and what its framing fields say. */
export interface ResponseHead {
  /** The status code, 100–999. */
  status: number;
  /** The reason phrase as sent (may be empty). */
  reason: string;
  /** `"1.0"` or `"1.1"`. */
  version: "1.0" | "1.1";
  /** All fields in order, flat `[name, value, …]`, names lower-cased, values trimmed. */
  headers: string[];
  /** The Content-Length; -1 when absent. */
  contentLength: number;
  /** Whether a Transfer-Encoding field is present. */
  encoded: boolean;
  /** Whether the last transfer coding is `chunked`. */
  chunked: boolean;
  /** `Connection: close` was sent. */
  close: boolean;
  /** `Connection: keep-alive` was sent. */
  keepAlive: boolean;
}

/**
 * Where the head in `buf[from, end)` ends (the index past its empty line), or -1 when the
 * empty line has not arrived yet. An empty line is LF LF or LF CR LF.
 */
export function findHeadEnd(buf: Uint8Array, from: number, end: number): number {
  // Searched in a view that stops at `end`: past it lies a reused buffer's stale bytes, and an
  // unbounded indexOf would scan all of them whenever the head is not complete yet.
  const view = buf.subarray(from, end);
  const length = view.length;
  let lf = view.indexOf(LF);
  while (lf !== -1) {
    if (lf + 1 < length) {
      const next = view[lf + 1];
      if (next === LF) return from + lf + 2;
      if (next === CR && lf + 2 < length && view[lf + 2] === LF) return from + lf + 3;
    }
    lf = view.indexOf(LF, lf + 1);
  }
  return -1;
}

/**
 * Parses the head in `buf[start, end)` (as found by {@linkcode findHeadEnd}). Throws a
 * `SyntaxError` with a sentence-case message when the head is malformed.
 */
export function parseResponseHead(buf: Uint8Array, start: number, end: number): ResponseHead {
  const s = latin1(buf.subarray(start, end));
  let lf = s.indexOf("\n");
  if (lf === -1) throw new SyntaxError("The response head has no end of line");
  let lineEnd = lf > 0 && s.charCodeAt(lf - 1) === CR ? lf - 1 : lf;

  // Status line: "HTTP/1.x" SP 3DIGIT [SP reason].
  if (lineEnd < 12 || !s.startsWith("HTTP/1.", 0) || s.charCodeAt(8) !== SP) {
    throw new SyntaxError("The status line is not HTTP/1.x");
  }
  const minor = s.charCodeAt(7);
  if (minor !== 48 && minor !== 49) throw new SyntaxError("The status line is not HTTP/1.0 or 1.1");
  const d0 = s.charCodeAt(9) - 48;
  const d1 = s.charCodeAt(10) - 48;
  const d2 = s.charCodeAt(11) - 48;
  if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
    throw new SyntaxError("The status line has no three-digit status code");
  }
  let reason = "";
  if (lineEnd > 12) {
    if (s.charCodeAt(12) !== SP) {
      throw new SyntaxError("The status code is not followed by a space");
    }
    for (let i = 13; i < lineEnd; i++) {
      const c = s.charCodeAt(i);
      if ((c < 32 && c !== HT) || c === 127) {
        throw new SyntaxError("The reason phrase has a control character");
      }
    }
    reason = s.slice(13, lineEnd);
  }

  const head: ResponseHead = {
    status: d0 * 100 + d1 * 10 + d2,
    reason,
    version: minor === 49 ? "1.1" : "1.0",
    headers: [],
    contentLength: -1,
    encoded: false,
    chunked: false,
    close: false,
    keepAlive: false,
  };
  const headers = head.headers;
  let p = lf + 1;
  while (true) {
    lf = s.indexOf("\n", p);
    if (lf === -1) throw new SyntaxError("The response head has no empty line");
    lineEnd = lf > p && s.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
    if (lineEnd === p) break;
    let c = s.charCodeAt(p);
    if (c === SP || c === HT) throw new SyntaxError("The response head has a folded line");

    // Name: a token up to the colon.
    let i = p;
    let upper = false;
    for (; i < lineEnd; i++) {
      c = s.charCodeAt(i);
      if (c === COLON) break;
      const kind = c < 128 ? TCHAR[c] : 0;
      if (kind === 0) throw new SyntaxError("A response header has an invalid name");
      if (kind === 2) upper = true;
    }
    if (i === p || i === lineEnd) throw new SyntaxError("A response header line has no name");
    const name = fieldName(s, p, i, upper);

    // Value: trimmed of SP/HT, no control bytes but HT.
    let from = i + 1;
    let to = lineEnd;
    while (from < to && ((c = s.charCodeAt(from)) === SP || c === HT)) from++;
    while (to > from && ((c = s.charCodeAt(to - 1)) === SP || c === HT)) to--;
    for (let k = from; k < to; k++) {
      c = s.charCodeAt(k);
      if ((c < 32 && c !== HT) || c === 127) {
        throw new SyntaxError(`The response header "${name}" has a control character`);
      }
    }
    const value = s.slice(from, to);
    headers.push(name, value);

    switch (name.length) {
      case 14:
        if (name === "content-length") contentLength(head, value);
        break;
      case 17:
        if (name === "transfer-encoding") {
          head.encoded = true;
          // Only the last coding of the last field decides whether the body is chunked.
          const comma = value.lastIndexOf(",");
          const last = comma === -1 ? value : value.slice(comma + 1).trim();
          head.chunked = last.length === 7 && last.toLowerCase() === "chunked";
        }
        break;
      case 10:
        if (name === "connection") connectionTokens(head, value);
        break;
    }
    p = lf + 1;
  }
  return head;
}

/** Reads a Content-Length value (or a list of equal ones, RFC 9110 §8.6) into `head`. */
function contentLength(head: ResponseHead, value: string): void {
  let from = 0;
  while (true) {
    let comma = value.indexOf(",", from);
    const last = comma === -1;
    if (last) comma = value.length;
    let a = from;
    let b = comma;
    while (a < b && (value.charCodeAt(a) === SP || value.charCodeAt(a) === HT)) a++;
    while (b > a && (value.charCodeAt(b - 1) === SP || value.charCodeAt(b - 1) === HT)) b--;
    if (a === b || b - a > 15) throw new SyntaxError("The Content-Length is not a valid number");
    let n = 0;
    for (let i = a; i < b; i++) {
      const digit = value.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) throw new SyntaxError("The Content-Length is not a valid number");
      n = n * 10 + digit;
    }
    if (head.contentLength !== -1 && head.contentLength !== n) {
      throw new SyntaxError("The response has differing Content-Length values");
    }
    head.contentLength = n;
    if (last) return;
    from = comma + 1;
  }
}

/** Reads the `close` / `keep-alive` tokens of a Connection value into `head`. */
function connectionTokens(head: ResponseHead, value: string): void {
  // The usual values, without allocating.
  if (value === "keep-alive" || value === "Keep-Alive") return void (head.keepAlive = true);
  if (value === "close" || value === "Close") return void (head.close = true);
  let from = 0;
  while (from <= value.length) {
    let comma = value.indexOf(",", from);
    if (comma === -1) comma = value.length;
    const token = value.slice(from, comma).trim().toLowerCase();
    if (token === "close") head.close = true;
    else if (token === "keep-alive") head.keepAlive = true;
    from = comma + 1;
  }
}
