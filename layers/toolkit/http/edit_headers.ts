/**
 * Changing a response's headers whether or not they are mutable.
 *
 * @module
 */

/**
 * `response` after `edit` changed its headers: in place when they are mutable, else (a
 * `Response.redirect()`, a `fetch()` answer) on a copy with the same body and status.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { editHeaders } from "./edit_headers.ts";
 *
 * const moved = editHeaders(Response.redirect("http://localhost/next", 302), (headers) => {
 *   headers.set("cache-control", "no-store");
 * });
 * assert.equal(moved.status, 302);
 * assert.equal(moved.headers.get("cache-control"), "no-store");
 * ```
 */
export function editHeaders(response: Response, edit: (headers: Headers) => void): Response {
  try {
    edit(response.headers);
    return response;
  } catch (error) {
    // Immutable headers throw on the first change, before anything was applied; a
    // Response.error() cannot be copied.
    if (!(error instanceof TypeError) || response.type === "error") throw error;
    const headers = new Headers(response.headers);
    edit(headers);
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  }
}
