// Anchor for bench/proxy_core.ts: raw `Deno.serve` answering every request with the same 1 KiB
// body from memory.
//   deno run -A bench/anchors/deno_serve_1k.ts PORT
const port = Number(Deno.args[0] ?? 8000);
const body = new Uint8Array(1024).fill(0x61);
Deno.serve(
  { hostname: "127.0.0.1", port, automaticCompression: false, onListen() {} },
  () => new Response(body, { headers: { "content-type": "text/plain" } }),
);
