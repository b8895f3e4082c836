/**
 * `Cache-Control` for requests and responses (RFC 9111 5.2, RFC 5861, RFC 8246, RFC 9213
 * style extensions kept as-is): parse into typed objects and format back
 * (Werkzeug's `RequestCacheControl` / `ResponseCacheControl`).
 *
 * @module
 */

import { setOwn } from "../_own.ts";
import { isToken, splitList, splitPair } from "./_header_lexer.ts";
import { quoteHeaderValue } from "./options_header.ts";

/** Unknown directives: name (lower-cased) → value, or `null` when it had none. */
export type CacheControlExtensions = Record<string, string | null>;

/** The directives of a request's `Cache-Control` (RFC 9111 5.2.1). */
export interface RequestCacheControl {
  /** `no-cache`: the client wants a validated response. */
  noCache: boolean;
  /** `no-store`. */
  noStore: boolean;
  /** `max-age=N` in seconds. */
  maxAge?: number;
  /** `max-stale` (`true`: any staleness) or `max-stale=N` seconds. */
  maxStale?: true | number;
  /** `min-fresh=N` in seconds. */
  minFresh?: number;
  /** `no-transform`. */
  noTransform: boolean;
  /** `only-if-cached`. */
  onlyIfCached: boolean;
  /** Directives not listed above. */
  extensions: CacheControlExtensions;
}

/** The directives of a response's `Cache-Control` (RFC 9111 5.2.2 and extensions). */
export interface ResponseCacheControl {
  /** `public`. */
  public: boolean;
  /** `private`, or `private="field, ..."` as a list of lower-cased field names. */
  private: boolean | string[];
  /** `no-cache`, or `no-cache="field, ..."` as a list of lower-cased field names. */
  noCache: boolean | string[];
  /** `no-store`. */
  noStore: boolean;
  /** `no-transform`. */
  noTransform: boolean;
  /** `must-revalidate`. */
  mustRevalidate: boolean;
  /** `proxy-revalidate`. */
  proxyRevalidate: boolean;
  /** `must-understand`. */
  mustUnderstand: boolean;
  /** `max-age=N` in seconds. */
  maxAge?: number;
  /** `s-maxage=N` in seconds. */
  sMaxage?: number;
  /** `immutable` (RFC 8246). */
  immutable: boolean;
  /** `stale-while-revalidate=N` in seconds (RFC 5861). */
  staleWhileRevalidate?: number;
  /** `stale-if-error=N` in seconds (RFC 5861). */
  staleIfError?: number;
  /** Directives not listed above. */
  extensions: CacheControlExtensions;
}

/** Anything {@linkcode formatCacheControl} can write: any subset of both directive sets. */
export interface CacheControlInit {
  /** `public`. */
  public?: boolean;
  /** `private` or `private="fields"`. */
  private?: boolean | readonly string[];
  /** `no-cache` or `no-cache="fields"`. */
  noCache?: boolean | readonly string[];
  /** `no-store`. */
  noStore?: boolean;
  /** `no-transform`. */
  noTransform?: boolean;
  /** `must-revalidate`. */
  mustRevalidate?: boolean;
  /** `proxy-revalidate`. */
  proxyRevalidate?: boolean;
  /** `must-understand`. */
  mustUnderstand?: boolean;
  /** `max-age=N`. */
  maxAge?: number;
  /** `s-maxage=N`. */
  sMaxage?: number;
  /** `max-stale` or `max-stale=N`. */
  maxStale?: boolean | number;
  /** `min-fresh=N`. */
  minFresh?: number;
  /** `only-if-cached`. */
  onlyIfCached?: boolean;
  /** `immutable`. */
  immutable?: boolean;
  /** `stale-while-revalidate=N`. */
  staleWhileRevalidate?: number;
  /** `stale-if-error=N`. */
  staleIfError?: number;
  /** Other directives: `true`/`null` writes a bare name, `false`/`undefined` skips it. */
  extensions?: Record<string, string | number | boolean | null | undefined>;
}

/** RFC 9111 1.2.2: a delta-seconds value above 2^31 is taken as 2^31. */
const DELTA_MAX = 2147483648;
const DIGITS = /^\d+$/;

/** Parses delta-seconds; `undefined` for anything but digits. */
function deltaSeconds(value: string | null): number | undefined {
  if (value === null || !DIGITS.test(value)) return undefined;
  return value.length > 10 ? DELTA_MAX : Math.min(Number(value), DELTA_MAX);
}

function fieldList(value: string | null): true | string[] {
  if (value === null) return true;
  const fields = splitList(value).map((field) => field.toLowerCase()).filter(isToken);
  return fields.length === 0 ? true : fields;
}

/** Calls `onDirective` for each directive, the first occurrence of a name only. */
function eachDirective(
  header: string | null,
  onDirective: (name: string, value: string | null) => void,
): void {
  if (typeof header !== "string" || header === "") return;
  const seen = new Set<string>();
  for (const item of splitList(header)) {
    const [rawName, value] = splitPair(item);
    const name = rawName.toLowerCase();
    if (!isToken(name) || seen.has(name)) continue;
    seen.add(name);
    onDirective(name, value);
  }
}

/** How one known directive is read: its field and its kind (see {@linkcode readDirective}). */
type Directives = ReadonlyMap<string, readonly [field: string, kind: Kind]>;

type Kind = "flag" | "seconds" | "fields" | "flagOrSeconds";

// The directives each parser knows, by wire name; a request's no-cache takes no field list.
const REQUEST_DIRECTIVES: Directives = new Map([
  ["no-cache", ["noCache", "flag"]],
  ["no-store", ["noStore", "flag"]],
  ["no-transform", ["noTransform", "flag"]],
  ["only-if-cached", ["onlyIfCached", "flag"]],
  ["max-age", ["maxAge", "seconds"]],
  ["min-fresh", ["minFresh", "seconds"]],
  ["max-stale", ["maxStale", "flagOrSeconds"]],
]);
const RESPONSE_DIRECTIVES: Directives = new Map([
  ["public", ["public", "flag"]],
  ["private", ["private", "fields"]],
  ["no-cache", ["noCache", "fields"]],
  ["no-store", ["noStore", "flag"]],
  ["no-transform", ["noTransform", "flag"]],
  ["must-revalidate", ["mustRevalidate", "flag"]],
  ["proxy-revalidate", ["proxyRevalidate", "flag"]],
  ["must-understand", ["mustUnderstand", "flag"]],
  ["immutable", ["immutable", "flag"]],
  ["max-age", ["maxAge", "seconds"]],
  ["s-maxage", ["sMaxage", "seconds"]],
  ["stale-while-revalidate", ["staleWhileRevalidate", "seconds"]],
  ["stale-if-error", ["staleIfError", "seconds"]],
]);

/** A directive's value as its kind reads it; `undefined` for an invalid number. */
function readDirective(kind: Kind, value: string | null): true | number | string[] | undefined {
  switch (kind) {
    case "flag":
      return true;
    case "seconds":
      return deltaSeconds(value);
    case "fields":
      return fieldList(value);
    case "flagOrSeconds":
      return value === null ? true : deltaSeconds(value);
  }
}

/** Fills `cc` from `header`: known directives into their fields, the rest into `extensions`. */
function parseDirectives<T extends { extensions: CacheControlExtensions }>(
  header: string | null,
  cc: T,
  known: Directives,
): T {
  const fields = cc as unknown as Record<string, unknown>;
  eachDirective(header, (name, value) => {
    const directive = known.get(name);
    if (directive === undefined) {
      setOwn(cc.extensions, name, value);
      return;
    }
    const parsed = readDirective(directive[1], value);
    // An invalid number leaves its field out (each name is seen once: nothing to clear).
    if (parsed !== undefined) fields[directive[0]] = parsed;
  });
  return cc;
}

/**
 * Parses a request's `Cache-Control`. Names are case-insensitive; a repeated directive
 * keeps its first value; an invalid number leaves its field `undefined` (never `NaN`);
 * values above 2^31 are capped (RFC 9111 1.2.2). Unknown directives go to `extensions`.
 * Never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCacheControl } from "./cache_control.ts";
 *
 * const cc = parseCacheControl("no-cache, max-age=0, max-stale");
 * assert.equal(cc.noCache, true);
 * assert.equal(cc.maxAge, 0);
 * assert.equal(cc.maxStale, true);
 * assert.equal(parseCacheControl("max-age=abc").maxAge, undefined);
 * ```
 */
export function parseCacheControl(header: string | null): RequestCacheControl {
  return parseDirectives(header, {
    noCache: false,
    noStore: false,
    noTransform: false,
    onlyIfCached: false,
    extensions: {},
  }, REQUEST_DIRECTIVES);
}

/**
 * Parses a response's `Cache-Control` (for caches, proxies and the test client). Same
 * rules as {@linkcode parseCacheControl}; `private` and `no-cache` become field lists
 * when they carry a value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseResponseCacheControl } from "./cache_control.ts";
 *
 * const cc = parseResponseCacheControl('public, max-age=3600, no-cache="Set-Cookie", immutable');
 * assert.equal(cc.public, true);
 * assert.equal(cc.maxAge, 3600);
 * assert.deepEqual(cc.noCache, ["set-cookie"]);
 * assert.equal(cc.immutable, true);
 * ```
 */
export function parseResponseCacheControl(header: string | null): ResponseCacheControl {
  return parseDirectives(header, {
    public: false,
    private: false,
    noCache: false,
    noStore: false,
    noTransform: false,
    mustRevalidate: false,
    proxyRevalidate: false,
    mustUnderstand: false,
    immutable: false,
    extensions: {},
  }, RESPONSE_DIRECTIVES);
}

/** Output order and wire names; booleans first, then lists, then numbers (like most servers). */
const FIELDS: readonly [keyof CacheControlInit, string, Kind][] = [
  ["public", "public", "flag"],
  ["private", "private", "fields"],
  ["noCache", "no-cache", "fields"],
  ["noStore", "no-store", "flag"],
  ["noTransform", "no-transform", "flag"],
  ["mustRevalidate", "must-revalidate", "flag"],
  ["proxyRevalidate", "proxy-revalidate", "flag"],
  ["mustUnderstand", "must-understand", "flag"],
  ["onlyIfCached", "only-if-cached", "flag"],
  ["maxAge", "max-age", "seconds"],
  ["sMaxage", "s-maxage", "seconds"],
  ["maxStale", "max-stale", "flagOrSeconds"],
  ["minFresh", "min-fresh", "seconds"],
  ["immutable", "immutable", "flag"],
  ["staleWhileRevalidate", "stale-while-revalidate", "seconds"],
  ["staleIfError", "stale-if-error", "seconds"],
];

function formatSeconds(name: string, value: unknown): string | undefined {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return undefined;
  return `${name}=${Math.min(Math.floor(value), DELTA_MAX)}`;
}

/**
 * Formats directives as a `Cache-Control` value, in a stable order (flags, field lists,
 * numbers, then extensions in their own order). `false`/`undefined` fields are skipped;
 * invalid numbers (negative, `NaN`, infinite) are skipped and fractions floored; field
 * lists are quoted (`private="set-cookie"`). Throws an `Error` for an extension name that
 * is not a token.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCacheControl } from "./cache_control.ts";
 *
 * assert.equal(formatCacheControl({ public: true, maxAge: 3600, immutable: true }), "public, max-age=3600, immutable");
 * assert.equal(formatCacheControl({ noCache: ["Set-Cookie"], maxAge: NaN }), 'no-cache="Set-Cookie"');
 * assert.equal(formatCacheControl({ extensions: { community: "UCI", x: true } }), 'community=UCI, x');
 * ```
 */
export function formatCacheControl(directives: CacheControlInit): string {
  const out: string[] = [];
  for (const [field, name, kind] of FIELDS) {
    const value = directives[field];
    if (value === undefined || value === false || value === null) continue;
    if (kind === "flag") {
      if (value === true) out.push(name);
    } else if (kind === "seconds") {
      const text = formatSeconds(name, value);
      if (text !== undefined) out.push(text);
    } else if (kind === "flagOrSeconds") {
      const text = value === true ? name : formatSeconds(name, value);
      if (text !== undefined) out.push(text);
    } else if (value === true) {
      out.push(name);
    } else if (Array.isArray(value)) {
      out.push(
        value.length === 0 ? name : `${name}=${
          quoteHeaderValue(value.join(", "), {
            allowToken: false,
          })
        }`,
      );
    }
  }
  const extensions = directives.extensions ?? {};
  for (const name of Object.keys(extensions)) {
    const value = extensions[name];
    if (value === undefined || value === false) continue;
    if (!isToken(name)) {
      throw new Error(
        `Cannot format Cache-Control: directive name ${JSON.stringify(name)} is not a token`,
      );
    }
    out.push(value === null || value === true ? name : `${name}=${quoteHeaderValue(value)}`);
  }
  return out.join(", ");
}
