/**
 * The proxy's upstream client — what nginx's proxy module does toward an upstream: a pooled
 * HTTP/1.1 client on `Deno.connect` that writes the request head the caller built, streams the
 * request body, parses the response head itself and hands the response body over chunk by
 * chunk. No `fetch()`, no `Request`/`Response` objects (measured 3–10× slower).
 *
 * - Keep-alive: idle connections are kept per address (LIFO, `keepalive` of them), for
 *   `keepaliveTimeout` ms and `keepaliveRequests` requests; `Connection: close`, HTTP/1.0
 *   without keep-alive, a body read until close and framing doubts make a connection single-use.
 *   An idle connection always has a read pending, so a peer that closes it is noticed at once.
 * - The classic random 502 of nginx in front of gunicorn — an upstream closing an idle keep-alive
 *   connection just as a request goes out — is retried once on a fresh connection when nothing
 *   came back and no request body byte was taken from its source (`retryReused`).
 * - Timeouts: `connectTimeout`, `sendTimeout` per write, `readTimeout` between two reads, and
 *   `signal` as a total deadline; each fails with an {@linkcode UpstreamError} of its `kind`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UpstreamPool } from "./client.ts";
 *
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () =>
 *   new Response("hello"));
 * const pool = new UpstreamPool({ keepalive: 8, keepaliveTimeout: 60_000, keepaliveRequests: 1000 });
 * const head = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: app\r\n\r\n");
 * const response = await pool.request(
 *   { transport: "tcp", hostname: "127.0.0.1", port: server.addr.port },
 *   head,
 *   null,
 *   { method: "GET", connectTimeout: 1000, sendTimeout: 1000, readTimeout: 1000 },
 * );
 * assert.equal(response.status, 200);
 * assert.equal(new TextDecoder().decode((await response.body!.read())!), "hello");
 * assert.equal(await response.body!.read(), null);
 * assert.equal(pool.idle(), 1);
 * pool.close();
 * await server.shutdown();
 * ```
 *
 * @module
 */

import type { BodySource } from "../types.ts";
import { BodySkipper } from "../http/_body.ts";
import { findHeadEnd, MAX_HEAD, parseResponseHead, type ResponseHead } from "./_response_head.ts";

/**
 * Where an upstream listens: a TCP host and port, or a unix socket path.
 *
 * @example
 * ```ts
 * import type { UpstreamAddress } from "./client.ts";
 *
 * const app: UpstreamAddress = { transport: "tcp", hostname: "127.0.0.1", port: 8000 };
 * const socket: UpstreamAddress = { transport: "unix", path: "/run/app.sock" };
 * ```
 */
export type UpstreamAddress =
  | { transport: "tcp"; hostname: string; port: number }
  | { transport: "unix"; path: string };

/**
 * How an {@linkcode UpstreamPool} keeps connections (nginx's `keepalive`,
 * `keepalive_timeout` and `keepalive_requests` of an upstream block).
 *
 * @example
 * ```ts
 * import type { PoolOptions } from "./client.ts";
 *
 * const options: PoolOptions = { keepalive: 32, keepaliveTimeout: 60_000, keepaliveRequests: 1000 };
 * ```
 */
export interface PoolOptions {
  /** Idle connections kept per address; 0 keeps none. */
  keepalive: number;
  /** How long an idle connection is kept, in ms. */
  keepaliveTimeout: number;
  /** How many requests one connection carries at most (≥ 1). */
  keepaliveRequests: number;
  /**
   * Let idle connections not keep the process alive (`Deno.Conn.unref()` while idle; the
   * default). A server that lives anyway turns it off: in a Worker thread, a ref/unref pair per
   * request measured ~15 µs of CPU per proxied request (44 against 29 µs).
   */
  unrefIdle?: boolean;
}

/**
 * The deadlines and facts of one request (nginx's `proxy_connect_timeout`,
 * `proxy_send_timeout`, `proxy_read_timeout`).
 *
 * @example
 * ```ts
 * import type { UpstreamRequestOptions } from "./client.ts";
 *
 * const options: UpstreamRequestOptions = {
 *   method: "GET",
 *   connectTimeout: 60_000,
 *   sendTimeout: 60_000,
 *   readTimeout: 60_000,
 *   signal: AbortSignal.timeout(300_000),
 * };
 * ```
 */
export interface UpstreamRequestOptions {
  /** How long a connect may take, in ms (then kind `"connect-timeout"`). */
  connectTimeout: number;
  /** How long one write may take, in ms (then kind `"timeout"`). */
  sendTimeout: number;
  /**
   * How long the upstream may send nothing, in ms, between two reads of the response head or
   * body (then kind `"timeout"`). It runs once the request body is sent.
   */
  readTimeout: number;
  /** A total deadline: aborting it closes the socket (kind `"aborted"`), body reads included. */
  signal?: AbortSignal;
  /** The request's method: a response to HEAD has no body. */
  method: string;
  /**
   * Whether a request that failed on a reused keep-alive connection before any response byte
   * came back, and before any byte of its body was taken from its source, is sent again once
   * on a fresh connection. Default true; pass false for a request that must not run twice.
   */
  retryReused?: boolean;
  /**
   * When the whole body (a Content-Length one) arrived with the head, hand it back as
   * {@linkcode UpstreamResponse.bytes} instead of a `body` to read: the connection goes back to
   * the pool at once, the bytes lent to the caller until it calls `done()`.
   */
  whole?: boolean;
}

/**
 * An upstream's response: the parsed head and the body to read.
 *
 * @example
 * ```ts
 * import type { UpstreamResponse } from "./client.ts";
 *
 * function contentType(response: UpstreamResponse): string | undefined {
 *   const i = response.headers.indexOf("content-type");
 *   return i % 2 === 0 ? response.headers[i + 1] : undefined;
 * }
 * ```
 */
export interface UpstreamResponse {
  /** The status code (never 1xx but 101: informational heads are skipped). */
  status: number;
  /** The reason phrase as sent. */
  reason: string;
  /** The response's HTTP version. */
  version: "1.0" | "1.1";
  /**
   * All header fields, flat `[name, value, …]`, names lower-cased, in order (hop-by-hop ones
   * included: the caller filters them).
   */
  headers: string[];
  /**
   * The body: `null` for HEAD, 1xx, 204, 304 and `Content-Length: 0`. Its `length` is the
   * Content-Length, or -1 (chunked, or until the upstream closes). Chunks are views of the
   * connection's buffer, valid until the next `read()`. Reading the last byte hands the
   * connection back to the pool; `cancel()` closes it. Read it to its end or cancel it: a body
   * left alone keeps its socket open.
   */
  body: BodySource | null;
  /** For status 101: the raw upstream socket (now the caller's) and bytes read past the head. */
  upgraded?: { conn: Deno.Conn; early: Uint8Array };
  /** Whether the response came over a pooled connection. */
  reused: boolean;
  /**
   * With the `whole` option, a body that came whole with the head (then `body` is `null`): a
   * view of the connection's buffer, valid until `done()` is called. Call `done()` once the
   * bytes are no longer needed (copied or sent), or the connection's next exchange needs a new
   * buffer.
   */
  bytes?: Uint8Array;
  /** Given with `bytes`: the caller no longer needs them. */
  done?: () => void;
}

/**
 * What went wrong with an upstream, by `kind`: `"connect"` (refused, unreachable),
 * `"connect-timeout"`, `"timeout"` (a read or a write took too long), `"reset"` (the upstream
 * closed or reset the connection), `"invalid-response"`, `"aborted"` (the signal, `cancel()`,
 * or the request body's source failed: then `cause` is its error).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UpstreamError } from "./client.ts";
 *
 * const error = new UpstreamError("timeout", "Cannot read the upstream's response", { sent: true });
 * assert.equal(error.kind, "timeout");
 * assert.ok(error.sent);
 * ```
 */
export type UpstreamErrorKind =
  | "connect"
  | "connect-timeout"
  | "timeout"
  | "reset"
  | "invalid-response"
  | "aborted";

/**
 * A failed exchange with an upstream; `kind` says how (nginx's `proxy_next_upstream`
 * conditions map onto it), `sent` whether any request byte was written to the socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UpstreamError } from "./client.ts";
 *
 * const error = new UpstreamError("connect", 'Cannot connect to "127.0.0.1:1": refused');
 * assert.equal(error.kind, "connect");
 * assert.equal(error.sent, false);
 * ```
 */
export class UpstreamError extends Error {
  /** How the exchange failed. */
  readonly kind: UpstreamErrorKind;
  /** Whether any request byte was written to the upstream's socket. */
  readonly sent: boolean;

  /** Makes the error; `options.sent` defaults to false. */
  constructor(
    kind: UpstreamErrorKind,
    message: string,
    options: { sent?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "UpstreamError";
    this.kind = kind;
    this.sent = options.sent ?? false;
  }
}

/** The read buffer of a connection: response heads must fit in it. */
const BUFFER_SIZE = MAX_HEAD;
/**
 * A new connection's buffer; it doubles (up to {@linkcode BUFFER_SIZE}) when a head or a read
 * fills it. Upstreams that close every connection (gunicorn's sync workers) make one connection
 * per request: a 64 KiB buffer each measured as GC pressure.
 */
const INITIAL_BUFFER = 8 * 1024;

/** A bigger copy of `link`'s buffer (its unread bytes moved to the start). */
function grow(link: Link): void {
  const bigger = new Uint8Array(Math.min(link.buf.length * 2, BUFFER_SIZE));
  bigger.set(link.buf.subarray(link.start, link.end));
  link.end -= link.start;
  link.start = 0;
  link.buf = bigger;
}
/** How many 1xx heads may come before the final one. */
const MAX_INFORMATIONAL = 16;
/** Request body chunks up to this size are framed by a copy into one write. */
const SCRATCH_DATA = 16 * 1024;
const CR = 13;
const LF = 10;
const CRLF = new Uint8Array([CR, LF]);
const LAST_CHUNK = new TextEncoder().encode("0\r\n\r\n");
const encoder = new TextEncoder();

/** How a response body is framed. */
const enum Mode {
  None,
  Length,
  Chunked,
  Close,
}

/** One upstream connection: its socket, read buffer and deadlines. */
class Link {
  readonly conn: Deno.Conn;
  readonly key: string;
  buf: Uint8Array = new Uint8Array(INITIAL_BUFFER);
  /** Unconsumed bytes are `buf[start, end)`. */
  start = 0;
  end = 0;
  /** Exchanges begun on this connection. */
  requests = 0;
  readonly skipper: BodySkipper = new BodySkipper();
  scratch: Uint8Array | null = null;
  /** In the pool's idle stack. */
  idle = false;
  idleSince = 0;
  /** The read that watches an idle connection, taken over by the next exchange. */
  pending: Promise<number | null> | null = null;
  /** Settles the watching read of an idle connection (made once per connection). */
  onIdleRead: (() => void) | null = null;
  /** The exchange whose last chunk still views `buf` (then no read may go into it). */
  lentTo: object | null = null;
  readDeadline = 0;
  writeDeadline = 0;
  readTimeout = 0;
  sendTimeout = 0;
  /** Why the connection was closed under its reads and writes (a timeout, an abort). */
  failure: { kind: UpstreamErrorKind; message: string } | null = null;
  closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  #due = 0;

  constructor(conn: Deno.Conn, key: string) {
    this.conn = conn;
    this.key = key;
  }

  /**
   * Makes sure a timer fires by `deadline` (ms, `performance.now()`). One lazy timer serves
   * all deadlines: it re-arms itself for a deadline pushed later, so a busy connection costs
   * about one timer per timeout period, not one per read.
   */
  watch(deadline: number): void {
    if (this.#timer !== undefined) {
      if (this.#due <= deadline) return;
      clearTimeout(this.#timer);
    }
    this.#due = deadline;
    this.#timer = setTimeout(this.#tick, Math.max(0, deadline - performance.now()));
    Deno.unrefTimer(this.#timer);
  }

  #tick = (): void => {
    this.#timer = undefined;
    const now = performance.now() + 0.5;
    const read = this.readDeadline;
    const write = this.writeDeadline;
    if (read !== 0 && read <= now) {
      return this.fail("timeout", `the upstream sent nothing for ${this.readTimeout} ms`);
    }
    if (write !== 0 && write <= now) {
      return this.fail("timeout", `the upstream accepted nothing for ${this.sendTimeout} ms`);
    }
    const next = read === 0 ? write : write === 0 ? read : Math.min(read, write);
    if (next !== 0) this.watch(next);
  };

  /** Closes the connection, remembering why for the reads and writes it breaks. */
  fail(kind: UpstreamErrorKind, message: string): void {
    this.failure ??= { kind, message };
    this.close();
  }

  /** Closes the socket and stops the timer. */
  close(): void {
    if (this.closed) return;
    this.disown();
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  /** Lets go of the socket without closing it (an upgrade hands it over). */
  disown(): void {
    this.closed = true;
    this.idle = false;
    this.readDeadline = this.writeDeadline = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** The idle connections, per address: LIFO stacks, swept after `keepaliveTimeout`. */
class Keeper {
  readonly options: PoolOptions;
  closed = false;
  #stacks = new Map<string, Link[]>();
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(options: PoolOptions) {
    this.options = options;
  }

  /** The most recently idle connection to `key`, or `null`. */
  take(key: string): Link | null {
    const stack = this.#stacks.get(key);
    let link = stack?.pop();
    while (link !== undefined && link.closed) link = stack!.pop();
    if (link === undefined) return null;
    link.idle = false;
    if (this.options.unrefIdle !== false) link.conn.ref();
    if (link.lentTo !== null) {
      // The last exchange's caller may still hold a chunk viewing the buffer.
      link.lentTo = null;
      link.buf = new Uint8Array(INITIAL_BUFFER);
    }
    return link;
  }

  /** Keeps `link` idle (or closes it); `lentTo` still holds a view of its buffer. */
  release(link: Link, lentTo: object | null): void {
    const options = this.options;
    if (this.closed || options.keepalive === 0 || link.requests >= options.keepaliveRequests) {
      return link.close();
    }
    let stack = this.#stacks.get(link.key);
    if (stack === undefined) this.#stacks.set(link.key, stack = []);
    if (stack.length >= options.keepalive) stack.shift()!.close();
    link.start = link.end = 0;
    link.idle = true;
    link.idleSince = performance.now();
    link.lentTo = lentTo;
    stack.push(link);
    if (lentTo === null) this.#watchIdle(link);
    if (this.#timer === undefined) this.#schedule(options.keepaliveTimeout);
  }

  /** The exchange `owner` no longer holds a view of `link`'s buffer. */
  unlend(link: Link, owner: object): void {
    if (link.lentTo !== owner) return;
    link.lentTo = null;
    if (link.idle) this.#watchIdle(link);
  }

  /** Idle connections to `key`, or to all addresses. */
  count(key?: string): number {
    if (key !== undefined) return this.#stacks.get(key)?.length ?? 0;
    let n = 0;
    for (const stack of this.#stacks.values()) n += stack.length;
    return n;
  }

  /** Closes every idle connection; released ones are closed from now on. */
  close(): void {
    this.closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const stack of this.#stacks.values()) {
      for (const link of stack) link.close();
    }
    this.#stacks.clear();
  }

  /**
   * Reads from an idle connection: a peer that closes it (or sends anything unasked) gets it
   * dropped at once. The next exchange takes the read over as its first.
   */
  #watchIdle(link: Link): void {
    // Idle connections never keep the process alive (unless the pool says they may).
    if (this.options.unrefIdle !== false) link.conn.unref();
    const pending = link.conn.read(link.buf);
    link.pending = pending;
    // Runs before the continuation of an exchange that took the read over (it was attached
    // first): then the link is busy and nothing happens. A rejection is handled here too.
    const settled = link.onIdleRead ??= () => this.#idleReadSettled(link);
    pending.then(settled, settled);
  }

  /** The watching read of `link` settled: if it is still idle, the upstream closed or spoke. */
  #idleReadSettled(link: Link): void {
    if (!link.idle || link.pending === null) return;
    const stack = this.#stacks.get(link.key);
    const i = stack === undefined ? -1 : stack.indexOf(link);
    if (i !== -1) stack!.splice(i, 1);
    link.close();
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(this.#sweep, Math.max(0, delay));
    Deno.unrefTimer(this.#timer);
  }

  #sweep = (): void => {
    this.#timer = undefined;
    const now = performance.now() + 1;
    const timeout = this.options.keepaliveTimeout;
    let next = Infinity;
    for (const [key, stack] of this.#stacks) {
      // Oldest first: a stack only grows at its end.
      while (stack.length > 0 && stack[0].idleSince + timeout <= now) stack.shift()!.close();
      if (stack.length === 0) this.#stacks.delete(key);
      else if (stack[0].idleSince + timeout < next) next = stack[0].idleSince + timeout;
    }
    if (next !== Infinity) this.#schedule(next - now + 1);
  };
}

/**
 * A pool of keep-alive HTTP/1.1 connections to upstreams, and the client that uses them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UpstreamError, UpstreamPool } from "./client.ts";
 *
 * const pool = new UpstreamPool({ keepalive: 32, keepaliveTimeout: 60_000, keepaliveRequests: 1000 });
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * listener.close(); // nothing listens on that port now
 * const head = new TextEncoder().encode("GET / HTTP/1.1\r\nHost: app\r\n\r\n");
 * const options = { method: "GET", connectTimeout: 500, sendTimeout: 500, readTimeout: 500 };
 * const address = { transport: "tcp" as const, hostname: "127.0.0.1", port: listener.addr.port };
 * await assert.rejects(pool.request(address, head, null, options), (error) =>
 *   error instanceof UpstreamError && error.kind === "connect" && !error.sent);
 * pool.close();
 * ```
 */
export class UpstreamPool {
  #keeper: Keeper;

  /** Makes an empty pool; throws a `RangeError` on an invalid option. */
  constructor(options: PoolOptions) {
    const { keepalive, keepaliveTimeout, keepaliveRequests } = options;
    if (!Number.isInteger(keepalive) || keepalive < 0) {
      throw new RangeError(`Cannot create the upstream pool: keepalive "${keepalive}" is not ≥ 0`);
    }
    if (!(keepaliveTimeout > 0)) {
      throw new RangeError(
        `Cannot create the upstream pool: keepaliveTimeout "${keepaliveTimeout}" is not > 0`,
      );
    }
    if (!(keepaliveRequests >= 1)) {
      throw new RangeError(
        `Cannot create the upstream pool: keepaliveRequests "${keepaliveRequests}" is not ≥ 1`,
      );
    }
    this.#keeper = new Keeper({
      keepalive,
      keepaliveTimeout,
      keepaliveRequests,
      unrefIdle: options.unrefIdle ?? true,
    });
  }

  /**
   * Sends one request and resolves with the response head once it arrives.
   *
   * `head` is the whole request head (`GET /x HTTP/1.1\r\nHost: …\r\n\r\n`), as bytes or as
   * text (encoded as UTF-8 into the connection's own buffer), built by the caller with its
   * framing: Content-Length, or `Transfer-Encoding: chunked` when
   * `body.length` is -1 (then the client chunks the body). Use HTTP/1.1 for keep-alive. The
   * body is streamed after the head, the response being read meanwhile (an early answer such
   * as a 413 is not lost). Failures reject with an {@linkcode UpstreamError}; when
   * `body.read()` failed (the client's side broke) or gave more or fewer bytes than
   * `body.length`, its kind is `"aborted"` and its `cause` that error.
   */
  async request(
    address: UpstreamAddress,
    head: Uint8Array | string,
    body: BodySource | null,
    options: UpstreamRequestOptions,
  ): Promise<UpstreamResponse> {
    const keeper = this.#keeper;
    if (keeper.closed) throw new Error("Cannot send the request: the upstream pool is closed");
    if (options.signal?.aborted) {
      throw new UpstreamError("aborted", "Cannot send the request: it was aborted");
    }
    const key = addressKey(address);
    const link = keeper.take(key);
    if (link !== null) {
      const exchange = new Exchange(keeper, link, true, options);
      try {
        return await exchange.run(head, body);
      } catch (error) {
        if (options.retryReused === false || !exchange.retryable(error) || keeper.closed) {
          throw error;
        }
      }
    }
    const fresh = await connect(address, key, options);
    return await new Exchange(keeper, fresh, false, options).run(head, body);
  }

  /** How many idle connections are kept, to `address` or in all. */
  idle(address?: UpstreamAddress): number {
    return this.#keeper.count(address === undefined ? undefined : addressKey(address));
  }

  /** Closes the idle connections and stops the pool's timer; busy ones close when done. */
  close(): void {
    this.#keeper.close();
  }

  /** Same as {@linkcode UpstreamPool.close}, for `using`. */
  [Symbol.dispose](): void {
    this.#keeper.close();
  }
}

/** Keys made so far, per address object (a group's addresses live as long as it). */
const keys = new WeakMap<UpstreamAddress, string>();

/** The pool's key for an address (also how errors name it). */
function addressKey(address: UpstreamAddress): string {
  let key = keys.get(address);
  if (key === undefined) {
    if (address.transport === "unix") key = `unix:${address.path}`;
    else {
      const host = address.hostname;
      key = host.includes(":") ? `[${host}]:${address.port}` : `${host}:${address.port}`;
    }
    keys.set(address, key);
  }
  return key;
}

/** Opens a connection to `address` under the connect timeout and the signal. */
async function connect(
  address: UpstreamAddress,
  key: string,
  options: UpstreamRequestOptions,
): Promise<Link> {
  const { connectTimeout, signal } = options;
  let why: "connect-timeout" | "aborted" | null = null;
  const controller = new AbortController();
  const timer = setTimeout(() => {
    why ??= "connect-timeout";
    controller.abort();
  }, connectTimeout);
  const onAbort = () => {
    why ??= "aborted";
    controller.abort();
  };
  signal?.addEventListener("abort", onAbort);
  try {
    let conn: Deno.Conn;
    if (address.transport === "tcp") {
      conn = await Deno.connect({
        hostname: address.hostname,
        port: address.port,
        signal: controller.signal,
      });
      (conn as Deno.TcpConn).setNoDelay(true);
    } else {
      conn = await connectUnix(address.path, controller.signal);
    }
    return new Link(conn, key);
  } catch (error) {
    if (why === "connect-timeout") {
      throw new UpstreamError(
        "connect-timeout",
        `Cannot connect to "${key}": no connection after ${connectTimeout} ms`,
        { cause: error },
      );
    }
    if (why === "aborted") {
      throw new UpstreamError("aborted", `Cannot connect to "${key}": the request was aborted`, {
        cause: error,
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new UpstreamError("connect", `Cannot connect to "${key}": ${reason}`, { cause: error });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/** `Deno.connect` to a unix socket, which takes no signal: the signal wins a race. */
function connectUnix(path: string, signal: AbortSignal): Promise<Deno.Conn> {
  const connecting = Deno.connect({ transport: "unix", path });
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new DOMException("The connect was aborted", "AbortError"));
    signal.addEventListener("abort", onAbort, { once: true });
    connecting.then((conn) => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) conn.close();
      else resolve(conn);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
  });
}

/**
 * One request on one connection: writes the head, pumps the body, reads the response head,
 * then serves as the response's {@linkcode BodySource}.
 */
class Exchange implements BodySource {
  length = 0;
  #keeper: Keeper;
  #link: Link;
  #options: UpstreamRequestOptions;
  #reused: boolean;
  #mode = Mode.None;
  #reusable = false;
  /** A request byte was written. */
  #sent = false;
  /** A response byte was read. */
  #received = false;
  /** The request body's `read()` was called. */
  #touched = false;
  #pumping = false;
  /** Writing the request body to the upstream failed (the connection is not reused). */
  #broken = false;
  #pumpError: unknown = undefined;
  #reading = false;
  #busy = false;
  #finished = false;
  /** Why the body failed; later reads throw it again. */
  #failure: unknown = undefined;
  #onAbort: (() => void) | null = null;

  constructor(keeper: Keeper, link: Link, reused: boolean, options: UpstreamRequestOptions) {
    this.#keeper = keeper;
    this.#link = link;
    this.#reused = reused;
    this.#options = options;
  }

  /** Sends the request and reads up to the response head. */
  async run(head: Uint8Array | string, body: BodySource | null): Promise<UpstreamResponse> {
    const link = this.#link;
    const options = this.#options;
    link.requests++;
    link.readTimeout = options.readTimeout;
    link.sendTimeout = options.sendTimeout;
    const signal = options.signal;
    if (signal !== undefined) {
      const onAbort = () => link.fail("aborted", "the request was aborted");
      this.#onAbort = onAbort;
      signal.addEventListener("abort", onAbort, { once: true });
    }
    try {
      if (typeof head === "string") {
        // Encoded into the connection's scratch buffer (no new buffer per request), free again
        // once written.
        const scratch = link.scratch ??= new Uint8Array(SCRATCH_DATA + 32);
        const { read, written } = encoder.encodeInto(head, scratch);
        await this.#write(
          read === head.length ? scratch.subarray(0, written) : encoder.encode(head),
        );
      } else await this.#write(head);
      if (body !== null) {
        this.#pumping = true;
        this.#pump(body);
      }
      return await this.#readHead();
    } catch (error) {
      this.#finish(false);
      const pumpError = this.#pumpError;
      if (pumpError !== undefined) {
        const reason = pumpError instanceof Error ? pumpError.message : String(pumpError);
        throw new UpstreamError("aborted", `Cannot send the request body: ${reason}`, {
          sent: this.#sent,
          cause: pumpError,
        });
      }
      throw this.#translate(error, "read the upstream's response");
    }
  }

  /** Whether `error` (from {@linkcode run}) allows sending the request again. */
  retryable(error: unknown): boolean {
    return error instanceof UpstreamError && error.kind === "reset" && !this.#received &&
      !this.#touched && this.#link.failure === null && this.#options.signal?.aborted !== true;
  }

  async #readHead(): Promise<UpstreamResponse> {
    const link = this.#link;
    let informational = 0;
    while (true) {
      let end = findHeadEnd(link.buf, link.start, link.end);
      while (end === -1) {
        if (link.end - link.start >= MAX_HEAD) {
          throw new UpstreamError(
            "invalid-response",
            `Cannot read the upstream's response: its head is larger than ${MAX_HEAD} bytes`,
            { sent: this.#sent },
          );
        }
        if (link.start === link.end) link.start = link.end = 0;
        else if (link.end === link.buf.length) {
          if (link.start === 0 && link.buf.length < BUFFER_SIZE) grow(link);
          else {
            link.buf.copyWithin(0, link.start, link.end);
            link.end -= link.start;
            link.start = 0;
          }
        }
        if (await this.#fill() === null) {
          throw new UpstreamError(
            "reset",
            this.#received
              ? "Cannot read the upstream's response: the upstream closed the connection in its head"
              : "Cannot read the upstream's response: the upstream closed the connection",
            { sent: this.#sent },
          );
        }
        end = findHeadEnd(link.buf, link.start, link.end);
      }
      let head: ResponseHead;
      try {
        head = parseResponseHead(link.buf, link.start, end);
      } catch (error) {
        throw new UpstreamError(
          "invalid-response",
          `Cannot read the upstream's response: ${(error as Error).message}`,
          { sent: this.#sent, cause: error },
        );
      }
      link.start = end;
      // 1xx heads (100 Continue, 103 Early Hints) are skipped; 101 ends the exchange.
      if (head.status >= 200 || head.status === 101) return this.#respond(head);
      if (++informational > MAX_INFORMATIONAL) {
        throw new UpstreamError(
          "invalid-response",
          `Cannot read the upstream's response: more than ${MAX_INFORMATIONAL} 1xx heads`,
          { sent: this.#sent },
        );
      }
    }
  }

  /** Decides the body's framing (RFC 9112 §6.3) and whether the connection is reused. */
  #respond(head: ResponseHead): UpstreamResponse {
    const link = this.#link;
    const response: UpstreamResponse = {
      status: head.status,
      reason: head.reason,
      version: head.version,
      headers: head.headers,
      body: null,
      reused: this.#reused,
    };
    if (head.status === 101) {
      this.#finished = true;
      this.#detach();
      link.disown();
      response.upgraded = { conn: link.conn, early: link.buf.subarray(link.start, link.end) };
      return response;
    }
    let reusable = head.version === "1.1" ? !head.close : head.keepAlive && !head.close;
    let mode = Mode.None;
    let length = 0;
    if (this.#options.method === "HEAD" || head.status === 204 || head.status === 304) {
      // No body, whatever the fields say.
    } else if (head.encoded) {
      // Transfer-Encoding wins over Content-Length, but such an upstream is not trusted again.
      if (head.contentLength !== -1) reusable = false;
      mode = head.chunked ? Mode.Chunked : Mode.Close;
      length = -1;
    } else if (head.contentLength !== -1) {
      length = head.contentLength;
      mode = length === 0 ? Mode.None : Mode.Length;
    } else {
      mode = Mode.Close;
      length = -1;
    }
    this.#reusable = reusable && mode !== Mode.Close && !this.#broken;
    this.#mode = mode;
    this.length = length;
    if (mode === Mode.None) {
      this.#finish(true);
      return response;
    }
    if (
      mode === Mode.Length && this.#options.whole === true && link.end - link.start === length &&
      !this.#pumping
    ) {
      // The whole body is here (and nothing past it): bytes lent until done(), the connection
      // back in the pool now.
      response.bytes = link.buf.subarray(link.start, link.end);
      link.start = link.end;
      this.#finish(true, true);
      response.done = () => this.#keeper.unlend(link, this);
      return response;
    }
    if (mode !== Mode.Close) link.skipper.begin(length);
    response.body = this;
    return response;
  }

  /** The next chunk of the response body, or `null` at its end. */
  read(): Promise<Uint8Array | null> {
    if (this.#finished) {
      if (this.#failure !== undefined) return Promise.reject(this.#failure);
      this.#keeper.unlend(this.#link, this);
      return Promise.resolve(null);
    }
    if (this.#busy) {
      return Promise.reject(
        new Error("Cannot read the upstream's response body: a read is in progress"),
      );
    }
    try {
      const chunk = this.#take();
      if (chunk !== undefined) return Promise.resolve(chunk);
    } catch (error) {
      return Promise.reject(this.#fail(error));
    }
    this.#busy = true;
    return this.#next();
  }

  /** Gives up on the rest of the body: the connection is closed. */
  cancel(): void {
    if (this.#finished) return this.#keeper.unlend(this.#link, this);
    this.#failure = new UpstreamError(
      "aborted",
      "Cannot read the upstream's response body: it was cancelled",
      { sent: this.#sent },
    );
    this.#finish(false);
  }

  /** Body data from the buffer: a chunk, `null` at the end, `undefined` when it needs bytes. */
  #take(): Uint8Array | null | undefined {
    const link = this.#link;
    const buf = link.buf;
    while (link.start < link.end) {
      if (this.#mode === Mode.Close) {
        const chunk = buf.subarray(link.start, link.end);
        link.start = link.end;
        return chunk;
      }
      const skipper = link.skipper;
      let used: number;
      try {
        used = skipper.take(buf, link.start, link.end);
      } catch (error) {
        throw new UpstreamError(
          "invalid-response",
          `Cannot read the upstream's response body: ${(error as Error).message}`,
          { sent: this.#sent, cause: error },
        );
      }
      link.start += used;
      const n = skipper.dataLength;
      const data = n === 0 ? null : buf.subarray(skipper.dataStart, skipper.dataStart + n);
      if (skipper.done) {
        this.#finish(true, data !== null);
        return data;
      }
      if (data !== null) return data;
    }
    return undefined;
  }

  async #next(): Promise<Uint8Array | null> {
    const link = this.#link;
    try {
      while (true) {
        // The last read filled the buffer: a bigger one reads a large body in fewer reads (the
        // chunk handed out before stays valid: it views the old buffer).
        if (link.end === link.buf.length && link.buf.length < BUFFER_SIZE) {
          link.buf = new Uint8Array(Math.min(link.buf.length * 2, BUFFER_SIZE));
        }
        link.start = link.end = 0;
        if (await this.#fill() === null) {
          if (this.#mode === Mode.Close) {
            this.#finish(false);
            return null;
          }
          throw new UpstreamError(
            "reset",
            "Cannot read the upstream's response body: the upstream closed the connection before its end",
            { sent: this.#sent },
          );
        }
        const chunk = this.#take();
        if (chunk !== undefined) return chunk;
      }
    } catch (error) {
      throw this.#fail(error);
    } finally {
      this.#busy = false;
    }
  }

  #fail(error: unknown): unknown {
    const failure = this.#translate(error, "read the upstream's response body");
    this.#failure ??= failure;
    this.#finish(false);
    return failure;
  }

  /** Reads into the buffer's free end, under the read deadline once the body is sent. */
  async #fill(): Promise<number | null> {
    const link = this.#link;
    this.#reading = true;
    if (!this.#pumping) {
      link.readDeadline = performance.now() + this.#options.readTimeout;
      link.watch(link.readDeadline);
    }
    let n: number | null;
    try {
      const pending = link.pending;
      if (pending !== null) {
        link.pending = null;
        n = await pending;
      } else {
        n = await link.conn.read(link.end === 0 ? link.buf : link.buf.subarray(link.end));
      }
    } catch (error) {
      throw this.#translate(error, "read the upstream's response");
    } finally {
      this.#reading = false;
      link.readDeadline = 0;
    }
    if (n !== null) {
      link.end += n;
      this.#received = true;
    }
    return n;
  }

  /** Writes all of `bytes`, each write under the send deadline. */
  async #write(bytes: Uint8Array): Promise<void> {
    const link = this.#link;
    let offset = 0;
    while (offset < bytes.length) {
      link.writeDeadline = performance.now() + this.#options.sendTimeout;
      link.watch(link.writeDeadline);
      let n: number;
      try {
        n = await link.conn.write(offset === 0 ? bytes : bytes.subarray(offset));
      } catch (error) {
        throw this.#translate(error, "send the request to the upstream");
      } finally {
        link.writeDeadline = 0;
      }
      if (n > 0) this.#sent = true;
      offset += n;
    }
  }

  /** Streams the request body (chunked when its length is -1) beside the response read. */
  async #pump(body: BodySource): Promise<void> {
    const link = this.#link;
    const chunked = body.length < 0;
    let total = 0;
    try {
      while (true) {
        this.#touched = true;
        const chunk = await body.read();
        if (this.#finished) return;
        if (chunk === null) break;
        if (chunk.length === 0) continue;
        total += chunk.length;
        if (!chunked && total > body.length) {
          throw new RangeError(`The request body is longer than its length (${body.length})`);
        }
        if (chunked) await this.#writeChunk(chunk);
        else await this.#write(chunk);
      }
      if (chunked) await this.#write(LAST_CHUNK);
      else if (total !== body.length) {
        throw new RangeError(`The request body ended after ${total} of its ${body.length} bytes`);
      }
    } catch (error) {
      if (this.#finished) return;
      if (error instanceof UpstreamError) {
        // The upstream stopped reading: its answer (a 413, say) may still come. A timeout or
        // an abort closed the connection: the response read reports it.
        this.#broken = true;
        this.#reusable = false;
      } else {
        this.#pumpError = error;
        link.fail("aborted", "the request body could not be read");
      }
    } finally {
      this.#pumping = false;
      if (this.#reading && !link.closed) {
        link.readDeadline = performance.now() + this.#options.readTimeout;
        link.watch(link.readDeadline);
      }
    }
  }

  /** Writes one chunk with its chunked framing: one write for a small chunk. */
  async #writeChunk(chunk: Uint8Array): Promise<void> {
    const size = chunk.length.toString(16);
    if (chunk.length > SCRATCH_DATA) {
      await this.#write(encoder.encode(size + "\r\n"));
      await this.#write(chunk);
      await this.#write(CRLF);
      return;
    }
    const link = this.#link;
    const scratch = link.scratch ??= new Uint8Array(SCRATCH_DATA + 32);
    let p = 0;
    for (let i = 0; i < size.length; i++) scratch[p++] = size.charCodeAt(i);
    scratch[p++] = CR;
    scratch[p++] = LF;
    scratch.set(chunk, p);
    p += chunk.length;
    scratch[p++] = CR;
    scratch[p++] = LF;
    await this.#write(scratch.subarray(0, p));
  }

  /** Ends the exchange: the connection goes back to the pool when it can, else is closed. */
  #finish(ok: boolean, lent = false): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#detach();
    const link = this.#link;
    link.readDeadline = 0;
    if (ok && this.#reusable && !this.#pumping && !link.closed && link.start === link.end) {
      this.#keeper.release(link, lent ? this : null);
    } else {
      link.close();
    }
  }

  #detach(): void {
    if (this.#onAbort === null) return;
    this.#options.signal!.removeEventListener("abort", this.#onAbort);
    this.#onAbort = null;
  }

  /** `error` as an {@linkcode UpstreamError}: the connection's failure, else a reset. */
  #translate(error: unknown, action: string): UpstreamError {
    if (error instanceof UpstreamError) return error;
    const failure = this.#link.failure;
    if (failure !== null) {
      return new UpstreamError(failure.kind, `Cannot ${action}: ${failure.message}`, {
        sent: this.#sent,
        cause: error,
      });
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new UpstreamError("reset", `Cannot ${action}: ${reason}`, {
      sent: this.#sent,
      cause: error,
    });
  }
}
