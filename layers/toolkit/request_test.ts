import assert from "node:assert/strict";
import { type Context, type ContextInit, testContext } from "../gateway/mod.ts";
import { MultiDictFrozenError } from "./datastructures/multi_dict.ts";
import { BadRequest, ContentTooLarge, UnsupportedMediaType } from "./exceptions.ts";
import { RequestWrapper } from "./request.ts";

/** The test Context, its peer at 10.0.0.2 (an address the trusted-proxy tests can trust). */
function context(overrides: Partial<ContextInit> = {}): Context {
  return testContext({
    remoteAddr: { transport: "tcp", hostname: "10.0.0.2", port: 50123 },
    ...overrides,
  });
}

function wrap(url: string, init?: RequestInit, ctx?: Context) {
  return new RequestWrapper(new Request(url, init), ctx);
}

Deno.test("RequestWrapper gives method, url, path, fullPath and args", () => {
  const request = wrap("http://example.com:8080/a/b%20c?x=1&y=%C3%A9&x=2", { method: "PUT" });
  assert.equal(request.method, "PUT");
  assert.equal(request.url.href, "http://example.com:8080/a/b%20c?x=1&y=%C3%A9&x=2");
  assert.equal(request.url, request.url);
  assert.equal(request.path, "/a/b%20c");
  assert.equal(request.rootPath, "");
  assert.equal(request.queryString, "x=1&y=%C3%A9&x=2");
  assert.equal(request.fullPath, "/a/b%20c?x=1&y=%C3%A9&x=2");
  assert.deepEqual(request.args.getAll("x"), ["1", "2"]);
  assert.equal(request.args.get("y"), "é");
  assert.equal(request.host, "example.com:8080");
  assert.equal(request.headers, request.request.headers);
});

Deno.test("RequestWrapper.args decodes exactly like URLSearchParams", () => {
  const queries = [
    "a=1&b",
    "a+b=c+d",
    "%zz=%E0%A4%A",
    "=x",
    "&&a=1&&",
    "a=b=c",
    "x=%2B+%20",
    "é=ü",
    "a=%F0%9F%98%80",
    "a=%",
    "%41%42=%ZZ%41",
    "",
  ];
  for (const query of queries) {
    const expected = [...new URL(`http://x/p?${query}`).searchParams];
    assert.deepEqual([...wrap(`https://x/p?${query}#f`).args], expected, query);
  }
});

Deno.test("RequestWrapper.path and queryString ignore the fragment", () => {
  const request = wrap("http://x/a%2Fb?c=1#frag?d=2");
  assert.equal(request.path, "/a%2Fb");
  assert.equal(request.queryString, "c=1");
  assert.equal(wrap("http://x/a#f?b").queryString, "");
  assert.equal(wrap("http://x?q=1").path, "/");
  assert.equal(wrap("http://x?q=1").args.get("q"), "1");
});

Deno.test("RequestWrapper.fullPath keeps the ? without a query, like Werkzeug", () => {
  assert.equal(wrap("http://x/p").fullPath, "/p?");
});

Deno.test("RequestWrapper.path strips ctx.rootPath at a segment boundary", () => {
  const ctx = context({ rootPath: "/app" });
  assert.equal(wrap("http://x/app/users", undefined, ctx).path, "/users");
  assert.equal(wrap("http://x/app", undefined, ctx).path, "/");
  assert.equal(wrap("http://x/application", undefined, ctx).path, "/application");
  assert.equal(wrap("http://x/app/users", undefined, ctx).rootPath, "/app");
});

Deno.test("RequestWrapper.args is read-only and cached", () => {
  const request = wrap("http://x/?a=1");
  assert.equal(request.args, request.args);
  assert.throws(() => request.args.add("a", "2"), MultiDictFrozenError);
});

Deno.test("RequestWrapper parses nothing until an accessor is read", () => {
  let urlReads = 0;
  let headerReads = 0;
  class Spy extends Request {
    override get url(): string {
      urlReads++;
      return super.url;
    }
    override get headers(): Headers {
      headerReads++;
      return super.headers;
    }
  }
  const request = new RequestWrapper(new Spy("http://x/?a=1", { headers: { cookie: "c=1" } }));
  assert.equal(urlReads + headerReads, 0);
  assert.equal(request.args.get("a"), "1");
  assert.equal(request.args.get("a"), "1");
  assert.equal(request.path, "/");
  assert.equal(urlReads, 1);
  assert.equal(headerReads, 0);
  assert.equal(request.cookies.get("c"), "1");
  assert.equal(request.cookies.get("c"), "1");
  assert.equal(headerReads, 1);
});

Deno.test("RequestWrapper.cookies keeps repeated names and is read-only", () => {
  const request = wrap("http://x/", { headers: { cookie: "a=1; b=x%20y; a=2" } });
  assert.deepEqual(request.cookies.getAll("a"), ["1", "2"]);
  assert.equal(request.cookies.get("b"), "x y");
  assert.throws(() => request.cookies.set("a", "3"), MultiDictFrozenError);
  assert.equal(wrap("http://x/").cookies.size, 0);
});

Deno.test("RequestWrapper parses the Accept* headers", () => {
  const request = wrap("http://x/", {
    headers: {
      accept: "text/html;q=0.5, application/json",
      "accept-language": "de-CH, en;q=0.5",
      "accept-encoding": "gzip, br;q=0.8",
      "accept-charset": "utf-8",
    },
  });
  assert.equal(request.accept.best(["text/html", "application/json"]), "application/json");
  assert.equal(request.accept, request.accept);
  assert.equal(request.acceptLanguages.best(["en", "de"]), "de");
  assert.equal(request.acceptEncodings.best(["br", "gzip"]), "gzip");
  assert.equal(request.acceptCharsets.best(["latin1", "utf-8"]), "utf-8");
  assert.equal(wrap("http://x/").accept.best(["text/html"]), "text/html");
});

Deno.test("RequestWrapper.authorization parses credentials or gives null", () => {
  const basic = wrap("http://x/", {
    headers: { authorization: "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==" },
  });
  assert.deepEqual(basic.authorization, {
    type: "basic",
    username: "Aladdin",
    password: "open sesame",
  });
  const bearer = wrap("http://x/", { headers: { authorization: "Bearer abc.def" } });
  assert.deepEqual(bearer.authorization, { type: "bearer", token: "abc.def" });
  assert.equal(wrap("http://x/").authorization, null);
  assert.equal(wrap("http://x/", { headers: { authorization: "Basic !!!" } }).authorization, null);
});

Deno.test("RequestWrapper.cacheControl parses the request directives", () => {
  const request = wrap("http://x/", { headers: { "cache-control": "no-cache, max-age=0" } });
  assert.equal(request.cacheControl.noCache, true);
  assert.equal(request.cacheControl.maxAge, 0);
  assert.equal(wrap("http://x/").cacheControl.noCache, false);
});

Deno.test("RequestWrapper gives the conditional headers parsed", () => {
  const date = "Sun, 06 Nov 1994 08:49:37 GMT";
  const request = wrap("http://x/", {
    headers: {
      "if-match": '"a", W/"b"',
      "if-none-match": "*",
      "if-modified-since": date,
      "if-unmodified-since": "garbage",
      range: "bytes=0-99, -10",
      "if-range": '"a"',
    },
  });
  assert.deepEqual(request.ifMatch.strong, ["a"]);
  assert.deepEqual(request.ifMatch.weak, ["b"]);
  assert.ok(request.ifNoneMatch.star);
  assert.equal(request.ifModifiedSince?.getTime(), Date.UTC(1994, 10, 6, 8, 49, 37));
  assert.equal(request.ifUnmodifiedSince, null);
  assert.deepEqual(request.range, [{ start: 0, end: 99 }, { suffix: 10 }]);
  assert.deepEqual(request.ifRange, { etag: "a", weak: false });
  const bare = wrap("http://x/");
  assert.ok(bare.ifMatch.isEmpty && bare.ifNoneMatch.isEmpty);
  assert.equal(bare.range, null);
  assert.equal(bare.ifRange, null);
  assert.equal(wrap("http://x/", { headers: { range: "bytes=x" } }).range, null);
});

Deno.test("RequestWrapper gives content type, mimetype, params and length", () => {
  const request = wrap("http://x/", {
    method: "POST",
    body: "{}",
    headers: { "content-type": "Application/JSON; charset=UTF-8", "content-length": "2" },
  });
  assert.equal(request.contentType, "Application/JSON; charset=UTF-8");
  assert.equal(request.mimetype, "application/json");
  assert.deepEqual(request.mimetypeParams, { charset: "UTF-8" });
  assert.equal(request.contentLength, 2);
  assert.ok(request.isJson);
  const bare = wrap("http://x/");
  assert.equal(bare.contentType, null);
  assert.equal(bare.mimetype, "");
  assert.deepEqual(bare.mimetypeParams, {});
  assert.equal(bare.contentLength, null);
  assert.ok(!bare.isJson);
  assert.equal(wrap("http://x/", { headers: { "content-length": "-1" } }).contentLength, null);
});

Deno.test("RequestWrapper.isJson accepts +json types only", () => {
  const of = (type: string) => wrap("http://x/", { headers: { "content-type": type } }).isJson;
  assert.ok(of("application/problem+json"));
  assert.ok(!of("text/json"));
  assert.ok(!of("application/jsonx"));
});

Deno.test("RequestWrapper takes scheme from ctx, or the URL without one", () => {
  assert.equal(wrap("http://x/", undefined, context({ scheme: "https" })).scheme, "https");
  assert.ok(wrap("http://x/", undefined, context({ scheme: "https" })).isSecure);
  assert.equal(wrap("https://x/").scheme, "https");
  assert.ok(!wrap("http://x/", undefined, context()).isSecure);
});

Deno.test("RequestWrapper.remoteAddr is the peer, or null without ctx or for unix sockets", () => {
  const headers = { "x-forwarded-for": "1.2.3.4" };
  assert.equal(wrap("http://x/", { headers }, context()).remoteAddr, "10.0.0.2");
  assert.equal(wrap("http://x/", { headers }).remoteAddr, null);
  const unix = context({ remoteAddr: { transport: "unix", path: "/tmp/s" } });
  assert.equal(wrap("http://x/", undefined, unix).remoteAddr, null);
  const info = {
    remoteAddr: { transport: "tcp", hostname: "::1", port: 1 } as Deno.NetAddr,
    completed: Promise.resolve(),
  };
  assert.equal(new RequestWrapper(new Request("http://x/"), info).remoteAddr, "::1");
});

function behind(peer: string, xff: string | null, trustedProxies: readonly string[] | number) {
  const headers: HeadersInit = xff === null ? {} : { "x-forwarded-for": xff };
  const ctx = context({ remoteAddr: { transport: "tcp", hostname: peer, port: 1 } });
  return new RequestWrapper(new Request("http://x/", { headers }), ctx, { trustedProxies })
    .remoteAddr;
}

Deno.test("RequestWrapper.remoteAddr walks X-Forwarded-For past trusted CIDRs", () => {
  const trusted = ["10.0.0.0/8", "192.168.1.1", "fd00::/8"];
  assert.equal(behind("10.0.0.2", "203.0.113.7", trusted), "203.0.113.7");
  assert.equal(behind("10.0.0.2", "6.6.6.6, 203.0.113.7, 192.168.1.1", trusted), "203.0.113.7");
  assert.equal(behind("10.0.0.2", "10.1.1.1, 10.2.2.2", trusted), "10.1.1.1");
  assert.equal(behind("fd00::1", "2001:db8::5", trusted), "2001:db8::5");
  assert.equal(behind("10.0.0.2", "[2001:db8::5]:443", trusted), "2001:db8::5");
  assert.equal(behind("10.0.0.2", "203.0.113.7:5555", trusted), "203.0.113.7");
  assert.equal(behind("::ffff:10.0.0.2", "203.0.113.7", trusted), "203.0.113.7");
});

Deno.test("RequestWrapper.remoteAddr ignores X-Forwarded-For from an untrusted peer", () => {
  const trusted = ["10.0.0.0/8"];
  assert.equal(behind("203.0.113.9", "1.1.1.1", trusted), "203.0.113.9");
  assert.equal(behind("11.0.0.1", "1.1.1.1", trusted), "11.0.0.1");
  assert.equal(behind("10.0.0.2", null, trusted), "10.0.0.2");
});

Deno.test("RequestWrapper.remoteAddr stops at a malformed X-Forwarded-For entry", () => {
  const trusted = ["10.0.0.0/8"];
  assert.equal(behind("10.0.0.2", "1.1.1.1, <script>", trusted), "10.0.0.2");
  assert.equal(behind("10.0.0.2", "junk, 10.0.0.3", trusted), "10.0.0.3");
  assert.equal(behind("10.0.0.2", "999.1.1.1", trusted), "10.0.0.2");
  assert.equal(behind("10.0.0.2", "1:2:3:4:5:6:7:8:9", trusted), "10.0.0.2");
});

Deno.test("RequestWrapper.remoteAddr takes the Nth address from the right for a hop count", () => {
  assert.equal(behind("10.0.0.2", "6.6.6.6, 1.1.1.1, 2.2.2.2", 1), "2.2.2.2");
  assert.equal(behind("10.0.0.2", "6.6.6.6, 1.1.1.1, 2.2.2.2", 2), "1.1.1.1");
  assert.equal(behind("10.0.0.2", "2.2.2.2", 2), "10.0.0.2");
  assert.equal(behind("10.0.0.2", "bogus", 1), "10.0.0.2");
  assert.equal(behind("10.0.0.2", "2.2.2.2", 0), "10.0.0.2");
});

Deno.test("RequestWrapper.remoteAddr trusts unix-socket peers with unix:", () => {
  const ctx = context({ remoteAddr: { transport: "unix", path: "/run/proxy.sock" } });
  const request = new RequestWrapper(
    new Request("http://x/", { headers: { "x-forwarded-for": "203.0.113.7" } }),
    ctx,
    { trustedProxies: ["unix:"] },
  );
  assert.equal(request.remoteAddr, "203.0.113.7");
});

Deno.test("RequestWrapper() throws a RangeError for an invalid trusted proxy", () => {
  for (const bad of [["10.0.0.0/33"], ["nope"], ["10.0.0.0/"], ["::/129"], ["1.2.3.4/x"]]) {
    assert.throws(
      () => new RequestWrapper(new Request("http://x/"), undefined, { trustedProxies: bad }),
      RangeError,
      bad[0],
    );
  }
  assert.throws(
    () => new RequestWrapper(new Request("http://x/"), undefined, { trustedProxies: -1 }),
    RangeError,
  );
  const ok = ["0.0.0.0/0", "::/0", "::ffff:10.0.0.0/104", "2001:db8::/32", " 127.0.0.1 "];
  assert.ok(new RequestWrapper(new Request("http://x/"), undefined, { trustedProxies: ok }));
  assert.equal(behind("10.9.9.9", "1.1.1.1", ["::ffff:10.0.0.0/104"]), "1.1.1.1");
  assert.equal(behind("2001:db8::1", "1.1.1.1", ["::/0"]), "1.1.1.1");
});

Deno.test("RequestWrapper.isWebsocket needs GET, Upgrade: websocket and Connection: upgrade", () => {
  const headers = { upgrade: "WebSocket", connection: "keep-alive, Upgrade" };
  assert.ok(wrap("http://x/", { headers }).isWebsocket);
  assert.ok(!wrap("http://x/", { headers: { upgrade: "websocket" } }).isWebsocket);
  assert.ok(!wrap("http://x/", { method: "POST", headers }).isWebsocket);
  assert.ok(!wrap("http://x/").isWebsocket);
});

Deno.test("RequestWrapper.userAgent gives the header or null", () => {
  assert.equal(wrap("http://x/", { headers: { "user-agent": "curl/8" } }).userAgent, "curl/8");
  assert.equal(wrap("http://x/").userAgent, null);
});

function postJson(body: string, type = "application/json") {
  return wrap("http://x/", { method: "POST", body, headers: { "content-type": type } });
}

Deno.test("RequestWrapper.json() parses and caches the body", async () => {
  const request = postJson('{"a":[1,2]}');
  assert.deepEqual(await request.json(), { a: [1, 2] });
  assert.equal(await request.json(), await request.json());
  assert.equal(await request.text(), '{"a":[1,2]}');
});

Deno.test("RequestWrapper.json() throws 415 unless JSON-typed or forced", async () => {
  await assert.rejects(postJson("{}", "text/plain").json(), UnsupportedMediaType);
  assert.deepEqual(await postJson("{}", "text/plain").json({ force: true }), {});
});

Deno.test("RequestWrapper.json() throws 400 with a clear message on bad JSON", async () => {
  await assert.rejects(postJson("{bad").json(), (error: unknown) => {
    assert.ok(error instanceof BadRequest);
    assert.match(error.message, /^Cannot read the body as JSON: /);
    return true;
  });
  await assert.rejects(postJson("").json(), BadRequest);
});

Deno.test("RequestWrapper.bytes() and text() read once and cache", async () => {
  const request = postJson("héllo", "text/plain");
  const bytes = await request.bytes();
  assert.equal(bytes.byteLength, 6);
  assert.equal(await request.bytes(), bytes);
  assert.equal(await request.text(), "héllo");
  assert.equal((await wrap("http://x/").bytes()).byteLength, 0);
});

Deno.test("RequestWrapper.bytes() throws 413 past maxContentLength", async () => {
  const big = new RequestWrapper(
    new Request("http://x/", { method: "POST", body: "x".repeat(100) }),
    undefined,
    { maxContentLength: 10 },
  );
  await assert.rejects(big.bytes(), ContentTooLarge);
  const declared = new RequestWrapper(
    new Request("http://x/", {
      method: "POST",
      body: "x",
      headers: { "content-length": "100" },
    }),
    undefined,
    { maxContentLength: 10 },
  );
  await assert.rejects(declared.text(), /exceeds maxContentLength \(10 bytes\)/);
});

Deno.test("RequestWrapper.form() and files() parse once with the limits from options", async () => {
  const body = new FormData();
  body.append("name", "Ada");
  body.append("cv", new File(["x".repeat(2000)], "cv.txt"));
  const dir = await Deno.makeTempDir();
  try {
    const request = new RequestWrapper(
      new Request("http://x/", { method: "POST", body }),
      undefined,
      { spoolThreshold: 100, tempDir: dir },
    );
    const [form, files] = await Promise.all([request.form(), request.files()]);
    assert.equal(form.get("name"), "Ada");
    assert.equal(await request.form(), form);
    const cv = files.get("cv")!;
    assert.ok(cv.path?.startsWith(dir));
    await assert.rejects(request.bytes(), /form\(\) or files\(\) has already consumed it/);
    await request.close();
    await request.close();
    assert.equal(cv.path, undefined);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RequestWrapper.form() parses a body already read by bytes()", async () => {
  const request = wrap("http://x/", {
    method: "POST",
    body: "a=1&b=2",
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  assert.equal(await request.text(), "a=1&b=2");
  assert.deepEqual((await request.form()).toObject(), { a: "1", b: "2" });
});

Deno.test("RequestWrapper.form() rethrows the same parse error", async () => {
  const request = new RequestWrapper(
    new Request("http://x/", {
      method: "POST",
      body: "a=1&b=2&c=3",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    }),
    undefined,
    { maxFormParts: 2 },
  );
  await assert.rejects(request.form(), ContentTooLarge);
  await assert.rejects(request.files(), /maxFormParts \(2\)/);
  await request.close();
});

Deno.test("RequestWrapper removes spooled files when ctx.completed settles", async () => {
  let done!: () => void;
  const completed = new Promise<void>((resolve) => done = resolve);
  const body = new FormData();
  body.append("f", new File([new Uint8Array(5000)], "f.bin"));
  const request = new RequestWrapper(
    new Request("http://x/", { method: "POST", body }),
    context({ completed }),
    { spoolThreshold: 10 },
  );
  const file = (await request.files()).get("f")!;
  const path = file.path!;
  assert.ok((await Deno.stat(path)).isFile);
  done();
  await completed;
  // The removal runs asynchronously after `completed` settles: poll until the file is gone.
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    try {
      await Deno.stat(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) break;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
});

Deno.test("RequestWrapper supports await using to close", async () => {
  const body = new FormData();
  body.append("f", new File([new Uint8Array(5000)], "f.bin"));
  let path: string;
  {
    await using request = new RequestWrapper(
      new Request("http://x/", { method: "POST", body }),
      undefined,
      { spoolThreshold: 10 },
    );
    path = (await request.files()).get("f")!.path!;
  }
  await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
});
