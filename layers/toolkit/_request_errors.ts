// Private to the toolkit: the 4xx errors about the request itself (malformed, too slow, too
// large, of the wrong kind, too many). Public through exceptions.ts.

import {
  HttpError,
  type HttpErrorOptions,
  type RetryAfterOptions,
  setRetryAfter,
} from "./_http_error.ts";

/**
 * `400 Bad Request`: the request is malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BadRequest } from "./exceptions.ts";
 *
 * assert.equal(new BadRequest().status, 400);
 * ```
 */
export class BadRequest extends HttpError {
  /** This class's status, 400. */
  static override readonly status: number = 400;
}

/**
 * `408 Request Timeout`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestTimeout } from "./exceptions.ts";
 *
 * assert.equal(new RequestTimeout().status, 408);
 * ```
 */
export class RequestTimeout extends HttpError {
  /** This class's status, 408. */
  static override readonly status: number = 408;
}

/**
 * `411 Length Required`: the request needs a `Content-Length`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LengthRequired } from "./exceptions.ts";
 *
 * assert.equal(new LengthRequired().status, 411);
 * ```
 */
export class LengthRequired extends HttpError {
  /** This class's status, 411. */
  static override readonly status: number = 411;
}

/**
 * `413 Content Too Large` (Werkzeug's `RequestEntityTooLarge`): the body exceeds a limit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ContentTooLarge } from "./exceptions.ts";
 *
 * assert.equal(new ContentTooLarge().title, "Content Too Large");
 * ```
 */
export class ContentTooLarge extends HttpError {
  /** This class's status, 413. */
  static override readonly status: number = 413;
}

/**
 * Werkzeug's name for {@linkcode ContentTooLarge}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ContentTooLarge, RequestEntityTooLarge } from "./exceptions.ts";
 *
 * assert.ok(new RequestEntityTooLarge() instanceof ContentTooLarge);
 * ```
 */
export const RequestEntityTooLarge: typeof ContentTooLarge = ContentTooLarge;

/**
 * `414 URI Too Long`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UriTooLong } from "./exceptions.ts";
 *
 * assert.equal(new UriTooLong().status, 414);
 * ```
 */
export class UriTooLong extends HttpError {
  /** This class's status, 414. */
  static override readonly status: number = 414;
}

/**
 * `415 Unsupported Media Type`: the body's content type is not one the handler reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UnsupportedMediaType } from "./exceptions.ts";
 *
 * assert.equal(new UnsupportedMediaType().status, 415);
 * ```
 */
export class UnsupportedMediaType extends HttpError {
  /** This class's status, 415. */
  static override readonly status: number = 415;
}

/** Options of {@linkcode RangeNotSatisfiable}. */
export interface RangeNotSatisfiableOptions extends HttpErrorOptions {
  /** The resource's full length: sets `Content-Range: bytes *\/length`. */
  length?: number;
  /** The range unit; default `"bytes"`. */
  units?: string;
}

/**
 * `416 Range Not Satisfiable`: `length` sets `Content-Range: bytes *\/length`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RangeNotSatisfiable } from "./exceptions.ts";
 *
 * const error = new RangeNotSatisfiable(undefined, { length: 100 });
 * assert.equal(error.headers.get("content-range"), "bytes *\/100");
 * ```
 */
export class RangeNotSatisfiable extends HttpError {
  /** This class's status, 416. */
  static override readonly status: number = 416;

  /** Makes a 416, with `Content-Range` when the length is known. */
  constructor(description?: string, options: RangeNotSatisfiableOptions = {}) {
    super(description, options);
    if (options.length !== undefined) {
      this.headers.set("content-range", `${options.units ?? "bytes"} */${options.length}`);
    }
  }
}

/**
 * `417 Expectation Failed`: the server cannot meet the `Expect` header.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ExpectationFailed } from "./exceptions.ts";
 *
 * assert.equal(new ExpectationFailed().status, 417);
 * ```
 */
export class ExpectationFailed extends HttpError {
  /** This class's status, 417. */
  static override readonly status: number = 417;
}

/**
 * `418 I'm a teapot`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ImATeapot } from "./exceptions.ts";
 *
 * assert.equal(new ImATeapot().title, "I'm a teapot");
 * ```
 */
export class ImATeapot extends HttpError {
  /** This class's status, 418. */
  static override readonly status: number = 418;
}

/**
 * `422 Unprocessable Content`: well-formed but semantically wrong (e.g. failed validation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UnprocessableContent } from "./exceptions.ts";
 *
 * assert.equal(new UnprocessableContent().status, 422);
 * ```
 */
export class UnprocessableContent extends HttpError {
  /** This class's status, 422. */
  static override readonly status: number = 422;
}

/**
 * `429 Too Many Requests`: `retryAfter` sets `Retry-After`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TooManyRequests } from "./exceptions.ts";
 *
 * assert.equal(new TooManyRequests(undefined, { retryAfter: 30 }).headers.get("retry-after"), "30");
 * ```
 */
export class TooManyRequests extends HttpError {
  /** This class's status, 429. */
  static override readonly status: number = 429;

  /** Makes a 429 with an optional `Retry-After`. */
  constructor(description?: string, options: RetryAfterOptions = {}) {
    super(description, options);
    setRetryAfter(this.headers, options.retryAfter);
  }
}

/**
 * `431 Request Header Fields Too Large`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestHeaderFieldsTooLarge } from "./exceptions.ts";
 *
 * assert.equal(new RequestHeaderFieldsTooLarge().status, 431);
 * ```
 */
export class RequestHeaderFieldsTooLarge extends HttpError {
  /** This class's status, 431. */
  static override readonly status: number = 431;
}

/** The 4xx errors about the request, for `httpErrorFor()` to pick by status. */
export const REQUEST_ERRORS: readonly (typeof HttpError)[] = [
  BadRequest,
  RequestTimeout,
  LengthRequired,
  ContentTooLarge,
  UriTooLong,
  UnsupportedMediaType,
  RangeNotSatisfiable,
  ExpectationFailed,
  ImATeapot,
  UnprocessableContent,
  TooManyRequests,
  RequestHeaderFieldsTooLarge,
];
