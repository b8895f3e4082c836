import assert from "node:assert/strict";
import type { AppObject, Context, LifespanContext } from "../../gateway/mod.ts";
import { Client } from "./client.ts";

function lifespanApp() {
  const calls: string[] = [];
  let lifespan: LifespanContext | undefined;
  const app: AppObject = {
    async startup(ctx) {
      lifespan = ctx;
      await new Promise((resolve) => setTimeout(resolve, 5));
      calls.push("startup");
    },
    fetch() {
      calls.push("fetch");
      return new Response("ok");
    },
    shutdown() {
      calls.push("shutdown");
    },
  };
  return { app, calls, lifespan: () => lifespan };
}

Deno.test("Client runs startup() once before the first requests and shutdown() on close()", async () => {
  const { app, calls, lifespan } = lifespanApp();
  const client = new Client(app, { baseUrl: "http://localhost:8000", workerId: 2, workerCount: 4 });
  assert.deepEqual(calls, []);
  const responses = await Promise.all([client.get("/"), client.get("/"), client.get("/")]);
  await Promise.all(responses.map((r) => r.text()));
  assert.deepEqual(calls, ["startup", "fetch", "fetch", "fetch"]);
  const ctx = lifespan()!;
  assert.equal(ctx.workerId, 2);
  assert.equal(ctx.workerCount, 4);
  assert.deepEqual(ctx.serverAddrs, [{ transport: "tcp", hostname: "localhost", port: 8000 }]);
  assert.equal(typeof ctx.log.info, "function");
  await client.close();
  await client.close();
  assert.deepEqual(calls, ["startup", "fetch", "fetch", "fetch", "shutdown"]);
});

Deno.test("Client closes at the end of an await using block", async () => {
  const { app, calls } = lifespanApp();
  {
    await using client = new Client(app);
    await client.start();
    await client.start();
  }
  assert.deepEqual(calls, ["startup", "shutdown"]);
});

Deno.test("close() skips shutdown() when startup() never ran", async () => {
  const { app, calls } = lifespanApp();
  await new Client(app).close();
  assert.deepEqual(calls, []);
});

Deno.test("get() rejects with the startup() error, which sticks", async () => {
  let starts = 0;
  const failure = new Error("no database");
  const app: AppObject = {
    startup() {
      starts++;
      throw failure;
    },
    fetch: () => new Response("never"),
    shutdown() {
      throw new Error("must not run");
    },
  };
  const client = new Client(app);
  await assert.rejects(() => client.get("/"), (e) => e === failure);
  await assert.rejects(() => client.get("/"), (e) => e === failure);
  assert.equal(starts, 1);
  await client.close();
});

Deno.test("close() rejects with the error of shutdown()", async () => {
  const app: AppObject = {
    fetch: () => new Response("x"),
    shutdown() {
      throw new Error("cannot flush");
    },
  };
  const client = new Client(app);
  await (await client.get("/")).text();
  await assert.rejects(() => client.close(), /cannot flush/);
});

Deno.test("close() waits for ctx.waitUntil() promises before shutdown()", async () => {
  const calls: string[] = [];
  const app: AppObject = {
    fetch(_request, ctx) {
      ctx.waitUntil((async () => {
        await ctx.completed;
        await new Promise((resolve) => setTimeout(resolve, 10));
        calls.push("background");
        // Work started by waitUntil may add more.
        ctx.waitUntil(Promise.resolve().then(() => calls.push("more")));
      })());
      return new Response("sent");
    },
    shutdown() {
      calls.push("shutdown");
    },
  };
  const client = new Client(app);
  assert.equal(await (await client.get("/")).text(), "sent");
  assert.deepEqual(calls, []);
  await client.close();
  assert.deepEqual(calls, ["background", "more", "shutdown"]);
});

Deno.test("close() rejects when a waitUntil() promise failed, and logs it", async () => {
  const logged: string[] = [];
  const log = {
    debug() {},
    info() {},
    warn() {},
    error: (message: string) => logged.push(message),
  };
  const app = (_request: Request, ctx: Context) => {
    ctx.waitUntil(Promise.reject(new Error("lost")));
    return new Response("ok");
  };
  const client = new Client(app, { log });
  await (await client.get("/")).text();
  await assert.rejects(() => client.close(), /lost/);
  assert.deepEqual(logged, ["A waitUntil() promise failed"]);
  const twice = new Client(app);
  await (await twice.get("/")).text();
  await (await twice.get("/")).text();
  await assert.rejects(() => twice.close(), AggregateError);
});

Deno.test("close() aborts ctx.signal and waits for the request in flight", async () => {
  let signal: AbortSignal | undefined;
  let requestSignal: AbortSignal | undefined;
  const app = async (request: Request, ctx: Context) => {
    signal = ctx.signal;
    requestSignal = request.signal;
    await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
    return new Response("aborted");
  };
  const client = new Client(app);
  const pending = client.get("/slow");
  while (signal === undefined) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.equal(signal.aborted, false);
  await client.close();
  assert.equal(signal.aborted, true);
  assert.equal(requestSignal?.aborted, true);
  const response = await pending;
  await assert.rejects(() => response.text(), /closed/);
});

Deno.test("close() fails a request still waiting for startup()", async () => {
  let release = () => {};
  const app: AppObject = {
    startup: () => new Promise<void>((resolve) => (release = resolve)),
    fetch: () => new Response("late"),
  };
  const client = new Client(app);
  const pending = client.get("/");
  const closing = client.close();
  release();
  await assert.rejects(() => pending, /the test client is closed/);
  await closing;
});

Deno.test("get() with an aborted signal rejects and aborts ctx.signal", async () => {
  let signal: AbortSignal | undefined;
  let cancelled = false;
  const app = async (_request: Request, ctx: Context) => {
    signal = ctx.signal;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return new Response(new ReadableStream({ cancel: () => void (cancelled = true) }));
  };
  await using client = new Client(app);
  const controller = new AbortController();
  const pending = client.get("/", { signal: controller.signal });
  await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort(new Error("user gave up"));
  await assert.rejects(() => pending, /user gave up/);
  assert.equal(signal?.aborted, true);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.ok(cancelled, "the late answer's body is cancelled");
  await assert.rejects(() => client.get("/", { signal: controller.signal }), /user gave up/);
});
