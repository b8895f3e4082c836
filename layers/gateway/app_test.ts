import assert from "node:assert/strict";
import { defineApp, isApp, toAppObject } from "./app.ts";
import { isContext } from "./context.ts";
import { testContext } from "./test_context.ts";
import type { Context } from "./types.ts";

Deno.test("isApp() accepts both forms and nothing else", () => {
  assert.ok(isApp(() => new Response()));
  assert.ok(isApp({ fetch: () => new Response() }));
  for (const value of [null, undefined, 1, "app", {}, { fetch: "no" }, []]) {
    assert.equal(isApp(value), false, `isApp(${JSON.stringify(value)})`);
  }
});

Deno.test("toAppObject() wraps a function and binds an object's methods", async () => {
  const fromFunction = toAppObject(() => new Response("fn"));
  assert.equal(
    await (await fromFunction.fetch(new Request("http://x/"), testContext())).text(),
    "fn",
  );
  const object = {
    word: "bound",
    fetch() {
      return new Response(this.word);
    },
  };
  const { fetch } = toAppObject(object);
  assert.equal(await (await fetch(new Request("http://x/"), testContext())).text(), "bound");
  assert.throws(() => toAppObject({} as never), /Cannot use this value as an app/);
});

Deno.test("defineApp() passes a full context through untouched", async () => {
  const ctx = testContext({ rootPath: "/mount" });
  let seen: Context | undefined;
  const app = defineApp((_request, received) => {
    seen = received;
    return new Response();
  });
  await app.fetch(new Request("http://x/"), ctx);
  assert.equal(seen, ctx);
});

Deno.test("defineApp() completes a bare ServeHandlerInfo and runs startup once, under Deno.serve", async () => {
  let starts = 0;
  const contexts: Context[] = [];
  const app = defineApp({
    startup() {
      starts++;
    },
    fetch(_request, ctx) {
      contexts.push(ctx);
      return new Response(`${ctx.scheme} ${ctx.serverName} ${ctx.rootPath === ""} ${ctx.workerId}`);
    },
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request, info) => app.fetch(request, info as Context),
  );
  try {
    const url = `http://127.0.0.1:${server.addr.port}/`;
    assert.equal(await (await fetch(url)).text(), "http 127.0.0.1 true 1");
    assert.equal(await (await fetch(url)).text(), "http 127.0.0.1 true 1");
    assert.equal(starts, 1);
    assert.ok(contexts.every(isContext));
    assert.equal((contexts[0].remoteAddr as Deno.NetAddr).hostname, "127.0.0.1");
    assert.ok(contexts[0].signal instanceof AbortSignal);
    contexts[0].state.set("k", 1);
    assert.equal(contexts[1].state.size, 0, "state is per request");
  } finally {
    await server.shutdown();
  }
});

Deno.test("defineApp() retries a failed startup on the next request under deno serve", async () => {
  let attempts = 0;
  const app = defineApp({
    startup() {
      if (++attempts === 1) throw new Error("not yet");
    },
    fetch: () => new Response("up"),
  });
  const info = {
    remoteAddr: { transport: "tcp" as const, hostname: "127.0.0.1", port: 1 },
    completed: Promise.resolve(),
  };
  await assert.rejects(
    async () => await app.fetch(new Request("http://x/"), info as Context),
    /not yet/,
  );
  const response = await app.fetch(new Request("http://x/"), info as Context);
  assert.equal(await response.text(), "up");
  assert.equal(attempts, 2);
});
