// Anchor for bench/proxy_core.ts: the proxy's own HTTP/1.1 core (layers/proxy/http) answering
// every request with the same 1 KiB body from memory (no pipeline, no files).
//   deno run -A bench/anchors/proxy_core_1k.ts PORT
import { serveListener } from "../../layers/proxy/http/mod.ts";

const port = Number(Deno.args[0] ?? 8000);
const body = new Uint8Array(1024).fill(0x61);
const listener = Deno.listen({ hostname: "127.0.0.1", port });
serveListener(listener, {
  handler: () => ({ status: 200, headers: ["Content-Type", "text/plain"], body }),
  listen: `127.0.0.1:${port}`,
  scheme: "http",
});
