// Anchor for the toolkit bench's static files (bench/toolkit.ts): raw `Deno.serve` +
// `Deno.readFile` per request — no validators, no ranges, no conditional requests — from the
// directory in $STATIC_DIR. Run by deno_serve_app.ts.
const root = Deno.env.get("STATIC_DIR") ?? Deno.cwd();
const PREFIX = "/static/";
const TEXT = { "content-type": "text/plain; charset=utf-8" };

async function handle(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url); // normalizes "..": stays under "/"
  if (!pathname.startsWith(PREFIX)) return new Response("Not Found\n", { status: 404 });
  try {
    return new Response(await Deno.readFile(root + pathname.slice(PREFIX.length - 1)), {
      headers: TEXT,
    });
  } catch {
    return new Response("Not Found\n", { status: 404 });
  }
}

export default { fetch: handle };
