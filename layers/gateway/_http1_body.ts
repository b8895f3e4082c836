// Reading an HTTP/1.x request body (Content-Length or chunked) on demand. Private to the
// gateway's reference server.

import { type ConnReader, ProtocolError } from "./_conn_reader.ts";
import type { Head } from "./_http1_head.ts";

/** chunk-size [ BWS chunk-ext ] (RFC 9112 §7.1.1); no control char or bare CR in the extension. */
// deno-lint-ignore no-control-regex
const CHUNK_LINE = /^[0-9A-Fa-f]{1,12}[ \t]*(?:;[^\x00-\x08\x0a-\x1f\x7f]*)?$/;
/** A trailer field line: token ":" field-value (RFC 9112 §7.1.2). */
// deno-lint-ignore no-control-regex
const TRAILER = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\x00-\x08\x0a-\x1f\x7f]*$/;

/** How a body source talks to its connection. */
export interface BodyOptions {
  /** Sends `100 Continue`; called before the first read when the client expects it. */
  sendContinue: () => Promise<void>;
  /** Milliseconds to wait for each piece of the body. */
  timeout: number;
  /** Sets the connection's deadline `ms` from now; when it passes, the connection is closed. */
  arm: (ms: number) => void;
  /** Clears the connection's deadline. */
  disarm: () => void;
  /** Whether the connection was closed because a deadline passed. */
  timedOut: () => boolean;
  /** The largest body accepted, 0 for no limit (a chunked body past it is a 413). */
  maxSize: number;
}

/** The request body: Content-Length or chunked framing, read on demand. */
export class BodySource {
  done: boolean;
  #reader: ConnReader;
  #remaining: number;
  #chunked: boolean;
  #continue: (() => Promise<void>) | undefined;

  #timeout: number;
  #pulled = false;
  #total = 0;
  #maxSize: number;
  #options: BodyOptions;

  constructor(reader: ConnReader, head: Head, options: BodyOptions) {
    this.#reader = reader;
    this.#chunked = head.chunked;
    this.#remaining = head.chunked ? 0 : head.contentLength ?? 0;
    this.done = !head.chunked && this.#remaining === 0;
    this.#continue = head.expectContinue ? options.sendContinue : undefined;
    this.#timeout = options.timeout;
    this.#options = options;
    this.#maxSize = options.maxSize;
  }

  /** The declared length when no byte of the body has been read yet, else 0 (or unknown). */
  get untouchedBytes(): number {
    return this.#pulled ? 0 : this.#chunked ? Infinity : this.#remaining;
  }

  get untouched(): boolean {
    return this.#continue !== undefined;
  }

  /** The next piece of the body, null at its end; a client silent for `timeout` ms loses. */
  async next(): Promise<Uint8Array | null> {
    if (this.done) return null;
    this.#pulled = true;
    const options = this.#options;
    options.arm(this.#timeout);
    try {
      return await this.#next();
    } catch (error) {
      if (options.timedOut()) throw new ProtocolError(408, "the request body stopped arriving");
      throw error;
    } finally {
      options.disarm();
    }
  }

  async #next(): Promise<Uint8Array | null> {
    if (this.#continue) {
      const send = this.#continue;
      this.#continue = undefined;
      await send();
    }
    if (this.#chunked && this.#remaining === 0) {
      const line = await this.#reader.readLine(4096);
      const size = line.split(";", 1)[0].replace(/[ \t]+$/, "");
      if (!CHUNK_LINE.test(line)) {
        throw new ProtocolError(400, `invalid chunk size "${size}"`);
      }
      this.#remaining = parseInt(size, 16);
      this.#total += this.#remaining;
      if (this.#maxSize > 0 && this.#total > this.#maxSize) {
        throw new ProtocolError(413, `the body is larger than ${this.#maxSize} bytes`);
      }
      if (this.#remaining === 0) {
        // Trailer fields are checked, then dropped.
        for (let n = 0, field; (field = await this.#reader.readLine(8192)) !== ""; n++) {
          if (n > 64) throw new ProtocolError(400, "too many trailer fields");
          if (!TRAILER.test(field)) throw new ProtocolError(400, "an invalid trailer field");
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
