/**
 * Flask's helpers, from the toolkit: `abort` (throws the HTTP error for a status),
 * `redirect`, `json`, `stream`, `sendFile` and `sendFromDirectory`.
 *
 * @module
 */

import { httpErrorFor } from "../toolkit/mod.ts";

export { json, redirect, sendFile, sendFromDirectory, stream } from "../toolkit/mod.ts";

/**
 * Stops the request with an HTTP error (Flask's `abort(404)`): the app's error handler for the
 * status answers, else the error page (HTML or JSON by Accept).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { abort, App } from "./mod.ts";
 *
 * const app = new App({ staticFolder: null }).get("/secret", function secret() {
 *   return abort(403, "Staff only.");
 * });
 * assert.equal((await app.request("/secret")).status, 403);
 * ```
 */
export function abort(status: number, description?: string): never {
  throw httpErrorFor(status, description);
}
