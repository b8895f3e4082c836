/**
 * The test client's cookie jar: RFC 6265's storage model, small enough to read.
 *
 * @module
 */

import { parseSetCookie, type SameSite } from "../http/cookies.ts";
import { defaultCookiePath, domainMatches, pathMatches } from "./cookie_match.ts";

/** One cookie held by a {@linkcode CookieJar}. */
export interface StoredCookie {
  /** The cookie's name. */
  readonly name: string;
  /** The value exactly as it travels in the `Cookie` header (not percent-decoded). */
  readonly value: string;
  /** The host (host-only cookie) or domain it belongs to: lower case, no leading dot. */
  readonly domain: string;
  /** True when only `domain` itself gets the cookie, not its subdomains (no `Domain` attribute). */
  readonly hostOnly: boolean;
  /** The path it is sent under. */
  readonly path: string;
  /** Sent over `https` only. */
  readonly secure: boolean;
  /** Had `HttpOnly` (recorded, has no effect here). */
  readonly httpOnly: boolean;
  /** The `SameSite` attribute, if any (recorded, has no effect here). */
  readonly sameSite?: SameSite;
  /** When it expires; `undefined` for a session cookie. */
  readonly expires?: Date;
  /** When it was first stored (ms since the epoch); breaks ties in the `Cookie` order. */
  readonly created: number;
}

/** Narrows {@linkcode CookieJar.get} and friends to one domain and/or path. */
export interface CookieFilter {
  /** Only the cookie stored for this domain (a leading dot is ignored). */
  domain?: string;
  /** Only the cookie stored with exactly this path. */
  path?: string;
}

/** Attributes for {@linkcode CookieJar.set}. */
export interface CookieSetOptions {
  /** The domain; default the jar's domain (the client's host). */
  domain?: string;
  /** Host-only (not sent to subdomains); default `true` unless `domain` is given. */
  hostOnly?: boolean;
  /** The path; default `/`. */
  path?: string;
  /** Send over `https` only. */
  secure?: boolean;
  /** Record `HttpOnly`. */
  httpOnly?: boolean;
  /** Record `SameSite` (any case). */
  sameSite?: SameSite | Lowercase<SameSite>;
  /** Expiry date; a date in the past deletes the cookie. */
  expires?: Date;
  /** Lifetime in seconds (wins over `expires`); `0` or less deletes the cookie. */
  maxAge?: number;
  /** Store `value` as given, without percent-encoding characters a cookie cannot hold. */
  raw?: boolean;
}

/** Options for a {@linkcode CookieJar}. */
export interface CookieJarOptions {
  /** The host `set()` uses when given no domain; default `"localhost"`. */
  domain?: string;
  /** The clock, in ms since the epoch; default `Date.now`. */
  now?: () => number;
}

// The characters a cookie value cannot hold (and `%`, so that decoding gives the value back).
// deno-lint-ignore no-control-regex
const UNSAFE_VALUE = /[\u0000-\u0020\u007F-\uFFFF",;\\%]/;
const VALID_NAME = /^[\u0021-\u003A\u003C\u003E-\u007E]+$/;
const SAME_SITE: Record<string, SameSite> = { strict: "Strict", lax: "Lax", none: "None" };
const MAX_DATE = 8.64e15;
const EDGE_SPACE = /^[ \t]+|[ \t]+$/g;

/**
 * Holds cookies between requests: stores every `Set-Cookie` the app sends and picks the cookies a
 * request carries by host, path, `Secure` and expiry (RFC 6265). `get()` and `set()` work on
 * percent-decoded values, like `parseCookie` and `stringifySetCookie` in the app.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CookieJar } from "./cookie_jar.ts";
 *
 * const jar = new CookieJar();
 * jar.storeResponse("http://localhost/login", new Headers({ "set-cookie": "sid=abc; Path=/" }));
 * assert.equal(jar.get("sid"), "abc");
 * jar.set("theme", "dark mode");
 * assert.equal(jar.headerFor("http://localhost/"), "sid=abc; theme=dark%20mode");
 * assert.equal(jar.get("theme"), "dark mode");
 * ```
 */
export class CookieJar implements Iterable<StoredCookie> {
  #cookies = new Map<string, StoredCookie>();
  #domain: string;
  #now: () => number;

  /** Makes an empty jar. */
  constructor(options: CookieJarOptions = {}) {
    this.#domain = normalizeDomain(options.domain ?? "localhost");
    this.#now = options.now ?? Date.now;
  }

  /** How many unexpired cookies the jar holds. */
  get size(): number {
    this.#purge();
    return this.#cookies.size;
  }

  /**
   * The percent-decoded value of the cookie `name`, or `undefined`. When several match (different
   * paths or domains), the one with the longest path, then the oldest, wins.
   */
  get(name: string, filter?: CookieFilter): string | undefined {
    const cookie = this.getCookie(name, filter);
    return cookie === undefined ? undefined : decodeValue(cookie.value);
  }

  /** The whole stored cookie `name` (see {@linkcode CookieJar.get}), or `undefined`. */
  getCookie(name: string, filter?: CookieFilter): StoredCookie | undefined {
    let best: StoredCookie | undefined;
    for (const cookie of this.#select(name, filter)) {
      if (best === undefined || compareCookies(cookie, best) < 0) best = cookie;
    }
    return best;
  }

  /** True when a cookie `name` (within `filter`) is stored and unexpired. */
  has(name: string, filter?: CookieFilter): boolean {
    return this.getCookie(name, filter) !== undefined;
  }

  /**
   * Stores a cookie as if the app had set it. Throws a `TypeError` for a name a cookie cannot
   * have or a path that does not start with `/`.
   */
  set(name: string, value: string, options: CookieSetOptions = {}): this {
    if (!VALID_NAME.test(name)) {
      throw new TypeError(`Cannot set cookie "${name}": the name is not a valid cookie name`);
    }
    const path = options.path ?? "/";
    if (path.charCodeAt(0) !== 47) {
      throw new TypeError(
        `Cannot set cookie "${name}": the path "${path}" does not start with "/"`,
      );
    }
    const raw = options.raw ? value : encodeCookieValue(value);
    this.#put({
      name,
      value: raw,
      domain: options.domain === undefined ? this.#domain : normalizeDomain(options.domain),
      hostOnly: options.hostOnly ?? options.domain === undefined,
      path,
      secure: options.secure ?? false,
      httpOnly: options.httpOnly ?? false,
      sameSite: options.sameSite === undefined
        ? undefined
        : SAME_SITE[options.sameSite.toLowerCase()],
      expires: this.#expiry(options.maxAge, options.expires),
      created: 0,
    });
    return this;
  }

  /** Removes every cookie `name` within `filter`; true when one was removed. */
  delete(name: string, filter?: CookieFilter): boolean {
    let removed = false;
    for (const cookie of this.#select(name, filter)) {
      removed = this.#cookies.delete(keyOf(cookie)) || removed;
    }
    return removed;
  }

  /** Removes every cookie. */
  clear(): void {
    this.#cookies.clear();
  }

  /** The unexpired cookies, oldest first. */
  *[Symbol.iterator](): IterableIterator<StoredCookie> {
    this.#purge();
    yield* this.#cookies.values();
  }

  /**
   * Stores the cookies of every `Set-Cookie` header of a response to a request for `url`.
   * Malformed headers and cookies for another domain are ignored, as a browser does.
   */
  storeResponse(url: string | URL, response: Headers | Response): void {
    const headers = response instanceof Headers ? response : response.headers;
    const values = headers.getSetCookie();
    if (values.length === 0) return;
    const target = typeof url === "string" ? new URL(url) : url;
    for (const value of values) this.storeSetCookie(target, value);
  }

  /**
   * Stores the cookie of one `Set-Cookie` header value received for `url`, following RFC 6265
   * section 5.3 (and the `__Secure-`/`__Host-` prefixes). Returns false when it was ignored or
   * when it deleted a cookie.
   */
  storeSetCookie(url: string | URL, header: string): boolean {
    const target = typeof url === "string" ? new URL(url) : url;
    const parsed = parseSetCookie(header);
    if (parsed === null) return false;
    const host = target.hostname;
    let domain = host;
    let hostOnly = true;
    if (parsed.domain !== undefined) {
      if (!domainMatches(host, parsed.domain)) return false;
      domain = parsed.domain;
      hostOnly = false;
    }
    const path = parsed.path ?? defaultCookiePath(target.pathname);
    const secure = parsed.secure;
    if (!prefixAllows(parsed.name, secure, hostOnly, path)) return false;
    return this.#put({
      name: parsed.name,
      value: rawValue(header),
      domain,
      hostOnly,
      path,
      secure,
      httpOnly: parsed.httpOnly,
      sameSite: parsed.sameSite,
      expires: this.#expiry(parsed.maxAge, parsed.expires),
      created: 0,
    });
  }

  /**
   * The `Cookie` header value a request for `url` carries, in RFC 6265 order (longest path first,
   * then oldest), or `undefined` when none. Names in `exclude` are left out.
   */
  headerFor(url: string | URL, exclude?: ReadonlySet<string>): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    const matched = this.matching(url);
    let header = "";
    for (const cookie of matched) {
      if (exclude?.has(cookie.name)) continue;
      header += (header === "" ? "" : "; ") + cookie.name + "=" + cookie.value;
    }
    return header === "" ? undefined : header;
  }

  /** The cookies a request for `url` carries, in the order they are sent. */
  matching(url: string | URL): StoredCookie[] {
    const target = typeof url === "string" ? new URL(url) : url;
    const host = target.hostname;
    const path = target.pathname || "/";
    const https = target.protocol === "https:";
    const now = this.#now();
    const out: StoredCookie[] = [];
    for (const cookie of this.#cookies.values()) {
      if (cookie.expires !== undefined && cookie.expires.getTime() <= now) {
        this.#cookies.delete(keyOf(cookie));
        continue;
      }
      if (cookie.secure && !https) continue;
      if (cookie.hostOnly ? host !== cookie.domain : !domainMatches(host, cookie.domain)) continue;
      if (!pathMatches(path, cookie.path)) continue;
      out.push(cookie);
    }
    if (out.length > 1) out.sort(compareCookies);
    return out;
  }

  #select(name: string, filter?: CookieFilter): StoredCookie[] {
    const domain = filter?.domain === undefined ? undefined : normalizeDomain(filter.domain);
    const path = filter?.path;
    const now = this.#now();
    const out: StoredCookie[] = [];
    for (const cookie of this.#cookies.values()) {
      if (cookie.name !== name) continue;
      if (cookie.expires !== undefined && cookie.expires.getTime() <= now) {
        this.#cookies.delete(keyOf(cookie));
        continue;
      }
      if (domain !== undefined && cookie.domain !== domain) continue;
      if (path !== undefined && cookie.path !== path) continue;
      out.push(cookie);
    }
    return out;
  }

  // Stores (or, when already expired, deletes) a cookie. A replaced cookie keeps its creation
  // time and its place in the map, whose order is therefore the creation order.
  #put(cookie: StoredCookie): boolean {
    const key = keyOf(cookie);
    const now = this.#now();
    if (cookie.expires !== undefined && cookie.expires.getTime() <= now) {
      this.#cookies.delete(key);
      return false;
    }
    const stored: { -readonly [K in keyof StoredCookie]: StoredCookie[K] } = {
      ...cookie,
      created: this.#cookies.get(key)?.created ?? now,
    };
    if (stored.sameSite === undefined) delete stored.sameSite;
    if (stored.expires === undefined) delete stored.expires;
    this.#cookies.set(key, stored);
    return true;
  }

  #expiry(maxAge: number | undefined, expires: Date | undefined): Date | undefined {
    if (maxAge !== undefined && Number.isFinite(maxAge)) {
      if (maxAge <= 0) return new Date(0);
      return new Date(Math.min(this.#now() + maxAge * 1000, MAX_DATE));
    }
    return expires !== undefined && Number.isFinite(expires.getTime()) ? expires : undefined;
  }

  #purge(): void {
    const now = this.#now();
    for (const [key, cookie] of this.#cookies) {
      if (cookie.expires !== undefined && cookie.expires.getTime() <= now) {
        this.#cookies.delete(key);
      }
    }
  }
}

/**
 * A value made safe for a `Cookie` header: percent-encoded when it holds a character a cookie
 * cannot (or `%`), as `stringifySetCookie` does; unchanged otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeCookieValue } from "./cookie_jar.ts";
 *
 * assert.equal(encodeCookieValue("abc.123-_"), "abc.123-_");
 * assert.equal(encodeCookieValue("a b;c"), "a%20b%3Bc");
 * ```
 */
export function encodeCookieValue(value: string): string {
  return UNSAFE_VALUE.test(value) ? encodeURIComponent(value) : value;
}

// The value as sent, before percent-decoding: between the first "=" and the first ";", trimmed
// of spaces and tabs as the parser trims it.
function rawValue(header: string): string {
  const semi = header.indexOf(";");
  const pair = semi === -1 ? header : header.slice(0, semi);
  return pair.slice(pair.indexOf("=") + 1).replace(EDGE_SPACE, "");
}

function keyOf(cookie: StoredCookie): string {
  return cookie.domain + ";" + cookie.path + ";" + cookie.name;
}

function normalizeDomain(domain: string): string {
  const lower = domain.trim().toLowerCase();
  return lower.charCodeAt(0) === 46 ? lower.slice(1) : lower;
}

// Longest path first; the sort is stable, so ties keep the map's (creation) order.
function compareCookies(a: StoredCookie, b: StoredCookie): number {
  return b.path.length - a.path.length;
}

function decodeValue(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

// RFC 6265bis cookie prefixes: `__Secure-` needs Secure; `__Host-` also host-only and path "/".
function prefixAllows(name: string, secure: boolean, hostOnly: boolean, path: string): boolean {
  if (name.charCodeAt(0) !== 95 || name.charCodeAt(1) !== 95) return true;
  const lower = name.toLowerCase();
  if (lower.startsWith("__secure-")) return secure;
  if (lower.startsWith("__host-")) return secure && hostOnly && path === "/";
  return true;
}
