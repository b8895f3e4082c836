/**
 * The framework's app (Flask's `Flask` object): routes on the toolkit's `RouteMap`, views that
 * take an explicit {@linkcode RequestContext} and return anything {@linkcode makeResponse}
 * turns into a response, before/after/teardown hooks, error handlers by status or by error
 * class, blueprints, and `urlFor`. The app is a gateway app object: `ngw2f serve app.ts`,
 * `deno serve` and the toolkit's test client all run it.
 *
 * @module
 */

import {
  type Context,
  createLogger,
  type LifespanContext,
  type Logger,
  testContext,
} from "../gateway/mod.ts";
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import {
  Client,
  type ClientOptions,
  editHeaders,
  HttpError,
  InternalServerError,
  isHttpError,
  type MatchOptions,
  type MatchResult,
  MethodNotAllowed,
  NotFound,
  parseSetCookie,
  RequestRedirect,
  RequestWrapper,
  type RequestWrapperOptions,
  RouteMap,
  type RuleOptions,
  sendFromDirectory,
} from "../toolkit/mod.ts";
import { RequestContext, type UrlForOptions } from "./context.ts";
import { makeResponse, type ViewResult } from "./response.ts";
import type { Blueprint, RegisterOptions } from "./blueprint.ts";
import {
  type ErrorClass,
  type ErrorHandler,
  type RouteOptions,
  Routes,
  type Scope,
  type View,
} from "./routes.ts";
import { Config, type ConfigSchema, FLASK_SCHEMA } from "./config/mod.ts";
import {
  type CsrfOptions,
  CsrfProtect,
  getFlashed,
  type Session,
  SessionError,
  SessionStore,
} from "./session/mod.ts";
import { Templates } from "./templates/mod.ts";

/** How an app is made. */
export interface AppOptions {
  /** The app's name (default `"app"`). */
  name?: string;
  /**
   * The app's folder, holding `templates/` and `static/`: a path or a `file:` URL (pass
   * `new URL(".", import.meta.url)`); default: the working directory.
   */
  root?: string | URL;
  /** The static folder, relative to `root` (default `"static"`); `null`: no static route. */
  staticFolder?: string | null;
  /** Where static files are served (default `"/static"`), endpoint `static`. */
  staticUrlPath?: string;
  /** `Cache-Control: max-age` of static files in seconds (Flask's SEND_FILE_MAX_AGE_DEFAULT); default none (no-cache, revalidated by ETag). */
  staticMaxAge?: number | null;
  /** Options for every request wrapper (body limits, trusted proxies). */
  request?: RequestWrapperOptions;
  /** Log unhandled errors here (default: the gateway context's log). */
  onError?: (error: unknown, c: RequestContext) => void;
  /**
   * Debug mode: an unhandled error is thrown on to the server (after teardown) instead of
   * answered with a 500, so `ngw2f dev --debug` shows its debug page (Flask's
   * PROPAGATE_EXCEPTIONS). Default: on when `NGW2F_DEBUG=1`, which `ngw2f dev --debug` sets.
   */
  debug?: boolean;
  /** Where the app warns outside requests; default: a logger on stderr tagged with the name. */
  log?: Logger;
  /** The app's own typed config keys, added to Flask's (`{ DATABASE: { type: "string", default: "app.db" } }`). */
  configSchema?: ConfigSchema;
  /** Config values over Flask's defaults (`SECRET_KEY`, `SESSION_COOKIE_SECURE`, …). */
  config?: Record<string, unknown>;
  /**
   * CSRF protection for forms (Flask-WTF's CSRFProtect): unsafe methods need the session's
   * token in the `csrf_token` field or an `X-CSRFToken` header; a route opts out with
   * `{ csrf: false }`. Default off.
   */
  csrf?: boolean | Omit<CsrfOptions, "secretKey" | "fallbackKeys">;
}

/** One registered endpoint: its view and the scopes (app first) whose hooks apply. */
interface Endpoint<State extends Record<string, unknown>> {
  view: View<State>;
  scopes: Scope<State>[];
  /** Whether unsafe methods need a CSRF token here. */
  csrf: boolean;
  /** No hook in any of its scopes (checked per request: hooks may be added later). */
  readonly plain: boolean;
}

/**
 * Match options read from the request only when the router needs them (a redirect's query
 * and root path, a host rule, a WebSocket rule): most matches need none of them.
 */
class LazyMatchOptions implements MatchOptions {
  readonly #req: RequestWrapper;
  readonly #websockets: boolean;
  constructor(req: RequestWrapper, websockets: boolean) {
    this.#req = req;
    this.#websockets = websockets;
  }
  get host(): string {
    return this.#req.host;
  }
  get scheme(): string {
    return this.#req.scheme;
  }
  get query(): string {
    return this.#req.queryString;
  }
  get rootPath(): string {
    return this.#req.rootPath;
  }
  get websocket(): boolean {
    // Reading the request's headers costs a copy out of Deno.serve: only when a rule cares.
    return this.#websockets && this.#req.isWebsocket;
  }
}

/** The framework's app. */
export class App<State extends Record<string, unknown> = Record<string, unknown>>
  extends Routes<State> {
  /** The app's name. */
  readonly name: string;
  /** The URL map (the toolkit's `RouteMap`). */
  readonly urls: RouteMap = new RouteMap();
  readonly #endpoints = new Map<string, Endpoint<State>>();
  /** Whether a rule is for WebSockets (only then does matching read the Upgrade header). */
  #websockets = false;
  readonly #options: AppOptions;

  /** A new app. */
  constructor(options: AppOptions = {}) {
    super();
    this.name = options.name ?? "app";
    this.#options = options;
    this.log = options.log ?? createLogger({ tag: this.name });
    this.config = new Config({ ...FLASK_SCHEMA, ...options.configSchema }, {}, {
      warn: (message) => this.log.warn(message),
    });
    if (options.config) this.config.fromObject(options.config, "new App({ config })");
    this.debug = options.debug ?? (debugFromEnv() || this.config.get("DEBUG") === true);
    this.#csrfOptions = options.csrf ? (options.csrf === true ? {} : options.csrf) : null;
    const root = options.root;
    this.root = root === undefined
      ? Deno.cwd()
      : root instanceof URL || root.startsWith("file:")
      ? fileURLToPath(root)
      : resolve(root);
    const folder = options.staticFolder === undefined ? "static" : options.staticFolder;
    if (folder !== null) {
      this.addStatic(
        (options.staticUrlPath ?? "/static").replace(/\/+$/, ""),
        resolve(this.root, folder),
        "static",
        [this.scope],
      );
    }
  }

  /** The app's folder (absolute). */
  readonly root: string;
  /** Debug mode (see {@linkcode AppOptions.debug}). */
  readonly debug: boolean;
  /** The app's config: Flask's keys and defaults, then what the app loads (Flask's `app.config`). */
  readonly config: Config;
  /** Where the app warns outside requests (config typos, oversized session cookies). */
  readonly log: Logger;
  #csrfOptions: Omit<CsrfOptions, "secretKey" | "fallbackKeys"> | null;
  #sessions: SessionStore | null = null;
  #csrf: CsrfProtect | null = null;

  #requestOptions: RequestWrapperOptions | undefined;

  /** The request wrappers' options: the app's, over the config's body limits (first request). */
  #wrapperOptions(): RequestWrapperOptions {
    const config = this.config;
    const limits: RequestWrapperOptions = {};
    const max = config.get("MAX_CONTENT_LENGTH") as number | null;
    if (max !== null && max !== undefined) limits.maxContentLength = max;
    const memory = config.get("MAX_FORM_MEMORY_SIZE") as number | null;
    if (memory !== null && memory !== undefined) limits.maxFormMemorySize = memory;
    const parts = config.get("MAX_FORM_PARTS") as number | null;
    if (parts !== null && parts !== undefined) limits.maxFormParts = parts;
    return { ...limits, ...this.#options.request };
  }

  /** Opens the session of `request` (the store is made from the config on first use). */
  openSession(request: Request): Promise<Session> {
    return this.#sessionStore().open(request);
  }

  #sessionStore(): SessionStore {
    if (this.#sessions) return this.#sessions;
    const config = this.config;
    const sameSite = config.get("SESSION_COOKIE_SAMESITE") as "Lax" | "Strict" | "None" | null;
    const domain = config.get("SESSION_COOKIE_DOMAIN") as string | null;
    return this.#sessions = new SessionStore({
      secretKey: config.get("SECRET_KEY") as string | null,
      fallbackKeys: (config.get("SECRET_KEY_FALLBACKS") as string[] | null) ?? [],
      cookieName: config.get("SESSION_COOKIE_NAME") as string,
      ...(domain ? { domain } : {}),
      path: (config.get("SESSION_COOKIE_PATH") as string | null) ??
        (config.get("APPLICATION_ROOT") as string),
      httpOnly: config.get("SESSION_COOKIE_HTTPONLY") as boolean,
      secure: config.get("SESSION_COOKIE_SECURE") as boolean,
      sameSite,
      partitioned: config.get("SESSION_COOKIE_PARTITIONED") as boolean,
      permanentLifetime: config.get("PERMANENT_SESSION_LIFETIME") as number,
      refreshEachRequest: config.get("SESSION_REFRESH_EACH_REQUEST") as boolean,
      warn: (message) => this.log.warn(message),
    });
  }

  /** The app's CSRF protection (made from the config on first use). */
  csrf(): CsrfProtect {
    return this.#csrf ??= new CsrfProtect({
      ...(this.#csrfOptions ?? {}),
      secretKey: this.config.get("SECRET_KEY") as string | null,
      fallbackKeys: (this.config.get("SECRET_KEY_FALLBACKS") as string[] | null) ?? [],
    });
  }

  /**
   * The gateway's start-up hook: fails at once, with how to fix it, when CSRF protection is on
   * but no `SECRET_KEY` is set (sessions without one fail on their first change).
   */
  async startup(ctx?: LifespanContext): Promise<void> {
    if (this.#csrfOptions !== null && !this.config.get("SECRET_KEY")) {
      throw new SessionError(
        `Cannot start "${this.name}": CSRF protection needs a session, and sessions need ` +
          `SECRET_KEY: set it with new App({ config: { SECRET_KEY } }), app.config.fromToml(), ` +
          `or the APP_SECRET_KEY environment variable (app.config.fromPrefixedEnv()).`,
      );
    }
    for (const hook of this.#startupHooks) await hook(ctx);
  }

  /** The gateway's shutdown hook: runs the `onShutdown` hooks, last registered first. */
  async shutdown(): Promise<void> {
    for (const hook of [...this.#shutdownHooks].reverse()) await hook();
  }

  readonly #startupHooks: ((ctx?: LifespanContext) => void | Promise<void>)[] = [];
  readonly #shutdownHooks: (() => void | Promise<void>)[] = [];

  /** Runs `hook` when a worker starts, before it serves (open a database, warm a cache). */
  onStartup(hook: (ctx?: LifespanContext) => void | Promise<void>): this {
    this.#startupHooks.push(hook);
    return this;
  }

  /** Runs `hook` when a worker stops (close what `onStartup` opened). */
  onShutdown(hook: () => void | Promise<void>): this {
    this.#shutdownHooks.push(hook);
    return this;
  }

  /** Serves `directory` under `urlPath` (endpoint `endpoint`, param `filename`). */
  addStatic(urlPath: string, directory: string, endpoint: string, scopes: Scope<State>[]): this {
    const maxAge = this.#options.staticMaxAge ?? null;
    const serveStatic: View<State> = (c) =>
      sendFromDirectory(c.raw, directory, String(c.params.filename), {
        ...(maxAge === null ? {} : { maxAge }),
      });
    return this.addRoute(`${urlPath}/<path:filename>`, serveStatic, { endpoint }, scopes);
  }

  readonly #templateFolders: string[] = [];
  #templates: Templates | null = null;

  /** Adds a folder searched for templates after the app's own (blueprints call it). */
  addTemplateFolder(folder: string): this {
    if (this.#templates) {
      throw new Error(`Cannot add the template folder "${folder}": templates were already used`);
    }
    this.#templateFolders.push(resolve(this.root, folder));
    return this;
  }

  /**
   * The app's templates (Nunjucks, Jinja's syntax): its `templates/` folder, then each
   * blueprint's. Made on first use; auto-reloaded in debug mode or with TEMPLATES_AUTO_RELOAD.
   */
  get templates(): Templates {
    if (this.#templates) return this.#templates;
    const reload = this.config.get("TEMPLATES_AUTO_RELOAD") as boolean | null;
    return this.#templates = new Templates({
      folders: [resolve(this.root, "templates"), ...this.#templateFolders],
      autoReload: reload ?? this.debug,
    });
  }

  /**
   * Renders template `name` for request `c` (Flask's `render_template`): `vars`, plus
   * `request`, `g`, `urlFor`/`url_for`, `session` and `getFlashed`/`get_flashed_messages`
   * (when the app has a SECRET_KEY), `csrfToken`/`csrf_token` (with CSRF protection on).
   */
  async render(
    c: RequestContext<State>,
    name: string,
    vars: Record<string, unknown> = {},
  ): Promise<string> {
    const urlFor = (endpoint: string, params: Record<string, unknown> = {}) => {
      // Keyword arguments arrive as one object marked `__keywords` (Nunjucks' calling style).
      const { _external, _anchor, _scheme, _method, __keywords: _, ...rest } = params;
      return c.urlFor(endpoint, rest, {
        ...(_external ? { external: true } : {}),
        ...(typeof _anchor === "string" ? { anchor: _anchor } : {}),
        ...(typeof _scheme === "string" ? { scheme: _scheme } : {}),
        ...(typeof _method === "string" ? { method: _method } : {}),
      });
    };
    const helpers: Record<string, unknown> = {
      request: c.request,
      g: c.g,
      urlFor,
      url_for: urlFor,
    };
    if (this.config.get("SECRET_KEY")) {
      const session = await c.session();
      const flashed = (options: Record<string, unknown> = {}) =>
        getFlashed(session, {
          withCategories: options.with_categories === true || options.withCategories === true,
          ...(Array.isArray(options.category_filter ?? options.categoryFilter)
            ? { categoryFilter: (options.category_filter ?? options.categoryFilter) as string[] }
            : {}),
        } as never);
      Object.assign(helpers, {
        session,
        getFlashed: flashed,
        get_flashed_messages: flashed,
      });
      if (this.#csrfOptions !== null) {
        const token = await this.csrf().token(session);
        Object.assign(helpers, { csrfToken: () => token, csrf_token: () => token });
      }
    }
    return await this.templates.render(name, { ...helpers, ...vars });
  }

  /**
   * Runs one request through the app, as a test does (Hono's `app.request`): a path or URL
   * (relative to `http://localhost`) or a `Request`, with a test gateway context.
   */
  async request(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = input instanceof Request
      ? input
      : new Request(new URL(input, "http://localhost"), init);
    return await this.fetch(request, testContext());
  }

  /**
   * A test's access to `client`'s session (Flask's `session_transaction`): `edit` gets the
   * session its cookie holds; what it changes is saved back into the client's cookie jar.
   */
  async sessionTransaction(
    client: Client,
    edit: (session: Session) => void | Promise<void>,
  ): Promise<void> {
    const store = this.#sessionStore();
    const name = store.options.cookieName;
    const value = client.cookies.get(name);
    const request = new Request("http://localhost/", {
      headers: value === undefined ? {} : { cookie: `${name}=${value}` },
    });
    const session = await store.open(request);
    await edit(session);
    const headers = new Headers();
    await store.save(session, headers);
    for (const line of headers.getSetCookie()) {
      const cookie = parseSetCookie(line);
      if (cookie === null) continue;
      if (cookie.maxAge === 0) client.cookies.delete(cookie.name);
      else client.cookies.set(cookie.name, cookie.value);
    }
  }

  /** A test client for this app (the toolkit's: cookies kept, redirects on demand). */
  testClient(options: ClientOptions = {}): Client {
    return new Client(this, options);
  }

  /**
   * Adds a rule (`/notes/<int:id>`) answered by `view`. The endpoint is `options.endpoint`,
   * else the view's function name; one endpoint may have several rules, never two views.
   */
  route(rule: string, view: View<State>, options: RouteOptions = {}): this {
    return this.addRoute(rule, view, options, [this.scope]);
  }

  /** Adds a rule for an already named endpoint with the given hook scopes (blueprints use it). */
  addRoute(rule: string, view: View<State>, options: RouteOptions, scopes: Scope<State>[]): this {
    const { endpoint: named, csrf, ...ruleOptions } = options;
    const endpoint = named ?? (view.name && view.name !== "anonymous" ? view.name : rule);
    // A class-based view says which methods it has (MethodView: its get/post/… methods).
    const viewMethods = (view as { methods?: readonly string[] }).methods;
    if (ruleOptions.methods === undefined && viewMethods) ruleOptions.methods = viewMethods;
    const known = this.#endpoints.get(endpoint);
    if (known && known.view !== view) {
      throw new Error(
        `Cannot add "${rule}": the endpoint "${endpoint}" already has another view; name this one with { endpoint }`,
      );
    }
    if (ruleOptions.websocket) this.#websockets = true;
    this.urls.add(rule, endpoint, ruleOptions as RuleOptions);
    const csrfOn = () => this.#csrfOptions !== null;
    this.#endpoints.set(endpoint, {
      view,
      scopes,
      csrf: csrf !== false,
      get plain() {
        if (this.csrf && csrfOn()) return false;
        for (const scope of scopes) {
          if (scope.before.length || scope.after.length || scope.teardown.length) return false;
        }
        return true;
      },
    });
    return this;
  }

  /** Registers `blueprint`'s routes, hooks and error handlers (Flask's `register_blueprint`). */
  register(blueprint: Blueprint<State>, options: RegisterOptions = {}): this {
    blueprint.registerOn(this, options);
    return this;
  }

  /** Builds a URL (Flask's `url_for`); a request's `c.urlFor` fills in its host and root. */
  urlFor(
    endpoint: string,
    params: Record<string, unknown> = {},
    options: UrlForOptions = {},
    base: { host?: string; scheme?: string; rootPath?: string } = {},
  ): string {
    const { external, anchor, scheme, method } = options;
    return this.urls.build(endpoint as never, params as never, {
      ...(method ? { method } : {}),
      ...(external || scheme ? { external: true } : {}),
      ...(scheme ?? base.scheme ? { scheme: scheme ?? base.scheme } : {}),
      ...(base.host ? { host: base.host } : {}),
      ...(anchor !== undefined ? { anchor } : {}),
      ...(base.rootPath ? { rootPath: base.rootPath } : {}),
    });
  }

  /**
   * The gateway entry point: answers `request`. A view with no hooks on its way that answers
   * synchronously is answered synchronously (no promise, no microtask).
   */
  fetch = (request: Request, ctx: Context): Response | Promise<Response> => {
    const req = new RequestWrapper(request, ctx, this.#requestOptions ??= this.#wrapperOptions());
    const c = new RequestContext<State>(req, ctx, this);
    let result: MatchResult;
    try {
      result = this.urls.match(req.method, req.path, new LazyMatchOptions(req, this.#websockets));
    } catch (error) {
      return this.#run(c, [this.scope], null, undefined, error);
    }
    if (result.kind !== "match") return this.#run(c, [this.scope], result);
    const endpoint = this.#endpoints.get(result.endpoint)!;
    c.endpoint = result.endpoint;
    c.params = result.params as Record<string, unknown>;
    if (!endpoint.plain) return this.#run(c, endpoint.scopes, result);
    let out: ViewResult | Promise<ViewResult>;
    try {
      out = endpoint.view(c);
    } catch (error) {
      return this.#run(c, endpoint.scopes, result, undefined, error);
    }
    if (out instanceof Promise || c.hasAfterThisRequest || c.hasResponseHeaders) {
      return this.#run(c, endpoint.scopes, result, out);
    }
    let response: Response;
    try {
      response = makeResponse(out, result.endpoint);
    } catch (error) {
      return this.#run(c, endpoint.scopes, result, undefined, error);
    }
    return request.method === "HEAD" && response.body !== null
      ? new Response(null, response)
      : response;
  };

  /**
   * The general path: before hooks, the view (or its `pending` result, or the `thrown` error),
   * error handlers, after hooks, teardown.
   */
  async #run(
    c: RequestContext<State>,
    scopes: Scope<State>[],
    result: MatchResult | null,
    pending?: ViewResult | Promise<ViewResult>,
    thrown?: unknown,
  ): Promise<Response> {
    let response: Response;
    let failure: unknown = undefined;
    try {
      if (thrown !== undefined) throw thrown;
      if (result === null) throw new InternalServerError();
      if (pending !== undefined) response = makeResponse(await pending, c.endpoint!);
      else if (result.kind === "match") {
        const endpoint = this.#endpoints.get(result.endpoint)!;
        if (this.#csrfOptions !== null && endpoint.csrf) await this.#checkCsrf(c);
        const answered = await runBefore(scopes, c);
        response = answered === undefined
          ? makeResponse(await endpoint.view(c), result.endpoint)
          : makeResponse(answered, result.endpoint);
      } else {
        const answered = await runBefore(scopes, c);
        if (answered !== undefined) response = makeResponse(answered, "before_request");
        else if (result.kind === "options") {
          response = new Response(null, {
            status: 200,
            headers: { allow: result.allowed.join(", ") },
          });
        } else if (result.kind === "redirect") throw new RequestRedirect(result.location);
        else if (result.kind === "method_not_allowed") throw new MethodNotAllowed(result.allowed);
        else throw new NotFound();
      }
    } catch (error) {
      failure = error;
      if (this.debug && !isHttpError(error) && !findErrorHandler(scopes, error)) {
        await runTeardown(scopes, c, error, (e) => this.#log(e, c));
        throw error;
      }
      response = await this.#handleError(c, scopes, error);
    }
    try {
      response = await runAfter(scopes, c, response);
      const opened = c.openedSession;
      if (opened) {
        const fields = new Headers();
        await this.#sessionStore().save(await opened, fields);
        response = editHeaders(response, (headers) => {
          for (const [name, value] of fields) {
            if (name === "set-cookie") headers.append(name, value);
            else headers.set(name, value);
          }
        });
      }
    } catch (error) {
      failure ??= error;
      response = await this.#handleError(c, scopes, error);
    }
    if (c.raw.method === "HEAD" && response.body !== null) {
      response = new Response(null, response);
    }
    await runTeardown(
      scopes,
      c,
      isHttpError(failure) ? undefined : failure,
      (e) => this.#log(e, c),
    );
    return response;
  }

  async #checkCsrf(c: RequestContext<State>): Promise<void> {
    const method = c.request.method;
    if (method === "GET" || method === "HEAD" || method === "OPTIONS" || method === "TRACE") {
      return;
    }
    const type = c.request.mimetype;
    const form = type === "application/x-www-form-urlencoded" || type === "multipart/form-data"
      ? await c.request.form()
      : undefined;
    await this.csrf().check(c.raw, await c.session(), form);
  }

  async #handleError(
    c: RequestContext<State>,
    scopes: Scope<State>[],
    error: unknown,
  ): Promise<Response> {
    const handler = findErrorHandler(scopes, error);
    if (handler) {
      try {
        return makeResponse(await handler(c, error as never), "error handler");
      } catch (again) {
        if (again !== error) return await this.#handleError(c, [this.scope], again);
      }
    }
    if (isHttpError(error)) return error.toResponse(c.raw);
    this.#log(error, c);
    // As Flask: a 500 handler gets an InternalServerError whose cause is what was thrown.
    const wrapped = new InternalServerError(undefined, { cause: error });
    const fallback = findErrorHandler(scopes, wrapped);
    if (fallback) {
      try {
        return makeResponse(await fallback(c, wrapped as never), "error handler");
      } catch (again) {
        this.#log(again, c);
      }
    }
    return new InternalServerError().toResponse(c.raw);
  }

  #log(error: unknown, c: RequestContext<State>): void {
    if (this.#options.onError) return this.#options.onError(error, c as RequestContext);
    c.ctx.log.error(
      `Cannot answer "${c.request.method} ${c.request.path}" (${c.endpoint ?? "no endpoint"})`,
      error,
    );
  }
}

/** The handler for `error`: innermost scope first; by class (most specific), then by status. */
function findErrorHandler<State extends Record<string, unknown>>(
  scopes: Scope<State>[],
  error: unknown,
): ErrorHandler<unknown, State> | undefined {
  for (const scope of [...scopes].reverse()) {
    let best: [ErrorClass, ErrorHandler<unknown, State>] | undefined;
    for (const entry of scope.byClass) {
      if (error instanceof (entry[0] as new () => unknown)) {
        if (!best || (entry[0] as ErrorClass).prototype instanceof best[0]) best = entry;
      }
    }
    if (best) return best[1];
    if (error instanceof HttpError) {
      const byStatus = scope.byStatus.get(error.status);
      if (byStatus) return byStatus as ErrorHandler<unknown, State>;
    }
  }
  return undefined;
}

/** Whether `NGW2F_DEBUG=1` (false when the environment cannot be read). */
function debugFromEnv(): boolean {
  try {
    return Deno.env.get("NGW2F_DEBUG") === "1";
  } catch {
    return false;
  }
}

async function runTeardown<State extends Record<string, unknown>>(
  scopes: Scope<State>[],
  c: RequestContext<State>,
  error: unknown,
  log: (error: unknown) => void,
): Promise<void> {
  for (const scope of [...scopes].reverse()) {
    for (const hook of scope.teardown) {
      try {
        await hook(c, error);
      } catch (thrown) {
        log(thrown);
      }
    }
  }
}

async function runBefore<State extends Record<string, unknown>>(
  scopes: Scope<State>[],
  c: RequestContext<State>,
): Promise<ViewResult | void> {
  for (const scope of scopes) {
    for (const hook of scope.before) {
      const result = await hook(c);
      if (result !== undefined) return result;
    }
  }
  return undefined;
}

async function runAfter<State extends Record<string, unknown>>(
  scopes: Scope<State>[],
  c: RequestContext<State>,
  response: Response,
): Promise<Response> {
  if (c.hasAfterThisRequest) {
    for (const fn of c.afterThisRequest) response = await fn(response);
  }
  if (c.hasResponseHeaders) {
    response = editHeaders(response, (headers) => {
      for (const [name, value] of c.responseHeaders) {
        if (!headers.has(name)) headers.set(name, value);
      }
    });
  }
  for (const scope of [...scopes].reverse()) {
    for (const hook of [...scope.after].reverse()) {
      const result = await hook(c, response);
      if (result instanceof Response) response = result;
    }
  }
  return response;
}
