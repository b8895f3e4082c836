/**
 * The talk's part II app in the modern form: a function from a request to a response.
 * `deno serve examples/part-II-gateway/app.ts` runs it unchanged, and so does
 * `ngw2f dev examples/part-II-gateway/app.ts`.
 *
 * @module
 */

import { defineApp } from "../../layers/gateway/mod.ts";

/** The body both forms of the app send. */
export const GREETING = "Hello, World!\n";

/** Answers every request with a greeting, as the talk's simple WSGI app does. */
export function hello(_request: Request): Response {
  return new Response(GREETING, { headers: { "content-type": "text/plain; charset=utf-8" } });
}

export default defineApp(hello);
