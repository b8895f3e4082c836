/**
 * Running WSGI-shaped ("classic") apps as ngw2f apps, with PEP 3333's semantics.
 *
 * A classic app receives an `environ` object and a `startResponse` callback and returns the body as
 * an iterable (sync or async) of chunks. `classic(app)` turns it into an {@linkcode AppObject}.
 * Departures from PEP 3333, forced by JavaScript: body chunks may be strings (encoded as UTF-8),
 * `wsgi.input` is asynchronous, and `excInfo` is the error being handled rather than a
 * `(type, value, traceback)` triple.
 *
 * @module
 */

import type { Logger } from "./logger.ts";
import { HOP_BY_HOP } from "./hop_by_hop.ts";
import type { AppObject, Context } from "./types.ts";

/**
 * One piece of a response body: bytes, or a string (sent as UTF-8).
 *
 * @example
 * ```ts
 * import type { BodyChunk } from "./classic.ts";
 * const chunks: BodyChunk[] = ["Hello, ", new TextEncoder().encode("World!\n")];
 * ```
 */
export type BodyChunk = Uint8Array | string;

/**
 * A classic app's body: an array, generator or any iterable of chunks, sync or async. If it has
 * a `close()` method (sync or async) the adapter calls it exactly once, however the request ends.
 *
 * @example
 * ```ts
 * import type { ClassicBody } from "./classic.ts";
 * const body: ClassicBody = (async function* () {
 *   yield "Hello, World!\n";
 * })();
 * ```
 */
export type ClassicBody = Iterable<BodyChunk> | AsyncIterable<BodyChunk>;

/**
 * PEP 3333's `exc_info`: here the error being handled, not a `(type, value, traceback)` triple.
 *
 * @example
 * ```ts
 * import type { ExcInfo } from "./classic.ts";
 * const excInfo: ExcInfo = new Error("the template failed");
 * ```
 */
export type ExcInfo = unknown;

/**
 * Sends a chunk at once (PEP 3333's `write()`), ahead of any the app's body yields later. It
 * cannot wait, so it gives no backpressure: prefer yielding chunks.
 *
 * @example
 * ```ts
 * import type { WriteFn } from "./classic.ts";
 * const shout = (write: WriteFn) => write("HELLO\n");
 * ```
 */
export type WriteFn = (chunk: BodyChunk) => void;

/**
 * Sets the status (`"200 OK"`) and headers and returns a {@linkcode WriteFn}. Calling it again
 * needs `excInfo`: it replaces the status and headers if they have not been sent yet, and
 * rethrows `excInfo` if they have. Hop-by-hop headers (`Connection`, ...) are dropped.
 *
 * @example
 * ```ts
 * import type { StartResponse } from "./classic.ts";
 * const notFound = (startResponse: StartResponse) => startResponse("404 Not Found", []);
 * ```
 */
export type StartResponse = (
  status: string,
  headers: Array<[string, string]>,
  excInfo?: ExcInfo,
) => WriteFn;

/**
 * `wsgi.input`: the request body, read lazily. At the end of the body reads give empty arrays;
 * iterating yields lines.
 *
 * @example
 * ```ts
 * import type { InputStream } from "./classic.ts";
 * const firstLine = (input: InputStream) => input.readline();
 * ```
 */
export interface InputStream extends AsyncIterable<Uint8Array> {
  /** Up to `size` bytes; all that is left when `size` is omitted or negative. */
  read(size?: number): Promise<Uint8Array>;
  /** The next line, with its `\n`; at most `size` bytes when given. */
  readline(size?: number): Promise<Uint8Array>;
  /** The remaining lines; stops once about `hint` bytes have been read, when given. */
  readlines(hint?: number): Promise<Uint8Array[]>;
}

/**
 * `wsgi.errors`: text is buffered and each complete line goes to `ctx.log.warn`; `flush()` sends
 * a partial line. The adapter flushes at the end of every request.
 *
 * @example
 * ```ts
 * import type { ErrorStream } from "./classic.ts";
 * const complain = (errors: ErrorStream) => errors.write("cache miss\n");
 * ```
 */
export interface ErrorStream {
  /** Adds text. */
  write(text: string): void;
  /** Adds each string in turn (no newlines are added). */
  writelines(lines: Iterable<string>): void;
  /** Logs a pending partial line. */
  flush(): void;
}

/**
 * The per-request environ: CGI variables, `HTTP_*` headers and `wsgi.*` entries, plus
 * `ngw2f.context` and `ngw2f.request` for classic middleware that needs the modern objects.
 * `PATH_INFO` is percent-decoded with one character per byte (PEP 3333's "bytes as latin-1").
 * `CONTENT_TYPE`/`CONTENT_LENGTH` exist only when the request has those headers, `REMOTE_*` only
 * for TCP clients. Headers whose names contain `_` are dropped, as gunicorn and nginx do.
 *
 * @example
 * ```ts
 * import type { Environ } from "./classic.ts";
 * const where = (environ: Environ) => `${environ.SCRIPT_NAME}${environ.PATH_INFO}`;
 * ```
 */
export interface Environ {
  /** The request method, e.g. `GET`. */
  REQUEST_METHOD: string;
  /** Where the app is mounted (`ctx.rootPath`), `""` at the root. */
  SCRIPT_NAME: string;
  /** The path below `SCRIPT_NAME`, percent-decoded, one character per byte. */
  PATH_INFO: string;
  /** The query without its `?`, `""` when there is none. */
  QUERY_STRING: string;
  /** The Content-Type header, when the request has one. */
  CONTENT_TYPE?: string;
  /** The Content-Length header, when the request has one. */
  CONTENT_LENGTH?: string;
  /** The server's name (`ctx.serverName`). */
  SERVER_NAME: string;
  /** The port the request arrived on. */
  SERVER_PORT: string;
  /** The request line's version, e.g. `HTTP/1.1`. */
  SERVER_PROTOCOL: string;
  /** The client's IP address (TCP clients only). */
  REMOTE_ADDR?: string;
  /** The client's port (TCP clients only). */
  REMOTE_PORT?: string;
  /** Always `[1, 0]`. */
  "wsgi.version": readonly [1, 0];
  /** `http` or `https` (`ctx.scheme`). */
  "wsgi.url_scheme": "http" | "https";
  /** The request body. */
  "wsgi.input": InputStream;
  /** Text written here goes to the server's error log, a line at a time. */
  "wsgi.errors": ErrorStream;
  /** Always false: a worker runs one JavaScript thread. */
  "wsgi.multithread": boolean;
  /** True when the server runs more than one worker. */
  "wsgi.multiprocess": boolean;
  /** Always false. */
  "wsgi.run_once": boolean;
  /** The modern context, for classic middleware that needs it. */
  "ngw2f.context": Context;
  /** The modern request, for classic middleware that needs it. */
  "ngw2f.request": Request;
  /** Entries added by servers and middleware. */
  [key: string]: unknown;
}

/**
 * A classic (WSGI-shaped) app.
 *
 * @example
 * ```ts
 * import type { ClassicApp } from "./classic.ts";
 * const app: ClassicApp = (_environ, startResponse) => {
 *   startResponse("200 OK", [["Content-Type", "text/plain"]]);
 *   return ["Hello, World!\n"];
 * };
 * ```
 */
export type ClassicApp = (
  environ: Environ,
  startResponse: StartResponse,
) => ClassicBody | Promise<ClassicBody>;

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
const VERSION: readonly [1, 0] = Object.freeze([1, 0] as const);
const STATUS = /^(\d{3}) ([\t\x20-\x7e\x80-\xff]*)$/;
const NULL_BODY = new Set([204, 205, 304]);
const httpKeys = new Map<string, string>();

function httpKey(name: string): string {
  let key = httpKeys.get(name);
  if (key === undefined) {
    key = "HTTP_" + name.toUpperCase().replaceAll("-", "_");
    if (httpKeys.size < 1000) httpKeys.set(name, key);
  }
  return key;
}

function latin1Unquote(path: string): string {
  return path.replace(/%([0-9a-fA-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function toBytes(chunk: unknown): Uint8Array {
  if (typeof chunk === "string") return encoder.encode(chunk);
  if (chunk instanceof Uint8Array) return chunk;
  const shown = Deno.inspect(chunk);
  throw new TypeError(
    `Cannot send the response body: a chunk is ${shown}, not a Uint8Array or string`,
  );
}

class RequestInput implements InputStream {
  #request: Request;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null | undefined;
  #buffer: Uint8Array = EMPTY;

  constructor(request: Request) {
    this.#request = request;
  }

  /** Appends the next chunk of the body to the buffer; false at the end. */
  async #fill(): Promise<boolean> {
    if (this.#reader === undefined) this.#reader = this.#request.body?.getReader() ?? null;
    if (this.#reader === null) return false;
    const { done, value } = await this.#reader.read();
    if (done) {
      this.#reader = null;
      return false;
    }
    this.#buffer = this.#buffer.length
      ? concat([this.#buffer, value], this.#buffer.length + value.length)
      : value;
    return true;
  }

  #take(size: number): Uint8Array {
    const out = this.#buffer.subarray(0, size);
    this.#buffer = this.#buffer.subarray(out.length);
    return out;
  }

  async read(size = -1): Promise<Uint8Array> {
    if (size >= 0) {
      while (this.#buffer.length < size && await this.#fill());
      return this.#take(size);
    }
    const chunks = [this.#take(Infinity)];
    let length = chunks[0].length;
    while (await this.#fill()) {
      chunks.push(this.#buffer);
      length += this.#buffer.length;
      this.#buffer = EMPTY;
    }
    return concat(chunks, length);
  }

  async readline(size = -1): Promise<Uint8Array> {
    let scanned = 0;
    for (;;) {
      const newline = this.#buffer.indexOf(10, scanned);
      if (newline !== -1) return this.#take(size >= 0 ? Math.min(size, newline + 1) : newline + 1);
      if (size >= 0 && this.#buffer.length >= size) return this.#take(size);
      scanned = this.#buffer.length;
      if (!await this.#fill()) return this.#take(this.#buffer.length);
    }
  }

  async readlines(hint = -1): Promise<Uint8Array[]> {
    const lines: Uint8Array[] = [];
    let total = 0;
    for (let line = await this.readline(); line.length; line = await this.readline()) {
      lines.push(line);
      total += line.length;
      if (hint > 0 && total >= hint) break;
    }
    return lines;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (let line = await this.readline(); line.length; line = await this.readline()) yield line;
  }
}

class ErrorLog implements ErrorStream {
  #log: Logger;
  #pending = "";

  constructor(log: Logger) {
    this.#log = log;
  }

  write(text: string): void {
    const all = this.#pending + text;
    const end = all.lastIndexOf("\n");
    if (end === -1) {
      this.#pending = all;
      return;
    }
    for (const line of all.slice(0, end).split("\n")) this.#log.warn(line);
    this.#pending = all.slice(end + 1);
  }

  writelines(lines: Iterable<string>): void {
    for (const line of lines) this.write(line);
  }

  flush(): void {
    if (this.#pending) this.#log.warn(this.#pending);
    this.#pending = "";
  }
}

function createEnviron(request: Request, ctx: Context, errors: ErrorLog): Environ {
  const url = request.url;
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  const hash = url.indexOf("#", pathStart);
  const end = hash === -1 ? url.length : hash;
  const question = url.indexOf("?", pathStart);
  let path = url.slice(pathStart, question === -1 || question > end ? end : question);
  const root = ctx.rootPath;
  if (
    root && path.startsWith(root) &&
    (path.length === root.length || path.charCodeAt(root.length) === 47)
  ) path = path.slice(root.length);
  const server = ctx.serverAddr;
  const environ: Environ = {
    REQUEST_METHOD: request.method,
    SCRIPT_NAME: root,
    PATH_INFO: path.includes("%") ? latin1Unquote(path) : path,
    QUERY_STRING: question === -1 || question > end ? "" : url.slice(question + 1, end),
    SERVER_NAME: ctx.serverName,
    SERVER_PORT: server.transport === "tcp" || server.transport === "udp"
      ? String(server.port)
      : new URL(url).port || (ctx.scheme === "https" ? "443" : "80"),
    SERVER_PROTOCOL: ctx.protocol,
    "wsgi.version": VERSION,
    "wsgi.url_scheme": ctx.scheme,
    "wsgi.input": new RequestInput(request),
    "wsgi.errors": errors,
    "wsgi.multithread": false,
    "wsgi.multiprocess": ctx.workerCount > 1,
    "wsgi.run_once": false,
    "ngw2f.context": ctx,
    "ngw2f.request": request,
  };
  const remote = ctx.remoteAddr;
  if (remote.transport === "tcp") {
    environ.REMOTE_ADDR = remote.hostname;
    environ.REMOTE_PORT = String(remote.port);
  }
  for (const [name, value] of request.headers) {
    if (name === "content-type") environ.CONTENT_TYPE = value;
    else if (name === "content-length") environ.CONTENT_LENGTH = value;
    else if (!name.includes("_")) {
      const key = httpKey(name);
      const previous = environ[key];
      environ[key] = previous === undefined ? value : `${previous}, ${value}`;
    }
  }
  return environ;
}

function startError(why: string, cause?: unknown): TypeError {
  return new TypeError(`Cannot start the response: ${why}`, { cause });
}

function checkResponse(status: unknown, headers: unknown): ResponseInit {
  const match = typeof status === "string" ? STATUS.exec(status) : null;
  if (!match) throw startError(`status ${Deno.inspect(status)} is not "NNN Reason"`);
  const code = Number(match[1]);
  if (code < 200 || code > 599) throw startError(`status "${status}" is outside 200-599`);
  if (!Array.isArray(headers)) {
    throw startError(`headers are ${Deno.inspect(headers)}, not an array of [name, value] pairs`);
  }
  const out = new Headers();
  for (const header of headers) {
    if (
      !Array.isArray(header) || header.length !== 2 || typeof header[0] !== "string" ||
      typeof header[1] !== "string"
    ) throw startError(`header ${Deno.inspect(header)} is not a [name, value] pair of strings`);
    if (HOP_BY_HOP.has(header[0].toLowerCase())) continue;
    try {
      out.append(header[0], header[1]);
    } catch (error) {
      throw startError(`header ${Deno.inspect(header)} is not a valid HTTP header`, error);
    }
  }
  return { status: code, statusText: match[2], headers: out };
}

/** One request's run of a classic app; also the underlying source of the response's stream. */
class Exchange implements UnderlyingDefaultSource<Uint8Array> {
  #ctx: Context;
  #errors: ErrorLog;
  #init: ResponseInit | undefined; // set by startResponse
  #sent = false; // the status and headers are out: no more replacing them
  #finished = false; // no more writes
  #closed = false; // the body's close() has been called
  #wrote = false; // write() enqueued a chunk during the current pull
  #pending: Uint8Array[] = []; // chunks waiting for the response to be built
  #body: ClassicBody | undefined;
  #iterator: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  #iteratorDone = true;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;

  constructor(ctx: Context) {
    this.#ctx = ctx;
    this.#errors = new ErrorLog(ctx.log);
  }

  startResponse: StartResponse = (status, headers, excInfo) => {
    const replacing = excInfo !== undefined && excInfo !== null;
    if (this.#init && !replacing) {
      throw new Error("Cannot start the response: start_response() called twice without exc_info");
    }
    if (replacing && this.#sent) throw excInfo;
    this.#init = checkResponse(status, headers);
    return this.write;
  };

  write: WriteFn = (chunk) => {
    if (this.#finished) throw new Error("Cannot write the response body: the response has ended");
    const bytes = toBytes(chunk);
    if (!bytes.length) return;
    this.#sent = true;
    if (!this.#controller) return void this.#pending.push(bytes);
    this.#controller.enqueue(bytes);
    this.#wrote = true;
  };

  async run(app: ClassicApp, request: Request): Promise<Response> {
    try {
      const environ = createEnviron(request, this.#ctx, this.#errors);
      const body = this.#body = await app(environ, this.startResponse);
      if (Array.isArray(body)) {
        this.#checkStarted();
        for (const chunk of body) this.#collect(chunk);
        return await this.#respond();
      }
      const iterator = typeof body === "string" || body instanceof Uint8Array
        ? undefined
        : (body as AsyncIterable<unknown>)?.[Symbol.asyncIterator]?.() ??
          (body as Iterable<unknown>)?.[Symbol.iterator]?.();
      if (!iterator) {
        const shown = Deno.inspect(body);
        throw new TypeError(`Cannot send the response body: ${shown} is not an iterable of chunks`);
      }
      this.#iterator = iterator;
      this.#iteratorDone = false;
      while (!this.#sent) {
        const result = await this.#next();
        if (result.done) break;
        this.#collect(result.value);
      }
      return await this.#respond();
    } catch (error) {
      await this.#cleanup();
      throw error;
    }
  }

  #checkStarted(): void {
    if (this.#init) return;
    throw new Error("Cannot send the response: the app returned without calling start_response()");
  }

  #collect(chunk: unknown): void {
    const bytes = toBytes(chunk);
    if (!bytes.length) return;
    if (!this.#init) {
      throw new Error("Cannot send the response body: the app sent data before start_response()");
    }
    this.#sent = true;
    this.#pending.push(bytes);
  }

  async #next(): Promise<IteratorResult<unknown>> {
    try {
      const result = await this.#iterator!.next();
      if (result.done) this.#iteratorDone = true;
      return result;
    } catch (error) {
      this.#iteratorDone = true;
      throw error;
    }
  }

  /** Builds the response: streaming when the body has more to give, else all at once. */
  async #respond(): Promise<Response> {
    this.#checkStarted();
    this.#sent = true;
    const init = this.#init;
    const empty = NULL_BODY.has(init!.status!);
    if (!this.#iteratorDone && !empty) {
      return new Response(new ReadableStream(this, { highWaterMark: 0 }), init);
    }
    await this.#cleanup();
    const pending = this.#pending;
    this.#pending = [];
    if (empty || !pending.length) return new Response(null, init);
    const length = pending.reduce((sum, chunk) => sum + chunk.length, 0);
    return new Response(concat(pending, length) as Uint8Array<ArrayBuffer>, init);
  }

  /** Called by the stream: hands over the chunks collected before the headers went out. */
  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    for (const chunk of this.#pending) controller.enqueue(chunk);
    this.#pending = [];
    this.#controller = controller;
  }

  /** Called by the stream when the client wants more: pulls until a chunk has been sent. */
  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    this.#wrote = false;
    try {
      for (;;) {
        const result = await this.#next();
        if (this.#finished) return;
        if (result.done) {
          await this.#cleanup();
          return controller.close();
        }
        const bytes = toBytes(result.value);
        if (bytes.length) return controller.enqueue(bytes);
        if (this.#wrote) return;
      }
    } catch (error) {
      if (this.#finished) return;
      const message =
        "Cannot finish the response: the classic app failed after the headers were sent";
      this.#ctx.log.error(message, error);
      await this.#cleanup();
      controller.error(error);
    }
  }

  /** Called by the stream when the client goes away. */
  async cancel(): Promise<void> {
    await this.#cleanup();
  }

  /** Stops the iteration if it is unfinished and calls the body's `close()`, once. */
  async #cleanup(): Promise<void> {
    this.#finished = true;
    this.#controller = undefined;
    if (this.#closed) return;
    this.#closed = true;
    const body = this.#body as { close?: unknown } | undefined;
    try {
      if (!this.#iteratorDone) await this.#iterator?.return?.();
      if (typeof body?.close === "function") await body.close();
    } catch (error) {
      this.#ctx.log.error("Cannot close the classic app's response body", error);
    }
    this.#errors.flush();
  }
}

/**
 * Runs a classic (WSGI-shaped) app as an ngw2f app. The status and headers go out with the first
 * non-empty chunk (or at the end of an empty body); the rest of the body is pulled lazily as the
 * client reads it. An error before that propagates from `fetch` (the server answers 500); an
 * error after it is logged and aborts the response.
 *
 * @example The classic hello app
 * ```ts
 * import assert from "node:assert/strict";
 * import { classic, type Environ, type StartResponse } from "./classic.ts";
 * import { createContext } from "./context.ts";
 * import { silentLogger } from "./logger.ts";
 *
 * function hello(environ: Environ, startResponse: StartResponse): string[] {
 *   startResponse("200 OK", [["Content-Type", "text/plain"]]);
 *   return [`Hello from ${environ.PATH_INFO}\n`];
 * }
 *
 * const addr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 8000 };
 * const ctx = createContext({
 *   remoteAddr: addr, serverAddr: addr, scheme: "http", protocol: "HTTP/1.1",
 *   serverName: "localhost", rootPath: "", workerId: 1, workerCount: 1,
 *   signal: new AbortController().signal, completed: Promise.resolve(),
 *   log: silentLogger, waitUntil: () => {},
 * });
 * const response = await classic(hello).fetch(new Request("http://localhost/world"), ctx);
 * assert.equal(await response.text(), "Hello from /world\n");
 * ```
 */
export function classic(app: ClassicApp): AppObject {
  if (typeof app !== "function") {
    throw new TypeError(
      "Cannot run this value as a classic app: expected a function (environ, startResponse)",
    );
  }
  return { fetch: (request, ctx) => new Exchange(ctx).run(app, request) };
}
