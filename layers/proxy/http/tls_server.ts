/**
 * The proxy's server on a TLS listener: each connection's handshake runs first (under the
 * header timeout, as nginx's `client_header_timeout` covers the SSL handshake), then the ALPN
 * protocol decides — `h2` goes to Deno's HTTP/2 server through {@linkcode H2Server}, anything
 * else (`http/1.1`, no ALPN) to the proxy's own HTTP/1.1 core, unchanged. One
 * {@linkcode CoreServer} covers both: one drain, one set of counters.
 *
 * @module
 */

import { h2Engine, H2Server } from "./h2.ts";
import { isDisconnect } from "./_host.ts";
import { type CoreOptions, resolveCoreOptions, type ResolvedCoreOptions } from "./options.ts";
import { type CoreServer, type CoreStats, serveListener } from "./server.ts";

/**
 * Serves `listener` (from `listenTls()`; offer `["h2", "http/1.1"]` by ALPN for HTTP/2) with
 * `options.handler`: HTTP/1.1 on the proxy's core, HTTP/2 on Deno's, until
 * {@linkcode CoreServer.drain}.
 *
 * @example
 * ```ts ignore
 * import { listenTls } from "./tls.ts";
 * import { serveTls } from "./tls_server.ts";
 *
 * const listener = listenTls({
 *   hostname: "0.0.0.0",
 *   port: 443,
 *   certificates: [{ cert, key }],
 *   alpnProtocols: ["h2", "http/1.1"],
 * });
 * const server = serveTls(listener, {
 *   handler: () => ({ status: 204, headers: [], body: null }),
 *   listen: "0.0.0.0:443",
 *   scheme: "https",
 * });
 * ```
 */
export function serveTls(
  listener: Deno.Listener<Deno.TlsConn, Deno.NetAddr>,
  options: CoreOptions,
): CoreServer {
  return new TlsServer(listener, resolveCoreOptions(options));
}

/** The HTTP/1.1 connections, handshake done, as a listener the core accepts from. */
class Handoff implements Deno.Listener<Deno.TlsConn, Deno.NetAddr> {
  #queue: Deno.TlsConn[] = [];
  #waiting: { resolve: (conn: Deno.TlsConn) => void; reject: (error: Error) => void } | null = null;
  closed = false;

  constructor(readonly addr: Deno.NetAddr) {}

  push(conn: Deno.TlsConn): void {
    if (this.closed) return close(conn);
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = null;
      waiting.resolve(conn);
    } else this.#queue.push(conn);
  }

  accept(): Promise<Deno.TlsConn> {
    const next = this.#queue.shift();
    if (next) return Promise.resolve(next);
    if (this.closed) return Promise.reject(new Deno.errors.BadResource("The listener is closed"));
    return new Promise((resolve, reject) => this.#waiting = { resolve, reject });
  }

  close(): void {
    this.closed = true;
    for (const conn of this.#queue.splice(0)) close(conn);
    this.#waiting?.reject(new Deno.errors.BadResource("The listener is closed"));
    this.#waiting = null;
  }

  ref(): void {}
  unref(): void {}

  async *[Symbol.asyncIterator](): AsyncIterableIterator<Deno.TlsConn> {
    while (!this.closed) yield await this.accept();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

class TlsServer implements CoreServer {
  readonly addr: Deno.NetAddr;
  #options: ResolvedCoreOptions;
  #listener: Deno.Listener<Deno.TlsConn, Deno.NetAddr>;
  #handoff: Handoff;
  #core: CoreServer;
  #h2: H2Server | null;
  #accepted = 0;
  #handled = 0;
  #handshaking = new Set<Deno.TlsConn>();
  #draining = false;
  #accepting: Promise<void>;
  #finished: Promise<void> | undefined;

  constructor(listener: Deno.Listener<Deno.TlsConn, Deno.NetAddr>, options: ResolvedCoreOptions) {
    this.#options = options;
    this.#listener = listener;
    this.addr = listener.addr;
    this.#handoff = new Handoff(listener.addr);
    const serverPort = options.serverPort ?? listener.addr.port;
    this.#core = serveListener(this.#handoff, { ...options, serverPort });
    const engine = h2Engine();
    this.#h2 = engine ? new H2Server(options, serverPort, engine) : null;
    this.#accepting = this.#accept();
  }

  stats(): CoreStats {
    const core = this.#core.stats();
    const h2 = this.#h2?.stats() ?? { active: 0, requests: 0, writing: 0, waiting: 0 };
    const handshaking = this.#handshaking.size;
    return {
      accepted: this.#accepted,
      handled: this.#handled,
      requests: core.requests + h2.requests,
      active: core.active + h2.active + handshaking,
      reading: core.reading + handshaking,
      writing: core.writing + h2.writing,
      waiting: core.waiting + h2.waiting,
    };
  }

  drain(graceful: number): Promise<void> {
    if (this.#finished) return this.#finished;
    this.#draining = true;
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    for (const conn of this.#handshaking) close(conn);
    this.#finished = Promise.all([
      this.#accepting,
      this.#core.drain(graceful),
      this.#h2?.drain(graceful),
    ]).then(() => {});
    return this.#finished;
  }

  async #accept(): Promise<void> {
    const options = this.#options;
    while (!this.#draining) {
      let conn: Deno.TlsConn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#draining || error instanceof Deno.errors.BadResource) break;
        options.log.error("Cannot accept a connection", error);
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      this.#accepted++;
      if (this.stats().active >= options.maxConnections) {
        options.log.warn(`${options.maxConnections} worker_connections are not enough`);
        close(conn);
        continue;
      }
      this.#handled++;
      this.#handshake(conn);
    }
  }

  /** Runs the handshake under the header timeout, then hands the connection on by ALPN. */
  async #handshake(conn: Deno.TlsConn): Promise<void> {
    this.#handshaking.add(conn);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const late = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), this.#options.headerTimeout);
      });
      const info = await Promise.race([conn.handshake(), late]);
      if (info === null || this.#draining) return close(conn);
      if (info.alpnProtocol !== "h2") return this.#handoff.push(conn);
      if (this.#h2) return this.#h2.serve(conn);
      close(conn);
    } catch (error) {
      close(conn);
      // Scanners, old clients, unknown certificates: nginx logs these at "info" too.
      if (!this.#draining && !isDisconnect(error)) {
        this.#options.log.info(
          `TLS handshake with ${conn.remoteAddr.hostname} failed: ${
            error instanceof Error ? error.message : error
          }`,
        );
      }
    } finally {
      clearTimeout(timer);
      this.#handshaking.delete(conn);
    }
  }
}
