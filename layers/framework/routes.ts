/**
 * What the app and its blueprints share: views, hooks and error handlers, their scope, and the
 * methods that add them (`get`, `post`, …, `before`, `after`, `teardown`, `errorHandler`).
 *
 * @module
 */

import type { HttpError, RuleOptions } from "../toolkit/mod.ts";
import type { RequestContext } from "./context.ts";
import type { ViewResult } from "./response.ts";

/** A view: answers one request. */
export type View<State extends Record<string, unknown> = Record<string, unknown>> = (
  c: RequestContext<State>,
) => ViewResult | Promise<ViewResult>;

/** A before-request hook: returning a result answers the request instead of the view. */
export type BeforeHook<State extends Record<string, unknown> = Record<string, unknown>> = (
  c: RequestContext<State>,
) => ViewResult | void | Promise<ViewResult | void>;

/** An after-request hook: may change or replace the response. */
export type AfterHook<State extends Record<string, unknown> = Record<string, unknown>> = (
  c: RequestContext<State>,
  response: Response,
) => Response | void | Promise<Response | void>;

/** A teardown hook: runs after every request, with the error that ended it, if any. */
export type TeardownHook<State extends Record<string, unknown> = Record<string, unknown>> = (
  c: RequestContext<State>,
  error: unknown,
) => void | Promise<void>;

/** An error handler: turns an error into a result. */
export type ErrorHandler<
  E = unknown,
  State extends Record<string, unknown> = Record<string, unknown>,
> = (c: RequestContext<State>, error: E) => ViewResult | Promise<ViewResult>;

/** What {@linkcode App.route} takes besides the rule. */
export interface RouteOptions extends Omit<RuleOptions, "methods"> {
  /** Methods allowed (default `["GET"]`; HEAD follows GET, OPTIONS is automatic). */
  methods?: readonly string[];
  /** The endpoint name (default: the view function's name, else the rule). */
  endpoint?: string;
  /** `false`: no CSRF check on this route (an API taking tokens, a webhook). */
  csrf?: boolean;
}

/** An error class an error handler is registered for. */
export type ErrorClass = abstract new (...args: never[]) => unknown;

/** The hooks and handlers of the app or of one blueprint. */
export interface Scope<State extends Record<string, unknown> = Record<string, unknown>> {
  /** Before-request hooks, in order. */
  before: BeforeHook<State>[];
  /** After-request hooks (run last-registered first). */
  after: AfterHook<State>[];
  /** Teardown hooks. */
  teardown: TeardownHook<State>[];
  /** Error handlers by HTTP status. */
  byStatus: Map<number, ErrorHandler<HttpError, State>>;
  /** Error handlers by error class, in registration order. */
  byClass: [ErrorClass, ErrorHandler<unknown, State>][];
}

/** A fresh, empty scope. */
export function emptyScope<State extends Record<string, unknown>>(): Scope<State> {
  return { before: [], after: [], teardown: [], byStatus: new Map(), byClass: [] };
}

/** Registers an error handler on `scope`. */
export function registerErrorHandler<State extends Record<string, unknown>>(
  scope: Scope<State>,
  key: number | ErrorClass,
  handler: ErrorHandler<unknown, State>,
): void {
  if (typeof key === "number") {
    if (!Number.isInteger(key) || key < 400 || key > 599) {
      throw new RangeError(`Cannot handle status ${key}: error handlers take 400–599`);
    }
    scope.byStatus.set(key, handler as ErrorHandler<HttpError, State>);
  } else scope.byClass.push([key, handler]);
}

/**
 * Routes, hooks and error handlers, as the app and a blueprint both add them: subclasses say
 * what `route()` does with a rule; the rest is the same for both.
 */
export abstract class Routes<State extends Record<string, unknown> = Record<string, unknown>> {
  /** Its own hooks and error handlers. */
  readonly scope: Scope<State> = emptyScope();

  /** Adds a rule answered by `view`. */
  abstract route(rule: string, view: View<State>, options?: RouteOptions): this;

  /** `route(rule, view, { methods: ["GET"] })`. */
  get(rule: string, view: View<State>, options: RouteOptions = {}): this {
    return this.route(rule, view, { ...options, methods: ["GET"] });
  }

  /** `route(rule, view, { methods: ["POST"] })`. */
  post(rule: string, view: View<State>, options: RouteOptions = {}): this {
    return this.route(rule, view, { ...options, methods: ["POST"] });
  }

  /** `route(rule, view, { methods: ["PUT"] })`. */
  put(rule: string, view: View<State>, options: RouteOptions = {}): this {
    return this.route(rule, view, { ...options, methods: ["PUT"] });
  }

  /** `route(rule, view, { methods: ["PATCH"] })`. */
  patch(rule: string, view: View<State>, options: RouteOptions = {}): this {
    return this.route(rule, view, { ...options, methods: ["PATCH"] });
  }

  /** `route(rule, view, { methods: ["DELETE"] })`. */
  delete(rule: string, view: View<State>, options: RouteOptions = {}): this {
    return this.route(rule, view, { ...options, methods: ["DELETE"] });
  }

  /** Runs `hook` before each view of this scope; a hook that returns a result answers instead. */
  before(hook: BeforeHook<State>): this {
    this.scope.before.push(hook);
    return this;
  }

  /** Runs `hook` on each response of this scope (last registered runs first, as in Flask). */
  after(hook: AfterHook<State>): this {
    this.scope.after.push(hook);
    return this;
  }

  /** Runs `hook` after each request of this scope, even when it failed. */
  teardown(hook: TeardownHook<State>): this {
    this.scope.teardown.push(hook);
    return this;
  }

  /**
   * Handles an HTTP status (`404`) or an error class (`TypeError`, `NotFound`) in this scope;
   * the most specific class wins (a subclass over its parent), then a status handler; a
   * blueprint's handlers come before the app's.
   */
  errorHandler<E>(
    key: number | (abstract new (...args: never[]) => E),
    handler: ErrorHandler<E, State>,
  ): this {
    registerErrorHandler(this.scope, key, handler as ErrorHandler<unknown, State>);
    return this;
  }
}
