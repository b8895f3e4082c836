// The framework's app: return values, routing outcomes, hooks, error handlers, blueprints,
// class-based views and urlFor, through the toolkit's test client.

import assert from "node:assert/strict";
import { Client, Forbidden, NotFound } from "../toolkit/mod.ts";
import { App, Blueprint, ClassView, MethodView, type RequestContext } from "./mod.ts";

Deno.test("a view's return value becomes a response: string, object, array, bytes, tuple, Response", async () => {
  const app = new App()
    .get("/html", function html() {
      return "<p>hi</p>";
    })
    .get("/json", function object() {
      return { ok: true };
    })
    .get("/list", function list() {
      return [1, 2];
    })
    .get("/bytes", function bytes() {
      return new Uint8Array([1, 2, 3]);
    })
    .get("/created", function created() {
      return [{ id: 7 }, 201, { location: "/notes/7" }];
    })
    .get("/teapot", function teapot() {
      return ["short and stout", 418];
    })
    .get("/headers", function headers() {
      return ["tagged", new Headers({ "x-tag": "1" })];
    })
    .get("/response", function response() {
      return new Response("raw", { status: 202 });
    });
  const client = new Client(app);
  const html = await client.get("/html");
  assert.equal(html.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(await html.text(), "<p>hi</p>");
  assert.deepEqual(await (await client.get("/json")).json(), { ok: true });
  assert.deepEqual(await (await client.get("/list")).json(), [1, 2]);
  const bytes = await client.get("/bytes");
  assert.equal(bytes.headers.get("content-type"), "application/octet-stream");
  assert.deepEqual(new Uint8Array(await bytes.arrayBuffer()), new Uint8Array([1, 2, 3]));
  const created = await client.get("/created");
  assert.equal(created.status, 201);
  assert.equal(created.headers.get("location"), "/notes/7");
  assert.equal((await client.get("/teapot")).status, 418);
  assert.equal((await client.get("/headers")).headers.get("x-tag"), "1");
  assert.equal((await client.get("/response")).status, 202);
});

Deno.test("an async iterable is streamed; a view returning nothing is a 500 naming the view", async () => {
  const logged: string[] = [];
  const app = new App({ onError: (error) => logged.push(String(error)) })
    .get("/stream", function streamed() {
      return (async function* () {
        yield "a";
        yield new TextEncoder().encode("b");
      })();
    })
    .get("/nothing", function forgetful() {
      return undefined as unknown as string;
    });
  const client = new Client(app);
  assert.equal(await (await client.get("/stream")).text(), "ab");
  const nothing = await client.get("/nothing");
  assert.equal(nothing.status, 500);
  assert.ok(!(await nothing.text()).includes("forgetful"), "the message is not shown to clients");
  assert.match(
    logged[0],
    /The view "forgetful" did not return a valid response: it returned undefined/,
  );
});

Deno.test("routing outcomes: 404, 405 with Allow, HEAD, OPTIONS, 308 to the slash, typed params", async () => {
  const app = new App()
    .get("/notes/", function notes() {
      return "all";
    })
    .route("/notes/<int:id>", function note(c) {
      return `note ${typeof c.params.id} ${c.params.id}`;
    }, { methods: ["GET", "PUT"] });
  const client = new Client(app);
  assert.equal(await (await client.get("/notes/7")).text(), "note number 7");
  assert.equal((await client.get("/nowhere")).status, 404);
  const post = await client.post("/notes/7");
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD, OPTIONS, PUT");
  const head = await client.head("/notes/7");
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  const options = await client.options("/notes/7");
  assert.equal(options.headers.get("allow"), "GET, HEAD, OPTIONS, PUT");
  const redirect = await client.get("/notes");
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers.get("location"), "/notes/");
  assert.equal((await client.get("/notes/abc")).status, 404, "int refuses letters");
});

Deno.test("hooks: a before hook may answer, after hooks change the response, teardown sees the error", async () => {
  const order: string[] = [];
  const torn: unknown[] = [];
  const app = new App<{ user: string }>()
    .before((c) => {
      order.push("before");
      if (c.request.path === "/blocked") return ["blocked", 403];
      c.g.user = "ada";
      return undefined;
    })
    .after((_c, response) => {
      order.push("after 1");
      response.headers.set("x-after", "1");
    })
    .after(() => {
      order.push("after 2");
    })
    .teardown((_c, error) => {
      torn.push(error);
    })
    .get("/", function index(c) {
      c.after((response) => {
        response.headers.set("x-this-request", "yes");
        return response;
      });
      return `hello ${c.g.user}`;
    })
    .get("/boom", function boom() {
      throw new TypeError("kaput");
    })
    .get("/blocked", function blocked() {
      return "never";
    });
  const client = new Client(app);
  const ok = await client.get("/");
  assert.equal(await ok.text(), "hello ada");
  assert.equal(ok.headers.get("x-after"), "1");
  assert.equal(ok.headers.get("x-this-request"), "yes");
  assert.deepEqual(
    order,
    ["before", "after 2", "after 1"],
    "after hooks run last-registered first",
  );
  const blocked = await client.get("/blocked");
  assert.equal(blocked.status, 403);
  assert.equal(await blocked.text(), "blocked");
  assert.equal((await client.get("/boom")).status, 500);
  assert.equal(torn[0], undefined);
  assert.ok(torn.some((e) => e instanceof TypeError && e.message === "kaput"));
});

class AppError extends Error {}
class QuotaError extends AppError {}

Deno.test("error handlers: by status, by class with the most specific winning, abort by throwing", async () => {
  const app = new App({ onError: () => {} })
    .errorHandler(404, (c) => [`no page at ${c.request.path}`, 404])
    .errorHandler(AppError, () => ["app error", 500])
    .errorHandler(QuotaError, () => ["over quota", 429])
    .errorHandler(Forbidden, (_c, error) => [`forbidden: ${error.description}`, 403])
    .get("/quota", function quota() {
      throw new QuotaError();
    })
    .get("/app", function appError() {
      throw new AppError();
    })
    .get("/secret", function secret() {
      throw new Forbidden("staff only");
    })
    .get("/gone", function gone() {
      throw new NotFound();
    });
  const client = new Client(app);
  assert.equal(await (await client.get("/missing")).text(), "no page at /missing");
  assert.equal(await (await client.get("/gone")).text(), "no page at /gone");
  const quota = await client.get("/quota");
  assert.equal(quota.status, 429);
  assert.equal(await quota.text(), "over quota");
  assert.equal(await (await client.get("/app")).text(), "app error");
  assert.equal(await (await client.get("/secret")).text(), "forbidden: staff only");
});

Deno.test("HTTP errors without a handler render by Accept: HTML or JSON", async () => {
  const client = new Client(new App());
  const page = await client.get("/x");
  assert.match(page.headers.get("content-type")!, /text\/html/);
  const api = await client.get("/x", { headers: { accept: "application/json" } });
  assert.equal(((await api.json()) as { error: { status: number } }).error.status, 404);
});

Deno.test("blueprints: prefix, endpoint names, their own hooks and error handlers, nesting", async () => {
  const seen: string[] = [];
  const api = new Blueprint("api", { urlPrefix: "/api" })
    .before((c) => {
      seen.push(`api before ${c.endpoint}`);
    })
    .errorHandler(404, () => [{ error: "not found" }, 404])
    .get("/notes/<int:id>", function show(c) {
      return { id: c.params.id, self: c.urlFor(".show", { id: c.params.id }) };
    })
    .get("/missing", function missing() {
      throw new NotFound();
    });
  const v2 = new Blueprint("v2", { urlPrefix: "/v2" }).get("/", function home(c) {
    return { endpoint: c.endpoint, url: c.urlFor("api.v2.home") };
  });
  api.register(v2);
  const app = new App()
    .before(() => {
      seen.push("app before");
    })
    .get("/", function index(c) {
      return c.urlFor("api.show", { id: 3, q: "x y" });
    })
    .register(api);
  const client = new Client(app);
  assert.deepEqual(await (await client.get("/api/notes/5")).json(), {
    id: 5,
    self: "/api/notes/5",
  });
  assert.deepEqual(seen, ["app before", "api before api.show"]);
  seen.length = 0;
  assert.equal(await (await client.get("/")).text(), "/api/notes/3?q=x+y");
  assert.deepEqual(seen, ["app before"], "the blueprint's hooks stay on its routes");
  assert.deepEqual(await (await client.get("/api/missing")).json(), { error: "not found" });
  assert.notEqual((await client.get("/elsewhere")).headers.get("content-type"), "application/json");
  assert.deepEqual(await (await client.get("/api/v2/")).json(), {
    endpoint: "api.v2.home",
    url: "/api/v2/",
  });
});

Deno.test("urlFor: external URLs, anchors, another scheme, the mount point, a BuildError", async () => {
  const app = new App()
    .get("/notes/<int:id>", function note() {
      return "";
    })
    .get("/", function index(c: RequestContext) {
      return {
        plain: c.urlFor("note", { id: 1 }),
        anchor: c.urlFor("note", { id: 1 }, { anchor: "top" }),
        external: c.urlFor("note", { id: 1 }, { external: true }),
        https: c.urlFor("note", { id: 1 }, { scheme: "https" }),
      };
    })
    .get("/bad", function bad(c) {
      return c.urlFor("nope");
    });
  const client = new Client(app, { baseUrl: "http://example.test" });
  assert.deepEqual(await (await client.get("/")).json(), {
    plain: "/notes/1",
    anchor: "/notes/1#top",
    external: "http://example.test/notes/1",
    https: "https://example.test/notes/1",
  });
  assert.throws(() => app.urlFor("nope"), /Cannot build URL for "nope"/);
  assert.equal((await client.get("/bad")).status, 500);
});

Deno.test("class-based views: a View per request, a MethodView's methods, decorators", async () => {
  let instances = 0;
  class Hello extends ClassView {
    static override decorators = [
      (view: (c: RequestContext) => unknown) => async (c: RequestContext) => `[${await view(c)}]`,
    ] as never[];
    constructor(readonly greeting: string) {
      super();
      instances++;
    }
    dispatchRequest() {
      return this.greeting;
    }
  }
  class Notes extends MethodView {
    get(c: RequestContext) {
      return { list: [], method: c.request.method };
    }
    post() {
      return ["created", 201];
    }
  }
  const app = new App()
    .route("/hello", Hello.asView("hello", "hi"))
    .route("/notes", Notes.asView("notes"));
  const client = new Client(app);
  assert.equal(await (await client.get("/hello")).text(), "[hi]");
  assert.equal(await (await client.get("/hello")).text(), "[hi]");
  assert.equal(instances, 2, "one instance per request");
  assert.equal((await client.post("/notes")).status, 201);
  assert.deepEqual(await (await client.get("/notes")).json(), { list: [], method: "GET" });
  const put = await client.put("/notes");
  assert.equal(put.status, 405);
  assert.equal(put.headers.get("allow"), "GET, HEAD, OPTIONS, POST");
});

Deno.test("an endpoint cannot get a second view", () => {
  const app = new App().get("/a", function same() {
    return "a";
  });
  assert.throws(
    () =>
      app.get("/b", function same() {
        return "b";
      }),
    /the endpoint "same" already has another view/,
  );
});

Deno.test("static files from the app's and a blueprint's folders, with urlFor('static')", async () => {
  const root = await Deno.makeTempDir({ prefix: "ngw2f-framework-" });
  try {
    await Deno.mkdir(`${root}/static`);
    await Deno.mkdir(`${root}/admin_static`);
    await Deno.writeTextFile(`${root}/static/site.css`, "body{}");
    await Deno.writeTextFile(`${root}/admin_static/admin.js`, "1");
    await Deno.writeTextFile(`${root}/secret.txt`, "no");
    const admin = new Blueprint("admin", { urlPrefix: "/admin", staticFolder: "admin_static" });
    const app = new App({ root, staticMaxAge: 60 })
      .get("/", function index(c) {
        return [
          c.urlFor("static", { filename: "site.css" }),
          c.urlFor("admin.static", {
            filename: "admin.js",
          }),
        ].join(" ");
      })
      .register(admin);
    const client = app.testClient();
    assert.equal(await (await client.get("/")).text(), "/static/site.css /admin/static/admin.js");
    const css = await client.get("/static/site.css");
    assert.equal(await css.text(), "body{}");
    assert.match(css.headers.get("content-type")!, /^text\/css/);
    assert.match(css.headers.get("cache-control")!, /max-age=60/);
    assert.ok(css.headers.get("etag"));
    assert.equal(await (await client.get("/admin/static/admin.js")).text(), "1");
    assert.equal((await client.get("/static/../secret.txt")).status, 404);
    assert.equal((await client.get("/static/%2e%2e/secret.txt")).status, 404);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("debug mode lets an unhandled error through to the server (the debug page), HTTP errors still answer", async () => {
  const torn: unknown[] = [];
  const app = new App({ debug: true })
    .teardown((_c, error) => {
      torn.push(error);
    })
    .get("/boom", function boom() {
      throw new RangeError("out of range");
    });
  const { debugMiddleware } = await import("../toolkit/mod.ts");
  const client = new Client(debugMiddleware()(app));
  const page = await client.get("/boom");
  assert.equal(page.status, 500);
  assert.match(await page.text(), /RangeError: out of range/);
  assert.ok(torn[0] instanceof RangeError, "teardown ran first");
  assert.equal((await client.get("/missing")).status, 404);
});

Deno.test("sessions live in a signed cookie: two app instances (two workers) share them", async () => {
  const make = () =>
    new App({ config: { SECRET_KEY: "s3cret" } })
      .get("/count", async function count(c) {
        const session = await c.session();
        const n = (session.get<number>("n") ?? 0) + 1;
        session.set("n", n);
        return String(n);
      });
  const one = make();
  const two = make();
  const client = one.testClient();
  assert.equal(await (await client.get("/count")).text(), "1");
  assert.equal(await (await client.get("/count")).text(), "2");
  const cookie = client.cookies.get("session");
  assert.ok(cookie, "a session cookie was set");
  const other = two.testClient();
  other.cookies.set("session", cookie!);
  assert.equal(await (await other.get("/count")).text(), "3", "the other worker reads it");
  const forged = two.testClient();
  forged.cookies.set("session", cookie!.replace(/.$/, (ch: string) => (ch === "A" ? "B" : "A")));
  assert.equal(await (await forged.get("/count")).text(), "1", "a tampered cookie is no session");
});

Deno.test("flash messages survive one redirect and are shown once", async () => {
  const app = new App({ config: { SECRET_KEY: "k" } })
    .post("/save", async function save(c) {
      await c.flash("Saved.", "success");
      return Response.redirect(new URL("/", c.request.url), 303);
    })
    .get("/", async function index(c) {
      return JSON.stringify(await c.flashed({ withCategories: true }));
    });
  const client = app.testClient({ followRedirects: true });
  assert.equal(await (await client.post("/save")).text(), '[["success","Saved."]]');
  assert.equal(await (await client.get("/")).text(), "[]");
});

Deno.test("CSRF: unsafe methods need the session's token; routes can opt out; no key fails startup", async () => {
  const app = new App({ config: { SECRET_KEY: "k" }, csrf: true })
    .get("/form", async function form(c) {
      return await c.csrfToken();
    })
    .post("/submit", function submit() {
      return "accepted";
    })
    .post("/hook", function hook() {
      return "webhook";
    }, { csrf: false });
  const client = app.testClient();
  const missing = await client.post("/submit", { form: { title: "x" } });
  assert.equal(missing.status, 400);
  assert.match(await missing.text(), /The CSRF token is missing/);
  const token = await (await client.get("/form")).text();
  assert.equal(
    await (await client.post("/submit", { form: { csrf_token: token } })).text(),
    "accepted",
  );
  assert.equal(
    await (await client.post("/submit", { headers: { "x-csrftoken": token } })).text(),
    "accepted",
  );
  const stranger = app.testClient();
  const stolen = await stranger.post("/submit", { form: { csrf_token: token } });
  assert.equal(stolen.status, 400, "a token from another session is refused");
  assert.equal(await (await stranger.post("/hook")).text(), "webhook");
  await assert.rejects(() => new App({ csrf: true }).startup(), /sessions need SECRET_KEY/);
});

Deno.test("changing a session without SECRET_KEY is a 500 whose log says how to fix it", async () => {
  const logged: string[] = [];
  const app = new App({ onError: (error) => logged.push(String(error)) })
    .get("/", async function index(c) {
      (await c.session()).set("user", 1);
      return "ok";
    });
  assert.equal((await app.testClient().get("/")).status, 500);
  assert.match(logged.join("\n"), /SECRET_KEY|secretKey/);
});

Deno.test("templates: render with a layout, url_for, flashes, csrf_token; a blueprint's folder comes after the app's", async () => {
  const root = await Deno.makeTempDir({ prefix: "ngw2f-framework-" });
  try {
    await Deno.mkdir(`${root}/templates`);
    await Deno.mkdir(`${root}/bp_templates`);
    await Deno.writeTextFile(
      `${root}/templates/layout.html`,
      "<title>{% block title %}{% endblock %}</title>{% for m in get_flashed_messages() %}<p>{{ m }}</p>{% endfor %}{% block body %}{% endblock %}",
    );
    await Deno.writeTextFile(
      `${root}/bp_templates/notes.html`,
      '{% extends "layout.html" %}{% block title %}Notes{% endblock %}{% block body %}<a href="{{ url_for(\'notes.list\', page=2) }}">{{ who }}</a><input name="csrf_token" value="{{ csrf_token() }}">{% endblock %}',
    );
    const notes = new Blueprint("notes", { urlPrefix: "/notes", templateFolder: "bp_templates" })
      .get("/", async function list(c) {
        await c.flash("<hello>");
        return await c.render("notes.html", { who: "<b>ada</b>" });
      });
    const app = new App({ root, config: { SECRET_KEY: "k" }, csrf: true }).register(notes);
    const client = app.testClient();
    const first = await client.get("/notes/");
    const html = await first.text();
    assert.match(html, /<title>Notes<\/title>/);
    assert.match(html, /<a href="\/notes\/\?page=2">&lt;b&gt;ada&lt;\/b&gt;<\/a>/);
    assert.match(html, /name="csrf_token" value="[^"]{20,}"/);
    assert.match(html, /<p>&lt;hello&gt;<\/p>/, "the flash of this request, escaped");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("tests reach the session (sessionTransaction) and run one request (app.request)", async () => {
  const app = new App({ config: { SECRET_KEY: "k" } })
    .get("/me", async function me(c) {
      return { user: (await c.session()).get("user") ?? null };
    })
    .get("/logout", async function logout(c) {
      (await c.session()).clear();
      return "bye";
    });
  const client = app.testClient();
  await app.sessionTransaction(client, (session) => {
    session.set("user", "ada");
  });
  assert.deepEqual(await (await client.get("/me")).json(), { user: "ada" });
  let seen: unknown;
  await app.sessionTransaction(client, (session) => {
    seen = session.get("user");
  });
  assert.equal(seen, "ada");
  assert.equal(await (await client.get("/logout")).text(), "bye");
  assert.deepEqual(await (await client.get("/me")).json(), { user: null });
  const response = await app.request("/me");
  assert.deepEqual(await response.json(), { user: null });
  assert.equal((await app.request(new Request("http://localhost/x"))).status, 404);
});

Deno.test("startup and shutdown hooks, a blueprint's beforeAppRequest, a 500 handler's InternalServerError, config limits", async () => {
  const events: string[] = [];
  const bp = new Blueprint("bp").beforeAppRequest((c) => {
    c.g.seen = true;
  });
  const app = new App<{ seen: boolean }>({
    onError: () => {},
    config: { MAX_CONTENT_LENGTH: 10, LIMIT: 3 },
    configSchema: { LIMIT: { type: "integer", default: 1 } },
  })
    .onStartup(() => {
      events.push("start");
    })
    .onShutdown(() => {
      events.push("stop");
    })
    .errorHandler(
      500,
      (_c, error) => [`500 because ${((error as Error).cause as Error).message}`, 500],
    )
    .get("/", function index(c) {
      return `seen ${c.g.seen}`;
    })
    .get("/boom", function boom() {
      throw new TypeError("broken");
    })
    .post("/upload", async function upload(c) {
      return (await c.request.bytes()).length.toString();
    })
    .register(bp);
  await app.startup();
  await app.shutdown();
  assert.deepEqual(events, ["start", "stop"]);
  assert.equal(app.config.get("LIMIT"), 3);
  const client = app.testClient();
  assert.equal(await (await client.get("/")).text(), "seen true");
  assert.equal(await (await client.get("/boom")).text(), "500 because broken");
  assert.equal((await client.post("/upload", { body: "0123456789abc" })).status, 413);
  assert.equal(await (await client.post("/upload", { body: "0123" })).text(), "4");
});
