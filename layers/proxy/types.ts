/**
 * The contract inside the proxy layer: what its HTTP/1.1 core hands a handler (a parsed
 * request head, no Fetch-API objects) and what a handler hands back (a {@linkcode Reply}: a
 * status, header pairs and bytes or a file range). Measured, building `Request`/`Response`
 * objects per request costs the proxy 2–3× the CPU of parsing heads and writing bytes, so
 * nothing here allocates more than a request needs.
 *
 * @module
 */

/** A parsed HTTP/1.x request head. */
export interface RequestHead {
  /** The method as sent (a token, case kept). */
  method: string;
  /** The request target as sent: `/a%20b?x=1` (or an absolute URL, `*`, `host:port`). */
  target: string;
  /** The target's path, still percent-encoded, without the query (`/a%20b`). */
  path: string;
  /** What follows `?` in the target, `""` when none (nginx's `$args`). */
  query: string;
  /** `"1.0"` or `"1.1"`. */
  version: "1.0" | "1.1";
  /**
   * The header fields in arrival order, flat: `[name0, value0, name1, value1, …]`; names
   * lower-cased, values with surrounding whitespace removed.
   */
  headers: string[];
  /** The Host header's host, lower-cased, without the port; `""` when absent. */
  host: string;
  /** Whether the connection may stay open after this exchange (version, `Connection`). */
  keepAlive: boolean;
  /** The declared body length; 0 without a body; -1 for a chunked body. */
  contentLength: number;
}

/** The first value of header `name` (lower-case) in `head`, or `null`. */
export function headerOf(head: RequestHead, name: string): string | null {
  const headers = head.headers;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === name) return headers[i + 1];
  }
  return null;
}

/**
 * A body read chunk by chunk: a request body from the client (framing removed), or an
 * upstream's response body. Memory stays constant: each chunk is a view of a reused buffer.
 */
export interface BodySource {
  /** The body's length in bytes; -1 when unknown (chunked, or until the connection closes). */
  readonly length: number;
  /**
   * The next chunk (never empty), or `null` at the end. A chunk is valid until the next call.
   * Throws when the body is broken (a timeout, a framing error, the peer left).
   */
  read(): Promise<Uint8Array | null>;
  /** Gives up on the rest: the connection it comes from is not reused. Idempotent. */
  cancel(): void;
}

/** A connection handed over after a `101 Switching Protocols` head went out (WebSockets). */
export interface Tunnel {
  /** The client's socket; the tunnel owns it from now on and must close it. */
  conn: Deno.Conn;
  /** Bytes the client sent after its request head that the core had already read. */
  early: Uint8Array;
}

/** One request as a handler sees it: the head and where it came from. */
export interface Exchange {
  /** The parsed head. */
  head: RequestHead;
  /** The client's address (`127.0.0.1`, `::1`; the socket path for a unix socket). */
  remoteAddr: string;
  /** The client's port; 0 on a unix socket. */
  remotePort: number;
  /** The address the connection arrived on, as configured (`127.0.0.1:8080`, `unix:/x.sock`). */
  listen: string;
  /** The local port (nginx's `$server_port`); 0 on a unix socket. */
  serverPort: number;
  /** `"http"` or `"https"`. */
  scheme: "http" | "https";
  /** `performance.now()` when the head was complete. */
  start: number;
  /**
   * The request body (`null` when the head declares none). Read it or not: what the handler
   * leaves unread is skipped after the reply. A client that sent `Expect: 100-continue` gets
   * its `100 Continue` on the first read.
   */
  body: BodySource | null;
}

/** A byte range of an open file; the core closes `file` once the range is sent (or on error). */
export interface FileRange {
  /** The open file. */
  file: Deno.FsFile;
  /** Where the range starts. */
  offset: number;
  /** How many bytes to send. */
  length: number;
}

/** What a reply's body can be. */
export type ReplyBody =
  | Uint8Array
  | FileRange
  /** Parts sent one after the other (multipart/byteranges: heads as bytes, ranges of a file). */
  | (Uint8Array | FileRange)[]
  | ReadableStream<Uint8Array>
  /** Streamed chunk by chunk (an upstream's body): Content-Length when known, else chunked. */
  | BodySource
  | null;

/**
 * A handler's answer. The core adds `Date`, `Server` (unless `serverTokens` is off),
 * `Content-Length` (from the body when it is bytes or ranges; chunked for a stream on 1.1) and
 * `Connection`; a handler never sets those four. For HEAD the core sends the head only, with
 * the Content-Length the body would have had.
 */
export interface Reply {
  /** The status code. */
  status: number;
  /** Header fields, flat: `[name0, value0, …]`; names as they are to be sent. */
  headers: string[];
  /** The body; `null` for none (Content-Length: 0 unless the status forbids a body). */
  body: ReplyBody;
  /** Close the connection after this reply even if the client would keep it. */
  close?: boolean;
  /** This reply's `Server` value instead of the core's (`server_tokens` set per location). */
  server?: string;
  /**
   * With status 101: called once the head is sent, with the client's connection, which the
   * core no longer reads, writes, times out or closes. The exchange ends when it settles.
   */
  upgrade?: (tunnel: Tunnel) => Promise<void>;
}

/** Answers one exchange. A throw becomes a 500 (logged); it never kills the connection loop. */
export type Handler = (exchange: Exchange) => Reply | Promise<Reply>;

/** What the core reports once a reply is sent (or failed), for access logs and metrics. */
export interface Completed {
  /** The exchange. */
  exchange: Exchange;
  /** The status sent. */
  status: number;
  /** Bytes written for this exchange, head and body. */
  bytesSent: number;
  /** Body bytes written. */
  bodyBytesSent: number;
  /** Bytes read for this exchange, head and body. */
  bytesReceived: number;
  /** `performance.now()` when the last byte was written. */
  end: number;
  /** Set when the reply could not be sent in full (the client left, a read failed). */
  error?: Error;
}

/**
 * A handler step's "answer with this error status": the pipeline renders it (the location's
 * `error_page`, else the built-in page). Static file code returns it instead of building pages.
 */
export type ErrorStatus = number;
