/**
 * Cross-Origin Resource Sharing: answering preflights and adding `Access-Control-*` headers for
 * the origins an app allows.
 *
 * @module
 */

import { type App, type AppObject, toAppObject } from "../../gateway/mod.ts";
import { editHeaders } from "../http/edit_headers.ts";
import { appendVary, wrapApp } from "./_http.ts";

/**
 * Which origins may read responses: `"*"` (any), one origin, a list, a pattern, or a function
 * that answers `true` (allow, reflecting the origin), `false`, or the exact value to send.
 */
export type CorsOrigin =
  | "*"
  | string
  | readonly string[]
  | RegExp
  | ((origin: string, request: Request) => boolean | string);

/** Options for {@linkcode cors}. */
export interface CorsOptions {
  /** The allowed origins; default `"*"`. */
  origin?: CorsOrigin;
  /** Methods a preflight allows; default GET, HEAD, PUT, PATCH, POST, DELETE. */
  methods?: readonly string[];
  /** Request headers a preflight allows; default: those the preflight asks for. */
  allowHeaders?: readonly string[];
  /** Response headers the browser may show to scripts (`Access-Control-Expose-Headers`). */
  exposeHeaders?: readonly string[];
  /** Allow cookies and HTTP auth (`Access-Control-Allow-Credentials: true`); default false. */
  credentials?: boolean;
  /** Seconds a browser may cache a preflight answer (`Access-Control-Max-Age`). */
  maxAge?: number;
  /** Pass preflights on to the app and add the headers to its answer; default false (204). */
  preflightContinue?: boolean;
  /**
   * Answer `Access-Control-Request-Private-Network: true` with
   * `Access-Control-Allow-Private-Network: true` (Chrome's Private Network Access); default false.
   */
  privateNetwork?: boolean;
}

const DEFAULT_METHODS = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"];

/**
 * Adds CORS to an app.
 *
 * A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered `204`
 * with Allow-Origin, Allow-Methods, Allow-Headers (the configured list, or the requested ones
 * reflected), Max-Age and, with `privateNetwork`, Allow-Private-Network; with
 * `preflightContinue` the app answers it and the headers are added. Any other request with an
 * allowed `Origin` gets Allow-Origin, Allow-Credentials and Expose-Headers. A request from an
 * origin that is not allowed gets no CORS headers (its preflight still gets an empty 204), so
 * the browser blocks it. Requests without `Origin` pass through.
 *
 * Allow-Origin is `*` only when `origin` is `"*"` and `credentials` is off; otherwise the
 * request's origin is reflected (browsers refuse credentials with `*`) and every response gets
 * `Vary: Origin`, so caches keep the answers apart. Configured origins are compared in lower
 * case without a trailing slash.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testContext } from "../../gateway/mod.ts";
 * import { cors } from "./cors.ts";
 *
 * const app = cors({ origin: ["https://app.example"], credentials: true, maxAge: 600 })(
 *   () => new Response("data"),
 * );
 * const ctx = testContext();
 * const preflight = await app.fetch(new Request("http://api.example/items", {
 *   method: "OPTIONS",
 *   headers: {
 *     origin: "https://app.example",
 *     "access-control-request-method": "PUT",
 *     "access-control-request-headers": "content-type",
 *   },
 * }), ctx);
 * assert.equal(preflight.status, 204);
 * assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.example");
 * assert.equal(preflight.headers.get("access-control-allow-headers"), "content-type");
 * assert.equal(preflight.headers.get("access-control-max-age"), "600");
 *
 * const other = await app.fetch(
 *   new Request("http://api.example/items", { headers: { origin: "https://evil.example" } }),
 *   ctx,
 * );
 * assert.equal(other.headers.get("access-control-allow-origin"), null);
 * assert.equal(other.headers.get("vary"), "Origin");
 * ```
 */
export function cors(options: CorsOptions = {}): (app: App) => AppObject {
  const allow = originMatcher(options.origin ?? "*");
  const credentials = options.credentials ?? false;
  const anyOrigin = options.origin === undefined || options.origin === "*";
  const wildcard = anyOrigin && !credentials;
  const methods = (options.methods ?? DEFAULT_METHODS).map((m) => m.toUpperCase()).join(", ");
  const allowHeaders = options.allowHeaders === undefined ? null : options.allowHeaders.join(", ");
  const exposeHeaders = options.exposeHeaders?.length ? options.exposeHeaders.join(", ") : null;
  const maxAge = options.maxAge === undefined ? null : String(Math.trunc(options.maxAge));
  if (maxAge !== null && !(Number(maxAge) >= 0)) {
    throw new TypeError(`Cannot create cors: "maxAge" must be 0 or more, got ${options.maxAge}`);
  }
  const preflightContinue = options.preflightContinue ?? false;
  const privateNetwork = options.privateNetwork ?? false;

  /** The Allow-Origin value for this request, or `null` when its origin is not allowed. */
  const allowOrigin = (origin: string, request: Request): string | null => {
    if (wildcard) return "*";
    const verdict = allow(origin, request);
    if (verdict === true) return origin;
    return typeof verdict === "string" && verdict !== "" ? verdict : null;
  };

  const preflightHeaders = (request: Request, headers: Headers, value: string | null) => {
    if (!wildcard) appendVary(headers, "Origin");
    if (value === null) return;
    headers.set("access-control-allow-origin", value);
    if (credentials) headers.set("access-control-allow-credentials", "true");
    headers.set("access-control-allow-methods", methods);
    const requested = request.headers.get("access-control-request-headers");
    if (allowHeaders !== null) {
      if (allowHeaders !== "") headers.set("access-control-allow-headers", allowHeaders);
    } else {
      appendVary(headers, "Access-Control-Request-Headers");
      if (requested !== null && requested !== "") {
        headers.set("access-control-allow-headers", requested);
      }
    }
    if (maxAge !== null) headers.set("access-control-max-age", maxAge);
    if (
      privateNetwork &&
      request.headers.get("access-control-request-private-network") === "true"
    ) {
      headers.set("access-control-allow-private-network", "true");
    }
  };

  return (app) => {
    const inner = toAppObject(app);
    return wrapApp(inner, async (request, ctx) => {
      const origin = request.headers.get("origin");
      if (origin === null) {
        const response = await inner.fetch(request, ctx);
        return wildcard ? response : editHeaders(response, (h) => appendVary(h, "Origin"));
      }
      const value = allowOrigin(origin, request);
      if (
        request.method === "OPTIONS" && request.headers.has("access-control-request-method")
      ) {
        if (!preflightContinue) {
          const headers = new Headers();
          preflightHeaders(request, headers, value);
          return new Response(null, { status: 204, headers });
        }
        const response = await inner.fetch(request, ctx);
        return editHeaders(response, (headers) => preflightHeaders(request, headers, value));
      }
      const response = await inner.fetch(request, ctx);
      return editHeaders(response, (headers) => {
        if (!wildcard) appendVary(headers, "Origin");
        if (value === null) return;
        headers.set("access-control-allow-origin", value);
        if (credentials) headers.set("access-control-allow-credentials", "true");
        if (exposeHeaders !== null) headers.set("access-control-expose-headers", exposeHeaders);
      });
    });
  };
}

/** Compiles the `origin` option into a check, once. */
function originMatcher(
  option: CorsOrigin,
): (origin: string, request: Request) => boolean | string {
  if (typeof option === "function") return option;
  if (option === "*") return () => true;
  if (option instanceof RegExp) {
    // A global or sticky pattern keeps state between test() calls: use a stateless copy.
    const pattern = option.global || option.sticky
      ? new RegExp(option.source, option.flags.replace(/[gy]/g, ""))
      : option;
    return (origin) => pattern.test(origin);
  }
  if (typeof option === "string") {
    const only = normalizeOrigin(option);
    return (origin) => origin === only;
  }
  if (!Array.isArray(option)) {
    throw new TypeError(
      'Cannot create cors: "origin" must be "*", a string, an array, a RegExp or a function',
    );
  }
  const allowed = new Set(option.map(normalizeOrigin));
  return (origin) => allowed.has(origin);
}

function normalizeOrigin(origin: string): string {
  const lower = origin.toLowerCase();
  return lower.endsWith("/") ? lower.slice(0, -1) : lower;
}
