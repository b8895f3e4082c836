/**
 * A map bound to one request's defaults (Werkzeug's `MapAdapter`): host, scheme, subdomain,
 * root path, WebSocket-ness and query, given once instead of on every `match` and `build`.
 *
 * @module
 */

import type { MatchOptions, MatchResult } from "./match_result.ts";
import type { BuildOptions, RouteMap } from "./route_map.ts";
import type { BuildParamsOf, ConverterMap, EndpointOf, RouteTable, TypedMatch } from "./types.ts";

/**
 * A {@linkcode RouteMap} bound to request defaults: `match` and `build` take them unless
 * overridden per call. Make one with `map.bind(defaults)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RouteMap } from "./route_map.ts";
 *
 * const map = new RouteMap({ serverName: "example.com" })
 *   .add("/", "index")
 *   .add("/", "api_index", { subdomain: "api" });
 * const bound = map.bind({ host: "api.example.com", scheme: "https" });
 * assert.equal(bound.match("GET", "/").kind, "match");
 * assert.equal(bound.build("api_index"), "/");
 * assert.equal(bound.build("index"), "https://example.com/");
 * ```
 */
export class BoundRouteMap<C extends ConverterMap, T extends RouteTable> {
  readonly #map: RouteMap<C, T>;
  readonly #defaults: MatchOptions;

  /** Binds `map` to `defaults`. */
  constructor(map: RouteMap<C, T>, defaults: MatchOptions) {
    this.#map = map;
    this.#defaults = defaults;
  }

  /** `RouteMap.match` with the bound defaults. */
  match(method: string, path: string, options?: MatchOptions): MatchResult<TypedMatch<T>> {
    return this.#map.match(
      method,
      path,
      options ? { ...this.#defaults, ...options } : this.#defaults,
    );
  }

  /** `RouteMap.matchOrThrow` with the bound defaults. */
  matchOrThrow(
    method: string,
    path: string,
    options?: MatchOptions,
  ): TypedMatch<T> | { readonly kind: "options"; readonly allowed: readonly string[] } {
    const merged = options ? { ...this.#defaults, ...options } : this.#defaults;
    return this.#map.matchOrThrow(method, path, merged);
  }

  /** `RouteMap.build` with the bound host, scheme, subdomain and root path. */
  build<E extends EndpointOf<T>>(
    endpoint: E,
    params?: BuildParamsOf<T, E>,
    options?: BuildOptions,
  ): string {
    const { host, scheme, subdomain, rootPath } = this.#defaults;
    return this.#map.build(endpoint, params, { host, scheme, subdomain, rootPath, ...options });
  }
}
