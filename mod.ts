/**
 * ngw2f as a library: the public API of each layer, by name.
 *
 * Today that is the gateway — the contract between servers and apps (ngw2f's WSGI) and its
 * reference server —, the master (gunicorn's job: `resolveSettings()` and `serveApp()` are what
 * `ngw2f serve` runs) and the toolkit (Werkzeug's job: request wrapper, response helpers, HTTP
 * errors, routing, static files, middleware, test client; the full set is in
 * `@ngw2f/ngw2f/toolkit`) and the proxy (nginx's job: `loadProxyConfig()` and `runProxy()` are
 * what `ngw2f proxy` runs; its HTTP/1.1 core, static files, logs and more are in
 * `@ngw2f/ngw2f/proxy`), and the framework (Flask's job, as the `framework` namespace:
 * `framework.App`, `framework.Blueprint`, `framework.MethodView`, sessions, templates, config;
 * also `@ngw2f/ngw2f/framework`).
 *
 * @example Serve an app with a middleware
 * ```ts
 * import assert from "node:assert/strict";
 * import { compose, type Middleware, serve } from "./mod.ts";
 *
 * const stamp: Middleware = (app) => async (request, ctx) => {
 *   const response = await app.fetch(request, ctx);
 *   response.headers.set("x-served-by", `worker-${ctx.workerId}`);
 *   return response;
 * };
 * const server = await serve(compose(stamp)(() => new Response("hi\n")), {
 *   bind: "127.0.0.1:0",
 *   accessLog: null,
 * });
 * const { port } = server.addrs[0] as Deno.NetAddr;
 * const response = await fetch(`http://127.0.0.1:${port}/`);
 * assert.equal(response.headers.get("x-served-by"), "worker-1");
 * assert.equal(await response.text(), "hi\n");
 * await server.shutdown();
 * ```
 *
 * @module
 */

export {
  AppLoadError,
  classic,
  compose,
  ConfigError,
  createContext,
  createLogger,
  defineApp,
  formatCombined,
  HaltError,
  isApp,
  loadApp,
  parseBind,
  serve,
  toAppObject,
  validate,
  ValidationError,
} from "./layers/gateway/mod.ts";
export type {
  App,
  AppObject,
  ClassicApp,
  Context,
  Environ,
  Handler,
  LifespanContext,
  Logger,
  Middleware,
  ServeOptions,
  Server,
  StartResponse,
} from "./layers/gateway/mod.ts";
export {
  Arbiter,
  type Hooks,
  type MasterSettings,
  resolveSettings,
  serveApp,
} from "./layers/master/mod.ts";
export {
  BadRequest,
  bodyLimit,
  Client,
  compression,
  cors,
  dispatcher,
  Forbidden,
  html,
  HttpError,
  isHttpError,
  json,
  lint,
  makeConditional,
  MethodNotAllowed,
  MultiDict,
  NotFound,
  parseAccept,
  parseCookies,
  profiler,
  proxyFix,
  redirect,
  requestId,
  RequestWrapper,
  resultError,
  RouteMap,
  sendFile,
  sendFromDirectory,
  serializeCookie,
  setCookie,
  sharedData,
  stream,
  text,
  Unauthorized,
} from "./layers/toolkit/mod.ts";
export {
  compileSite,
  convertNginxFile,
  createPipeline,
  loadProxyConfig,
  parseProxyConfig,
  type ProxyConfig,
  runProxy,
  serveListener,
  StaticFiles,
} from "./layers/proxy/mod.ts";
/** The framework layer (its `App` is not the gateway's `App` type): `new framework.App()`. */
export * as framework from "./layers/framework/mod.ts";
