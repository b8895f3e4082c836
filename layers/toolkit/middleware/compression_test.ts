import assert from "node:assert/strict";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { testContext } from "../../gateway/mod.ts";
import { compression, type CompressionOptions } from "./compression.ts";
import { withServer } from "./_test_util.ts";

const encoder = new TextEncoder();
const TEXT = Array.from({ length: 400 }, (_, i) => `line ${i}: the quick brown fox\n`).join("");
const BYTES = encoder.encode(TEXT);

function decode(encoding: string | null, data: Uint8Array): Uint8Array {
  return new Uint8Array(decodeRaw(encoding, data));
}

function decodeRaw(encoding: string | null, data: Uint8Array): Uint8Array {
  switch (encoding) {
    case "br":
      return brotliDecompressSync(data);
    case "gzip":
      return gunzipSync(data);
    case "deflate":
      return inflateSync(data);
    default:
      return data;
  }
}

async function run(
  answer: () => Response,
  acceptEncoding: string | null = "gzip, deflate, br",
  options: CompressionOptions = {},
  method = "GET",
): Promise<{ response: Response; body: Uint8Array }> {
  const app = compression(options)(answer);
  const headers: Record<string, string> = acceptEncoding === null
    ? {}
    : { "accept-encoding": acceptEncoding };
  const response = await app.fetch(new Request("http://x/", { method, headers }), testContext());
  const raw = new Uint8Array(await response.arrayBuffer());
  return { response, body: decode(response.headers.get("content-encoding"), raw) };
}

function text(body: BodyInit | null = TEXT, headers: Record<string, string> = {}) {
  return () =>
    new Response(body, { headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
}

function trickle(parts: Uint8Array[], delayMs = 2): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (i < parts.length) controller.enqueue(parts[i++]);
      else controller.close();
    },
  });
}

Deno.test("compression() picks br when the client accepts all codings equally", async () => {
  const { response, body } = await run(text());
  assert.equal(response.headers.get("content-encoding"), "br");
  assert.deepEqual(body, BYTES);
  assert.equal(response.headers.get("vary"), "Accept-Encoding");
});

Deno.test("compression() follows the q-values of Accept-Encoding", async () => {
  const cases: [string, string | null][] = [
    ["gzip;q=1, br;q=0.5", "gzip"],
    ["deflate", "deflate"],
    ["x-gzip", "gzip"],
    ["br;q=0, *", "gzip"],
    ["gzip;q=0.5, identity", null],
    ["identity", null],
    ["compress", null],
    ["", null],
    ["*;q=0", null],
    [";;;,,q=abc", null],
  ];
  for (const [header, expected] of cases) {
    const { response, body } = await run(text(), header);
    assert.equal(response.headers.get("content-encoding"), expected, header);
    assert.deepEqual(body, BYTES, header);
    assert.equal(response.headers.get("vary"), "Accept-Encoding", header);
  }
});

Deno.test("compression() leaves the body alone without Accept-Encoding", async () => {
  const { response, body } = await run(text(), null);
  assert.equal(response.headers.get("content-encoding"), null);
  assert.equal(response.headers.get("vary"), "Accept-Encoding");
  assert.deepEqual(body, BYTES);
});

Deno.test("compression() honours the order of encodings for equal q-values", async () => {
  const { response } = await run(text(), "br, gzip", { encodings: ["gzip", "br"] });
  assert.equal(response.headers.get("content-encoding"), "gzip");
  const only = await run(text(), "br", { encodings: ["gzip"] });
  assert.equal(only.response.headers.get("content-encoding"), null);
});

Deno.test("compression() skips bodies under minLength, known or unknown length", async () => {
  const small = await run(text("tiny"));
  assert.equal(small.response.headers.get("content-encoding"), null);
  assert.equal(small.response.headers.get("vary"), "Accept-Encoding");
  assert.equal(new TextDecoder().decode(small.body), "tiny");
  const known = await run(text("tiny", { "content-length": "4" }));
  assert.equal(known.response.headers.get("content-encoding"), null);
  assert.equal(known.response.headers.get("content-length"), "4");
  const lowered = await run(text("tiny"), "gzip", { minLength: 0 });
  assert.equal(lowered.response.headers.get("content-encoding"), "gzip");
  assert.equal(new TextDecoder().decode(lowered.body), "tiny");
});

Deno.test("compression() sets the new Content-Length on a body compressed at once", async () => {
  const { response } = await run(
    text(TEXT, { "content-length": String(BYTES.length) }),
    "gzip",
  );
  const app = compression()(text(TEXT, { "content-length": String(BYTES.length) }));
  const again = await app.fetch(
    new Request("http://x/", { headers: { "accept-encoding": "gzip" } }),
    testContext(),
  );
  const raw = new Uint8Array(await again.arrayBuffer());
  assert.equal(response.headers.get("content-encoding"), "gzip");
  assert.equal(again.headers.get("content-length"), String(raw.byteLength));
  assert.deepEqual(new Uint8Array(gunzipSync(raw)), BYTES);
});

Deno.test("compression() streams a large or slow body without Content-Length", async () => {
  const big = encoder.encode(TEXT.repeat(50)); // ~1.3 MB, over bufferLimit
  for (const encoding of ["br", "gzip", "deflate"]) {
    const { response, body } = await run(
      text(big, { "content-length": String(big.length) }),
      encoding,
    );
    assert.equal(response.headers.get("content-encoding"), encoding);
    assert.equal(response.headers.get("content-length"), null);
    assert.deepEqual(body, big);
  }
  const parts = [BYTES.subarray(0, 500), BYTES.subarray(500, 5000), BYTES.subarray(5000)];
  const slow = await run(() =>
    new Response(trickle(parts), { headers: { "content-type": "text/html" } })
  );
  assert.equal(slow.response.headers.get("content-encoding"), "br");
  assert.equal(slow.response.headers.get("content-length"), null);
  assert.deepEqual(slow.body, BYTES);
});

Deno.test("compression() keeps the bytes of a body that is partly ready", async () => {
  const ready = BYTES.subarray(0, 3000);
  const rest = BYTES.subarray(3000);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === 0) controller.enqueue(ready);
      else if (sent === 1) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        controller.enqueue(rest);
      } else controller.close();
      sent++;
    },
  });
  const { response, body: decoded } = await run(
    () => new Response(body, { headers: { "content-type": "application/json" } }),
    "gzip",
  );
  assert.equal(response.headers.get("content-encoding"), "gzip");
  assert.deepEqual(decoded, BYTES);
});

Deno.test("compression() uses node:zlib at a chosen gzip and deflate level", async () => {
  for (const [encoding, level] of [["gzip", { gzip: 1 }], ["deflate", { deflate: 9 }]] as const) {
    const big = encoder.encode(TEXT.repeat(10));
    const streamed = await run(
      () => new Response(trickle([big]), { headers: { "content-type": "text/css" } }),
      encoding,
      { level },
    );
    assert.equal(streamed.response.headers.get("content-encoding"), encoding);
    assert.deepEqual(streamed.body, big);
    const once = await run(text(big), encoding, { level });
    assert.deepEqual(once.body, big);
  }
});

Deno.test("compression() makes a strong ETag weak and drops Accept-Ranges", async () => {
  const strong = await run(text(TEXT, { etag: '"v1"', "accept-ranges": "bytes" }));
  assert.equal(strong.response.headers.get("etag"), 'W/"v1"');
  assert.equal(strong.response.headers.get("accept-ranges"), null);
  const weak = await run(text(TEXT, { etag: 'W/"v1"' }));
  assert.equal(weak.response.headers.get("etag"), 'W/"v1"');
});

Deno.test("compression() leaves responses it must not transform untouched", async () => {
  const cases: [string, () => Response, string?][] = [
    ["encoded", text(TEXT, { "content-encoding": "gzip" })],
    ["no-transform", text(TEXT, { "cache-control": "public, No-Transform" })],
    ["range", text(TEXT, { "content-range": "bytes 0-9/100" })],
    ["206", () => new Response(TEXT, { status: 206, headers: { "content-type": "text/plain" } })],
    ["image", () => new Response(BYTES, { headers: { "content-type": "image/png" } })],
    ["no type", () => new Response(BYTES)],
    ["sse", () => new Response(TEXT, { headers: { "content-type": "text/event-stream" } })],
    ["204", () => new Response(null, { status: 204 })],
    ["head", text(TEXT), "HEAD"],
  ];
  for (const [label, answer, method] of cases) {
    const original = answer();
    const app = compression()(() => original);
    const response = await app.fetch(
      new Request("http://x/", { method: method ?? "GET", headers: { "accept-encoding": "br" } }),
      testContext(),
    );
    assert.equal(response, original, label);
    assert.equal(response.headers.get("vary"), null, label);
    await response.body?.cancel();
  }
});

Deno.test("compression() compresses only the types given", async () => {
  const listed = await run(
    () => new Response(BYTES, { headers: { "content-type": "image/svg+xml" } }),
    "gzip",
    { types: ["image/*"] },
  );
  assert.equal(listed.response.headers.get("content-encoding"), "gzip");
  const unlisted = await run(text(), "gzip", { types: ["application/json"] });
  assert.equal(unlisted.response.headers.get("content-encoding"), null);
  const tested = await run(text(), "gzip", { types: (type) => type.startsWith("text/") });
  assert.equal(tested.response.headers.get("content-encoding"), "gzip");
});

Deno.test("compression() compresses a response with immutable headers", async () => {
  const upstream = await fetch(`data:text/plain,${encodeURIComponent(TEXT)}`);
  const { response, body } = await run(() => upstream, "gzip");
  assert.equal(response.headers.get("content-encoding"), "gzip");
  assert.deepEqual(body, BYTES);
  const small = await run(() => Response.redirect("http://x/elsewhere"), "gzip");
  assert.equal(small.response.status, 302);
});

Deno.test("compression() rejects bad options", () => {
  assert.throws(() => compression({ minLength: -1 }), /"minLength" must be a whole number/);
  assert.throws(() => compression({ level: { br: 12 } }), /"level.br" must be .* 0 to 11/);
  assert.throws(() => compression({ level: { gzip: 1.5 } }), /"level.gzip"/);
  assert.throws(
    () => compression({ encodings: ["zstd" as "br"] }),
    /unknown encoding "zstd"/,
  );
});

Deno.test("compression() works under the gateway's server", async () => {
  const app = compression()(() => Response.json({ text: TEXT }));
  await withServer(app, async (base) => {
    for (const encoding of ["gzip", "br"]) {
      // fetch() decodes the body but keeps Content-Encoding.
      const response = await fetch(`${base}/`, { headers: { "accept-encoding": encoding } });
      assert.equal(response.headers.get("content-encoding"), encoding);
      assert.deepEqual(await response.json(), { text: TEXT });
    }
  });
});

Deno.test("compression() keeps Deno.serve's Content-Length on a body it does not compress", async () => {
  // Reading `response.body` turns a string body into a stream, which Deno.serve sends chunked.
  const app = compression()(text("short"));
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => app.fetch(request, testContext()),
  );
  try {
    for (const encoding of ["identity", "gzip"]) {
      const response = await fetch(`http://127.0.0.1:${server.addr.port}/`, {
        headers: { "accept-encoding": encoding },
      });
      assert.equal(response.headers.get("content-length"), "5", encoding);
      assert.equal(response.headers.get("transfer-encoding"), null, encoding);
      assert.equal(await response.text(), "short");
    }
  } finally {
    await server.shutdown();
  }
});
