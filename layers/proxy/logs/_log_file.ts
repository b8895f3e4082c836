// Private to logs/: an append-only log destination, buffered or not, that can be reopened
// after logrotate renamed its file. Each flush is one write(2) of whole lines (looped on a
// short write), so workers appending to the same file never split each other's lines.

const encoder = new TextEncoder();

/** Where a {@linkcode LogWriter} writes. */
export interface LogWriterOptions {
  /** Bytes gathered before a write; 0 writes every line at once. */
  bufferSize: number;
  /** Most milliseconds a buffered line waits. */
  flushMs: number;
  /** The console stream used for path `"-"`. */
  stream: "stdout" | "stderr";
}

type Sink = { writeSync(bytes: Uint8Array): number; close?(): void };

function openAppend(path: string, action: string): Deno.FsFile {
  try {
    return Deno.openSync(path, { append: true, create: true });
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`Cannot ${action} log file "${path}": ${why}`, { cause });
  }
}

function writeAll(sink: Sink, bytes: Uint8Array): void {
  let written = sink.writeSync(bytes);
  while (written < bytes.length) {
    bytes = bytes.subarray(written);
    written = sink.writeSync(bytes);
  }
}

/** A log file (or console stream) written line by line. */
export class LogWriter {
  readonly path: string;
  readonly #options: LogWriterOptions;
  #sink: Sink | null;
  #console: boolean;
  #buffer: Uint8Array;
  #used = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failed = false;

  constructor(path: string, options: LogWriterOptions) {
    this.path = path;
    this.#options = options;
    this.#console = path === "-";
    this.#sink = this.#console
      ? (options.stream === "stdout" ? Deno.stdout : Deno.stderr)
      : openAppend(path, "open");
    this.#buffer = new Uint8Array(Math.max(options.bufferSize, 0));
  }

  /** Writes `line` and a newline (buffered when the writer has a buffer). */
  write(line: string): void {
    if (this.#sink === null) return;
    const buffer = this.#buffer;
    if (buffer.length === 0) return this.#emit(encoder.encode(`${line}\n`));
    const start = this.#used;
    const { read, written } = encoder.encodeInto(line, buffer.subarray(start));
    if (read === line.length && start + written < buffer.length) {
      buffer[start + written] = 10;
      this.#used = start + written + 1;
      if (this.#timer === undefined) this.#arm();
      return;
    }
    // The line does not fit: send the lines before it, then buffer it (or send it alone).
    this.#used = start;
    this.flush();
    const bytes = encoder.encode(`${line}\n`);
    if (bytes.length >= buffer.length) return this.#emit(bytes);
    buffer.set(bytes);
    this.#used = bytes.length;
    this.#arm();
  }

  /** Writes what is buffered. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#used === 0) return;
    const used = this.#used;
    this.#used = 0;
    this.#emit(this.#buffer.subarray(0, used));
  }

  /** Flushes, then opens the path anew (the old file was renamed); the console stays. */
  reopen(): void {
    if (this.#sink === null) return;
    this.flush();
    if (this.#console) return;
    const fresh = openAppend(this.path, "reopen"); // open first: a failure keeps the old file
    this.#sink.close?.();
    this.#sink = fresh;
    this.#failed = false;
  }

  /** Flushes and closes; later lines are dropped. Idempotent. */
  close(): void {
    if (this.#sink === null) return;
    this.flush();
    if (!this.#console) this.#sink.close?.();
    this.#sink = null;
  }

  #arm(): void {
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#options.flushMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #emit(bytes: Uint8Array): void {
    if (this.#sink === null) return;
    try {
      writeAll(this.#sink, bytes);
      this.#failed = false;
    } catch (cause) {
      // Lines are lost; say so once on stderr, the last place left to say it.
      if (this.#failed) return;
      this.#failed = true;
      const why = cause instanceof Error ? cause.message : String(cause);
      try {
        writeAll(Deno.stderr, encoder.encode(`Cannot write log file "${this.path}": ${why}\n`));
      } catch { /* stderr is gone too */ }
    }
  }
}
