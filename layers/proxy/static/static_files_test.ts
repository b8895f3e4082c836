import assert from "node:assert/strict";
import { formatHttpDate } from "../../toolkit/http/dates.ts";
import type { Settings } from "../config/types.ts";
import type { FileRange, Reply } from "../types.ts";
import { StaticFiles } from "./static_files.ts";
import { asReply, bodyText, headerIn, testExchange, testSettings } from "./_testing.ts";

const MTIME = new Date(Date.UTC(2024, 0, 1, 12, 0, 0, 250));
const MTIME_TEXT = "Mon, 01 Jan 2024 12:00:00 GMT";
const EARLIER_TEXT = "Mon, 01 Jan 2024 11:59:59 GMT";
const LATER_TEXT = "Mon, 01 Jan 2024 12:00:01 GMT";
const ETAG = `"${Math.floor(MTIME.getTime() / 1000).toString(16)}-a"`;

interface Fixture {
  root: string;
  files: StaticFiles;
  settings: Settings;
  get(
    uri: string,
    headers?: Record<string, string>,
    method?: string,
    settings?: Settings,
  ): Reply | number;
}

async function withRoot(test: (fixture: Fixture) => Promise<void> | void): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "ngw2f_static_" });
  try {
    await Deno.writeTextFile(`${root}/ten.txt`, "0123456789");
    await Deno.utime(`${root}/ten.txt`, MTIME, MTIME);
    const files = new StaticFiles({ maxFileSize: 4096, totalBytes: 1 << 20 });
    const settings = testSettings({ root });
    await test({
      root,
      files,
      settings,
      get: (uri, headers = {}, method = "GET", chosen = settings) =>
        files.serve(testExchange(uri, headers, method), uri, root + uri, chosen),
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function status(reply: Reply | number): number {
  return typeof reply === "number" ? reply : reply.status;
}

Deno.test("StaticFiles.serve() answers 200 with type, ETag, Last-Modified and Accept-Ranges", () =>
  withRoot(({ get }) => {
    const reply = asReply(get("/ten.txt"));
    assert.equal(reply.status, 200);
    assert.equal(headerIn(reply, "content-type"), "text/plain; charset=utf-8");
    assert.equal(headerIn(reply, "etag"), ETAG);
    assert.equal(headerIn(reply, "last-modified"), MTIME_TEXT);
    assert.equal(headerIn(reply, "accept-ranges"), "bytes");
    assert.equal(bodyText(reply), "0123456789");
    assert.equal(bodyText(asReply(get("/ten.txt"))), "0123456789"); // a hit is the same
  }));

Deno.test("StaticFiles.serve() picks the type from mime-db, [types] and default_type, with charset", () =>
  withRoot(async ({ root, get, settings }) => {
    for (const name of ["a.css", "a.js", "a.json", "a.png", "a.html", "README", "a.md"]) {
      await Deno.writeTextFile(`${root}/${name}`, "x");
    }
    const type = (uri: string, chosen = settings) =>
      headerIn(asReply(get(uri, {}, "GET", chosen)), "content-type");
    assert.equal(type("/a.css"), "text/css; charset=utf-8");
    assert.equal(type("/a.js"), "text/javascript; charset=utf-8");
    assert.equal(type("/a.json"), "application/json; charset=utf-8");
    assert.equal(type("/a.png"), "image/png");
    assert.equal(type("/README"), "application/octet-stream");
    const custom = testSettings({
      root,
      charset: "koi8-r",
      types: { md: "text/markdown", png: "image/x-png" },
      defaultType: "text/plain",
    });
    assert.equal(type("/a.md", custom), "text/markdown; charset=koi8-r");
    assert.equal(type("/a.png", custom), "image/x-png");
    assert.equal(type("/README", custom), "text/plain; charset=koi8-r");
    assert.equal(type("/a.html", testSettings({ root, charset: null })), "text/html");
  }));

Deno.test("StaticFiles.serve() leaves ETag out when etag is off", () =>
  withRoot(({ root, get }) => {
    const reply = asReply(get("/ten.txt", {}, "GET", testSettings({ root, etag: false })));
    assert.equal(headerIn(reply, "etag"), null);
    assert.equal(
      status(
        get("/ten.txt", { "if-none-match": ETAG }, "GET", testSettings({ root, etag: false })),
      ),
      200,
    );
  }));

Deno.test("StaticFiles.serve() answers 304 when If-None-Match matches (strong, weak, list, *)", () =>
  withRoot(({ get }) => {
    for (const value of [ETAG, `W/${ETAG}`, `"x", ${ETAG}`, "*"]) {
      const reply = asReply(get("/ten.txt", { "if-none-match": value }));
      assert.equal(reply.status, 304, value);
      assert.equal(reply.body, null);
      assert.equal(headerIn(reply, "etag"), ETAG);
      assert.equal(headerIn(reply, "last-modified"), MTIME_TEXT);
      assert.equal(headerIn(reply, "content-type"), null);
    }
    assert.equal(status(get("/ten.txt", { "if-none-match": '"other"' })), 200);
    assert.equal(status(get("/ten.txt", { "if-none-match": ETAG }, "HEAD")), 304);
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    assert.equal(
      status(get("/ten.txt", { "if-none-match": '"x"', "if-modified-since": MTIME_TEXT })),
      200,
    );
  }));

Deno.test("StaticFiles.serve() answers 304 for If-Modified-Since as if_modified_since says", () =>
  withRoot(({ root, get }) => {
    const exact = testSettings({ root, ifModifiedSince: "exact" });
    const before = testSettings({ root, ifModifiedSince: "before" });
    const off = testSettings({ root, ifModifiedSince: "off" });
    const ims = (date: string, settings: Settings) =>
      status(get("/ten.txt", { "if-modified-since": date }, "GET", settings));
    assert.equal(ims(MTIME_TEXT, exact), 304);
    assert.equal(ims(LATER_TEXT, exact), 200);
    assert.equal(ims(EARLIER_TEXT, exact), 200);
    assert.equal(ims(MTIME_TEXT, before), 304);
    assert.equal(ims(LATER_TEXT, before), 304);
    assert.equal(ims(EARLIER_TEXT, before), 200);
    assert.equal(ims(MTIME_TEXT, off), 200);
    assert.equal(ims("not a date", exact), 200);
  }));

Deno.test("StaticFiles.serve() answers 412 when If-Match or If-Unmodified-Since fails", () =>
  withRoot(({ get }) => {
    assert.equal(get("/ten.txt", { "if-match": '"other"' }), 412);
    assert.equal(get("/ten.txt", { "if-match": `W/${ETAG}` }), 412); // strong comparison
    assert.equal(status(get("/ten.txt", { "if-match": ETAG })), 200);
    assert.equal(status(get("/ten.txt", { "if-match": "*" })), 200);
    assert.equal(get("/ten.txt", { "if-unmodified-since": EARLIER_TEXT }), 412);
    assert.equal(status(get("/ten.txt", { "if-unmodified-since": MTIME_TEXT })), 200);
    assert.equal(get("/ten.txt", { "if-match": '"x"', "if-none-match": ETAG }), 412);
  }));

Deno.test("StaticFiles.serve() answers 206 with Content-Range for one range", () =>
  withRoot(({ get }) => {
    const reply = asReply(get("/ten.txt", { range: "bytes=2-4" }));
    assert.equal(reply.status, 206);
    assert.equal(headerIn(reply, "content-range"), "bytes 2-4/10");
    assert.equal(headerIn(reply, "content-type"), "text/plain; charset=utf-8");
    assert.equal(bodyText(reply), "234");
    assert.equal(bodyText(asReply(get("/ten.txt", { range: "bytes=-3" }))), "789");
    assert.equal(bodyText(asReply(get("/ten.txt", { range: "bytes=7-" }))), "789");
    assert.equal(bodyText(asReply(get("/ten.txt", { range: "bytes=8-100" }))), "89");
  }));

Deno.test("StaticFiles.serve() answers multipart/byteranges for several ranges", () =>
  withRoot(({ get }) => {
    const reply = asReply(get("/ten.txt", { range: "bytes=0-1,8-9" }));
    assert.equal(reply.status, 206);
    const type = headerIn(reply, "content-type")!;
    assert.match(type, /^multipart\/byteranges; boundary=\w+$/);
    const boundary = type.slice(type.indexOf("=") + 1);
    assert.ok(Array.isArray(reply.body));
    assert.equal(
      bodyText(reply),
      `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/10\r\n\r\n01` +
        `\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 8-9/10\r\n\r\n89` +
        `\r\n--${boundary}--\r\n`,
    );
  }));

Deno.test("StaticFiles.serve() answers 416 with Content-Range: bytes */size when no range fits", () =>
  withRoot(({ get }) => {
    const reply = asReply(get("/ten.txt", { range: "bytes=10-" }));
    assert.equal(reply.status, 416);
    assert.equal(headerIn(reply, "content-range"), "bytes */10");
    assert.equal(status(get("/ten.txt", { range: "bytes=x-y" })), 200); // invalid: ignored
    assert.equal(status(get("/ten.txt", { range: "bytes=0-1" }, "HEAD")), 200); // HEAD: no ranges
  }));

Deno.test("StaticFiles.serve() honours If-Range by strong ETag and by exact date", () =>
  withRoot(({ get }) => {
    const ranged = (ifRange: string) =>
      status(get("/ten.txt", { range: "bytes=0-1", "if-range": ifRange }));
    assert.equal(ranged(ETAG), 206);
    assert.equal(ranged('"other"'), 200);
    assert.equal(ranged(`W/${ETAG}`), 200); // weak tags never match If-Range
    assert.equal(ranged(MTIME_TEXT), 206);
    assert.equal(ranged(LATER_TEXT), 200);
    assert.equal(ranged("garbage"), 200);
  }));

Deno.test("StaticFiles.serve() answers 405 for methods other than GET and HEAD", () =>
  withRoot(({ get }) => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
      assert.equal(get("/ten.txt", {}, method), 405, method);
    }
    assert.equal(get("/missing.txt", {}, "POST"), 404); // nginx looks before it refuses POST
    const head = asReply(get("/ten.txt", {}, "HEAD"));
    assert.equal(head.status, 200);
  }));

Deno.test("StaticFiles.serve() answers 404 for a missing file and a file used as a directory", () =>
  withRoot(({ get }) => {
    assert.equal(get("/missing.txt"), 404);
    assert.equal(get("/ten.txt/x"), 404);
  }));

Deno.test("StaticFiles.serve() never serves a file stale after a same-size rewrite", () =>
  withRoot(async ({ root, get }) => {
    const path = `${root}/page.html`;
    await Deno.writeTextFile(path, "first");
    assert.equal(bodyText(asReply(get("/page.html"))), "first");
    await Deno.writeTextFile(path, "secnd"); // same size, same second (and likely the same tick)
    assert.equal(bodyText(asReply(get("/page.html"))), "secnd");
    await Deno.writeTextFile(path, "third");
    await Deno.utime(path, MTIME, MTIME); // even with mtime pinned to the same value
    assert.equal(bodyText(asReply(get("/page.html"))), "third");
    await Deno.writeTextFile(path, "forth");
    await Deno.utime(path, MTIME, MTIME);
    assert.equal(bodyText(asReply(get("/page.html"))), "forth");
    await Deno.remove(path);
    assert.equal(get("/page.html"), 404);
  }));

Deno.test("StaticFiles.serve() sends a file above maxFileSize as a FileRange of the open file", () =>
  withRoot(async ({ root, settings }) => {
    const data = new Uint8Array(5000).map((_, i) => i % 251);
    await Deno.writeFile(`${root}/big.bin`, data);
    const files = new StaticFiles({ maxFileSize: 1024, totalBytes: 1 << 20 });
    const get = (headers: Record<string, string> = {}) =>
      asReply(
        files.serve(testExchange("/big.bin", headers), "/big.bin", `${root}/big.bin`, settings),
      );
    const whole = get();
    const range = whole.body as FileRange;
    assert.ok(range.file instanceof Deno.FsFile);
    assert.deepEqual([range.offset, range.length], [0, 5000]);
    assert.deepEqual(readRange(range), data);
    assert.equal(files.isCached(`${root}/big.bin`), false);

    const part = get({ range: "bytes=1000-1999" });
    const partRange = part.body as FileRange;
    assert.equal(headerIn(part, "content-range"), "bytes 1000-1999/5000");
    assert.deepEqual([partRange.offset, partRange.length], [1000, 1000]);
    assert.deepEqual(readRange(partRange), data.subarray(1000, 2000));

    const multi = get({ range: "bytes=0-9,4990-" });
    const pieces = multi.body as (Uint8Array | FileRange)[];
    const ranges = pieces.filter((piece): piece is FileRange => !(piece instanceof Uint8Array));
    assert.deepEqual(ranges.map((r) => [r.offset, r.length]), [[0, 10], [4990, 10]]);
    assert.deepEqual(readRange(ranges[1]), data.subarray(4990));
    readRange(ranges[0]);

    assert.equal(get({ "if-none-match": headerIn(whole, "etag")! }).status, 304); // nothing opened
  }));

function readRange(range: FileRange): Uint8Array {
  const out = new Uint8Array(range.length);
  range.file.seekSync(range.offset, Deno.SeekMode.Start);
  let read = 0;
  while (read < range.length) read += range.file.readSync(out.subarray(read)) ?? range.length;
  range.file.close();
  return out;
}

Deno.test("StaticFiles caches small files in memory and evicts by total bytes, least recent first", () =>
  withRoot(async ({ root, settings }) => {
    const files = new StaticFiles({ maxFileSize: 2048, totalBytes: 3 * 1024 + 3 * 512 });
    for (const name of ["a", "b", "c", "d"]) {
      await Deno.writeFile(`${root}/${name}.bin`, new Uint8Array(1024).fill(name.charCodeAt(0)));
    }
    const get = (name: string) =>
      asReply(
        files.serve(testExchange(`/${name}.bin`), `/${name}.bin`, `${root}/${name}.bin`, settings),
      );
    const cached = () =>
      ["a", "b", "c", "d"].filter((name) => files.isCached(`${root}/${name}.bin`));
    get("a");
    get("b");
    get("c");
    assert.deepEqual(cached(), ["a", "b", "c"]);
    get("a"); // a is used again: b is now the least recent
    get("d");
    assert.deepEqual(cached(), ["a", "c", "d"]);
    assert.ok(files.cachedBytes <= 3 * 1024 + 3 * 512);
    assert.equal(bodyText(get("b")).length, 1024); // evicted files are read again
    assert.equal(cached().length, 3);
  }));

Deno.test("StaticFiles keeps nothing when totalBytes is 0, and still serves", () =>
  withRoot(({ root, settings }) => {
    const files = new StaticFiles({ maxFileSize: 4096, totalBytes: 0 });
    const reply = asReply(
      files.serve(testExchange("/ten.txt"), "/ten.txt", `${root}/ten.txt`, settings),
    );
    assert.equal(bodyText(reply), "0123456789");
    assert.equal(files.isCached(`${root}/ten.txt`), false);
    assert.equal(files.cachedBytes, 0);
  }));

Deno.test("StaticFiles.serve() sends the Last-Modified the toolkit formats", () =>
  withRoot(({ get }) => {
    assert.equal(headerIn(asReply(get("/ten.txt")), "last-modified"), formatHttpDate(MTIME));
  }));
