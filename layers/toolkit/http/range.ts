/**
 * Byte ranges (RFC 9110 §14): the `Range` request header, `Content-Range`, `If-Range`, and the
 * framing of a `multipart/byteranges` body.
 *
 * @module
 */

import { parseHttpDate } from "./dates.ts";
import { unquoteEtag } from "./etag.ts";

/** A resolved byte range; both ends are inclusive, as in `Content-Range`. */
export interface ByteRange {
  /** First byte offset. */
  start: number;
  /** Last byte offset (inclusive). */
  end: number;
}

/** One range as written in a `Range` header, before it meets a representation's size. */
export type RangeSpec =
  | { start: number; end?: number }
  | { suffix: number };

/** Options of {@linkcode parseRange}. */
export interface RangeOptions {
  /** More satisfiable ranges than this (after coalescing) ignore the header; default 16. */
  maxRanges?: number;
  /** Merge overlapping and adjacent ranges; default true. */
  coalesce?: boolean;
}

/** More specs than this in one header is abuse: the header is ignored before any sorting. */
const MAX_SPECS = 256;
const DIGITS = /^\d+$/;
const encoder = new TextEncoder();

/**
 * Reads the syntax of a `Range` header without a size: the `bytes` unit (case-insensitive)
 * and a list of `first-last`, `first-` and `-suffix` specs. Any syntax error, another unit, or
 * more than 256 specs gives `null` (the header must then be ignored, RFC 9110 §14.2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRangeSpecs } from "./range.ts";
 *
 * assert.deepEqual(parseRangeSpecs("bytes=0-99, 200-, -50"), [
 *   { start: 0, end: 99 },
 *   { start: 200 },
 *   { suffix: 50 },
 * ]);
 * assert.equal(parseRangeSpecs("bytes=5-1"), null);
 * assert.equal(parseRangeSpecs("lines=1-2"), null);
 * ```
 */
export function parseRangeSpecs(header: string | null): RangeSpec[] | null {
  if (!header) return null;
  const equals = header.indexOf("=");
  if (equals < 0 || header.slice(0, equals).trim().toLowerCase() !== "bytes") return null;
  const specs: RangeSpec[] = [];
  for (const raw of header.slice(equals + 1).split(",")) {
    const part = raw.trim();
    if (part === "") continue; // empty list elements are allowed
    if (specs.length === MAX_SPECS) return null;
    const dash = part.indexOf("-");
    if (dash < 0) return null;
    const first = part.slice(0, dash).trim();
    const last = part.slice(dash + 1).trim();
    if (first === "") {
      if (!DIGITS.test(last)) return null;
      specs.push({ suffix: Number(last) });
    } else if (!DIGITS.test(first)) {
      return null;
    } else if (last === "") {
      specs.push({ start: Number(first) });
    } else {
      if (!DIGITS.test(last)) return null;
      const start = Number(first);
      const end = Number(last);
      if (end < start) return null;
      specs.push({ start, end });
    }
  }
  return specs.length === 0 ? null : specs;
}

/**
 * Resolves a `Range` header against a representation of `size` bytes.
 *
 * - `null`: serve the whole representation (no header, bad syntax, another unit, too many
 *   ranges, or an empty representation asked for a suffix)
 * - `"unsatisfiable"`: no range overlaps the representation; answer 416 with the unsatisfied
 *   `Content-Range` (see {@linkcode formatContentRange})
 * - otherwise the satisfiable ranges, clamped to the size, overlapping or adjacent ones merged
 *   (unless `coalesce: false`), in the order the client asked for them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRange } from "./range.ts";
 *
 * assert.deepEqual(parseRange("bytes=0-4", 10), [{ start: 0, end: 4 }]);
 * assert.deepEqual(parseRange("bytes=-3", 10), [{ start: 7, end: 9 }]);
 * assert.deepEqual(parseRange("bytes=5-, 0-1, 2-3", 10), [{ start: 5, end: 9 }, { start: 0, end: 3 }]);
 * assert.equal(parseRange("bytes=10-", 10), "unsatisfiable");
 * assert.equal(parseRange("bytes=x", 10), null);
 * ```
 */
export function parseRange(
  header: string | null,
  size: number,
  options?: RangeOptions,
): ByteRange[] | null | "unsatisfiable" {
  const specs = parseRangeSpecs(header);
  if (specs === null) return null;
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    if ("suffix" in spec) {
      if (spec.suffix === 0) continue;
      if (size === 0) return null; // the whole (empty) representation is the answer
      ranges.push({ start: Math.max(0, size - spec.suffix), end: size - 1 });
    } else if (spec.start < size) {
      ranges.push({ start: spec.start, end: Math.min(spec.end ?? Infinity, size - 1) });
    }
  }
  if (ranges.length === 0) return "unsatisfiable";
  const result = options?.coalesce === false || ranges.length === 1
    ? ranges
    : coalesceRanges(ranges);
  return result.length > (options?.maxRanges ?? 16) ? null : result;
}

/**
 * Merges overlapping and adjacent ranges; each merged range takes the place of the earliest
 * range it absorbed, so the client's order is kept otherwise. O(n log n).
 */
function coalesceRanges(ranges: ByteRange[]): ByteRange[] {
  const order = ranges.map((_, index) => index).sort((a, b) => ranges[a].start - ranges[b].start);
  const merged: { range: ByteRange; first: number }[] = [];
  for (const index of order) {
    const range = ranges[index];
    const last = merged[merged.length - 1];
    if (last && range.start <= last.range.end + 1) {
      if (range.end > last.range.end) last.range.end = range.end;
      if (index < last.first) last.first = index;
    } else {
      merged.push({ range: { start: range.start, end: range.end }, first: index });
    }
  }
  if (merged.length === ranges.length) return ranges;
  return merged.sort((a, b) => a.first - b.first).map((entry) => entry.range);
}

/**
 * Formats a `Content-Range` value: `bytes 0-499/1234`; a `null` range gives the unsatisfied
 * form (`*` in place of the range, for a 416), and a `null` size an unknown length
 * (`bytes 0-499/*`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatContentRange } from "./range.ts";
 *
 * assert.equal(formatContentRange({ start: 0, end: 499 }, 1234), "bytes 0-499/1234");
 * assert.equal(formatContentRange(null, 1234), "bytes *\u002f1234");
 * assert.equal(formatContentRange({ start: 5, end: 9 }, null), "bytes 5-9/*");
 * ```
 */
export function formatContentRange(range: ByteRange | null, size: number | null): string {
  const length = size === null ? "*" : String(size);
  return range === null ? `bytes */${length}` : `bytes ${range.start}-${range.end}/${length}`;
}

/** A parsed `Content-Range`: `range` is null for the unsatisfied form, `size` null for `/*`. */
export interface ContentRange {
  /** The range sent, or null when the header reports an unsatisfied range. */
  range: ByteRange | null;
  /** The complete length, or null when unknown (`*`). */
  size: number | null;
}

/**
 * Parses a `Content-Range` value (the inverse of {@linkcode formatContentRange}); malformed or
 * inconsistent values (end before start, end beyond the size, no range and no size) give
 * `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseContentRange } from "./range.ts";
 *
 * assert.deepEqual(parseContentRange("bytes 0-4/10"), { range: { start: 0, end: 4 }, size: 10 });
 * assert.deepEqual(parseContentRange("bytes *\u002f10"), { range: null, size: 10 });
 * assert.equal(parseContentRange("bytes 5-20/10"), null);
 * ```
 */
export function parseContentRange(value: string | null): ContentRange | null {
  if (!value) return null;
  const text = value.trim();
  const space = text.indexOf(" ");
  const slash = text.lastIndexOf("/");
  if (space < 0 || slash < space || text.slice(0, space).toLowerCase() !== "bytes") return null;
  const rangeText = text.slice(space + 1, slash).trim();
  const sizeText = text.slice(slash + 1).trim();
  let size: number | null = null;
  if (sizeText !== "*") {
    if (!DIGITS.test(sizeText)) return null;
    size = Number(sizeText);
  }
  if (rangeText === "*") return size === null ? null : { range: null, size };
  const dash = rangeText.indexOf("-");
  const startText = rangeText.slice(0, dash);
  const endText = rangeText.slice(dash + 1);
  if (dash < 0 || !DIGITS.test(startText) || !DIGITS.test(endText)) return null;
  const start = Number(startText);
  const end = Number(endText);
  if (end < start || (size !== null && end >= size)) return null;
  return { range: { start, end }, size };
}

/**
 * Parses an `If-Range` value: an entity tag (`{ etag, weak }`, unquoted) or an HTTP date
 * (`{ date }`); anything else gives `null` (the condition is then false).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIfRange } from "./range.ts";
 *
 * assert.deepEqual(parseIfRange('"v1"'), { etag: "v1", weak: false });
 * assert.equal(parseIfRange("Sun, 06 Nov 1994 08:49:37 GMT") !== null, true);
 * assert.equal(parseIfRange("soon"), null);
 * ```
 */
export function parseIfRange(
  value: string | null,
): { etag: string; weak: boolean } | { date: Date } | null {
  if (!value) return null;
  const first = value.trimStart().charCodeAt(0);
  if (first === 34 || first === 87 || first === 119) {
    const tag = unquoteEtag(value);
    return tag === null ? null : { etag: tag.tag, weak: tag.weak };
  }
  const date = parseHttpDate(value);
  return date === null ? null : { date };
}

/** The framing of a `multipart/byteranges` body, ready to be filled with the ranges' bytes. */
export interface ByterangesBody {
  /** The response's `Content-Type`: `multipart/byteranges; boundary=…`. */
  contentType: string;
  /** The exact body length: heads + ranges + closing delimiter. */
  contentLength: number;
  /** One encoded head (delimiter, `Content-Type`, `Content-Range`, blank line) per range. */
  parts: { head: Uint8Array<ArrayBuffer>; range: ByteRange }[];
  /** The closing delimiter. */
  tail: Uint8Array<ArrayBuffer>;
}

/**
 * Frames several ranges of a `size`-byte representation as `multipart/byteranges`
 * (RFC 9110 §14.6): write each part's `head` then its range's bytes, then `tail`. The boundary
 * is random; `contentType` (the representation's) is repeated in every part when given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameByteranges } from "./range.ts";
 *
 * const data = new TextEncoder().encode("0123456789");
 * const body = frameByteranges([{ start: 0, end: 1 }, { start: 8, end: 9 }], {
 *   size: data.length,
 *   contentType: "text/plain",
 * });
 * const chunks = body.parts.flatMap(({ head, range }) => [head, data.subarray(range.start, range.end + 1)]);
 * const bytes = await new Blob([...chunks, body.tail]).bytes();
 * assert.equal(bytes.length, body.contentLength);
 * assert.match(new TextDecoder().decode(bytes), /Content-Range: bytes 8-9\/10\r\n\r\n89\r\n--/);
 * ```
 */
export function frameByteranges(
  ranges: readonly ByteRange[],
  options: { size: number; contentType?: string | null },
): ByterangesBody {
  const boundary = crypto.randomUUID().replaceAll("-", "");
  const typeLine = options.contentType ? `Content-Type: ${options.contentType}\r\n` : "";
  let contentLength = 0;
  const parts = ranges.map((range, index) => {
    const head = encoder.encode(
      `${index === 0 ? "" : "\r\n"}--${boundary}\r\n${typeLine}` +
        `Content-Range: ${formatContentRange(range, options.size)}\r\n\r\n`,
    );
    contentLength += head.length + range.end - range.start + 1;
    return { head, range };
  });
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  contentLength += tail.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, contentLength, parts, tail };
}
