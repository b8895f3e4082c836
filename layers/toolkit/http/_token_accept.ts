// Private to http/: the Accept-* headers whose ranges are single tokens: Accept-Language,
// Accept-Encoding and Accept-Charset. Public through accept.ts.

import { Accept, type AcceptRange, type AcceptScore, cached, NO_MATCH } from "./_accept_base.ts";
import { isToken } from "./_header_lexer.ts";

const LANGUAGE_RANGE = /^(?:\*|[A-Za-z0-9]{1,8}(?:[-_][A-Za-z0-9]{1,8})*)$/;

/** A token range (an encoding, a charset) keyed by its normalized name; `*` ranks lowest. */
function tokenRange(range: string, normalize: (value: string) => string): AcceptRange | null {
  if (!isToken(range)) return null;
  const key = normalize(range);
  return { key, sub: "", specificity: key === "*" ? 0 : 1, value: range.toLowerCase() };
}

// ------------------------------------------------------------------------------- languages

function normalizeLanguage(tag: string): string {
  return tag.trim().toLowerCase().replaceAll("_", "-");
}

/**
 * A parsed `Accept-Language` header. Matching ignores case and treats `_` as `-`; besides
 * exact matches, a range matches more specific offers (`en` accepts `en-US`) and, as
 * Werkzeug's fallback does, a specific range matches its prefix offer (`en-US` accepts
 * `en`), each less specific than an exact match.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LanguageAccept } from "./accept.ts";
 *
 * const accept = new LanguageAccept("de-DE, en;q=0.5");
 * assert.equal(accept.best(["en", "de"]), "de");
 * assert.equal(accept.best(["en-GB", "fr"]), "en-GB");
 * ```
 */
export class LanguageAccept extends Accept {
  /** Validates and normalizes one range. */
  protected override parseRange(range: string): AcceptRange | null {
    if (!LANGUAGE_RANGE.test(range)) return null;
    const key = normalizeLanguage(range);
    return { key, sub: "", specificity: key === "*" ? 0 : 1, value: range };
  }

  /** Scores one offer. */
  protected override score(offer: string): AcceptScore {
    const tag = normalizeLanguage(offer);
    if (tag === "") return NO_MATCH;
    return this.bestScore(({ key }) => {
      if (key === tag) return 3;
      if (key === "*") return 0;
      if (tag.startsWith(key) && tag.charCodeAt(key.length) === 45) return 2;
      if (key.startsWith(tag) && key.charCodeAt(tag.length) === 45) return 1;
      return -1;
    });
  }
}

const languageCache = new Map<string, LanguageAccept>();

/**
 * Parses an `Accept-Language` header (cached by value); `null` or empty accepts everything.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAcceptLanguage } from "./accept.ts";
 *
 * const accept = parseAcceptLanguage("fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5");
 * assert.equal(accept.best(["en", "fr"]), "fr");
 * assert.equal(accept.quality("en_US"), 0.8);
 * assert.equal(accept.quality("ja"), 0.5);
 * ```
 */
export function parseAcceptLanguage(header: string | null): LanguageAccept {
  return cached(languageCache, header, (value) => new LanguageAccept(value));
}

// ------------------------------------------------------------------------------- encodings

const ENCODING_ALIASES: Readonly<Record<string, string>> = {
  "x-gzip": "gzip",
  "x-compress": "compress",
};

function normalizeEncoding(value: string): string {
  const lower = value.trim().toLowerCase();
  return ENCODING_ALIASES[lower] ?? lower;
}

/**
 * A parsed `Accept-Encoding` header (RFC 9110 12.5.3): `identity` stays acceptable unless
 * excluded by `identity;q=0` or by `*;q=0`; when not listed it ranks below the listed
 * codings (the lowest quality listed). An empty header value means "identity only".
 * `x-gzip` counts as `gzip`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EncodingAccept } from "./accept.ts";
 *
 * assert.equal(new EncodingAccept("gzip, br").best(["identity", "br"]), "br");
 * assert.equal(new EncodingAccept("gzip").accepts("identity"), true);
 * assert.equal(new EncodingAccept("*;q=0").accepts("identity"), false);
 * assert.equal(new EncodingAccept("").best(["gzip", "identity"]), "identity");
 * ```
 */
export class EncodingAccept extends Accept {
  /** An empty Accept-Encoding means "identity only", not "absent". */
  protected override get emptyMeansAbsent(): boolean {
    return false;
  }

  /** Validates and normalizes one range. */
  protected override parseRange(range: string): AcceptRange | null {
    return tokenRange(range, normalizeEncoding);
  }

  /** Scores one offer. */
  protected override score(offer: string): AcceptScore {
    const coding = normalizeEncoding(offer);
    const score = this.bestScore(({ key }) => key === coding ? 1 : key === "*" ? 0 : -1);
    if (score[1] >= 0 || coding !== "identity") return score;
    let lowest = 1;
    for (const entry of this.entries) {
      if (entry.quality > 0 && entry.quality < lowest) lowest = entry.quality;
    }
    return [lowest, -1];
  }
}

const encodingCache = new Map<string, EncodingAccept>();

/**
 * Parses an `Accept-Encoding` header (cached by value). `null` accepts every coding; `""`
 * accepts only `identity`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAcceptEncoding } from "./accept.ts";
 *
 * const accept = parseAcceptEncoding("gzip;q=1.0, identity;q=0.5, *;q=0");
 * assert.equal(accept.best(["br", "gzip"]), "gzip");
 * assert.equal(accept.accepts("br"), false);
 * ```
 */
export function parseAcceptEncoding(header: string | null): EncodingAccept {
  return cached(encodingCache, header, (value) => new EncodingAccept(value));
}

// -------------------------------------------------------------------------------- charsets

const CHARSET_ALIASES: Readonly<Record<string, string>> = {
  utf8: "utf-8",
  "unicode-1-1-utf-8": "utf-8",
  latin1: "iso-8859-1",
  "latin-1": "iso-8859-1",
  l1: "iso-8859-1",
  iso8859_1: "iso-8859-1",
  "iso_8859-1": "iso-8859-1",
  "iso8859-1": "iso-8859-1",
  ascii: "us-ascii",
  "ansi_x3.4-1968": "us-ascii",
  utf16: "utf-16",
};

function normalizeCharset(value: string): string {
  const lower = value.trim().toLowerCase();
  return CHARSET_ALIASES[lower] ?? lower;
}

/**
 * A parsed `Accept-Charset` header; names are compared case-insensitively with common
 * aliases folded (`utf8` = `utf-8`, `latin1` = `iso-8859-1`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CharsetAccept } from "./accept.ts";
 *
 * assert.equal(new CharsetAccept("UTF-8, *;q=0.1").quality("utf8"), 1);
 * ```
 */
export class CharsetAccept extends Accept {
  /** Validates and normalizes one range. */
  protected override parseRange(range: string): AcceptRange | null {
    return tokenRange(range, normalizeCharset);
  }

  /** Scores one offer. */
  protected override score(offer: string): AcceptScore {
    const charset = normalizeCharset(offer);
    return this.bestScore(({ key }) => key === charset ? 1 : key === "*" ? 0 : -1);
  }
}

const charsetCache = new Map<string, CharsetAccept>();

/**
 * Parses an `Accept-Charset` header (cached by value); `null` or empty accepts everything.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAcceptCharset } from "./accept.ts";
 *
 * assert.equal(parseAcceptCharset("iso-8859-5, unicode-1-1;q=0.8").accepts("utf-8"), false);
 * ```
 */
export function parseAcceptCharset(header: string | null): CharsetAccept {
  return cached(charsetCache, header, (value) => new CharsetAccept(value));
}
