/**
 * nginx's error and redirect page shape, shared by the core's own refusals, the static file
 * engine and the pipeline's built-in pages. Each page is built once per title and signature.
 *
 * @module
 */

import { STATUS_TEXT } from "../../gateway/mod.ts";

/** The `Server` value and page signature with `server_tokens` on. */
export const SERVER_FULL = "ngw2f/0.1.0";
/** The `Server` value and page signature with `server_tokens` off. */
export const SERVER_NAME = "ngw2f";

/** The signature `server_tokens` asks for. */
export function serverSignature(serverTokens: boolean): string {
  return serverTokens ? SERVER_FULL : SERVER_NAME;
}

const encoder = new TextEncoder();
const pages = new Map<string, Uint8Array>();

/** The reason phrase of `status` (`"Unknown"` for codes without one). */
export function reasonPhrase(status: number): string {
  return (STATUS_TEXT as Record<number, string>)[status] ?? "Unknown";
}

/**
 * nginx's page for `status` (`404 Not Found` as title and heading), signed with `server`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorPage } from "./pages.ts";
 *
 * const page = new TextDecoder().decode(errorPage(404, "ngw2f"));
 * assert.match(page, /<title>404 Not Found<\/title>/);
 * assert.match(page, /<hr><center>ngw2f<\/center>/);
 * ```
 */
export function errorPage(status: number, server: string): Uint8Array {
  const key = `${status}\0${server}`;
  let page = pages.get(key);
  if (page === undefined) {
    const title = `${status} ${reasonPhrase(status)}`;
    page = encoder.encode(
      `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n` +
        `<center><h1>${title}</h1></center>\r\n<hr><center>${server}</center>\r\n` +
        `</body>\r\n</html>\r\n`,
    );
    pages.set(key, page);
  }
  return page;
}
