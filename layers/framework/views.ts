/**
 * Class-based views (Flask's `View` and `MethodView`). A `View` subclass implements
 * `dispatchRequest`; `asView()` makes the function the app routes to, with a fresh instance
 * per request (no state leaks between requests) and the class's `decorators` applied. A
 * `MethodView` routes by method to its `get`, `post`, `put`, `patch` and `delete` methods, and
 * those it defines are the methods its rule allows.
 *
 * @module
 */

import { MethodNotAllowed } from "../toolkit/mod.ts";
import type { View as ViewFunction } from "./routes.ts";
import type { RequestContext } from "./context.ts";
import type { ViewResult } from "./response.ts";

/** A function wrapping a view (a decorator). */
export type ViewDecorator = (view: ViewFunction) => ViewFunction;

/** A view function made from a class: it carries the methods its rule allows. */
export type ClassViewFunction = ViewFunction & { methods?: readonly string[] };

/** Flask's `View`: override `dispatchRequest`. */
export abstract class ClassView {
  /** Methods the rule allows (default GET, or a MethodView's own). */
  static methods?: readonly string[];
  /** Decorators applied to the view function, first one innermost. */
  static decorators: ViewDecorator[] = [];

  /** Answers a request. */
  abstract dispatchRequest(c: RequestContext): ViewResult | Promise<ViewResult>;

  /**
   * The view function for this class, named `name` (the endpoint); `args` go to the
   * constructor of the instance made for each request.
   */
  static asView<T extends ClassView, A extends unknown[]>(
    this: (new (...args: A) => T) & { methods?: readonly string[]; decorators: ViewDecorator[] },
    name: string,
    ...args: A
  ): ClassViewFunction {
    let view: ViewFunction = (c) => new this(...args).dispatchRequest(c);
    for (const decorate of this.decorators) view = decorate(view);
    Object.defineProperty(view, "name", { value: name });
    const methods = this.methods;
    if (methods) (view as ClassViewFunction).methods = methods;
    return view as ClassViewFunction;
  }
}

const VERBS = ["get", "post", "put", "patch", "delete", "options"] as const;
type Verb = typeof VERBS[number];
type VerbHandler = (c: RequestContext) => ViewResult | Promise<ViewResult>;

/** Flask's `MethodView`: define `get`, `post`, … ; the others answer 405. */
export abstract class MethodView extends ClassView {
  /** The methods this class defines (HEAD follows GET). */
  static override get methods(): readonly string[] {
    const found: string[] = [];
    for (const verb of VERBS) {
      if (typeof (this.prototype as unknown as Record<Verb, unknown>)[verb] === "function") {
        found.push(verb.toUpperCase());
      }
    }
    return found;
  }

  /** Calls the method named after the request's (HEAD uses `get`). */
  dispatchRequest(c: RequestContext): ViewResult | Promise<ViewResult> {
    const method = c.request.method.toLowerCase();
    const self = this as unknown as Partial<Record<string, VerbHandler>>;
    const handler = self[method] ?? (method === "head" ? self.get : undefined);
    if (typeof handler !== "function") {
      throw new MethodNotAllowed((this.constructor as typeof MethodView).methods);
    }
    return handler.call(this, c);
  }
}
