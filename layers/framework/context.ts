/**
 * What a view, a hook and an error handler get: one explicit object per request — the request
 * wrapper, the route's params, the app, per-request state (Flask's `g`), the session once the
 * app has one, and `urlFor`. No globals, so no "working outside of application context".
 *
 * @module
 */

import type { Context } from "../gateway/mod.ts";
import type { BuildOptions, RequestWrapper } from "../toolkit/mod.ts";
import {
  type CsrfProtect,
  flash,
  getFlashed,
  type GetFlashedOptions,
  type Session,
} from "./session/mod.ts";

/** The app as a request sees it. */
export interface AppLike {
  /** The app's name (logs, the debug page). */
  readonly name: string;
  /** Opens the session of `request`. */
  openSession(request: Request): Promise<Session>;
  /** The app's CSRF protection. */
  csrf(): CsrfProtect;
  /** Renders a template for a request (see {@linkcode RequestContext.render}). */
  render(c: RequestContext, name: string, vars?: Record<string, unknown>): Promise<string>;
  /** Builds a URL for `endpoint` (see {@linkcode RequestContext.urlFor}). */
  urlFor(
    endpoint: string,
    params?: Record<string, unknown>,
    options?: UrlForOptions,
    base?: { host?: string; scheme?: string; rootPath?: string },
  ): string;
}

/** Options of `urlFor`: Flask's `_external`, `_anchor`, `_scheme`, `_method`. */
export interface UrlForOptions {
  /** An absolute URL (`http://host/path`). */
  external?: boolean;
  /** A fragment (`#top`), encoded. */
  anchor?: string;
  /** The scheme of an absolute URL (implies `external`). */
  scheme?: string;
  /** The method the rule must allow. */
  method?: string;
}

/** One request's context. `State` types `g`. */
export class RequestContext<State extends Record<string, unknown> = Record<string, unknown>> {
  /** The request wrapper (args, form, files, json, cookies, accept, …). */
  readonly request: RequestWrapper;
  /** The gateway context (client address, worker, signal, log, waitUntil). */
  readonly ctx: Context;
  /** The app. */
  readonly app: AppLike;
  /** The matched endpoint (`"index"`, `"notes.show"`), or `null` before routing or on a 404. */
  endpoint: string | null = null;
  /** The route's converted params. */
  params: Record<string, unknown> = {};
  /** Per-request storage (Flask's `g`), empty at the start of every request. */
  get g(): Partial<State> {
    return this.#g ??= {};
  }
  #g: Partial<State> | undefined;
  #responseHeaders: Headers | null = null;
  /** Headers every response of this request gets (set by hooks before the view answers). */
  get responseHeaders(): Headers {
    return this.#responseHeaders ??= new Headers();
  }
  /** Whether {@linkcode RequestContext.responseHeaders} was used. */
  get hasResponseHeaders(): boolean {
    return this.#responseHeaders !== null;
  }
  /** Functions `after_this_request` registered: run on the response, in order. */
  get afterThisRequest(): ((response: Response) => Response | Promise<Response>)[] {
    return this.#after ??= [];
  }
  #after: ((response: Response) => Response | Promise<Response>)[] | undefined;
  /** Whether {@linkcode RequestContext.after} was called. */
  get hasAfterThisRequest(): boolean {
    return this.#after !== undefined && this.#after.length > 0;
  }

  /** The context of `request` in `app`. */
  constructor(request: RequestWrapper, ctx: Context, app: AppLike) {
    this.request = request;
    this.ctx = ctx;
    this.app = app;
  }

  #session: Promise<Session> | null = null;

  /**
   * This request's session (a signed cookie: nothing lives in worker memory). Opened on first
   * use; saved into the response when it changed. Needs the app's `SECRET_KEY` to change it.
   */
  session(): Promise<Session> {
    return this.#session ??= this.app.openSession(this.raw);
  }

  /** The session, if this request opened it. */
  get openedSession(): Promise<Session> | null {
    return this.#session;
  }

  /** Flashes a message for the next request that shows them (Flask's `flash`). */
  async flash(message: string, category = "message"): Promise<void> {
    flash(await this.session(), message, category);
  }

  /** The flashed messages, consumed (Flask's `get_flashed_messages`). */
  async flashed(options: GetFlashedOptions = {}): Promise<string[] | [string, string][]> {
    return getFlashed(await this.session(), options as never) as string[] | [string, string][];
  }

  /**
   * Renders template `name` as an HTML page (Flask's `render_template`), with `request`, `g`,
   * `url_for`, the session, `get_flashed_messages` and `csrf_token` available in it.
   */
  async render(name: string, vars: Record<string, unknown> = {}): Promise<Response> {
    const html = await this.app.render(this as never, name, vars);
    return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
  }

  /**
   * Renders template `name` as a streamed HTML page: the response starts when the template
   * is rendered (Nunjucks renders whole pages, so the body is one chunk).
   */
  renderStream(name: string, vars: Record<string, unknown> = {}): Response {
    const app = this.app;
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        controller.enqueue(encoder.encode(await app.render(this as never, name, vars)));
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } });
  }

  /** The CSRF token for this session's forms (`<input name="csrf_token" value="…">`). */
  async csrfToken(): Promise<string> {
    return await this.app.csrf().token(await this.session());
  }

  /** The raw Fetch `Request`. */
  get raw(): Request {
    return this.request.request;
  }

  /**
   * Builds a URL for `endpoint` (`"notes.show"`; `".show"` is relative to the current
   * blueprint), with `params` filling the rule and the rest going to the query string.
   * Relative to this request's mount point; absolute with `external` or another `scheme`.
   */
  urlFor(
    endpoint: string,
    params: Record<string, unknown> = {},
    options: UrlForOptions = {},
  ): string {
    if (endpoint.startsWith(".")) {
      const current = this.endpoint ?? "";
      const dot = current.lastIndexOf(".");
      endpoint = dot === -1 ? endpoint.slice(1) : current.slice(0, dot) + endpoint;
    }
    return this.app.urlFor(endpoint, params, options, {
      host: this.request.host,
      scheme: this.request.scheme,
      rootPath: this.request.rootPath,
    });
  }

  /** Runs `fn` on this request's response (Flask's `after_this_request`). */
  after(fn: (response: Response) => Response | Promise<Response>): void {
    this.afterThisRequest.push(fn);
  }
}

/** Re-exported for `urlFor`'s callers. */
export type { BuildOptions };
