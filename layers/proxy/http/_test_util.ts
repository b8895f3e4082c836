// Helpers for the HTTP core's tests: a core on port 0, raw socket exchanges, a small response
// reader. Every wait is bounded. Private to the HTTP core's tests.

import type { Completed, Handler, Reply } from "../types.ts";
import type { CoreOptions } from "./options.ts";
import { type CoreServer, serveListener } from "./server.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A core on 127.0.0.1:0 and what it reported. */
export interface TestCore {
  server: CoreServer;
  port: number;
  completed: Completed[];
  errors: string[];
  [Symbol.asyncDispose](): Promise<void>;
}

/** A 200 reply with a text body. */
export function text(body: string, status = 200, headers: string[] = []): Reply {
  return {
    status,
    headers: ["Content-Type", "text/plain", ...headers],
    body: encoder.encode(body),
  };
}

/** Starts a core with short timeouts; `await using` drains it. */
export function startCore(
  handler: Handler = (ex) => text(`${ex.head.method} ${ex.head.path}`),
  options: Partial<CoreOptions> = {},
): TestCore {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const completed: Completed[] = [];
  const errors: string[] = [];
  const server = serveListener(listener, {
    handler,
    listen: "127.0.0.1:0",
    scheme: "http",
    headerTimeout: 1_000,
    idleTimeout: 1_000,
    bodyTimeout: 1_000,
    lingerTimeout: 500,
    onCompleted: (done) => completed.push(done),
    log: {
      debug() {},
      info() {},
      warn: (message) => errors.push(message),
      error: (message) => errors.push(message),
    },
    ...options,
  });
  return {
    server,
    port: listener.addr.port,
    completed,
    errors,
    [Symbol.asyncDispose]: () => server.drain(500),
  };
}

/** Connects to the core. */
export function connect(port: number): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port });
}

/** Writes a string (or bytes) whole. */
export async function send(conn: Deno.Conn, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

/** Reads until the server closes (or `ms` pass); returns what arrived and whether it closed. */
export async function readAll(
  conn: Deno.Conn,
  ms = 2_000,
): Promise<{ text: string; closed: boolean }> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(64 * 1024);
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed */ }
  }, ms);
  let closed = false;
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) {
        closed = true;
        break;
      }
      chunks.push(buf.slice(0, n));
    }
  } catch (error) {
    // A reset is the server closing too; our own timeout closing the socket is not.
    closed = error instanceof Deno.errors.ConnectionReset;
  } finally {
    clearTimeout(timer);
  }
  try {
    conn.close();
  } catch { /* closed */ }
  return { text: decoder.decode(concat(chunks)), closed };
}

/** Sends `data` on a new connection and reads until the server closes. */
export async function exchange(port: number, data: string, ms = 2_000): Promise<string> {
  const conn = await connect(port);
  await send(conn, data);
  return (await readAll(conn, ms)).text;
}

/** One parsed response. */
export interface ParsedResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Reads `count` responses from a keep-alive connection (Content-Length or chunked bodies). */
export class ResponseReader {
  #conn: Deno.Conn;
  #buf: Uint8Array = new Uint8Array(0);

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async #more(deadline: number): Promise<void> {
    const chunk = new Uint8Array(64 * 1024);
    const left = deadline - Date.now();
    let timer: number | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), Math.max(0, left)) as unknown as number;
    });
    const n = await Promise.race([this.#conn.read(chunk), timeout]);
    clearTimeout(timer);
    if (n === null) throw new Error("The connection ended (or timed out) before a whole response");
    this.#buf = concat([this.#buf, chunk.subarray(0, n)]);
  }

  /** The next response; `head` true for a reply to HEAD (no body). */
  async next(head = false, ms = 2_000): Promise<ParsedResponse> {
    const deadline = Date.now() + ms;
    let end: number;
    while ((end = indexOf(this.#buf, "\r\n\r\n")) === -1) await this.#more(deadline);
    const lines = decoder.decode(this.#buf.subarray(0, end)).split("\r\n");
    const status = Number(lines[0].split(" ")[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    this.#buf = this.#buf.subarray(end + 4);
    let body = "";
    const noBody = head || status < 200 || status === 204 || status === 304;
    if (!noBody && headers.has("content-length")) {
      const length = Number(headers.get("content-length"));
      while (this.#buf.length < length) await this.#more(deadline);
      body = decoder.decode(this.#buf.subarray(0, length));
      this.#buf = this.#buf.subarray(length);
    } else if (!noBody && headers.get("transfer-encoding") === "chunked") {
      while (true) {
        let lineEnd: number;
        while ((lineEnd = indexOf(this.#buf, "\r\n")) === -1) await this.#more(deadline);
        const size = parseInt(decoder.decode(this.#buf.subarray(0, lineEnd)), 16);
        while (this.#buf.length < lineEnd + 2 + size + 2) await this.#more(deadline);
        body += decoder.decode(this.#buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        this.#buf = this.#buf.subarray(lineEnd + 2 + size + 2);
        if (size === 0) break;
      }
    }
    return { status, headers, body };
  }
}

function indexOf(bytes: Uint8Array, needle: string): number {
  return latinIndex(bytes, encoder.encode(needle));
}

function latinIndex(bytes: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const chunk of chunks) {
    out.set(chunk, off);
    off += chunk.length;
  }
  return out;
}

/** The status of the first response in `raw`. */
export function statusOf(raw: string): number {
  return Number(raw.slice(9, 12));
}

/** Waits `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
