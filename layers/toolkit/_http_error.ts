// Private to the toolkit: the HttpError base class, its options and default descriptions.
// Public through exceptions.ts, which re-exports it with every status class.

import { statusText } from "../gateway/mod.ts";
import { escapeHtml } from "./_escape_html.ts";
import { parseAccept } from "./http/accept.ts";

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

/** Options of {@linkcode TooManyRequests} and {@linkcode ServiceUnavailable}. */
export interface RetryAfterOptions extends HttpErrorOptions {
  /** Seconds to wait, or the moment to retry at: sets `Retry-After`. */
  retryAfter?: number | Date;
}

/** Sets `Retry-After` from seconds (rounded up, at least 0) or a moment; not when `undefined`. */
export function setRetryAfter(headers: Headers, retryAfter: number | Date | undefined): void {
  if (retryAfter === undefined) return;
  const value = retryAfter instanceof Date
    ? retryAfter.toUTCString()
    : String(Math.max(0, Math.ceil(retryAfter)));
  headers.set("retry-after", value);
}
