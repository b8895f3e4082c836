/**
 * A request id for every request: taken from the client or proxy when it sent a valid one,
 * otherwise generated; kept in `ctx.state` and echoed on the response.
 *
 * @module
 */

import { type App, type AppObject, type Context, toAppObject } from "../../gateway/mod.ts";
import { editHeaders } from "../http/edit_headers.ts";
import { wrapApp } from "./_http.ts";

/** Options for {@linkcode requestId}. */
export interface RequestIdOptions {
  /** The request and response header; default `"x-request-id"`. */
  header?: string;
  /** Use a valid id the request brings (set by a proxy in front); default true. */
  trustIncoming?: boolean;
  /** Makes a new id; default `crypto.randomUUID()`. */
  generate?: () => string;
}

/**
 * The `ctx.state` key under which {@linkcode requestId} keeps the id (a string).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { REQUEST_ID } from "./request_id.ts";
 *
 * assert.equal(REQUEST_ID, Symbol.for("ngw2f.requestId"));
 * ```
 */
export const REQUEST_ID: unique symbol = Symbol.for("ngw2f.requestId") as typeof REQUEST_ID;

/** Printable ASCII (space to tilde), 1 to 200 characters. */
const VALID_ID = /^[\x20-\x7e]{1,200}$/;

/**
 * Gives every request an id. An incoming id (in `options.header`) is used when `trustIncoming`
 * is on and it is 1 to 200 printable ASCII characters; otherwise `generate()` makes one. The id
 * is stored in `ctx.state` under {@linkcode REQUEST_ID} (read it with
 * {@linkcode getRequestId}) and set on the response under the same header.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testContext } from "../../gateway/mod.ts";
 * import { getRequestId, requestId } from "./request_id.ts";
 *
 * let n = 0;
 * const app = requestId({ generate: () => `req-${++n}` })({
 *   fetch: (_request, ctx) => new Response(`id ${getRequestId(ctx)}`),
 * });
 * const ctx = testContext();
 * const response = await app.fetch(new Request("http://localhost/"), ctx);
 * assert.equal(response.headers.get("x-request-id"), "req-1");
 * assert.equal(await response.text(), "id req-1");
 * ```
 */
export function requestId(options: RequestIdOptions = {}): (app: App) => AppObject {
  const header = options.header ?? "x-request-id";
  // Fails early on a name Headers would reject.
  new Headers().set(header, "");
  const trustIncoming = options.trustIncoming ?? true;
  const generate = options.generate ?? (() => crypto.randomUUID());
  return (app) => {
    const inner = toAppObject(app);
    return wrapApp(inner, async (request, ctx) => {
      let id = trustIncoming ? request.headers.get(header) : null;
      if (id === null || !VALID_ID.test(id)) id = generate();
      ctx.state.set(REQUEST_ID, id);
      const response = await inner.fetch(request, ctx);
      const value = id;
      return editHeaders(response, (headers) => headers.set(header, value));
    });
  };
}

/**
 * The id {@linkcode requestId} gave this request, or `undefined` outside it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testContext } from "../../gateway/mod.ts";
 * import { getRequestId, REQUEST_ID } from "./request_id.ts";
 *
 * const ctx = testContext();
 * assert.equal(getRequestId(ctx), undefined);
 * ctx.state.set(REQUEST_ID, "abc");
 * assert.equal(getRequestId(ctx), "abc");
 * ```
 */
export function getRequestId(ctx: Context): string | undefined {
  const id = ctx.state.get(REQUEST_ID);
  return typeof id === "string" ? id : undefined;
}
