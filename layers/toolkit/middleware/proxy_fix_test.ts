import assert from "node:assert/strict";
import { type Context, isContext, testContext, validate } from "../../gateway/mod.ts";
import { PROXY_FIX_ORIGINAL, proxyFix, type ProxyFixOriginal } from "./proxy_fix.ts";
import { withServer } from "./_test_util.ts";

interface Seen {
  request: Request;
  ctx: Context;
}

function probe(options: Parameters<typeof proxyFix>[0] = {}) {
  const seen: Seen[] = [];
  const app = proxyFix(options)({
    fetch(request, ctx) {
      seen.push({ request, ctx });
      return new Response("ok", { headers: { "content-type": "text/plain" } });
    },
  });
  return { app, seen };
}

function hostOf(addr: Deno.Addr): string {
  return (addr as Deno.NetAddr).hostname;
}

Deno.test("proxyFix() passes the request and context untouched when no header is set", async () => {
  const { app, seen } = probe({ for: 1, proto: 1, host: 1, port: 1, prefix: 1 });
  const request = new Request("http://example.com/a");
  const ctx = testContext();
  await app.fetch(request, ctx);
  assert.equal(seen[0].request, request);
  assert.equal(seen[0].ctx, ctx);
  assert.equal(ctx.state.has(PROXY_FIX_ORIGINAL), false);
});

Deno.test("proxyFix() uses the Nth value from the right when N hops are trusted", async () => {
  const { app, seen } = probe({ for: 2, proto: 2 });
  const request = new Request("http://example.com/a", {
    headers: {
      "x-forwarded-for": "1.1.1.1, 2.2.2.2, 3.3.3.3",
      "x-forwarded-proto": "http, https, http",
    },
  });
  await app.fetch(request, testContext());
  assert.equal(hostOf(seen[0].ctx.remoteAddr), "2.2.2.2");
  assert.equal(seen[0].ctx.scheme, "https");
  assert.equal(seen[0].request.url, "https://example.com/a");
});

Deno.test("proxyFix() ignores a header with fewer values than trusted hops", async () => {
  const { app, seen } = probe({ for: 3 });
  await app.fetch(
    new Request("http://x/", { headers: { "x-forwarded-for": "1.1.1.1, 2.2.2.2" } }),
    testContext(),
  );
  assert.equal(hostOf(seen[0].ctx.remoteAddr), "127.0.0.1");
});

Deno.test("proxyFix() reads several header lines as one list", async () => {
  const { app, seen } = probe({ for: 2 });
  const headers = new Headers();
  headers.append("x-forwarded-for", "1.1.1.1");
  headers.append("x-forwarded-for", "2.2.2.2");
  await app.fetch(new Request("http://x/", { headers }), testContext());
  assert.equal(hostOf(seen[0].ctx.remoteAddr), "1.1.1.1");
});

Deno.test("proxyFix() accepts IPv6 and addresses with ports in X-Forwarded-For", async () => {
  const cases: [string, string, number][] = [
    ["2001:db8::1", "2001:db8::1", 0],
    ["[2001:DB8::1]:4711", "2001:db8::1", 4711],
    ["203.0.113.9:8080", "203.0.113.9", 8080],
    ["::ffff:1.2.3.4", "::ffff:102:304", 0],
  ];
  for (const [value, hostname, port] of cases) {
    const { app, seen } = probe();
    await app.fetch(
      new Request("http://x/", { headers: { "x-forwarded-for": value } }),
      testContext(),
    );
    assert.deepEqual(seen[0].ctx.remoteAddr, { transport: "tcp", hostname, port }, value);
  }
});

Deno.test("proxyFix() ignores malformed values", async () => {
  const bad: Record<string, string> = {
    "x-forwarded-for": "unknown",
    "x-forwarded-proto": "ftp",
    "x-forwarded-host": "evil.com/path",
    "x-forwarded-port": "99999",
    "x-forwarded-prefix": "no-slash",
  };
  const more: Record<string, string>[] = [
    { "x-forwarded-for": "999.1.1.1" },
    { "x-forwarded-for": "1.2.3.4:0" },
    { "x-forwarded-for": "[::1" },
    { "x-forwarded-for": "_hidden" },
    { "x-forwarded-for": "1.2.3.4, " },
    { "x-forwarded-host": "user@evil.com" },
    { "x-forwarded-host": "a b" },
    { "x-forwarded-host": "host:" },
    { "x-forwarded-host": "host:0" },
    { "x-forwarded-port": "http" },
    { "x-forwarded-port": "0" },
    { "x-forwarded-prefix": "/a?b" },
    { "x-forwarded-prefix": "//x\\y" },
  ];
  for (const headers of [bad, ...more]) {
    const { app, seen } = probe({ for: 1, proto: 1, host: 1, port: 1, prefix: 1 });
    const request = new Request("http://example.com/a", { headers });
    const ctx = testContext();
    await app.fetch(request, ctx);
    assert.equal(seen[0].request, request, JSON.stringify(headers));
    assert.equal(seen[0].ctx, ctx, JSON.stringify(headers));
  }
});

Deno.test("proxyFix() sets the host and port of the URL and the Host header", async () => {
  const { app, seen } = probe({ host: 1, port: 1 });
  await app.fetch(
    new Request("http://internal:8000/p?q=1", {
      headers: { host: "internal:8000", "x-forwarded-host": "Example.COM:8443" },
    }),
    testContext(),
  );
  assert.equal(seen[0].request.url, "http://example.com:8443/p?q=1");
  assert.equal(seen[0].request.headers.get("host"), "example.com:8443");

  const second = probe({ host: 1, port: 1 });
  await second.app.fetch(
    new Request("http://internal:8000/", {
      headers: { "x-forwarded-host": "example.com", "x-forwarded-port": "443" },
    }),
    testContext(),
  );
  assert.equal(second.seen[0].request.url, "http://example.com:443/");

  const third = probe({ host: 1, proto: 1 });
  await third.app.fetch(
    new Request("http://internal:8000/", {
      headers: { "x-forwarded-host": "[2001:db8::1]", "x-forwarded-proto": "HTTPS" },
    }),
    testContext(),
  );
  assert.equal(third.seen[0].request.url, "https://[2001:db8::1]/");
});

Deno.test("proxyFix() sets ctx.rootPath from X-Forwarded-Prefix", async () => {
  const cases: [string, string][] = [["/app/", "/app"], ["/", ""], ["/café", "/caf%C3%A9"], [
    "/a b",
    "",
  ]];
  for (const [value, rootPath] of cases) {
    const { app, seen } = probe({ prefix: 1 });
    const request = new Request("http://x/users", { headers: { "x-forwarded-prefix": value } });
    await app.fetch(request, testContext());
    assert.equal(seen[0].ctx.rootPath, rootPath);
    assert.equal(seen[0].request, request);
  }
});

Deno.test("proxyFix() keeps the original values in ctx.state", async () => {
  const { app, seen } = probe({ for: 1, proto: 1, host: 1, prefix: 1 });
  const ctx = testContext({ rootPath: "/old" });
  await app.fetch(
    new Request("http://internal/a", {
      headers: {
        host: "internal",
        "x-forwarded-for": "9.9.9.9",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "example.com",
        "x-forwarded-prefix": "/new",
      },
    }),
    ctx,
  );
  const original = seen[0].ctx.state.get(PROXY_FIX_ORIGINAL) as ProxyFixOriginal;
  assert.deepEqual(original, {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 50123 },
    scheme: "http",
    url: "http://internal/a",
    host: "internal",
    rootPath: "/old",
  });
  assert.equal(seen[0].ctx.state, ctx.state);
  assert.equal(seen[0].ctx.rootPath, "/new");
  assert.equal(seen[0].request.url, "https://example.com/a");
});

Deno.test("proxyFix() gives a context that is still a gateway context", async () => {
  const { app, seen } = probe();
  const ctx = testContext();
  const checked = validate(app);
  const response = await checked.fetch(
    new Request("http://x/", { headers: { "x-forwarded-for": "1.2.3.4" } }),
    ctx,
  );
  await response.text();
  const derived = seen[0].ctx;
  assert.ok(isContext(derived));
  assert.equal(derived.signal, ctx.signal);
  assert.equal(derived.serverName, "localhost");
  assert.equal(derived.workerId, 1);
  let waited: Promise<unknown> | undefined;
  const spied = testContext({ waitUntil: (p) => waited = p });
  await app.fetch(new Request("http://x/", { headers: { "x-forwarded-for": "1.2.3.4" } }), spied);
  const work = Promise.resolve();
  seen[1].ctx.waitUntil(work);
  assert.equal(waited, work);
});

Deno.test("proxyFix() moves a request body to the rewritten request", async () => {
  const { app, seen } = probe({ proto: 1 });
  await app.fetch(
    new Request("http://x/", {
      method: "POST",
      body: "payload",
      headers: { "x-forwarded-proto": "https" },
    }),
    testContext(),
  );
  assert.equal(seen[0].request.method, "POST");
  assert.equal(await seen[0].request.text(), "payload");
});

Deno.test("proxyFix() rejects a negative or fractional hop count", () => {
  assert.throws(() => proxyFix({ for: -1 }), /Cannot create proxyFix: "for" must be/);
  assert.throws(() => proxyFix({ host: 1.5 }), /"host" must be a whole number/);
});

Deno.test("proxyFix() works under the gateway's server", async () => {
  const app = proxyFix({ for: 1, proto: 1 })({
    fetch: (request, ctx) =>
      new Response(`${hostOf(ctx.remoteAddr)} ${ctx.scheme} ${new URL(request.url).protocol}`),
  });
  await withServer(app, async (base) => {
    const response = await fetch(`${base}/`, {
      headers: { "x-forwarded-for": "198.51.100.4", "x-forwarded-proto": "https" },
    });
    assert.equal(await response.text(), "198.51.100.4 https https:");
  });
});
