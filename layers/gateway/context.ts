/**
 * Building the per-request {@linkcode Context} on the server side.
 *
 * @module
 */

import type { Logger } from "./logger.ts";
import type { Context, HttpProtocol } from "./types.ts";

/** Everything a server knows about a request's surroundings. */
export interface ContextInit {
  /** The client's address. */
  remoteAddr: Deno.Addr;
  /** The local address the connection arrived on. */
  serverAddr: Deno.Addr;
  /** `"https"` for TLS connections; a function is called on first use (for lazy checks). */
  scheme: "http" | "https" | (() => "http" | "https");
  /** The request line's HTTP version. */
  protocol: HttpProtocol;
  /** The configured server name. */
  serverName: string;
  /** The mount point, `""` or `/path` without a trailing slash. */
  rootPath: string;
  /** This worker's number, from 1. */
  workerId: number;
  /** How many workers run. */
  workerCount: number;
  /** Aborts when the client goes away; a function is called on first use (for lazy signals). */
  signal: AbortSignal | (() => AbortSignal);
  /** Settles when the response has been sent. */
  completed: Promise<void>;
  /** The error log. */
  log: Logger;
  /** Called with every promise given to `ctx.waitUntil()`. */
  waitUntil: (promise: Promise<unknown>) => void;
}

const BRAND = Symbol.for("ngw2f.context");

class GatewayContext implements Context {
  readonly [BRAND] = true;
  readonly remoteAddr: Deno.Addr;
  readonly completed: Promise<void>;
  readonly protocol: HttpProtocol;
  #scheme: "http" | "https" | (() => "http" | "https");
  readonly serverAddr: Deno.Addr;
  readonly serverName: string;
  readonly rootPath: string;
  readonly workerId: number;
  readonly workerCount: number;
  readonly log: Logger;
  #signal: AbortSignal | (() => AbortSignal);
  #waitUntil: (promise: Promise<unknown>) => void;
  #state: Map<string | symbol, unknown> | undefined;

  constructor(init: ContextInit) {
    this.remoteAddr = init.remoteAddr;
    this.completed = init.completed;
    this.#scheme = init.scheme;
    this.protocol = init.protocol;
    this.serverAddr = init.serverAddr;
    this.serverName = init.serverName;
    this.rootPath = init.rootPath;
    this.workerId = init.workerId;
    this.workerCount = init.workerCount;
    this.#signal = init.signal;
    this.log = init.log;
    this.#waitUntil = init.waitUntil;
  }

  get scheme(): "http" | "https" {
    if (typeof this.#scheme === "function") this.#scheme = this.#scheme();
    return this.#scheme;
  }

  get signal(): AbortSignal {
    if (typeof this.#signal === "function") this.#signal = this.#signal();
    return this.#signal;
  }

  get state(): Map<string | symbol, unknown> {
    return this.#state ??= new Map();
  }

  waitUntil(promise: Promise<unknown>): void {
    this.#waitUntil(promise);
  }
}

/**
 * Makes the context a server passes to an app for one request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createContext } from "./context.ts";
 * import { silentLogger } from "./logger.ts";
 *
 * const addr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 8000 };
 * const ctx = createContext({
 *   remoteAddr: { ...addr, port: 50000 }, serverAddr: addr, scheme: "http",
 *   protocol: "HTTP/1.1", serverName: "localhost", rootPath: "", workerId: 1,
 *   workerCount: 1, signal: new AbortController().signal, completed: Promise.resolve(),
 *   log: silentLogger, waitUntil: () => {},
 * });
 * ctx.state.set("user", "ada");
 * assert.equal(ctx.state.get("user"), "ada");
 * ```
 */
export function createContext(init: ContextInit): Context {
  return new GatewayContext(init);
}

/**
 * Tells a full {@linkcode Context} from a bare `Deno.ServeHandlerInfo` (as `deno serve` passes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isContext } from "./context.ts";
 *
 * const info = { remoteAddr: { transport: "tcp", hostname: "::1", port: 1 }, completed: Promise.resolve() };
 * assert.ok(!isContext(info));
 * ```
 */
export function isContext(value: unknown): value is Context {
  return typeof value === "object" && value !== null && BRAND in value;
}
