import assert from "node:assert/strict";
import type { Settings } from "../config/types.ts";
import type { Reply } from "../types.ts";
import { probe, StaticFiles } from "./static_files.ts";
import { asReply, bodyText, headerIn, testExchange, testSettings } from "./_testing.ts";

interface Fixture {
  base: string;
  root: string;
  get(target: string, settings?: Partial<Settings>, method?: string): Reply | number;
}

/** A root with a page, a directory with an index, one without, a dot-file and a secret beside it. */
async function withSite(test: (fixture: Fixture) => Promise<void> | void): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "ngw2f_dirs_" });
  const root = `${base}/root`;
  try {
    await Deno.mkdir(`${root}/docs/sub`, { recursive: true });
    await Deno.mkdir(`${root}/empty`);
    await Deno.mkdir(`${root}/site`);
    await Deno.mkdir(`${root}/a b`);
    await Deno.writeTextFile(`${root}/site/index.html`, "<h1>site</h1>");
    await Deno.writeTextFile(`${root}/site/index.htm`, "htm");
    await Deno.writeTextFile(`${root}/docs/readme.txt`, "read me");
    await Deno.writeTextFile(`${root}/docs/<b>&"x".txt`, "odd");
    await Deno.writeTextFile(`${root}/docs/.env`, "TOKEN=1");
    await Deno.writeTextFile(`${root}/page.txt`, "page");
    await Deno.writeTextFile(`${base}/secret.txt`, "SECRET");
    const files = new StaticFiles({ maxFileSize: 4096, totalBytes: 1 << 20 });
    await test({
      base,
      root,
      get(target, overrides = {}, method = "GET") {
        const q = target.indexOf("?");
        const uri = q < 0 ? target : target.slice(0, q);
        const settings = testSettings({ root, ...overrides });
        return files.serve(testExchange(target, {}, method), uri, root + uri, settings);
      },
    });
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

function status(reply: Reply | number): number {
  return typeof reply === "number" ? reply : reply.status;
}

Deno.test("StaticFiles.serve() answers a directory URI with its first existing index file", () =>
  withSite(({ get }) => {
    const reply = asReply(get("/site/"));
    assert.equal(reply.status, 200);
    assert.equal(headerIn(reply, "content-type"), "text/html; charset=utf-8");
    assert.equal(bodyText(reply), "<h1>site</h1>");
    assert.equal(bodyText(asReply(get("/site/", { index: ["default.htm", "index.htm"] }))), "htm");
    assert.equal(get("/site/", {}, "POST"), 405);
  }));

Deno.test("StaticFiles.serve() answers 403 for a directory without index when autoindex is off", () =>
  withSite(({ get }) => {
    assert.equal(get("/empty/"), 403);
    assert.equal(get("/docs/"), 403);
    assert.equal(get("/missing/"), 404);
    assert.equal(get("/page.txt/"), 404);
  }));

Deno.test("StaticFiles.serve() redirects a directory without its slash, keeping the query", () =>
  withSite(({ get }) => {
    const reply = asReply(get("/site"));
    assert.equal(reply.status, 301);
    assert.equal(headerIn(reply, "location"), "/site/");
    assert.match(bodyText(reply), /301 Moved Permanently/);
    assert.equal(headerIn(asReply(get("/site?a=1&b=2")), "location"), "/site/?a=1&b=2");
    assert.equal(headerIn(asReply(get("/a b")), "location"), "/a%20b/");
    assert.equal(status(get("/site", {}, "POST")), 301); // as nginx: the redirect comes first
  }));

Deno.test("StaticFiles.serve() lists a directory as nginx's autoindex HTML", () =>
  withSite(({ get }) => {
    const reply = asReply(get("/docs/", { autoindex: true }));
    assert.equal(reply.status, 200);
    assert.equal(headerIn(reply, "content-type"), "text/html; charset=utf-8");
    const html = bodyText(reply);
    assert.match(
      html,
      /^<html>\r\n<head><title>Index of \/docs\/<\/title><\/head>\r\n<body>\r\n<h1>Index of \/docs\/<\/h1><hr><pre><a href="\.\.\/">\.\.\/<\/a>\r\n/,
    );
    assert.match(html, /<a href="sub\/">sub\/<\/a> {46} \d\d-\w{3}-\d{4} \d\d:\d\d {19}-\r\n/);
    assert.match(
      html,
      /<a href="readme.txt">readme.txt<\/a> {40} \d\d-\w{3}-\d{4} \d\d:\d\d {19}7\r\n/,
    );
    assert.ok(html.includes(`<a href="%3Cb%3E%26%22x%22.txt">&lt;b&gt;&amp;&quot;x&quot;.txt</a>`));
    assert.ok(html.indexOf("sub/") < html.indexOf("readme.txt"), "directories come first");
    assert.ok(!html.includes(".env"), "dot-files are hidden");
    assert.ok(html.endsWith("</pre><hr></body>\r\n</html>\r\n"));
    assert.ok(
      bodyText(asReply(get("/docs/", { autoindex: true, hiddenFiles: true }))).includes(".env"),
    );
    assert.equal(get("/docs/", { autoindex: true }, "DELETE"), 405);
  }));

Deno.test("StaticFiles.serve() lists a directory as JSON with autoindex_format json", () =>
  withSite(({ get }) => {
    const reply = asReply(get("/docs/", { autoindex: true, autoindexFormat: "json" }));
    assert.equal(headerIn(reply, "content-type"), "application/json; charset=utf-8");
    const listing = JSON.parse(bodyText(reply)) as Record<string, unknown>[];
    assert.deepEqual(listing.map((entry) => [entry.name, entry.type]), [
      ["sub", "directory"],
      ['<b>&"x".txt', "file"],
      ["readme.txt", "file"],
    ]);
    assert.equal(listing[2].size, 7);
    assert.equal(listing[0].size, undefined);
    assert.match(String(listing[2].mtime), /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
  }));

Deno.test("StaticFiles.serve() follows disable_symlinks for links inside and outside the root", () =>
  withSite(async ({ base, root, get }) => {
    await Deno.symlink(`${root}/page.txt`, `${root}/inside.txt`);
    await Deno.symlink(`${base}/secret.txt`, `${root}/outside.txt`);
    await Deno.symlink(`${root}/docs`, `${root}/docs-link`);
    await Deno.symlink(base, `${root}/up`);
    const cases: [string, Settings["disableSymlinks"], number][] = [
      ["/inside.txt", "if_outside_root", 200],
      ["/inside.txt", "on", 403],
      ["/inside.txt", "off", 200],
      ["/outside.txt", "if_outside_root", 403],
      ["/outside.txt", "on", 403],
      ["/outside.txt", "off", 200],
      ["/docs-link/readme.txt", "if_outside_root", 200],
      ["/docs-link/readme.txt", "on", 403],
      ["/up/secret.txt", "if_outside_root", 403],
      ["/up/secret.txt", "on", 403],
      ["/up/secret.txt", "off", 200],
      ["/up/", "if_outside_root", 403],
      ["/up", "if_outside_root", 403],
      ["/page.txt", "on", 200],
    ];
    for (const [uri, mode, expected] of cases) {
      assert.equal(status(get(uri, { disableSymlinks: mode })), expected, `${uri} with ${mode}`);
    }
    // A link retargeted outside after a good answer is judged afresh.
    await Deno.remove(`${root}/inside.txt`);
    await Deno.symlink(`${base}/secret.txt`, `${root}/inside.txt`);
    assert.equal(get("/inside.txt"), 403);
  }));

Deno.test("StaticFiles.serve() does not list symlinks that leave the root", () =>
  withSite(async ({ base, root, get }) => {
    await Deno.symlink(`${base}/secret.txt`, `${root}/docs/outside.txt`);
    await Deno.symlink(`${root}/page.txt`, `${root}/docs/inside.txt`);
    const html = bodyText(asReply(get("/docs/", { autoindex: true })));
    assert.ok(!html.includes("outside.txt"));
    assert.ok(html.includes("inside.txt"));
    const on = bodyText(asReply(get("/docs/", { autoindex: true, disableSymlinks: "on" })));
    assert.ok(!on.includes("inside.txt"));
  }));

Deno.test("probe() tells a file, a directory, nothing and a refused symlink apart", () =>
  withSite(async ({ base, root }) => {
    await Deno.symlink(`${base}/secret.txt`, `${root}/outside.txt`);
    const settings = testSettings({ root });
    assert.equal(probe(`${root}/page.txt`, settings), "file");
    assert.equal(probe(`${root}/docs`, settings), "dir");
    assert.equal(probe(`${root}/docs/`, settings), "dir");
    assert.equal(probe(`${root}/missing`, settings), "none");
    assert.equal(probe(`${root}/page.txt/`, settings), "none");
    assert.equal(probe(`${root}/outside.txt`, settings), "forbidden");
    assert.equal(
      probe(`${root}/outside.txt`, testSettings({ root, disableSymlinks: "off" })),
      "file",
    );
  }));

Deno.test("StaticFiles.serve() serves a precompressed sibling under gzip_static", () =>
  withSite(async ({ root, get }) => {
    await Deno.writeTextFile(`${root}/app.js`, "console.log(1);");
    await Deno.writeTextFile(`${root}/app.js.gz`, "GZ");
    await Deno.writeTextFile(`${root}/app.js.br`, "BR");
    const on = { gzipStatic: true };
    const serve = (accept: string | null) => {
      const files = new StaticFiles({ maxFileSize: 4096, totalBytes: 1 << 20 });
      const headers: Record<string, string> = accept === null ? {} : { "accept-encoding": accept };
      const settings = testSettings({ root, ...on });
      return asReply(
        files.serve(testExchange("/app.js", headers), "/app.js", `${root}/app.js`, settings),
      );
    };
    const gz = serve("gzip");
    assert.equal(bodyText(gz), "GZ");
    assert.equal(headerIn(gz, "content-encoding"), "gzip");
    assert.equal(headerIn(gz, "vary"), "Accept-Encoding");
    assert.equal(headerIn(gz, "content-type"), "text/javascript; charset=utf-8");
    const plain = serve(null);
    assert.equal(bodyText(plain), "console.log(1);");
    assert.equal(headerIn(plain, "content-encoding"), null);
    assert.equal(headerIn(plain, "vary"), "Accept-Encoding");
    assert.notEqual(headerIn(gz, "etag"), headerIn(plain, "etag"));
    assert.equal(bodyText(serve("gzip, deflate, br")), "BR");
    assert.equal(bodyText(serve("br;q=0.5, gzip")), "GZ");
    assert.equal(bodyText(serve("gzip;q=0")), "console.log(1);");
    assert.equal(bodyText(asReply(get("/app.js", {}))), "console.log(1);"); // gzip_static off
    await Deno.remove(`${root}/app.js`);
    assert.equal(bodyText(serve("gzip")), "GZ"); // as nginx: the sibling alone is enough
  }));
