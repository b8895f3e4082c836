// A buffered reader of CRLF (or LF) terminated lines from a connection, with a length limit,
// for the SMTP dialogue: one read at a time, kept across a timeout so no byte is lost, and the
// bytes after the last line handed over whole (to the relay) or dropped (after STARTTLS).
// Private to the mail module.

import type { TunnelEnd } from "../upstream/mod.ts";

/** What {@linkcode LineReader.next} found. */
export type LineResult =
  /** A line, without its CRLF or LF. */
  | { kind: "line"; text: string }
  /** A line longer than the limit; the reader skips the rest of it, to the next LF. */
  | { kind: "long" }
  /** A line holding a bare CR or a NUL. */
  | { kind: "bad" }
  /** The peer closed (or the connection failed) before another line. */
  | { kind: "end" }
  /** Nothing complete arrived in the time given. */
  | { kind: "timeout" };

const LF = 0x0a;
const CR = 0x0d;
const READ_SIZE = 16 * 1024;

/**
 * Reads lines from `source`; a line with its terminator may be `maxLine` bytes long.
 *
 * @example
 * ```ts ignore
 * const lines = new LineReader(conn, { maxLine: 512 });
 * const result = await lines.next(60_000);
 * if (result.kind === "line") console.log(result.text);
 * ```
 */
export class LineReader {
  readonly #source: TunnelEnd;
  readonly #max: number;
  readonly #decoder = new TextDecoder();
  #buf: Uint8Array = new Uint8Array(0);
  /** Where each read lands; what is kept is copied out of it. */
  readonly #chunk = new Uint8Array(READ_SIZE);
  #pending: Promise<void> | null = null;
  #ended = false;
  #skipping = false;

  constructor(source: TunnelEnd, options: { maxLine: number }) {
    this.#source = source;
    this.#max = options.maxLine;
  }

  /** Whether {@linkcode next} can answer without reading. */
  ready(): boolean {
    if (this.#ended) return true;
    if (this.#buf.indexOf(LF) >= 0) return true;
    return !this.#skipping && this.#buf.length >= this.#max;
  }

  /** Whether a read of the source is under way. */
  get reading(): boolean {
    return this.#pending !== null;
  }

  /** The next line, or why there is none; waits at most `timeoutMs` for bytes. */
  async next(timeoutMs: number): Promise<LineResult> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = this.#take();
      if (found) return found;
      if (this.#ended) return { kind: "end" };
      if (await this.#fillBefore(deadline) === "timeout") return { kind: "timeout" };
    }
  }

  /**
   * Waits up to `ms` for any byte: `data` when some arrived (they stay buffered), `end` when
   * the peer closed, `timeout` otherwise (the read goes on; {@linkcode next} picks it up).
   */
  async waitForData(ms: number): Promise<"data" | "end" | "timeout"> {
    const deadline = Date.now() + ms;
    while (!this.#buf.length) {
      if (this.#ended) return "end";
      if (await this.#fillBefore(deadline) === "timeout") return "timeout";
    }
    return "data";
  }

  /** Hands over the bytes read past the last line, and forgets them. */
  rest(): Uint8Array {
    const rest = this.#buf;
    this.#buf = new Uint8Array(0);
    return rest;
  }

  async #fillBefore(deadline: number): Promise<"filled" | "timeout"> {
    const left = deadline - Date.now();
    if (left <= 0) return "timeout";
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), left);
    });
    try {
      return await Promise.race([this.#fill().then(() => "filled" as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One read of the source (the one under way, if any) appended to the buffer. */
  #fill(): Promise<void> {
    return this.#pending ??= (async () => {
      const chunk = this.#chunk;
      let n: number | null = null;
      try {
        n = await this.#source.read(chunk);
      } catch {
        n = null;
      }
      this.#pending = null;
      if (n === null) {
        this.#ended = true;
        return;
      }
      this.#append(chunk.subarray(0, n));
    })();
  }

  #append(bytes: Uint8Array): void {
    if (this.#skipping) {
      const lf = bytes.indexOf(LF);
      if (lf < 0) return;
      this.#skipping = false;
      bytes = bytes.subarray(lf + 1);
    }
    if (!this.#buf.length) {
      this.#buf = bytes.slice();
      return;
    }
    const joined = new Uint8Array(this.#buf.length + bytes.length);
    joined.set(this.#buf);
    joined.set(bytes, this.#buf.length);
    this.#buf = joined;
  }

  /** A result from the buffer alone, or null when it needs more bytes. */
  #take(): LineResult | null {
    const lf = this.#buf.indexOf(LF);
    if (lf < 0) {
      if (this.#skipping || this.#buf.length < this.#max) return null;
      // Too long already: say so now, and skip the rest of the line as it comes.
      this.#buf = new Uint8Array(0);
      this.#skipping = true;
      return { kind: "long" };
    }
    const line = this.#buf.subarray(0, lf);
    this.#buf = this.#buf.subarray(lf + 1);
    if (lf + 1 > this.#max) return { kind: "long" };
    const end = line.length && line[line.length - 1] === CR ? line.length - 1 : line.length;
    const text = line.subarray(0, end);
    if (text.indexOf(CR) >= 0 || text.indexOf(0) >= 0) return { kind: "bad" };
    return { kind: "line", text: this.#decoder.decode(text) };
  }
}
