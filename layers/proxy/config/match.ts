/**
 * nginx's request routing, compiled once per worker: which `[[server]]` answers a Host on an
 * address (exact name, longest `*.` wildcard, longest `.*` wildcard, first regex, default),
 * and which `[[server.location]]` answers a path (`=` at once, else the longest prefix; a `^~`
 * prefix stops there; else the first matching regex in file order; else that prefix).
 *
 * @module
 */

import type { LocationConfig, ProxyConfig, ServerConfig } from "./types.ts";

/** The location for a path and the regex captures (`captures[n]` is `$n`; `[]` for prefixes). */
export interface LocationMatch {
  /** The location, or null when none matches. */
  location: LocationConfig | null;
  /** `captures[0]` is the whole match, `captures[1]` is `$1`; empty unless a regex matched. */
  captures: string[];
}

/**
 * A server with its locations compiled (what `Site.selectServer()` returns); it is also the
 * {@linkcode ServerConfig} it was made from, field for field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseProxyConfig } from "./load.ts";
 * import { CompiledServer } from "./match.ts";
 *
 * const config = parseProxyConfig(
 *   '[[server]]\n[[server.location]]\nmatch = "^~ /static/"\n[[server.location]]\nmatch = "@app"\n',
 *   "/srv/ngw2f.toml",
 * );
 * const server = new CompiledServer(config.servers[0]);
 * assert.equal(server.matchLocation("/static/a.css").location?.modifier, "^~");
 * assert.equal(server.namedLocation("@app")?.pattern, "app");
 * ```
 */
export class CompiledServer implements ServerConfig {
  /** The server's config. */
  readonly config: ServerConfig;
  /** The line of its `[[server]]` header. */
  readonly line: number;
  /** Where it listens. */
  readonly listen: ServerConfig["listen"];
  /** Its names as written. */
  readonly serverNames: string[];
  /** Its TLS files, or null. */
  readonly ssl: ServerConfig["ssl"];
  /** Its own settings (used when no location matches). */
  readonly settings: ServerConfig["settings"];
  /** Its locations in file order. */
  readonly locations: LocationConfig[];
  #exact = new Map<string, LocationConfig>();
  #prefixes: LocationConfig[];
  #regexes: { regex: RegExp; location: LocationConfig }[] = [];
  #named = new Map<string, LocationConfig>();

  /** Compiles `config`'s locations. */
  constructor(config: ServerConfig) {
    this.config = config;
    ({
      line: this.line,
      listen: this.listen,
      serverNames: this.serverNames,
      ssl: this.ssl,
      settings: this.settings,
      locations: this.locations,
    } = config);
    const prefixes: LocationConfig[] = [];
    for (const location of config.locations) {
      const { modifier, pattern } = location;
      if (modifier === "=") this.#exact.set(pattern, location);
      else if (modifier === "@") this.#named.set(pattern, location);
      else if (modifier === "~" || modifier === "~*") {
        this.#regexes.push({ regex: new RegExp(pattern, modifier === "~*" ? "i" : ""), location });
      } else prefixes.push(location);
    }
    this.#prefixes = prefixes.sort((a, b) => b.pattern.length - a.pattern.length);
  }

  /** The location for a decoded, normalized `path`, nginx's way. */
  matchLocation(path: string): LocationMatch {
    const exact = this.#exact.get(path);
    if (exact) return { location: exact, captures: [] };
    let prefix: LocationConfig | null = null;
    for (const location of this.#prefixes) {
      if (path.startsWith(location.pattern)) {
        prefix = location;
        break;
      }
    }
    if (prefix?.modifier !== "^~") {
      for (const { regex, location } of this.#regexes) {
        const match = regex.exec(path);
        if (match) return { location, captures: Array.from(match, (c) => c ?? "") };
      }
    }
    return { location: prefix, captures: [] };
  }

  /** The named location `@name` (with or without the `@`), or null. */
  namedLocation(name: string): LocationConfig | null {
    return this.#named.get(name.startsWith("@") ? name.slice(1) : name) ?? null;
  }
}

/** The servers on one address, indexed by name kind. */
class AddressTable {
  exact = new Map<string, CompiledServer>();
  leading: { suffix: string; bare: boolean; server: CompiledServer }[] = [];
  trailing: { prefix: string; server: CompiledServer }[] = [];
  regexes: { regex: RegExp; server: CompiledServer }[] = [];
  cache = new Map<string, CompiledServer>();
  constructor(public fallback: CompiledServer) {}

  add(server: CompiledServer, isDefault: boolean): void {
    if (isDefault) this.fallback = server;
    for (const name of server.config.serverNames) {
      if (name.startsWith("~")) {
        this.regexes.push({ regex: new RegExp(name.slice(1), "i"), server });
      } else if (name.startsWith("*.")) {
        this.leading.push({ suffix: name.slice(1), bare: false, server });
      } else if (name.startsWith(".")) this.leading.push({ suffix: name, bare: true, server });
      else if (name.endsWith(".*")) this.trailing.push({ prefix: name.slice(0, -1), server });
      else if (!this.exact.has(name)) this.exact.set(name, server);
    }
  }

  finish(): void {
    this.leading.sort((a, b) => b.suffix.length - a.suffix.length);
    this.trailing.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  select(host: string): CompiledServer {
    const exact = this.exact.get(host);
    if (exact) return exact;
    let server = this.cache.get(host);
    if (server) return server;
    server = this.#search(host);
    if (this.cache.size >= 1024) this.cache.clear();
    this.cache.set(host, server);
    return server;
  }

  #search(host: string): CompiledServer {
    for (const { suffix, bare, server } of this.leading) {
      if (host.length > suffix.length ? host.endsWith(suffix) : bare && host === suffix.slice(1)) {
        return server;
      }
    }
    for (const { prefix, server } of this.trailing) {
      if (host.length > prefix.length && host.startsWith(prefix)) return server;
    }
    for (const { regex, server } of this.regexes) if (regex.test(host)) return server;
    return this.fallback;
  }
}

/** A whole config's routing, compiled. */
export interface Site {
  /** The compiled servers, in file order. */
  servers: CompiledServer[];
  /**
   * The server for `host` (lower-case, no port; `""` when absent) on `listenAddress` (as
   * configured, `127.0.0.1:8080`); an unknown address gets the first server.
   */
  selectServer(listenAddress: string, host: string): CompiledServer;
  /** The location of `server` (one of this site's) for a decoded, normalized `path`. */
  matchLocation(server: ServerConfig, path: string): LocationMatch;
  /** The named location `@name` (with or without `@`) of `server`, or null. */
  namedLocation(server: ServerConfig, name: string): LocationConfig | null;
}

/**
 * Compiles a config's server names and locations for fast per-request routing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseProxyConfig } from "./load.ts";
 * import { compileSite } from "./match.ts";
 *
 * const config = parseProxyConfig(
 *   `[[server]]
 * listen = "8080"
 * server_name = "example.com"
 * [[server.location]]
 * match = "/"
 * [[server.location]]
 * match = "~* \\\\.(gif|jpg)$"
 * `,
 *   "/srv/ngw2f.toml",
 * );
 * const site = compileSite(config);
 * const server = site.selectServer("0.0.0.0:8080", "example.com");
 * const { location, captures } = site.matchLocation(server, "/a/b.JPG");
 * assert.equal(location?.match, "~* \\.(gif|jpg)$");
 * assert.equal(captures[1], "JPG");
 * assert.equal(site.matchLocation(server, "/a/b.png").location?.match, "/");
 * ```
 */
export function compileSite(config: ProxyConfig): Site {
  const servers = config.servers.map((server) => new CompiledServer(server));
  const tables = new Map<string, AddressTable>();
  for (const server of servers) {
    for (const listen of server.config.listen) {
      let table = tables.get(listen.address);
      if (!table) tables.set(listen.address, table = new AddressTable(server));
      table.add(server, listen.defaultServer);
    }
  }
  for (const table of tables.values()) table.finish();
  const byConfig = new Map(servers.map((s) => [s.config, s]));
  const compiled = (server: ServerConfig): CompiledServer => {
    if (server instanceof CompiledServer) return server;
    let found = byConfig.get(server);
    if (!found) byConfig.set(server, found = new CompiledServer(server));
    return found;
  };
  return {
    servers,
    selectServer(listenAddress, host) {
      const table = tables.get(listenAddress);
      if (!table) return servers[0];
      return table.select(host.endsWith(".") ? host.slice(0, -1) : host);
    },
    matchLocation: (server, path) => compiled(server).matchLocation(path),
    namedLocation: (server, name) => compiled(server).namedLocation(name),
  };
}
