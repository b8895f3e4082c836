import assert from "node:assert/strict";
import { decodePath, leadingSlash, mergeSlashes, rootPathOf, unprotect } from "./_path.ts";

Deno.test("decodePath() decodes everything but %2F and %25", () => {
  assert.equal(decodePath("/a%20b/c%2fd/e%25f/%C3%A9"), "/a b/c%2Fd/e%25f/é");
  assert.equal(decodePath("/%252F"), "/%252F");
  assert.equal(unprotect("c%2Fd%252F"), "c/d%2F");
  assert.equal(unprotect("plain"), "plain");
});

Deno.test("decodePath() never throws: bad escapes stay literal, bad UTF-8 becomes U+FFFD", () => {
  assert.equal(decodePath("/100%"), "/100%25");
  assert.equal(decodePath("/%zz%4"), "/%25zz%254");
  assert.equal(decodePath("/a%FFb"), "/a\uFFFDb");
  assert.equal(decodePath("/%E2%82"), "/\uFFFD");
  assert.equal(decodePath("/%2F%FF%41"), "/%2F\uFFFDA");
  assert.equal(unprotect(decodePath("/%zz")), "/%zz");
});

Deno.test("mergeSlashes(), leadingSlash() and rootPathOf() normalize as Werkzeug", () => {
  assert.equal(mergeSlashes("/a///b//c/"), "/a/b/c/");
  assert.equal(leadingSlash("//a//b"), "/a//b");
  assert.equal(leadingSlash("a"), "/a");
  assert.equal(leadingSlash(""), "/");
  assert.equal(rootPathOf({ rootPath: "/app//" }), "/app");
  assert.equal(rootPathOf({}), "");
});
