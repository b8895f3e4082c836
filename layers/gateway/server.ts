/**
 * The reference server: one process, any number of listeners, any app. What `ngw2f dev` runs,
 * and what the spec's server rules are tested against.
 *
 * @module
 */

import { type ConnState, type ExchangeInfo, serveConnection } from "./_http1.ts";
import { ProtocolError } from "./_conn_reader.ts";
import { formatAddr, parseBind } from "./bind.ts";
import { type AccessRecord, formatCombined } from "./access_log.ts";
import { toAppObject } from "./app.ts";
import { bindUnix, type UnixBinding } from "./unix_socket.ts";
import { createContext } from "./context.ts";
import { ConfigError, HaltError, listenError } from "./errors.ts";
import { createLogger, type Logger } from "./logger.ts";
import type { App, AppObject } from "./types.ts";

/** Options for {@linkcode serve}. */
export interface ServeOptions {
  /** Where to listen: `HOST:PORT`, `[::1]:PORT`, `unix:PATH`; default `127.0.0.1:8000`. */
  bind?: string | readonly string[];
  /** The error log; default a console logger at level info. */
  log?: Logger;
  /** The access log (nginx `combined` lines); `null` turns it off; default `log`. */
  accessLog?: Logger | null;
  /** Formats each access log line; default nginx's `combined` ({@linkcode formatCombined}). */
  accessFormat?: (entry: AccessLogEntry) => string;
  /** The server name apps see as `ctx.serverName`; default the first bind's host. */
  serverName?: string;
  /** The mount point apps see as `ctx.rootPath` (WSGI's SCRIPT_NAME); default `""`. */
  rootPath?: string;
  /** This worker's number (for servers run by a master); default 1. */
  workerId?: number;
  /** The number of workers (for servers run by a master); default 1. */
  workerCount?: number;
  /**
   * Seconds to receive a request head once its first byte arrived; default 30. The three
   * timeouts are checked every tenth of the shortest of them (10 ms to 1 s), so a connection
   * is closed up to that much later, never sooner.
   */
  headerTimeout?: number;
  /** Seconds to wait for each next piece of a request body (nginx's client_body_timeout); default 30. */
  bodyTimeout?: number;
  /** Seconds an idle keep-alive connection stays open; default 5 (see `headerTimeout`). */
  keepAliveTimeout?: number;
  /** Seconds a shutdown waits for requests in flight before cutting them; default 30. */
  gracefulTimeout?: number;
  /** The largest request head in bytes (431 past it); default 65536. */
  maxHeadSize?: number;
  /** The most header fields in a request (431 past it); default 100. */
  maxHeaders?: number;
  /** The longest request line in bytes (414 past it); default 8190. */
  maxRequestLine?: number;
  /** The longest header line in bytes (431 past it); default 8190. */
  maxFieldSize?: number;
  /** The largest request body in bytes (413 past it); default 0, no limit. */
  maxBodySize?: number;
  /** The most requests served at once; past it, 503 with Retry-After; default 0, no limit. */
  maxInflight?: number;
  /**
   * Listen with SO_REUSEPORT so several workers share TCP ports, and take a unix socket path over
   * from a live server (for reloads and upgrades); default false.
   */
  reusePort?: boolean;
  /** Aborting it starts a graceful shutdown. */
  signal?: AbortSignal;
}

/** One answered request as an access log formatter sees it. */
export interface AccessLogEntry extends AccessRecord {
  /** Milliseconds from the request head to the end of the response. */
  durationMs: number;
  /** The worker that answered. */
  workerId: number;
}

/** A running server. */
export interface Server {
  /** The addresses it listens on (port 0 resolved to the real port). */
  readonly addrs: readonly Deno.Addr[];
  /** Settles once the server has shut down and the app's `shutdown()` has run. */
  readonly finished: Promise<void>;
  /** Stops accepting, drains requests in flight, runs the app's `shutdown()`. */
  shutdown(): Promise<void>;
  /** Counters, for a master's heartbeats. */
  stats(): ServerStats;
}

/** What a running server has done and is doing. */
export interface ServerStats {
  /** Requests answered so far. */
  requests: number;
  /** Open client connections. */
  connections: number;
  /** Requests in flight: method, path and `Date.now()` at arrival, oldest first. */
  inflight: { method: string; path: string; since: number }[];
}

/** {@linkcode ServeOptions} with every default filled in and every value checked. */
export type ResolvedServeOptions =
  & Required<Omit<ServeOptions, "signal" | "bind" | "accessLog" | "serverName" | "accessFormat">>
  & {
    bind: ReturnType<typeof parseBind>[];
    accessLog: Logger | null;
    accessFormat: (entry: AccessLogEntry) => string;
    serverName: string | undefined;
    signal: AbortSignal | undefined;
  };

/**
 * Fills defaults and validates once; a bad value is a {@linkcode ConfigError} naming its key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveServeOptions } from "./server.ts";
 *
 * const options = resolveServeOptions({ bind: "[::1]:0" });
 * assert.ok(options.keepAliveTimeout === 5 && options.bind[0].transport === "tcp");
 * ```
 */
export function resolveServeOptions(options: ServeOptions = {}): ResolvedServeOptions {
  const binds = typeof options.bind === "string" ? [options.bind] : options.bind ?? [];
  const bind = (binds.length ? binds : ["127.0.0.1:8000"]).map((value) => {
    try {
      return parseBind(value);
    } catch (error) {
      throw new ConfigError((error as Error).message, { file: "options", key: "bind" });
    }
  });
  const positive = (key: keyof ServeOptions, value: number | undefined, fallback: number) => {
    const result = value ?? fallback;
    if (!(typeof result === "number" && result > 0 && Number.isFinite(result))) {
      throw new ConfigError(`expected a positive number, got ${value}`, { file: "options", key });
    }
    return result;
  };
  const atLeastZero = (key: keyof ServeOptions, value: number | undefined) => {
    const result = value ?? 0;
    if (!(Number.isInteger(result) && result >= 0)) {
      throw new ConfigError(`expected a whole number of 0 or more, got ${value}`, {
        file: "options",
        key,
      });
    }
    return result;
  };
  const rootPath = options.rootPath ?? "";
  if (rootPath !== "" && (!rootPath.startsWith("/") || rootPath.endsWith("/"))) {
    throw new ConfigError(`"${rootPath}" must start with "/" and not end with one`, {
      file: "options",
      key: "rootPath",
    });
  }
  const log = options.log ?? createLogger();
  const workerCount = positive("workerCount", options.workerCount, 1);
  const workerId = positive("workerId", options.workerId, 1);
  if (workerId > workerCount) {
    throw new ConfigError(`worker ${workerId} of ${workerCount}`, {
      file: "options",
      key: "workerId",
    });
  }
  return {
    bind,
    log,
    accessLog: options.accessLog === undefined ? log : options.accessLog,
    accessFormat: options.accessFormat ?? formatCombined,
    serverName: options.serverName,
    rootPath,
    workerId,
    workerCount,
    headerTimeout: positive("headerTimeout", options.headerTimeout, 30),
    bodyTimeout: positive("bodyTimeout", options.bodyTimeout, 30),
    keepAliveTimeout: positive("keepAliveTimeout", options.keepAliveTimeout, 5),
    gracefulTimeout: positive("gracefulTimeout", options.gracefulTimeout, 30),
    maxHeadSize: positive("maxHeadSize", options.maxHeadSize, 64 * 1024),
    maxHeaders: positive("maxHeaders", options.maxHeaders, 100),
    maxRequestLine: positive("maxRequestLine", options.maxRequestLine, 8190),
    maxFieldSize: positive("maxFieldSize", options.maxFieldSize, 8190),
    maxBodySize: atLeastZero("maxBodySize", options.maxBodySize),
    maxInflight: atLeastZero("maxInflight", options.maxInflight),
    reusePort: options.reusePort ?? false,
    signal: options.signal,
  };
}

async function listen(
  address: ReturnType<typeof parseBind>,
  reusePort: boolean,
): Promise<Deno.Listener> {
  if (address.transport === "tcp") {
    return Deno.listen({
      transport: "tcp",
      hostname: address.hostname,
      port: address.port,
      ...(reusePort ? { reusePort: true } : {}),
    });
  }
  let listener: Deno.Listener | undefined;
  const binding = await bindUnix(address.path, { takeOver: reusePort }, (path) => {
    listener = Deno.listen({ transport: "unix", path });
  });
  unixBindings.set(listener!, binding);
  return listener!;
}

/** Unix listeners and how to release their socket files. */
const unixBindings = new WeakMap<Deno.Listener, UnixBinding>();

const INTERNAL_ERROR = "Internal Server Error\n";
/** Milliseconds a shutdown waits for an accept to return before closing a listener anyway. */
const LISTENER_DRAIN_WAIT = 100;

function closeListener(listener: Deno.Listener): void {
  try {
    listener.close();
  } catch { /* already closed */ }
}

/** Milliseconds a just-accepted connection has to send its first request during a shutdown. */
const FIRST_REQUEST_GRACE = 1000;

function failure(): Response {
  return new Response(INTERNAL_ERROR, {
    status: 500,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

function overloaded(): Response {
  return new Response("Service Unavailable: too many requests at once\n", {
    status: 503,
    headers: { "content-type": "text/plain; charset=utf-8", "retry-after": "1" },
  });
}

/**
 * Starts serving `app`: binds every address, runs the app's `startup()`, then accepts.
 *
 * An exception in the app answers 500 and is logged with its stack; the server keeps serving.
 * A bind failure or a failing `startup()` is a {@linkcode HaltError} (exit code 3, as gunicorn's
 * boot error) with the cause.
 *
 * @example Serving on an ephemeral port
 * ```ts
 * import assert from "node:assert/strict";
 * import { serve } from "./server.ts";
 *
 * const server = await serve(() => new Response("hi\n"), { bind: "127.0.0.1:0", accessLog: null });
 * const addr = server.addrs[0] as Deno.NetAddr;
 * const response = await fetch(`http://127.0.0.1:${addr.port}/`);
 * assert.equal(await response.text(), "hi\n");
 * await server.shutdown();
 * ```
 */
export async function serve(app: App, options: ServeOptions = {}): Promise<Server> {
  const settings = resolveServeOptions(options);
  const target: AppObject = toAppObject(app);
  const { log, accessLog } = settings;
  const listeners: Deno.Listener[] = [];
  try {
    for (const address of settings.bind) {
      listeners.push(await listen(address, settings.reusePort));
    }
  } catch (error) {
    for (const listener of listeners) listener.close();
    const which = settings.bind[listeners.length];
    throw listenError(formatAddr(which), error);
  }
  // A unix listener is bound to a fresh name and renamed: report the path clients use.
  const addrs: Deno.Addr[] = listeners.map((listener, i) => {
    const bind = settings.bind[i];
    return bind.transport === "unix" ? { transport: "unix", path: bind.path } : listener.addr;
  });
  const serverName = settings.serverName ??
    ("hostname" in addrs[0] ? addrs[0].hostname : "localhost");

  if (target.startup) {
    try {
      await target.startup({
        workerId: settings.workerId,
        workerCount: settings.workerCount,
        serverAddrs: addrs,
        log,
      });
    } catch (error) {
      for (const listener of listeners) listener.close();
      throw new HaltError(`Cannot start the app: startup() failed: ${(error as Error).message}`, {
        exitCode: 3,
        cause: error,
      });
    }
  }

  const connections = new Map<Deno.Conn, ConnState>();
  let inflight = 0;
  let requests = 0;
  const running = new Set<{ request: Request; since: number }>();
  const pendingWork = new Set<Promise<unknown>>();
  const waitUntil = (promise: Promise<unknown>) => {
    const tracked = promise.then(
      () => {},
      (error) => log.error("A waitUntil() promise failed", error),
    ).finally(() => pendingWork.delete(tracked));
    pendingWork.add(tracked);
  };

  const accept = async (listener: Deno.Listener) => {
    const serverAddr = addrs[listeners.indexOf(listener)];
    const defaultHost = "hostname" in serverAddr ? formatAddr(serverAddr) : serverName;
    const scheme = "http";
    const handler = async (request: Request, info: ExchangeInfo, conn: Deno.Conn) => {
      if (settings.maxInflight > 0 && inflight >= settings.maxInflight) return overloaded();
      inflight++;
      const entry = { request, since: Date.now() };
      running.add(entry);
      try {
        return await answer(request, info, conn);
      } finally {
        inflight--;
        requests++;
        running.delete(entry);
      }
    };
    const answer = async (request: Request, info: ExchangeInfo, conn: Deno.Conn) => {
      const ctx = createContext({
        remoteAddr: conn.remoteAddr,
        serverAddr,
        scheme,
        protocol: info.protocol,
        serverName,
        rootPath: settings.rootPath,
        workerId: settings.workerId,
        workerCount: settings.workerCount,
        signal: info.signal,
        completed: info.completed,
        log,
        waitUntil,
      });
      try {
        const response = await target.fetch(request, ctx);
        if (response instanceof Response) return response;
        log.error(
          `Cannot send the app's answer to ${request.method} ${request.url}: ` +
            `it returned ${response === null ? "null" : typeof response}, not a Response`,
        );
      } catch (error) {
        // A malformed request body surfaces here too; the connection loop answers and logs it.
        if (!(error instanceof ProtocolError)) {
          log.error(`Error handling ${request.method} ${request.url}`, error);
        }
      }
      return failure();
    };
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        break;
      }
      const state: ConnState = { idle: true, closing: stopping, served: 0, since: Date.now() };
      connections.set(conn, state);
      serveConnection(conn, state, {
        handler: (request, info) => handler(request, info, conn),
        scheme,
        defaultHost,
        headerTimeout: settings.headerTimeout * 1000,
        bodyTimeout: settings.bodyTimeout * 1000,
        keepAliveTimeout: settings.keepAliveTimeout * 1000,
        maxHeadSize: settings.maxHeadSize,
        maxHeaders: settings.maxHeaders,
        maxRequestLine: settings.maxRequestLine,
        maxFieldSize: settings.maxFieldSize,
        maxBodySize: settings.maxBodySize,
        onExchange: accessLog
          ? (record) =>
            accessLog.info(settings.accessFormat({
              ...record,
              remoteAddr: conn.remoteAddr,
              durationMs: Date.now() - record.started,
              workerId: settings.workerId,
            }))
          : undefined,
        onRejected: (status, reason) =>
          log.info(`Rejected a request from ${formatAddr(conn.remoteAddr)}: ${status} ${reason}`),
      }).catch((error) => log.error("Connection failed", error))
        .finally(() => connections.delete(conn));
      if (stopping) {
        // Closed right after an accept returned, no accept is in flight: a connection the
        // kernel handed over cannot be lost in between. What is still queued moves to the other
        // listeners of the reusePort group (net.ipv4.tcp_migrate_req).
        closeListener(listener);
        break;
      }
    }
  };

  let stopping = false;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((resolve) => resolveFinished = resolve);
  const loops = listeners.map((listener) =>
    accept(listener).catch((error) => {
      if (!(error instanceof Deno.errors.BadResource)) log.error("Accept loop failed", error);
    })
  );

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = () =>
    shutdownPromise ??= (async () => {
      stopping = true;
      // Each accept loop closes its listener after its next accept; an idle one is closed
      // after a moment (nothing is arriving on it, so nothing can be lost).
      let idleTimer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(loops),
        new Promise((resolve) => idleTimer = setTimeout(resolve, LISTENER_DRAIN_WAIT)),
      ]);
      clearTimeout(idleTimer);
      for (const listener of listeners) closeListener(listener);
      await Promise.all(loops);
      for (const address of settings.bind) {
        if (address.transport === "unix") {
          await unixBindings.get(listeners[settings.bind.indexOf(address)])?.release();
        }
      }
      const deadline = Date.now() + settings.gracefulTimeout * 1000;
      while (connections.size > 0 && Date.now() < deadline) {
        for (const [conn, state] of connections) {
          state.closing = true;
          // A connection accepted just before the listener closed gets a moment to send its
          // first request: closing it at once would drop a request already on its way.
          const fresh = state.served === 0 && Date.now() - state.since < FIRST_REQUEST_GRACE;
          if (state.idle && !fresh) {
            try {
              conn.close();
            } catch { /* already closed */ }
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      for (const [conn, state] of connections) {
        log.warn(`Cutting a request still running after ${settings.gracefulTimeout}s`);
        state.abort?.(new Deno.errors.Interrupted("the server is shutting down"));
        try {
          conn.close();
        } catch { /* already closed */ }
      }
      if (pendingWork.size > 0) {
        const left = Math.max(0, deadline - Date.now());
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          Promise.all(pendingWork),
          new Promise((resolve) => timer = setTimeout(resolve, left)),
        ]);
        clearTimeout(timer);
      }
      try {
        await target.shutdown?.();
      } catch (error) {
        log.error("The app's shutdown() failed", error);
      }
      resolveFinished();
    })();

  settings.signal?.addEventListener("abort", () => shutdown(), { once: true });
  const stats = (): ServerStats => ({
    requests,
    connections: connections.size,
    inflight: [...running].slice(0, 8).map(({ request, since }) => {
      const url = request.url;
      return { method: request.method, path: url.slice(url.indexOf("/", 8)), since };
    }),
  });
  return { addrs, finished, shutdown, stats };
}
