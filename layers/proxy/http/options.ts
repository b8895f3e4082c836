/**
 * The settings of the proxy's HTTP/1.1 core, with nginx's defaults and names in the docs.
 *
 * @module
 */

import { type Logger, silentLogger } from "../../gateway/mod.ts";
import type { Completed, Handler } from "../types.ts";

/** What {@linkcode serveListener} needs; everything but the first four has nginx's default. */
export interface CoreOptions {
  /** Answers each exchange. */
  handler: Handler;
  /** The configured address, copied into `Exchange.listen` (`127.0.0.1:8080`, `unix:/x.sock`). */
  listen: string;
  /** `"http"`, or `"https"` on a TLS listener. */
  scheme: "http" | "https";
  /** Called once per exchange after its reply (access logs, metrics). */
  onCompleted?: (done: Completed) => void;
  /** `Exchange.serverPort`; default the listener's port (0 on a unix socket). */
  serverPort?: number;
  /** ms to receive a whole head, from its first byte (client_header_timeout); 408, close. Default 60 s. */
  headerTimeout?: number;
  /** ms a keep-alive connection may sit idle (keepalive_timeout); 0 disables keep-alive. Default 75 s. */
  idleTimeout?: number;
  /** ms between two reads of a request body (client_body_timeout); then closed. Default 60 s. */
  bodyTimeout?: number;
  /** ms between two writes of a reply (send_timeout); then closed. Default 60 s. */
  sendTimeout?: number;
  /** ms a closing connection reads and drops what a client still sends (lingering_time). Default 5 s. */
  lingerTimeout?: number;
  /** Open connections at most (worker_connections); past it a new one is closed. Default 512. */
  maxConnections?: number;
  /** The longest request line in bytes; 414 past it. Default 8 KiB. */
  maxRequestLine?: number;
  /** The largest head in bytes; 431 past it. Default 32 KiB. */
  maxHeaderBytes?: number;
  /** The most header fields; 431 past it. Default 100. */
  maxHeaders?: number;
  /** The `Server` header's value (`"ngw2f"`, `"ngw2f/0.1.0"`), or `null` for none. Default `"ngw2f"`. */
  serverHeader?: string | null;
  /** Where handler failures and unexpected connection errors go. Default silent. */
  log?: Logger;
}

/** {@linkcode CoreOptions} with every default filled in and checked. */
export type ResolvedCoreOptions = Required<Omit<CoreOptions, "onCompleted" | "serverPort">> & {
  onCompleted: ((done: Completed) => void) | undefined;
  serverPort: number | undefined;
};

const DEFAULTS = {
  headerTimeout: 60_000,
  idleTimeout: 75_000,
  bodyTimeout: 60_000,
  sendTimeout: 60_000,
  lingerTimeout: 5_000,
  maxConnections: 512,
  maxRequestLine: 8 * 1024,
  maxHeaderBytes: 32 * 1024,
  maxHeaders: 100,
};

/**
 * Fills in the defaults of `options` and checks them once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveCoreOptions } from "./options.ts";
 *
 * const resolved = resolveCoreOptions({
 *   handler: () => ({ status: 204, headers: [], body: null }),
 *   listen: "127.0.0.1:8080",
 *   scheme: "http",
 *   idleTimeout: 0,
 * });
 * assert.equal(resolved.idleTimeout, 0);
 * assert.equal(resolved.maxHeaders, 100);
 * assert.throws(() => resolveCoreOptions({ ...resolved, headerTimeout: -1 }), RangeError);
 * ```
 */
export function resolveCoreOptions(options: CoreOptions): ResolvedCoreOptions {
  if (typeof options.handler !== "function") {
    throw new TypeError("Cannot serve: the handler is not a function");
  }
  if (options.scheme !== "http" && options.scheme !== "https") {
    throw new TypeError(`Cannot serve: invalid scheme "${options.scheme}"`);
  }
  const resolved: ResolvedCoreOptions = {
    handler: options.handler,
    listen: options.listen,
    scheme: options.scheme,
    onCompleted: options.onCompleted,
    serverPort: options.serverPort,
    headerTimeout: options.headerTimeout ?? DEFAULTS.headerTimeout,
    idleTimeout: options.idleTimeout ?? DEFAULTS.idleTimeout,
    bodyTimeout: options.bodyTimeout ?? DEFAULTS.bodyTimeout,
    sendTimeout: options.sendTimeout ?? DEFAULTS.sendTimeout,
    lingerTimeout: options.lingerTimeout ?? DEFAULTS.lingerTimeout,
    maxConnections: options.maxConnections ?? DEFAULTS.maxConnections,
    maxRequestLine: options.maxRequestLine ?? DEFAULTS.maxRequestLine,
    maxHeaderBytes: options.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes,
    maxHeaders: options.maxHeaders ?? DEFAULTS.maxHeaders,
    serverHeader: options.serverHeader === undefined ? "ngw2f" : options.serverHeader,
    log: options.log ?? silentLogger,
  };
  for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    const value = resolved[key];
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`Cannot serve: ${key} must be a number ≥ 0, not "${value}"`);
    }
  }
  for (const key of ["headerTimeout", "bodyTimeout", "sendTimeout", "maxConnections"] as const) {
    if (resolved[key] === 0) throw new RangeError(`Cannot serve: ${key} must be above 0`);
  }
  if (resolved.maxRequestLine < 16 || resolved.maxHeaderBytes < resolved.maxRequestLine) {
    throw new RangeError(
      "Cannot serve: maxRequestLine must be ≥ 16 and maxHeaderBytes ≥ maxRequestLine",
    );
  }
  const server = resolved.serverHeader;
  if (server !== null && (server === "" || /[\r\n]/.test(server))) {
    throw new TypeError(`Cannot serve: invalid serverHeader "${server}"`);
  }
  return resolved;
}
