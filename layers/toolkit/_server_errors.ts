// Private to the toolkit: the 5xx errors. Public through exceptions.ts.

import { HttpError, type RetryAfterOptions, setRetryAfter } from "./_http_error.ts";

/**
 * `500 Internal Server Error`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InternalServerError } from "./exceptions.ts";
 *
 * assert.equal(new InternalServerError().status, 500);
 * ```
 */
export class InternalServerError extends HttpError {
  /** This class's status, 500. */
  static override readonly status: number = 500;
}

/**
 * `501 Not Implemented`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NotImplemented } from "./exceptions.ts";
 *
 * assert.equal(new NotImplemented().status, 501);
 * ```
 */
export class NotImplemented extends HttpError {
  /** This class's status, 501. */
  static override readonly status: number = 501;
}

/**
 * `502 Bad Gateway`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BadGateway } from "./exceptions.ts";
 *
 * assert.equal(new BadGateway().status, 502);
 * ```
 */
export class BadGateway extends HttpError {
  /** This class's status, 502. */
  static override readonly status: number = 502;
}

/**
 * `503 Service Unavailable`: `retryAfter` sets `Retry-After`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServiceUnavailable } from "./exceptions.ts";
 *
 * const at = new Date(Date.UTC(2030, 0, 1));
 * const error = new ServiceUnavailable(undefined, { retryAfter: at });
 * assert.equal(error.headers.get("retry-after"), "Tue, 01 Jan 2030 00:00:00 GMT");
 * ```
 */
export class ServiceUnavailable extends HttpError {
  /** This class's status, 503. */
  static override readonly status: number = 503;

  /** Makes a 503 with an optional `Retry-After`. */
  constructor(description?: string, options: RetryAfterOptions = {}) {
    super(description, options);
    setRetryAfter(this.headers, options.retryAfter);
  }
}

/**
 * `504 Gateway Timeout`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GatewayTimeout } from "./exceptions.ts";
 *
 * assert.equal(new GatewayTimeout().status, 504);
 * ```
 */
export class GatewayTimeout extends HttpError {
  /** This class's status, 504. */
  static override readonly status: number = 504;
}

/**
 * `505 HTTP Version Not Supported`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpVersionNotSupported } from "./exceptions.ts";
 *
 * assert.equal(new HttpVersionNotSupported().status, 505);
 * ```
 */
export class HttpVersionNotSupported extends HttpError {
  /** This class's status, 505. */
  static override readonly status: number = 505;
}

/** The 5xx errors, for `httpErrorFor()` to pick by status. */
export const SERVER_ERRORS: readonly (typeof HttpError)[] = [
  InternalServerError,
  NotImplemented,
  BadGateway,
  ServiceUnavailable,
  GatewayTimeout,
  HttpVersionNotSupported,
];
