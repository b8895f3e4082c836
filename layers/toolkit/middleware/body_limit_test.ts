import assert from "node:assert/strict";
import { testContext } from "../../gateway/mod.ts";
import { bodyLimit } from "./body_limit.ts";
import { withServer } from "./_test_util.ts";

function chunked(...parts: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });
}

function post(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request("http://x/upload", {
    method: "POST",
    body,
    headers,
    duplex: "half",
  } as RequestInit);
}

const echo = bodyLimit({ maxBytes: 8 })(async (request) => new Response(await request.text()));

Deno.test("bodyLimit() answers 413 without reading when Content-Length is over", async () => {
  let called = false;
  const app = bodyLimit({ maxBytes: 8 })(() => {
    called = true;
    return new Response("no");
  });
  const request = post(chunked("0123456789"), { "content-length": "10" });
  const response = await app.fetch(request, testContext());
  assert.equal(response.status, 413);
  assert.match(await response.text(), /larger than the limit of 8 bytes/);
  assert.equal(called, false);
  assert.equal(request.bodyUsed, false);
});

Deno.test("bodyLimit() passes a body within its Content-Length untouched", async () => {
  let seen: Request | undefined;
  const app = bodyLimit({ maxBytes: 8 })((request) => {
    seen = request;
    return new Response("ok");
  });
  const request = post("12345678", { "content-length": "8" });
  await app.fetch(request, testContext());
  assert.equal(seen, request);
});

Deno.test("bodyLimit() passes a chunked body up to the limit", async () => {
  const response = await echo.fetch(post(chunked("1234", "5678")), testContext());
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "12345678");
});

Deno.test("bodyLimit() turns a failed read of a chunked body over the limit into 413", async () => {
  const response = await echo.fetch(
    post(chunked("1234", "5678", "9"), { accept: "application/json" }),
    testContext(),
  );
  assert.equal(response.status, 413);
  const body = await response.json();
  assert.equal(body.error.status, 413);
});

Deno.test("bodyLimit() keeps the answer of an app that handles the error itself", async () => {
  const app = bodyLimit({ maxBytes: 2 })(async (request) => {
    try {
      await request.arrayBuffer();
      return new Response("read");
    } catch {
      return new Response("handled", { status: 400 });
    }
  });
  const response = await app.fetch(post(chunked("abc")), testContext());
  assert.equal(response.status, 400);
  assert.equal(await response.text(), "handled");
});

Deno.test("bodyLimit() rethrows an app's error that has nothing to do with the limit", async () => {
  const app = bodyLimit({ maxBytes: 100 })(() => {
    throw new Error("boom");
  });
  await assert.rejects(async () => await app.fetch(post(chunked("abc")), testContext()), /boom/);
});

Deno.test("bodyLimit() ignores requests without a body and allows a limit of 0", async () => {
  const app = bodyLimit({ maxBytes: 0 })((request) => new Response(request.method));
  const response = await app.fetch(new Request("http://x/"), testContext());
  assert.equal(await response.text(), "GET");
  const refused = await app.fetch(post("x", { "content-length": "1" }), testContext());
  assert.equal(refused.status, 413);
  await refused.body?.cancel();
});

Deno.test("bodyLimit() rejects a missing or negative maxBytes", () => {
  assert.throws(() => bodyLimit({ maxBytes: -1 }), /Cannot create bodyLimit/);
  assert.throws(() => bodyLimit({} as { maxBytes: number }), /"maxBytes" must be/);
});

Deno.test("bodyLimit() works under the gateway's server", async () => {
  await withServer(echo, async (base) => {
    const fixed = await fetch(`${base}/`, { method: "POST", body: "0123456789" });
    assert.equal(fixed.status, 413);
    await fixed.body?.cancel();
    const streamed = await fetch(`${base}/`, {
      method: "POST",
      body: chunked("01234", "56789"),
      duplex: "half",
    } as RequestInit);
    assert.equal(streamed.status, 413);
    await streamed.body?.cancel();
    const ok = await fetch(`${base}/`, { method: "POST", body: chunked("0123", "4567") });
    assert.equal(await ok.text(), "01234567");
  });
});
