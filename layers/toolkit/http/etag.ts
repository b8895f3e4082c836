/**
 * Entity tags (RFC 9110 §8.8.3): quote and unquote them, generate them for content and files,
 * and parse the `If-Match` / `If-None-Match` lists they are compared against.
 *
 * Tags are handled unquoted (`abc` for the header value `"abc"`, plus a `weak` flag for
 * `W/"abc"`), as Werkzeug does.
 *
 * @module
 */

const encoder = new TextEncoder();
const EMPTY: readonly string[] = Object.freeze([]);

/** An unquoted entity tag and whether it was weak (`W/"…"`). */
export interface EntityTag {
  /** The opaque tag, without quotes. */
  tag: string;
  /** True for a weak validator (`W/"…"`). */
  weak: boolean;
}

/**
 * The entity tags of an `If-Match` or `If-None-Match` header.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseETags } from "./etag.ts";
 *
 * const tags = parseETags('"a", W/"b"');
 * assert.deepEqual([tags.strong, tags.weak], [["a"], ["b"]]);
 * assert.ok(tags.contains("a") && !tags.contains("b") && tags.containsWeak('"b"'));
 * ```
 */
export class ETags {
  /** The strong tags, unquoted. */
  readonly strong: readonly string[];
  /** The weak tags, unquoted (without `W/`). */
  readonly weak: readonly string[];
  /** True when the header was `*` (any current representation matches). */
  readonly star: boolean;

  /** Makes a set of tags; usually built by {@linkcode parseETags}. */
  constructor(
    strong: readonly string[] = EMPTY,
    weak: readonly string[] = EMPTY,
    star = false,
  ) {
    this.strong = strong;
    this.weak = weak;
    this.star = star;
  }

  /** True when there is no tag and no `*`: the header was absent or held nothing valid. */
  get isEmpty(): boolean {
    return !this.star && this.strong.length === 0 && this.weak.length === 0;
  }

  /**
   * Strong comparison (what `If-Match` and `If-Range` use): true when `*`, or when `tag` is
   * strong and equals a strong tag of the list. `tag` may be bare (`abc`), quoted (`"abc"`) or
   * weak (`W/"abc"`, which never matches strongly).
   */
  contains(tag: string): boolean {
    if (this.star) return true;
    const parsed = toEntityTag(tag);
    return parsed !== null && !parsed.weak && this.strong.includes(parsed.tag);
  }

  /**
   * Weak comparison (what `If-None-Match` uses): true when `*`, or when the opaque tags are
   * equal whether or not either side is weak. `tag` takes the same forms as in `contains`.
   */
  containsWeak(tag: string): boolean {
    if (this.star) return true;
    const parsed = toEntityTag(tag);
    return parsed !== null && (this.strong.includes(parsed.tag) || this.weak.includes(parsed.tag));
  }
}

const NO_TAGS = new ETags();
const STAR = new ETags(EMPTY, EMPTY, true);

/**
 * Parses an `If-Match` / `If-None-Match` value: `*`, or a comma-separated list of `"tag"` and
 * `W/"tag"` entries. Malformed entries (unquoted, unterminated, with bad characters) are skipped;
 * an absent or empty header gives an empty set. Never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseETags } from "./etag.ts";
 *
 * assert.ok(parseETags("*").star);
 * assert.deepEqual(parseETags('"x,y", bogus, W/"z"').strong, ["x,y"]);
 * assert.ok(parseETags(null).isEmpty);
 * ```
 */
export function parseETags(header: string | null): ETags {
  if (!header) return NO_TAGS;
  const length = header.length;
  let strong: string[] | undefined;
  let weak: string[] | undefined;
  let i = 0;
  while (i < length) {
    let code = header.charCodeAt(i);
    if (code === 32 || code === 9 || code === 44) { // OWS and empty list elements
      i++;
      continue;
    }
    if (code === 42) { // "*" stands alone or is malformed
      if (header.trim() === "*") return STAR;
      i = skipEntry(header, i);
      continue;
    }
    let isWeak = false;
    if ((code === 87 || code === 119) && header.charCodeAt(i + 1) === 47) { // W/ or w/
      isWeak = true;
      i += 2;
      code = header.charCodeAt(i);
    }
    if (code !== 34) {
      i = skipEntry(header, i);
      continue;
    }
    const close = scanTag(header, i + 1);
    const end = close < 0 ? -1 : afterOws(header, close + 1);
    if (end < 0 || (end < length && header.charCodeAt(end) !== 44)) {
      i = skipEntry(header, close < 0 ? i : close + 1);
      continue;
    }
    const tag = header.slice(i + 1, close);
    if (isWeak) (weak ??= []).push(tag);
    else (strong ??= []).push(tag);
    i = end + 1;
  }
  if (!strong && !weak) return NO_TAGS;
  return new ETags(strong ?? EMPTY, weak ?? EMPTY);
}

/** Index of the closing quote of a tag starting at `start`, or -1 if malformed. */
function scanTag(text: string, start: number): number {
  for (let i = start; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 34) return i;
    if (!isEtagChar(code)) return -1;
  }
  return -1;
}

function afterOws(text: string, start: number): number {
  let i = start;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  return i;
}

/** Skips a malformed entry up to the next comma outside quotes. */
function skipEntry(text: string, start: number): number {
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 34) quoted = !quoted;
    else if (code === 44 && !quoted) return i + 1;
  }
  return text.length;
}

/** etagc = %x21 / %x23-7E / obs-text */
function isEtagChar(code: number): boolean {
  return code === 0x21 || (code >= 0x23 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}

function isValidTag(tag: string): boolean {
  for (let i = 0; i < tag.length; i++) if (!isEtagChar(tag.charCodeAt(i))) return false;
  return true;
}

function toEntityTag(value: string): EntityTag | null {
  const code = value.charCodeAt(0);
  if (code === 34 || code === 87 || code === 119) {
    const parsed = unquoteEtag(value);
    if (parsed) return parsed;
  }
  return isValidTag(value) ? { tag: value, weak: false } : null;
}

/**
 * Quotes a tag for the `ETag` header: `"tag"`, or `W/"tag"` when `weak`. Throws a `TypeError`
 * when the tag holds a character an entity tag cannot carry (a double quote, space or control).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quoteEtag } from "./etag.ts";
 *
 * assert.equal(quoteEtag("v1"), '"v1"');
 * assert.equal(quoteEtag("v1", true), 'W/"v1"');
 * assert.throws(() => quoteEtag('a"b'), TypeError);
 * ```
 */
export function quoteEtag(tag: string, weak = false): string {
  if (!isValidTag(tag)) {
    throw new TypeError(
      `Cannot quote entity tag: "${tag}" holds a quote, space or control character`,
    );
  }
  return weak ? `W/"${tag}"` : `"${tag}"`;
}

/**
 * Reads one entity tag (`"tag"` or `W/"tag"`, surrounding white space allowed); anything else
 * gives `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unquoteEtag } from "./etag.ts";
 *
 * assert.deepEqual(unquoteEtag('W/"v1"'), { tag: "v1", weak: true });
 * assert.deepEqual(unquoteEtag('"v1"'), { tag: "v1", weak: false });
 * assert.equal(unquoteEtag("v1"), null);
 * ```
 */
export function unquoteEtag(value: string): EntityTag | null {
  const text = value.trim();
  let start = 0;
  let weak = false;
  if (text.startsWith("W/") || text.startsWith("w/")) {
    weak = true;
    start = 2;
  }
  if (text.length - start < 2 || text.charCodeAt(start) !== 34 || !text.endsWith('"')) return null;
  const tag = text.slice(start + 1, -1);
  return isValidTag(tag) ? { tag, weak } : null;
}

/**
 * A strong entity tag for some content: its length and a SHA-256 digest prefix, quoted (the
 * form Deno std's `eTag()` uses), e.g. `"5-LPJNul+wow4m6DsqxbninhsWHlw"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateEtag } from "./etag.ts";
 *
 * const tag = await generateEtag("hello");
 * assert.match(tag, /^"5-[A-Za-z0-9+/]{27}"$/);
 * assert.equal(await generateEtag(new TextEncoder().encode("hello")), tag);
 * ```
 */
export async function generateEtag(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  let binary = "";
  for (let i = 0; i < 21; i++) binary += String.fromCharCode(digest[i]);
  return `"${bytes.byteLength.toString(16)}-${btoa(binary).slice(0, 27)}"`;
}

/**
 * A cheap strong entity tag for a file from its size and modification time, in nginx's form
 * `"<mtime seconds hex>-<size hex>"` (so the proxy and the framework agree on it). A missing
 * `mtime` counts as 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileEtag } from "./etag.ts";
 *
 * assert.equal(fileEtag({ size: 1024, mtime: new Date(1_700_000_000_000) }), '"6553f100-400"');
 * ```
 */
export function fileEtag(info: { size: number; mtime: Date | number | null }): string {
  const mtime = info.mtime === null
    ? 0
    : typeof info.mtime === "number"
    ? info.mtime
    : info.mtime.getTime();
  return `"${Math.floor(mtime / 1000).toString(16)}-${info.size.toString(16)}"`;
}
