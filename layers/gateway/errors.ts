/**
 * Process-level failures shared by every layer. Each keeps its `cause`.
 *
 * @module
 */

/**
 * An app module could not be loaded: names the file, the export and why.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AppLoadError } from "./errors.ts";
 *
 * const error = new AppLoadError("Cannot load app \"app.ts\": file not found", {
 *   file: "/srv/app.ts",
 *   exportName: "default",
 * });
 * assert.equal(error.file, "/srv/app.ts");
 * ```
 */
export class AppLoadError extends Error {
  /** The absolute path of the module. */
  readonly file: string;
  /** The export that was asked for. */
  readonly exportName: string;
  /** The exports the module does have, when it loaded. */
  readonly available: readonly string[];
  /** Creates the error; `cause` is the underlying failure, if any. */
  constructor(
    message: string,
    options: { file: string; exportName: string; available?: readonly string[]; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "AppLoadError";
    this.file = options.file;
    this.exportName = options.exportName;
    this.available = options.available ?? [];
  }
}

/**
 * A setting is wrong: names the file (or flag / env var), the line and the key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "./errors.ts";
 *
 * const error = new ConfigError("expected HOST:PORT", { file: "--bind", key: "bind" });
 * assert.equal(error.message, "Cannot use --bind: bind: expected HOST:PORT");
 * ```
 */
export class ConfigError extends Error {
  /** The config file, or the flag or env var the value came from. */
  readonly file: string;
  /** The 1-based line in `file`, when known. */
  readonly line: number | undefined;
  /** The setting's name. */
  readonly key: string;
  /** Creates the error; the message becomes `Cannot use <file>[:line]: <key>: <why>`. */
  constructor(why: string, options: { file: string; key: string; line?: number; cause?: unknown }) {
    const where = options.line === undefined ? options.file : `${options.file}:${options.line}`;
    super(`Cannot use ${where}: ${options.key}: ${why}`, { cause: options.cause });
    this.name = "ConfigError";
    this.file = options.file;
    this.line = options.line;
    this.key = options.key;
  }
}

/**
 * Stop the program with this exit code (a boot failure, a bad command line).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HaltError } from "./errors.ts";
 *
 * const error = new HaltError("Cannot start: the app failed to boot", { exitCode: 3 });
 * assert.equal(error.exitCode, 3);
 * ```
 */
export class HaltError extends Error {
  /** The process exit code to use. */
  readonly exitCode: number;
  /** Creates the error. */
  constructor(message: string, options: { exitCode: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "HaltError";
    this.exitCode = options.exitCode;
  }
}

/**
 * The error of a server that cannot listen on `address` (taken, not allowed): a
 * {@linkcode HaltError} with exit code 3 that names the address, as every server here reports it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenError } from "./errors.ts";
 *
 * const error = listenError("127.0.0.1:8080", new Error("Address already in use"));
 * assert.equal(error.message, 'Cannot listen on "127.0.0.1:8080": Address already in use');
 * assert.equal(error.exitCode, 3);
 * ```
 */
export function listenError(address: string, cause: unknown): HaltError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new HaltError(`Cannot listen on "${address}": ${reason}`, { exitCode: 3, cause });
}
