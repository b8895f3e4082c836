import assert from "node:assert/strict";
import { testContext } from "../../gateway/mod.ts";
import { sharedData, type SharedDataOptions } from "./shared_data.ts";
import { withServer } from "./_test_util.ts";

async function fixture(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "shared_data_test_" });
  await Deno.mkdir(`${root}/public/css`, { recursive: true });
  await Deno.mkdir(`${root}/public/img`, { recursive: true });
  await Deno.writeTextFile(`${root}/public/css/site.css`, "body { color: red }\n");
  await Deno.writeTextFile(`${root}/public/caf\u00e9 menu.txt`, "coffee\n");
  await Deno.writeTextFile(`${root}/public/.env`, "SECRET=1\n");
  await Deno.writeTextFile(`${root}/public/img/logo.svg`, "<svg/>\n");
  await Deno.writeTextFile(`${root}/favicon.ico`, "icon");
  await Deno.writeTextFile(`${root}/secret.txt`, "do not serve\n");
  return root;
}

async function withFixture(
  run: (
    get: (path: string, init?: RequestInit) => Promise<Response>,
    root: string,
  ) => Promise<void>,
  options: SharedDataOptions = {},
  rootPath = "",
): Promise<void> {
  const root = await fixture();
  try {
    const app = sharedData({
      "/static/": `${root}/public`,
      "/favicon.ico": `${root}/favicon.ico`,
      "/static/img": `${root}/public/img`,
    }, options)((request) =>
      new Response(`app ${request.method} ${new URL(request.url).pathname}`)
    );
    await run(
      (path, init) =>
        Promise.resolve(app.fetch(new Request(`http://x${path}`, init), testContext({ rootPath }))),
      root,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("sharedData() serves files from a directory and a single file", async () => {
  await withFixture(async (get) => {
    const css = await get("/static/css/site.css");
    assert.equal(css.status, 200);
    assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal(await css.text(), "body { color: red }\n");
    const icon = await get("/favicon.ico");
    assert.equal(await icon.text(), "icon");
    const svg = await get("/static/img/logo.svg");
    assert.equal(await svg.text(), "<svg/>\n");
  });
});

Deno.test("sharedData() decodes the path below the prefix", async () => {
  await withFixture(async (get) => {
    const response = await get("/static/caf%C3%A9%20menu.txt");
    assert.equal(await response.text(), "coffee\n");
  });
});

Deno.test("sharedData() falls through to the app when there is no file to serve", async () => {
  await withFixture(async (get) => {
    const cases = [
      "/static/none.css",
      "/static",
      "/static/",
      "/static/css",
      "/static/.env",
      "/static/../secret.txt",
      "/static/%2e%2e/secret.txt",
      "/static/%2e%2e%2fsecret.txt",
      "/static//etc/passwd",
      "/static/%zz",
      "/favicon.ico/x",
      "/staticx/css/site.css",
      "/other",
    ];
    for (const path of cases) {
      const response = await get(path);
      assert.match(await response.text(), /^app GET \//, path);
    }
  });
});

Deno.test("sharedData() serves GET and HEAD only", async () => {
  await withFixture(async (get) => {
    const head = await get("/favicon.ico", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), "4");
    assert.equal(head.body, null);
    const post = await get("/favicon.ico", { method: "POST" });
    assert.equal(await post.text(), "app POST /favicon.ico");
  });
});

Deno.test("sharedData() passes cache and conditional options through", async () => {
  await withFixture(async (get) => {
    const first = await get("/static/css/site.css");
    assert.equal(first.headers.get("cache-control"), "public, max-age=60");
    const etag = first.headers.get("etag")!;
    await first.body?.cancel();
    const again = await get("/static/css/site.css", { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
  }, { maxAge: 60 });
});

Deno.test("sharedData() sends the error a file option raises on purpose", async () => {
  await withFixture(async (get) => {
    const response = await get("/static/.env");
    assert.equal(response.status, 403);
    await response.body?.cancel();
  }, { dotfiles: "deny" });
});

Deno.test("sharedData() answers 404 itself under fallthrough: false", async () => {
  await withFixture(async (get) => {
    const missing = await get("/static/none.css");
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const elsewhere = await get("/other");
    assert.equal(await elsewhere.text(), "app GET /other");
  }, { fallthrough: false });
});

Deno.test("sharedData() matches below ctx.rootPath", async () => {
  await withFixture(
    async (get) => {
      const response = await get("/mount/static/css/site.css");
      assert.equal(await response.text(), "body { color: red }\n");
    },
    {},
    "/mount",
  );
});

Deno.test("sharedData() rejects a prefix that is not a path below the root", () => {
  assert.throws(() => sharedData({ static: "." }), /Cannot serve files at "static"/);
  assert.throws(() => sharedData({ "/": "." }), /the root would hide the app/);
  assert.throws(() => sharedData({ "/a?b": "." }), /must be a path/);
});

Deno.test("sharedData() works under the gateway's server", async () => {
  const root = await fixture();
  try {
    const app = sharedData({ "/static": `${root}/public` })(() => new Response("app"));
    await withServer(app, async (base) => {
      const css = await fetch(`${base}/static/css/site.css`);
      assert.equal(await css.text(), "body { color: red }\n");
      const other = await fetch(`${base}/static/missing`);
      assert.equal(await other.text(), "app");
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
