// Test-only helpers for the server tests: a raw HTTP/1.x client over real sockets (every read
// bounded by a timeout, so a hang fails a test instead of stalling it) and a server harness.

import { createLogger, type Logger } from "./logger.ts";
import { serve, type ServeOptions, type Server } from "./server.ts";
import type { App } from "./types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How long any one read waits for bytes before the test fails. */
export const READ_TIMEOUT = 3000;

/** Decodes bytes one char per byte, so the raw framing can be asserted on. */
export function latin1(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

/** A response as it came off the wire. */
export interface RawResponse {
  /** `HTTP/1.1` */
  version: string;
  status: number;
  reason: string;
  /** The status line and header lines, as sent. */
  head: string;
  /** Header fields in order, names lower-cased. */
  headers: [string, string][];
  /** How the body was delimited. */
  framing: "none" | "length" | "chunked" | "eof";
  /** The body bytes as sent (with chunk framing), one char per byte. */
  rawBody: string;
  /** The body with the framing removed, decoded as UTF-8. */
  text: string;
  /** A header's value (values of repeated fields joined by ", "), or undefined. */
  header(name: string): string | undefined;
}

/** A client connection that writes raw bytes and parses raw responses. */
export class RawConn {
  readonly conn: Deno.Conn;
  #buf = new Uint8Array(0);
  /** True once the server closed its side (or reset the connection). */
  closed = false;
  /** True when the close was a reset rather than an orderly end of stream. */
  reset = false;

  constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  /** Connects to a server address (tcp or unix). */
  static async open(addr: Deno.Addr): Promise<RawConn> {
    if (addr.transport === "unix") {
      return new RawConn(await Deno.connect({ transport: "unix", path: addr.path }));
    }
    const { hostname, port } = addr as Deno.NetAddr;
    return new RawConn(await Deno.connect({ hostname, port }));
  }

  /** Writes all of `data` (a string is written one byte per char). */
  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? Uint8Array.from(data, (c) => c.charCodeAt(0)) : data;
    let off = 0;
    while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
  }

  /** Half-closes: the server sees end of stream but can still answer. */
  closeWrite(): Promise<void> {
    return this.conn.closeWrite();
  }

  /** Closes the connection (ignores a second close). */
  close(): void {
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  /** Reads more bytes into the buffer; false at end of stream. Fails after `timeout` ms. */
  async #fill(timeout: number): Promise<boolean> {
    if (this.closed) return false;
    const chunk = new Uint8Array(64 * 1024);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = this.conn.read(chunk);
    const expired = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeout);
    });
    let n: number | null | "timeout";
    try {
      n = await Promise.race([read, expired]);
    } catch (error) {
      if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
      this.closed = this.reset = true;
      return false;
    } finally {
      clearTimeout(timer);
    }
    if (n === "timeout") {
      read.catch(() => {});
      this.close();
      // Let the cancelled read settle so no op is left pending.
      await read.then(() => {}, () => {});
      throw new Error(`no bytes from the server within ${timeout}ms`);
    }
    if (n === null) {
      this.closed = true;
      return false;
    }
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
    return true;
  }

  #take(n: number): Uint8Array {
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  /** Bytes received and not yet parsed. */
  get pending(): string {
    return latin1(this.#buf);
  }

  /** Reads one response head (status line and fields); the body is left unread. */
  async readHead(timeout = READ_TIMEOUT): Promise<RawResponse> {
    while (true) {
      const end = latin1(this.#buf).indexOf("\r\n\r\n");
      if (end !== -1) {
        const head = latin1(this.#take(end + 4)).slice(0, -4);
        const [statusLine, ...lines] = head.split("\r\n");
        const match = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/.exec(statusLine);
        if (!match) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
        const headers = lines.map((line): [string, string] => {
          const colon = line.indexOf(":");
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
        });
        return {
          version: match[1],
          status: Number(match[2]),
          reason: match[3],
          head,
          headers,
          framing: "none",
          rawBody: "",
          text: "",
          header(name) {
            const values = headers.filter(([n]) => n === name.toLowerCase()).map(([, v]) => v);
            return values.length ? values.join(", ") : undefined;
          },
        };
      }
      if (!await this.#fill(timeout)) {
        throw new Error(
          `the connection closed before a full head: ${JSON.stringify(this.pending)}`,
        );
      }
    }
  }

  async #need(n: number, timeout: number): Promise<void> {
    while (this.#buf.length < n) {
      if (!await this.#fill(timeout)) throw new Error("the connection closed inside a body");
    }
  }

  async #line(timeout: number): Promise<string> {
    while (true) {
      const lf = this.#buf.indexOf(10);
      if (lf !== -1) return latin1(this.#take(lf + 1));
      if (!await this.#fill(timeout)) throw new Error("the connection closed inside a chunk");
    }
  }

  /**
   * Reads one full response, body framed as the headers say. `method` is the request's (a
   * HEAD answer has no body); a response without length or chunking is read until EOF.
   */
  async readResponse(method = "GET", timeout = READ_TIMEOUT): Promise<RawResponse> {
    const response = await this.readHead(timeout);
    const { status } = response;
    if (method === "HEAD" || status < 200 || status === 204 || status === 304) return response;
    let raw: Uint8Array;
    let body: Uint8Array;
    const length = response.header("content-length");
    if (response.header("transfer-encoding") === "chunked") {
      response.framing = "chunked";
      let rawText = "";
      const parts: Uint8Array[] = [];
      while (true) {
        const line = await this.#line(timeout);
        rawText += line;
        const size = parseInt(line, 16);
        if (Number.isNaN(size)) throw new Error(`bad chunk size line ${JSON.stringify(line)}`);
        if (size === 0) {
          rawText += await this.#line(timeout);
          break;
        }
        await this.#need(size + 2, timeout);
        const data = this.#take(size + 2);
        rawText += latin1(data);
        parts.push(data.subarray(0, size));
      }
      raw = Uint8Array.from(rawText, (c) => c.charCodeAt(0));
      body = concat(parts);
    } else if (length !== undefined) {
      response.framing = "length";
      await this.#need(Number(length), timeout);
      raw = body = this.#take(Number(length));
    } else {
      response.framing = "eof";
      while (await this.#fill(timeout));
      raw = body = this.#take(this.#buf.length);
    }
    response.rawBody = latin1(raw);
    response.text = decoder.decode(body);
    return response;
  }

  /** Reads everything until the server closes; returns it one char per byte. */
  async readToEnd(timeout = READ_TIMEOUT): Promise<string> {
    while (await this.#fill(timeout));
    return latin1(this.#take(this.#buf.length));
  }

  /** Waits for the server to close; fails if it sends more bytes or stays open past `timeout`. */
  async expectClosed(timeout = READ_TIMEOUT): Promise<void> {
    while (await this.#fill(timeout));
    if (this.#buf.length > 0) {
      throw new Error(`unexpected bytes before the close: ${JSON.stringify(this.pending)}`);
    }
  }

  /** Resolves true when no byte and no close arrive within `ms` (the connection stays open). */
  async staysOpen(ms: number): Promise<boolean> {
    if (this.#buf.length > 0 || this.closed) return false;
    const chunk = new Uint8Array(1);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = this.conn.read(chunk);
    const quiet = new Promise<"quiet">((resolve) => timer = setTimeout(() => resolve("quiet"), ms));
    try {
      const result = await Promise.race([read, quiet]);
      if (result !== "quiet") {
        if (result === null) this.closed = true;
        else this.#buf = chunk.slice(0, result);
        return false;
      }
      // The read stays pending: close the connection so it settles, as the test is done with it.
      read.catch(() => {});
      this.close();
      await read.then(() => {}, () => {});
      return true;
    } catch {
      this.closed = true;
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const part of parts) {
    out.set(part, off);
    off += part.length;
  }
  return out;
}

/** Encodes a string as UTF-8. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** A logger that keeps its lines (bare: no time or tag). */
export function recorder(): { lines: string[]; log: Logger } {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: "debug", bare: true, write: (l) => lines.push(l) }) };
}

/** What a test body gets from {@linkcode withServer}. */
export interface Harness {
  server: Server;
  addr: Deno.Addr;
  /** The listening TCP port (0 for a unix socket). */
  port: number;
  /** Error log lines. */
  lines: string[];
  /** Opens a client connection, closed automatically at the end of the test. */
  open(): Promise<RawConn>;
  /** One request on a fresh connection: writes `raw`, reads one response. */
  request(raw: string, options?: { method?: string; closeWrite?: boolean }): Promise<RawResponse>;
}

/**
 * Runs `body` against a server for `app` on an ephemeral port (or the given bind), then closes
 * every client connection and shuts the server down, whatever happened.
 */
export async function withServer(
  app: App,
  options: ServeOptions,
  body: (harness: Harness) => Promise<void>,
): Promise<void> {
  const { lines, log } = recorder();
  const server = await serve(app, { bind: "127.0.0.1:0", log, accessLog: null, ...options });
  const clients: RawConn[] = [];
  const addr = server.addrs[0];
  const open = async () => {
    const client = await RawConn.open(addr);
    clients.push(client);
    return client;
  };
  try {
    await body({
      server,
      addr,
      port: addr.transport === "tcp" ? addr.port : 0,
      lines,
      open,
      async request(raw, { method = "GET", closeWrite = false } = {}) {
        const client = await open();
        await client.write(raw);
        if (closeWrite) await client.closeWrite();
        return await client.readResponse(method);
      },
    });
  } finally {
    for (const client of clients) client.close();
    await server.shutdown();
  }
}

/** Resolves after `ms` milliseconds. */
export const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves `promise`, or rejects if it has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms}ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
