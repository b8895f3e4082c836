// Buffered reading from one connection: heads, lines and body bytes. Private to the gateway.

/** A parse failure that the connection answers with `status` before closing. */
export class ProtocolError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "ProtocolError";
    this.status = status;
  }
}

const LF = 10;

/** One connection's read side, with a single outstanding read at most. */
export class ConnReader {
  #conn: Deno.Conn;
  #buf: Uint8Array;
  #start = 0;
  #end = 0;
  #pending: Promise<boolean> | undefined;
  /** True once the peer has closed its sending side. */
  eof = false;

  constructor(conn: Deno.Conn, size = 16 * 1024) {
    this.#conn = conn;
    this.#buf = new Uint8Array(size);
  }

  /** Bytes read but not yet consumed. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** True while a read is waiting on the socket. */
  get reading(): boolean {
    return this.#pending !== undefined;
  }

  /** Reads more bytes into the buffer; false at end of stream. Concurrent calls share one read. */
  fill(): Promise<boolean> {
    return this.#pending ??= this.#fill().finally(() => this.#pending = undefined);
  }

  async #fill(): Promise<boolean> {
    if (this.eof) return false;
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
    } else if (this.#end === this.#buf.length) {
      const live = this.#end - this.#start;
      if (this.#start > 0 && live <= this.#buf.length / 2) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        const bigger = new Uint8Array(this.#buf.length * 2);
        bigger.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = bigger;
      }
      this.#start = 0;
      this.#end = live;
    }
    const n = await this.#conn.read(this.#buf.subarray(this.#end));
    if (n === null) {
      this.eof = true;
      return false;
    }
    this.#end += n;
    return true;
  }

  /**
   * Returns the bytes of a head ending in an empty line (without consuming the body), or
   * undefined at a clean end of stream before any byte.
   */
  async readHead(maxSize: number, onFirstByte: () => void): Promise<Uint8Array | undefined> {
    // How many bytes after #start were already searched for the end of the head. Relative to
    // #start because fill() may move the buffered bytes (or reset an empty buffer to offset 0).
    let scanned = 0;
    let announced = false;
    while (true) {
      // Skip empty lines before a request line (RFC 9112 §2.2).
      while (
        !announced && this.#start < this.#end &&
        (this.#buf[this.#start] === LF || this.#buf[this.#start] === 13)
      ) {
        this.#start++;
      }
      if (this.#start < this.#end && !announced) {
        announced = true;
        onFirstByte();
      }
      let lf = this.#buf.indexOf(LF, this.#start + scanned);
      while (lf !== -1 && lf < this.#end) {
        const next = this.#buf[lf + 1];
        let end = -1;
        if (lf + 1 < this.#end && next === LF) end = lf + 2;
        else if (lf + 2 < this.#end && next === 13 && this.#buf[lf + 2] === LF) end = lf + 3;
        if (end !== -1) {
          // A head that arrived whole in one read is held to the limit too.
          if (end - this.#start > maxSize) {
            throw new ProtocolError(431, "the request head is larger than the limit");
          }
          return this.#take(end);
        }
        if (lf + 2 >= this.#end) break;
        lf = this.#buf.indexOf(LF, lf + 1);
      }
      scanned = Math.max(0, this.#end - this.#start - 2);
      if (this.#end - this.#start > maxSize) {
        const lf = this.#buf.indexOf(LF, this.#start);
        if (lf === -1 || lf >= this.#end) {
          throw new ProtocolError(414, "the request line is longer than the limit");
        }
        throw new ProtocolError(431, "the request head is larger than the limit");
      }
      if (!await this.fill()) {
        if (this.#start === this.#end) return undefined;
        throw new ProtocolError(400, "the connection closed in the middle of a request head");
      }
    }
  }

  #take(end: number): Uint8Array {
    const out = this.#buf.subarray(this.#start, end);
    this.#start = end;
    return out;
  }

  /**
   * Reads one line of chunked framing (without its CRLF); throws when it is longer than `max`
   * or ends in a bare LF: the lone-LF leniency of RFC 9112 §2.2 covers the head, not chunk
   * lines (§7.1), where a lenient terminator is a request smuggling vector.
   */
  async readLine(max: number): Promise<string> {
    while (true) {
      const lf = this.#buf.indexOf(LF, this.#start);
      if (lf !== -1 && lf < this.#end) {
        if (lf === this.#start || this.#buf[lf - 1] !== 13) {
          throw new ProtocolError(400, "a chunked body line ends in a bare LF");
        }
        const line = latin1(this.#buf.subarray(this.#start, lf - 1));
        this.#start = lf + 1;
        return line;
      }
      if (this.#end - this.#start > max) {
        throw new ProtocolError(400, "a chunked body line is too long");
      }
      if (!await this.fill()) {
        throw new ProtocolError(400, "the connection closed in the middle of a chunked body");
      }
    }
  }

  /** Returns up to `max` body bytes as a fresh array; null at end of stream. */
  async readSome(max: number): Promise<Uint8Array | null> {
    if (this.#start === this.#end) {
      if (this.#pending) await this.#pending;
      if (this.#start === this.#end) {
        if (this.eof) return null;
        // Read straight into a buffer the consumer may keep.
        const chunk = new Uint8Array(Math.min(max, 64 * 1024));
        const n = await this.#conn.read(chunk);
        if (n === null) {
          this.eof = true;
          return null;
        }
        return chunk.subarray(0, n);
      }
    }
    const n = Math.min(max, this.#end - this.#start);
    const out = this.#buf.slice(this.#start, this.#start + n);
    this.#start += n;
    return out;
  }
}

/** Decodes bytes as ISO-8859-1, one char per byte (TextDecoder's "latin1" is windows-1252). */
export function latin1(bytes: Uint8Array): string {
  if (bytes.length < 4096) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let out = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return out;
}
