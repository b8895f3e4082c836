import assert from "node:assert/strict";
import {
  CookieError,
  deleteCookieHeader,
  parseCookies,
  parseSetCookie,
  serializeCookie,
} from "./cookies.ts";

Deno.test("parseCookies() reads name=value pairs and trims white space", () => {
  const cookies = parseCookies(" a=1 ;\tb = 2;c=3");
  assert.deepEqual([...cookies], [["a", "1"], ["b", "2"], ["c", "3"]]);
});

Deno.test("parseCookies() keeps every value of a repeated name, the first winning get()", () => {
  const cookies = parseCookies("sid=new; other=x; sid=old");
  assert.equal(cookies.get("sid"), "new");
  assert.deepEqual(cookies.getAll("sid"), ["new", "old"]);
  assert.equal(cookies.size, 2);
});

Deno.test("parseCookies() decodes percent-encoding and keeps bad encoding raw", () => {
  const cookies = parseCookies("a=%E2%82%AC; b=%E0%A4%A; c=100%; d=%ZZ");
  assert.equal(cookies.get("a"), "\u20ac");
  assert.equal(cookies.get("b"), "%E0%A4%A");
  assert.equal(cookies.get("c"), "100%");
  assert.equal(cookies.get("d"), "%ZZ");
});

Deno.test("parseCookies() unwraps double-quoted values", () => {
  const cookies = parseCookies('a="quoted value"; b=""; c="; d=x"y');
  assert.equal(cookies.get("a"), "quoted value");
  assert.equal(cookies.get("b"), "");
  assert.equal(cookies.get("c"), '"');
  assert.equal(cookies.get("d"), 'x"y');
});

Deno.test("parseCookies() keeps = inside values", () => {
  assert.equal(parseCookies("token=a=b==").get("token"), "a=b==");
});

Deno.test("parseCookies() skips pairs without = or with an empty name", () => {
  const cookies = parseCookies("flag; =nameless; ok=1; ; ;;other");
  assert.deepEqual([...cookies], [["ok", "1"]]);
});

Deno.test("parseCookies() returns an empty MultiDict for absent, empty or garbage headers", () => {
  for (const header of [null, "", ";;;", "===", "\0\x01", undefined as unknown as string]) {
    const cookies = parseCookies(header);
    assert.ok(cookies.size <= 1);
  }
  assert.equal(parseCookies(null).size, 0);
  assert.equal(parseCookies("===").get(""), undefined);
});

Deno.test("parseCookies() does not let __proto__ touch prototypes", () => {
  const cookies = parseCookies("__proto__=x; constructor=y");
  assert.equal(cookies.get("__proto__"), "x");
  assert.equal(cookies.toObject().constructor, "y");
});

Deno.test("serializeCookie() writes Path=/ by default and encodes the value", () => {
  assert.equal(serializeCookie("a", "1"), "a=1; Path=/");
  assert.equal(serializeCookie("a", "x;y z\u20ac"), "a=x%3By%20z%E2%82%AC; Path=/");
  assert.equal(serializeCookie("a", "", { path: null }), "a=");
});

Deno.test("serializeCookie() writes every attribute", () => {
  assert.equal(
    serializeCookie("sid", "v", {
      maxAge: 60.9,
      expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
      domain: "example.com",
      path: "/app",
      secure: true,
      httpOnly: true,
      sameSite: "strict",
      partitioned: true,
      priority: "high",
    }),
    "sid=v; Max-Age=60; Domain=example.com; Path=/app; Expires=Wed, 02 Jan 2030 03:04:05 GMT; " +
      "HttpOnly; Secure; Partitioned; Priority=High; SameSite=Strict",
  );
  assert.equal(
    serializeCookie("a", "b", { expires: 0 }),
    "a=b; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
  );
  assert.equal(serializeCookie("a", "b", { maxAge: -1 }), "a=b; Max-Age=-1; Path=/");
});

Deno.test("serializeCookie() forces Secure for SameSite=None and Partitioned", () => {
  assert.equal(
    serializeCookie("a", "b", { sameSite: "None" }),
    "a=b; Path=/; Secure; SameSite=None",
  );
  assert.equal(
    serializeCookie("a", "b", { partitioned: true }),
    "a=b; Path=/; Secure; Partitioned",
  );
});

Deno.test("serializeCookie() throws when secure: false contradicts SameSite=None or a prefix", () => {
  assert.throws(
    () => serializeCookie("a", "b", { sameSite: "None", secure: false }),
    /Cannot set cookie "a": SameSite=None requires Secure, but secure is false/,
  );
  assert.throws(() => serializeCookie("a", "b", { partitioned: true, secure: false }), CookieError);
  assert.throws(() => serializeCookie("__Secure-a", "b", { secure: false }), CookieError);
});

Deno.test("serializeCookie() applies the __Secure- and __Host- prefix rules", () => {
  assert.equal(serializeCookie("__Secure-id", "1"), "__Secure-id=1; Path=/; Secure");
  assert.equal(serializeCookie("__Host-id", "1"), "__Host-id=1; Path=/; Secure");
  assert.throws(
    () => serializeCookie("__Host-id", "1", { domain: "example.com" }),
    /"__Host-" prefix requires Path=\/ and no Domain/,
  );
  assert.throws(() => serializeCookie("__Host-id", "1", { path: "/app" }), CookieError);
});

Deno.test("serializeCookie() rejects invalid names and values with the cookie's name", () => {
  for (const name of ["", "a b", "a;b", "a=b", "\u00e9", "a\nb"]) {
    assert.throws(() => serializeCookie(name, "x"), CookieError, name);
  }
  assert.throws(
    () => serializeCookie("a", 5 as unknown as string),
    /Cannot set cookie "a": the value must be a string, not number/,
  );
  try {
    serializeCookie("bad name", "x");
  } catch (error) {
    assert.ok(error instanceof CookieError);
    assert.equal(error.cookie, "bad name");
  }
});

Deno.test("serializeCookie() rejects invalid attributes with clear errors", () => {
  const cases: [Parameters<typeof serializeCookie>[2], RegExp][] = [
    [{ domain: "bad domain" }, /domain "bad domain" is not a valid host name/],
    [{ domain: "a..b" }, /domain/],
    [{ path: "/a;b" }, /path "\/a;b" must be printable ASCII/],
    [{ path: "/\n" }, /path/],
    [{ maxAge: NaN }, /maxAge NaN is not a finite number/],
    [{ maxAge: Infinity }, /maxAge/],
    [{ expires: new Date(NaN) }, /expires Invalid Date is not a date/],
    [{ expires: Number.MAX_VALUE }, /expires/],
    [{ sameSite: "sideways" as "Lax" }, /sameSite "sideways" is not Strict, Lax or None/],
    [{ priority: "urgent" as "High" }, /priority "urgent" is not Low, Medium or High/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => serializeCookie("c", "v", options), (error: unknown) => {
      assert.ok(error instanceof CookieError);
      assert.match(error.message, /^Cannot set cookie "c": /);
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("deleteCookieHeader() expires the cookie with matching attributes", () => {
  assert.equal(
    deleteCookieHeader("sid"),
    "sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
  );
  assert.equal(
    deleteCookieHeader("sid", { domain: "example.com", secure: true, sameSite: "None" }),
    "sid=; Max-Age=0; Domain=example.com; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; " +
      "Secure; SameSite=None",
  );
});

Deno.test("parseSetCookie() reads every attribute", () => {
  const cookie = parseSetCookie(
    "sid=a%20b; Max-Age=60; Domain=Example.COM; Path=/app; Expires=Wed, 02 Jan 2030 03:04:05 GMT; " +
      "HttpOnly; Secure; Partitioned; Priority=high; SameSite=None",
  );
  assert.deepEqual(cookie, {
    name: "sid",
    value: "a b",
    maxAge: 60,
    expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
    domain: "example.com",
    path: "/app",
    secure: true,
    httpOnly: true,
    partitioned: true,
    priority: "High",
    sameSite: "None",
  });
});

Deno.test("parseSetCookie() round-trips serializeCookie()", () => {
  const header = serializeCookie("k", "v \u20ac", { maxAge: 5, httpOnly: true, sameSite: "Lax" });
  assert.deepEqual(parseSetCookie(header), {
    name: "k",
    value: "v \u20ac",
    maxAge: 5,
    path: "/",
    secure: false,
    httpOnly: true,
    partitioned: false,
    sameSite: "Lax",
  });
});

Deno.test("parseSetCookie() ignores invalid attribute values", () => {
  const cookie = parseSetCookie(
    "a=1; Max-Age=soon; Expires=never; Path=relative; SameSite=sideways; Priority=x; Domain=.",
  );
  assert.deepEqual(cookie, {
    name: "a",
    value: "1",
    secure: false,
    httpOnly: false,
    partitioned: false,
  });
});

Deno.test("parseSetCookie() returns null when there is no cookie name", () => {
  for (const header of [null, "", "novalue", "=x", ";", "\0", 7 as unknown as string]) {
    assert.equal(parseSetCookie(header), null);
  }
});
