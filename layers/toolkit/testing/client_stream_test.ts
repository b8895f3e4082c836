import assert from "node:assert/strict";
import type { Context } from "../../gateway/mod.ts";
import { Client } from "./client.ts";
import { slowStream } from "./_test_apps.ts";

// A gate the test opens one step at a time.
function gates() {
  const waiting: (() => void)[] = [];
  return {
    gate: () => new Promise<void>((resolve) => waiting.push(resolve)),
    open: () => waiting.shift()?.(),
    get pending() {
      return waiting.length;
    },
  };
}

async function tick(ms = 5): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("get() streams the body: the first chunk arrives before the stream ends", async () => {
  const { gate, open } = gates();
  let ended = false;
  const app = () => {
    const body = slowStream(["first ", "second ", "third"], gate);
    return new Response(body.pipeThrough(
      new TransformStream({
        flush: () => void (ended = true),
      }),
    ));
  };
  await using client = new Client(app);
  const response = await client.get("/");
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const first = await reader.read();
  assert.equal(decoder.decode(first.value), "first ");
  assert.equal(ended, false);
  // Each later chunk waits for the gate, opened once the app is waiting on it.
  const step = async () => {
    const next = reader.read();
    await tick();
    open();
    return await next;
  };
  assert.equal(decoder.decode((await step()).value), "second ");
  assert.equal(ended, false);
  assert.equal(decoder.decode((await step()).value), "third");
  assert.equal((await step()).done, true);
  assert.equal(ended, true);
});

Deno.test("get() streams over time from a timer-driven app", async () => {
  let secondAt = Infinity;
  const app = () =>
    new Response(
      ReadableStream.from((async function* () {
        yield "tick";
        await tick(60);
        secondAt = performance.now();
        yield "tock";
      })()).pipeThrough(new TextEncoderStream()),
    );
  await using client = new Client(app);
  const reader = (await client.get("/")).body!.pipeThrough(new TextDecoderStream()).getReader();
  assert.equal((await reader.read()).value, "tick");
  const firstAt = performance.now();
  assert.equal((await reader.read()).value, "tock");
  assert.ok(firstAt < secondAt, "the first chunk arrived before the app wrote the second");
  assert.ok((await reader.read()).done);
});

Deno.test("ctx.completed resolves only once the body has been read to the end", async () => {
  let completed: Promise<void> | undefined;
  const app = (_request: Request, ctx: Context) => {
    completed = ctx.completed;
    return new Response(ReadableStream.from(["a", "b"]).pipeThrough(new TextEncoderStream()));
  };
  await using client = new Client(app);
  const response = await client.get("/");
  let done = false;
  completed!.then(() => (done = true));
  await tick();
  assert.equal(done, false);
  assert.equal(await response.text(), "ab");
  await completed;
  assert.equal(done, true);
});

Deno.test("ctx.completed resolves when the reader cancels the body", async () => {
  let completed: Promise<void> | undefined;
  let cancelledWith: unknown;
  const app = (_request: Request, ctx: Context) => {
    completed = ctx.completed;
    return new Response(
      new ReadableStream({
        pull: (controller) => controller.enqueue(new Uint8Array(1)),
        cancel: (reason) => void (cancelledWith = reason),
      }),
    );
  };
  await using client = new Client(app);
  const response = await client.get("/");
  await response.body!.cancel("enough");
  await completed;
  assert.equal(cancelledWith, "enough");
});

Deno.test("ctx.completed resolves at once for an empty body", async () => {
  let completed: Promise<void> | undefined;
  const app = (_request: Request, ctx: Context) => {
    completed = ctx.completed;
    return new Response(null, { status: 204 });
  };
  await using client = new Client(app);
  assert.equal((await client.get("/")).status, 204);
  await completed;
});

Deno.test("ctx.completed rejects with Interrupted when the body fails or the app throws", async () => {
  const completions: Promise<void>[] = [];
  const app = (request: Request, ctx: Context) => {
    completions.push(ctx.completed);
    if (request.url.endsWith("/throw")) throw new Error("app failed");
    return new Response(
      new ReadableStream({ pull: (controller) => controller.error(new Error("body failed")) }),
    );
  };
  await using client = new Client(app);
  await assert.rejects(() => client.get("/throw"), /app failed/);
  await assert.rejects(async () => await (await client.get("/body")).text(), /body failed/);
  for (const completed of completions) {
    await assert.rejects(() => completed, Deno.errors.Interrupted);
  }
});

Deno.test("close() cuts a body nobody read and rejects its ctx.completed", async () => {
  let completed: Promise<void> | undefined;
  let cancelled = false;
  const app = (_request: Request, ctx: Context) => {
    completed = ctx.completed;
    ctx.waitUntil(ctx.completed.catch(() => {}));
    return new Response(new ReadableStream({ cancel: () => void (cancelled = true) }));
  };
  const client = new Client(app);
  const response = await client.get("/");
  await client.close();
  assert.ok(cancelled);
  await assert.rejects(() => completed!, Deno.errors.Interrupted);
  await assert.rejects(() => response.text(), /closed/);
});

Deno.test("get() cuts the body when the request's signal aborts mid-stream", async () => {
  const { gate } = gates();
  const app = () => new Response(slowStream(["one", "two"], gate));
  await using client = new Client(app);
  const controller = new AbortController();
  const response = await client.get("/", { signal: controller.signal });
  const reader = response.body!.getReader();
  await reader.read();
  const next = reader.read();
  controller.abort(new Error("stop"));
  await assert.rejects(() => next, /stop/);
});

Deno.test("post() streams the request body to the app as it is written", async () => {
  const { gate, open } = gates();
  const seen: string[] = [];
  const app = async (request: Request) => {
    for await (const chunk of request.body!.pipeThrough(new TextDecoderStream())) seen.push(chunk);
    return new Response(seen.join("|"));
  };
  await using client = new Client(app);
  const pending = client.post("/", { body: slowStream(["a", "b"], gate) });
  await tick();
  assert.deepEqual(seen, ["a"]);
  open();
  await tick();
  open();
  assert.equal(await (await pending).text(), "a|b");
});
