/**
 * The matching rules of RFC 6265 that decide which cookies go with a request: the default path
 * (section 5.1.4), path-match (5.1.4) and domain-match (5.1.3).
 *
 * @module
 */

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * The path a cookie gets when its `Set-Cookie` has no valid `Path` attribute: the request path up
 * to, but not including, its last `/` (RFC 6265 section 5.1.4), or `/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultCookiePath } from "./cookie_match.ts";
 *
 * assert.equal(defaultCookiePath("/account/login"), "/account");
 * assert.equal(defaultCookiePath("/login"), "/");
 * assert.equal(defaultCookiePath(""), "/");
 * ```
 */
export function defaultCookiePath(requestPath: string): string {
  if (requestPath.charCodeAt(0) !== 47) return "/";
  const slash = requestPath.lastIndexOf("/");
  return slash === 0 ? "/" : requestPath.slice(0, slash);
}

/**
 * True when a request for `requestPath` carries a cookie whose path is `cookiePath`
 * (RFC 6265 section 5.1.4): the same path, or a sub-path at a `/` boundary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathMatches } from "./cookie_match.ts";
 *
 * assert.ok(pathMatches("/account/settings", "/account"));
 * assert.ok(pathMatches("/account/", "/account/"));
 * assert.ok(!pathMatches("/accounting", "/account"));
 * ```
 */
export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath.charCodeAt(cookiePath.length) === 47;
}

/**
 * True when `host` is an IP address (IPv4, or IPv6 with or without brackets), which never
 * matches a parent domain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isIpAddress } from "./cookie_match.ts";
 *
 * assert.ok(isIpAddress("127.0.0.1") && isIpAddress("[::1]"));
 * assert.ok(!isIpAddress("localhost"));
 * ```
 */
export function isIpAddress(host: string): boolean {
  return host.includes(":") || IPV4.test(host);
}

/**
 * True when a request to `host` may carry a cookie set for `domain` (RFC 6265 section 5.1.3):
 * the same name, or a subdomain of it (never for an IP address). Both must be lower case, and
 * `domain` without a leading dot.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { domainMatches } from "./cookie_match.ts";
 *
 * assert.ok(domainMatches("api.example.com", "example.com"));
 * assert.ok(domainMatches("example.com", "example.com"));
 * assert.ok(!domainMatches("badexample.com", "example.com"));
 * assert.ok(!domainMatches("10.0.0.1", "0.0.1"));
 * ```
 */
export function domainMatches(host: string, domain: string): boolean {
  if (host === domain) return true;
  return host.length > domain.length && host.endsWith(domain) &&
    host.charCodeAt(host.length - domain.length - 1) === 46 && !isIpAddress(host);
}
