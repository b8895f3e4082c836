/**
 * Access log destinations: a file (or standard output) written through a 64 KiB buffer that
 * is flushed when full, a second after its first line, on `flush()`, `reopen()` and `close()`.
 *
 * @module
 */

import { LogWriter } from "./_log_file.ts";

/** An open access log. */
export interface AccessLogSink {
  /** The path it was opened with (`"-"` for standard output). */
  readonly path: string;
  /** Buffers one line (without its newline). */
  write(line: string): void;
  /** Writes the buffered lines now. */
  flush(): void;
  /**
   * Flushes, then opens the path anew: after logrotate renamed the file, a new one is
   * created and later lines land there (USR1, `-s reopen`). If the open fails, the old file
   * is kept and the error thrown.
   */
  reopen(): void;
  /** Flushes and closes the file; later lines are dropped. Idempotent. */
  close(): void;
}

/** Options for {@linkcode openAccessLog}. */
export interface AccessLogOptions {
  /** Bytes buffered before a write; default 64 KiB; 0 writes each line at once. */
  bufferSize?: number;
  /** Most milliseconds a line waits in the buffer; default 1000. */
  flushMs?: number;
}

/**
 * Opens an access log for appending: `"-"` is standard output, anything else a file path
 * (created when missing). Writes are synchronous, so a worker never loses an acknowledged
 * line to a pending promise; the buffer keeps them to one `write(2)` per ~64 KiB.
 *
 * @throws {Error} "Cannot open log file …" when the file cannot be opened.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openAccessLog } from "./access_log.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const log = openAccessLog(`${dir}/access.log`);
 * log.write('127.0.0.1 - - [26/Nov/2026:14:21:45 +0000] "GET / HTTP/1.1" 200 5 "-" "-"');
 * assert.equal(await Deno.readTextFile(`${dir}/access.log`), ""); // still buffered
 * log.close();
 * assert.match(await Deno.readTextFile(`${dir}/access.log`), /"GET \/ HTTP\/1.1" 200 5/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openAccessLog(path: string, options: AccessLogOptions = {}): AccessLogSink {
  const writer = new LogWriter(path, {
    bufferSize: options.bufferSize ?? 64 * 1024,
    flushMs: options.flushMs ?? 1000,
    stream: "stdout",
  });
  return {
    path,
    write: (line) => writer.write(line),
    flush: () => writer.flush(),
    reopen: () => writer.reopen(),
    close: () => writer.close(),
  };
}
