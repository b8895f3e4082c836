/**
 * Chaining middleware around an app.
 *
 * @module
 */

import { toAppObject } from "./app.ts";
import type { App, AppObject, Middleware } from "./types.ts";

/**
 * Chains middleware: `compose(a, b, c)(app)` is `a(b(c(app)))`, so the first one listed sees
 * the request first and the response last. A middleware that defines no `startup`/`shutdown`
 * passes the wrapped app's through; one that defines its own must call the wrapped app's.
 *
 * @example
 * ```ts
 * import { compose } from "./compose.ts";
 * import type { Middleware } from "./types.ts";
 *
 * const tag = (name: string): Middleware => (app) => async (request, ctx) => {
 *   const response = await app.fetch(request, ctx);
 *   response.headers.append("x-chain", name);
 *   return response;
 * };
 * const app = compose(tag("outer"), tag("inner"))(() => new Response("ok"));
 * ```
 */
export function compose(...middleware: Middleware[]): (app: App) => AppObject {
  return (app) => {
    let current = toAppObject(app);
    for (let i = middleware.length - 1; i >= 0; i--) {
      const wrapped = toAppObject(middleware[i](current));
      if (!wrapped.startup && current.startup) wrapped.startup = current.startup;
      if (!wrapped.shutdown && current.shutdown) wrapped.shutdown = current.shutdown;
      current = wrapped;
    }
    return current;
  };
}
