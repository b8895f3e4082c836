import assert from "node:assert/strict";
import { safeJoin, secureFilename } from "./security.ts";

Deno.test("safeJoin() joins plain relative parts under the directory", () => {
  assert.equal(safeJoin("/srv", "a", "b/c.txt"), "/srv/a/b/c.txt");
  assert.equal(safeJoin("static", "x.css"), "static/x.css");
  assert.equal(safeJoin("/srv/", "./a//b/"), "/srv/a/b");
});

Deno.test("safeJoin() returns the directory itself when parts are empty", () => {
  assert.equal(safeJoin("/srv"), "/srv");
  assert.equal(safeJoin("/srv", ""), "/srv");
  assert.equal(safeJoin("/srv", ".", "a/.."), "/srv");
});

Deno.test("safeJoin() treats an empty directory as the current directory", () => {
  assert.equal(safeJoin("", "a.txt"), "a.txt");
  assert.equal(safeJoin("", "/etc/passwd"), null);
  assert.equal(safeJoin(""), ".");
});

Deno.test("safeJoin() returns null when a part escapes with ..", () => {
  assert.equal(safeJoin("/srv", ".."), null);
  assert.equal(safeJoin("/srv", "../x"), null);
  assert.equal(safeJoin("/srv", "a/../../x"), null);
  assert.equal(safeJoin("/srv", "a", "../b"), null);
  assert.equal(safeJoin("/srv", "a/b/../../.."), null);
});

Deno.test("safeJoin() resolves .. that stays inside the part", () => {
  assert.equal(safeJoin("/srv", "a/../b"), "/srv/b");
  assert.equal(safeJoin("/srv", "a/b/../c"), "/srv/a/c");
  assert.equal(safeJoin("/srv", "..foo"), "/srv/..foo");
});

Deno.test("safeJoin() returns null for absolute parts", () => {
  assert.equal(safeJoin("/srv", "/etc/passwd"), null);
  assert.equal(safeJoin("/srv", "//etc"), null);
  assert.equal(safeJoin("/srv", "a", "/b"), null);
});

Deno.test("safeJoin() returns null for NUL bytes, backslashes and drive letters", () => {
  assert.equal(safeJoin("/srv", "a\0.txt"), null);
  assert.equal(safeJoin("/srv\0", "a.txt"), null);
  assert.equal(safeJoin("/srv", "..\\..\\windows"), null);
  assert.equal(safeJoin("/srv", "a\\b"), null);
  assert.equal(safeJoin("/srv", "C:/windows"), null);
  assert.equal(safeJoin("/srv", "c:foo"), null);
});

Deno.test("safeJoin() returns null instead of throwing for non-string parts", () => {
  assert.equal(safeJoin("/srv", undefined as unknown as string), null);
  assert.equal(safeJoin(null as unknown as string, "a"), null);
});

Deno.test("secureFilename() follows Werkzeug's documented examples", () => {
  assert.equal(secureFilename("My cool movie.mov"), "My_cool_movie.mov");
  assert.equal(secureFilename("../../../etc/passwd"), "etc_passwd");
  assert.equal(
    secureFilename("i contain cool \u00fcml\u00e4uts.txt"),
    "i_contain_cool_umlauts.txt",
  );
});

Deno.test("secureFilename() turns backslashes and whitespace runs into one underscore", () => {
  assert.equal(secureFilename("C:\\Users\\me\\file.txt"), "C_Users_me_file.txt");
  assert.equal(secureFilename("  a \t\n b  "), "a_b");
  assert.equal(secureFilename("a\x1cb"), "a_b");
});

Deno.test("secureFilename() strips leading and trailing dots and underscores", () => {
  assert.equal(secureFilename(".htaccess"), "htaccess");
  assert.equal(secureFilename("__init__.py"), "init__.py");
  assert.equal(secureFilename("file."), "file");
});

Deno.test("secureFilename() prefixes Windows device names", () => {
  assert.equal(secureFilename("CON"), "_CON");
  assert.equal(secureFilename("nul.tar.gz"), "_nul.tar.gz");
  assert.equal(secureFilename("com1.txt"), "_com1.txt");
  assert.equal(secureFilename("console.txt"), "console.txt");
});

Deno.test("secureFilename() returns an empty string when nothing safe is left", () => {
  assert.equal(secureFilename(""), "");
  assert.equal(secureFilename("\u65e5\u672c\u8a9e"), "");
  assert.equal(secureFilename("/../.."), "");
  assert.equal(secureFilename("\0\x01"), "");
  assert.equal(secureFilename(undefined as unknown as string), "");
});

Deno.test("secureFilename() decomposes compatibility characters", () => {
  assert.equal(secureFilename("\uff21\uff22.txt"), "AB.txt");
  assert.equal(secureFilename("caf\u00e9 \u2460.md"), "cafe_1.md");
});
