/**
 * HTTP errors as exceptions (Werkzeug's `werkzeug.exceptions`): throw one from anywhere in a
 * handler and turn it into a response with {@linkcode errorToResponse}. Each class carries its
 * status, a default human description, and the extra headers its status calls for (`Allow`,
 * `Retry-After`, `WWW-Authenticate`, `Location`, `Content-Range`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorToResponse, NotFound } from "./exceptions.ts";
 *
 * function handler(): Response {
 *   throw new NotFound("No such user.");
 * }
 * let response: Response;
 * try {
 *   response = handler();
 * } catch (error) {
 *   response = errorToResponse(error);
 * }
 * assert.equal(response.status, 404);
 * assert.match(await response.text(), /No such user\./);
 * ```
 *
 * @module
 */

import { escapeHtml } from "./_escape_html.ts";
import { HttpError, type HttpErrorOptions } from "./_http_error.ts";
import { REQUEST_ERRORS } from "./_request_errors.ts";
import { MethodNotAllowed, RESOURCE_ERRORS } from "./_resource_errors.ts";
import { InternalServerError, SERVER_ERRORS } from "./_server_errors.ts";

export {
  type GenericHttpErrorOptions,
  HttpError,
  type HttpErrorOptions,
  type RetryAfterOptions,
} from "./_http_error.ts";
export {
  BadRequest,
  ContentTooLarge,
  ExpectationFailed,
  ImATeapot,
  LengthRequired,
  RangeNotSatisfiable,
  type RangeNotSatisfiableOptions,
  RequestEntityTooLarge,
  RequestHeaderFieldsTooLarge,
  RequestTimeout,
  TooManyRequests,
  UnprocessableContent,
  UnsupportedMediaType,
  UriTooLong,
} from "./_request_errors.ts";
export {
  Conflict,
  FailedDependency,
  Forbidden,
  Gone,
  Locked,
  MethodNotAllowed,
  NotAcceptable,
  NotFound,
  PreconditionFailed,
  PreconditionRequired,
  Unauthorized,
  type UnauthorizedOptions,
  UnavailableForLegalReasons,
} from "./_resource_errors.ts";
export {
  BadGateway,
  GatewayTimeout,
  HttpVersionNotSupported,
  InternalServerError,
  NotImplemented,
  ServiceUnavailable,
} from "./_server_errors.ts";

/**
 * Tells an {@linkcode HttpError} from anything else thrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isHttpError, NotFound } from "./exceptions.ts";
 *
 * assert.ok(isHttpError(new NotFound()));
 * assert.ok(!isHttpError(new Error("boom")));
 * ```
 */
export function isHttpError(value: unknown): value is HttpError {
  return value instanceof HttpError;
}

/**
 * `308 Permanent Redirect` as an exception: the router throws it to send a client to the
 * canonical URL (e.g. with the trailing slash); the method and body are kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestRedirect } from "./exceptions.ts";
 *
 * const response = new RequestRedirect("/docs/").toResponse();
 * assert.equal(response.status, 308);
 * assert.equal(response.headers.get("location"), "/docs/");
 * ```
 */
export class RequestRedirect extends HttpError {
  /** This class's status, 308. */
  static override readonly status: number = 308;
  /** Where the client should go. */
  readonly location: string;

  /** Makes a 308 to `location`. */
  constructor(location: string | URL, options?: HttpErrorOptions) {
    const target = String(location);
    super(`Redirecting to ${target}.`, options);
    this.location = target;
    this.headers.set("location", target);
  }

  /** A "Redirecting..." page linking to the location. */
  protected override html(): string {
    const href = escapeHtml(this.location);
    return `<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n` +
      `<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: ` +
      `<a href="${href}">${href}</a>. If not, click the link.\n`;
  }
}

// Every status class but MethodNotAllowed (whose constructor takes the allowed methods first).
const BY_STATUS: ReadonlyMap<number, typeof HttpError> = new Map(
  [...REQUEST_ERRORS, ...RESOURCE_ERRORS, ...SERVER_ERRORS].map((c) => [c.status, c]),
);

/**
 * An error of the right class for `status` (the generic {@linkcode HttpError} for statuses
 * without one). `405` gives a {@linkcode MethodNotAllowed} with no `Allow` methods and `308`
 * a generic error (a redirect needs a location: use {@linkcode RequestRedirect}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { httpErrorFor, NotFound } from "./exceptions.ts";
 *
 * assert.ok(httpErrorFor(404) instanceof NotFound);
 * assert.equal(httpErrorFor(402, "Pay first.").description, "Pay first.");
 * ```
 */
export function httpErrorFor(status: number, description?: string): HttpError {
  if (status === 405) return new MethodNotAllowed([], description);
  const ctor = BY_STATUS.get(status);
  return ctor ? new ctor(description) : new HttpError(description, { status });
}

/**
 * Any thrown value as a response: an {@linkcode HttpError} gives its own, anything else a
 * generic 500 that does not reveal the error's message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorToResponse } from "./exceptions.ts";
 *
 * const response = errorToResponse(new Error("database password is hunter2"));
 * assert.equal(response.status, 500);
 * assert.doesNotMatch(await response.text(), /hunter2/);
 * ```
 */
export function errorToResponse(error: unknown, request?: Request): Response {
  if (error instanceof HttpError) return error.toResponse(request);
  return new InternalServerError().toResponse(request);
}
