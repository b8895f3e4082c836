// The reference server's HTTP/1.x connection loop: parse a head, build a Request, write the
// Response. Private to the gateway; `server.ts` is its public face.

import { ConnReader, latin1, ProtocolError } from "./_conn_reader.ts";
import { statusText } from "./status.ts";
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
}

/** Settings of the connection loop. */
export interface Http1Options {
  handler: (request: Request, info: ExchangeInfo) => Promise<Response>;
  scheme: "http" | "https";
  /** The authority used when a request has no Host (HTTP/1.0). */
  defaultHost: string;
  headerTimeout: number;
  keepAliveTimeout: number;
  maxHeadSize: number;
  maxHeaders: number;
  onExchange?: (record: ExchangeRecord) => void;
  onRejected?: (status: number, reason: string) => void;
}

/** The server's handle on one connection. */
export interface ConnState {
  /** True while waiting for a request, between exchanges. */
  idle: boolean;
  /** Ask the loop to close after the current exchange. */
  closing: boolean;
  /** Aborts the request in flight. */
  abort?: () => void;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/(\d)\.(\d)$/;
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
]);
const encoder = new TextEncoder();
const NOT_YET: unique symbol = Symbol("not yet");

let dateCache = "";
let dateSecond = 0;
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateCache = new Date(now).toUTCString();
  }
  return dateCache;
}

interface Head {
  method: string;
  target: string;
  protocol: HttpProtocol;
  headers: [string, string][];
  host: string | undefined;
  contentLength: number | undefined;
  chunked: boolean;
  keepAlive: boolean;
  expectContinue: boolean;
}

function parseHead(bytes: Uint8Array, options: Http1Options): Head {
  const lines = latin1(bytes).split("\n");
  const first = lines[0].endsWith("\r") ? lines[0].slice(0, -1) : lines[0];
  const match = REQUEST_LINE.exec(first);
  if (!match) throw new ProtocolError(400, "the request line is not METHOD TARGET HTTP/x.y");
  const [, method, target, major, minor] = match;
  if (major !== "1") throw new ProtocolError(505, `HTTP/${major}.${minor} is not supported`);
  const protocol: HttpProtocol = minor === "0" ? "HTTP/1.0" : "HTTP/1.1";
  const headers: [string, string][] = [];
  let host: string | undefined;
  let contentLength: number | undefined;
  let transferEncoding: string | undefined;
  let connection = "";
  let expectContinue = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    if (line === "") break;
    if (line[0] === " " || line[0] === "\t") {
      throw new ProtocolError(400, "obsolete line folding in a header");
    }
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name)) throw new ProtocolError(400, "a header line has no valid name");
    if (headers.length >= options.maxHeaders) {
      throw new ProtocolError(431, `more than ${options.maxHeaders} header fields`);
    }
    const value = line.slice(colon + 1).trim();
    if (value.includes("\0")) throw new ProtocolError(400, `header "${name}" contains NUL`);
    headers.push([name, value]);
    switch (name.toLowerCase()) {
      case "host":
        if (host !== undefined) throw new ProtocolError(400, "more than one Host header");
        host = value;
        break;
      case "content-length": {
        const values = value.split(",").map((v) => v.trim());
        if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0])) {
          throw new ProtocolError(400, `invalid Content-Length "${value}"`);
        }
        const length = Number(values[0]);
        if (contentLength !== undefined && contentLength !== length) {
          throw new ProtocolError(400, "conflicting Content-Length headers");
        }
        contentLength = length;
        break;
      }
      case "transfer-encoding":
        transferEncoding = transferEncoding ? `${transferEncoding}, ${value}` : value;
        break;
      case "connection":
        connection += "," + value.toLowerCase();
        break;
      case "expect":
        if (value.toLowerCase() !== "100-continue") {
          throw new ProtocolError(417, `cannot meet the expectation "${value}"`);
        }
        expectContinue = protocol === "HTTP/1.1";
    }
  }
  let chunked = false;
  if (transferEncoding !== undefined) {
    if (contentLength !== undefined) {
      throw new ProtocolError(400, "both Content-Length and Transfer-Encoding");
    }
    if (transferEncoding.trim().toLowerCase() !== "chunked") {
      throw new ProtocolError(501, `Transfer-Encoding "${transferEncoding}" is not supported`);
    }
    if (protocol === "HTTP/1.0") {
      throw new ProtocolError(400, "Transfer-Encoding in an HTTP/1.0 request");
    }
    chunked = true;
  }
  if (protocol === "HTTP/1.1" && host === undefined) {
    throw new ProtocolError(400, "an HTTP/1.1 request without a Host header");
  }
  const tokens = connection.split(",").map((t) => t.trim());
  const keepAlive = protocol === "HTTP/1.1"
    ? !tokens.includes("close")
    : tokens.includes("keep-alive");
  return {
    method,
    target,
    protocol,
    headers,
    host,
    contentLength,
    chunked,
    keepAlive,
    expectContinue,
  };
}

function requestUrl(head: Head, options: Http1Options): string {
  const { target } = head;
  let url: string;
  if (target[0] === "/") {
    url = `${options.scheme}://${head.host || options.defaultHost}${target}`;
  } else if (target === "*" && head.method === "OPTIONS") {
    url = `${options.scheme}://${head.host || options.defaultHost}/`;
  } else if (/^https?:\/\//i.test(target)) {
    url = target;
  } else {
    throw new ProtocolError(400, `the request target "${target}" is not a path or a URL`);
  }
  try {
    return new URL(url).href;
  } catch {
    throw new ProtocolError(400, `the Host "${head.host}" or target is not valid`);
  }
}

/** The request body: Content-Length or chunked framing, read on demand. */
class BodySource {
  done: boolean;
  #reader: ConnReader;
  #remaining: number;
  #chunked: boolean;
  #continue: (() => Promise<void>) | undefined;

  constructor(reader: ConnReader, head: Head, sendContinue: () => Promise<void>) {
    this.#reader = reader;
    this.#chunked = head.chunked;
    this.#remaining = head.chunked ? 0 : head.contentLength ?? 0;
    this.done = !head.chunked && this.#remaining === 0;
    this.#continue = head.expectContinue ? sendContinue : undefined;
  }

  get untouched(): boolean {
    return this.#continue !== undefined;
  }

  async next(): Promise<Uint8Array | null> {
    if (this.done) return null;
    if (this.#continue) {
      const send = this.#continue;
      this.#continue = undefined;
      await send();
    }
    if (this.#chunked && this.#remaining === 0) {
      const line = await this.#reader.readLine(4096);
      const size = line.split(";", 1)[0].trim();
      if (!/^[0-9A-Fa-f]{1,12}$/.test(size)) {
        throw new ProtocolError(400, `invalid chunk size "${size}"`);
      }
      this.#remaining = parseInt(size, 16);
      if (this.#remaining === 0) {
        // Trailer fields are read and dropped.
        for (let n = 0; (await this.#reader.readLine(8192)) !== ""; n++) {
          if (n > 64) throw new ProtocolError(400, "too many trailer fields");
        }
        this.done = true;
        return null;
      }
    }
    const chunk = await this.#reader.readSome(this.#remaining);
    if (chunk === null) {
      throw new ProtocolError(400, "the connection closed before the whole body arrived");
    }
    this.#remaining -= chunk.length;
    if (this.#remaining === 0) {
      if (this.#chunked) {
        if ((await this.#reader.readLine(2)) !== "") {
          throw new ProtocolError(400, "a chunk is longer than its size");
        }
      } else {
        this.done = true;
      }
    }
    return chunk;
  }

  /** Reads and drops what is left, up to `limit` bytes; true when the body is complete. */
  async discard(limit: number): Promise<boolean> {
    if (this.#continue) return this.done;
    let seen = 0;
    while (!this.done && seen <= limit) {
      const chunk = await this.next();
      if (chunk === null) break;
      seen += chunk.length;
    }
    return this.done;
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

function encodeHead(head: string, body?: Uint8Array): Uint8Array {
  // deno-lint-ignore no-control-regex
  if (/[^\x00-\x7f]/.test(head)) {
    const bytes = new Uint8Array(head.length + (body?.length ?? 0));
    for (let i = 0; i < head.length; i++) bytes[i] = head.charCodeAt(i);
    if (body) bytes.set(body, head.length);
    return bytes;
  }
  if (!body) return encoder.encode(head);
  const bytes = new Uint8Array(head.length + body.length);
  encoder.encodeInto(head, bytes);
  bytes.set(body, head.length);
  return bytes;
}

function chunkFrame(chunk: Uint8Array): Uint8Array {
  const size = chunk.length.toString(16);
  const frame = new Uint8Array(size.length + chunk.length + 4);
  encoder.encodeInto(size + "\r\n", frame);
  frame.set(chunk, size.length + 2);
  frame[frame.length - 2] = 13;
  frame[frame.length - 1] = 10;
  return frame;
}

const LAST_CHUNK = encoder.encode("0\r\n\r\n");

async function rejectRequest(conn: Deno.Conn, error: ProtocolError): Promise<void> {
  const body = `${statusText(error.status)}: ${error.message}\n`;
  const head = `HTTP/1.1 ${error.status} ${statusText(error.status)}\r\ndate: ${httpDate()}\r\n` +
    `content-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n` +
    `connection: close\r\n\r\n`;
  await writeAll(conn, encoder.encode(head + body)).catch(() => {});
}

/** Serves HTTP/1.x exchanges on `conn` until either side closes it. */
export async function serveConnection(
  conn: Deno.Conn,
  state: ConnState,
  options: Http1Options,
): Promise<void> {
  const reader = new ConnReader(conn);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const arm = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      try {
        conn.close();
      } catch { /* already closed */ }
    }, ms);
  };
  try {
    while (!state.closing) {
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
          clearTimeout(timer);
          options.onRejected?.(error.status, error.message);
          await rejectRequest(conn, error);
        }
        return;
      }
      clearTimeout(timer);
      state.idle = false;
      const keepAlive = await exchange(conn, reader, state, head, url, options);
      if (!keepAlive || reader.eof) return;
    }
  } catch (error) {
    if (!timedOut && !isDisconnect(error)) throw error;
  } finally {
    clearTimeout(timer);
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
): Promise<boolean> {
  const controller = new AbortController();
  const abort = () => controller.abort(new Deno.errors.ConnectionReset("the client went away"));
  state.abort = abort;
  let settle!: (ok: boolean) => void;
  const completed = new Promise<void>((resolve, reject) => {
    settle = (ok) => ok ? resolve() : reject(new Deno.errors.Interrupted("response not sent"));
  });
  completed.catch(() => {});

  const source = new BodySource(
    reader,
    head,
    () => writeAll(conn, encoder.encode("HTTP/1.1 100 Continue\r\n\r\n")),
  );
  const watch = () => {
    // Once the body is in, keep one read pending: it sees a reset (abort) or pipelined bytes.
    // End of stream is a half-close and is not an abort: the client still reads the answer.
    if (!reader.reading && reader.buffered === 0) reader.fill().catch(abort);
  };
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

  let keepAlive = head.keepAlive && !state.closing;
  // An unread request body is drained if small, else the connection closes after the answer.
  if (!source.done) {
    keepAlive &&= !source.untouched && await source.discard(256 * 1024).catch(() => false);
  }
  let bytes = 0;
  let ok = false;
  try {
    const result = await writeResponse(conn, head, response, keepAlive);
    bytes = result.bytes;
    keepAlive = result.keepAlive;
    ok = true;
  } catch (error) {
    abort();
    keepAlive = false;
    if (!isDisconnect(error)) throw error;
  } finally {
    state.abort = undefined;
    settle(ok);
    options.onExchange?.({ request, protocol: head.protocol, status: response.status, bytes, ok });
  }
  return keepAlive;
}

async function writeResponse(
  conn: Deno.Conn,
  head: Head,
  response: Response,
  wantKeepAlive: boolean,
): Promise<{ bytes: number; keepAlive: boolean }> {
  const status = response.status;
  let text = `HTTP/1.1 ${status} ${response.statusText || statusText(status)}\r\n`;
  let declared: string | null = null;
  let closeAsked = false;
  let hasDate = false;
  for (const [name, value] of response.headers) {
    if (HOP_BY_HOP.has(name)) {
      if (name === "connection" && /\bclose\b/i.test(value)) closeAsked = true;
      continue;
    }
    if (name === "content-length") {
      declared = value;
      continue;
    }
    if (name === "date") hasDate = true;
    text += `${name}: ${value}\r\n`;
  }
  if (!hasDate) text += `date: ${httpDate()}\r\n`;
  let keepAlive = wantKeepAlive && !closeAsked;
  const http10 = head.protocol === "HTTP/1.0";
  const connectionLine = () =>
    keepAlive ? (http10 ? "connection: keep-alive\r\n\r\n" : "\r\n") : "connection: close\r\n\r\n";

  const noBody = head.method === "HEAD" || status === 204 || status === 304 || status < 200;
  if (noBody || response.body === null) {
    if (response.body) await response.body.cancel().catch(() => {});
    if (!noBody) text += "content-length: 0\r\n";
    else if (head.method === "HEAD" && declared !== null) text += `content-length: ${declared}\r\n`;
    const bytes = encodeHead(text + connectionLine());
    await writeAll(conn, bytes);
    return { bytes: 0, keepAlive };
  }

  const reader = response.body.getReader();
  try {
    const first = await reader.read();
    if (first.done) {
      text += "content-length: 0\r\n";
      await writeAll(conn, encodeHead(text + connectionLine()));
      return { bytes: 0, keepAlive };
    }
    let pending: Promise<ReadableStreamReadResult<Uint8Array>> = reader.read();
    const second = await Promise.race([pending, NOT_YET as typeof NOT_YET]);
    if (second !== NOT_YET && second.done && declared === null) {
      // The whole body is here already: send it with its length in one write.
      text += `content-length: ${first.value.length}\r\n`;
      await writeAll(conn, encodeHead(text + connectionLine(), first.value));
      return { bytes: first.value.length, keepAlive };
    }
    const length = declared !== null && /^\d+$/.test(declared) ? Number(declared) : undefined;
    const chunked = length === undefined && !http10;
    if (length !== undefined) text += `content-length: ${length}\r\n`;
    else if (chunked) text += "transfer-encoding: chunked\r\n";
    else keepAlive = false;
    let bytes = first.value.length;
    await writeAll(
      conn,
      encodeHead(text + connectionLine(), chunked ? chunkFrame(first.value) : first.value),
    );
    while (true) {
      const next = await pending;
      if (next.done) break;
      pending = reader.read();
      if (next.value.length === 0) continue;
      bytes += next.value.length;
      await writeAll(conn, chunked ? chunkFrame(next.value) : next.value);
    }
    if (chunked) await writeAll(conn, LAST_CHUNK);
    if (length !== undefined && bytes !== length) {
      throw new ProtocolError(500, `the app declared ${length} bytes and sent ${bytes}`);
    }
    return { bytes, keepAlive };
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
}
