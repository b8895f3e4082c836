import assert from "node:assert/strict";
import { compose, testContext } from "../../gateway/mod.ts";
import { getRequestId, REQUEST_ID, requestId } from "./request_id.ts";
import { withServer } from "./_test_util.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function echoApp() {
  return requestId()((_request, ctx) => new Response(getRequestId(ctx) ?? "none"));
}

Deno.test("requestId() generates a UUID when the request has no id", async () => {
  const ctx = testContext();
  const response = await echoApp().fetch(new Request("http://x/"), ctx);
  const id = response.headers.get("x-request-id")!;
  assert.match(id, UUID);
  assert.equal(await response.text(), id);
  assert.equal(ctx.state.get(REQUEST_ID), id);
});

Deno.test("requestId() uses a valid incoming id", async () => {
  const response = await echoApp().fetch(
    new Request("http://x/", { headers: { "x-request-id": "abc-123 xyz" } }),
    testContext(),
  );
  assert.equal(response.headers.get("x-request-id"), "abc-123 xyz");
  assert.equal(await response.text(), "abc-123 xyz");
});

Deno.test("requestId() replaces an incoming id that is too long or not printable", async () => {
  for (const bad of ["a".repeat(201), "caf\u00e9", "tab\there"]) {
    const response = await echoApp().fetch(
      new Request("http://x/", { headers: { "x-request-id": bad } }),
      testContext(),
    );
    assert.match(response.headers.get("x-request-id")!, UUID, JSON.stringify(bad));
    await response.body?.cancel();
  }
  const longest = "b".repeat(200);
  const response = await echoApp().fetch(
    new Request("http://x/", { headers: { "x-request-id": longest } }),
    testContext(),
  );
  assert.equal(response.headers.get("x-request-id"), longest);
});

Deno.test("requestId() ignores the incoming id when trustIncoming is false", async () => {
  const app = requestId({ trustIncoming: false, generate: () => "fresh", header: "x-trace" })(
    () => new Response("ok"),
  );
  const response = await app.fetch(
    new Request("http://x/", { headers: { "x-trace": "forged" } }),
    testContext(),
  );
  assert.equal(response.headers.get("x-trace"), "fresh");
});

Deno.test("requestId() sets the header on a response with immutable headers", async () => {
  const app = requestId({ generate: () => "r1" })(() => Response.redirect("http://x/elsewhere"));
  const response = await app.fetch(new Request("http://x/"), testContext());
  assert.equal(response.status, 302);
  assert.equal(response.headers.get("x-request-id"), "r1");
  assert.equal(response.headers.get("location"), "http://x/elsewhere");
});

Deno.test("requestId() rejects an invalid header name", () => {
  assert.throws(() => requestId({ header: "bad header" }), TypeError);
});

Deno.test("requestId() passes the lifespan hooks through", async () => {
  const calls: string[] = [];
  const app = compose(requestId())({
    fetch: () => new Response("ok"),
    startup: () => void calls.push("startup"),
    shutdown: () => void calls.push("shutdown"),
  });
  await app.startup?.({ workerId: 1, workerCount: 1, serverAddrs: [], log: testContext().log });
  await app.shutdown?.();
  assert.deepEqual(calls, ["startup", "shutdown"]);
  const direct = requestId()({ fetch: () => new Response(), startup: () => {} });
  assert.equal(typeof direct.startup, "function");
});

Deno.test("requestId() works under the gateway's server", async () => {
  await withServer(echoApp(), async (base) => {
    const response = await fetch(`${base}/`, { headers: { "x-request-id": "from-proxy" } });
    assert.equal(response.headers.get("x-request-id"), "from-proxy");
    assert.equal(await response.text(), "from-proxy");
  });
});
