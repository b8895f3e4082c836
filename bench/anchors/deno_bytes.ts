// Anchor for the proxy bench (bench/proxy.ts): raw `Deno.serve` answering every request with
// the bytes of one file read at start-up — the fastest a Deno server can send those bytes.
//   deno run -A bench/anchors/deno_bytes.ts PORT FILE
const [port, file] = Deno.args;
const bytes = await Deno.readFile(file);
const headers = { "content-type": "text/plain; charset=utf-8" };
Deno.serve(
  { hostname: "127.0.0.1", port: Number(port), onListen() {} },
  () => new Response(bytes, { headers }),
);
