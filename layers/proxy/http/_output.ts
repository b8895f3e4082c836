// One connection's write side: a reused buffer that coalesces a reply's head and small body
// into one write, file ranges read straight into it (or in pooled 64 KiB chunks), and the
// send deadline the core's watchdog checks. Private to the HTTP core.

const encoder = new TextEncoder();
/** The per-connection buffer: a head plus a body this small goes out in one write. */
const BUFFER_SIZE = 16 * 1024;
/** Chunks of large files. */
const CHUNK_SIZE = 64 * 1024;
/** Pooled chunk buffers kept for reuse (constant memory under load). */
const pool: Uint8Array[] = [];

/** Where the output reads the time and the send timeout from. */
export interface OutputClock {
  /** Milliseconds since the epoch, refreshed per request and per watchdog tick. */
  clock: number;
}

/** Buffered writes to one connection; a failed socket write sets `broken` and rethrows. */
export class Output {
  #conn: Deno.Conn;
  #buf: Uint8Array | null = null;
  #pos = 0;
  #clock: OutputClock;
  #sendTimeout: number;
  /** Bytes written to the socket (all exchanges). */
  written = 0;
  /** When the write in progress must have finished (0 when none is). */
  deadline = 0;
  /** Set once a socket write failed: nothing more can go out. */
  broken = false;

  constructor(conn: Deno.Conn, clock: OutputClock, sendTimeout: number) {
    this.#conn = conn;
    this.#clock = clock;
    this.#sendTimeout = sendTimeout;
  }

  /** Bytes waiting in the buffer. */
  get pending(): number {
    return this.#pos;
  }

  /** Starts a reply: encodes `text` (UTF-8) at the start of the (empty) buffer. */
  head(text: string): void {
    const buf = this.#buf ??= new Uint8Array(BUFFER_SIZE);
    const { read, written } = encoder.encodeInto(text, buf);
    if (read === text.length) {
      this.#pos = written;
      return;
    }
    // A head larger than the buffer: a bigger one for this reply only.
    const big = encoder.encode(text);
    this.#buf = new Uint8Array(big.length + BUFFER_SIZE);
    this.#buf.set(big);
    this.#pos = big.length;
  }

  /** Starts a reply with a head already encoded (shorter than the buffer). */
  headBytes(bytes: Uint8Array): void {
    const buf = this.#buf ??= new Uint8Array(BUFFER_SIZE);
    buf.set(bytes);
    this.#pos = bytes.length;
  }

  /** A copy of what the buffer holds (a head just encoded, to reuse). */
  copyHead(): Uint8Array {
    return this.#buf!.slice(0, this.#pos);
  }

  /** Room left in the buffer. */
  get room(): number {
    return (this.#buf?.length ?? BUFFER_SIZE) - this.#pos;
  }

  /** Appends bytes: copied when they fit, else the buffer is flushed and they are written. */
  append(bytes: Uint8Array): Promise<void> | undefined {
    const buf = this.#buf!;
    if (bytes.length <= buf.length - this.#pos) {
      buf.set(bytes, this.#pos);
      this.#pos += bytes.length;
      return undefined;
    }
    return this.#appendLarge(bytes);
  }

  async #appendLarge(bytes: Uint8Array): Promise<void> {
    await this.flush();
    if (bytes.length <= this.#buf!.length / 2) {
      this.#buf!.set(bytes);
      this.#pos = bytes.length;
    } else {
      await this.write(bytes);
    }
  }

  /** Appends an ASCII string (chunk sizes, CRLFs). */
  appendText(text: string): Promise<void> | undefined {
    if (text.length > this.room) return this.flush().then(() => this.appendText(text));
    this.#pos += encoder.encodeInto(text, this.#buf!.subarray(this.#pos)).written;
    return undefined;
  }

  /**
   * Appends `length` bytes of `file` from `offset`: read synchronously into the buffer when
   * they fit (nginx reads files blocking too; a small file costs no thread hop), else flushed
   * and sent in pooled 64 KiB chunks read asynchronously.
   */
  appendFile(file: Deno.FsFile, offset: number, length: number): Promise<void> | undefined {
    if (length === 0) return undefined;
    if (length > this.room) return this.#sendFile(file, offset, length);
    const buf = this.#buf!;
    file.seekSync(offset, Deno.SeekMode.Start);
    let pos = this.#pos;
    const end = pos + length;
    while (pos < end) {
      const n = file.readSync(buf.subarray(pos, end));
      if (n === null || n === 0) {
        throw new Deno.errors.UnexpectedEof("The file is shorter than its range");
      }
      pos += n;
    }
    this.#pos = end;
    return undefined;
  }

  async #sendFile(file: Deno.FsFile, offset: number, length: number): Promise<void> {
    await this.flush();
    await file.seek(offset, Deno.SeekMode.Start);
    const chunk = pool.pop() ?? new Uint8Array(CHUNK_SIZE);
    try {
      while (length > 0) {
        const n = await file.read(length < CHUNK_SIZE ? chunk.subarray(0, length) : chunk);
        if (n === null || n === 0) {
          throw new Deno.errors.UnexpectedEof("The file is shorter than its range");
        }
        await this.write(chunk.subarray(0, n));
        length -= n;
      }
    } finally {
      if (pool.length < 32) pool.push(chunk);
    }
  }

  /** Writes what the buffer holds. */
  flush(): Promise<void> {
    const n = this.#pos;
    if (n === 0) return Promise.resolve();
    this.#pos = 0;
    return this.write(this.#buf!.subarray(0, n));
  }

  /**
   * The hot path's write, in three steps so the caller awaits the socket write itself (no
   * async frame in between): `send()` starts one write of everything buffered (under the send
   * timeout), `sent(n)` accounts for the `n` bytes it wrote and returns the write of the rest
   * (when the socket took less) or `undefined`, `failed()` marks a write that threw.
   */
  send(): Promise<number> {
    this.deadline = this.#clock.clock + this.#sendTimeout;
    return this.#conn.write(this.#buf!.subarray(0, this.#pos));
  }

  /** See {@linkcode Output.send}. */
  sent(n: number): Promise<void> | undefined {
    const total = this.#pos;
    this.#pos = 0;
    this.written += n;
    this.deadline = 0;
    return n < total ? this.write(this.#buf!.subarray(n, total)) : undefined;
  }

  /** See {@linkcode Output.send}. */
  failed(): void {
    this.#pos = 0;
    this.deadline = 0;
    this.broken = true;
  }

  /** Drops what the buffer holds (a reply abandoned before its head went out). */
  reset(): void {
    this.#pos = 0;
  }

  /** Writes every byte of `bytes`, under the send timeout. */
  async write(bytes: Uint8Array): Promise<void> {
    let off = 0;
    try {
      while (off < bytes.length) {
        this.deadline = this.#clock.clock + this.#sendTimeout;
        off += await this.#conn.write(off === 0 ? bytes : bytes.subarray(off));
      }
    } catch (error) {
      this.broken = true;
      throw error;
    } finally {
      this.written += off;
      this.deadline = 0;
    }
  }
}
