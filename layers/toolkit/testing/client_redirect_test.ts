import assert from "node:assert/strict";
import type { Context } from "../../gateway/mod.ts";
import { Client } from "./client.ts";
import { RedirectError } from "./redirect.ts";
import { type Echo, echoApp } from "./_test_apps.ts";

// /r/<status>?to=<location> redirects; every other path echoes the request.
function redirectApp(request: Request, ctx: Context): Response | Promise<Response> {
  const url = new URL(request.url);
  const match = url.pathname.match(/^\/r\/(\d{3})$/);
  if (match) {
    return new Response(`moving to ${url.searchParams.get("to")}`, {
      status: Number(match[1]),
      headers: { location: url.searchParams.get("to") ?? "/done" },
    });
  }
  return echoApp(request, ctx);
}

for (const status of [301, 302, 303]) {
  Deno.test(`post() follows a ${status} with a GET without body`, async () => {
    await using client = new Client(redirectApp, { followRedirects: true });
    const response = await client.post(`/r/${status}`, {
      json: { a: 1 },
      headers: { "x-keep": "1" },
    });
    const seen = await response.json<Echo>();
    assert.equal(seen.method, "GET");
    assert.equal(seen.path, "/done");
    assert.equal(seen.body, null);
    assert.equal(seen.headers["content-type"], undefined);
    assert.equal(seen.headers["content-length"], undefined);
    assert.equal(seen.headers["x-keep"], "1");
    assert.equal(response.redirected, true);
    assert.equal(response.url, "http://localhost/done");
    assert.deepEqual(response.history.map((r) => [r.status, r.request.method]), [[status, "POST"]]);
  });
}

for (const status of [307, 308]) {
  Deno.test(`put() follows a ${status} keeping the method and body`, async () => {
    await using client = new Client(redirectApp, { followRedirects: true });
    const json = await (await client.put(`/r/${status}`, { json: { a: 1 } })).json<Echo>();
    assert.equal(json.method, "PUT");
    assert.equal(json.headers["content-type"], "application/json");
    assert.deepEqual(json.body, { json: { a: 1 } });
    const file = new File(["data"], "d.txt", { type: "text/plain" });
    const form = await (await client.post(`/r/${status}`, { form: { f: file } })).json<Echo>();
    assert.deepEqual(form.body, {
      form: [["f", { file: "d.txt", type: "text/plain", size: 4, text: "data" }]],
    });
  });
}

Deno.test("post() re-sends a streamed body after a 307", async () => {
  await using client = new Client(redirectApp, { followRedirects: true });
  const body = ReadableStream.from(["str", "eam"]).pipeThrough(new TextEncoderStream());
  const seen = await (await client.post("/r/307", { body })).json<Echo>();
  assert.deepEqual(seen.body, { text: "stream" });
  const request = new Request("http://localhost/r/308", { method: "PATCH", body: "again" });
  const fetched = await (await client.fetch(request)).json<Echo>();
  assert.equal(fetched.method, "PATCH");
  assert.deepEqual(fetched.body, { text: "again" });
});

Deno.test("head() stays HEAD through 301, 302 and 303", async () => {
  await using client = new Client(redirectApp, { followRedirects: true });
  for (const status of [301, 302, 303, 307]) {
    const response = await client.head(`/r/${status}`);
    assert.equal(response.request.method, "HEAD");
    assert.equal(response.body, null);
    assert.equal(response.headers.get("x-echo"), "1");
  }
});

Deno.test("get() resolves a relative Location against the request URL", async () => {
  await using client = new Client(redirectApp, { followRedirects: true });
  const cases: [string, string][] = [
    ["/r/302?to=next", "/r/next"],
    ["/r/302?to=../up", "/up"],
    ["/r/302?to=.%2Fsub%2Fleaf%3Fpage%3D2%23frag", "/r/sub/leaf?page=2"],
    ["/r/302?to=//other.test/x", "http://other.test/x"],
  ];
  for (const [from, to] of cases) {
    const seen = await (await client.get(from, { followRedirects: true })).json<Echo>();
    assert.equal(seen.url, new URL(to, "http://localhost").href, from);
  }
});

Deno.test("get() does not follow redirects unless asked", async () => {
  await using client = new Client(redirectApp);
  const response = await client.get("/r/302");
  assert.equal(response.status, 302);
  assert.equal(response.headers.get("location"), "/done");
  assert.equal(await response.text(), "moving to null");
  const followed = await client.get("/r/302", { followRedirects: true });
  assert.equal(followed.status, 200);
  await followed.body?.cancel();
  await using following = new Client(redirectApp, { followRedirects: true });
  const not = await following.get("/r/302", { followRedirects: false });
  assert.equal(not.status, 302);
  await not.body?.cancel();
});

Deno.test("get() keeps the redirect responses, with their bodies, in history", async () => {
  await using client = new Client(redirectApp, { followRedirects: true });
  const hop2 = encodeURIComponent("/r/302?to=/end");
  const response = await client.get(`/r/301?to=${hop2}`);
  assert.deepEqual(response.history.map((r) => r.status), [301, 302]);
  assert.deepEqual(response.history.map((r) => new URL(r.url).pathname), ["/r/301", "/r/302"]);
  assert.equal(await response.history[1].text(), "moving to /end");
  assert.equal(response.history[1].history.length, 1);
  assert.equal((await response.json<Echo>()).path, "/end");
});

Deno.test("get() throws a RedirectError naming the chain past maxRedirects", async () => {
  let n = 0;
  const app = () => new Response(null, { status: 302, headers: { location: `/step${++n}` } });
  await using client = new Client(app, { followRedirects: true, maxRedirects: 3 });
  const error = await client.get("/start").catch((e) => e);
  assert.ok(error instanceof RedirectError);
  assert.equal(error.reason, "too-many");
  assert.equal(
    error.message,
    "Cannot follow redirects: more than 3 redirects " +
      "(GET /start → 302 /step1 → 302 /step2 → 302 /step3 → 302 /step4)",
  );
  assert.equal(error.history.length, 4);
  await using none = new Client(app, { followRedirects: true, maxRedirects: 0 });
  await assert.rejects(() => none.get("/"), /more than 0 redirects/);
});

Deno.test("get() detects a redirect loop", async () => {
  const app = (request: Request) => {
    const path = new URL(request.url).pathname;
    return new Response(null, { status: 302, headers: { location: path === "/a" ? "/b" : "/a" } });
  };
  await using client = new Client(app, { followRedirects: true });
  await assert.rejects(
    () => client.get("/a"),
    (error) =>
      error instanceof RedirectError && error.reason === "loop" &&
      error.message === "Cannot follow redirects: redirect loop (GET /a → 302 /b → 302 /a)",
  );
});

Deno.test("get() is no loop when a cookie changed between two visits", async () => {
  // / → /login (sets a cookie) → / again, now logged in.
  const app = (request: Request) => {
    const path = new URL(request.url).pathname;
    const user = request.headers.get("cookie")?.includes("user=ada");
    if (path === "/login") {
      return new Response(null, {
        status: 302,
        headers: { location: "/", "set-cookie": "user=ada; Path=/" },
      });
    }
    if (!user) return new Response(null, { status: 302, headers: { location: "/login" } });
    return new Response("home");
  };
  await using client = new Client(app, { followRedirects: true });
  const response = await client.get("/");
  assert.equal(await response.text(), "home");
  assert.equal(response.history.length, 2);
});

Deno.test("get() follows a redirect to another host with that host's cookies", async () => {
  const app = (request: Request, ctx: Context) => {
    const url = new URL(request.url);
    if (url.hostname === "localhost") {
      return new Response(null, {
        status: 302,
        headers: { location: "http://auth.test/who", "set-cookie": "local=1" },
      });
    }
    return echoApp(request, ctx);
  };
  await using client = new Client(app, { followRedirects: true });
  client.cookies.set("remote", "2", { domain: "auth.test" });
  const seen = await (await client.get("/", { headers: { authorization: "Bearer x" } }))
    .json<Echo>();
  assert.equal(seen.url, "http://auth.test/who");
  assert.equal(seen.headers.host, "auth.test");
  assert.equal(seen.headers.cookie, "remote=2");
  assert.equal(seen.headers.authorization, undefined, "credentials stay with their origin");
  assert.equal(client.cookies.get("local", { domain: "localhost" }), "1");
});

Deno.test("get() throws a RedirectError for a Location that is not http(s)", async () => {
  const app = () => new Response(null, { status: 302, headers: { location: "mailto:a@b.c" } });
  await using client = new Client(app, { followRedirects: true });
  await assert.rejects(
    () => client.get("/"),
    /the Location "mailto:a@b.c" is not an http\(s\) URL/,
  );
});

Deno.test("get() settles ctx.completed of every redirect hop", async () => {
  const completions: Promise<void>[] = [];
  const app = (request: Request, ctx: Context) => {
    completions.push(ctx.completed);
    return redirectApp(request, ctx);
  };
  await using client = new Client(app, { followRedirects: true });
  const response = await client.get("/r/307");
  await response.text();
  assert.equal(completions.length, 2);
  await Promise.all(completions);
});

Deno.test("get() returns a redirect without Location as it is", async () => {
  const app = () => new Response("no location", { status: 302 });
  await using client = new Client(app, { followRedirects: true });
  const response = await client.get("/");
  assert.equal(response.status, 302);
  assert.equal(await response.text(), "no location");
});
