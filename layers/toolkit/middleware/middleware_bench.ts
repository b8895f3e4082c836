// Per-request cost of the middleware against the bare app: `deno bench -A
// layers/toolkit/middleware/middleware_bench.ts`. Every case builds its request and reads the
// whole response body, so the difference from "bare app" is the middleware's own cost.
import { type AppObject, testContext } from "../../gateway/mod.ts";
import { compression } from "./compression.ts";
import { cors } from "./cors.ts";
import { dispatcher } from "./dispatcher.ts";
import { proxyFix } from "./proxy_fix.ts";
import { requestId } from "./request_id.ts";

const ctx = testContext();
const items = Array.from({ length: 16 }, (_, id) => ({ id, name: `user-${id}`, active: true }));
const json = JSON.stringify({ items, padding: "x".repeat(1024) }).slice(0, 1024);
const payload = JSON.parse(JSON.stringify({ data: json }));
const hello = () => new Response("Hello, World!\n");
const jsonApp = () => Response.json(payload);

async function run(app: AppObject, request: Request): Promise<void> {
  const response = await app.fetch(request, ctx);
  await response.arrayBuffer();
}

const bare = { fetch: hello };
const fixed = proxyFix({ for: 1, proto: 1, host: 1 })(hello);
const corsAny = cors()(hello);
const corsList = cors({ origin: ["https://a.test", "https://b.test"], credentials: true })(hello);
const ids = requestId()(hello);
const mounted = dispatcher({ "/api": hello, "/static": hello });
const jsonBare = { fetch: jsonApp };
const gzip = compression({ encodings: ["gzip"] })(jsonApp);
const brotli = compression({ encodings: ["br"] })(jsonApp);
const streamedGzip = compression({ encodings: ["gzip"], bufferLimit: 0 })(jsonApp);

Deno.bench("bare app", { group: "hello", baseline: true }, async () => {
  await run(bare, new Request("http://x/"));
});
Deno.bench("proxyFix, no X-Forwarded-*", { group: "hello" }, async () => {
  await run(fixed, new Request("http://x/"));
});
Deno.bench("proxyFix, For + Proto + Host", { group: "hello" }, async () => {
  await run(
    fixed,
    new Request("http://x/", {
      headers: {
        "x-forwarded-for": "203.0.113.9",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "example.com",
      },
    }),
  );
});
Deno.bench("cors *, no Origin", { group: "hello" }, async () => {
  await run(corsAny, new Request("http://x/"));
});
Deno.bench("cors *, Origin", { group: "hello" }, async () => {
  await run(corsAny, new Request("http://x/", { headers: { origin: "https://a.test" } }));
});
Deno.bench("cors list + credentials, Origin", { group: "hello" }, async () => {
  await run(corsList, new Request("http://x/", { headers: { origin: "https://b.test" } }));
});
Deno.bench("cors preflight", { group: "hello" }, async () => {
  await run(
    corsList,
    new Request("http://x/", {
      method: "OPTIONS",
      headers: { origin: "https://b.test", "access-control-request-method": "PUT" },
    }),
  );
});
Deno.bench("requestId, generated", { group: "hello" }, async () => {
  await run(ids, new Request("http://x/"));
});
Deno.bench("requestId, incoming", { group: "hello" }, async () => {
  await run(ids, new Request("http://x/", { headers: { "x-request-id": "abc-123" } }));
});
Deno.bench("dispatcher, mounted /api/users", { group: "hello" }, async () => {
  await run(mounted, new Request("http://x/api/users"));
});

Deno.bench("bare app, 1 KiB JSON", { group: "json", baseline: true }, async () => {
  await run(jsonBare, new Request("http://x/", { headers: { "accept-encoding": "gzip, br" } }));
});
Deno.bench("compression gzip, 1 KiB JSON", { group: "json" }, async () => {
  await run(gzip, new Request("http://x/", { headers: { "accept-encoding": "gzip, br" } }));
});
Deno.bench("compression br, 1 KiB JSON", { group: "json" }, async () => {
  await run(brotli, new Request("http://x/", { headers: { "accept-encoding": "gzip, br" } }));
});
Deno.bench(
  "compression gzip streamed (CompressionStream), 1 KiB JSON",
  { group: "json" },
  async () => {
    await run(streamedGzip, new Request("http://x/", { headers: { "accept-encoding": "gzip" } }));
  },
);
Deno.bench("compression, client without Accept-Encoding", { group: "json" }, async () => {
  await run(gzip, new Request("http://x/"));
});
