/**
 * Refusing request bodies over a size limit with `413 Content Too Large`.
 *
 * @module
 */

import { type App, type AppObject, toAppObject } from "../../gateway/mod.ts";
import { ContentTooLarge } from "../exceptions.ts";
import { wrapApp } from "./_http.ts";
import { wholeNumber } from "./_options.ts";

/** Options for {@linkcode bodyLimit}. */
export interface BodyLimitOptions {
  /** The largest request body accepted, in bytes. */
  maxBytes: number;
}

const DIGITS = /^\d+$/;

/**
 * Limits request bodies to `maxBytes`.
 *
 * A request whose `Content-Length` is over the limit is answered 413 at once, unread (the app is
 * not called). A body of unknown length (chunked) reaches the app through a counting stream
 * that errors with a {@linkcode ContentTooLarge} once it passes the limit; when the app then
 * fails (throws or rejects, whatever it throws), the answer is that error's 413 response
 * (`toResponse(request)`: HTML, or JSON for clients that prefer it). An app that catches the
 * error and answers itself keeps its answer. A body within a declared `Content-Length` passes
 * untouched: the server already holds it to that length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testContext } from "../../gateway/mod.ts";
 * import { bodyLimit } from "./body_limit.ts";
 *
 * const app = bodyLimit({ maxBytes: 4 })(async (request) => new Response(await request.text()));
 * const ctx = testContext();
 * const small = await app.fetch(new Request("http://x/", { method: "POST", body: "abc" }), ctx);
 * assert.equal(await small.text(), "abc");
 * const large = await app.fetch(new Request("http://x/", { method: "POST", body: "abcdef" }), ctx);
 * assert.equal(large.status, 413);
 * await large.body?.cancel();
 * ```
 */
export function bodyLimit(options: BodyLimitOptions): (app: App) => AppObject {
  const maxBytes = wholeNumber(options?.maxBytes, 'bodyLimit: "maxBytes"');
  const tooLarge = () =>
    new ContentTooLarge(`The request body is larger than the limit of ${maxBytes} bytes.`);

  return (app) => {
    const inner = toAppObject(app);
    return wrapApp(inner, async (request, ctx) => {
      const body = request.body;
      if (body === null) return inner.fetch(request, ctx);
      const length = request.headers.get("content-length");
      if (length !== null && DIGITS.test(length)) {
        if (Number(length) > maxBytes) return tooLarge().toResponse(request);
        return inner.fetch(request, ctx);
      }
      let seen = 0;
      let exceeded: ContentTooLarge | undefined;
      const counted = body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            seen += chunk.byteLength;
            if (seen > maxBytes) {
              exceeded = tooLarge();
              controller.error(exceeded);
            } else {
              controller.enqueue(chunk);
            }
          },
        }),
      );
      const limited = new Request(request, { body: counted, duplex: "half" } as RequestInit);
      try {
        return await inner.fetch(limited, ctx);
      } catch (error) {
        if (exceeded) return exceeded.toResponse(request);
        throw error;
      }
    });
  };
}
