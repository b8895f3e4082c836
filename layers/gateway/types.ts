/**
 * The gateway contract: what an app is, what it receives, and what a server owes it.
 *
 * See `docs/gateway.md` for the full specification.
 *
 * @module
 */

import type { Logger } from "./logger.ts";

/** The HTTP version a request arrived with, as it appears on the request line. */
export type HttpProtocol = "HTTP/1.0" | "HTTP/1.1" | "HTTP/2" | "HTTP/3";

/**
 * The typed, read-only environ handed to an app with every request: a superset of
 * `Deno.ServeHandlerInfo`, so a handler written for `deno serve` reads it unchanged.
 *
 * @example Reading the context
 * ```ts
 * import type { Context } from "./types.ts";
 *
 * function handler(request: Request, ctx: Context): Response {
 *   const where = `${ctx.scheme}://${ctx.serverName}${ctx.rootPath}`;
 *   return new Response(`${request.method} on ${where} by worker ${ctx.workerId}\n`);
 * }
 * ```
 */
export interface Context extends Deno.ServeHandlerInfo {
  /** The client's address (for a unix-socket client Deno reports `path: null`). */
  readonly remoteAddr: Deno.Addr;
  /** Settles once the response has been sent; rejects with `Deno.errors.Interrupted` if it could not be. */
  readonly completed: Promise<void>;
  /**
   * `"https"` when the connection is TLS, or when a trusted proxy says the client used HTTPS
   * (`X-Forwarded-Proto`, checked on first read); else `"http"`. `request.url` keeps the scheme
   * of the last hop, as under `deno serve`.
   */
  readonly scheme: "http" | "https";
  /** The HTTP version of the request line (WSGI's SERVER_PROTOCOL). */
  readonly protocol: HttpProtocol;
  /** The local address the connection was accepted on. */
  readonly serverAddr: Deno.Addr;
  /** The server's configured name (WSGI's SERVER_NAME); the Host header is in `request.url`. */
  readonly serverName: string;
  /** Where the app is mounted, without a trailing slash: `""` at the root (WSGI's SCRIPT_NAME). */
  readonly rootPath: string;
  /** This worker's number, from 1; the reference server is worker 1 of 1. */
  readonly workerId: number;
  /** How many workers the server runs. */
  readonly workerCount: number;
  /** Fires when the client goes away or the server gives up on the request. */
  readonly signal: AbortSignal;
  /** Per-request storage for middleware, empty at the start of every request. */
  readonly state: Map<string | symbol, unknown>;
  /** The server's error log (WSGI's wsgi.errors). */
  readonly log: Logger;
  /** Keeps the worker alive until `promise` settles, even after the response is sent. */
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * What a server hands to `startup()` before it accepts connections.
 *
 * @example
 * ```ts
 * import type { LifespanContext } from "./types.ts";
 *
 * async function startup(ctx: LifespanContext): Promise<void> {
 *   ctx.log.info(`worker ${ctx.workerId} of ${ctx.workerCount} starting`);
 * }
 * ```
 */
export interface LifespanContext {
  /** This worker's number, from 1. */
  readonly workerId: number;
  /** How many workers the server runs. */
  readonly workerCount: number;
  /** The addresses the server listens on. */
  readonly serverAddrs: readonly Deno.Addr[];
  /** The server's error log. */
  readonly log: Logger;
}

/**
 * The function form of an app: a request and its context in, a response out.
 *
 * @example
 * ```ts
 * import type { Handler } from "./types.ts";
 *
 * const hello: Handler = () => new Response("Hello, World!\n");
 * ```
 */
export type Handler = (request: Request, ctx: Context) => Response | Promise<Response>;

/**
 * The object form of an app, as `deno serve` expects it, with optional lifespan hooks.
 *
 * @example
 * ```ts
 * import type { AppObject } from "./types.ts";
 *
 * let greeting = "";
 * const app = {
 *   startup() {
 *     greeting = "Hello, World!\n";
 *   },
 *   fetch: () => new Response(greeting),
 * } satisfies AppObject;
 * await app.startup();
 * console.log(await app.fetch().text());
 * ```
 */
export interface AppObject {
  /** Answers one request. */
  fetch(request: Request, ctx: Context): Response | Promise<Response>;
  /** Runs once per worker before it accepts connections; a throw is a boot failure. */
  startup?(ctx: LifespanContext): void | Promise<void>;
  /** Runs once per worker after it has drained its connections. */
  shutdown?(): void | Promise<void>;
}

/**
 * An app: either form. Whatever a module exports for a server to run.
 *
 * @example
 * ```ts
 * import type { App } from "./types.ts";
 *
 * const asFunction: App = () => new Response("ok");
 * const asObject: App = { fetch: () => new Response("ok") };
 * ```
 */
export type App = Handler | AppObject;

/**
 * A middleware takes the app it wraps and returns a new app. A middleware that defines no
 * lifespan hooks passes the wrapped app's hooks through (see `compose`).
 *
 * @example Adding a header
 * ```ts
 * import type { Middleware } from "./types.ts";
 *
 * const poweredBy: Middleware = (app) => async (request, ctx) => {
 *   const response = await app.fetch(request, ctx);
 *   // Copy the headers: a Response from fetch() has immutable ones.
 *   const headers = new Headers(response.headers);
 *   headers.set("x-powered-by", "ngw2f");
 *   return new Response(response.body, { status: response.status, headers });
 * };
 * ```
 */
export type Middleware = (app: AppObject) => App;
