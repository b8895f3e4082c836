/**
 * The debugger as middleware: an unhandled error in the app becomes the debug page (500)
 * instead of a bare "Internal Server Error". What `ngw2f dev --debug` wraps around the app.
 *
 * @module
 */

import { type App, type AppObject, type Context, toAppObject } from "../../gateway/mod.ts";
import { isHttpError } from "../exceptions.ts";
import { acceptsHtml, renderDebugHtml, renderDebugText } from "./debug_page.ts";
import { describeRequest } from "./request_info.ts";
import { collectError, type DescribeErrorOptions } from "./stack_trace.ts";

/** Options for {@linkcode debugMiddleware}. */
export interface DebugMiddlewareOptions extends DescribeErrorOptions {
  /** Lines of source shown before and after each frame's line; default 5. */
  context?: number;
  /** Log the error to `ctx.log` too (the server no longer sees it); default true. */
  log?: boolean;
}

/**
 * Builds the debug page response for `error` thrown while answering `request`: HTML when the
 * client asks for it (`Accept: text/html`), plain text otherwise. Status 500, never cached.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { debugResponse } from "./debug_middleware.ts";
 *
 * const response = await debugResponse(new Error("boom"), new Request("http://localhost/"));
 * assert.equal(response.status, 500);
 * assert.match(response.headers.get("content-type")!, /^text\/plain/);
 * assert.match(await response.text(), /Error: boom/);
 * ```
 */
export async function debugResponse(
  error: unknown,
  request: Request,
  options: DebugMiddlewareOptions & { ctx?: Partial<Context> } = {},
): Promise<Response> {
  const info = await collectError(error, options);
  const details = describeRequest(request, options.ctx);
  const html = acceptsHtml(request.headers.get("accept"));
  const body = html ? renderDebugHtml(info, details) : renderDebugText(info, details);
  return new Response(request.method === "HEAD" ? null : body, {
    status: 500,
    headers: {
      "content-type": `${html ? "text/html" : "text/plain"}; charset=utf-8`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}

/**
 * Catches what the app throws (or its promise rejects with) and answers with the debug page.
 * {@linkcode isHttpError} errors (`NotFound`, …) are not bugs: they become their own responses.
 * `startup` and `shutdown` pass through. A gateway `Middleware` (it also takes a bare handler). Only for development, on a loopback address: the page
 * shows source code and request headers (credentials masked).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testContext } from "../../gateway/mod.ts";
 * import { debugMiddleware } from "./debug_middleware.ts";
 *
 * const app = debugMiddleware()(() => {
 *   throw new Error("boom");
 * });
 * const ctx = testContext();
 * const response = await app.fetch(new Request("http://localhost/"), ctx);
 * assert.equal(response.status, 500);
 * assert.match(await response.text(), /Error: boom/);
 * ```
 */
export function debugMiddleware(
  options: DebugMiddlewareOptions = {},
): (app: App) => AppObject {
  return (app) => {
    const inner = toAppObject(app);
    const wrapped = {
      async fetch(request: Request, ctx: Context): Promise<Response> {
        try {
          return await inner.fetch(request, ctx);
        } catch (error) {
          if (isHttpError(error)) return error.toResponse(request);
          if (options.log ?? true) {
            ctx.log.error(`Error handling ${request.method} ${request.url}`, error);
          }
          return await debugResponse(error, request, { ...options, ctx });
        }
      },
    };
    return Object.assign(
      wrapped,
      inner.startup ? { startup: inner.startup } : {},
      inner.shutdown ? { shutdown: inner.shutdown } : {},
    );
  };
}
