import assert from "node:assert/strict";
import { type Context, isContext } from "../../gateway/mod.ts";
import { Client } from "./client.ts";
import { TestResponse } from "./test_response.ts";
import { type Echo, echoApp } from "./_test_apps.ts";

async function echo(response: Response): Promise<Echo> {
  return await response.json() as Echo;
}

Deno.test("get() sends the method, path and merged query to the app", async () => {
  await using client = new Client(echoApp);
  const response = await client.get("/search?q=a%20b", { query: { page: 2, tag: ["x", "y"] } });
  assert.ok(response instanceof TestResponse && response instanceof Response);
  assert.equal(response.status, 200);
  const seen = await echo(response);
  assert.equal(seen.method, "GET");
  assert.equal(seen.url, "http://localhost/search?q=a%20b&page=2&tag=x&tag=y");
  assert.deepEqual(seen.query, [["q", "a b"], ["page", "2"], ["tag", "x"], ["tag", "y"]]);
  assert.equal(seen.body, null);
  assert.equal(response.url, seen.url);
  assert.equal(response.request.url, seen.url);
  assert.equal(response.redirected, false);
  assert.deepEqual(response.history, []);
});

Deno.test("request() accepts a query as URLSearchParams or pairs and upper-cases the method", async () => {
  await using client = new Client(echoApp);
  const a = await echo(await client.request("patch", "/x", { query: new URLSearchParams("a=1") }));
  assert.equal(a.method, "PATCH");
  assert.equal(a.search, "?a=1");
  const b = await echo(await client.options("/x", { query: [["a", "1"], ["a", "2"]] }));
  assert.equal(b.method, "OPTIONS");
  assert.equal(b.search, "?a=1&a=2");
  const c = await echo(await client.delete("/x", { query: { skip: undefined, none: null } }));
  assert.equal(c.method, "DELETE");
  assert.equal(c.search, "");
});

Deno.test("get() merges the client's headers with the request's and sets Host", async () => {
  await using client = new Client(echoApp, {
    headers: { "x-default": "1", "accept": "text/plain" },
  });
  const seen = await echo(await client.get("/", { headers: { accept: "application/json" } }));
  assert.equal(seen.headers["x-default"], "1");
  assert.equal(seen.headers["accept"], "application/json");
  assert.equal(seen.headers["host"], "localhost");
});

Deno.test("get() takes the URL's host from a Host header", async () => {
  await using client = new Client(echoApp);
  const seen = await echo(await client.get("/p", { headers: { host: "example.com:8080" } }));
  assert.equal(seen.url, "http://example.com:8080/p");
  assert.equal(seen.headers.host, "example.com:8080");
});

Deno.test("get() honours the host of an absolute URL", async () => {
  await using client = new Client(echoApp);
  const seen = await echo(await client.get("https://api.example.com:8443/v1?x=1"));
  assert.equal(seen.url, "https://api.example.com:8443/v1?x=1");
  assert.equal(seen.headers.host, "api.example.com:8443");
  assert.equal(seen.ctx.scheme, "https");
});

Deno.test("post() sends json with its content type and length", async () => {
  await using client = new Client(echoApp);
  const seen = await echo(await client.post("/items", { json: { name: "pen", n: 1 } }));
  assert.equal(seen.method, "POST");
  assert.equal(seen.headers["content-type"], "application/json");
  assert.equal(seen.headers["content-length"], "20");
  assert.deepEqual(seen.body, { json: { name: "pen", n: 1 } });
});

Deno.test("post() sends a form url-encoded when it has no file", async () => {
  await using client = new Client(echoApp);
  const seen = await echo(
    await client.post("/f", { form: { name: "Ada Lovelace", n: 3, tags: ["a", "b"], x: null } }),
  );
  assert.equal(seen.headers["content-type"], "application/x-www-form-urlencoded;charset=UTF-8");
  assert.deepEqual(seen.body, {
    form: [["name", "Ada Lovelace"], ["n", "3"], ["tags", "a"], ["tags", "b"]],
  });
});

Deno.test("post() sends a form with a File as multipart the app can decode", async () => {
  await using client = new Client(echoApp);
  const file = new File(["hello file"], "hello.txt", { type: "text/plain" });
  const seen = await echo(await client.post("/upload", { form: { title: "doc", file } }));
  assert.match(seen.headers["content-type"], /^multipart\/form-data; boundary=/);
  assert.ok(Number(seen.headers["content-length"]) > 0);
  assert.deepEqual(seen.body, {
    form: [
      ["title", "doc"],
      ["file", { file: "hello.txt", type: "text/plain", size: 10, text: "hello file" }],
    ],
  });
});

Deno.test("put() sends multipart from a record or a FormData", async () => {
  await using client = new Client(echoApp);
  const one = await echo(await client.put("/m", { multipart: { a: "1", b: ["2", "3"] } }));
  assert.deepEqual(one.body, { form: [["a", "1"], ["b", "2"], ["b", "3"]] });
  const form = new FormData();
  form.append("blob", new Blob(["xy"], { type: "application/octet-stream" }), "data.bin");
  const two = await echo(await client.put("/m", { multipart: form }));
  assert.deepEqual(two.body, {
    form: [["blob", { file: "data.bin", type: "application/octet-stream", size: 2, text: "xy" }]],
  });
});

Deno.test("post() sends a raw body: string, bytes, Blob, URLSearchParams or stream", async () => {
  await using client = new Client(echoApp);
  const text = await echo(await client.post("/", { body: "plain" }));
  assert.equal(text.headers["content-type"], "text/plain;charset=UTF-8");
  assert.deepEqual(text.body, { text: "plain" });
  const bytes = await echo(
    await client.post("/", {
      body: new TextEncoder().encode("raw"),
      headers: { "content-type": "x/y" },
    }),
  );
  assert.equal(bytes.headers["content-type"], "x/y");
  assert.equal(bytes.headers["content-length"], "3");
  assert.deepEqual(bytes.body, { text: "raw" });
  const blob = await echo(await client.post("/", { body: new Blob(["b"], { type: "text/csv" }) }));
  assert.equal(blob.headers["content-type"], "text/csv");
  const params = await echo(await client.post("/", { body: new URLSearchParams({ k: "v" }) }));
  assert.deepEqual(params.body, { form: [["k", "v"]] });
  const stream = ReadableStream.from(["st", "ream"]).pipeThrough(new TextEncoderStream());
  const streamed = await echo(await client.post("/", { body: stream }));
  assert.equal(streamed.headers["content-length"], undefined);
  assert.deepEqual(streamed.body, { text: "stream" });
});

Deno.test("request() refuses two body options and a body on GET", async () => {
  await using client = new Client(echoApp);
  await assert.rejects(() => client.post("/", { json: 1, body: "x" }), /give only one of/);
  await assert.rejects(() => client.get("/", { body: "x" }), /a GET request cannot have a body/);
  await assert.rejects(() => client.post("/", { json: () => 1 }), /not serialisable/);
});

Deno.test("get() builds a gateway Context with the client's options", async () => {
  let seen: Context | undefined;
  const app = (_request: Request, ctx: Context) => {
    seen = ctx;
    return new Response("ok");
  };
  await using client = new Client(app, {
    baseUrl: "http://example.test:8080",
    remoteAddr: "10.1.2.3",
    scheme: "https",
    workerId: 2,
    workerCount: 3,
    protocol: "HTTP/2",
  });
  await (await client.get("/")).text();
  assert.ok(seen && isContext(seen));
  assert.deepEqual(seen.serverAddr, { transport: "tcp", hostname: "example.test", port: 8080 });
  assert.equal((seen.remoteAddr as Deno.NetAddr).hostname, "10.1.2.3");
  assert.equal(seen.scheme, "https");
  assert.equal(seen.serverName, "example.test");
  assert.equal(seen.protocol, "HTTP/2");
  assert.equal(seen.workerId, 2);
  assert.equal(seen.workerCount, 3);
  assert.equal(seen.rootPath, "");
  assert.equal(seen.state.size, 0);
  await (await client.get("/", { remoteAddr: "::1" })).text();
  assert.equal((seen.remoteAddr as Deno.NetAddr).hostname, "::1");
});

Deno.test("get() puts paths under rootPath, taken from baseUrl or given", async () => {
  await using fromBase = new Client(echoApp, { baseUrl: "http://localhost/app/" });
  const a = await echo(await fromBase.get("/users"));
  assert.equal(a.url, "http://localhost/app/users");
  assert.equal(a.ctx.rootPath, "/app");
  await using given = new Client(echoApp, { rootPath: "/api" });
  const b = await echo(await given.get("v1"));
  assert.equal(b.url, "http://localhost/api/v1");
  const c = await echo(await given.get("http://localhost/elsewhere"));
  assert.equal(c.path, "/elsewhere", "an absolute URL is taken as it is");
});

Deno.test("new Client() rejects bad options with a clear error", () => {
  assert.throws(() => new Client(echoApp, { baseUrl: "nope" }), /baseUrl "nope" is not a URL/);
  assert.throws(() => new Client(echoApp, { baseUrl: "ftp://x" }), /not an http\(s\) URL/);
  assert.throws(() => new Client(echoApp, { rootPath: "/a/" }), /rootPath "\/a\/"/);
  assert.throws(() => new Client(echoApp, { maxRedirects: 1.5 }), RangeError);
  assert.throws(() => new Client(echoApp, { workerId: 3, workerCount: 2 }), /above workerCount/);
  assert.throws(() => new Client({} as never), /Cannot use this value as an app/);
});

Deno.test("head() returns the app's headers without a body and cancels the app's body", async () => {
  let cancelled = false;
  let completed: Promise<void> | undefined;
  const app = (request: Request, ctx: Context) => {
    completed = ctx.completed;
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("hello"));
      },
      cancel() {
        cancelled = true;
      },
    });
    return new Response(body, { headers: { "content-length": "5", "x-method": request.method } });
  };
  await using client = new Client(app);
  const response = await client.head("/");
  assert.equal(response.body, null);
  assert.equal(response.headers.get("content-length"), "5");
  assert.equal(response.headers.get("x-method"), "HEAD");
  await completed;
  assert.ok(cancelled);
});

Deno.test("get() lets an exception thrown by the app reach the caller with its stack", async () => {
  class Boom extends Error {}
  const thrown = new Boom("kaput");
  const sync = new Client(() => {
    throw thrown;
  });
  const error: Error = await sync.get("/").catch((e) => e);
  assert.equal(error, thrown);
  assert.match(error.stack ?? "", /kaput/);
  await sync.close();
  await using async = new Client(async () => {
    await Promise.resolve();
    throw new Boom("later");
  });
  await assert.rejects(() => async.get("/"), Boom);
});

Deno.test("get() returns an error response from the app unchanged", async () => {
  await using client = new Client(() => new Response("no such page", { status: 404 }));
  const response = await client.get("/missing");
  assert.equal(response.status, 404);
  assert.equal(await response.text(), "no such page");
});

Deno.test("get() rejects an app answer that is not a Response", async () => {
  await using client = new Client(() => ({ status: 200 }) as unknown as Response);
  await assert.rejects(() => client.get("/"), /expected a Response, got Object/);
  await using errors = new Client(() => Response.error());
  await assert.rejects(() => errors.get("/"), /got Response.error\(\)/);
});

Deno.test("text() rejects with the error of a failing body stream", async () => {
  const failure = new Error("stream broke");
  const app = () =>
    new Response(
      new ReadableStream({
        pull(controller) {
          controller.error(failure);
        },
      }),
    );
  await using client = new Client(app);
  const response = await client.get("/");
  await assert.rejects(() => response.text(), (e) => e === failure);
});

Deno.test("fetch() sends a prepared Request through the jar", async () => {
  await using client = new Client(echoApp);
  client.cookies.set("sid", "42");
  const request = new Request("http://localhost/api", {
    method: "POST",
    body: "payload",
    headers: { "x-a": "1" },
  });
  const response = await client.fetch(request);
  const seen = await echo(response);
  assert.equal(seen.method, "POST");
  assert.equal(seen.headers["x-a"], "1");
  assert.equal(seen.headers.cookie, "sid=42");
  assert.deepEqual(seen.body, { text: "payload" });
  assert.equal(response.request.headers.get("cookie"), "sid=42");
});

Deno.test("get() rejects once the client is closed", async () => {
  const client = new Client(echoApp);
  await client.close();
  assert.ok(client.closed);
  await assert.rejects(() => client.get("/"), /the test client is closed/);
  await assert.rejects(() => client.fetch(new Request("http://localhost/")), /closed/);
  await assert.rejects(() => client.start(), /closed/);
});
