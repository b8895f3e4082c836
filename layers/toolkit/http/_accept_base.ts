// Private to http/: the Accept-* base class (parsing, ordering, scoring and picking offers) and
// the parse cache. Public through accept.ts.

import { setOwn } from "../_own.ts";
import { scanParams, splitList, trimOws } from "./_header_lexer.ts";
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

export const NO_MATCH: AcceptScore = [0, -1];
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
const ANY: AcceptScore = [1, 0];
const Q_VALUE = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
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

/** Parses `header` with `build`, cached by value (long headers are not cached). */
export function cached<T extends Accept>(
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
