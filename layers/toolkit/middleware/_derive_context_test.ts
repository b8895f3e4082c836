import assert from "node:assert/strict";
import { isContext, testContext, validate } from "../../gateway/mod.ts";
import { deriveContext } from "./_derive_context.ts";

Deno.test("deriveContext() reads every field of the original when nothing changes", () => {
  const ctx = testContext({ rootPath: "/r", workerId: 2, workerCount: 3 });
  const view = deriveContext(ctx, {});
  assert.ok(isContext(view));
  const keys = new Set<PropertyKey>(Reflect.ownKeys(ctx));
  for (const key of Reflect.ownKeys(Object.getPrototypeOf(ctx))) keys.add(key);
  keys.delete("constructor");
  for (const key of keys) {
    const original = (ctx as unknown as Record<PropertyKey, unknown>)[key];
    const seen = (view as unknown as Record<PropertyKey, unknown>)[key];
    if (typeof original === "function") assert.equal(typeof seen, "function", String(key));
    else assert.equal(seen, original, String(key));
  }
});

Deno.test("deriveContext() overrides the changed fields and shares the rest", () => {
  let waited: Promise<unknown> | undefined;
  const ctx = testContext({ waitUntil: (promise) => waited = promise });
  const addr: Deno.NetAddr = { transport: "tcp", hostname: "203.0.113.1", port: 0 };
  const view = deriveContext(ctx, { remoteAddr: addr, scheme: "https" });
  const nested = deriveContext(view, { rootPath: "/api" });
  assert.equal(nested.remoteAddr, addr);
  assert.equal(nested.scheme, "https");
  assert.equal(nested.rootPath, "/api");
  assert.equal(view.rootPath, "");
  assert.equal(ctx.scheme, "http");
  nested.state.set("k", 1);
  assert.equal(ctx.state.get("k"), 1);
  assert.equal(nested.signal, ctx.signal);
  const work = Promise.resolve();
  nested.waitUntil(work);
  assert.equal(waited, work);
});

Deno.test("deriveContext() gives a context validate() accepts", async () => {
  const app = validate(() => new Response("ok", { headers: { "content-type": "text/plain" } }));
  const view = deriveContext(testContext(), { scheme: "https", rootPath: "/a" });
  const response = await app.fetch(new Request("http://x/a"), view);
  assert.equal(await response.text(), "ok");
});
