/**
 * HTTP status codes by name, their reason phrases (from the gateway) and class checks.
 *
 * @module
 */

export { STATUS_TEXT, statusText } from "../../gateway/status.ts";

/**
 * Every registered status code by name (RFC 9110 names, plus a few well-known aliases).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Status } from "./status.ts";
 *
 * assert.equal(Status.NotFound, 404);
 * assert.equal(Status.Teapot, 418);
 * ```
 */
export const Status = {
  Continue: 100,
  SwitchingProtocols: 101,
  Processing: 102,
  EarlyHints: 103,
  OK: 200,
  Created: 201,
  Accepted: 202,
  NonAuthoritativeInformation: 203,
  NoContent: 204,
  ResetContent: 205,
  PartialContent: 206,
  MultiStatus: 207,
  AlreadyReported: 208,
  IMUsed: 226,
  MultipleChoices: 300,
  MovedPermanently: 301,
  Found: 302,
  SeeOther: 303,
  NotModified: 304,
  UseProxy: 305,
  TemporaryRedirect: 307,
  PermanentRedirect: 308,
  BadRequest: 400,
  Unauthorized: 401,
  PaymentRequired: 402,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  ProxyAuthenticationRequired: 407,
  RequestTimeout: 408,
  Conflict: 409,
  Gone: 410,
  LengthRequired: 411,
  PreconditionFailed: 412,
  ContentTooLarge: 413,
  /** Alias of {@linkcode Status.ContentTooLarge} (its RFC 7231 name). */
  PayloadTooLarge: 413,
  URITooLong: 414,
  UnsupportedMediaType: 415,
  RangeNotSatisfiable: 416,
  ExpectationFailed: 417,
  Teapot: 418,
  MisdirectedRequest: 421,
  UnprocessableContent: 422,
  /** Alias of {@linkcode Status.UnprocessableContent} (its RFC 4918 name). */
  UnprocessableEntity: 422,
  Locked: 423,
  FailedDependency: 424,
  TooEarly: 425,
  UpgradeRequired: 426,
  PreconditionRequired: 428,
  TooManyRequests: 429,
  RequestHeaderFieldsTooLarge: 431,
  UnavailableForLegalReasons: 451,
  InternalServerError: 500,
  NotImplemented: 501,
  BadGateway: 502,
  ServiceUnavailable: 503,
  GatewayTimeout: 504,
  HTTPVersionNotSupported: 505,
  VariantAlsoNegotiates: 506,
  InsufficientStorage: 507,
  LoopDetected: 508,
  NotExtended: 510,
  NetworkAuthenticationRequired: 511,
} as const;
Object.freeze(Status);

/** A registered status code. */
export type StatusCode = typeof Status[keyof typeof Status];

function inClass(code: number, low: number): boolean {
  return Number.isInteger(code) && code >= low && code < low + 100;
}

/**
 * Whether `code` is 1xx.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isInformational } from "./status.ts";
 *
 * assert.equal(isInformational(103), true);
 * assert.equal(isInformational(200), false);
 * ```
 */
export function isInformational(code: number): boolean {
  return inClass(code, 100);
}

/**
 * Whether `code` is 2xx.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSuccess } from "./status.ts";
 *
 * assert.equal(isSuccess(204), true);
 * assert.equal(isSuccess(304), false);
 * ```
 */
export function isSuccess(code: number): boolean {
  return inClass(code, 200);
}

/**
 * Whether `code` is 3xx.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRedirect } from "./status.ts";
 *
 * assert.equal(isRedirect(308), true);
 * assert.equal(isRedirect(400), false);
 * ```
 */
export function isRedirect(code: number): boolean {
  return inClass(code, 300);
}

/**
 * Whether `code` is 4xx.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isClientError } from "./status.ts";
 *
 * assert.equal(isClientError(404), true);
 * assert.equal(isClientError(500), false);
 * ```
 */
export function isClientError(code: number): boolean {
  return inClass(code, 400);
}

/**
 * Whether `code` is 5xx.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isServerError } from "./status.ts";
 *
 * assert.equal(isServerError(503), true);
 * assert.equal(isServerError(499), false);
 * ```
 */
export function isServerError(code: number): boolean {
  return inClass(code, 500);
}

/**
 * Whether a response with `code` never has content: 1xx, 204, 205 and 304 (RFC 9110
 * 6.4.1; 205 too, since `new Response(body, { status: 205 })` throws like the others).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isEmptyBodyStatus } from "./status.ts";
 *
 * assert.equal(isEmptyBodyStatus(304), true);
 * assert.equal(isEmptyBodyStatus(200), false);
 * ```
 */
export function isEmptyBodyStatus(code: number): boolean {
  return inClass(code, 100) || code === 204 || code === 205 || code === 304;
}
