import assert from "node:assert/strict";
import { type AppObject, type Context, createLogger, testContext } from "../../gateway/mod.ts";
import { NotFound } from "../exceptions.ts";
import { debugMiddleware, debugResponse } from "./debug_middleware.ts";

function context(lines: string[] = []): Context {
  return testContext({
    rootPath: "/mnt",
    log: createLogger({ write: (line) => lines.push(line) }),
  });
}

const html = { accept: "text/html" };

Deno.test("debugMiddleware() passes responses through untouched", async () => {
  const original = new Response("ok");
  const app = debugMiddleware()(() => original);
  assert.equal(await app.fetch(new Request("http://localhost/"), context()), original);
});

Deno.test("debugMiddleware() turns a throw into the HTML debug page for a browser", async () => {
  const lines: string[] = [];
  const app = debugMiddleware()(() => {
    throw new Error("kaput <x>");
  });
  const response = await app.fetch(
    new Request("http://localhost/mnt/a", { headers: { ...html, authorization: "Bearer t" } }),
    context(lines),
  );
  assert.equal(response.status, 500);
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(response.headers.get("cache-control"), "no-store");
  const body = await response.text();
  assert.match(body, /kaput &lt;x&gt;/);
  assert.match(body, /Bearer \[masked\]/);
  assert.match(body, /&quot;\/mnt&quot;/);
  assert.match(body, /127\.0\.0\.1:50123/);
  assert.match(lines.join("\n"), /Error handling GET http:\/\/localhost\/mnt\/a\nError: kaput <x>/);
});

Deno.test("debugMiddleware() catches a rejected promise and answers curl in plain text", async () => {
  const app = debugMiddleware()(() => Promise.reject(new TypeError("async kaput")));
  const response = await app.fetch(new Request("http://localhost/"), context());
  assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.match(await response.text(), /^500 Internal Server Error: TypeError in GET/);
});

Deno.test("debugMiddleware() lets HTTP errors answer for themselves", async () => {
  const lines: string[] = [];
  const app = debugMiddleware()(() => {
    throw new NotFound("Nothing here.");
  });
  const response = await app.fetch(
    new Request("http://localhost/", { headers: html }),
    context(lines),
  );
  assert.equal(response.status, 404);
  assert.match(await response.text(), /Nothing here\./);
  assert.deepEqual(lines, [], "an HTTP error is not logged as a bug");
});

Deno.test("debugMiddleware() keeps startup and shutdown, and logs nothing when log is false", async () => {
  const calls: string[] = [];
  const inner: AppObject = {
    fetch: () => {
      throw new Error("x");
    },
    startup: () => void calls.push("startup"),
    shutdown: () => void calls.push("shutdown"),
  };
  const app = debugMiddleware({ log: false })(inner);
  await app.startup?.({} as never);
  await app.shutdown?.();
  assert.deepEqual(calls, ["startup", "shutdown"]);
  const lines: string[] = [];
  await (await app.fetch(new Request("http://localhost/"), context(lines))).body?.cancel();
  assert.deepEqual(lines, []);
  assert.equal("startup" in debugMiddleware()(() => new Response()), false);
});

Deno.test("debugResponse() sends no body to a HEAD request", async () => {
  const response = await debugResponse(
    new Error("x"),
    new Request("http://localhost/", { method: "HEAD" }),
  );
  assert.equal(response.status, 500);
  assert.equal(response.body, null);
});
