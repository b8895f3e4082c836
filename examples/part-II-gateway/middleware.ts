/**
 * Middleware as the talk listed it — header insertion, response modification and routing
 * before the app — each a function from an app to an app, chained with `compose()`.
 *
 * @module
 */

import { compose, defineApp, type Middleware } from "../../layers/gateway/mod.ts";
import { hello } from "./app.ts";

/** Header insertion: adds `x-powered-by` to every response. */
export const poweredBy: Middleware = (app) => async (request, ctx) => {
  const response = await app.fetch(request, ctx);
  const headers = new Headers(response.headers);
  headers.set("x-powered-by", "ngw2f");
  return new Response(response.body, { status: response.status, headers });
};

/** Response modification: upper-cases text bodies (and drops the stale length). */
export const shout: Middleware = (app) => async (request, ctx) => {
  const response = await app.fetch(request, ctx);
  if (!response.headers.get("content-type")?.startsWith("text/plain")) return response;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  const body = (await response.text()).toUpperCase();
  return new Response(body, { status: response.status, headers });
};

/** Routing before the app: answers `/health` itself; everything else goes on to the app. */
export const health: Middleware = (app) => (request, ctx) => {
  if (new URL(request.url).pathname === "/health") {
    return Response.json({ ok: true, worker: ctx.workerId });
  }
  return app.fetch(request, ctx);
};

/** The chain: `poweredBy` sees the request first and the response last. */
export default defineApp(compose(poweredBy, health, shout)(hello));
