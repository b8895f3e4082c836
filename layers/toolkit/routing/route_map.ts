/**
 * The URL map (Werkzeug's `Map` and `MapAdapter`): add rules, match requests to endpoints with
 * typed params, build URLs back. Matching is compiled (a hash map for static paths, one
 * generated function per method for the rest) and never throws; `matchOrThrow` gives the
 * toolkit's `HttpError`s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RouteMap } from "./route_map.ts";
 *
 * const map = new RouteMap()
 *   .add("/", "index")
 *   .add("/user/<int:id>", "user", { methods: ["GET", "POST"] })
 *   .add("/docs/", "docs");
 *
 * const result = map.match("GET", "/user/42");
 * if (result.kind === "match" && result.endpoint === "user") {
 *   const id: number = result.params.id;
 *   assert.equal(id, 42);
 * }
 * assert.deepEqual(map.match("GET", "/docs", { query: "q=1" }), {
 *   kind: "redirect",
 *   location: "/docs/?q=1",
 *   status: 308,
 * });
 * assert.equal(map.match("DELETE", "/user/1").kind, "method_not_allowed");
 * assert.equal(map.build("user", { id: 7, tab: "posts" }), "/user/7?tab=posts");
 * ```
 *
 * @module
 */

import { BoundRouteMap } from "./bound_route_map.ts";
import { BuildError, closest } from "./build.ts";
import { explainFailure } from "./_build_rule.ts";
import type { ConverterDefinition } from "./converters.ts";
import { Matcher } from "./_matcher.ts";
import { decodePath, leadingSlash } from "./_path.ts";
import { checkDuplicate, createRecord, type RecordSettings, type RuleRecord } from "./_record.ts";
import { finishMatch } from "./_redirects.ts";
import type { Pending } from "./_steps.ts";
import { INVALID_DOMAIN, UrlComposer } from "./_url_for.ts";
import { type MatchOptions, type MatchResult, resultError } from "./match_result.ts";
import type {
  AddOptions,
  AddRoute,
  BuildParamsOf,
  ConverterMap,
  EndpointOf,
  RouteTable,
  TypedMatch,
} from "./types.ts";
import type { Params, Rule, RuleOptions } from "./url_rule.ts";

/** Options of a {@linkcode RouteMap} (Werkzeug's `Map` arguments, camel-cased). */
export interface RouteMapOptions<C extends ConverterMap = ConverterMap> {
  /** Custom converters by name (they may replace built-in ones). */
  converters?: C;
  /** Default of the rules' `strictSlashes` (default `true`). */
  strictSlashes?: boolean;
  /** Default of the rules' `mergeSlashes`, and whether `//` is merged at all (default `true`). */
  mergeSlashes?: boolean;
  /** Redirect to the rule whose defaults give the same URL, and follow aliases (default `true`). */
  redirectDefaults?: boolean;
  /** Match rules' `host` against the request host instead of subdomains (default `false`). */
  hostMatching?: boolean;
  /** The server name subdomains are taken from (`example.com`): enables subdomain matching. */
  serverName?: string;
  /** The subdomain of rules that give none (default `""`). */
  defaultSubdomain?: string;
  /** Sort extra params by name in built query strings (default `false`). */
  sortParameters?: boolean;
}

/** Options of {@linkcode RouteMap.build}. */
export interface BuildOptions {
  /** Build a rule that allows this method (default: a GET rule first, then any). */
  method?: string;
  /** Always give an absolute URL (WebSocket rules always do). */
  external?: boolean;
  /** Scheme of absolute URLs (default `http`; WebSocket rules use `ws`/`wss`). */
  scheme?: string;
  /** The current request's host: URLs for it stay relative; needed for absolute URLs. */
  host?: string;
  /** The current subdomain (default: from `host` and `serverName`, else the default one). */
  subdomain?: string;
  /** Fragment to append (`#anchor`). */
  anchor?: string;
  /** Where the map is mounted, prefixed to paths. */
  rootPath?: string;
  /** Put params the rule does not use in the query string (default `true`). */
  appendUnknown?: boolean;
}

const NO_OPTIONS: MatchOptions = Object.freeze({});
const NOT_FOUND = Object.freeze({ kind: "not_found" as const });

function buildOrder(a: RuleRecord, b: RuleRecord): number {
  return (Number(a.alias) - Number(b.alias)) ||
    (b.rule.arguments.size - a.rule.arguments.size) ||
    (Object.keys(b.defaults ?? {}).length - Object.keys(a.defaults ?? {}).length) ||
    (a.index - b.index);
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/**
 * A set of URL rules. `add()` returns the map with the new endpoint's params in its type, so a
 * chain of `add()` calls gives a fully typed map. The map compiles itself on the first match
 * after a change (or on `prepare()`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RouteMap } from "./route_map.ts";
 *
 * const map = new RouteMap({ serverName: "example.com" })
 *   .add("/", "index")
 *   .add("/page/", "pages", { defaults: { page: 1 } })
 *   .add("/page/<int:page>", "pages")
 *   .add("/", "blog", { subdomain: "<user>" });
 * assert.deepEqual(map.match("GET", "/page/1"), { kind: "redirect", location: "/page/", status: 308 });
 * const blog = map.match("GET", "/", { host: "ann.example.com" });
 * assert.ok(blog.kind === "match" && blog.endpoint === "blog" && blog.params.user === "ann");
 * assert.equal(map.build("pages", { page: 2 }), "/page/2");
 * assert.equal(map.build("blog", { user: "bob" }), "http://bob.example.com/");
 * ```
 */
export class RouteMap<
  C extends ConverterMap = Record<never, never>,
  T extends RouteTable = Record<never, never>,
> {
  readonly #settings: RecordSettings;
  readonly #redirectDefaults: boolean;
  readonly #domainFree: boolean;
  /** The domain a request without options has. */
  readonly #defaultDomain: string;
  readonly #composer: UrlComposer;
  readonly #records: RuleRecord[] = [];
  readonly #byEndpoint = new Map<string, RuleRecord[]>();
  readonly #byShape = new Map<string, RuleRecord[]>();
  #matcher: Matcher | null = null;

  /** Makes an empty map. */
  constructor(options: RouteMapOptions<C> = {}) {
    this.#settings = {
      converters: options.converters as Readonly<Record<string, ConverterDefinition>> | undefined,
      hostMatching: options.hostMatching === true,
      defaultSubdomain: options.defaultSubdomain ?? "",
      strictSlashes: options.strictSlashes ?? true,
      mergeSlashes: options.mergeSlashes ?? true,
    };
    this.#redirectDefaults = options.redirectDefaults ?? true;
    this.#domainFree = !this.#settings.hostMatching && options.serverName === undefined;
    this.#composer = new UrlComposer({
      hostMatching: this.#settings.hostMatching,
      serverName: options.serverName,
      defaultSubdomain: this.#settings.defaultSubdomain,
      sortParameters: options.sortParameters === true,
    });
    this.#defaultDomain = this.#composer.domainOf({});
  }

  /**
   * Adds a rule for `endpoint`. Throws `RuleSyntaxError` for a bad rule string and a
   * `TypeError` for bad options or a duplicate of an earlier rule.
   */
  add<
    const R extends string,
    const E extends string,
    const O extends AddOptions<R, C> = Record<never, never>,
  >(
    rule: R,
    endpoint: E,
    options?: O,
  ): RouteMap<C, AddRoute<T, E, R, O, C>> {
    const record = createRecord(rule, endpoint, {
      options: (options ?? {}) as RuleOptions,
      settings: this.#settings,
      index: this.#records.length,
    });
    const twins = this.#byShape.get(record.shape);
    if (twins) checkDuplicate(record, twins);
    this.#records.push(record);
    if (twins) twins.push(record);
    else this.#byShape.set(record.shape, [record]);
    const list = this.#byEndpoint.get(endpoint);
    if (list) list.push(record);
    else this.#byEndpoint.set(endpoint, [record]);
    this.#matcher = null;
    return this as unknown as RouteMap<C, AddRoute<T, E, R, O, C>>;
  }

  /** The rules, in the order added (or only those of `endpoint`, in build order). */
  rules(endpoint?: string): Rule[] {
    if (endpoint === undefined) return this.#records.map((r) => r.rule);
    this.#compile();
    return (this.#byEndpoint.get(endpoint) ?? []).map((r) => r.rule);
  }

  /**
   * Compiles the matcher now, for every method the rules use (it otherwise compiles on the
   * first match, which then takes a few milliseconds per hundred rules).
   */
  prepare(): this {
    this.#compile().prepare();
    return this;
  }

  #compile(): Matcher {
    if (this.#matcher) return this.#matcher;
    for (const list of this.#byEndpoint.values()) {
      list.sort(buildOrder);
      list.forEach((record, i) => {
        record.providers = list.slice(0, i).filter((p) =>
          !p.buildOnly && p.defaults !== undefined && Object.keys(p.defaults).length > 0 &&
          sameSet(p.rule.arguments, record.rule.arguments)
        );
        record.post = record.redirectTo !== undefined ||
          (this.#redirectDefaults && (record.alias || record.providers.length > 0));
      });
    }
    this.#matcher = new Matcher(this.#records, { mergeSlashes: this.#settings.mergeSlashes });
    return this.#matcher;
  }

  /**
   * Matches a request: `method`, the raw `path` (percent-encoded, without the query string) and
   * `options` (host, WebSocket-ness, query for redirects). Never throws for any input.
   */
  match(
    method: string,
    path: string,
    options: MatchOptions = NO_OPTIONS,
  ): MatchResult<TypedMatch<T>> {
    const matcher = this.#matcher ?? this.#compile();
    const domain = options === NO_OPTIONS
      ? this.#defaultDomain
      : this.#domainFree
      ? options.subdomain ?? this.#defaultDomain
      : this.#composer.domainOf(options);
    if (domain === INVALID_DOMAIN) return NOT_FOUND;
    const result = matcher.match(method, path, domain, options);
    if (result.kind !== "pending") return result as MatchResult<TypedMatch<T>>;
    const request = { method: method.toUpperCase(), domain, options };
    const context = {
      composer: this.#composer,
      byEndpoint: this.#byEndpoint,
      redirectDefaults: this.#redirectDefaults,
    };
    return finishMatch(result as Pending, request, context) as MatchResult<TypedMatch<T>>;
  }

  /**
   * {@linkcode RouteMap.match}, throwing the toolkit's `HttpError`s for failures
   * (`RequestRedirect`, `MethodNotAllowed`, `NotFound`, `WebsocketMismatch`).
   */
  matchOrThrow(
    method: string,
    path: string,
    options?: MatchOptions,
  ): TypedMatch<T> | { readonly kind: "options"; readonly allowed: readonly string[] } {
    const result = this.match(method, path, options);
    const error = resultError(result);
    if (error) throw error;
    return result as TypedMatch<T> | { kind: "options"; allowed: readonly string[] };
  }

  /** Methods of every rule matching `path` (raw), with OPTIONS (Werkzeug's `allowed_methods`). */
  allowedMethods(path: string, options: MatchOptions = NO_OPTIONS): string[] {
    const matcher = this.#compile();
    const domain = this.#composer.domainOf(options);
    if (domain === INVALID_DOMAIN) return [];
    const raw = leadingSlash(path);
    const decoded = raw.includes("%");
    return matcher.allowedMethods(decoded ? decodePath(raw) : raw, domain, decoded);
  }

  /**
   * Builds the URL of `endpoint` with `params` (Werkzeug's `url_for`): picks the first rule of
   * the endpoint (in Werkzeug's build order) that can use the params, runs its converters, and
   * puts the other params in the query string. Relative unless the rule is on another host
   * (or `external`). Throws {@linkcode BuildError}.
   */
  build<E extends EndpointOf<T>>(
    endpoint: E,
    params?: BuildParamsOf<T, E>,
    options: BuildOptions = {},
  ): string {
    this.#compile();
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries((params ?? {}) as Params)) {
      if (value !== null && value !== undefined) values[key] = value;
    }
    const names = Object.keys(values);
    const method = options.method?.toUpperCase();
    const records = this.#byEndpoint.get(endpoint);
    if (!records) {
      const suggestion = closest(endpoint, this.#byEndpoint.keys());
      const why = suggestion === undefined
        ? "the map has no rules"
        : `did you mean "${suggestion}"? (no rule has the endpoint "${endpoint}")`;
      throw new BuildError(why, { endpoint, params: names, method, suggestion });
    }
    const domain = this.#composer.domainOf(options);
    const appendUnknown = options.appendUnknown ?? true;
    const found = this.#composer.pick(records, { values, method, appendUnknown, domain });
    if (!found) {
      const why = explainFailure(records, { values, method });
      throw new BuildError(why, { endpoint, params: names, method });
    }
    return this.#composer.compose(found, { ...options, method, current: domain });
  }

  /**
   * A view of the map with request defaults (host, scheme, root path…) filled in, as Werkzeug's
   * `Map.bind`.
   */
  bind(defaults: MatchOptions): BoundRouteMap<C, T> {
    return new BoundRouteMap(this, defaults);
  }
}
