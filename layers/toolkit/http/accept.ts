/**
 * Content negotiation: parse `Accept`, `Accept-Language`, `Accept-Encoding` and
 * `Accept-Charset` with their quality values and pick the best offer (Werkzeug's
 * `MIMEAccept`, `LanguageAccept`, `CharsetAccept` and `best_match`, following RFC 9110 12.5).
 *
 * Parsed values are cached by header string, so repeated headers cost a map lookup.
 *
 * @module
 */

import { setOwn } from "../_own.ts";
import {
  Accept,
  type AcceptEntry,
  type AcceptRange,
  type AcceptScore,
  cached,
  NO_MATCH,
} from "./_accept_base.ts";
import { isToken, scanParams, trimOws } from "./_header_lexer.ts";

export { Accept, type AcceptEntry, type AcceptRange, type AcceptScore } from "./_accept_base.ts";
export {
  CharsetAccept,
  EncodingAccept,
  LanguageAccept,
  parseAcceptCharset,
  parseAcceptEncoding,
  parseAcceptLanguage,
} from "./_token_accept.ts";

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
