/**
 * Testing gateway apps without a socket: {@linkcode Client} calls an app in-process with a real
 * `Context`, keeps cookies in a {@linkcode CookieJar} and follows redirects on request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Client } from "./mod.ts";
 *
 * await using client = new Client((request) => Response.json({ method: request.method }));
 * const response = await client.put("/items/1", { json: { name: "pen" } });
 * assert.deepEqual(await response.json(), { method: "PUT" });
 * ```
 *
 * @module
 */

export { Client } from "./client.ts";
export {
  type ClientFetchInit,
  type ClientOptions,
  type ClientRequestInit,
  resolveClientOptions,
  type ResolvedClientOptions,
} from "./client_options.ts";
export {
  type CookieFilter,
  CookieJar,
  type CookieJarOptions,
  type CookieSetOptions,
  encodeCookieValue,
  type StoredCookie,
} from "./cookie_jar.ts";
export { defaultCookiePath, domainMatches, isIpAddress, pathMatches } from "./cookie_match.ts";
export {
  isRedirectStatus,
  RedirectError,
  type RedirectErrorOptions,
  type RedirectFailure,
  redirectMethod,
} from "./redirect.ts";
export {
  appendQuery,
  type BodyOptions,
  encodeBody,
  type EncodedBody,
  type FormInit,
  type FormValue,
  NO_BODY,
  type QueryInit,
  type QueryValue,
} from "./request_body.ts";
export { TestResponse, type TestResponseInit } from "./test_response.ts";
// Types the options above refer to, so that their documentation is complete.
export type { HttpProtocol, Logger } from "../../gateway/mod.ts";
export type { SameSite } from "../http/cookies.ts";
