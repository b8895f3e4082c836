/**
 * URL routing with Werkzeug's semantics (`werkzeug.routing`), compiled: rules like
 * `/user/<int:id>` with typed params, converters, methods (405 with `Allow`, automatic
 * OPTIONS), strict and merged slashes, defaults, aliases, redirects, host and subdomain
 * matching, WebSocket rules, and URL building with helpful errors.
 *
 * Where we differ from Werkzeug, or it is silent:
 * - Rules allow `GET` (and `HEAD`) by default, as in Flask; every rule also answers `OPTIONS`
 *   (`{ kind: "options", allowed }`) unless one lists it, and `Allow` lists include `OPTIONS`.
 * - The path is percent-decoded once and matched decoded, except `%2F` and `%25`: an encoded
 *   slash never splits a segment (`/a/x%2Fy` gives `name: "x/y"` for `/a/<name>`), and
 *   building a `string` value encodes `/` as `%2F` (a `path` value keeps it). Bad escapes
 *   stay literal; bytes that are not UTF-8 become U+FFFD.
 * - A converter rejecting a value (`ValidationError`, an `int` out of `min`/`max`) makes the
 *   next rule be tried, as Werkzeug documents (its current matcher answers 404 instead).
 * - `int` matches ASCII digits and refuses values beyond `Number.MAX_SAFE_INTEGER`; `uuid`
 *   gives the lower-case string; string lengths count UTF-16 code units.
 * - Redirects (`308`) carry a path-absolute `Location` (with the root path and query), and an
 *   absolute URL only to another host or subdomain. `//` runs merge fully in one redirect.
 * - Rules without variables share one frozen result: treat match results as read-only.
 * - A rule's `defaults` may not name one of its variables (Werkzeug silently overrides it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RouteMap } from "./routing.ts";
 *
 * const map = new RouteMap()
 *   .add("/", "index")
 *   .add("/user/<int:id>/<name>", "user", { methods: ["GET", "POST"] })
 *   .add("/files/<path:rest>", "files")
 *   .add("/<any(about, help):page>", "page");
 *
 * const result = map.match("GET", "/user/42/ann");
 * assert.ok(result.kind === "match" && result.endpoint === "user");
 * const id: number = result.params.id;
 * assert.equal(id, 42);
 * assert.equal(map.match("PATCH", "/user/42/ann").kind, "method_not_allowed");
 * assert.equal(map.build("files", { rest: "a b/c.txt" }), "/files/a%20b/c.txt");
 * ```
 *
 * @module
 */

export { type BuildOptions, RouteMap, type RouteMapOptions } from "./route_map.ts";
export { BoundRouteMap } from "./bound_route_map.ts";
export { type Params, type RedirectTarget, Rule, type RuleOptions } from "./url_rule.ts";
export {
  type FailedResult,
  type MatchOptions,
  type MatchResult,
  type MethodNotAllowedResult,
  type NotFoundResult,
  type OptionsResult,
  type RedirectResult,
  resultError,
  type RouteMatch,
  WebsocketMismatch,
  type WebsocketMismatchResult,
} from "./match_result.ts";
export { BuildError, type BuildErrorInfo } from "./build.ts";
export {
  type Converter,
  type ConverterArg,
  type ConverterArgs,
  type ConverterDefinition,
  type ConverterFactory,
  quotePath,
  ValidationError,
} from "./converters.ts";
export { RuleSyntaxError } from "./rule.ts";
export type * from "./types.ts";
