import assert from "node:assert/strict";
import { testContext } from "../../gateway/mod.ts";
import { cors, type CorsOptions } from "./cors.ts";
import { withServer } from "./_test_util.ts";

function app(options: CorsOptions = {}, answer: () => Response = () => new Response("body")) {
  let calls = 0;
  const wrapped = cors(options)(() => {
    calls++;
    return answer();
  });
  return {
    calls: () => calls,
    fetch: (request: Request) => Promise.resolve(wrapped.fetch(request, testContext())),
  };
}

function preflight(origin: string, extra: Record<string, string> = {}): Request {
  return new Request("http://api.test/items", {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "PUT", ...extra },
  });
}

function corsHeaders(response: Response): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, value] of response.headers) {
    if (name.startsWith("access-control-") || name === "vary") found[name] = value;
  }
  return found;
}

Deno.test("cors() answers a preflight with 204 and every configured header", async () => {
  const subject = app({
    origin: "https://app.test",
    methods: ["get", "put"],
    allowHeaders: ["content-type", "x-token"],
    credentials: true,
    maxAge: 3600,
  });
  const response = await subject.fetch(preflight("https://app.test"));
  assert.equal(response.status, 204);
  assert.equal(response.body, null);
  assert.equal(subject.calls(), 0);
  assert.deepEqual(corsHeaders(response), {
    "access-control-allow-origin": "https://app.test",
    "access-control-allow-credentials": "true",
    "access-control-allow-methods": "GET, PUT",
    "access-control-allow-headers": "content-type, x-token",
    "access-control-max-age": "3600",
    vary: "Origin",
  });
});

Deno.test("cors() reflects the requested headers when allowHeaders is not set", async () => {
  const response = await app().fetch(
    preflight("https://a.test", { "access-control-request-headers": "x-one, x-two" }),
  );
  assert.deepEqual(corsHeaders(response), {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, HEAD, PUT, PATCH, POST, DELETE",
    "access-control-allow-headers": "x-one, x-two",
    vary: "Access-Control-Request-Headers",
  });
});

Deno.test("cors() sends no Allow-Headers when allowHeaders is empty", async () => {
  const response = await app({ allowHeaders: [] }).fetch(
    preflight("https://a.test", { "access-control-request-headers": "x-one" }),
  );
  assert.equal(response.headers.get("access-control-allow-headers"), null);
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
});

Deno.test("cors() sends * for a simple request when any origin is allowed", async () => {
  const response = await app({ exposeHeaders: ["x-total"] }).fetch(
    new Request("http://api.test/", { headers: { origin: "https://a.test" } }),
  );
  assert.equal(await response.text(), "body");
  assert.deepEqual(corsHeaders(response), {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "x-total",
  });
});

Deno.test("cors() reflects the origin instead of * when credentials are allowed", async () => {
  const response = await app({ credentials: true }).fetch(
    new Request("http://api.test/", { headers: { origin: "https://a.test" } }),
  );
  assert.deepEqual(corsHeaders(response), {
    "access-control-allow-origin": "https://a.test",
    "access-control-allow-credentials": "true",
    vary: "Origin",
  });
});

Deno.test("cors() sends no CORS headers to a disallowed origin", async () => {
  const subject = app({ origin: ["https://a.test", "https://B.test/"] });
  const simple = await subject.fetch(
    new Request("http://api.test/", { headers: { origin: "https://c.test" } }),
  );
  assert.deepEqual(corsHeaders(simple), { vary: "Origin" });
  const pre = await subject.fetch(preflight("https://c.test"));
  assert.equal(pre.status, 204);
  assert.deepEqual(corsHeaders(pre), { vary: "Origin" });
  const listed = await subject.fetch(
    new Request("http://api.test/", { headers: { origin: "https://b.test" } }),
  );
  assert.equal(listed.headers.get("access-control-allow-origin"), "https://b.test");
});

Deno.test("cors() matches origins with a RegExp, even a global one", async () => {
  const subject = app({ origin: /^https:\/\/[a-z]+\.example\.com$/g });
  for (let i = 0; i < 3; i++) {
    const response = await subject.fetch(
      new Request("http://api.test/", { headers: { origin: "https://shop.example.com" } }),
    );
    assert.equal(response.headers.get("access-control-allow-origin"), "https://shop.example.com");
  }
  const no = await subject.fetch(
    new Request("http://api.test/", { headers: { origin: "https://example.com.evil" } }),
  );
  assert.equal(no.headers.get("access-control-allow-origin"), null);
});

Deno.test("cors() asks a function, which may allow, refuse or name the origin", async () => {
  const subject = app({
    origin: (origin, request) =>
      origin === "https://yes.test" ||
      (new URL(request.url).pathname === "/fixed" ? "https://fixed.test" : false),
  });
  const ask = (origin: string, path = "/") =>
    subject.fetch(new Request(`http://api.test${path}`, { headers: { origin } }))
      .then((response) => response.headers.get("access-control-allow-origin"));
  assert.equal(await ask("https://yes.test"), "https://yes.test");
  assert.equal(await ask("https://no.test"), null);
  assert.equal(await ask("https://no.test", "/fixed"), "https://fixed.test");
});

Deno.test("cors() answers Private Network Access preflights when enabled", async () => {
  const request = () =>
    preflight("https://a.test", { "access-control-request-private-network": "true" });
  const on = await app({ privateNetwork: true }).fetch(request());
  assert.equal(on.headers.get("access-control-allow-private-network"), "true");
  const off = await app().fetch(request());
  assert.equal(off.headers.get("access-control-allow-private-network"), null);
});

Deno.test("cors() passes a preflight to the app with preflightContinue", async () => {
  const subject = app(
    { preflightContinue: true, origin: "https://a.test" },
    () => new Response(null, { status: 200, headers: { allow: "GET, PUT" } }),
  );
  const response = await subject.fetch(preflight("https://a.test"));
  assert.equal(subject.calls(), 1);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("allow"), "GET, PUT");
  assert.equal(response.headers.get("access-control-allow-origin"), "https://a.test");
  assert.equal(
    response.headers.get("access-control-allow-methods"),
    "GET, HEAD, PUT, PATCH, POST, DELETE",
  );
});

Deno.test("cors() treats OPTIONS without Access-Control-Request-Method as a request", async () => {
  const subject = app();
  const response = await subject.fetch(
    new Request("http://api.test/", { method: "OPTIONS", headers: { origin: "https://a.test" } }),
  );
  assert.equal(subject.calls(), 1);
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  assert.equal(response.headers.get("access-control-allow-methods"), null);
});

Deno.test("cors() adds Vary: Origin without an Origin unless any origin is allowed", async () => {
  const plain = await app().fetch(new Request("http://api.test/"));
  assert.deepEqual(corsHeaders(plain), {});
  const listed = await app(
    { origin: "https://a.test" },
    () => new Response("x", { headers: { vary: "Accept-Encoding" } }),
  ).fetch(
    new Request("http://api.test/"),
  );
  assert.deepEqual(corsHeaders(listed), { vary: "Accept-Encoding, Origin" });
});

Deno.test("cors() adds headers to a response with immutable headers", async () => {
  const response = await app({}, () => Response.json({ ok: true }, { status: 201 })).fetch(
    new Request("http://api.test/", { headers: { origin: "https://a.test" } }),
  );
  const frozen = await app({}, () => Response.redirect("http://api.test/b", 307)).fetch(
    new Request("http://api.test/", { headers: { origin: "https://a.test" } }),
  );
  assert.equal(response.status, 201);
  assert.deepEqual(await response.json(), { ok: true });
  assert.equal(frozen.status, 307);
  assert.equal(frozen.headers.get("access-control-allow-origin"), "*");
});

Deno.test("cors() rejects an origin option of the wrong kind and a negative maxAge", () => {
  assert.throws(() => cors({ origin: 42 as unknown as string }), /Cannot create cors/);
  assert.throws(() => cors({ maxAge: -1 }), /"maxAge" must be 0 or more/);
});

Deno.test("cors() works under the gateway's server", async () => {
  const served = cors({ origin: "https://a.test" })(() => new Response("hi"));
  await withServer(served, async (base) => {
    const pre = await fetch(`${base}/`, {
      method: "OPTIONS",
      headers: { origin: "https://a.test", "access-control-request-method": "POST" },
    });
    await pre.body?.cancel();
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "https://a.test");
    const response = await fetch(`${base}/`, { headers: { origin: "https://a.test" } });
    assert.equal(await response.text(), "hi");
    assert.equal(response.headers.get("access-control-allow-origin"), "https://a.test");
  });
});
