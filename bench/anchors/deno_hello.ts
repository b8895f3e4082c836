// Anchor: raw Deno.serve answering the same hello as the part II app.
const port = Number(Deno.args[0] ?? 8000);
Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, () =>
  new Response("Hello, World!\n", {
    headers: { "content-type": "text/plain; charset=utf-8" },
  }));
