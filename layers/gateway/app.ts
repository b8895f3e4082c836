/**
 * Recognising, normalising and defining apps.
 *
 * @module
 */

import { createContext, isContext } from "./context.ts";
import { createLogger, type Logger } from "./logger.ts";
import type { App, AppObject, Context } from "./types.ts";

/**
 * True when `value` is an app of either form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isApp } from "./app.ts";
 *
 * assert.ok(isApp(() => new Response()));
 * assert.ok(isApp({ fetch: () => new Response() }));
 * assert.ok(!isApp({ handler: () => new Response() }));
 * ```
 */
export function isApp(value: unknown): value is App {
  if (typeof value === "function") return true;
  return typeof value === "object" && value !== null &&
    typeof (value as { fetch?: unknown }).fetch === "function";
}

/**
 * The object form of any app. A function becomes `{ fetch }`; an object keeps its own `this`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toAppObject } from "./app.ts";
 *
 * const app = toAppObject(() => new Response("hi"));
 * assert.ok(typeof app.fetch === "function" && app.startup === undefined);
 * ```
 */
export function toAppObject(app: App): AppObject {
  if (typeof app === "function") return { fetch: app };
  if (!isApp(app)) {
    throw new TypeError(
      "Cannot use this value as an app: expected a function (request, ctx) => Response " +
        "or an object with a fetch method",
    );
  }
  const out: AppObject = { fetch: app.fetch.bind(app) };
  if (app.startup) out.startup = app.startup.bind(app);
  if (app.shutdown) out.shutdown = app.shutdown.bind(app);
  return out;
}

/**
 * Makes an app that runs the same under ngw2f and under `deno serve`.
 *
 * Under `deno serve` the handler receives a bare `Deno.ServeHandlerInfo`; this fills in the rest of
 * the {@linkcode Context} from the request (scheme and name from its URL, worker 1 of 1,
 * the request's own signal) and runs `startup()` before the first request (again on the next
 * request if it failed). `deno serve` never calls `shutdown()`.
 *
 * @example
 * ```ts
 * import { defineApp } from "./app.ts";
 *
 * export default defineApp({
 *   fetch: (request, ctx) => new Response(`${ctx.scheme} ${new URL(request.url).pathname}\n`),
 * });
 * ```
 */
export function defineApp(app: App, options: { log?: Logger } = {}): AppObject {
  const inner = toAppObject(app);
  let log: Logger | undefined = options.log;
  let started: Promise<void> | undefined;
  const standalone = (request: Request, info: Deno.ServeHandlerInfo): Context => {
    const url = new URL(request.url);
    const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
    log ??= createLogger();
    return createContext({
      remoteAddr: info.remoteAddr,
      completed: info.completed,
      serverAddr: { transport: "tcp", hostname: url.hostname, port },
      scheme: url.protocol === "https:" ? "https" : "http",
      protocol: "HTTP/1.1",
      serverName: url.hostname,
      rootPath: "",
      workerId: 1,
      workerCount: 1,
      // Deno.serve builds request.signal on first access: only pay for it when it is used.
      signal: () => request.signal,
      log,
      waitUntil: (promise) => {
        promise.catch((error) => log?.error("A waitUntil() promise failed", error));
      },
    });
  };
  const defined: AppObject = {
    fetch(request, info) {
      // Under an ngw2f server: straight through, no extra await.
      if (isContext(info)) return inner.fetch(request, info);
      return underDenoServe(request, info);
    },
  };
  const underDenoServe = async (request: Request, info: Deno.ServeHandlerInfo) => {
    {
      const ctx = standalone(request, info);
      if (inner.startup) {
        started ??= Promise.resolve(inner.startup({
          workerId: 1,
          workerCount: 1,
          serverAddrs: [ctx.serverAddr],
          log: ctx.log,
        })).catch((error) => {
          // This request fails; the next one tries startup() again.
          started = undefined;
          throw error;
        });
        await started;
      }
      return await inner.fetch(request, ctx);
    }
  };
  if (inner.startup) defined.startup = inner.startup;
  if (inner.shutdown) defined.shutdown = inner.shutdown;
  return defined;
}
