/**
 * A development checker for HTTP mistakes (Werkzeug's `LintMiddleware`): the gateway's
 * {@linkcode validate} in logging mode, plus checks of what HTTP asks of a response.
 *
 * @module
 */

import { type App, type AppObject, validate } from "../../gateway/mod.ts";
import { pathOf, wrapApp } from "./_http.ts";

/** Options for {@linkcode lint}. */
export interface LintOptions {
  /** Warn when a 2xx answers a POST, PUT or PATCH whose body the app never read; default true. */
  unreadBody?: boolean;
}

/** Headers that describe a representation and do not belong in a 304 (RFC 9110 15.4.5). */
const NOT_IN_304 = [
  "content-type",
  "content-encoding",
  "content-language",
  "content-range",
  "content-md5",
  "allow",
];
const ENTITY_TAG = /^(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;
// deno-lint-ignore no-control-regex
const BREAKS_HEADER = /[\x00\r\n]|[^\x00-\xff]/;
const NOT_ASCII = /[\x7f-\xff]/;
// deno-lint-ignore no-control-regex
const NOT_IN_URL = /[\x00-\x20\x7f-\uffff"<>\\^`{|}]/;
const PATH_ATTRIBUTE = /;\s*path\s*=/i;
const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

/**
 * Wraps an app so that contract breaches and HTTP mistakes are logged with `ctx.log.warn`
 * while everything passes through unchanged. A development tool: put it innermost, right around
 * the app, so it sees what the app itself did.
 *
 * The gateway's `validate(app, { onViolation: "log" })` reports breaches of the contract (a
 * status outside 200–599 or 101, a body on 1xx/204/205/304, a body without `Content-Type`,
 * hop-by-hop headers, a `Content-Length` that does not match the bytes streamed, a malformed
 * context), each as "Gateway contract broken by …". On top of that, each of these is logged
 * once per response as "HTTP lint: …":
 *
 * - a body on the answer to HEAD (servers drop it; answer with `null`);
 * - a 304 with representation headers (`Content-Type`, `Content-Encoding`, `Content-Range`, …);
 * - an `ETag` that is not a quoted entity tag (`"…"` or `W/"…"`);
 * - a `Location` that is not a valid URL reference (relative ones are fine);
 * - header values with CR, LF, NUL or characters outside Latin-1, and non-ASCII (Latin-1) ones,
 *   which clients decode in different ways;
 * - a `Set-Cookie` without `Path` (the cookie then applies to the request's directory only);
 * - a 2xx answer to POST, PUT or PATCH whose request body was never read (`unreadBody`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testContext } from "../../gateway/mod.ts";
 * import { lint } from "./lint.ts";
 *
 * const warnings: string[] = [];
 * const log = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
 * const ctx = testContext({ log });
 * const app = lint()(() =>
 *   new Response("hi", { headers: { "content-type": "text/plain", etag: "v1" } })
 * );
 * const response = await app.fetch(new Request("http://localhost/page"), ctx);
 * assert.equal(await response.text(), "hi");
 * assert.deepEqual(warnings, [
 *   'HTTP lint: ETag "v1" is not a quoted entity tag ("…" or W/"…") (GET /page)',
 * ]);
 * ```
 */
export function lint(options: LintOptions = {}): (app: App) => AppObject {
  const unreadBody = options.unreadBody ?? true;
  return (app) => {
    const checked = validate(app, { onViolation: "log" });
    return wrapApp(checked, async (request, ctx) => {
      const response = await checked.fetch(request, ctx);
      if (!(response instanceof Response)) return response; // validate() logged it
      const where = `${request.method} ${pathOf(request.url)}`;
      const report = (problem: string) => ctx.log.warn(`HTTP lint: ${problem} (${where})`);
      checkHttp(request, response).forEach(report);
      if (!unreadBody || !isUnread(request, response)) return response;
      const unread = () =>
        report(`the app answered ${response.status} without reading the ${request.method} body`);
      if (response.body === null) {
        unread();
        return response;
      }
      // The body may still be read while the response streams (an echo): judge at its end.
      const judged = new TransformStream<Uint8Array, Uint8Array>({
        flush() {
          if (isUnread(request, response)) unread();
        },
      });
      return new Response(response.body.pipeThrough(judged), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    });
  };
}

/** The HTTP mistakes in a response's head, as sentence fragments. */
function checkHttp(request: Request, response: Response): string[] {
  const found: string[] = [];
  const { status, headers } = response;
  if (request.method === "HEAD" && response.body !== null) {
    found.push("the answer to HEAD has a body; servers drop it, use null");
  }
  if (status === 304) {
    const present = NOT_IN_304.filter((name) => headers.has(name));
    if (present.length > 0) {
      found.push(
        `304 response has representation headers it should not send: ${present.join(", ")}`,
      );
    }
  }
  const etag = headers.get("etag");
  if (etag !== null && !ENTITY_TAG.test(etag)) {
    found.push(`ETag ${JSON.stringify(etag)} is not a quoted entity tag ("…" or W/"…")`);
  }
  const location = headers.get("location");
  const badLocation = location !== null &&
    (location === "" || NOT_IN_URL.test(location) || !URL.canParse(location, request.url));
  if (badLocation) found.push(`Location ${JSON.stringify(location)} is not a valid URL reference`);
  for (const [name, value] of headers) {
    if (BREAKS_HEADER.test(value)) {
      found.push(`header "${name}" has CR, LF, NUL or characters outside Latin-1`);
    } else if (NOT_ASCII.test(value) && !(badLocation && name === "location")) {
      found.push(
        `header "${name}" has non-ASCII characters, sent as Latin-1 bytes that clients ` +
          "decode in different ways (percent-encode them, or use RFC 8187 for parameters)",
      );
    }
  }
  for (const cookie of headers.getSetCookie()) {
    if (!PATH_ATTRIBUTE.test(cookie)) {
      const equals = cookie.indexOf("=");
      const name = (equals === -1 ? cookie : cookie.slice(0, equals)).trim();
      found.push(
        `Set-Cookie ${JSON.stringify(name)} has no Path; it will only apply below the ` +
          "request's directory",
      );
    }
  }
  return found;
}

function isUnread(request: Request, response: Response): boolean {
  if (response.status < 200 || response.status > 299 || !WITH_BODY.has(request.method)) {
    return false;
  }
  const body = request.body;
  return body !== null && !request.bodyUsed && !body.locked &&
    request.headers.get("content-length") !== "0";
}
