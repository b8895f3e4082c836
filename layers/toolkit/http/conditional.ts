/**
 * Conditional and range requests (RFC 9110 §13 and §14): evaluate `If-Match`,
 * `If-Unmodified-Since`, `If-None-Match`, `If-Modified-Since`, `Range` and `If-Range` in the
 * order §13.2.2 prescribes, and apply them to a response (Werkzeug's `make_conditional`).
 *
 * @module
 */

import { parseHttpDate } from "./dates.ts";
import { editHeaders } from "./edit_headers.ts";
import { parseETags, unquoteEtag } from "./etag.ts";
import {
  type ByteRange,
  formatContentRange,
  frameByteranges,
  parseIfRange,
  parseRange,
  type RangeOptions,
} from "./range.ts";

/** What a resource knows about its current representation. */
export interface Validators {
  /** The current `ETag`, quoted as sent (`"abc"` or `W/"abc"`). */
  etag?: string | null;
  /** The current modification time (only whole seconds count, as in HTTP dates). */
  lastModified?: Date | number | null;
}

/** Representation metadata a 304 must not repeat (RFC 9110 §15.4.5). */
const REPRESENTATION_HEADERS = [
  "content-type",
  "content-length",
  "content-encoding",
  "content-language",
  "content-range",
  "content-disposition",
  "content-md5",
  "transfer-encoding",
];

const DIGITS = /^\d+$/;

function isGetOrHead(method: string): boolean {
  return method === "GET" || method === "HEAD";
}

/** Milliseconds of the validator's whole second, or NaN when there is none. */
function wholeSecond(value: Date | number | null | undefined): number {
  if (value === null || value === undefined) return NaN;
  const time = typeof value === "number" ? value : value.getTime();
  return Math.floor(time / 1000) * 1000;
}

/**
 * Evaluates a request's preconditions against the current validators, in RFC 9110 §13.2.2
 * order: a failed `If-Match` (strong comparison) or, without `If-Match`, a failed
 * `If-Unmodified-Since` gives 412; a matching `If-None-Match` (weak comparison) gives 304 for
 * GET/HEAD and 412 otherwise; without `If-None-Match`, a GET/HEAD not modified since
 * `If-Modified-Since` gives 304; else 200. Invalid dates are ignored; `*` matches any current
 * representation. Call it before acting on an unsafe request, or let {@linkcode makeConditional}
 * call it for a GET.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluatePreconditions } from "./conditional.ts";
 *
 * const validators = { etag: '"v2"', lastModified: Date.UTC(2024, 0, 1) };
 * const get = (headers: HeadersInit) => new Request("http://x/", { headers });
 * assert.equal(evaluatePreconditions(get({ "if-none-match": 'W/"v2"' }), validators), 304);
 * assert.equal(evaluatePreconditions(get({ "if-match": '"v1"' }), validators), 412);
 * assert.equal(evaluatePreconditions(get({ "if-modified-since": "Mon, 01 Jan 2024 00:00:00 GMT" }), validators), 304);
 * assert.equal(evaluatePreconditions(get({}), validators), 200);
 * ```
 */
export function evaluatePreconditions(request: Request, validators: Validators): 200 | 304 | 412 {
  const headers = request.headers;
  return evaluatePreconditionsFrom(request.method, (name) => headers.get(name), validators);
}

/**
 * Reads one request header by its lower-case name: the value, or `null` when absent. Lets the
 * conditional logic run on a parsed request head (the proxy's) without a `Request` object.
 */
export type HeaderGetter = (name: string) => string | null;

/**
 * {@linkcode evaluatePreconditions} on a method and a header getter instead of a `Request`:
 * the same RFC 9110 §13.2.2 evaluation, for code that never builds Fetch-API objects (the
 * proxy's static file handler). `header` is called with lower-case names only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluatePreconditionsFrom } from "./conditional.ts";
 *
 * const sent: Record<string, string> = { "if-none-match": '"v2"' };
 * const header = (name: string) => sent[name] ?? null;
 * assert.equal(evaluatePreconditionsFrom("GET", header, { etag: '"v2"' }), 304);
 * assert.equal(evaluatePreconditionsFrom("PUT", header, { etag: '"v2"' }), 412);
 * assert.equal(evaluatePreconditionsFrom("GET", header, { etag: '"v3"' }), 200);
 * ```
 */
export function evaluatePreconditionsFrom(
  method: string,
  header: HeaderGetter,
  validators: Validators,
): 200 | 304 | 412 {
  const etag = validators.etag ?? null;
  const ifMatch = header("if-match");
  if (ifMatch) {
    const tags = parseETags(ifMatch);
    if (!tags.star && (etag === null || !tags.contains(etag))) return 412;
  } else {
    const since = parseHttpDate(header("if-unmodified-since"));
    const modified = wholeSecond(validators.lastModified);
    if (since !== null && modified > since.getTime()) return 412;
  }
  const ifNoneMatch = header("if-none-match");
  const noneMatch = ifNoneMatch ? parseETags(ifNoneMatch) : null;
  if (noneMatch !== null && !noneMatch.isEmpty) {
    if (noneMatch.star || (etag !== null && noneMatch.containsWeak(etag))) {
      return isGetOrHead(method) ? 304 : 412;
    }
    return 200;
  }
  if (isGetOrHead(method)) {
    const since = parseHttpDate(header("if-modified-since"));
    const modified = wholeSecond(validators.lastModified);
    if (since !== null && modified <= since.getTime()) return 304;
  }
  return 200;
}

/**
 * Decides the byte ranges of a GET (after its preconditions passed): `null` to send the whole
 * representation (no or invalid `Range`, not a GET, or an `If-Range` that does not match:
 * strong ETag equality or the exact `Last-Modified` second), `"unsatisfiable"` for a 416, or
 * the ranges to send (see {@linkcode parseRange} for coalescing and the cap).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluateRange } from "./conditional.ts";
 *
 * const request = new Request("http://x/", { headers: { range: "bytes=0-1", "if-range": '"v1"' } });
 * assert.deepEqual(evaluateRange(request, { size: 10, etag: '"v1"' }), [{ start: 0, end: 1 }]);
 * assert.equal(evaluateRange(request, { size: 10, etag: '"v2"' }), null);
 * ```
 */
export function evaluateRange(
  request: Request,
  options: Validators & RangeOptions & { size: number },
): ByteRange[] | null | "unsatisfiable" {
  const headers = request.headers;
  return evaluateRangeFrom(request.method, (name) => headers.get(name), options);
}

/**
 * {@linkcode evaluateRange} on a method and a header getter instead of a `Request` (see
 * {@linkcode evaluatePreconditionsFrom}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluateRangeFrom } from "./conditional.ts";
 *
 * const sent: Record<string, string> = { range: "bytes=-2" };
 * const header = (name: string) => sent[name] ?? null;
 * assert.deepEqual(evaluateRangeFrom("GET", header, { size: 10 }), [{ start: 8, end: 9 }]);
 * assert.equal(evaluateRangeFrom("HEAD", header, { size: 10 }), null);
 * ```
 */
export function evaluateRangeFrom(
  method: string,
  header: HeaderGetter,
  options: Validators & RangeOptions & { size: number },
): ByteRange[] | null | "unsatisfiable" {
  if (method !== "GET") return null;
  const range = header("range");
  if (!range) return null;
  const ifRangeHeader = header("if-range");
  if (ifRangeHeader !== null) {
    const ifRange = parseIfRange(ifRangeHeader);
    if (ifRange === null) return null;
    if ("etag" in ifRange) {
      const current = options.etag ? unquoteEtag(options.etag) : null;
      if (ifRange.weak || !current || current.weak || current.tag !== ifRange.etag) return null;
    } else if (wholeSecond(options.lastModified) !== ifRange.date.getTime()) {
      return null;
    }
  }
  return parseRange(range, options.size, options);
}

/**
 * A `304 Not Modified` built from the headers a 200 would have had, minus the representation
 * metadata (`Content-Type`, `Content-Length`, `Content-Encoding`, …): `ETag`, `Last-Modified`,
 * `Cache-Control`, `Expires`, `Vary`, `Content-Location`, `Date` and the rest are kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { notModified } from "./conditional.ts";
 *
 * const response = notModified({ etag: '"v1"', "content-type": "text/plain", vary: "Accept" });
 * assert.equal(response.status, 304);
 * assert.equal(response.headers.get("etag"), '"v1"');
 * assert.equal(response.headers.get("vary"), "Accept");
 * assert.equal(response.headers.has("content-type"), false);
 * ```
 */
export function notModified(headers: HeadersInit): Response {
  const kept = new Headers(headers);
  for (const name of REPRESENTATION_HEADERS) kept.delete(name);
  return new Response(null, { status: 304, headers: kept });
}

/** Options of {@linkcode makeConditional}. */
export interface MakeConditionalOptions {
  /** Answer `Range` requests and send `Accept-Ranges: bytes`; default true. */
  acceptRanges?: boolean;
  /** The full length when the response lacks `Content-Length` (saves buffering a 416). */
  completeLength?: number;
}

/**
 * Applies a GET or HEAD request's conditions to a finished 200 response (Werkzeug's
 * `make_conditional`), reading the response's own `ETag` and `Last-Modified`: returns a 304
 * (see {@linkcode notModified}) or a bodiless 412, a 206 with `Content-Range` for one range or a
 * `multipart/byteranges` body for several, a 416 with the unsatisfied `Content-Range`, or the
 * response itself (with `Accept-Ranges: bytes`). The body of a replaced response is cancelled.
 * Meant for in-memory bodies: a range request buffers the body to slice it. Other methods and
 * other statuses are returned untouched (check unsafe requests with
 * {@linkcode evaluatePreconditions} before acting).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeConditional } from "./conditional.ts";
 *
 * const page = () => new Response("0123456789", { headers: { etag: '"v1"' } });
 * const request = (headers: HeadersInit) => new Request("http://x/", { headers });
 * assert.equal((await makeConditional(request({ "if-none-match": '"v1"' }), page())).status, 304);
 * const partial = await makeConditional(request({ range: "bytes=-3" }), page());
 * assert.equal(partial.status, 206);
 * assert.equal(partial.headers.get("content-range"), "bytes 7-9/10");
 * assert.equal(await partial.text(), "789");
 * ```
 */
export async function makeConditional(
  request: Request,
  response: Response,
  options?: MakeConditionalOptions,
): Promise<Response> {
  if (!isGetOrHead(request.method) || response.status !== 200) return response;
  const headers = response.headers;
  const etag = headers.get("etag");
  const lastModified = parseHttpDate(headers.get("last-modified"));
  const status = evaluatePreconditions(request, { etag, lastModified });
  if (status !== 200) {
    await response.body?.cancel();
    return status === 304 ? notModified(headers) : new Response(null, { status: 412 });
  }
  if (options?.acceptRanges === false) return response;
  const hasRange = request.method === "GET" && request.headers.has("range");
  if (!hasRange) return editHeaders(response, (h) => h.set("accept-ranges", "bytes"));
  const length = headers.get("content-length");
  let size = options?.completeLength ?? (length && DIGITS.test(length) ? Number(length) : NaN);
  let body: Uint8Array<ArrayBuffer> | undefined;
  if (!(size >= 0)) {
    body = await response.bytes();
    size = body.length;
  }
  let ranges = evaluateRange(request, { etag, lastModified, size });
  if (ranges === null) {
    const full = body ? new Response(body, response) : response;
    return editHeaders(full, (h) => h.set("accept-ranges", "bytes"));
  }
  if (ranges === "unsatisfiable") {
    if (!body) await response.body?.cancel();
    return rangeNotSatisfiable(size);
  }
  if (!body) {
    body = await response.bytes();
    if (body.length !== size) { // the declared length was wrong: trust the bytes
      size = body.length;
      ranges = evaluateRange(request, { etag, lastModified, size });
      if (ranges === "unsatisfiable") return rangeNotSatisfiable(size);
      if (ranges === null) {
        const fixed = new Headers(headers);
        fixed.set("content-length", String(size));
        fixed.set("accept-ranges", "bytes");
        return new Response(body, { status: 200, headers: fixed });
      }
    }
  }
  const out = new Headers(headers);
  out.set("accept-ranges", "bytes");
  if (ranges.length === 1) {
    const [range] = ranges;
    out.set("content-range", formatContentRange(range, size));
    out.set("content-length", String(range.end - range.start + 1));
    return new Response(body.slice(range.start, range.end + 1), { status: 206, headers: out });
  }
  const framed = frameByteranges(ranges, { size, contentType: headers.get("content-type") });
  const bytes = new Uint8Array(framed.contentLength);
  let offset = 0;
  for (const { head, range } of framed.parts) {
    bytes.set(head, offset);
    offset += head.length;
    bytes.set(body.subarray(range.start, range.end + 1), offset);
    offset += range.end - range.start + 1;
  }
  bytes.set(framed.tail, offset);
  out.set("content-type", framed.contentType);
  out.set("content-length", String(bytes.length));
  return new Response(bytes, { status: 206, headers: out });
}

function rangeNotSatisfiable(size: number): Response {
  return new Response(null, {
    status: 416,
    headers: { "content-range": formatContentRange(null, size) },
  });
}
