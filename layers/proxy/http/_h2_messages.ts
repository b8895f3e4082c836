// HTTP/2 messages as the proxy's handler sees them: a Fetch `Request` from Deno's HTTP/2 server
// becomes an Exchange, the handler's Reply a `Response`. Private to the HTTP core.

import type { BodySource, Exchange, FileRange, Reply, ReplyBody, RequestHead } from "../types.ts";
import { bodyless, releaseBody } from "./_reply.ts";

/** Request fields HTTP/2 forbids (RFC 9113 §8.2.2): never handed to the handler. */
const CONNECTION_FIELDS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);
/** Reply fields the framing owns (the core's rule) or HTTP/2 forbids. */
const REPLY_DROPPED = new Set([...CONNECTION_FIELDS, "content-length"]);
/** How much of a file goes out per chunk. */
const FILE_CHUNK = 64 * 1024;

/** Where an exchange arrived, the same for every stream of a connection. */
export interface Origin {
  remoteAddr: string;
  remotePort: number;
  listen: string;
  serverPort: number;
  scheme: "http" | "https";
}

/** Byte counts of one exchange, kept up to date while it runs. */
export interface Tally {
  /** The request head's size as HTTP/1.1 text (HPACK makes the real one smaller). */
  headIn: number;
  /** The reply head's size as HTTP/1.1 text. */
  headOut: number;
  /** Body bytes handed to Deno's HTTP/2 server. */
  bodyOut: number;
  /** Closes the reply body's files and sources if the stream did not (set for streamed bodies). */
  release?: () => void;
}

/** The host part of an authority (`Example.com:8443`, `[::1]:8443`), lower-cased, no port. */
export function hostOf(authority: string): string {
  let end = authority.length;
  if (authority.startsWith("[")) end = authority.indexOf("]") + 1 || end;
  else {
    const colon = authority.lastIndexOf(":");
    if (colon !== -1) end = colon;
  }
  if (authority.charCodeAt(end - 1) === 46 /* . */) end--;
  return authority.slice(0, end).toLowerCase();
}

/**
 * The exchange for `request` (an HTTP/2 stream): the target from `:path` as sent, the fields
 * lower-cased and flat, `host` from `:authority` (added as a Host field when the client sent
 * none, as nginx does), version `"1.1"` for the pipeline.
 */
export function exchangeOf(
  request: Request,
  origin: Origin,
  bodyTimeout: number,
  tally: Tally,
): Exchange {
  const url = request.url;
  const authorityStart = url.indexOf("//") + 2;
  let pathStart = url.indexOf("/", authorityStart);
  if (pathStart === -1) pathStart = url.length;
  const authority = url.slice(authorityStart, pathStart);
  const target = pathStart === url.length ? "/" : url.slice(pathStart);
  const mark = target.indexOf("?");
  const headers: string[] = [];
  let hostField = false;
  let length = -1;
  let size = request.method.length + target.length + 12;
  for (const [name, value] of request.headers) {
    if (CONNECTION_FIELDS.has(name)) continue;
    if (name === "host") hostField = true;
    else if (name === "content-length") length = Number(value);
    headers.push(name, value);
    size += name.length + value.length + 4;
  }
  if (!hostField && authority) {
    headers.unshift("host", authority);
    size += authority.length + 8;
  }
  tally.headIn = size;
  const stream = request.body;
  const contentLength = stream === null ? 0 : Number.isSafeInteger(length) ? length : -1;
  const head: RequestHead = {
    method: request.method,
    target,
    path: mark === -1 ? target : target.slice(0, mark),
    query: mark === -1 ? "" : target.slice(mark + 1),
    version: "1.1",
    headers,
    host: hostOf(authority),
    keepAlive: true,
    contentLength,
  };
  return {
    head,
    remoteAddr: origin.remoteAddr,
    remotePort: origin.remotePort,
    listen: origin.listen,
    serverPort: origin.serverPort,
    scheme: origin.scheme,
    start: performance.now(),
    body: stream === null || contentLength === 0
      ? null
      : new StreamBody(stream, contentLength, bodyTimeout),
  };
}

/** A request body read from a stream, each read under the body timeout (client_body_timeout). */
export class StreamBody implements BodySource {
  readonly length: number;
  /** Body bytes read so far. */
  received = 0;
  #stream: ReadableStream<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #timeout: number;
  #ended = false;

  constructor(stream: ReadableStream<Uint8Array>, length: number, timeout: number) {
    this.#stream = stream;
    this.length = length;
    this.#timeout = timeout;
  }

  async read(): Promise<Uint8Array | null> {
    if (this.#ended) return null;
    const reader = this.#reader ??= this.#stream.getReader();
    while (true) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Deno.errors.TimedOut(`The client sent no body bytes for ${this.#timeout} ms`),
            ),
          this.#timeout,
        );
      });
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await Promise.race([reader.read(), late]);
      } catch (error) {
        this.cancel();
        throw error;
      } finally {
        clearTimeout(timer);
      }
      if (result.done) {
        this.#ended = true;
        return null;
      }
      if (result.value.length === 0) continue;
      this.received += result.value.length;
      return result.value;
    }
  }

  cancel(): void {
    if (this.#ended) return;
    this.#ended = true;
    const reader = this.#reader;
    (reader ? reader.cancel() : this.#stream.cancel()).catch(() => {});
  }
}

/** The body's length in bytes, or -1 when only its end tells. */
function lengthOf(body: ReplyBody): number {
  if (body === null) return 0;
  if (body instanceof Uint8Array) return body.length;
  if (Array.isArray(body)) return body.reduce((n, part) => n + part.length, 0);
  if (body instanceof ReadableStream) return -1;
  return body.length;
}

/** Reads `range` chunk by chunk (each chunk a fresh buffer: the stream keeps it). */
function fileChunks(range: FileRange): () => Promise<Uint8Array | null> {
  let left = range.length;
  let seeked = false;
  return async () => {
    if (left === 0) return null;
    if (!seeked) {
      await range.file.seek(range.offset, Deno.SeekMode.Start);
      seeked = true;
    }
    const buf = new Uint8Array(Math.min(FILE_CHUNK, left));
    const n = await range.file.read(buf);
    if (n === null) throw new Deno.errors.UnexpectedEof("The file ended before its range");
    left -= n;
    return n === buf.length ? buf : buf.subarray(0, n);
  };
}

/** A reply body as chunks: `next()` until `null`; `release()` once, at the end or on a failure. */
interface Chunks {
  next(): Promise<Uint8Array | null>;
  release(): void;
}

/** The chunks of a reply body that is not plain bytes, one after the other. */
function chunksOf(body: Exclude<ReplyBody, Uint8Array | null>): Chunks {
  if (body instanceof ReadableStream) {
    const reader = body.getReader();
    return {
      async next() {
        while (true) {
          const { done, value } = await reader.read();
          if (done) return null;
          if (!(value instanceof Uint8Array)) {
            throw new TypeError(`The reply stream yielded a ${typeof value}, not a Uint8Array`);
          }
          if (value.length) return value;
        }
      },
      // Cancelling a stream that has ended does nothing.
      release: () => void reader.cancel().catch(() => {}),
    };
  }
  const release = () => releaseBody(body);
  if (Array.isArray(body)) {
    let i = 0;
    let file: (() => Promise<Uint8Array | null>) | null = null;
    return {
      async next() {
        while (i < body.length) {
          const part = body[i];
          if (part instanceof Uint8Array) {
            i++;
            if (part.length) return part;
            continue;
          }
          file ??= fileChunks(part);
          const chunk = await file();
          if (chunk !== null) return chunk;
          file = null;
          i++;
        }
        return null;
      },
      release,
    };
  }
  if (typeof (body as BodySource).read === "function") {
    const source = body as BodySource;
    // A source's chunk lives until its next read; the stream keeps what it is given.
    return { next: async () => (await source.read())?.slice() ?? null, release };
  }
  return { next: fileChunks(body as FileRange), release };
}

/** A stream of `body`'s chunks that counts them into `tally` and releases `body` at its end. */
function streamOf(
  body: Exclude<ReplyBody, Uint8Array | null>,
  tally: Tally,
): ReadableStream<Uint8Array> {
  const chunks = chunksOf(body);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    chunks.release();
  };
  tally.release = release;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await chunks.next();
        if (chunk === null) {
          release();
          controller.close();
          return;
        }
        tally.bodyOut += chunk.length;
        controller.enqueue(chunk);
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel() {
      release();
    },
  });
}

/**
 * The `Response` for `reply` to a request with `method`: its fields (less those the framing
 * owns), `Server` (`server`, or the reply's own; `null`: none) and `Content-Length` when the
 * body's length is known; Deno adds `Date`. A HEAD gets the length and no body (files are
 * closed at once). Throws when a field or the status cannot be sent (the caller answers 500).
 */
export function responseOf(
  reply: Reply,
  method: string,
  server: string | null,
  tally: Tally,
): Response {
  const status = reply.status;
  const fields = reply.headers;
  const headers = new Headers();
  let size = 14;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = String(fields[i]);
    if (REPLY_DROPPED.has(name.toLowerCase())) continue;
    const value = String(fields[i + 1]);
    headers.append(name, value);
    size += name.length + value.length + 4;
  }
  const signature = reply.server ?? server;
  if (signature !== null) {
    headers.set("server", signature);
    size += signature.length + 10;
  }
  const body = reply.body;
  const noBody = bodyless(status);
  const length = noBody ? -1 : lengthOf(body);
  if (length >= 0 && !noBody) {
    headers.set("content-length", String(length));
    size += 18 + String(length).length;
  }
  tally.headOut = size + 37; // the Date field
  if (noBody || method === "HEAD" || body === null || length === 0) {
    releaseBody(body);
    return new Response(null, { status, headers });
  }
  if (body instanceof Uint8Array) {
    tally.bodyOut = body.length;
    return new Response(body as Uint8Array<ArrayBuffer>, { status, headers });
  }
  return new Response(streamOf(body, tally), { status, headers });
}
