/**
 * The framework layer (Flask's job): an app object with routes on the toolkit's `RouteMap`,
 * explicit request contexts, views that return strings, objects, tuples or Responses, hooks,
 * error handlers, blueprints and class-based views.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { App } from "./mod.ts";
 * import { Client } from "../toolkit/mod.ts";
 *
 * const app = new App()
 *   .get("/", function index() { return "Hello, World!"; })
 *   .get("/notes/<int:id>", function note(c) { return { id: c.params.id, url: c.urlFor("note", { id: 1 }) }; });
 * const client = new Client(app);
 * assert.equal(await (await client.get("/")).text(), "Hello, World!");
 * assert.deepEqual(await (await client.get("/notes/7")).json(), { id: 7, url: "/notes/1" });
 * ```
 *
 * @module
 */

export { App, type AppOptions } from "./app.ts";
export {
  type AfterHook,
  type BeforeHook,
  emptyScope,
  type ErrorClass,
  type ErrorHandler,
  registerErrorHandler,
  type RouteOptions,
  Routes,
  type Scope,
  type TeardownHook,
  type View,
} from "./routes.ts";
export { Blueprint, type RegisterOptions } from "./blueprint.ts";
export { type AppLike, RequestContext, type UrlForOptions } from "./context.ts";
export {
  type BodyValue,
  type HeadersValue,
  makeResponse,
  type ViewResult,
  ViewReturnError,
} from "./response.ts";
export { ClassView, type ClassViewFunction, MethodView, type ViewDecorator } from "./views.ts";
export * from "./config/mod.ts";
export * from "./session/mod.ts";
export * from "./templates/mod.ts";
export { abort, json, redirect, sendFile, sendFromDirectory, stream } from "./helpers.ts";
