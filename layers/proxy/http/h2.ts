/**
 * HTTP/2 for the proxy: a TLS connection whose client chose `h2` by ALPN is served by Deno's own
 * HTTP/2 server (hyper), each stream's `Request` made into an {@linkcode Exchange} for the same
 * handler as HTTP/1.1 and its {@linkcode Reply} into a `Response`; `onCompleted` reports each
 * exchange. On top of hyper: nginx's idle timeout (`keepalive_timeout`, and the header timeout
 * before the first request), the body timeout per read, a graceful drain (GOAWAY, then a cut)
 * and stub_status counters.
 *
 * Engines, measured on Deno 2.9.6 (h2load, 16 connections × 10 streams, hello world): the
 * internal `Deno[Deno.internal].serveHttpOnConnection` (Deno.serve's hyper on one connection)
 * ~45k req/s at ~21 µs CPU per request; the deprecated `Deno.serveHttp` ~22k req/s at ~40 µs.
 * The first is used when present, else the second, else no HTTP/2 at all ({@linkcode h2Engine}).
 *
 * A `101 Switching Protocols` cannot happen on HTTP/2: the connection-specific fields
 * (`Connection`, `Upgrade`, …) never reach the handler, and a handler that still answers 101
 * gets `505 HTTP Version Not Supported` sent instead (its tunnel is refused, so what it holds,
 * like an upstream connection, is let go).
 *
 * @module
 */

import type { Completed, Exchange, Reply, Tunnel } from "../types.ts";
import { exchangeOf, type Origin, responseOf, StreamBody, type Tally } from "./_h2_messages.ts";
import { isDisconnect } from "./_host.ts";
import { validReply } from "./_reply.ts";
import type { ResolvedCoreOptions } from "./options.ts";
import { errorPage } from "./pages.ts";

/** Which of Deno's HTTP/2 servers runs the connections. */
export type H2Engine = "serveHttpOnConnection" | "serveHttp";

type ServeOnConnection = (
  conn: Deno.Conn,
  signal: AbortSignal,
  handler: (request: Request, info: { completed?: Promise<void> }) => Promise<Response>,
  onError: (error: unknown) => Response,
  onListen: () => void,
) => { finished: Promise<void>; shutdown(): Promise<void> };

interface LegacyHttpConn extends
  AsyncIterable<{
    request: Request;
    respondWith(response: Response | Promise<Response>): Promise<void>;
  }> {
  close(): void;
}

function internalServe(): ServeOnConnection | null {
  const internal = (Deno as unknown as Record<symbol, Record<string, unknown> | undefined>)[
    (Deno as unknown as { internal: symbol }).internal
  ];
  const serve = internal?.serveHttpOnConnection;
  return typeof serve === "function" ? serve as ServeOnConnection : null;
}

function legacyServe(): ((conn: Deno.Conn) => LegacyHttpConn) | null {
  const serve = (Deno as unknown as { serveHttp?: unknown }).serveHttp;
  return typeof serve === "function" ? serve as (conn: Deno.Conn) => LegacyHttpConn : null;
}

/**
 * The HTTP/2 server this Deno has, best first, or `null` (then offer `http/1.1` only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Engine } from "./h2.ts";
 *
 * assert.ok(["serveHttpOnConnection", "serveHttp", null].includes(h2Engine()));
 * ```
 */
export function h2Engine(): H2Engine | null {
  return internalServe() ? "serveHttpOnConnection" : legacyServe() ? "serveHttp" : null;
}

/** What an upgrade gets on HTTP/2: a connection that refuses to be read, so the tunnel ends. */
const REFUSED_TUNNEL: Tunnel = {
  conn: {
    read: () => Promise.reject(new Deno.errors.NotSupported("HTTP/2 cannot switch protocols")),
    write: () => Promise.reject(new Deno.errors.NotSupported("HTTP/2 cannot switch protocols")),
    closeWrite: () => Promise.resolve(),
    close() {},
  } as unknown as Deno.Conn,
  early: new Uint8Array(0),
};

/**
 * An abort signal whose listeners cannot throw: Deno's connection server closes its resource in
 * an abort listener, which throws "Bad resource ID" (an uncaught error) when the connection has
 * just ended on its own.
 */
function quietSignal(controller: AbortController): AbortSignal {
  const signal = controller.signal;
  const add = signal.addEventListener.bind(signal);
  Object.defineProperty(signal, "addEventListener", {
    value: (type: string, listener: (event: Event) => void, options?: AddEventListenerOptions) =>
      add(type, (event: Event) => {
        try {
          listener(event);
        } catch { /* the connection is already closed */ }
      }, options),
  });
  return signal;
}

/** One HTTP/2 connection. */
class Session {
  streams = 0;
  requests = 0;
  last = Date.now();
  /** No new work wanted: the connection closes (GOAWAY) once no stream is in progress. */
  closing = false;
  /** The engine closed or was told to. */
  ended = false;
  readonly abort = new AbortController();
  readonly signal = quietSignal(this.abort);
  readonly origin: Origin;
  /** The engine's graceful close (GOAWAY: streams in progress finish). */
  graceful: () => void = () => {};
  /** The engine's cut (streams in progress fail). */
  force: () => void = () => this.abort.abort();
  finished: Promise<void> = Promise.resolve();
  /** The `done` of each exchange not reported yet. */
  readonly pending = new Set<(error?: unknown) => void>();

  constructor(readonly conn: Deno.TlsConn, options: ResolvedCoreOptions, serverPort: number) {
    const addr = conn.remoteAddr;
    this.origin = {
      remoteAddr: addr.hostname,
      remotePort: addr.port,
      listen: options.listen,
      serverPort,
      scheme: options.scheme,
    };
  }

  /**
   * Closes gracefully now if no stream is in progress, else once the last one ends. (Deno's
   * graceful close cannot be cut afterwards, so it waits for the streams: until then the cut
   * still works.)
   */
  close(): void {
    this.closing = true;
    if (this.streams === 0 && !this.ended) {
      this.ended = true;
      this.graceful();
    }
  }

  /** Cuts the connection: streams in progress fail. */
  cut(): void {
    this.closing = true;
    if (this.ended) return;
    this.ended = true;
    this.force();
  }
}

/** stub_status counters of the HTTP/2 connections. */
export interface H2Stats {
  /** Open connections. */
  active: number;
  /** Requests (streams) received. */
  requests: number;
  /** Streams in progress. */
  writing: number;
  /** Connections with no stream in progress. */
  waiting: number;
}

/**
 * Serves HTTP/2 connections (TLS, `h2` chosen by ALPN, handshake done) with a handler of
 * exchanges, under `options` (the core's, resolved): `idleTimeout` closes a connection without
 * streams, `headerTimeout` one that never sends a request, `bodyTimeout` bounds each request
 * body read.
 *
 * @example
 * ```ts ignore
 * import { H2Server } from "./h2.ts";
 * import { resolveCoreOptions } from "./options.ts";
 *
 * const h2 = new H2Server(resolveCoreOptions({ handler, listen: "0.0.0.0:443", scheme: "https" }), 443);
 * const conn = await listener.accept();
 * if ((await conn.handshake()).alpnProtocol === "h2") h2.serve(conn);
 * ```
 */
export class H2Server {
  #options: ResolvedCoreOptions;
  #serverPort: number;
  #engine: H2Engine;
  #sessions = new Set<Session>();
  #requests = 0;
  #ticker: number;
  #draining = false;

  /** Uses `engine` (default: the best this Deno has); throws when there is none. */
  constructor(options: ResolvedCoreOptions, serverPort: number, engine = h2Engine()) {
    if (engine === null) throw new TypeError("Cannot serve HTTP/2: this Deno has no HTTP/2 server");
    this.#options = options;
    this.#serverPort = serverPort;
    this.#engine = engine;
    const shortest = Math.min(
      ...[options.headerTimeout, options.idleTimeout].filter((t) => t > 0),
    );
    const tick = Math.min(1000, Math.max(10, Math.floor(shortest / 10)));
    this.#ticker = setInterval(() => this.#tick(), tick) as unknown as number;
    Deno.unrefTimer(this.#ticker);
  }

  /** Serves `conn` until it ends, the idle timeout passes or the drain cuts it. */
  serve(conn: Deno.TlsConn): void {
    const session = new Session(conn, this.#options, this.#serverPort);
    this.#sessions.add(session);
    try {
      if (this.#engine === "serveHttpOnConnection") this.#serveInternal(session);
      else this.#serveLegacy(session);
    } catch (error) {
      this.#options.log.warn(`Cannot serve HTTP/2 to ${session.origin.remoteAddr}: ${error}`);
      session.cut();
      this.#sessions.delete(session);
      return;
    }
    session.finished = session.finished
      .catch((error) => {
        // hyper reports a client that leaves as soon as it has a whole reply (curl does,
        // before the END_STREAM frame) as a bare "connection error": nginx's "info" level.
        if (!session.closing && !isDisconnect(error)) {
          this.#options.log.info(
            `HTTP/2 connection from ${session.origin.remoteAddr} failed: ${error}${
              error?.cause ? ` (${error.cause})` : ""
            }`,
          );
        }
      })
      .finally(() => {
        session.closing = session.ended = true;
        this.#sessions.delete(session);
        // Exchanges the connection took down with it are reported all the same (access logs,
        // limit_conn counts); a reply that comes later is released unsent.
        for (const done of [...session.pending]) {
          done(new Deno.errors.ConnectionAborted("The HTTP/2 connection closed"));
        }
      });
    if (this.#draining) session.close();
  }

  #serveInternal(session: Session): void {
    const serve = internalServe()!;
    const server = serve(
      session.conn,
      session.signal,
      (request, info) => {
        const { response, done } = this.#exchange(session, request);
        const completed = info?.completed;
        if (completed) completed.then(() => done(), (error) => done(error));
        else response.then(() => done(), (error) => done(error));
        return response;
      },
      (error) => {
        this.#options.log.error("Cannot answer an HTTP/2 request", error);
        return new Response(null, { status: 500 });
      },
      () => {},
    );
    session.finished = server.finished;
    session.graceful = () => void server.shutdown().catch(() => {});
  }

  #serveLegacy(session: Session): void {
    const http = legacyServe()!(session.conn);
    // No GOAWAY here: closing waits for the streams in progress (Session.close), then closes.
    session.graceful = session.force = () => {
      try {
        http.close();
      } catch { /* already closed */ }
    };
    session.finished = (async () => {
      for await (const event of http) {
        const { response, done } = this.#exchange(session, event.request);
        event.respondWith(response).then(() => done(), (error) => done(error));
      }
    })();
  }

  /** Runs one stream: the exchange, the handler, the response, and `done` once it is sent. */
  #exchange(
    session: Session,
    request: Request,
  ): { response: Promise<Response>; done: (error?: unknown) => void } {
    const options = this.#options;
    session.streams++;
    session.requests++;
    this.#requests++;
    session.last = Date.now();
    const tally: Tally = { headIn: 0, headOut: 0, bodyOut: 0 };
    const exchange = exchangeOf(request, session.origin, options.bodyTimeout, tally);
    let status = 500;
    let finished = false;
    const done = (error?: unknown) => {
      if (finished) return;
      finished = true;
      session.pending.delete(done);
      session.streams--;
      session.last = Date.now();
      tally.release?.();
      const body = exchange.body;
      if (body !== null) body.cancel();
      if (session.closing && session.streams === 0) session.close();
      if (!options.onCompleted) return;
      const report: Completed = {
        exchange,
        status,
        bytesSent: tally.headOut + tally.bodyOut,
        bodyBytesSent: tally.bodyOut,
        bytesReceived: tally.headIn + (body instanceof StreamBody ? body.received : 0),
        end: performance.now(),
      };
      if (error !== undefined) {
        report.error = error instanceof Error ? error : new Error(String(error));
      }
      try {
        options.onCompleted(report);
      } catch (thrown) {
        options.log.error("The completion callback failed", thrown);
      }
    };
    session.pending.add(done);
    const response = this.#reply(exchange, tally).then(({ reply, response }) => {
      if (finished) tally.release?.();
      else status = reply.status;
      return response;
    });
    return { response, done };
  }

  /** The handler's reply and its Response; a failure on the way becomes a 500 or a 505. */
  async #reply(exchange: Exchange, tally: Tally): Promise<{ reply: Reply; response: Response }> {
    const options = this.#options;
    const head = exchange.head;
    let reply: Reply;
    try {
      reply = await options.handler(exchange);
      if (!validReply(reply)) throw new TypeError("The handler returned no valid Reply");
    } catch (error) {
      options.log.error(`Cannot answer "${head.method} ${head.target}": the handler failed`, error);
      reply = this.#page(500);
    }
    if (reply.status === 101 || reply.upgrade) {
      options.log.warn(`Cannot switch protocols on HTTP/2 for "${head.method} ${head.target}"`);
      reply.upgrade?.(REFUSED_TUNNEL).catch(() => {});
      reply = this.#page(505);
    }
    try {
      return { reply, response: responseOf(reply, head.method, options.serverHeader, tally) };
    } catch (error) {
      options.log.error(`Cannot send the reply to "${head.method} ${head.target}"`, error);
      const page = this.#page(500);
      return { reply: page, response: responseOf(page, head.method, options.serverHeader, tally) };
    }
  }

  #page(status: number): Reply {
    return {
      status,
      headers: ["Content-Type", "text/html"],
      body: errorPage(status, this.#options.serverHeader ?? "ngw2f"),
    };
  }

  /** The watchdog: closes connections idle past their deadline (GOAWAY). */
  #tick(): void {
    const now = Date.now();
    const options = this.#options;
    for (const session of this.#sessions) {
      if (session.streams !== 0 || session.closing) continue;
      const idle = session.requests === 0 ? options.headerTimeout : options.idleTimeout;
      if (now - session.last >= idle) session.close();
    }
  }

  /** The counters now. */
  stats(): H2Stats {
    let writing = 0;
    let waiting = 0;
    for (const session of this.#sessions) {
      writing += session.streams;
      if (session.streams === 0) waiting++;
    }
    return { active: this.#sessions.size, requests: this.#requests, writing, waiting };
  }

  /**
   * Closes every connection gracefully (GOAWAY: streams in progress finish), cuts what is left
   * after `graceful` ms; resolves once all are closed.
   */
  async drain(graceful: number): Promise<void> {
    this.#draining = true;
    for (const session of this.#sessions) session.close();
    const cut = setTimeout(() => {
      for (const session of this.#sessions) session.cut();
    }, graceful);
    try {
      while (this.#sessions.size) {
        await Promise.all([...this.#sessions].map((session) => session.finished));
      }
    } finally {
      clearTimeout(cut);
      clearInterval(this.#ticker);
    }
  }
}
