/**
 * Mounting several apps under path prefixes in one app (Werkzeug's `DispatcherMiddleware`).
 *
 * @module
 */

import { type App, type AppObject, type LifespanContext, toAppObject } from "../../gateway/mod.ts";
import { NotFound } from "../exceptions.ts";
import { deriveContext } from "./_derive_context.ts";
import { belowRoot } from "../_paths.ts";
import { pathStart } from "./_http.ts";

/** Options for {@linkcode dispatcher}. */
export interface DispatcherOptions {
  /**
   * `false` (default): `request.url` keeps the full path, as the gateway passes it from a
   * server's `rootPath`, and the app reads the path below `ctx.rootPath` (the toolkit's
   * `RequestWrapper.path` and router do; no new `Request` is built). `true`: a mounted app sees
   * only the path below its prefix in `request.url` (Werkzeug's PATH_INFO), for apps that ignore
   * `ctx.rootPath`; do not combine it with code that strips `ctx.rootPath` itself.
   */
  rewriteUrl?: boolean;
}

/**
 * One app made of several, each mounted under a path prefix; `fallback` (default: 404) answers
 * the rest. The longest matching prefix wins, matched at segment boundaries: `/api` takes `/api`
 * and `/api/x`, not `/apix`. Prefixes are matched against the path below `ctx.rootPath`,
 * percent-encoded (give them as you would type them: `/café` matches `/caf%C3%A9`).
 *
 * The mounted app gets `ctx.rootPath` extended by its prefix; `request.url` keeps the full
 * path (the gateway's convention) unless `rewriteUrl` is set. Its context shares the state,
 * signal and log of the original. `startup()` starts every mounted app and the fallback in turn
 * (each once, however often it is mounted; on a failure the ones started are shut down again)
 * and `shutdown()` stops them in reverse order, all of them even when one fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testContext } from "../../gateway/mod.ts";
 * import { dispatcher } from "./dispatcher.ts";
 *
 * const where = (name: string) => (request: Request, ctx: { rootPath: string }) =>
 *   new Response(`${name} ${ctx.rootPath} ${new URL(request.url).pathname.slice(ctx.rootPath.length) || "/"}`);
 * const app = dispatcher({ "/api": where("api"), "/api/v2": where("v2") }, where("site"));
 * const ctx = testContext();
 * const get = async (path: string) =>
 *   await (await app.fetch(new Request(`http://x${path}`), ctx)).text();
 * assert.equal(await get("/api/users"), "api /api /users");
 * assert.equal(await get("/api/v2/users"), "v2 /api/v2 /users");
 * assert.equal(await get("/api"), "api /api /");
 * assert.equal(await get("/apix"), "site  /apix");
 * ```
 */
export function dispatcher(
  apps: Readonly<Record<string, App>>,
  fallback?: App,
  options: DispatcherOptions = {},
): AppObject {
  const rewriteUrl = options.rewriteUrl ?? false;
  const distinct = new Map<App, AppObject>();
  const normalize = (app: App) => {
    let object = distinct.get(app);
    if (!object) distinct.set(app, object = toAppObject(app));
    return object;
  };
  const mounts = new Map<string, AppObject>();
  for (const [prefix, app] of Object.entries(apps)) {
    const key = mountKey(prefix);
    if (mounts.has(key)) {
      throw new TypeError(`Cannot mount two apps at "${key}": "${prefix}" is the same prefix`);
    }
    mounts.set(key, normalize(app));
  }
  const otherwise = fallback === undefined ? undefined : normalize(fallback);
  const members = [...distinct.values()];

  const dispatched: AppObject = {
    fetch(request, ctx) {
      const url = request.url;
      const start = pathStart(url);
      let end = url.indexOf("?", start);
      if (end === -1) end = url.length;
      const below = belowRoot(url.slice(start, end), ctx.rootPath);
      for (let cut = below.length; cut > 0; cut = below.lastIndexOf("/", cut - 1)) {
        const prefix = cut === below.length ? below : below.slice(0, cut);
        const app = mounts.get(prefix);
        if (app === undefined) continue;
        const mounted = deriveContext(ctx, { rootPath: ctx.rootPath + prefix });
        if (!rewriteUrl) return app.fetch(request, mounted);
        const rest = cut === below.length ? "/" : below.slice(cut);
        return app.fetch(
          new Request(url.slice(0, start) + rest + url.slice(end), request),
          mounted,
        );
      }
      if (otherwise) return otherwise.fetch(request, ctx);
      return new NotFound().toResponse(request);
    },
  };
  if (members.some((app) => app.startup)) {
    dispatched.startup = (lifespan) => startAll(members, lifespan);
  }
  if (members.some((app) => app.shutdown)) {
    dispatched.shutdown = () => stopAll(members);
  }
  return dispatched;
}

/** `/api/` → `/api`, percent-encoded as a URL path; a root or relative prefix is an error. */
function mountKey(prefix: string): string {
  if (!prefix.startsWith("/")) {
    throw new TypeError(`Cannot mount an app at "${prefix}": a prefix must start with "/"`);
  }
  const parsed = URL.parse(prefix, "http://x");
  if (parsed === null || parsed.search !== "" || parsed.hash !== "" || prefix.startsWith("//")) {
    throw new TypeError(`Cannot mount an app at "${prefix}": it is not a plain path`);
  }
  let key = parsed.pathname;
  while (key.endsWith("/")) key = key.slice(0, -1);
  if (key === "") {
    throw new TypeError(`Cannot mount an app at "${prefix}": pass the root app as the fallback`);
  }
  return key;
}

async function startAll(apps: readonly AppObject[], lifespan: LifespanContext): Promise<void> {
  const started: AppObject[] = [];
  for (const app of apps) {
    try {
      await app.startup?.(lifespan);
    } catch (error) {
      await stopAll(started).catch((stopError) =>
        lifespan.log.error("Cannot shut down a mounted app after a failed startup", stopError)
      );
      throw error;
    }
    started.push(app);
  }
}

async function stopAll(apps: readonly AppObject[]): Promise<void> {
  const errors: unknown[] = [];
  for (let i = apps.length - 1; i >= 0; i--) {
    try {
      await apps[i].shutdown?.();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new AggregateError(errors, `Cannot shut down ${errors.length} mounted apps`);
  }
}
