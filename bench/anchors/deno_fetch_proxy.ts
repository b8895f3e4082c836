// Anchor: the obvious Deno reverse proxy — Deno.serve plus fetch() to the upstream, pooled by
// an HttpClient that may send Host. `deno run -A deno_fetch_proxy.ts PORT UPSTREAM_PORT`.
const port = Number(Deno.args[0]);
const upstream = `http://127.0.0.1:${Deno.args[1]}`;
const client = Deno.createHttpClient({ allowHost: true });
Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req, info) => {
  const url = new URL(req.url);
  const headers = new Headers(req.headers);
  headers.set("x-forwarded-for", info.remoteAddr.hostname);
  headers.set("x-forwarded-proto", "http");
  const response = await fetch(upstream + url.pathname + url.search, {
    method: req.method,
    headers,
    body: req.body,
    redirect: "manual",
    client,
  });
  return new Response(response.body, { status: response.status, headers: response.headers });
});
