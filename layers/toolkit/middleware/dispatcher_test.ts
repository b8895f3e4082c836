import assert from "node:assert/strict";
import {
  type Context,
  type Handler,
  isContext,
  type LifespanContext,
  testContext,
} from "../../gateway/mod.ts";
import { dispatcher } from "./dispatcher.ts";
import { belowRoot } from "../_paths.ts";
import { recordingLogger, withServer } from "./_test_util.ts";

// Answers with the path below the app's root, as the gateway's convention has apps read it.
const where = (name: string): Handler => (request, ctx) => {
  const url = new URL(request.url);
  return new Response(
    `${name}|${ctx.rootPath}|${belowRoot(url.pathname, ctx.rootPath)}${url.search}`,
  );
};

async function get(app: ReturnType<typeof dispatcher>, path: string, ctx?: Context) {
  const response = await app.fetch(new Request(`http://x${path}`), ctx ?? testContext());
  return `${response.status} ${await response.text()}`;
}

Deno.test("dispatcher() picks the longest prefix at a segment boundary", async () => {
  const app = dispatcher(
    { "/api": where("api"), "/api/v2/": where("v2"), "/static": where("static") },
    where("site"),
  );
  assert.equal(await get(app, "/api"), "200 api|/api|/");
  assert.equal(await get(app, "/api/"), "200 api|/api|/");
  assert.equal(await get(app, "/api/users?id=1"), "200 api|/api|/users?id=1");
  assert.equal(await get(app, "/api/v2"), "200 v2|/api/v2|/");
  assert.equal(await get(app, "/api/v2/users/7"), "200 v2|/api/v2|/users/7");
  assert.equal(await get(app, "/api/v20"), "200 api|/api|/v20");
  assert.equal(await get(app, "/apix"), "200 site||/apix");
  assert.equal(await get(app, "/"), "200 site||/");
  assert.equal(await get(app, "/static//a"), "200 static|/static|//a");
});

Deno.test("dispatcher() answers 404 when nothing matches and there is no fallback", async () => {
  const app = dispatcher({ "/api": where("api") });
  const response = await app.fetch(
    new Request("http://x/other", { headers: { accept: "application/json" } }),
    testContext(),
  );
  assert.equal(response.status, 404);
  assert.equal((await response.json()).error.status, 404);
});

Deno.test("dispatcher() matches below the server's root path and extends it", async () => {
  const app = dispatcher({ "/api": where("api") }, where("site"));
  const ctx = testContext({ rootPath: "/app" });
  assert.equal(await get(app, "/app/api/x", ctx), "200 api|/app/api|/x");
  assert.equal(await get(app, "/app/other", ctx), "200 site|/app|/other");
});

Deno.test("dispatcher() nests, each level adding its prefix", async () => {
  const inner = dispatcher({ "/v1": where("v1") });
  const outer = dispatcher({ "/api": inner });
  assert.equal(await get(outer, "/api/v1/items"), "200 v1|/api/v1|/items");
});

Deno.test("dispatcher() keeps the full URL by default and rewrites it with rewriteUrl", async () => {
  const raw: Handler = (request, ctx) =>
    new Response(`${ctx.rootPath}|${new URL(request.url).pathname}`);
  assert.equal(await get(dispatcher({ "/api": raw }), "/api/users?x"), "200 /api|/api/users");
  const rewriting = dispatcher({ "/api": raw }, undefined, { rewriteUrl: true });
  assert.equal(await get(rewriting, "/api/users?x"), "200 /api|/users");
  assert.equal(await get(rewriting, "/api"), "200 /api|/");
});

Deno.test("dispatcher() matches percent-encoded prefixes", async () => {
  const app = dispatcher({ "/café": where("cafe"), "/a b": where("space") });
  assert.equal(await get(app, "/caf%C3%A9/menu"), "200 cafe|/caf%C3%A9|/menu");
  assert.equal(await get(app, "/a%20b"), "200 space|/a%20b|/");
});

Deno.test("dispatcher() gives the mounted app a context sharing the original's state", async () => {
  let seen: Context | undefined;
  const app = dispatcher({
    "/api": (_request, ctx) => {
      seen = ctx;
      ctx.state.set("hit", true);
      return new Response("ok");
    },
  });
  const ctx = testContext();
  await app.fetch(new Request("http://x/api"), ctx);
  assert.ok(seen && isContext(seen));
  assert.equal(ctx.state.get("hit"), true);
  assert.equal(seen.signal, ctx.signal);
  assert.equal(seen.scheme, "http");
});

Deno.test("dispatcher() moves the request body to the mounted app", async () => {
  const app = dispatcher({
    "/echo": async (request) => new Response(`${request.method} ${await request.text()}`),
  });
  const response = await app.fetch(
    new Request("http://x/echo", { method: "PUT", body: "data" }),
    testContext(),
  );
  assert.equal(await response.text(), "PUT data");
});

Deno.test("dispatcher() starts every distinct app once and stops them in reverse", async () => {
  const calls: string[] = [];
  const member = (name: string) => ({
    fetch: () => new Response(name),
    startup: () => void calls.push(`start ${name}`),
    shutdown: () => void calls.push(`stop ${name}`),
  });
  const shared = member("shared");
  const app = dispatcher(
    { "/a": shared, "/b": shared, "/c": member("c"), "/d": () => new Response("d") },
    member("fallback"),
  );
  const lifespan: LifespanContext = {
    workerId: 1,
    workerCount: 1,
    serverAddrs: [],
    log: recordingLogger(),
  };
  await app.startup?.(lifespan);
  await app.shutdown?.();
  assert.deepEqual(calls, [
    "start shared",
    "start c",
    "start fallback",
    "stop fallback",
    "stop c",
    "stop shared",
  ]);
  assert.equal(dispatcher({ "/x": () => new Response() }).startup, undefined);
});

Deno.test("dispatcher() shuts the started apps down when one fails to start", async () => {
  const calls: string[] = [];
  const app = dispatcher({
    "/a": { fetch: () => new Response(), shutdown: () => void calls.push("stop a") },
    "/b": {
      fetch: () => new Response(),
      startup: () => {
        throw new Error("no database");
      },
      shutdown: () => void calls.push("stop b"),
    },
    "/c": { fetch: () => new Response(), startup: () => void calls.push("start c") },
  });
  const lifespan = { workerId: 1, workerCount: 1, serverAddrs: [], log: recordingLogger() };
  await assert.rejects(async () => await app.startup!(lifespan), /no database/);
  assert.deepEqual(calls, ["stop a"]);
});

Deno.test("dispatcher() runs every shutdown even when some fail", async () => {
  const calls: string[] = [];
  const failing = (name: string) => ({
    fetch: () => new Response(),
    shutdown: () => {
      calls.push(name);
      throw new Error(`${name} failed`);
    },
  });
  const one = dispatcher({ "/a": failing("a"), "/b": { fetch: () => new Response() } });
  await assert.rejects(async () => await one.shutdown!(), /a failed/);
  const two = dispatcher({ "/a": failing("a"), "/b": failing("b") });
  const error = await Promise.resolve(two.shutdown!()).catch((e) => e);
  assert.ok(error instanceof AggregateError);
  assert.equal(error.errors.length, 2);
  assert.deepEqual(calls, ["a", "b", "a"]);
});

Deno.test("dispatcher() rejects bad prefixes", () => {
  const app = () => new Response();
  assert.throws(() => dispatcher({ api: app }), /Cannot mount an app at "api": a prefix must/);
  assert.throws(() => dispatcher({ "/": app }), /pass the root app as the fallback/);
  assert.throws(() => dispatcher({ "/a?b": app }), /not a plain path/);
  assert.throws(() => dispatcher({ "//host": app }), /not a plain path/);
  assert.throws(() => dispatcher({ "/a": app, "/a/": app }), /Cannot mount two apps at "\/a"/);
  assert.throws(() => dispatcher({ "/a": 42 as unknown as Handler }), TypeError);
});

Deno.test("dispatcher() works under the gateway's server", async () => {
  const calls: string[] = [];
  const app = dispatcher({
    "/api": {
      fetch: where("api"),
      startup: () => void calls.push("startup"),
      shutdown: () => void calls.push("shutdown"),
    },
  }, where("site"));
  await withServer(app, async (base) => {
    assert.equal(await (await fetch(`${base}/api/items?q=1`)).text(), "api|/api|/items?q=1");
    assert.equal(await (await fetch(`${base}/else`)).text(), "site||/else");
  });
  assert.deepEqual(calls, ["startup", "shutdown"]);
});
