/**
 * The proxy's own HTTP/1.1 server core, nginx's model: parse request heads from bytes, call a
 * handler, write its reply as bytes — no Fetch-API objects — with
 * nginx's protections: header, idle, body and send timeouts, head limits, a connection cap,
 * lingering close and a graceful drain.
 *
 * @module
 */

import type { Reply } from "../types.ts";
import { Connection } from "./_connection.ts";
import { type ConnectionHost, Phase } from "./_host.ts";
import { errorPage } from "./pages.ts";
import { type CoreOptions, resolveCoreOptions, type ResolvedCoreOptions } from "./options.ts";

/** nginx stub_status's counters for one listener. */
export interface CoreStats {
  /** Connections accepted. */
  accepted: number;
  /** Connections served (accepted minus those refused at the connection cap). */
  handled: number;
  /** Request heads received (served or refused). */
  requests: number;
  /** Open connections. */
  active: number;
  /** Connections reading a request head. */
  reading: number;
  /** Connections handling a request or writing its reply. */
  writing: number;
  /** Idle keep-alive connections. */
  waiting: number;
}

/** A running core on one listener. */
export interface CoreServer {
  /** The listener's address. */
  readonly addr: Deno.Addr;
  /**
   * Stops accepting now, closes idle connections, lets exchanges in progress finish and cuts
   * what is left after `graceful` ms; resolves once every connection is closed.
   */
  drain(graceful: number): Promise<void>;
  /** The counters now. */
  stats(): CoreStats;
}

/**
 * Serves HTTP/1.x on `listener` (TCP, TLS or unix socket) with `options.handler` until
 * {@linkcode CoreServer.drain}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveListener } from "./server.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const server = serveListener(listener, {
 *   handler: (exchange) => ({
 *     status: 200,
 *     headers: ["Content-Type", "text/plain"],
 *     body: new TextEncoder().encode(`Hello, ${exchange.head.path}\n`),
 *   }),
 *   listen: "127.0.0.1:0",
 *   scheme: "http",
 * });
 * const response = await fetch(`http://127.0.0.1:${listener.addr.port}/you`);
 * assert.equal(await response.text(), "Hello, /you\n");
 * assert.equal(response.headers.get("server"), "ngw2f");
 * await server.drain(1000);
 * ```
 */
export function serveListener(listener: Deno.Listener, options: CoreOptions): CoreServer {
  return new Core(listener, resolveCoreOptions(options));
}

class Core implements ConnectionHost, CoreServer {
  readonly options: ResolvedCoreOptions;
  readonly serverPort: number;
  readonly addr: Deno.Addr;
  clock = Date.now();
  draining = false;
  requests = 0;
  readonly phases = [0, 0, 0, 0];
  #accepted = 0;
  #handled = 0;
  #listener: Deno.Listener;
  #connections = new Set<Connection>();
  #accepting: Promise<void>;
  #ticker: number;
  #cut: number | undefined;
  #finished: Promise<void> | undefined;
  #allClosed: (() => void) | undefined;
  #second = 0;
  #fixed = "";
  #serverLine: string;
  #pages = new Map<number, Reply>();

  constructor(listener: Deno.Listener, options: ResolvedCoreOptions) {
    this.options = options;
    this.#listener = listener;
    this.addr = listener.addr;
    this.serverPort = options.serverPort ??
      (listener.addr.transport === "tcp" ? listener.addr.port : 0);
    this.#serverLine = options.serverHeader === null ? "" : `Server: ${options.serverHeader}\r\n`;
    const timeouts = [
      options.headerTimeout,
      options.idleTimeout,
      options.bodyTimeout,
      options.sendTimeout,
      options.lingerTimeout,
    ].filter((t) => t > 0);
    // The watchdog's period: a tenth of the shortest timeout, between 10 ms and 1 s.
    const tick = Math.min(1000, Math.max(10, Math.floor(Math.min(...timeouts) / 10)));
    this.#ticker = setInterval(() => this.#tick(), tick) as unknown as number;
    Deno.unrefTimer(this.#ticker);
    this.#accepting = this.#accept();
  }

  stats(): CoreStats {
    return {
      accepted: this.#accepted,
      handled: this.#handled,
      requests: this.requests,
      active: this.#connections.size,
      reading: this.phases[Phase.Reading],
      writing: this.phases[Phase.Writing],
      waiting: this.phases[Phase.Waiting],
    };
  }

  fixedLines(): string {
    const second = Math.floor(this.clock / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#fixed = `Date: ${new Date(second * 1000).toUTCString()}\r\n${this.#serverLine}`;
    }
    return this.#fixed;
  }

  errorReply(status: number): Reply {
    let reply = this.#pages.get(status);
    if (reply === undefined) {
      const page = errorPage(status, this.options.serverHeader ?? "ngw2f");
      // 500 from a handler keeps the connection; a refused head or a timeout ends it.
      reply = { status, headers: ["Content-Type", "text/html"], body: page, close: status !== 500 };
      this.#pages.set(status, reply);
    }
    return { ...reply, headers: [...reply.headers] };
  }

  remove(connection: Connection): void {
    this.#connections.delete(connection);
    if (this.draining && this.#connections.size === 0) this.#allClosed?.();
  }

  drain(graceful: number): Promise<void> {
    if (this.#finished) return this.#finished;
    this.draining = true;
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    const closed = new Promise<void>((resolve) => {
      this.#allClosed = resolve;
      if (this.#connections.size === 0) resolve();
    });
    for (const connection of this.#connections) connection.stop();
    this.#cut = setTimeout(() => {
      for (const connection of this.#connections) connection.abandon();
    }, graceful) as unknown as number;
    this.#finished = Promise.all([this.#accepting, closed]).then(() => {
      clearTimeout(this.#cut);
      clearInterval(this.#ticker);
    });
    return this.#finished;
  }

  async #accept(): Promise<void> {
    const options = this.options;
    while (!this.draining) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.draining || error instanceof Deno.errors.BadResource) break;
        options.log.error("Cannot accept a connection", error);
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      this.#accepted++;
      // A connection accepted while the drain began is served like the others (with
      // Connection: close): closing it would drop a client the kernel already handed over.
      if (this.#connections.size >= options.maxConnections) {
        options.log.warn(`${options.maxConnections} worker_connections are not enough`);
        try {
          conn.close();
        } catch { /* already closed */ }
        continue;
      }
      this.#handled++;
      const connection = new Connection(conn, this);
      this.#connections.add(connection);
      connection.run();
      if (this.draining) connection.stop();
    }
  }

  /** The watchdog: refreshes the clock, fires passed read and write deadlines. */
  #tick(): void {
    const now = this.clock = Date.now();
    for (const connection of this.#connections) {
      const read = connection.readDeadline;
      if (read !== 0 && now >= read) connection.timeout();
      const write = connection.writeDeadline;
      if (write !== 0 && now >= write) connection.close();
    }
  }
}
