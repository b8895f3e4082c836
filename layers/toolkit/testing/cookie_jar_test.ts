import assert from "node:assert/strict";
import { CookieJar, encodeCookieValue } from "./cookie_jar.ts";
import { defaultCookiePath, domainMatches, pathMatches } from "./cookie_match.ts";

function jarAt(start = 1_000_000_000_000) {
  let now = start;
  const jar = new CookieJar({ now: () => now });
  return { jar, advance: (ms: number) => (now += ms) };
}

Deno.test("storeSetCookie() keeps a host-only cookie from subdomains when Domain is absent", () => {
  const jar = new CookieJar();
  assert.ok(jar.storeSetCookie("http://example.com/", "a=1"));
  assert.equal(jar.headerFor("http://example.com/"), "a=1");
  assert.equal(jar.headerFor("http://www.example.com/"), undefined);
  assert.equal(jar.getCookie("a")?.hostOnly, true);
});

Deno.test("storeSetCookie() shares a cookie with subdomains when Domain is given", () => {
  const jar = new CookieJar();
  assert.ok(jar.storeSetCookie("http://www.example.com/", "a=1; Domain=.Example.COM"));
  const cookie = jar.getCookie("a")!;
  assert.equal(cookie.domain, "example.com");
  assert.equal(cookie.hostOnly, false);
  assert.equal(jar.headerFor("http://example.com/"), "a=1");
  assert.equal(jar.headerFor("http://api.example.com/"), "a=1");
  assert.equal(jar.headerFor("http://example.org/"), undefined);
  assert.equal(jar.headerFor("http://badexample.com/"), undefined);
});

Deno.test("storeSetCookie() ignores a cookie whose Domain does not cover the host", () => {
  const jar = new CookieJar();
  assert.ok(!jar.storeSetCookie("http://example.com/", "a=1; Domain=other.com"));
  assert.ok(!jar.storeSetCookie("http://example.com/", "b=1; Domain=www.example.com"));
  assert.ok(!jar.storeSetCookie("http://10.0.0.1/", "c=1; Domain=0.0.1"));
  assert.equal(jar.size, 0);
});

Deno.test("storeSetCookie() treats an empty Domain as absent", () => {
  const jar = new CookieJar();
  assert.ok(jar.storeSetCookie("http://example.com/", "a=1; Domain="));
  assert.equal(jar.getCookie("a")?.hostOnly, true);
});

Deno.test("storeSetCookie() uses the default path when Path is missing or relative", () => {
  const jar = new CookieJar();
  jar.storeSetCookie("http://localhost/account/login", "a=1");
  jar.storeSetCookie("http://localhost/account/login", "b=2; Path=relative");
  assert.equal(jar.getCookie("a")?.path, "/account");
  assert.equal(jar.getCookie("b")?.path, "/account");
  assert.equal(jar.headerFor("http://localhost/account"), "a=1; b=2");
  assert.equal(jar.headerFor("http://localhost/account/settings"), "a=1; b=2");
  assert.equal(jar.headerFor("http://localhost/accounting"), undefined);
  assert.equal(jar.headerFor("http://localhost/"), undefined);
});

Deno.test("headerFor() sends longer paths first, then older cookies", () => {
  const { jar, advance } = jarAt();
  jar.storeSetCookie("http://localhost/", "root=1; Path=/");
  advance(10);
  jar.storeSetCookie("http://localhost/", "deep=2; Path=/a/b");
  jar.storeSetCookie("http://localhost/", "mid=3; Path=/a");
  jar.storeSetCookie("http://localhost/", "root2=4; Path=/");
  assert.equal(jar.headerFor("http://localhost/a/b/c"), "deep=2; mid=3; root=1; root2=4");
});

Deno.test("storeSetCookie() keeps the creation order when a cookie is replaced", () => {
  const jar = new CookieJar();
  jar.storeSetCookie("http://localhost/", "a=1; Path=/");
  jar.storeSetCookie("http://localhost/", "b=1; Path=/");
  jar.storeSetCookie("http://localhost/", "a=2; Path=/");
  assert.equal(jar.headerFor("http://localhost/"), "a=2; b=1");
});

Deno.test("storeSetCookie() deletes a cookie when Max-Age is 0 or Expires is past", () => {
  const jar = new CookieJar();
  jar.storeSetCookie("http://localhost/", "a=1; Path=/");
  jar.storeSetCookie("http://localhost/", "b=1; Path=/");
  assert.ok(!jar.storeSetCookie("http://localhost/", "a=; Path=/; Max-Age=0"));
  assert.ok(
    !jar.storeSetCookie("http://localhost/", "b=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
  );
  assert.equal(jar.size, 0);
  // A deletion for another path leaves the cookie alone.
  jar.storeSetCookie("http://localhost/", "c=1; Path=/");
  jar.storeSetCookie("http://localhost/", "c=; Path=/x; Max-Age=0");
  assert.equal(jar.get("c"), "1");
});

Deno.test("headerFor() drops a cookie once its Max-Age or Expires has passed", () => {
  const { jar, advance } = jarAt(Date.UTC(2030, 0, 1));
  jar.storeSetCookie("http://localhost/", "short=1; Max-Age=60");
  jar.storeSetCookie("http://localhost/", "dated=1; Expires=Tue, 01 Jan 2030 00:02:00 GMT");
  jar.storeSetCookie(
    "http://localhost/",
    "both=1; Max-Age=600; Expires=Tue, 01 Jan 2030 00:00:01 GMT",
  );
  assert.equal(jar.headerFor("http://localhost/"), "short=1; dated=1; both=1");
  advance(61_000);
  assert.equal(jar.headerFor("http://localhost/"), "dated=1; both=1");
  advance(60_000);
  assert.equal(jar.headerFor("http://localhost/"), "both=1", "Max-Age wins over Expires");
  advance(600_000);
  assert.equal(jar.headerFor("http://localhost/"), undefined);
  assert.equal(jar.size, 0);
});

Deno.test("headerFor() sends a Secure cookie over https only", () => {
  const jar = new CookieJar();
  jar.storeSetCookie("https://localhost/", "s=1; Secure; HttpOnly");
  jar.storeSetCookie("https://localhost/", "p=1");
  assert.equal(jar.headerFor("http://localhost/"), "p=1");
  assert.equal(jar.headerFor("https://localhost/"), "s=1; p=1");
  assert.equal(jar.getCookie("s")?.httpOnly, true);
});

Deno.test("storeSetCookie() enforces the __Secure- and __Host- prefixes", () => {
  const jar = new CookieJar();
  assert.ok(!jar.storeSetCookie("https://localhost/", "__Secure-a=1"));
  assert.ok(jar.storeSetCookie("https://localhost/", "__Secure-a=1; Secure"));
  assert.ok(!jar.storeSetCookie("https://localhost/", "__Host-b=1; Secure; Path=/x"));
  assert.ok(
    !jar.storeSetCookie("https://localhost/", "__Host-b=1; Secure; Path=/; Domain=localhost"),
  );
  assert.ok(jar.storeSetCookie("https://localhost/", "__Host-b=1; Secure; Path=/"));
  assert.equal(jar.size, 2);
});

Deno.test("storeSetCookie() ignores malformed headers without throwing", () => {
  const jar = new CookieJar();
  for (const header of ["", ";", "=value", "novalue", " ; a=1", "=", ";;;;"]) {
    assert.ok(!jar.storeSetCookie("http://localhost/", header), header);
  }
  assert.ok(jar.storeSetCookie("http://localhost/", "a=1; Max-Age=soon; Expires=never; Path"));
  assert.equal(jar.getCookie("a")?.expires, undefined);
  assert.ok(jar.storeSetCookie("http://localhost/", 'q="quoted value"'));
  assert.equal(jar.getCookie("q")?.value, '"quoted value"');
  assert.equal(jar.size, 2);
});

Deno.test("storeSetCookie() keeps the value as sent and records SameSite", () => {
  const jar = new CookieJar();
  jar.storeSetCookie("http://localhost/", "a= x%7E%20y ; SameSite=lax");
  assert.equal(jar.getCookie("a")?.value, "x%7E%20y");
  assert.equal(jar.getCookie("a")?.sameSite, "Lax");
  assert.equal(jar.get("a"), "x~ y");
  assert.equal(jar.headerFor("http://localhost/"), "a=x%7E%20y");
  jar.set("b", "1", { sameSite: "strict" });
  assert.equal(jar.getCookie("b")?.sameSite, "Strict");
});

Deno.test("storeResponse() stores every Set-Cookie header of a response", () => {
  const jar = new CookieJar();
  const headers = new Headers();
  headers.append("set-cookie", "a=1; Path=/");
  headers.append("set-cookie", "b=2; Path=/; Expires=Wed, 21 Oct 2099 07:28:00 GMT");
  jar.storeResponse("http://localhost/", new Response(null, { headers }));
  assert.equal(jar.headerFor(new URL("http://localhost/x")), "a=1; b=2");
  assert.equal(jar.getCookie("b")?.expires?.toISOString(), "2099-10-21T07:28:00.000Z");
});

Deno.test("get() decodes what set() encodes and keeps raw values raw", () => {
  const jar = new CookieJar();
  jar.set("msg", "hello, world; 100%");
  assert.equal(jar.getCookie("msg")?.value, "hello%2C%20world%3B%20100%25");
  assert.equal(jar.get("msg"), "hello, world; 100%");
  jar.set("token", "abc%zz", { raw: true });
  assert.equal(jar.get("token"), "abc%zz", "a value that does not decode comes back as stored");
  assert.equal(encodeCookieValue("plain"), "plain");
});

Deno.test("set() stores a host-only cookie for the jar's domain unless told otherwise", () => {
  const jar = new CookieJar({ domain: "example.com" });
  jar.set("a", "1");
  jar.set("b", "2", { domain: ".example.com", path: "/api", secure: true });
  assert.deepEqual(
    { ...jar.getCookie("a"), created: 0 },
    {
      name: "a",
      value: "1",
      domain: "example.com",
      hostOnly: true,
      path: "/",
      secure: false,
      httpOnly: false,
      created: 0,
    },
  );
  assert.equal(jar.getCookie("b")?.hostOnly, false);
  assert.equal(jar.headerFor("https://www.example.com/api/x"), "b=2");
  assert.equal(jar.headerFor("https://example.com/api"), "b=2; a=1");
});

Deno.test("set() deletes with maxAge 0 and expires with maxAge", () => {
  const { jar, advance } = jarAt();
  jar.set("a", "1");
  jar.set("a", "", { maxAge: 0 });
  assert.equal(jar.has("a"), false);
  jar.set("b", "1", { maxAge: 5 });
  jar.set("c", "1", { expires: new Date(1_000_000_010_000) });
  advance(5_000);
  assert.equal(jar.get("b"), undefined);
  assert.equal(jar.get("c"), "1");
});

Deno.test("set() throws a TypeError for a bad name or path", () => {
  const jar = new CookieJar();
  assert.throws(() => jar.set("a b", "1"), /Cannot set cookie "a b"/);
  assert.throws(() => jar.set("", "1"), TypeError);
  assert.throws(() => jar.set("a", "1", { path: "x" }), /does not start with "\/"/);
});

Deno.test("get() picks by domain and path, and the longest path when several match", () => {
  const jar = new CookieJar();
  jar.storeSetCookie("http://localhost/", "sid=root; Path=/");
  jar.storeSetCookie("http://localhost/", "sid=admin; Path=/admin");
  jar.storeSetCookie("http://other.test/", "sid=other; Path=/");
  assert.equal(jar.get("sid"), "admin");
  assert.equal(jar.get("sid", { path: "/" }), "root");
  assert.equal(jar.get("sid", { domain: "other.test" }), "other");
  assert.equal(jar.get("sid", { domain: "nowhere.test" }), undefined);
  assert.equal(jar.get("missing"), undefined);
});

Deno.test("delete() and clear() remove cookies; iteration lists the live ones", () => {
  const jar = new CookieJar();
  jar.set("a", "1").set("a", "2", { path: "/x" }).set("b", "3");
  assert.deepEqual([...jar].map((c) => `${c.name}=${c.value}@${c.path}`), [
    "a=1@/",
    "a=2@/x",
    "b=3@/",
  ]);
  assert.ok(jar.delete("a", { path: "/x" }));
  assert.equal(jar.size, 2);
  assert.ok(jar.delete("a"));
  assert.ok(!jar.delete("a"));
  jar.clear();
  assert.equal(jar.size, 0);
});

Deno.test("headerFor() leaves out excluded names", () => {
  const jar = new CookieJar();
  jar.set("a", "1").set("b", "2");
  assert.equal(jar.headerFor("http://localhost/", new Set(["a"])), "b=2");
  assert.equal(jar.headerFor("http://localhost/", new Set(["a", "b"])), undefined);
});

Deno.test("defaultCookiePath(), pathMatches() and domainMatches() follow RFC 6265", () => {
  assert.equal(defaultCookiePath("/a/b/c"), "/a/b");
  assert.equal(defaultCookiePath("/"), "/");
  assert.equal(defaultCookiePath("nope"), "/");
  assert.ok(pathMatches("/a", "/"));
  assert.ok(pathMatches("/a/b", "/a/"));
  assert.ok(!pathMatches("/", "/a"));
  assert.ok(!pathMatches("/ab", "/a"));
  assert.ok(domainMatches("a.b.c", "b.c"));
  assert.ok(!domainMatches("b.c", "a.b.c"));
  assert.ok(!domainMatches("[::1]", "1]"));
});
