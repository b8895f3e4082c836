import assert from "node:assert/strict";
import {
  formatCacheControl,
  parseCacheControl,
  parseResponseCacheControl,
} from "./cache_control.ts";

Deno.test("parseCacheControl() reads every request directive", () => {
  assert.deepEqual(
    parseCacheControl(
      "no-cache, no-store, max-age=60, max-stale=30, min-fresh=10, no-transform, only-if-cached",
    ),
    {
      noCache: true,
      noStore: true,
      maxAge: 60,
      maxStale: 30,
      minFresh: 10,
      noTransform: true,
      onlyIfCached: true,
      extensions: {},
    },
  );
});

Deno.test("parseCacheControl() returns defaults when the header is absent or empty", () => {
  const empty = {
    noCache: false,
    noStore: false,
    noTransform: false,
    onlyIfCached: false,
    extensions: {},
  };
  assert.deepEqual(parseCacheControl(null), empty);
  assert.deepEqual(parseCacheControl(""), empty);
  assert.deepEqual(parseCacheControl(" , ,"), empty);
  assert.deepEqual(parseCacheControl(undefined as unknown as string), empty);
});

Deno.test("parseCacheControl() treats max-stale without a value as any staleness", () => {
  assert.equal(parseCacheControl("max-stale").maxStale, true);
  assert.equal(parseCacheControl("max-stale=x").maxStale, undefined);
});

Deno.test("parseCacheControl() ignores invalid numbers instead of producing NaN", () => {
  for (const bad of ["abc", "-1", "1.5", "", "0x10", " ", "1e3"]) {
    const cc = parseCacheControl(`max-age=${bad}, min-fresh=${bad}`);
    assert.equal(cc.maxAge, undefined, bad);
    assert.equal(cc.minFresh, undefined, bad);
    assert.equal("maxAge" in cc, false);
  }
  assert.equal(parseCacheControl("max-age").maxAge, undefined);
});

Deno.test("parseCacheControl() accepts quoted numbers and caps huge ones at 2^31", () => {
  assert.equal(parseCacheControl('max-age="60"').maxAge, 60);
  assert.equal(parseCacheControl("max-age=99999999999999999999999").maxAge, 2147483648);
  assert.equal(parseCacheControl("max-age=3000000000").maxAge, 2147483648);
  assert.equal(parseCacheControl("max-age=007").maxAge, 7);
});

Deno.test("parseCacheControl() is case-insensitive and keeps the first repeated directive", () => {
  const cc = parseCacheControl("MAX-AGE=5, max-age=10, No-Cache");
  assert.equal(cc.maxAge, 5);
  assert.equal(cc.noCache, true);
});

Deno.test("parseCacheControl() collects unknown directives as extensions", () => {
  const cc = parseCacheControl('foo, bar="a, b", public, __proto__=x, bad name');
  assert.deepEqual(Object.keys(cc.extensions), ["foo", "bar", "public", "__proto__"]);
  assert.equal(cc.extensions.foo, null);
  assert.equal(cc.extensions.bar, "a, b");
  assert.equal(Object.getPrototypeOf(cc.extensions), Object.prototype);
});

Deno.test("parseCacheControl() survives garbage, control characters and unterminated quotes", () => {
  for (const input of ['max-age="5', "\0\x01,=,==", '"""', "max-age=\x00", "\u00e9=1"]) {
    const cc = parseCacheControl(input);
    assert.equal(typeof cc.noCache, "boolean");
    assert.equal(Number.isNaN(cc.maxAge), false);
  }
});

Deno.test("parseResponseCacheControl() reads every response directive", () => {
  const cc = parseResponseCacheControl(
    "public, private, no-cache, no-store, no-transform, must-revalidate, proxy-revalidate, " +
      "must-understand, max-age=1, s-maxage=2, immutable, stale-while-revalidate=3, " +
      "stale-if-error=4, community=UCI",
  );
  assert.deepEqual(cc, {
    public: true,
    private: true,
    noCache: true,
    noStore: true,
    noTransform: true,
    mustRevalidate: true,
    proxyRevalidate: true,
    mustUnderstand: true,
    maxAge: 1,
    sMaxage: 2,
    immutable: true,
    staleWhileRevalidate: 3,
    staleIfError: 4,
    extensions: { community: "UCI" },
  });
});

Deno.test("parseResponseCacheControl() turns private and no-cache values into field lists", () => {
  const cc = parseResponseCacheControl('private="Set-Cookie, X-Token", no-cache=Authorization');
  assert.deepEqual(cc.private, ["set-cookie", "x-token"]);
  assert.deepEqual(cc.noCache, ["authorization"]);
  assert.equal(parseResponseCacheControl('private=""').private, true);
  assert.deepEqual(parseResponseCacheControl('no-cache="a, bad field,"').noCache, ["a"]);
});

Deno.test("parseResponseCacheControl() returns defaults on empty input", () => {
  const cc = parseResponseCacheControl(null);
  assert.equal(cc.public, false);
  assert.equal(cc.private, false);
  assert.equal(cc.maxAge, undefined);
  assert.deepEqual(cc.extensions, {});
});

Deno.test("formatCacheControl() writes directives in a stable order", () => {
  assert.equal(
    formatCacheControl({
      immutable: true,
      maxAge: 31536000,
      public: true,
      staleIfError: 60,
      staleWhileRevalidate: 30,
      sMaxage: 600,
    }),
    "public, max-age=31536000, s-maxage=600, immutable, stale-while-revalidate=30, stale-if-error=60",
  );
  assert.equal(
    formatCacheControl({ noStore: true, noCache: true, mustRevalidate: true }),
    "no-cache, no-store, must-revalidate",
  );
});

Deno.test("formatCacheControl() quotes field lists and writes max-stale forms", () => {
  assert.equal(formatCacheControl({ private: ["set-cookie", "x-a"] }), 'private="set-cookie, x-a"');
  assert.equal(formatCacheControl({ private: [] }), "private");
  assert.equal(formatCacheControl({ maxStale: true }), "max-stale");
  assert.equal(formatCacheControl({ maxStale: 5, minFresh: 1 }), "max-stale=5, min-fresh=1");
});

Deno.test("formatCacheControl() skips invalid numbers and floors fractions", () => {
  assert.equal(formatCacheControl({ maxAge: -1, sMaxage: NaN, staleIfError: Infinity }), "");
  assert.equal(formatCacheControl({ maxAge: 1.9 }), "max-age=1");
  assert.equal(formatCacheControl({ maxAge: 1e12 }), "max-age=2147483648");
  assert.equal(formatCacheControl({ public: false, noStore: undefined }), "");
});

Deno.test("formatCacheControl() writes extensions and rejects bad names", () => {
  assert.equal(
    formatCacheControl({ extensions: { a: null, b: "x y", c: 3, d: false, e: undefined } }),
    'a, b="x y", c=3',
  );
  assert.throws(
    () => formatCacheControl({ extensions: { "bad name": true } }),
    /Cannot format Cache-Control: directive name "bad name" is not a token/,
  );
});

Deno.test("formatCacheControl() round-trips a parsed response header", () => {
  const header = 'public, no-cache="set-cookie", max-age=60, immutable, x-ext=1';
  assert.equal(formatCacheControl(parseResponseCacheControl(header)), header);
  const request = "no-cache, max-age=0, max-stale";
  assert.equal(formatCacheControl(parseCacheControl(request)), "no-cache, max-age=0, max-stale");
});
