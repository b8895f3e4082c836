/**
 * Helpers over the standard `Response` (Werkzeug's `Response` conveniences): typed bodies,
 * redirects, streaming, cookies, caching headers and entity tags. `makeConditional` (304/412,
 * ranges) is re-exported from `./http/conditional.ts`; files are sent by `./static_files.ts`.
 *
 * @module
 */

import { escapeHtml } from "./_escape_html.ts";
import { type CacheControlInit, formatCacheControl } from "./http/cache_control.ts";
import {
  type CookieOptions,
  deleteCookieHeader,
  type DeleteCookieOptions,
  serializeCookie,
} from "./http/cookies.ts";
import { generateEtag, quoteEtag } from "./http/etag.ts";

export { makeConditional, type MakeConditionalOptions } from "./http/conditional.ts";
export { editHeaders } from "./http/edit_headers.ts";

const ENCODER = new TextEncoder();
// Characters a Location header cannot carry raw: controls, space, non-ASCII and a few
// delimiters browsers encode (Werkzeug's iri_to_uri). `%` is kept: it is already an escape.
// deno-lint-ignore no-control-regex
const NOT_URI = /[\x00-\x20\x7f-\u{10ffff}"<>\\^`{|}]/gu;

function encodeChar(char: string): string {
  try {
    return encodeURIComponent(char);
  } catch {
    return "%EF%BF%BD"; // a lone surrogate: U+FFFD
  }
}

function withType(init: ResponseInit | undefined, type: string): ResponseInit {
  const headers = new Headers(init?.headers);
  if (!headers.has("content-type")) headers.set("content-type", type);
  return { status: init?.status, statusText: init?.statusText, headers };
}

/**
 * A JSON response: `data` serialized, `Content-Type: application/json` unless `init` sets one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { json } from "./response.ts";
 *
 * const response = json({ ok: true }, { status: 201 });
 * assert.equal(response.status, 201);
 * assert.equal(response.headers.get("content-type"), "application/json");
 * assert.deepEqual(await response.json(), { ok: true });
 * ```
 */
export function json(data: unknown, init?: ResponseInit): Response {
  return new Response(JSON.stringify(data), withType(init, "application/json"));
}

/**
 * An HTML response (`text/html; charset=utf-8` unless `init` sets a type).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { html } from "./response.ts";
 *
 * const response = html("<h1>Hi</h1>");
 * assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
 * ```
 */
export function html(text: string, init?: ResponseInit): Response {
  return new Response(text, withType(init, "text/html; charset=utf-8"));
}

/**
 * A plain-text response (`text/plain; charset=utf-8` unless `init` sets a type).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { text } from "./response.ts";
 *
 * const response = text("Hello, World!\n", { status: 202 });
 * assert.equal(response.status, 202);
 * assert.equal(await response.text(), "Hello, World!\n");
 * ```
 */
export function text(text: string, init?: ResponseInit): Response {
  return new Response(text, withType(init, "text/plain; charset=utf-8"));
}

/**
 * A redirect (Werkzeug's `redirect`): `Location` as given, absolute or relative, with
 * characters a header cannot carry percent-encoded, and a small HTML body with a link. Throws
 * a `RangeError` for a status that is not 3xx.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redirect } from "./response.ts";
 *
 * const response = redirect("/login?next=/caf\u00e9");
 * assert.equal(response.status, 302);
 * assert.equal(response.headers.get("location"), "/login?next=/caf%C3%A9");
 * assert.equal(redirect("https://example.com/", 301).status, 301);
 * ```
 */
export function redirect(location: string | URL, status = 302): Response {
  if (!Number.isInteger(status) || status < 300 || status > 399) {
    throw new RangeError(`Cannot redirect: status "${status}" is not a 3xx status`);
  }
  const target = String(location).replace(NOT_URI, encodeChar);
  const href = escapeHtml(target);
  const body = `<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n` +
    `<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: ` +
    `<a href="${href}">${href}</a>. If not, click the link.\n`;
  return new Response(body, {
    status,
    headers: { location: target, "content-type": "text/html; charset=utf-8" },
  });
}

/**
 * A streamed response from a `ReadableStream`, or from a (sync or async) iterable of strings
 * (sent as UTF-8) and byte arrays. The iterable is pulled as the client reads, and closed
 * (`return()`) when the client goes away. No `Content-Type` is set unless `init` gives one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stream } from "./response.ts";
 *
 * async function* lines() {
 *   yield "one\n";
 *   yield new TextEncoder().encode("two\n");
 * }
 * const response = stream(lines(), { headers: { "content-type": "text/plain" } });
 * assert.equal(await response.text(), "one\ntwo\n");
 * ```
 */
export function stream(
  source:
    | ReadableStream<Uint8Array>
    | AsyncIterable<string | Uint8Array>
    | Iterable<string | Uint8Array>,
  init?: ResponseInit,
): Response {
  if (source instanceof ReadableStream) return new Response(source, init);
  let iterator: AsyncIterator<string | Uint8Array> | Iterator<string | Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      iterator ??= Symbol.asyncIterator in source
        ? (source as AsyncIterable<string | Uint8Array>)[Symbol.asyncIterator]()
        : (source as Iterable<string | Uint8Array>)[Symbol.iterator]();
      for (;;) {
        const { done, value } = await iterator.next();
        if (done) return controller.close();
        const chunk = typeof value === "string" ? ENCODER.encode(value) : value;
        if (chunk.byteLength === 0) continue;
        controller.enqueue(chunk);
        return;
      }
    },
    async cancel() {
      await iterator?.return?.();
    },
  });
  return new Response(body, init);
}

function headersOf(target: Response | Headers): Headers {
  return target instanceof Headers ? target : target.headers;
}

/**
 * Adds a `Set-Cookie` header (see `serializeCookie` for the options and the `CookieError` it
 * throws). The response's headers must be mutable (not a `Response.redirect()` or `fetch()`
 * result).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setCookie, text } from "./response.ts";
 *
 * const response = text("ok");
 * setCookie(response, "sid", "abc", { httpOnly: true, maxAge: 3600 });
 * assert.equal(response.headers.get("set-cookie"), "sid=abc; Max-Age=3600; Path=/; HttpOnly");
 * ```
 */
export function setCookie(
  target: Response | Headers,
  name: string,
  value: string,
  options?: CookieOptions,
): void {
  headersOf(target).append("set-cookie", serializeCookie(name, value, options));
}

/**
 * Adds a `Set-Cookie` header that deletes a cookie; `path` and `domain` must match the ones it
 * was set with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deleteCookie } from "./response.ts";
 *
 * const headers = new Headers();
 * deleteCookie(headers, "sid");
 * assert.match(headers.get("set-cookie")!, /^sid=; Max-Age=0; Path=\//);
 * ```
 */
export function deleteCookie(
  target: Response | Headers,
  name: string,
  options?: DeleteCookieOptions,
): void {
  headersOf(target).append("set-cookie", deleteCookieHeader(name, options));
}

/**
 * Sets `Cache-Control` from directives (see `formatCacheControl`); empty directives remove it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setCacheControl, text } from "./response.ts";
 *
 * const response = text("ok");
 * setCacheControl(response, { public: true, maxAge: 600 });
 * assert.equal(response.headers.get("cache-control"), "public, max-age=600");
 * ```
 */
export function setCacheControl(target: Response | Headers, directives: CacheControlInit): void {
  const value = formatCacheControl(directives);
  if (value) headersOf(target).set("cache-control", value);
  else headersOf(target).delete("cache-control");
}

/**
 * Sets `ETag` to `tag` (bare, quoted by `quoteEtag`, which throws a `TypeError` for a tag
 * holding a quote, space or control character), weak when `weak` is true.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setEtag, text } from "./response.ts";
 *
 * const response = text("ok");
 * setEtag(response, "v1", true);
 * assert.equal(response.headers.get("etag"), 'W/"v1"');
 * ```
 */
export function setEtag(target: Response | Headers, tag: string, weak = false): void {
  headersOf(target).set("etag", quoteEtag(tag, weak));
}

/** Options of {@linkcode addEtag}. */
export interface AddEtagOptions {
  /** Replace an `ETag` the response already has; default false. */
  overwrite?: boolean;
}

/**
 * Buffers the body and sets `ETag` to a hash of it (see `generateEtag`), returning a new
 * response with the same status and headers (the original's body is consumed). A response
 * that already has an `ETag` is returned as is unless `overwrite`. Meant for small bodies; pair
 * it with {@linkcode makeConditional} to answer `If-None-Match` with 304.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addEtag, text } from "./response.ts";
 *
 * const response = await addEtag(text("hello"));
 * assert.match(response.headers.get("etag")!, /^"5-/);
 * assert.equal(await response.text(), "hello");
 * ```
 */
export async function addEtag(response: Response, options?: AddEtagOptions): Promise<Response> {
  if (!options?.overwrite && response.headers.has("etag")) return response;
  const body = await response.bytes();
  const headers = new Headers(response.headers);
  headers.set("etag", await generateEtag(body));
  return new Response(response.body === null ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
