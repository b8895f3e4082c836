/**
 * The proxy's error log, nginx's line shape: `2026/11/26 14:21:45 [error] 1234#1: message`
 * (time in UTC, then the level, the process id and the worker number).
 *
 * @module
 */

import type { Logger } from "../../gateway/mod.ts";
import type { ErrorLogLevel } from "../config/types.ts";
import { LogWriter } from "./_log_file.ts";
import { errorTime } from "./_clock.ts";

const RANK: Record<ErrorLogLevel, number> = {
  debug: 0,
  info: 1,
  notice: 2,
  warn: 3,
  error: 4,
  crit: 5,
};

/** A {@linkcode Logger} writing nginx-style lines, with nginx's extra levels. */
export interface ErrorLog extends Logger {
  /** Normal but significant (nginx's `notice`). */
  notice(message: string): void;
  /** A critical condition (nginx's `crit`); pass the error to log its stack. */
  crit(message: string, error?: unknown): void;
  /** Opens the path anew after logrotate renamed it; no-op on stderr. */
  reopen(): void;
  /** Closes the file; later lines are dropped. Idempotent. */
  close(): void;
}

/** Options for {@linkcode openErrorLog}. */
export interface ErrorLogOptions {
  /** The number after `#` (nginx's thread id): the worker number; default 0. */
  workerId?: number;
  /** The clock, in ms since the epoch (for tests); default `Date.now`. */
  now?: () => number;
}

function detail(error: unknown): string {
  return error instanceof Error ? (error.stack ?? String(error)) : String(error);
}

/**
 * Opens an error log at `path` (`"-"`: standard error) that writes lines at `level` and
 * above, each at once (errors are rare and must not wait in a buffer). Lines read
 * `2026/11/26 14:21:45 [warn] 4242#1: message`.
 *
 * @throws {Error} "Cannot open log file …" when the file cannot be opened.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openErrorLog } from "./error_log.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const log = openErrorLog(`${dir}/error.log`, "warn", {
 *   workerId: 1,
 *   now: () => Date.UTC(2026, 10, 26, 14, 21, 45),
 * });
 * log.info("dropped: below warn");
 * log.error('open() "/srv/www/missing.html" failed (2: No such file or directory)');
 * log.close();
 * assert.equal(
 *   await Deno.readTextFile(`${dir}/error.log`),
 *   `2026/11/26 14:21:45 [error] ${Deno.pid}#1: open() "/srv/www/missing.html" failed ` +
 *     "(2: No such file or directory)\n",
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openErrorLog(
  path: string,
  level: ErrorLogLevel,
  options: ErrorLogOptions = {},
): ErrorLog {
  const min = RANK[level];
  if (min === undefined) throw new RangeError(`Cannot open error log: unknown level "${level}"`);
  const writer = new LogWriter(path, { bufferSize: 0, flushMs: 0, stream: "stderr" });
  const tag = `${Deno.pid}#${options.workerId ?? 0}: `;
  const clock = options.now ?? Date.now;
  const emit = (name: ErrorLogLevel, message: string) => {
    if (RANK[name] < min) return;
    writer.write(`${errorTime(clock())} [${name}] ${tag}${message}`);
  };
  return {
    debug: (message) => emit("debug", message),
    info: (message) => emit("info", message),
    notice: (message) => emit("notice", message),
    warn: (message) => emit("warn", message),
    error: (message, error) =>
      emit("error", error === undefined ? message : `${message}\n${detail(error)}`),
    crit: (message, error) =>
      emit("crit", error === undefined ? message : `${message}\n${detail(error)}`),
    reopen: () => writer.reopen(),
    close: () => writer.close(),
  };
}
