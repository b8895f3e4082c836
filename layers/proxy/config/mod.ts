/**
 * The proxy's config: `ngw2f.toml`, shaped after nginx.conf, read into a plain-data
 * {@linkcode ProxyConfig} (`loadProxyConfig()`), checked for missing files (`-t`,
 * `checkConfigFiles()`), printed (`-T`, `dumpConfig()`), and compiled per worker into nginx's
 * server and location matching (`compileSite()`) and variable templates (`compileTemplate()`).
 * The key reference is `docs/proxy-config.md`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileSite, compileTemplate, parseProxyConfig } from "./mod.ts";
 *
 * const config = parseProxyConfig(
 *   `[[server]]
 * listen = "127.0.0.1:8080"
 * server_name = "example.com"
 * [[server.location]]
 * match = "= /old"
 * return = "301 https://$host/new"
 * `,
 *   "/srv/ngw2f.toml",
 * );
 * const site = compileSite(config);
 * const server = site.selectServer("127.0.0.1:8080", "example.com");
 * const { location } = site.matchLocation(server, "/old");
 * const url = compileTemplate(location!.settings.return!.text!);
 * assert.equal(url((name) => (name === "host" ? "example.com" : "")), "https://example.com/new");
 * ```
 *
 * @module
 */

export type * from "./types.ts";
export type * from "./mail_stream_types.ts";
export {
  BUILT_IN,
  COMBINED_FORMAT,
  loadProxyConfig,
  parseProxyConfig,
  type ProxyConfigOptions,
} from "./load.ts";
export { checkConfigFiles, type CheckOptions, type FileCheck } from "./check.ts";
export { dumpConfig } from "./dump.ts";
export { CompiledServer, compileSite, type LocationMatch, type Site } from "./match.ts";
export {
  compileTemplate,
  isKnownVariable,
  LOG_VARIABLES,
  REQUEST_VARIABLES,
  splitTemplate,
  STREAM_VARIABLES,
  type TemplateKind,
  templateProblem,
} from "./template.ts";
export { defaultSettings } from "./_settings.ts";
