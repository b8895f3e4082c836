/**
 * The redirect rules the test client follows, and the error it throws when it cannot.
 *
 * @module
 */

import type { TestResponse } from "./test_response.ts";

/**
 * True for the statuses the client follows: 301, 302, 303, 307 and 308.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRedirectStatus } from "./redirect.ts";
 *
 * assert.ok(isRedirectStatus(303) && isRedirectStatus(308));
 * assert.ok(!isRedirectStatus(304) && !isRedirectStatus(300));
 * ```
 */
export function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/**
 * The method of the request that follows a redirect: 307 and 308 keep the method (and body);
 * 301, 302 and 303 switch to `GET` without a body, except that `HEAD` stays `HEAD` (as `fetch()`
 * and Werkzeug do).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redirectMethod } from "./redirect.ts";
 *
 * assert.equal(redirectMethod(303, "POST"), "GET");
 * assert.equal(redirectMethod(302, "HEAD"), "HEAD");
 * assert.equal(redirectMethod(307, "PUT"), "PUT");
 * ```
 */
export function redirectMethod(status: number, method: string): string {
  if (status === 307 || status === 308 || method === "HEAD") return method;
  return "GET";
}

/** Why the client stopped following redirects. */
export type RedirectFailure = "too-many" | "loop" | "bad-location";

/** The details of a {@linkcode RedirectError}. */
export interface RedirectErrorOptions {
  /** The steps: the first request (`GET /a`), then each redirect (`302 /b`). */
  chain: readonly string[];
  /** The redirect responses received, oldest first. */
  history?: readonly TestResponse[];
  /** The limit for `"too-many"`, the location for `"bad-location"`. */
  detail?: string;
}

/**
 * Thrown when the client cannot follow a redirect: more than `maxRedirects`, a loop (the same
 * request, with the same cookies, made twice), or a `Location` that is not an http(s) URL. The
 * message names the whole chain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RedirectError } from "./redirect.ts";
 *
 * const error = new RedirectError("loop", { chain: ["GET /a", "302 /b", "302 /a"] });
 * assert.equal(error.message, "Cannot follow redirects: redirect loop (GET /a → 302 /b → 302 /a)");
 * assert.equal(error.name, "RedirectError");
 * ```
 */
export class RedirectError extends Error {
  /** What went wrong. */
  readonly reason: RedirectFailure;
  /** The steps: the first request (`GET /a`), then each redirect (`302 /b`). */
  readonly chain: readonly string[];
  /** The redirect responses received, oldest first (their bodies are buffered). */
  readonly history: readonly TestResponse[];

  /** Describes the failure; `detail` adds to the message (the limit, the bad location). */
  constructor(reason: RedirectFailure, options: RedirectErrorOptions) {
    const { chain, history = [] } = options;
    const why = reason === "loop"
      ? "redirect loop"
      : reason === "too-many"
      ? `more than ${options.detail ?? "the allowed"} redirects`
      : `the Location "${options.detail ?? ""}" is not an http(s) URL`;
    super(`Cannot follow redirects: ${why} (${chain.join(" → ")})`);
    this.name = "RedirectError";
    this.reason = reason;
    this.chain = chain;
    this.history = history;
  }
}
