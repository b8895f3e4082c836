/**
 * The `Rule` a map holds for each `add()`: the rule string, its endpoint and every option, as
 * Werkzeug's `Rule` (read-only; the map compiles it).
 *
 * @module
 */

/** Params as a match returns them: converted values by variable name. */
export type Params = Record<string, unknown>;

/** Where a rule redirects to: a rule-like string (`"/new/<id>"`) or a function of the params. */
export type RedirectTarget<P = Params> = string | ((params: P, rule: Rule) => string);

/** Options of a rule (Werkzeug's `Rule` keyword arguments, camel-cased). */
export interface RuleOptions<P = Params> {
  /** Methods the rule answers (default `["GET"]`); `HEAD` is added wherever `GET` is. */
  methods?: readonly string[];
  /**
   * Values the rule adds to the params; a rule of the same endpoint with these values as
   * variables redirects to this one (`/page/` with `{ page: 1 }` beats `/page/1`).
   */
  defaults?: Readonly<Record<string, unknown>>;
  /** The subdomain the rule matches (needs the map's `serverName`): `"api"` or `"<user>"`. */
  subdomain?: string;
  /** The host the rule matches when the map has `hostMatching`: `"<user>.example.com"`. */
  host?: string;
  /** Redirect `/a` to `/a/` for a rule `/a/`, and 404 `/a/` for a rule `/a` (default: map's). */
  strictSlashes?: boolean;
  /** Redirect `/a//b` to `/a/b` when this rule matches the merged path (default: map's). */
  mergeSlashes?: boolean;
  /** Redirect matching requests here instead of matching. */
  redirectTo?: RedirectTarget<P>;
  /** An alias redirects to the URL the endpoint builds with the same params. */
  alias?: boolean;
  /** Match only WebSocket upgrade requests (and only those). */
  websocket?: boolean;
  /** Used to build URLs, never to match. */
  buildOnly?: boolean;
}

/** What {@linkcode Rule} is made from. */
export interface RuleInit {
  /** The rule string. */
  readonly rule: string;
  /** The endpoint name. */
  readonly endpoint: string;
  /** Methods, upper-case, with `HEAD` when `GET`. */
  readonly methods: readonly string[];
  /** Variable names (host or subdomain first, then path), in order. */
  readonly variables: readonly string[];
  /** The resolved options. */
  readonly options: RuleOptions;
  /** The subdomain after the map's default. */
  readonly subdomain: string;
  /** The map's strict-slashes default. */
  readonly strictSlashes: boolean;
  /** The map's merge-slashes default. */
  readonly mergeSlashes: boolean;
}

/**
 * One rule of a map, as `add()` made it (read-only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RouteMap } from "./route_map.ts";
 *
 * const map = new RouteMap().add("/user/<int:id>", "user", { methods: ["GET", "POST"] });
 * const [rule] = map.rules();
 * assert.equal(rule.endpoint, "user");
 * assert.deepEqual(rule.methods, ["GET", "HEAD", "POST"]);
 * assert.deepEqual([...rule.arguments], ["id"]);
 * ```
 */
export class Rule {
  /** The rule string as written. */
  readonly rule: string;
  /** The endpoint name. */
  readonly endpoint: string;
  /** The methods, upper-case, sorted, `HEAD` included wherever `GET` is. */
  readonly methods: readonly string[];
  /** Values added to the params. */
  readonly defaults: Readonly<Record<string, unknown>> | undefined;
  /** The subdomain pattern (`""` for the map's default subdomain when it is empty). */
  readonly subdomain: string;
  /** The host pattern, with host matching. */
  readonly host: string | undefined;
  /** Whether a missing trailing slash redirects and an extra one is a 404. */
  readonly strictSlashes: boolean;
  /** Whether `//` in the request redirects to the merged path. */
  readonly mergeSlashes: boolean;
  /** Whether the rule matches only WebSocket requests. */
  readonly websocket: boolean;
  /** Whether the rule redirects to its endpoint's canonical URL. */
  readonly alias: boolean;
  /** Whether the rule only builds. */
  readonly buildOnly: boolean;
  /** Where matching requests are redirected. */
  readonly redirectTo: RedirectTarget | undefined;
  /** Variable names in the host / subdomain and path, in order. */
  readonly variables: readonly string[];
  /** Variable names and default keys: what building needs. */
  readonly arguments: ReadonlySet<string>;

  /** Makes a rule; use `RouteMap.add()` rather than this. */
  constructor(init: RuleInit) {
    const options = init.options;
    this.rule = init.rule;
    this.endpoint = init.endpoint;
    this.methods = Object.freeze([...init.methods]);
    this.defaults = options.defaults ? Object.freeze({ ...options.defaults }) : undefined;
    this.subdomain = init.subdomain;
    this.host = options.host;
    this.strictSlashes = options.strictSlashes ?? init.strictSlashes;
    this.mergeSlashes = options.mergeSlashes ?? init.mergeSlashes;
    this.websocket = options.websocket === true;
    this.alias = options.alias === true;
    this.buildOnly = options.buildOnly === true;
    this.redirectTo = options.redirectTo as RedirectTarget | undefined;
    this.variables = Object.freeze([...init.variables]);
    this.arguments = new Set([...init.variables, ...Object.keys(this.defaults ?? {})]);
  }

  /** The rule as `GET,HEAD /user/<int:id> -> user`, for logs and errors. */
  toString(): string {
    const where = this.host ?? (this.subdomain ? `${this.subdomain}.` : "");
    return `${this.methods.join(",")} ${where}${this.rule} -> ${this.endpoint}`;
  }
}
