/**
 * The error an nginx config that nginx itself would reject raises while it is read.
 *
 * @module
 */

import { ConfigError } from "../../gateway/errors.ts";

/**
 * An nginx config could not be read: a syntax error or an `include` that cannot be opened.
 * A `ConfigError` (the CLI exits 2 on it) whose message names the file and line as nginx does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NginxSyntaxError } from "./errors.ts";
 *
 * const error = new NginxSyntaxError('unexpected "}"', { file: "nginx.conf", line: 7 });
 * assert.equal(error.message, 'Cannot parse nginx.conf:7: unexpected "}"');
 * assert.equal(error.line, 7);
 * ```
 */
export class NginxSyntaxError extends ConfigError {
  /** What is wrong, without the place: `unexpected "}"`. */
  readonly why: string;
  /** Creates the error; `cause` is the underlying failure (a file that cannot be read). */
  constructor(why: string, options: { file: string; line: number; cause?: unknown }) {
    super(why, { ...options, key: "" });
    this.name = "NginxSyntaxError";
    this.why = why;
    this.message = `Cannot parse ${options.file}:${options.line}: ${why}`;
  }
}
