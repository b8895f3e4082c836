/**
 * Cookies: parse the `Cookie` request header into a {@linkcode MultiDict}, build and
 * parse `Set-Cookie` values (Werkzeug's `parse_cookie` / `dump_cookie`), on top of
 * `npm:cookie` for value encoding, serialization and `Set-Cookie` parsing.
 *
 * @module
 */

import { parseSetCookie as parseSetCookieCore, stringifySetCookie } from "cookie";
import { MultiDict } from "../datastructures/multi_dict.ts";
import { isToken } from "./_header_lexer.ts";

/** The `SameSite` attribute values. */
export type SameSite = "Strict" | "Lax" | "None";

/** The `Priority` attribute values (a Chrome extension). */
export type CookiePriority = "Low" | "Medium" | "High";

/** Attributes of a `Set-Cookie` header built by {@linkcode serializeCookie}. */
export interface CookieOptions {
  /** `Max-Age` in seconds (fractions are floored; 0 or less expires the cookie). */
  maxAge?: number;
  /** `Expires`, as a `Date` or milliseconds since the epoch (like `Date.now()`). */
  expires?: Date | number;
  /** `Domain`: the cookie is sent to this host and its subdomains. */
  domain?: string;
  /** `Path` (default `"/"`; `null` leaves it out so the browser uses the request's path). */
  path?: string | null;
  /** `Secure`: only sent over HTTPS. Forced by `sameSite: "None"`, `partitioned` and `__Secure-`/`__Host-` names. */
  secure?: boolean;
  /** `HttpOnly`: hidden from scripts. */
  httpOnly?: boolean;
  /** `SameSite` (any case). */
  sameSite?: SameSite | Lowercase<SameSite>;
  /** `Partitioned` (CHIPS); requires `Secure`. */
  partitioned?: boolean;
  /** `Priority` (any case). */
  priority?: CookiePriority | Lowercase<CookiePriority>;
}

/** A parsed `Set-Cookie` header (what a cookie jar stores). */
export interface SetCookie {
  /** The cookie name. */
  name: string;
  /** The decoded value (`""` when empty). */
  value: string;
  /** `Max-Age` in seconds. */
  maxAge?: number;
  /** `Expires`. */
  expires?: Date;
  /** `Domain`, lower-cased, without a leading dot. */
  domain?: string;
  /** `Path` (only kept when it starts with `/`, RFC 6265 5.2.4). */
  path?: string;
  /** `Secure`. */
  secure: boolean;
  /** `HttpOnly`. */
  httpOnly: boolean;
  /** `SameSite`. */
  sameSite?: SameSite;
  /** `Partitioned`. */
  partitioned: boolean;
  /** `Priority`. */
  priority?: CookiePriority;
}

/**
 * Thrown by {@linkcode serializeCookie} for an invalid name, value or attribute.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CookieError, serializeCookie } from "./cookies.ts";
 *
 * assert.throws(() => serializeCookie("bad name", "x"), CookieError);
 * ```
 */
export class CookieError extends Error {
  /** The name of the cookie being set. */
  readonly cookie: string;

  /** Creates the error for `cookie` with the reason `why`. */
  constructor(cookie: string, why: string, options?: ErrorOptions) {
    super(`Cannot set cookie ${JSON.stringify(cookie)}: ${why}`, options);
    this.name = "CookieError";
    this.cookie = cookie;
  }
}

const SPACE = 32;
const TAB = 9;

function trimCookie(value: string, start: number, end: number): string {
  while (start < end) {
    const code = value.charCodeAt(start);
    if (code !== SPACE && code !== TAB) break;
    start++;
  }
  while (end > start) {
    const code = value.charCodeAt(end - 1);
    if (code !== SPACE && code !== TAB) break;
    end--;
  }
  return value.slice(start, end);
}

function decodeValue(value: string): string {
  if (value.length >= 2 && value.charCodeAt(0) === 34 && value.endsWith('"')) {
    value = value.slice(1, -1);
  }
  if (value.indexOf("%") === -1) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Parses a `Cookie` request header. Every value of a repeated name is kept (`get()` gives
 * the first, which browsers send for the most specific path); values are percent-decoded
 * when valid (kept raw otherwise) and unwrapped from double quotes. Pairs without `=` or
 * with an empty name are skipped. Never throws. (`npm:cookie`'s parser keeps only the first
 * value of a name, so this loop mirrors its algorithm instead of calling it.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCookies } from "./cookies.ts";
 *
 * const cookies = parseCookies('sid=abc; theme="dark"; sid=old; name=J%C3%BCrgen; bad=%E0%A4%A');
 * assert.equal(cookies.get("sid"), "abc");
 * assert.deepEqual(cookies.getAll("sid"), ["abc", "old"]);
 * assert.equal(cookies.get("theme"), "dark");
 * assert.equal(cookies.get("name"), "J\u00fcrgen");
 * assert.equal(cookies.get("bad"), "%E0%A4%A");
 * ```
 */
export function parseCookies(header: string | null): MultiDict<string> {
  const cookies = new MultiDict<string>();
  if (typeof header !== "string") return cookies;
  const length = header.length;
  let index = 0;
  while (index < length) {
    const eq = header.indexOf("=", index);
    if (eq === -1) break;
    let end = header.indexOf(";", index);
    if (end === -1) end = length;
    if (eq > end) {
      index = end + 1;
      continue;
    }
    const name = trimCookie(header, index, eq);
    if (name !== "") cookies.add(name, decodeValue(trimCookie(header, eq + 1, end)));
    index = end + 1;
  }
  return cookies;
}

// Mirrors npm:cookie's checks, so its TypeErrors cannot surface to the caller.
const DOMAIN =
  /^([.]?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)([.][a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const PATH = /^[\u0020-\u003A\u003D-\u007E]*$/;
const SAME_SITE: Readonly<Record<string, "strict" | "lax" | "none">> = {
  strict: "strict",
  lax: "lax",
  none: "none",
};
const PRIORITY: Readonly<Record<string, "low" | "medium" | "high">> = {
  low: "low",
  medium: "medium",
  high: "high",
};

function toExpires(name: string, expires: Date | number): Date {
  const date = typeof expires === "number" ? new Date(expires) : expires;
  const year = date instanceof Date ? date.getUTCFullYear() : NaN;
  if (!(year >= 1601 && year <= 9999)) {
    throw new CookieError(name, `expires ${String(expires)} is not a date between 1601 and 9999`);
  }
  return date;
}

function requireSecure(name: string, secure: boolean | undefined, why: string): true {
  if (secure === false) throw new CookieError(name, `${why} requires Secure, but secure is false`);
  return true;
}

/**
 * Builds a `Set-Cookie` header value. The value is percent-encoded where needed (by
 * `npm:cookie`); `Path` defaults to `/`. `SameSite=None`, `Partitioned` and the
 * `__Secure-`/`__Host-` name prefixes need `Secure`: it is added when `secure` is left
 * out, and a {@linkcode CookieError} is thrown when `secure: false` says otherwise (as for
 * any invalid name, domain, path, date or attribute; the message names the cookie).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serializeCookie } from "./cookies.ts";
 *
 * assert.equal(
 *   serializeCookie("sid", "a b", { httpOnly: true, sameSite: "Lax", maxAge: 3600 }),
 *   "sid=a%20b; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax",
 * );
 * assert.equal(
 *   serializeCookie("embed", "1", { sameSite: "None", partitioned: true, path: null }),
 *   "embed=1; Secure; Partitioned; SameSite=None",
 * );
 * ```
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (typeof name !== "string" || !isToken(name)) {
    throw new CookieError(String(name), "the name must be a non-empty token");
  }
  if (typeof value !== "string") {
    throw new CookieError(name, `the value must be a string, not ${typeof value}`);
  }
  let secure = options.secure;
  const { domain, priority, sameSite } = options;
  const path = options.path === undefined ? "/" : options.path;
  if (domain !== undefined && (typeof domain !== "string" || !DOMAIN.test(domain))) {
    throw new CookieError(name, `domain ${JSON.stringify(domain)} is not a valid host name`);
  }
  if (path !== null && (typeof path !== "string" || !PATH.test(path))) {
    throw new CookieError(name, `path ${JSON.stringify(path)} must be printable ASCII without ";"`);
  }
  let maxAge: number | undefined;
  if (options.maxAge !== undefined) {
    maxAge = Math.floor(options.maxAge);
    if (!Number.isSafeInteger(maxAge)) {
      throw new CookieError(name, `maxAge ${String(options.maxAge)} is not a finite number`);
    }
  }
  const site = sameSite === undefined ? undefined : SAME_SITE[String(sameSite).toLowerCase()];
  if (sameSite !== undefined && site === undefined) {
    throw new CookieError(name, `sameSite ${JSON.stringify(sameSite)} is not Strict, Lax or None`);
  }
  const level = priority === undefined ? undefined : PRIORITY[String(priority).toLowerCase()];
  if (priority !== undefined && level === undefined) {
    throw new CookieError(name, `priority ${JSON.stringify(priority)} is not Low, Medium or High`);
  }
  if (site === "none") secure = requireSecure(name, secure, "SameSite=None");
  if (options.partitioned) secure = requireSecure(name, secure, "Partitioned");
  if (name.startsWith("__Secure-")) secure = requireSecure(name, secure, 'the "__Secure-" prefix');
  if (name.startsWith("__Host-")) {
    secure = requireSecure(name, secure, 'the "__Host-" prefix');
    if (domain !== undefined || path !== "/") {
      throw new CookieError(name, 'the "__Host-" prefix requires Path=/ and no Domain');
    }
  }
  try {
    return stringifySetCookie({
      name,
      value,
      maxAge,
      domain,
      path: path ?? undefined,
      expires: options.expires === undefined ? undefined : toExpires(name, options.expires),
      httpOnly: options.httpOnly,
      secure,
      partitioned: options.partitioned,
      priority: level,
      sameSite: site,
    });
  } catch (error) {
    if (error instanceof CookieError) throw error;
    throw new CookieError(name, error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
}

/** Options of {@linkcode deleteCookieHeader}: they must match the ones the cookie was set with. */
export type DeleteCookieOptions = Omit<CookieOptions, "maxAge" | "expires">;

/**
 * Builds a `Set-Cookie` value that deletes a cookie: empty value, `Max-Age=0` and an
 * `Expires` in 1970. `path` and `domain` must match the ones the cookie was set with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deleteCookieHeader } from "./cookies.ts";
 *
 * assert.equal(
 *   deleteCookieHeader("sid", { path: "/app" }),
 *   "sid=; Max-Age=0; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
 * );
 * ```
 */
export function deleteCookieHeader(name: string, options: DeleteCookieOptions = {}): string {
  return serializeCookie(name, "", { ...options, maxAge: 0, expires: 0 });
}

const LEADING_DOTS = /^\.+/;
const SAME_SITE_OUT = { strict: "Strict", lax: "Lax", none: "None" } as const;
const PRIORITY_OUT = { low: "Low", medium: "Medium", high: "High" } as const;

/**
 * Parses a `Set-Cookie` header value (for the test client's cookie jar), or returns `null`
 * when it has no name. Unknown attributes and invalid attribute values are ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSetCookie } from "./cookies.ts";
 *
 * const cookie = parseSetCookie("sid=a%20b; Path=/; Domain=.Example.com; HttpOnly; SameSite=lax");
 * assert.equal(cookie?.value, "a b");
 * assert.equal(cookie?.domain, "example.com");
 * assert.equal(cookie?.sameSite, "Lax");
 * assert.equal(parseSetCookie("no-equals-sign"), null);
 * ```
 */
export function parseSetCookie(header: string | null): SetCookie | null {
  if (typeof header !== "string" || header === "") return null;
  let core;
  try {
    core = parseSetCookieCore(header);
  } catch {
    return null;
  }
  if (!core.name) return null;
  const cookie: SetCookie = {
    name: core.name,
    value: core.value ?? "",
    secure: core.secure === true,
    httpOnly: core.httpOnly === true,
    partitioned: core.partitioned === true,
  };
  if (core.maxAge !== undefined) cookie.maxAge = core.maxAge;
  if (core.expires !== undefined) cookie.expires = core.expires;
  if (core.domain) {
    const domain = core.domain.toLowerCase().replace(LEADING_DOTS, "");
    if (domain !== "") cookie.domain = domain;
  }
  if (core.path?.startsWith("/")) cookie.path = core.path;
  if (typeof core.sameSite === "string") cookie.sameSite = SAME_SITE_OUT[core.sameSite];
  if (core.priority !== undefined) cookie.priority = PRIORITY_OUT[core.priority];
  return cookie;
}
