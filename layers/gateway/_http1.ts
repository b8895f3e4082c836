// The reference server's HTTP/1.x connection loop: parse a head, build a Request, write the
// Response. Private to the gateway; `server.ts` is its public face.

import { ConnReader, ProtocolError } from "./_conn_reader.ts";
import { BodySource } from "./_http1_body.ts";
import { type Head, parseHead, requestUrl } from "./_http1_head.ts";
import { rejectRequest, writeAll, writeResponse } from "./_http1_write.ts";
import type { HttpProtocol } from "./types.ts";

/** What the connection loop tells the request handler. */
export interface ExchangeInfo {
  protocol: HttpProtocol;
  signal: AbortSignal;
  completed: Promise<void>;
}

/** What the connection loop reports once a response is written (or fails). */
export interface ExchangeRecord {
  request: Request;
  protocol: HttpProtocol;
  status: number;
  bytes: number;
  ok: boolean;
  /** `Date.now()` when the request head had arrived. */
  started: number;
}

/** Settings of the connection loop. */
export interface Http1Options {
  handler: (request: Request, info: ExchangeInfo) => Promise<Response>;
  scheme: "http" | "https";
  /** The authority used when a request has no Host (HTTP/1.0). */
  defaultHost: string;
  headerTimeout: number;
  /** Longest wait for the next piece of a request body (nginx's client_body_timeout). */
  bodyTimeout: number;
  keepAliveTimeout: number;
  maxHeadSize: number;
  maxHeaders: number;
  maxRequestLine: number;
  maxFieldSize: number;
  maxBodySize: number;
  onExchange?: (record: ExchangeRecord) => void;
  onRejected?: (status: number, reason: string) => void;
}

/** The server's handle on one connection. */
export interface ConnState {
  /** True while waiting for a request, between exchanges. */
  idle: boolean;
  /** Requests answered on this connection. */
  served: number;
  /** `Date.now()` when the connection was accepted. */
  since: number;
  /** Ask the loop to close after the current exchange. */
  closing: boolean;
  /** Aborts the request in flight; the reason defaults to a client reset. */
  abort?: (reason?: unknown) => void;
}

const encoder = new TextEncoder();
/** The most of an unwanted request body read (and dropped) to keep a connection open. */
const DRAIN_LIMIT = 256 * 1024;

/**
 * A connection's deadline: `at` is a `Date.now()` time (0 for none); when it passes, the
 * connection is closed and `expired` set. The keep-alive, header and body timeouts all use it
 * (one at a time).
 */
class Deadline {
  at = 0;
  expired = false;
  readonly #conn: Deno.Conn;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  expire(): void {
    this.expired = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  arm = (ms: number): void => {
    this.at = Date.now() + ms;
  };

  disarm = (): void => {
    this.at = 0;
  };

  timedOut = (): boolean => this.expired;
}

/**
 * The deadlines of the connections that share a tick, checked by one interval. A timer per request (armed
 * for keep-alive, re-armed at the head's first byte, cleared after it) cost ~1.5 µs each time in
 * Deno 2.9 (its `setTimeout` makes a Node `Timeout` object) plus the garbage, about a tenth of a
 * hello's CPU; a deadline is one number. A deadline passes up to one tick late, never early.
 */
class Watchdog {
  readonly #deadlines = new Set<Deadline>();
  readonly #tick: number;
  #interval: ReturnType<typeof setInterval> | undefined;

  constructor(tick: number) {
    this.#tick = tick;
  }

  add(deadline: Deadline): void {
    this.#deadlines.add(deadline);
    if (this.#interval === undefined) {
      const interval = setInterval(() => this.#check(), this.#tick);
      // The connections' own reads keep the process alive, not this.
      Deno.unrefTimer(interval);
      this.#interval = interval;
    }
  }

  delete(deadline: Deadline): void {
    this.#deadlines.delete(deadline);
    if (this.#deadlines.size === 0 && this.#interval !== undefined) {
      clearInterval(this.#interval);
      this.#interval = undefined;
    }
  }

  #check(): void {
    const now = Date.now();
    for (const deadline of this.#deadlines) {
      if (deadline.at !== 0 && now >= deadline.at) {
        deadline.at = 0;
        deadline.expire();
      }
    }
  }
}

/**
 * Watchdogs by tick: a tenth of the connection's shortest timeout, 10 ms to 1 s. Connections
 * with the same tick (every connection of a server, and most servers) share one interval.
 */
const watchdogs = new Map<number, Watchdog>();

function watchdogFor(options: Http1Options): Watchdog {
  const shortest = Math.min(options.headerTimeout, options.keepAliveTimeout, options.bodyTimeout);
  const tick = Math.min(1000, Math.max(10, Math.floor(shortest / 10)));
  let watchdog = watchdogs.get(tick);
  if (watchdog === undefined) watchdogs.set(tick, watchdog = new Watchdog(tick));
  return watchdog;
}

/** Serves HTTP/1.x exchanges on `conn` until either side closes it. */
export async function serveConnection(
  conn: Deno.Conn,
  state: ConnState,
  options: Http1Options,
): Promise<void> {
  const reader = new ConnReader(conn);
  const deadline = new Deadline(conn);
  const watchdog = watchdogFor(options);
  watchdog.add(deadline);
  const arm = deadline.arm;
  try {
    // A connection accepted while the server is stopping still gets its first request served.
    while (!state.closing || state.served === 0) {
      state.idle = true;
      arm(options.keepAliveTimeout);
      let headBytes: Uint8Array | undefined;
      let head: Head;
      let url: string;
      try {
        headBytes = await reader.readHead(options.maxHeadSize, () => {
          state.idle = false;
          arm(options.headerTimeout);
        });
        if (headBytes === undefined) return;
        head = parseHead(headBytes, options);
        url = requestUrl(head, options);
      } catch (error) {
        if (error instanceof ProtocolError) {
          deadline.at = 0;
          options.onRejected?.(error.status, error.message);
          await rejectRequest(conn, error);
        }
        return;
      }
      deadline.at = 0;
      state.idle = false;
      const keepAlive = await exchange(conn, reader, state, head, url, options, deadline);
      state.served++;
      if (!keepAlive || reader.eof) return;
    }
  } catch (error) {
    if (!deadline.expired && !isDisconnect(error)) throw error;
  } finally {
    watchdog.delete(deadline);
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}

function isDisconnect(error: unknown): boolean {
  return error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted ||
    error instanceof Deno.errors.NotConnected;
}

/** Runs one request/response exchange; returns whether the connection may carry another. */
async function exchange(
  conn: Deno.Conn,
  reader: ConnReader,
  state: ConnState,
  head: Head,
  url: string,
  options: Http1Options,
  deadline: Deadline,
): Promise<boolean> {
  const started = Date.now();
  const controller = new AbortController();
  const abort = (reason: unknown = new Deno.errors.ConnectionReset("the client went away")) =>
    controller.abort(reason);
  state.abort = abort;
  let settle!: (ok: boolean) => void;
  const completed = new Promise<void>((resolve, reject) => {
    settle = (ok) => ok ? resolve() : reject(new Deno.errors.Interrupted("response not sent"));
  });
  completed.catch(() => {});

  const source = new BodySource(reader, head, {
    sendContinue: () => writeAll(conn, encoder.encode("HTTP/1.1 100 Continue\r\n\r\n")),
    timeout: options.bodyTimeout,
    arm: deadline.arm,
    disarm: deadline.disarm,
    timedOut: deadline.timedOut,
    maxSize: options.maxBodySize,
  });
  const watch = () => {
    // Once the body is in, keep one read pending: it sees a reset (abort) or pipelined bytes.
    // End of stream is a half-close and is not an abort: the client still reads the answer.
    if (!reader.reading && reader.buffered === 0) reader.fill().catch(() => abort());
  };
  // A malformed request body is the client's fault: it is answered with its own status.
  let bodyError: ProtocolError | undefined;
  const hasBody = !source.done && head.method !== "GET" && head.method !== "HEAD";
  const body = hasBody
    ? new ReadableStream<Uint8Array>({
      async pull(c) {
        try {
          const chunk = await source.next();
          if (chunk) c.enqueue(chunk);
          if (source.done) {
            c.close();
            watch();
          }
        } catch (error) {
          if (error instanceof ProtocolError) bodyError ??= error;
          c.error(error);
        }
      },
    }, { highWaterMark: 0 })
    : null;
  if (!hasBody && source.done) watch();

  let request: Request;
  try {
    request = new Request(url, {
      method: head.method,
      headers: head.headers,
      body,
      signal: controller.signal,
    });
  } catch (error) {
    const forbidden = /^(CONNECT|TRACE|TRACK)$/i.test(head.method);
    const status = forbidden ? 501 : 400;
    options.onRejected?.(status, (error as Error).message);
    await rejectRequest(conn, new ProtocolError(status, (error as Error).message));
    return false;
  }
  const response = await options.handler(request, {
    protocol: head.protocol,
    signal: controller.signal,
    completed,
  });

  if (bodyError) {
    await response.body?.cancel().catch(() => {});
    options.onRejected?.(bodyError.status, bodyError.message);
    await rejectRequest(conn, bodyError);
    state.abort = undefined;
    settle(false);
    options.onExchange?.({
      started,
      request,
      protocol: head.protocol,
      status: bodyError.status,
      bytes: 0,
      ok: false,
    });
    return false;
  }

  // A client waiting for 100 Continue may never send the body: the connection cannot go on.
  // Any other unread body is drained after the response (an echo app streams it into the
  // response, so it cannot be drained before).
  let keepAlive = head.keepAlive && !state.closing && !source.untouched;
  let bytes = 0;
  let ok = false;
  let status = response.status;
  const sent = { head: false };
  try {
    // A large body nobody has started to read will not be drained: say so in the head.
    const wanted = () => keepAlive && !(source.untouchedBytes > DRAIN_LIMIT);
    const result = await writeResponse(conn, head, response, wanted, sent);
    bytes = result.bytes;
    keepAlive = result.keepAlive;
    ok = true;
  } catch (error) {
    abort();
    keepAlive = false;
    if (!isDisconnect(error)) {
      if (!sent.head) {
        // The response body failed before its head went out: answer 500, not a dropped connection.
        status = 500;
        await rejectRequest(conn, new ProtocolError(500, "the response body failed"));
      }
      throw error;
    }
  } finally {
    state.abort = undefined;
    settle(ok);
    options.onExchange?.({ request, protocol: head.protocol, status, bytes, ok, started });
  }
  if (keepAlive && !source.done) {
    // Up to DRAIN_LIMIT of an unread body is read and dropped; past it the connection closes.
    keepAlive = await source.discard(DRAIN_LIMIT).catch(() => false);
  }
  return keepAlive;
}
