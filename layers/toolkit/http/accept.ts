/**
 * Content negotiation: parse `Accept`, `Accept-Language`, `Accept-Encoding` and
 * `Accept-Charset` with their quality values and pick the best offer (Werkzeug's
 * `MIMEAccept`, `LanguageAccept`, `CharsetAccept` and `best_match`, following RFC 9110 12.5).
 *
 * Parsed values are cached by header string, so repeated headers cost a map lookup.
 *
 * @module
 */

import { isToken, scanParams, setOwn, splitList, trimOws } from "./_header_lexer.ts";
import { quoteHeaderValue } from "./options_header.ts";

/** One parsed range of an Accept-* header. */
export interface AcceptEntry {
  /** The range, e.g. `text/html`, `en-US`, `gzip` (media types, encodings, charsets lower-cased). */
  readonly value: string;
  /** The quality, from 0 to 1 (1 when absent). */
  readonly quality: number;
  /** Parameters other than `q` (for media ranges, those before `q`), keys lower-cased. */
  readonly params: Readonly<Record<string, string>>;
}

/** A range in matching form, as the subclasses build it from one header item. */
export interface AcceptRange {
  /** The normalized range: lower-cased; for languages `_` becomes `-`; charset aliases folded. */
  readonly key: string;
  /** The media subtype (`""` for the other headers). */
  readonly sub: string;
  /** How specific the range is (a wildcard is the least specific). */
  readonly specificity: number;
  /** The value shown in {@linkcode AcceptEntry.value}. */
  readonly value: string;
}

interface Item extends AcceptRange {
  readonly entry: AcceptEntry;
}

/** The quality an offer gets and the specificity of the range that gave it (-1: none). */
export type AcceptScore = readonly [quality: number, specificity: number];

const NO_MATCH: AcceptScore = [0, -1];
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
const ANY: AcceptScore = [1, 0];
const Q_VALUE = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const LANGUAGE_RANGE = /^(?:\*|[A-Za-z0-9]{1,8}(?:[-_][A-Za-z0-9]{1,8})*)$/;
const CACHE_LIMIT = 256;
const CACHEABLE_LENGTH = 2048;
const OFFER_CACHE_LIMIT = 64;

/** Parses one item into its range and parameters; `null` when its `q` is not a number. */
function parseItem(
  raw: string,
): { range: string; quality: number; params: Record<string, string> | null } | null {
  const semicolon = raw.indexOf(";");
  const range = semicolon === -1 ? raw : trimOws(raw, 0, semicolon);
  let params: Record<string, string> | null = null;
  let quality = 1;
  let seenQ = false;
  let invalid = false;
  if (semicolon !== -1) {
    scanParams(raw, semicolon, (key, value) => {
      if (seenQ) return; // accept-ext parameters after the weight are ignored
      if (key !== "q") {
        setOwn(params ??= {}, key, value);
        return;
      }
      seenQ = true;
      if (Q_VALUE.test(value)) quality = Math.min(1, Number(value));
      else invalid = true;
    });
  }
  return invalid ? null : { range, quality, params };
}

/**
 * What every Accept-* header offers: `entries`, `quality()`, `best()`, `accepts()`.
 * Build one with {@linkcode parseAccept}, {@linkcode parseAcceptLanguage},
 * {@linkcode parseAcceptEncoding} or {@linkcode parseAcceptCharset}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAcceptCharset } from "./accept.ts";
 *
 * const accept = parseAcceptCharset("iso-8859-1;q=0.5, utf-8");
 * assert.deepEqual(accept.entries.map((e) => e.value), ["utf-8", "iso-8859-1"]);
 * assert.equal(accept.best(["latin1", "UTF8"]), "UTF8");
 * ```
 */
export abstract class Accept {
  /** Every valid range, by quality then specificity (highest first), ties in header order. */
  readonly entries: readonly AcceptEntry[];
  /** Whether the header was sent (an absent header accepts everything with quality 1). */
  readonly provided: boolean;
  #items: readonly Item[];
  #scores = new Map<string, AcceptScore>();

  /** Parses `header`; `null` (and, except for Accept-Encoding, `""`) means absent. */
  constructor(header: string | null) {
    const value = typeof header === "string" ? header : null;
    this.provided = value !== null && (!this.emptyMeansAbsent || trimOws(value) !== "");
    const items: Item[] = [];
    if (this.provided) {
      for (const raw of splitList(value!)) {
        const parsed = parseItem(raw);
        const range = parsed && this.parseRange(parsed.range, parsed.params);
        if (!parsed || !range) continue;
        const entry: AcceptEntry = {
          value: range.value,
          quality: parsed.quality,
          params: parsed.params === null ? NO_PARAMS : Object.freeze(parsed.params),
        };
        const { key, sub, specificity } = range;
        items.push({ key, sub, specificity, value: range.value, entry });
      }
    }
    // Array.prototype.sort is stable: ties keep header order.
    items.sort((a, b) => b.entry.quality - a.entry.quality || b.specificity - a.specificity);
    this.#items = Object.freeze(items);
    this.entries = Object.freeze(this.#items.map((item) => item.entry));
  }

  /** Whether an empty header value means "absent" (true but for Accept-Encoding). */
  protected get emptyMeansAbsent(): boolean {
    return true;
  }

  /** Validates and normalizes one range of the header, or returns `null` to skip it. */
  protected abstract parseRange(
    range: string,
    params: Readonly<Record<string, string>> | null,
  ): AcceptRange | null;

  /** Scores one offer of the application (only called when the header was sent). */
  protected abstract score(offer: string): AcceptScore;

  /**
   * The score of the most specific range for which `specificityOf` returns a value of 0
   * or more (the highest quality among equally specific ranges), or no match.
   */
  protected bestScore(
    specificityOf: (range: AcceptRange, entry: AcceptEntry) => number,
  ): AcceptScore {
    let quality = 0;
    let specificity = -1;
    for (const item of this.#items) {
      const s = specificityOf(item, item.entry);
      if (s > specificity || (s === specificity && s >= 0 && item.entry.quality > quality)) {
        specificity = s;
        quality = item.entry.quality;
      }
    }
    return specificity < 0 ? NO_MATCH : [quality, specificity];
  }

  #score(offer: string): AcceptScore {
    if (!this.provided) return ANY;
    let score = this.#scores.get(offer);
    if (score === undefined) {
      score = typeof offer === "string" ? this.score(offer) : NO_MATCH;
      if (this.#scores.size >= OFFER_CACHE_LIMIT) this.#scores.clear();
      this.#scores.set(offer, score);
    }
    return score;
  }

  /** The quality the client gives `offer`: 0 when unacceptable, 1 when the header is absent. */
  quality(offer: string): number {
    return this.#score(offer)[0];
  }

  /** Whether the client accepts `offer` (its quality is above 0). */
  accepts(offer: string): boolean {
    return this.#score(offer)[0] > 0;
  }

  /**
   * The best of `offers` (Werkzeug's `best_match`): highest quality, then the most specific
   * matching range, then the order of `offers`. An offer with quality 0 is never chosen;
   * `fallback` is returned when nothing is acceptable.
   */
  best(offers: readonly string[], fallback?: string): string | undefined {
    let best: string | undefined;
    let bestQuality = 0;
    let bestSpecificity = -2;
    for (const offer of offers) {
      const [quality, specificity] = this.#score(offer);
      if (quality <= 0) continue;
      if (quality > bestQuality || (quality === bestQuality && specificity > bestSpecificity)) {
        best = offer;
        bestQuality = quality;
        bestSpecificity = specificity;
      }
    }
    return best ?? fallback;
  }

  /** The header value these entries stand for (`q` written when below 1). */
  toString(): string {
    return this.entries.map((entry) => {
      let out = entry.value;
      for (const [key, value] of Object.entries(entry.params)) {
        out += `;${key}=${quoteHeaderValue(value)}`;
      }
      return entry.quality < 1 ? `${out};q=${entry.quality}` : out;
    }).join(", ");
  }
}

function cached<T extends Accept>(
  cache: Map<string, T>,
  header: string | null,
  build: (header: string | null) => T,
): T {
  const key = typeof header === "string" ? header : "\0absent";
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = build(typeof header === "string" ? header : null);
  if (key.length <= CACHEABLE_LENGTH) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, value);
  }
  return value;
}

// ----------------------------------------------------------------------------- media types

function splitMediaType(range: string): [type: string, sub: string] | null {
  const slash = range.indexOf("/");
  if (slash === -1) return range === "*" ? ["*", "*"] : null;
  const type = range.slice(0, slash).toLowerCase();
  const sub = range.slice(slash + 1).toLowerCase();
  if (!isToken(type) || !isToken(sub) || (type === "*" && sub !== "*")) return null;
  return [type, sub];
}

function lowerValues(params: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(params).map(([key, value]) => [key, value.toLowerCase()]);
}

/**
 * A parsed `Accept` header. Ranges may be `type/*` or `*\/*`; a range with parameters
 * (`text/html;level=1`) only matches offers carrying those parameters, and is more
 * specific than the bare type. Offers that are not `type/subtype` never match.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MediaAccept } from "./accept.ts";
 *
 * const accept = new MediaAccept("text/*;q=0.3, text/html;q=0.7, text/html;level=1, *\/*;q=0.5");
 * assert.equal(accept.quality("text/html;level=1"), 1);
 * assert.equal(accept.quality("text/html"), 0.7);
 * assert.equal(accept.quality("text/plain"), 0.3);
 * assert.equal(accept.quality("image/png"), 0.5);
 * ```
 */
export class MediaAccept extends Accept {
  #params = new WeakMap<AcceptEntry, [string, string][]>();

  /** Whether `application/json` is acceptable. */
  get acceptsJson(): boolean {
    return this.accepts("application/json");
  }

  /** Whether `text/html` or `application/xhtml+xml` is acceptable. */
  get acceptsHtml(): boolean {
    return this.accepts("text/html") || this.accepts("application/xhtml+xml");
  }

  /** Validates and normalizes one range. */
  protected override parseRange(
    range: string,
    params: Readonly<Record<string, string>> | null,
  ): AcceptRange | null {
    const split = splitMediaType(range);
    if (split === null) return null;
    const [type, sub] = split;
    const count = params === null ? 0 : Math.min(Object.keys(params).length, 999);
    const wildcards = (type === "*" ? 1 : 0) + (sub === "*" ? 1 : 0);
    return { key: type, sub, specificity: (2 - wildcards) * 1000 + count, value: `${type}/${sub}` };
  }

  /** Scores one offer. */
  protected override score(offer: string): AcceptScore {
    const semicolon = offer.indexOf(";");
    const split = splitMediaType(trimOws(offer, 0, semicolon === -1 ? offer.length : semicolon));
    if (split === null) return NO_MATCH;
    const [type, sub] = split;
    let offerParams: Map<string, string> | undefined;
    if (semicolon !== -1) {
      const raw: Record<string, string> = {};
      scanParams(offer, semicolon, (key, value) => setOwn(raw, key, value));
      offerParams = new Map(lowerValues(raw));
    }
    return this.bestScore((range, entry) => {
      if (type !== "*" && range.key !== "*" && range.key !== type) return -1;
      if (sub !== "*" && range.sub !== "*" && range.sub !== sub) return -1;
      let params = this.#params.get(entry);
      if (params === undefined) this.#params.set(entry, params = lowerValues(entry.params));
      for (const [key, value] of params) {
        if (offerParams?.get(key) !== value) return -1;
      }
      return range.specificity;
    });
  }
}

const mediaCache = new Map<string, MediaAccept>();

/**
 * Parses an `Accept` header (cached by value). `null` or empty accepts every media type
 * with quality 1. Invalid ranges (`*\/html`, `nonsense`) and ranges whose `q` is not a
 * number are skipped; a `q` above 1 counts as 1. The lone `*` some old clients send counts
 * as `*\/*`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAccept } from "./accept.ts";
 *
 * const accept = parseAccept("text/html, application/json;q=0.9, *\/*;q=0.1");
 * assert.equal(accept.best(["application/json", "text/html"]), "text/html");
 * assert.equal(accept.acceptsJson, true);
 * assert.equal(parseAccept("image/png").best(["text/html"], "text/plain"), "text/plain");
 * assert.equal(parseAccept(null).best(["text/html"]), "text/html");
 * ```
 */
export function parseAccept(header: string | null): MediaAccept {
  return cached(mediaCache, header, (value) => new MediaAccept(value));
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
    if (!isToken(range)) return null;
    const key = normalizeEncoding(range);
    return { key, sub: "", specificity: key === "*" ? 0 : 1, value: range.toLowerCase() };
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
    if (!isToken(range)) return null;
    const key = normalizeCharset(range);
    return { key, sub: "", specificity: key === "*" ? 0 : 1, value: range.toLowerCase() };
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
