/**
 * The gateway: the contract between servers and apps (ngw2f's WSGI), and its reference server.
 *
 * An app is a function `(request, ctx) => Response`, or an object with such a `fetch` method
 * (what `deno serve` runs), optionally with `startup(ctx)` / `shutdown()` lifespan hooks.
 * Middleware is `(app) => app`, chained with `compose()`. `classic()` runs WSGI-shaped apps,
 * `validate()` checks both sides of the contract, `loadApp()` imports an app from a path and
 * `serve()` runs one. The full specification is `docs/gateway.md`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compose, serve, type Middleware } from "./mod.ts";
 *
 * const poweredBy: Middleware = (app) => async (request, ctx) => {
 *   const response = await app.fetch(request, ctx);
 *   const headers = new Headers(response.headers);
 *   headers.set("x-powered-by", "ngw2f");
 *   return new Response(response.body, { status: response.status, headers });
 * };
 * const app = compose(poweredBy)(() => new Response("Hello, World!\n"));
 * const server = await serve(app, { bind: "127.0.0.1:0", accessLog: null });
 * const { port } = server.addrs[0] as Deno.NetAddr;
 * const response = await fetch(`http://127.0.0.1:${port}/`);
 * assert.equal(response.headers.get("x-powered-by"), "ngw2f");
 * await response.body?.cancel();
 * await server.shutdown();
 * ```
 *
 * @module
 */

export type {
  App,
  AppObject,
  Context,
  Handler,
  HttpProtocol,
  LifespanContext,
  Middleware,
} from "./types.ts";
export { defineApp, isApp, toAppObject } from "./app.ts";
export { compose } from "./compose.ts";
export { type ContextInit, createContext, isContext } from "./context.ts";
export { testContext } from "./test_context.ts";
export { type AppSpec, loadApp, type LoadAppOptions, parseAppSpec } from "./load.ts";
export { AppLoadError, ConfigError, HaltError, listenError } from "./errors.ts";
export {
  createLogger,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  parseLogLevel,
  silentLogger,
} from "./logger.ts";
export {
  type BodyChunk,
  classic,
  type ClassicApp,
  type ClassicBody,
  type Environ,
  type ErrorStream,
  type ExcInfo,
  type InputStream,
  type StartResponse,
  type WriteFn,
} from "./classic.ts";
export { validate, ValidationError } from "./validate.ts";
export {
  type AccessLogEntry,
  type ResolvedServeOptions,
  resolveServeOptions,
  serve,
  type ServeOptions,
  type Server,
  type ServerStats,
} from "./server.ts";
export { type BindAddress, formatAddr, parseBind, reservePorts, resolvePorts } from "./bind.ts";
export { bindUnix, type UnixBinding } from "./unix_socket.ts";
export { type AccessRecord, formatCombined } from "./access_log.ts";
export { STATUS_TEXT, statusText } from "./status.ts";
