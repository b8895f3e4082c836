/**
 * The talk's part IV request/response wrapping demo: the same gateway function as part II, but
 * reading the request through the toolkit's `RequestWrapper` (Werkzeug's `Request`) and
 * answering with a response helper (Werkzeug's `Response`). `/?name=Deno` → `Hello, Deno!`.
 *
 * @module
 */

import type { Context } from "../../layers/gateway/mod.ts";
import { RequestWrapper, text } from "../../layers/toolkit/mod.ts";

/** Greets `?name=` (default "World"), as Werkzeug's hello-world application does. */
export default function application(request: Request, ctx: Context): Response {
  const req = new RequestWrapper(request, ctx);
  return text(`Hello, ${req.args.get("name") ?? "World"}!\n`);
}
