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

import { statusText } from "../gateway/mod.ts";
import { parseAccept } from "./http/accept.ts";
import { type Challenge, formatWWWAuthenticate } from "./http/authorization.ts";

/** Options every {@linkcode HttpError} takes. */
export interface HttpErrorOptions {
  /** Extra response headers (e.g. `Retry-After`). */
  headers?: HeadersInit;
  /** The underlying error, kept as `error.cause` (never shown to the client). */
  cause?: unknown;
}

/** Options of the generic {@linkcode HttpError} constructor. */
export interface GenericHttpErrorOptions extends HttpErrorOptions {
  /** The status, for the generic class only (subclasses fix their own); default 500. */
  status?: number;
}

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  308: "The requested URL has moved permanently to a new location.",
  400: "The browser (or proxy) sent a request that this server could not understand.",
  401: "The server could not verify that you are authorized to access the URL requested. You " +
    "either supplied the wrong credentials (e.g. a bad password), or your browser doesn't " +
    "understand how to supply the credentials required.",
  403: "You don't have the permission to access the requested resource. It is either " +
    "read-protected or not readable by the server.",
  404: "The requested URL was not found on the server. If you entered the URL manually please " +
    "check your spelling and try again.",
  405: "The method is not allowed for the requested URL.",
  406: "The resource identified by the request is only capable of generating response entities " +
    "which have content characteristics not acceptable according to the accept headers sent in " +
    "the request.",
  408: "The server closed the network connection because the browser didn't finish the request " +
    "within the specified time.",
  409: "A conflict happened while processing the request. The resource might have been modified " +
    "while the request was being processed.",
  410: "The requested URL is no longer available on this server and there is no forwarding " +
    "address. If you followed a link from a foreign page, please contact the author of this page.",
  411: "A request with this method requires a valid Content-Length header.",
  412: "The precondition on the request for the URL failed positive evaluation.",
  413: "The data value transmitted exceeds the capacity limit.",
  414: "The length of the requested URL exceeds the capacity limit for this server. The request " +
    "cannot be processed.",
  415: "The server does not support the media type transmitted in the request.",
  416: "The server cannot provide the requested range.",
  417: "The server cannot meet the requirements of the Expect request-header.",
  418: "This server is a teapot, not a coffee machine.",
  422: "The request was well-formed but was unable to be followed due to semantic errors.",
  423: "The resource that is being accessed is locked.",
  424: "The method could not be performed on the resource because the requested action depended " +
    "on another action and that action failed.",
  428: 'This request is required to be conditional; try using "If-Match" or ' +
    '"If-Unmodified-Since".',
  429: "This user has exceeded an allotted request count. Try again later.",
  431: "One or more header fields exceeds the maximum size.",
  451: "Unavailable for legal reasons.",
  500: "The server encountered an internal error and was unable to complete your request. " +
    "Either the server is overloaded or there is an error in the application.",
  501: "The server does not support the action requested by the browser.",
  502: "The proxy server received an invalid response from an upstream server.",
  503: "The server is temporarily unable to service your request due to maintenance downtime or " +
    "capacity problems. Please try again later.",
  504: "The connection to an upstream server timed out.",
  505: "The server does not support the HTTP protocol version used in the request.",
};

function defaultDescription(status: number): string {
  return DESCRIPTIONS[status] ??
    (status >= 500
      ? "The server could not complete the request."
      : "The server could not process the request.");
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const HTML_SPECIAL = /[&<>"']/g;

function escapeHtml(text: string): string {
  return text.replace(HTML_SPECIAL, (c) => HTML_ESCAPES[c]!);
}

const HTML_TYPE = "text/html; charset=utf-8";
const JSON_TYPE = "application/json; charset=utf-8";
const NEGOTIATED = ["text/html", "application/json"] as const;

function prefersJson(request: Request | undefined): boolean {
  const accept = request?.headers.get("accept");
  if (!accept) return false;
  return parseAccept(accept).best(NEGOTIATED) === "application/json";
}

/**
 * An HTTP error that becomes a response: its `status`, extra `headers` and a human
 * `description`. Subclasses fix the status; the generic class takes it as an option.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpError } from "./exceptions.ts";
 *
 * const error = new HttpError("Pay first.", { status: 402 });
 * assert.equal(error.status, 402);
 * assert.equal(error.title, "Payment Required");
 * const response = error.toResponse(new Request("http://x/", { headers: { accept: "application/json" } }));
 * assert.deepEqual(await response.json(), {
 *   error: { status: 402, title: "Payment Required", description: "Pay first." },
 * });
 * ```
 */
export class HttpError extends Error {
  /** The status every instance of this class has (500 for the generic class). */
  static readonly status: number = 500;
  /** The response status. */
  readonly status: number;
  /** Extra response headers. */
  readonly headers: Headers;
  /** The human explanation shown in the error page. */
  readonly description: string;

  /** Makes an error with the class's status, or `options.status` for the generic class. */
  constructor(description?: string, options: GenericHttpErrorOptions = {}) {
    const ctor = new.target as typeof HttpError;
    const status = ctor === HttpError && options.status !== undefined
      ? options.status
      : ctor.status;
    const text = description ?? defaultDescription(status);
    super(text, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = ctor.name;
    this.status = status;
    this.description = text;
    this.headers = new Headers(options.headers);
  }

  /** The status's reason phrase, e.g. `"Not Found"`. */
  get title(): string {
    return statusText(this.status);
  }

  /**
   * The error as a response: an HTML page, or JSON when the request's `Accept` prefers
   * `application/json` to `text/html`; no body for `HEAD`.
   */
  toResponse(request?: Request): Response {
    const headers = new Headers(this.headers);
    let body: string;
    if (prefersJson(request)) {
      headers.set("content-type", JSON_TYPE);
      body = JSON.stringify({
        error: { status: this.status, title: this.title, description: this.description },
      });
    } else {
      headers.set("content-type", HTML_TYPE);
      body = this.html();
    }
    if (request?.method === "HEAD") return new Response(null, { status: this.status, headers });
    return new Response(body, { status: this.status, headers });
  }

  /** The HTML page {@linkcode HttpError.toResponse} sends; override to restyle. */
  protected html(): string {
    const title = escapeHtml(this.title);
    return `<!doctype html>\n<html lang=en>\n<title>${this.status} ${title}</title>\n` +
      `<h1>${title}</h1>\n<p>${escapeHtml(this.description)}</p>\n`;
  }
}

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

/** Options of {@linkcode Unauthorized}. */
export interface UnauthorizedOptions extends HttpErrorOptions {
  /**
   * `WWW-Authenticate` challenges, as header values (`'Basic realm="admin"'`) or
   * {@linkcode Challenge} objects (`{ scheme: "Basic", params: { realm: "admin" } }`).
   */
  wwwAuthenticate?: string | Challenge | readonly (string | Challenge)[];
}

/**
 * `401 Unauthorized`: credentials are missing or wrong; `wwwAuthenticate` sets the challenges.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Unauthorized } from "./exceptions.ts";
 *
 * const error = new Unauthorized(undefined, { wwwAuthenticate: 'Basic realm="admin"' });
 * assert.equal(error.headers.get("www-authenticate"), 'Basic realm="admin"');
 * ```
 */
export class Unauthorized extends HttpError {
  /** This class's status, 401. */
  static override readonly status: number = 401;

  /** Makes a 401 with optional `WWW-Authenticate` challenges. */
  constructor(description?: string, options: UnauthorizedOptions = {}) {
    super(description, options);
    const challenges = options.wwwAuthenticate;
    if (challenges === undefined) return;
    const list = Array.isArray(challenges) ? challenges : [challenges as string | Challenge];
    for (const challenge of list) {
      this.headers.append(
        "www-authenticate",
        typeof challenge === "string" ? challenge : formatWWWAuthenticate(challenge),
      );
    }
  }
}

/**
 * `403 Forbidden`: the client may not access the resource.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Forbidden } from "./exceptions.ts";
 *
 * assert.equal(new Forbidden().title, "Forbidden");
 * ```
 */
export class Forbidden extends HttpError {
  /** This class's status, 403. */
  static override readonly status: number = 403;
}

/**
 * `404 Not Found`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NotFound } from "./exceptions.ts";
 *
 * assert.equal(new NotFound().toResponse().status, 404);
 * ```
 */
export class NotFound extends HttpError {
  /** This class's status, 404. */
  static override readonly status: number = 404;
}

/**
 * `405 Method Not Allowed`: sets `Allow` to the methods the resource supports.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MethodNotAllowed } from "./exceptions.ts";
 *
 * const error = new MethodNotAllowed(["GET", "HEAD"]);
 * assert.equal(error.headers.get("allow"), "GET, HEAD");
 * assert.deepEqual(error.allowed, ["GET", "HEAD"]);
 * ```
 */
export class MethodNotAllowed extends HttpError {
  /** This class's status, 405. */
  static override readonly status: number = 405;
  /** The methods the resource supports. */
  readonly allowed: readonly string[];

  /** Makes a 405 listing the `allowed` methods. */
  constructor(allowed: readonly string[], description?: string, options?: HttpErrorOptions) {
    super(description, options);
    this.allowed = [...allowed];
    this.headers.set("allow", this.allowed.join(", "));
  }
}

/**
 * `406 Not Acceptable`: no representation matches the request's `Accept*` headers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NotAcceptable } from "./exceptions.ts";
 *
 * assert.equal(new NotAcceptable().status, 406);
 * ```
 */
export class NotAcceptable extends HttpError {
  /** This class's status, 406. */
  static override readonly status: number = 406;
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
 * `409 Conflict`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Conflict } from "./exceptions.ts";
 *
 * assert.equal(new Conflict().status, 409);
 * ```
 */
export class Conflict extends HttpError {
  /** This class's status, 409. */
  static override readonly status: number = 409;
}

/**
 * `410 Gone`: the resource existed but was removed for good.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Gone } from "./exceptions.ts";
 *
 * assert.equal(new Gone().status, 410);
 * ```
 */
export class Gone extends HttpError {
  /** This class's status, 410. */
  static override readonly status: number = 410;
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
 * `412 Precondition Failed`: an `If-Match` / `If-Unmodified-Since` check failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PreconditionFailed } from "./exceptions.ts";
 *
 * assert.equal(new PreconditionFailed().status, 412);
 * ```
 */
export class PreconditionFailed extends HttpError {
  /** This class's status, 412. */
  static override readonly status: number = 412;
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
 * `423 Locked` (WebDAV).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Locked } from "./exceptions.ts";
 *
 * assert.equal(new Locked().status, 423);
 * ```
 */
export class Locked extends HttpError {
  /** This class's status, 423. */
  static override readonly status: number = 423;
}

/**
 * `424 Failed Dependency` (WebDAV).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FailedDependency } from "./exceptions.ts";
 *
 * assert.equal(new FailedDependency().status, 424);
 * ```
 */
export class FailedDependency extends HttpError {
  /** This class's status, 424. */
  static override readonly status: number = 424;
}

/**
 * `428 Precondition Required`: the request must be conditional.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PreconditionRequired } from "./exceptions.ts";
 *
 * assert.equal(new PreconditionRequired().status, 428);
 * ```
 */
export class PreconditionRequired extends HttpError {
  /** This class's status, 428. */
  static override readonly status: number = 428;
}

/** Options of {@linkcode TooManyRequests} and {@linkcode ServiceUnavailable}. */
export interface RetryAfterOptions extends HttpErrorOptions {
  /** Seconds to wait, or the moment to retry at: sets `Retry-After`. */
  retryAfter?: number | Date;
}

function setRetryAfter(headers: Headers, retryAfter: number | Date | undefined): void {
  if (retryAfter === undefined) return;
  const value = retryAfter instanceof Date
    ? retryAfter.toUTCString()
    : String(Math.max(0, Math.ceil(retryAfter)));
  headers.set("retry-after", value);
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

/**
 * `451 Unavailable For Legal Reasons`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UnavailableForLegalReasons } from "./exceptions.ts";
 *
 * assert.equal(new UnavailableForLegalReasons().status, 451);
 * ```
 */
export class UnavailableForLegalReasons extends HttpError {
  /** This class's status, 451. */
  static override readonly status: number = 451;
}

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

const BY_STATUS: ReadonlyMap<number, typeof HttpError> = new Map(
  [
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    NotAcceptable,
    RequestTimeout,
    Conflict,
    Gone,
    LengthRequired,
    PreconditionFailed,
    ContentTooLarge,
    UriTooLong,
    UnsupportedMediaType,
    RangeNotSatisfiable,
    ExpectationFailed,
    ImATeapot,
    UnprocessableContent,
    Locked,
    FailedDependency,
    PreconditionRequired,
    TooManyRequests,
    RequestHeaderFieldsTooLarge,
    UnavailableForLegalReasons,
    InternalServerError,
    NotImplemented,
    BadGateway,
    ServiceUnavailable,
    GatewayTimeout,
    HttpVersionNotSupported,
  ].map((c) => [c.status, c]),
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
