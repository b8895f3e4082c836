import assert from "node:assert/strict";
import { type Handler, testContext } from "../../gateway/mod.ts";
import { lint, type LintOptions } from "./lint.ts";
import { recordingLogger, withServer } from "./_test_util.ts";

const TEXT = { "content-type": "text/plain; charset=utf-8" };

/** Runs one request through lint(app), reads the body, returns the warnings logged. */
async function warnings(
  handler: Handler,
  request: Request = new Request("http://x/page"),
  options: LintOptions = {},
): Promise<string[]> {
  const log = recordingLogger();
  const response = await lint(options)(handler).fetch(request, testContext({ log }));
  await response.text().catch(() => {});
  return log.lines;
}

/** Asserts exactly one warning was logged and it matches `pattern`. */
function one(lines: string[], pattern: RegExp): void {
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], pattern);
}

Deno.test("lint() logs nothing for a clean app", async () => {
  const clean: Handler = async (request) => {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/post":
        return new Response(`got ${(await request.text()).length}`, { headers: TEXT });
      case "/head":
        return new Response(null, { headers: { ...TEXT, "content-length": "5" } });
      case "/304":
        return new Response(null, { status: 304, headers: { etag: 'W/"x"', vary: "Accept" } });
      case "/redirect":
        return new Response(null, { status: 303, headers: { location: "../other?q=1#top" } });
      case "/cookie":
        return new Response("ok", {
          headers: { ...TEXT, "set-cookie": "sid=1; Path=/; HttpOnly", etag: '"abc"' },
        });
      default:
        return new Response("hello", { headers: { ...TEXT, "content-length": "5" } });
    }
  };
  const requests = [
    new Request("http://x/"),
    new Request("http://x/post", { method: "POST", body: "data" }),
    new Request("http://x/post", { method: "POST" }),
    new Request("http://x/head", { method: "HEAD" }),
    new Request("http://x/304"),
    new Request("http://x/redirect"),
    new Request("http://x/cookie"),
  ];
  for (const request of requests) {
    assert.deepEqual(await warnings(clean, request), [], request.url);
  }
});

Deno.test("lint() warns once about a body on the answer to HEAD", async () => {
  one(
    await warnings(
      () => new Response("hello", { headers: TEXT }),
      new Request("http://x/", { method: "HEAD" }),
    ),
    /^warn: HTTP lint: the answer to HEAD has a body; servers drop it, use null \(HEAD \/\)$/,
  );
});

Deno.test("lint() warns once about representation headers on a 304", async () => {
  one(
    await warnings(() =>
      new Response(null, {
        status: 304,
        headers: { ...TEXT, "content-encoding": "gzip", etag: '"v"', "content-length": "10" },
      })
    ),
    /304 response has representation headers it should not send: content-type, content-encoding/,
  );
});

Deno.test("lint() warns once about an unquoted ETag", async () => {
  for (const etag of ["abc", "W/abc", '"a"b"', 'w/"a"']) {
    one(
      await warnings(() => new Response("x", { headers: { ...TEXT, etag } })),
      /ETag .* is not a quoted entity tag/,
    );
  }
});

Deno.test("lint() warns once about a Location that is not a URL reference", async () => {
  for (const location of ["http://[bad/", "/a b", "http://x/\u00e9", ""]) {
    one(
      await warnings(() => new Response(null, { status: 302, headers: { location } })),
      /^warn: HTTP lint: Location .* is not a valid URL reference \(GET \/page\)$/,
    );
  }
  for (const location of ["https://example.com/x", "/abs", "rel", "?q", "//cdn.example/x"]) {
    assert.deepEqual(
      await warnings(() => new Response(null, { status: 302, headers: { location } })),
      [],
      location,
    );
  }
});

Deno.test("lint() warns once about a header value with non-ASCII characters", async () => {
  one(
    await warnings(() =>
      new Response("x", {
        headers: { ...TEXT, "content-disposition": 'attachment; filename="caf\u00e9.txt"' },
      })
    ),
    /header "content-disposition" has non-ASCII characters/,
  );
});

Deno.test("lint() warns about header values Headers would refuse", async () => {
  // Headers rejects CR, LF and non-Latin-1 itself; a response object with raw headers does not.
  // A bodiless 204, so validate() passes the response on as it is.
  const response = new Response(null, { status: 204 });
  const raw = new Headers();
  Object.defineProperty(response, "headers", {
    value: {
      get: (name: string) => raw.get(name),
      has: (name: string) => raw.has(name),
      getSetCookie: () => [],
      *[Symbol.iterator]() {
        yield* raw;
        yield ["x-bad", "a\r\nInjected: 1"];
        yield ["x-wide", "\u20ac"];
      },
    },
  });
  const log = recordingLogger();
  await lint()(() => response).fetch(new Request("http://x/"), testContext({ log }));
  const ours = log.lines.filter((line) => line.includes("HTTP lint"));
  assert.deepEqual(ours, [
    'warn: HTTP lint: header "x-bad" has CR, LF, NUL or characters outside Latin-1 (GET /)',
    'warn: HTTP lint: header "x-wide" has CR, LF, NUL or characters outside Latin-1 (GET /)',
  ]);
});

Deno.test("lint() warns once about a Set-Cookie without Path", async () => {
  const lines = await warnings(() => {
    const headers = new Headers(TEXT);
    headers.append("set-cookie", "a=1; Path=/");
    headers.append("set-cookie", "theme=dark; Max-Age=60");
    return new Response("x", { headers });
  });
  one(lines, /Set-Cookie "theme" has no Path/);
});

Deno.test("lint() warns once about an unread request body with a 2xx", async () => {
  const post = () => new Request("http://x/form", { method: "POST", body: "a=1" });
  one(
    await warnings(() => new Response("ok", { headers: TEXT }), post()),
    /^warn: HTTP lint: the app answered 200 without reading the POST body \(POST \/form\)$/,
  );
  assert.deepEqual(
    await warnings(() => new Response("ok", { headers: TEXT }), post(), { unreadBody: false }),
    [],
  );
  assert.deepEqual(
    await warnings(() => new Response("no", { status: 400, headers: TEXT }), post()),
    [],
  );
  // An echo reads the body while the response streams (a stream, as a server passes it).
  const streamed = new Request("http://x/form", {
    method: "POST",
    body: new Blob(["a=1"]).stream(),
    duplex: "half",
  } as RequestInit);
  assert.deepEqual(
    await warnings((request) => new Response(request.body, { headers: TEXT }), streamed),
    [],
  );
  one(
    await warnings(() => new Response(null, { status: 204 }), post()),
    /answered 204 without reading the POST body/,
  );
});

Deno.test("lint() reports contract breaches through validate() once each", async () => {
  one(
    await warnings(() => new Response(new Uint8Array([1]))),
    /^warn: Gateway contract broken by the app: .*has no content-type header$/,
  );
  one(
    await warnings(() => new Response("hello", { headers: { ...TEXT, "content-length": "9" } })),
    /Gateway contract broken by the app: response body is 5 bytes but its content-length is 9/,
  );
  one(
    await warnings(() => new Response("x", { headers: { ...TEXT, connection: "close" } })),
    /hop-by-hop header "connection"/,
  );
});

Deno.test("lint() passes the response and the lifespan hooks through", async () => {
  const calls: string[] = [];
  const app = lint()({
    fetch: () => new Response("body", { status: 201, headers: TEXT }),
    startup: () => void calls.push("startup"),
    shutdown: () => void calls.push("shutdown"),
  });
  const response = await app.fetch(new Request("http://x/"), testContext());
  assert.equal(response.status, 201);
  assert.equal(await response.text(), "body");
  await app.startup?.({ workerId: 1, workerCount: 1, serverAddrs: [], log: testContext().log });
  await app.shutdown?.();
  assert.deepEqual(calls, ["startup", "shutdown"]);
});

Deno.test("lint() works under the gateway's server", async () => {
  const log = recordingLogger();
  const app = lint()(() => new Response("x", { headers: { ...TEXT, etag: "bare" } }));
  await withServer(app, async (base) => {
    const response = await fetch(`${base}/s`);
    assert.equal(await response.text(), "x");
  }, { log });
  one(log.lines, /^warn: HTTP lint: ETag "bare" is not a quoted entity tag .*\(GET \/s\)$/);
});
