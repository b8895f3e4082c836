import assert from "node:assert/strict";
import type { Reply } from "../types.ts";
import { mapPath } from "./map_path.ts";
import { normalizeUri } from "./normalize_uri.ts";
import { StaticFiles } from "./static_files.ts";
import { bodyText, testExchange, testSettings } from "./_testing.ts";

Deno.test("mapPath() appends the URI to the root, dropping the root's trailing slash", () => {
  assert.equal(mapPath("/a/b.txt", testSettings({ root: "/srv/www" }), null), "/srv/www/a/b.txt");
  assert.equal(mapPath("/a/", testSettings({ root: "/srv/www/" }), null), "/srv/www/a/");
  assert.equal(mapPath("/", testSettings({ root: "/srv/www" }), null), "/srv/www/");
  assert.equal(mapPath("/a", testSettings({ root: null }), null), 404);
});

Deno.test("mapPath() replaces a prefix location's pattern with the alias", () => {
  const settings = testSettings({ root: "/srv/www", alias: "/data/img/" });
  assert.equal(
    mapPath("/i/top.gif", settings, { modifier: "", pattern: "/i/" }),
    "/data/img/top.gif",
  );
  assert.equal(mapPath("/i/", settings, { modifier: "^~", pattern: "/i/" }), "/data/img/");
  assert.equal(
    mapPath("/i/top.gif", settings, { modifier: "", pattern: "/i" }),
    "/data/img/top.gif",
  );
  assert.equal(
    mapPath("/itop.gif", settings, { modifier: "", pattern: "/i" }),
    "/data/img/top.gif",
  );
  const bare = testSettings({ alias: "/data/img" });
  assert.equal(mapPath("/i/a.gif", bare, { modifier: "", pattern: "/i/" }), "/data/img/a.gif");
  assert.equal(mapPath("/i", bare, { modifier: "", pattern: "/i" }), "/data/img");
});

Deno.test("mapPath() uses an exact or regex location's alias as the whole path", () => {
  const settings = testSettings({ alias: "/data/icon.ico" });
  assert.equal(
    mapPath("/favicon.ico", settings, { modifier: "=", pattern: "/favicon.ico" }),
    "/data/icon.ico",
  );
  assert.equal(
    mapPath("/x.ico", settings, { modifier: "~", pattern: "\\.ico$" }),
    "/data/icon.ico",
  );
});

Deno.test("mapPath() ignores alias without a location and in a named location", () => {
  const settings = testSettings({ root: "/srv", alias: "/data/" });
  assert.equal(mapPath("/a", settings, null), "/srv/a");
  assert.equal(mapPath("/a", settings, { modifier: "@", pattern: "fallback" }), "/srv/a");
});

Deno.test("mapPath() refuses the alias off-by-slash escape (`location /i` + `/i../x`)", () => {
  const settings = testSettings({ alias: "/data/img/" });
  const location = { modifier: "", pattern: "/i" };
  assert.equal(mapPath("/i../secret", settings, location), 404);
  assert.equal(mapPath("/i..", settings, location), 404);
  assert.equal(mapPath("/i.env", settings, location), 404);
  assert.equal(mapPath("/x/a", settings, location), 404); // not under the prefix
});

Deno.test("mapPath() checks the URI again: dot segments, NUL, backslash, hidden files", () => {
  const settings = testSettings({ root: "/srv" });
  for (const uri of ["/../x", "/a/..", "/a/./b", "/.", "a/b", "", "/a\0b"]) {
    assert.equal(mapPath(uri, settings, null), 400, uri);
  }
  for (const uri of ["/a\\b", "/..\\x", "/.env", "/a/.git/config", "/.well-known/x", "/..."]) {
    assert.equal(mapPath(uri, settings, null), 404, uri);
  }
  const hidden = testSettings({ root: "/srv", hiddenFiles: true });
  assert.equal(mapPath("/.well-known/x", hidden, null), "/srv/.well-known/x");
  assert.equal(mapPath("/a/..", hidden, null), 400);
  assert.equal(mapPath("/a.b/c..d/e.", settings, null), "/srv/a.b/c..d/e.");
});

// ----------------------------------------------------------------------------- traversal

/** 30+ ways of spelling "the file next to the root", each of which must fail to read it. */
const TRAVERSALS = [
  "/../secret.txt",
  "/../../secret.txt",
  "/sub/../../secret.txt",
  "/sub/./../../secret.txt",
  "//../secret.txt",
  "/./../secret.txt",
  "/%2e%2e/secret.txt",
  "/%2E%2E/secret.txt",
  "/.%2e/secret.txt",
  "/%2e./secret.txt",
  "/%252e%252e/secret.txt",
  "/%252e%252e%252fsecret.txt",
  "/..%2fsecret.txt",
  "/..%2Fsecret.txt",
  "/%2e%2e%2fsecret.txt",
  "/%2e%2e%2f%2e%2e%2fsecret.txt",
  "/sub/..%2f..%2fsecret.txt",
  "/sub/%2e%2e/%2e%2e/secret.txt",
  "/sub/..%252f..%252fsecret.txt",
  "/..\\secret.txt",
  "/..%5csecret.txt",
  "/..%5Csecret.txt",
  "/%2e%2e%5csecret.txt",
  "/sub\\..\\..\\secret.txt",
  "/..%00/secret.txt",
  "/secret.txt%00.html",
  "/%00../secret.txt",
  "/%c0%ae%c0%ae/secret.txt",
  "/%c0%2e%c0%2e/secret.txt",
  "/%e0%80%ae%e0%80%ae/secret.txt",
  "/..%c0%afsecret.txt",
  "/..%c1%9csecret.txt",
  "/%u002e%u002e/secret.txt",
  "/..%u2216secret.txt",
  "/%ef%bc%8e%ef%bc%8e/secret.txt",
  "/..;/secret.txt",
  "/sub/..;/..;/secret.txt",
  "/.../secret.txt",
  "/..../secret.txt",
  "/.. /secret.txt",
  "/..%20/secret.txt",
  "/../secret.txt.",
  "/..%2f",
  "/%2e%2e",
  "/secret.txt",
  "/escape/secret.txt",
  "/escape",
  "/i../secret.txt",
  "/i/../../secret.txt",
  "/i%2f..%2f..%2fsecret.txt",
];

Deno.test("StaticFiles.serve() never reads a file outside the root, however the path is spelled", async () => {
  const base = await Deno.makeTempDir({ prefix: "ngw2f_traversal_" });
  try {
    const root = `${base}/root`;
    await Deno.mkdir(`${root}/sub`, { recursive: true });
    await Deno.mkdir(`${root}/img`);
    await Deno.writeTextFile(`${base}/secret.txt`, "SECRET");
    await Deno.writeTextFile(`${root}/public.txt`, "public");
    await Deno.symlink(base, `${root}/escape`); // a way out the symlink check must refuse
    const settings = testSettings({ root });
    const aliased = testSettings({ root, alias: `${root}/img/` });
    const files = new StaticFiles({ maxFileSize: 4096, totalBytes: 1 << 20 });

    /** The pipeline's steps: normalise, map (location `/i` is an alias), serve. */
    const get = (raw: string): number | Reply => {
      const uri = normalizeUri(raw);
      if (typeof uri === "number") return uri;
      const alias = uri.startsWith("/i");
      const path = mapPath(
        uri,
        alias ? aliased : settings,
        alias ? { modifier: "", pattern: "/i" } : null,
      );
      if (typeof path === "number") return path;
      return files.serve(testExchange(raw), uri, path, alias ? aliased : settings);
    };

    assert.equal(bodyText(get("/public.txt") as Reply), "public"); // the driver works
    assert.ok(TRAVERSALS.length >= 30);
    for (const raw of TRAVERSALS) {
      const reply = get(raw);
      if (typeof reply === "number") {
        assert.ok(reply >= 400, `${raw} answered ${reply}`);
        continue;
      }
      assert.ok(reply.status >= 300, `${raw} answered ${reply.status}`);
      assert.ok(!bodyText(reply).includes("SECRET"), `${raw} read the secret`);
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
