import assert from "node:assert/strict";
import { compose } from "./compose.ts";
import { testContext } from "./test_context.ts";
import type { AppObject, Middleware } from "./types.ts";

const trace: string[] = [];
const named = (name: string): Middleware => (app) => async (request, ctx) => {
  trace.push(`${name} in`);
  const response = await app.fetch(request, ctx);
  trace.push(`${name} out`);
  response.headers.append("x-chain", name);
  return response;
};

Deno.test("compose() runs the first middleware outermost", async () => {
  trace.length = 0;
  const app = compose(named("a"), named("b"))(() => {
    trace.push("app");
    return new Response("ok");
  });
  const response = await app.fetch(new Request("http://x/"), testContext());
  assert.deepEqual(trace, ["a in", "b in", "app", "b out", "a out"]);
  assert.equal(response.headers.get("x-chain"), "b, a");
});

Deno.test("compose() with no middleware returns the app itself as an object", async () => {
  const app = compose()(() => new Response("alone"));
  assert.equal(await (await app.fetch(new Request("http://x/"), testContext())).text(), "alone");
});

Deno.test("compose() passes the app's lifespan through middleware without hooks", async () => {
  const events: string[] = [];
  const inner: AppObject = {
    fetch: () => new Response(),
    startup: () => void events.push("app startup"),
    shutdown: () => void events.push("app shutdown"),
  };
  const app = compose(named("a"))(inner);
  await app.startup?.({ workerId: 1, workerCount: 1, serverAddrs: [], log: testContext().log });
  await app.shutdown?.();
  assert.deepEqual(events, ["app startup", "app shutdown"]);
});

Deno.test("compose() keeps a middleware's own lifespan, which wraps the app's", async () => {
  const events: string[] = [];
  const withPool: Middleware = (app) => ({
    fetch: app.fetch,
    async startup(ctx) {
      events.push("pool open");
      await app.startup?.(ctx);
    },
  });
  const app = compose(withPool)({
    fetch: () => new Response(),
    startup: () => void events.push("app startup"),
    shutdown: () => void events.push("app shutdown"),
  });
  await app.startup?.({ workerId: 1, workerCount: 1, serverAddrs: [], log: testContext().log });
  await app.shutdown?.();
  assert.deepEqual(events, ["pool open", "app startup", "app shutdown"]);
});

Deno.test("compose() lets a middleware answer without calling the app", async () => {
  let called = false;
  const gate: Middleware = () => () => new Response("gated", { status: 403 });
  const app = compose(gate)(() => {
    called = true;
    return new Response();
  });
  const response = await app.fetch(new Request("http://x/"), testContext());
  assert.equal(response.status, 403);
  assert.equal(called, false);
});
