import assert from "node:assert/strict";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { Reply, RequestHead } from "../types.ts";
import { CompressionCache, compressReply, type CompressSettings } from "./compress.ts";

const HTML = new TextEncoder().encode("<!doctype html><p>Hello, compression!</p>\n".repeat(50));
const SETTINGS: CompressSettings = {
  gzip: true,
  gzipTypes: ["text/css", "application/json"],
  gzipMinLength: 20,
};

function head(acceptEncoding: string | null, more: Partial<RequestHead> = {}): RequestHead {
  return {
    method: "GET",
    target: "/",
    path: "/",
    query: "",
    version: "1.1",
    headers: acceptEncoding === null ? [] : ["accept-encoding", acceptEncoding],
    host: "localhost",
    keepAlive: true,
    contentLength: 0,
    ...more,
  };
}

function reply(
  headers: string[] = ["Content-Type", "text/html"],
  more: Partial<Reply> = {},
): Reply {
  return { status: 200, headers, body: HTML, ...more };
}

function encoding(out: Reply): string | undefined {
  const i = out.headers.findIndex((h, n) => n % 2 === 0 && h.toLowerCase() === "content-encoding");
  return i === -1 ? undefined : out.headers[i + 1];
}

function header(out: Reply, name: string): string | undefined {
  const i = out.headers.findIndex((h, n) => n % 2 === 0 && h.toLowerCase() === name);
  return i === -1 ? undefined : out.headers[i + 1];
}

Deno.test("compressReply() gzips text/html for a gzip client, and the bytes round-trip", () => {
  const input = reply();
  const out = compressReply(head("gzip, deflate"), input, SETTINGS, { cache: null });
  assert.equal(encoding(out), "gzip");
  assert.equal(header(out, "vary"), "Accept-Encoding");
  const body = out.body as Uint8Array;
  assert.ok(body.length < HTML.length / 5);
  assert.deepEqual(new Uint8Array(gunzipSync(body)), HTML);
  assert.deepEqual(input.headers, ["Content-Type", "text/html"], "the input reply is unchanged");
  assert.equal(input.body, HTML);
});

Deno.test("compressReply() prefers brotli when accepted at least as high as gzip", () => {
  for (const accept of ["gzip, deflate, br", "br", "*", "gzip;q=0.5, br;q=0.5"]) {
    const out = compressReply(head(accept), reply(), SETTINGS, { cache: null });
    assert.equal(encoding(out), "br", accept);
    assert.deepEqual(new Uint8Array(brotliDecompressSync(out.body as Uint8Array)), HTML);
  }
});

Deno.test("compressReply() honours Accept-Encoding q-values", () => {
  const coding = (accept: string | null) =>
    encoding(compressReply(head(accept), reply(), SETTINGS));
  assert.equal(coding("gzip;q=1, br;q=0.5"), "gzip");
  assert.equal(coding("br;q=0, gzip"), "gzip");
  assert.equal(coding("x-gzip"), "gzip");
  assert.equal(coding("gzip;q=0, br;q=0"), undefined);
  assert.equal(coding("identity"), undefined);
  assert.equal(coding(""), undefined);
  assert.equal(coding(null), undefined);
});

Deno.test("compressReply() adds Vary to an eligible reply even when it sends it as is", () => {
  const out = compressReply(head("identity"), reply(), SETTINGS);
  assert.equal(out.body, HTML);
  assert.deepEqual(out.headers, ["Content-Type", "text/html", "Vary", "Accept-Encoding"]);
  const noHeader = compressReply(head(null), reply(), SETTINGS);
  assert.deepEqual(noHeader.headers, ["Content-Type", "text/html", "Vary", "Accept-Encoding"]);
});

Deno.test("compressReply() merges Accept-Encoding into an existing Vary once", () => {
  const vary = (value: string) =>
    header(
      compressReply(head("gzip"), reply(["Content-Type", "text/html", "vary", value]), SETTINGS),
      "vary",
    );
  assert.equal(vary("Cookie"), "Cookie, Accept-Encoding");
  assert.equal(vary("cookie, accept-encoding"), "cookie, accept-encoding");
  assert.equal(vary("*"), "*");
});

Deno.test("compressReply() compresses the types of gzipTypes, or any with *", () => {
  const typed = (type: string, types: string[]) =>
    encoding(
      compressReply(head("gzip"), reply(["Content-Type", type]), { ...SETTINGS, gzipTypes: types }),
    );
  assert.equal(typed("text/css; charset=utf-8", ["text/css"]), "gzip");
  assert.equal(typed("Application/JSON", ["application/json"]), "gzip");
  assert.equal(typed("text/html; charset=utf-8", []), "gzip");
  assert.equal(typed("text/plain", ["text/css"]), undefined);
  assert.equal(typed("image/png", []), undefined);
  assert.equal(typed("image/svg+xml", ["*"]), "gzip");
  assert.equal(
    encoding(compressReply(head("gzip"), reply([]), { ...SETTINGS, gzipTypes: ["*"] })),
    undefined,
  );
});

Deno.test("compressReply() leaves replies alone when gzip is off or the body is small", () => {
  const input = reply();
  assert.equal(compressReply(head("gzip"), input, { ...SETTINGS, gzip: false }), input);
  assert.equal(
    compressReply(head("gzip"), input, { ...SETTINGS, gzipMinLength: HTML.length + 1 }),
    input,
  );
  assert.equal(
    encoding(compressReply(head("gzip"), input, { ...SETTINGS, gzipMinLength: HTML.length })),
    "gzip",
  );
});

Deno.test("compressReply() skips 206, 304, other statuses and HEAD", () => {
  for (const status of [206, 304, 201, 500, 301]) {
    const input = reply(undefined, { status });
    assert.equal(compressReply(head("gzip"), input, SETTINGS), input, String(status));
  }
  for (const status of [403, 404]) {
    assert.equal(
      encoding(compressReply(head("gzip"), reply(undefined, { status }), SETTINGS)),
      "gzip",
    );
  }
  const input = reply();
  assert.equal(compressReply(head("gzip", { method: "HEAD" }), input, SETTINGS), input);
});

Deno.test("compressReply() skips encoded, no-transform, proxied and non-byte replies", () => {
  const cases: [Reply, RequestHead][] = [
    [reply(["Content-Type", "text/html", "Content-Encoding", "gzip"]), head("gzip")],
    [reply(["Content-Type", "text/html", "Cache-Control", "public, No-Transform"]), head("gzip")],
    [reply(), { ...head(null), headers: ["accept-encoding", "gzip", "via", "1.1 cdn"] }],
    [reply(undefined, { body: null }), head("gzip")],
    [reply(undefined, { body: new ReadableStream() }), head("gzip")],
  ];
  for (const [input, request] of cases) {
    assert.equal(compressReply(request, input, SETTINGS), input);
  }
});

Deno.test("compressReply() weakens a strong ETag and drops Accept-Ranges", () => {
  const etag = (value: string) =>
    compressReply(
      head("gzip"),
      reply(["Content-Type", "text/html", "ETag", value, "Accept-Ranges", "bytes"]),
      SETTINGS,
    );
  const strong = etag('"5f-1a"');
  assert.equal(header(strong, "etag"), 'W/"5f-1a"');
  assert.equal(header(strong, "accept-ranges"), undefined);
  assert.equal(header(etag('W/"x"'), "etag"), 'W/"x"');
  assert.equal(header(etag("garbage"), "etag"), undefined);
});

Deno.test("compressReply() sends a body that would not shrink as it is", () => {
  const noise = crypto.getRandomValues(new Uint8Array(200));
  const input = reply(["Content-Type", "text/html"], { body: noise });
  const out = compressReply(head("gzip"), input, SETTINGS, { cache: null });
  assert.equal(out.body, noise);
  assert.equal(encoding(out), undefined);
  assert.equal(header(out, "vary"), "Accept-Encoding");
});

Deno.test("compressReply() compresses the same body once per encoding and level", () => {
  const cache = new CompressionCache();
  const first = compressReply(head("gzip"), reply(), SETTINGS, { cache });
  const again = compressReply(head("gzip"), reply(), SETTINGS, { cache });
  assert.equal(again.body, first.body, "the same bytes, from the cache");
  const br = compressReply(head("br"), reply(), SETTINGS, { cache });
  assert.notEqual(br.body, first.body);
  const level9 = compressReply(head("gzip"), reply(), SETTINGS, { cache, gzipLevel: 9 });
  assert.notEqual(level9.body, first.body);
  assert.deepEqual(new Uint8Array(gunzipSync(level9.body as Uint8Array)), HTML);
  const other = compressReply(head("gzip"), reply(undefined, { body: HTML.slice() }), SETTINGS, {
    cache,
  });
  assert.notEqual(other.body, first.body, "another body object is compressed anew");
});

Deno.test("compressReply() uses a shared cache by default", () => {
  const body = HTML.slice();
  const a = compressReply(head("gzip"), reply(undefined, { body }), SETTINGS);
  const b = compressReply(head("gzip"), reply(undefined, { body }), SETTINGS);
  assert.equal(a.body, b.body);
});
