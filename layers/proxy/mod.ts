/**
 * The proxy: nginx's job for ngw2f. `ngw2f proxy` reads an nginx-shaped `ngw2f.toml`
 * (servers, locations, root/alias/try_files, return/rewrite, error_page, access rules,
 * auth_basic, gzip, logs, status endpoints) and serves it from workers that the master layer
 * manages, each with its own HTTP/1.1 core: request heads are parsed from bytes and replies
 * written as bytes, with no Fetch-API objects on the way.
 *
 * @example Load a config, find the location a path goes to
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileSite, parseProxyConfig } from "./mod.ts";
 *
 * const config = parseProxyConfig(
 *   `[[server]]
 * listen = "127.0.0.1:8080"
 * root = "/srv/site"
 *
 * [[server.location]]
 * match = "^~ /static/"
 * expires = "1h"
 * `,
 *   "/etc/ngw2f.toml",
 * );
 * const site = compileSite(config);
 * const server = site.selectServer("127.0.0.1:8080", "example.com");
 * assert.equal(site.matchLocation(server, "/static/app.css").location?.pattern, "/static/");
 * ```
 *
 * @module
 */

export * from "./config/mod.ts";
export * from "./nginx/convert.ts";
export * from "./nginx/parse.ts";
export * from "./nginx/errors.ts";
export * from "./http/mod.ts";
export { listenTls, sniSupported, type TlsKeyPair, type TlsListenOptions } from "./http/tls.ts";
export * from "./static/mod.ts";
export * from "./logs/mod.ts";
export * from "./status/mod.ts";
export * from "./auth/mod.ts";
export * from "./gzip/mod.ts";
export * from "./upstream/mod.ts";
export * from "./limits/mod.ts";
export * from "./stream/mod.ts";
export * from "./mail/mod.ts";
export { type LimitBuffers, limitBuffers } from "./_limits.ts";
export {
  type CoreCounters,
  createPipeline,
  type Pipeline,
  type PipelineOptions,
} from "./pipeline.ts";
export { listenAddresses, type ProxyProgramConfig, start } from "./program.ts";
export {
  masterLogLevel,
  pinPorts,
  PROXY_PROGRAM,
  PROXY_SIGNALS,
  runProxy,
  type RunProxyOptions,
  signalMaster,
} from "./proxy_master.ts";
export {
  type BodySource,
  type Completed,
  type ErrorStatus,
  type Exchange,
  type FileRange,
  type Handler,
  headerOf,
  type Reply,
  type ReplyBody,
  type RequestHead,
  type Tunnel,
} from "./types.ts";
