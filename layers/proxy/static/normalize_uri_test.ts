import assert from "node:assert/strict";
import { normalizeUri } from "./normalize_uri.ts";

Deno.test("normalizeUri() returns a clean path as it is", () => {
  for (const path of ["/", "/index.html", "/a/b/c.txt", "/a-b_c~d/", "/a.b/c..d"]) {
    assert.equal(normalizeUri(path), path);
  }
});

Deno.test("normalizeUri() decodes percent escapes exactly once", () => {
  assert.equal(normalizeUri("/a%20b"), "/a b");
  assert.equal(normalizeUri("/%41%62"), "/Ab");
  assert.equal(normalizeUri("/%252e%252e/x"), "/%2e%2e/x");
  assert.equal(normalizeUri("/100%25"), "/100%");
  assert.equal(normalizeUri("/a%3Fb%23c"), "/a?b#c");
  assert.equal(normalizeUri("/%E2%82%AC"), "/€");
});

Deno.test("normalizeUri() merges slashes and resolves dot segments", () => {
  assert.equal(normalizeUri("//a///b//"), "/a/b/");
  assert.equal(normalizeUri("/a/./b/."), "/a/b/");
  assert.equal(normalizeUri("/a/b/../c"), "/a/c");
  assert.equal(normalizeUri("/a/b/.."), "/a/");
  assert.equal(normalizeUri("/a/.."), "/");
  assert.equal(normalizeUri("/a/%2e%2e/b"), "/b");
  assert.equal(normalizeUri("/a%2fb%2f..%2fc"), "/a/c");
  assert.equal(normalizeUri("/.hidden/x"), "/.hidden/x");
  assert.equal(normalizeUri("/.../x"), "/.../x");
});

Deno.test("normalizeUri() answers 400 when a `..` climbs above the root", () => {
  for (const path of ["/..", "/../x", "/a/../../x", "/%2e%2e/x", "/.%2E/x", "/a/..%2f..%2fx"]) {
    assert.equal(normalizeUri(path), 400, path);
  }
});

Deno.test("normalizeUri() answers 400 for bad escapes, bad UTF-8, NUL and relative paths", () => {
  for (
    const path of [
      "/%zz",
      "/%4",
      "/%",
      "/%u002e",
      "/%c0%ae",
      "/%e0%80%ae",
      "/%ff",
      "/%ed%a0%80", // a UTF-16 surrogate in UTF-8
      "/a%00b",
      "/a\0b",
      "a/b",
      "",
      "*",
    ]
  ) {
    assert.equal(normalizeUri(path), 400, JSON.stringify(path));
  }
});

Deno.test("normalizeUri() reads raw non-ASCII characters as bytes below U+0100, UTF-8 above", () => {
  assert.equal(normalizeUri("/caf\u00c3\u00a9"), "/café"); // the core's byte-for-byte reading
  assert.equal(normalizeUri("/\u20ac"), "/€");
  assert.equal(normalizeUri("/\u00e9"), 400); // a lone 0xE9 byte is not UTF-8
});
