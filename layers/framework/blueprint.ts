/**
 * Blueprints (Flask's `Blueprint`): a group of routes with its own URL prefix, hooks and error
 * handlers, registered on an app (or nested in another blueprint). Its endpoints are named
 * `blueprint.view`; a nested one `parent.child.view`. Its hooks run for its own routes only,
 * after the app's (and the parent's) before-hooks and before their after-hooks.
 *
 * @module
 */

import { resolve } from "node:path";
import type { App } from "./app.ts";
import { type BeforeHook, type RouteOptions, Routes, type Scope, type View } from "./routes.ts";

/** How a blueprint is registered. */
export interface RegisterOptions {
  /** Prefix for its rules (`/admin`); default: the blueprint's own. */
  urlPrefix?: string;
  /** Its name in endpoints (default: the blueprint's own), to register one twice. */
  name?: string;
}

interface BlueprintRoute<State extends Record<string, unknown>> {
  rule: string;
  view: View<State>;
  options: RouteOptions;
}

/** A group of routes, hooks and error handlers. */
export class Blueprint<State extends Record<string, unknown> = Record<string, unknown>>
  extends Routes<State> {
  /** Its name: the first part of its endpoints. */
  readonly name: string;
  /** Its URL prefix (`/notes`), or `""`. */
  readonly urlPrefix: string;
  /** Its folders, relative to the app or absolute: for the app's templates and static files. */
  readonly templateFolder: string | null;
  /** Its static folder, served under `<prefix>/static` by the app, or null. */
  readonly staticFolder: string | null;
  readonly #routes: BlueprintRoute<State>[] = [];
  readonly #children: [Blueprint<State>, RegisterOptions][] = [];

  /** A blueprint named `name` (letters, digits, "_" and "-"). */
  constructor(
    name: string,
    options: { urlPrefix?: string; templateFolder?: string; staticFolder?: string } = {},
  ) {
    super();
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
      throw new TypeError(`Cannot name a blueprint "${name}": use letters, digits, "_" and "-"`);
    }
    this.name = name;
    this.urlPrefix = (options.urlPrefix ?? "").replace(/\/+$/, "");
    this.templateFolder = options.templateFolder ?? null;
    this.staticFolder = options.staticFolder ?? null;
  }

  /** Adds a rule answered by `view` (its endpoint becomes `name.endpoint`). */
  route(rule: string, view: View<State>, options: RouteOptions = {}): this {
    this.#routes.push({ rule, view, options });
    return this;
  }

  /** A before-request hook for every request of the app (Flask's `before_app_request`). */
  beforeAppRequest(hook: BeforeHook<State>): this {
    this.#appHooks.push(hook);
    return this;
  }

  readonly #appHooks: BeforeHook<State>[] = [];

  /** Nests `child` (its endpoints become `name.child.view`, its prefix goes after this one). */
  register(child: Blueprint<State>, options: RegisterOptions = {}): this {
    if (child === this) {
      throw new TypeError(`Cannot register the blueprint "${this.name}" on itself`);
    }
    this.#children.push([child, options]);
    return this;
  }

  /** Adds this blueprint's routes (and its children's) to `app`. */
  registerOn(
    app: App<State>,
    options: RegisterOptions = {},
    parent: { prefix: string; name: string; scopes: Scope<State>[] } = {
      prefix: "",
      name: "",
      scopes: [app.scope],
    },
  ): void {
    for (const hook of this.#appHooks) app.before(hook);
    const name = parent.name + (options.name ?? this.name);
    const prefix = parent.prefix + (options.urlPrefix?.replace(/\/+$/, "") ?? this.urlPrefix);
    const scopes = [...parent.scopes, this.scope];
    for (const { rule, view, options: routeOptions } of this.#routes) {
      const endpoint = routeOptions.endpoint ??
        (view.name && view.name !== "anonymous" ? view.name : rule);
      const full = prefix + (rule === "/" && prefix ? "/" : rule);
      app.addRoute(full, view, { ...routeOptions, endpoint: `${name}.${endpoint}` }, scopes);
    }
    if (this.templateFolder !== null) app.addTemplateFolder(this.templateFolder);
    if (this.staticFolder !== null) {
      app.addStatic(
        `${prefix}/static`,
        resolve(app.root, this.staticFolder),
        `${name}.static`,
        scopes,
      );
    }
    for (const [child, childOptions] of this.#children) {
      child.registerOn(app, childOptions, { prefix, name: `${name}.`, scopes });
    }
  }
}
