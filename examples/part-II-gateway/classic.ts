/**
 * The talk's part II app in the classic (WSGI) form, ported line by line from
 *
 * ```python
 * def application(environ, start_response):
 *     start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
 *     return [b"Hello, World!\n"]
 * ```
 *
 * `classic()` turns it into an app any ngw2f server (or `deno serve`) runs.
 *
 * @module
 */

import { classic, defineApp, type Environ, type StartResponse } from "../../layers/gateway/mod.ts";

/** The WSGI-shaped app. */
export function application(_environ: Environ, start_response: StartResponse): Uint8Array[] {
  start_response("200 OK", [["Content-Type", "text/plain; charset=utf-8"]]);
  return [new TextEncoder().encode("Hello, World!\n")];
}

export default defineApp(classic(application));
