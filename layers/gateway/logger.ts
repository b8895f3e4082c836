/**
 * Logging: the one place in ngw2f that writes to the console.
 *
 * @module
 */

/** Severity, lowest first, with gunicorn's names. */
export type LogLevel = "debug" | "info" | "warning" | "error" | "critical";

const LEVELS: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warning: 30,
  error: 40,
  critical: 50,
};

/**
 * Where servers and apps send their messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLogger } from "./logger.ts";
 *
 * const lines: string[] = [];
 * const log = createLogger({ level: "info", write: (line) => lines.push(line) });
 * log.debug("dropped");
 * log.info("kept");
 * assert.ok(lines.length === 1 && lines[0].endsWith("[INFO] kept"));
 * ```
 */
export interface Logger {
  /** Detail for debugging. */
  debug(message: string): void;
  /** Normal operation. */
  info(message: string): void;
  /** Something unexpected that was handled. */
  warn(message: string): void;
  /** A failure; pass the error to log its stack. */
  error(message: string, error?: unknown): void;
}

/** Options for {@linkcode createLogger}. */
export interface LoggerOptions {
  /** The lowest level written; default `"info"`. */
  level?: LogLevel;
  /** A tag after the time, e.g. the process id or `"proxy"`; default the process id. */
  tag?: string;
  /** Where lines go; default standard error (or `stream`). */
  write?: (line: string) => void;
  /** The console stream used when `write` is not given; default `"stderr"`. */
  stream?: "stderr" | "stdout";
  /** Omit the time and tag (for access logs that carry their own). */
  bare?: boolean;
}

/**
 * Checks a level name; returns `undefined` when it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLogLevel } from "./logger.ts";
 *
 * assert.equal(parseLogLevel("WARNING"), "warning");
 * assert.equal(parseLogLevel("loud"), undefined);
 * ```
 */
export function parseLogLevel(name: string): LogLevel | undefined {
  const level = name.toLowerCase() === "warn" ? "warning" : name.toLowerCase();
  return level in LEVELS ? level as LogLevel : undefined;
}

function stderrLine(line: string): void {
  // deno-lint-ignore no-console
  console.error(line);
}

function stdoutLine(line: string): void {
  // deno-lint-ignore no-console
  console.log(line);
}

function timestamp(): string {
  // gunicorn's format: [2026-11-26 14:13:35 +0000]
  return `[${new Date().toISOString().slice(0, 19).replace("T", " ")} +0000]`;
}

/**
 * A logger writing `[time] [tag] [LEVEL] message` lines, as gunicorn does.
 *
 * @example
 * ```ts
 * import { createLogger } from "./logger.ts";
 *
 * const log = createLogger({ level: "warning", tag: "dev", write: () => {} });
 * log.warn("Cannot reach the cache: falling back to memory");
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVELS[options.level ?? "info"];
  const write = options.write ?? (options.stream === "stdout" ? stdoutLine : stderrLine);
  const tag = options.tag ?? String(Deno.pid);
  const emit = (level: LogLevel, message: string) => {
    if (LEVELS[level] < min) return;
    write(
      options.bare ? message : `${timestamp()} [${tag}] [${level.toUpperCase()}] ${message}`,
    );
  };
  return {
    debug: (message) => emit("debug", message),
    info: (message) => emit("info", message),
    warn: (message) => emit("warning", message),
    error: (message, error) => {
      if (error === undefined) return emit("error", message);
      const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error);
      emit("error", `${message}\n${detail}`);
    },
  };
}

/**
 * A logger that drops everything.
 *
 * @example
 * ```ts
 * import { silentLogger } from "./logger.ts";
 *
 * silentLogger.error("nobody hears this");
 * ```
 */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
