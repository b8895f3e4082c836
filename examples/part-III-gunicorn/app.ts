/**
 * The talk's part III app: part II's hello, plus two routes that show the master's work —
 * `/pid` says which worker answered, `/slow` holds a request open long enough to watch a
 * graceful reload or stop let it finish.
 *
 * ```sh
 * npx deno run -A main.ts serve -c examples/part-III-gunicorn/ngw2f.toml
 * ```
 *
 * @module
 */

import { type Context, defineApp } from "../../layers/gateway/mod.ts";
import { hello } from "../part-II-gateway/app.ts";

/** How long `/slow` waits before it answers, in milliseconds (`?ms=` overrides it, up to 30 s). */
export const SLOW_MS = 3_000;

const text = (body: string) =>
  new Response(body, { headers: { "content-type": "text/plain; charset=utf-8" } });

/**
 * Routes `/` to part II's hello, `/pid` to who answered, `/slow` to a delayed hello.
 *
 * @example
 * ```ts ignore
 * const answer = await route(new Request("http://localhost/pid"), ctx);
 * console.log(await answer.text()); // worker 1 of 2, pid 4242
 * ```
 */
export function route(request: Request, ctx: Context): Response | Promise<Response> {
  const url = new URL(request.url);
  switch (url.pathname) {
    case "/":
      return hello(request);
    case "/pid":
      return text(`worker ${ctx.workerId} of ${ctx.workerCount}, pid ${Deno.pid}\n`);
    case "/slow":
      return slow(Number(url.searchParams.get("ms") ?? SLOW_MS), ctx);
    default:
      return new Response("Not Found\n", { status: 404 });
  }
}

async function slow(ms: number, ctx: Context): Promise<Response> {
  const wait = Math.min(Math.max(ms || 0, 0), 30_000);
  await new Promise((resolve) => setTimeout(resolve, wait));
  return text(`Slept ${wait} ms in worker ${ctx.workerId}\n`);
}

export default defineApp(route);
