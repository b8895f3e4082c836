import assert from "node:assert/strict";
import { readByteranges } from "./_test_byteranges.ts";
import { Forbidden, NotFound } from "./exceptions.ts";
import { fileEtag } from "./http/etag.ts";
import { formatHttpDate } from "./http/dates.ts";
import { sendFile, sendFromDirectory, type StaticFileOptions } from "./static_files.ts";

const SMALL = "0123456789abcdefghijklmnopqrstuvwxyz"; // 36 bytes
const LARGE_SIZE = 1536 * 1024 + 7; // 1.5 MiB and a bit: streamed in 64 KiB reads
const LINUX = Deno.build.os === "linux";

interface Fixture {
  root: string;
  large: Uint8Array;
}

/** A directory with a small text file, a large binary file, a dotfile and a sub-directory. */
async function withFixture(run: (fixture: Fixture) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "ngw2f_static_" });
  try {
    const large = new Uint8Array(LARGE_SIZE);
    for (let i = 0; i < large.length; i += 65536) {
      crypto.getRandomValues(large.subarray(i, Math.min(i + 65536, large.length)));
    }
    await Deno.writeTextFile(`${root}/small.txt`, SMALL);
    await Deno.writeFile(`${root}/large.bin`, large);
    await Deno.writeTextFile(`${root}/.env`, "SECRET=1\n");
    await Deno.mkdir(`${root}/sub/.hidden`, { recursive: true });
    await Deno.writeTextFile(`${root}/sub/page.html`, "<p>hi</p>\n");
    await Deno.writeTextFile(`${root}/sub/.hidden/x.txt`, "hidden\n");
    await Deno.writeFile(`${root}/empty.txt`, new Uint8Array(0));
    await run({ root, large });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function get(headers: HeadersInit = {}, method = "GET"): Request {
  return new Request("http://x/", { method, headers });
}

function send(fixture: Fixture, path: string, request = get(), options?: StaticFileOptions) {
  return sendFromDirectory(request, fixture.root, path, options);
}

/** How many file descriptors of this process are open on `target` (Linux only). */
function openFds(target: string): number {
  let count = 0;
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${entry.name}`) === target) count++;
    } catch { /* closed meanwhile */ }
  }
  return count;
}

async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), what);
}

Deno.test("sendFile() sends the bytes with every validator when the request is plain", async () => {
  await withFixture(async (fixture) => {
    const path = `${fixture.root}/small.txt`;
    const info = await Deno.stat(path);
    const response = await sendFile(get(), path);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(response.headers.get("content-length"), "36");
    assert.equal(response.headers.get("accept-ranges"), "bytes");
    assert.equal(response.headers.get("etag"), fileEtag(info));
    assert.equal(response.headers.get("last-modified"), formatHttpDate(info.mtime!));
    assert.equal(response.headers.has("cache-control"), false);
    assert.equal(response.headers.has("vary"), false);
    assert.equal(await response.text(), SMALL);
  });
});

Deno.test("sendFile() streams a large file byte for byte in chunks of at most 64 KiB", async () => {
  await withFixture(async (fixture) => {
    const response = await send(fixture, "large.bin");
    assert.equal(response.headers.get("content-type"), "application/octet-stream");
    assert.equal(response.headers.get("content-length"), String(LARGE_SIZE));
    const chunks: Uint8Array[] = [];
    for await (const chunk of response.body!) {
      assert.ok(chunk.length <= 65536);
      chunks.push(chunk);
    }
    assert.ok(chunks.length >= 24);
    assert.deepEqual(await new Blob(chunks as Uint8Array<ArrayBuffer>[]).bytes(), fixture.large);
  });
});

Deno.test("sendFile() answers HEAD with the full Content-Length and no body", async () => {
  await withFixture(async (fixture) => {
    for (const [path, size] of [["small.txt", 36], ["large.bin", LARGE_SIZE], ["empty.txt", 0]]) {
      const response = await send(fixture, path as string, get({ range: "bytes=0-0" }, "HEAD"));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-length"), String(size));
      assert.equal(response.body, null);
    }
    if (LINUX) assert.equal(openFds(`${fixture.root}/large.bin`), 0);
  });
});

Deno.test("sendFile() returns 304 when If-None-Match matches weakly", async () => {
  await withFixture(async (fixture) => {
    const first = await send(fixture, "small.txt", get(), { maxAge: 60 });
    const etag = first.headers.get("etag")!;
    await first.body?.cancel();
    for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const response = await send(fixture, "small.txt", get({ "if-none-match": tag }), {
        maxAge: 60,
        precompressed: true,
      });
      assert.equal(response.status, 304, tag);
      assert.equal(response.body, null);
      assert.equal(response.headers.get("etag"), etag);
      assert.equal(response.headers.get("cache-control"), "public, max-age=60");
      assert.equal(response.headers.get("vary"), "Accept-Encoding");
      assert.ok(response.headers.has("last-modified"));
      assert.equal(response.headers.has("content-type"), false);
      assert.equal(response.headers.has("content-length"), false);
    }
    const other = await send(fixture, "small.txt", get({ "if-none-match": '"nope"' }));
    assert.equal(other.status, 200);
    await other.body?.cancel();
  });
});

Deno.test("sendFile() returns 412 when If-Match fails and sends when it matches", async () => {
  await withFixture(async (fixture) => {
    const failed = await send(fixture, "small.txt", get({ "if-match": '"not-it"' }));
    assert.equal(failed.status, 412);
    assert.equal(failed.body, null);
    const etag = fileEtag(await Deno.stat(`${fixture.root}/small.txt`));
    const passed = await send(fixture, "small.txt", get({ "if-match": etag }));
    assert.equal(passed.status, 200);
    assert.equal(await passed.text(), SMALL);
    const unsafe = await send(fixture, "small.txt", get({ "if-none-match": etag }, "POST"));
    assert.equal(unsafe.status, 412);
  });
});

Deno.test("sendFile() returns 304 when If-Modified-Since is the file's second", async () => {
  await withFixture(async (fixture) => {
    const path = `${fixture.root}/small.txt`;
    await Deno.utime(path, 1_700_000_000.75, 1_700_000_000.75);
    const same = await sendFile(
      get({ "if-modified-since": formatHttpDate(1_700_000_000_000) }),
      path,
    );
    assert.equal(same.status, 304);
    const older = await sendFile(
      get({ "if-modified-since": formatHttpDate(1_699_999_999_000) }),
      path,
    );
    assert.equal(older.status, 200);
    await older.body?.cancel();
    const unmodified = await sendFile(
      get({ "if-unmodified-since": formatHttpDate(1_699_999_999_000) }, "PUT"),
      path,
    );
    assert.equal(unmodified.status, 412);
  });
});

Deno.test("sendFile() ignores preconditions when conditional is false", async () => {
  await withFixture(async (fixture) => {
    const response = await send(fixture, "small.txt", get({ "if-none-match": "*" }), {
      conditional: false,
    });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), SMALL);
  });
});

Deno.test("sendFile() returns 206 with exact bytes when one range is asked", async () => {
  await withFixture(async (fixture) => {
    const cases: [string, string, string][] = [
      ["bytes=0-0", "0", "bytes 0-0/36"],
      ["bytes=10-15", "abcdef", "bytes 10-15/36"],
      ["bytes=-4", "wxyz", "bytes 32-35/36"],
      ["bytes=30-", "uvwxyz", "bytes 30-35/36"],
      ["bytes=-100", SMALL, "bytes 0-35/36"],
      ["bytes=0-9, 5-14", SMALL.slice(0, 15), "bytes 0-14/36"],
      ["bytes=0-4, 5-9", SMALL.slice(0, 10), "bytes 0-9/36"],
    ];
    for (const [range, body, contentRange] of cases) {
      const response = await send(fixture, "small.txt", get({ range }));
      assert.equal(response.status, 206, range);
      assert.equal(response.headers.get("content-range"), contentRange);
      assert.equal(response.headers.get("content-length"), String(body.length));
      assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.equal(await response.text(), body);
    }
  });
});

Deno.test("sendFile() streams a range of a large file byte for byte", async () => {
  await withFixture(async (fixture) => {
    const start = 100_000;
    const end = 1_300_000;
    const response = await send(fixture, "large.bin", get({ range: `bytes=${start}-${end}` }));
    assert.equal(response.status, 206);
    assert.equal(response.headers.get("content-range"), `bytes ${start}-${end}/${LARGE_SIZE}`);
    assert.equal(response.headers.get("content-length"), String(end - start + 1));
    const bytes = await response.bytes();
    assert.equal(bytes.length, end - start + 1);
    assert.deepEqual(bytes, fixture.large.subarray(start, end + 1));
    const tail = await send(fixture, "large.bin", get({ range: "bytes=-70000" }));
    assert.deepEqual(await tail.bytes(), fixture.large.subarray(LARGE_SIZE - 70000));
  });
});

Deno.test("sendFile() sends multipart/byteranges that parse back when several ranges are asked", async () => {
  await withFixture(async (fixture) => {
    const small = await send(fixture, "small.txt", get({ range: "bytes=30-, 0-2, 1-3, 10-10" }));
    assert.equal(small.status, 206);
    const smallParts = await readByteranges(small);
    assert.deepEqual(smallParts.map((p) => p.range), [
      "bytes 30-35/36",
      "bytes 0-3/36",
      "bytes 10-10/36",
    ]);
    assert.deepEqual(smallParts.map((p) => new TextDecoder().decode(p.body)), [
      "uvwxyz",
      "0123",
      "a",
    ]);
    assert.ok(smallParts.every((p) => p.type === "text/plain; charset=utf-8"));

    const ranges = [[1_000_000, 1_200_000], [5, 70_000], [LARGE_SIZE - 10, LARGE_SIZE - 1]];
    const header = "bytes=" + ranges.map(([a, b]) => `${a}-${b}`).join(",");
    const large = await send(fixture, "large.bin", get({ range: header }));
    const parts = await readByteranges(large);
    assert.equal(parts.length, 3);
    parts.forEach((part, i) => {
      const [a, b] = ranges[i];
      assert.equal(part.range, `bytes ${a}-${b}/${LARGE_SIZE}`);
      assert.equal(part.type, "application/octet-stream");
      assert.deepEqual(part.body, fixture.large.subarray(a, b + 1));
    });
  });
});

Deno.test("sendFile() returns 416 with bytes */size when no range is satisfiable", async () => {
  await withFixture(async (fixture) => {
    for (const [path, size] of [["small.txt", 36], ["large.bin", LARGE_SIZE], ["empty.txt", 0]]) {
      const response = await send(fixture, path as string, get({ range: `bytes=${size}-` }));
      assert.equal(response.status, 416);
      assert.equal(response.headers.get("content-range"), `bytes */${size}`);
      assert.equal(response.body, null);
    }
  });
});

Deno.test("sendFile() sends the whole file when Range is invalid, too many or turned off", async () => {
  await withFixture(async (fixture) => {
    const many = "bytes=" + Array.from({ length: 17 }, (_, i) => `${i * 2}-${i * 2}`).join(",");
    for (const range of ["bytes=5-1", "lines=1-2", "bytes=x-", many]) {
      const response = await send(fixture, "small.txt", get({ range }));
      assert.equal(response.status, 200, range);
      assert.equal(await response.text(), SMALL);
    }
    const off = await send(fixture, "small.txt", get({ range: "bytes=0-0" }), {
      acceptRanges: false,
    });
    assert.equal(off.status, 200);
    assert.equal(off.headers.has("accept-ranges"), false);
    assert.equal(await off.text(), SMALL);
    const capped = await send(fixture, "small.txt", get({ range: "bytes=0-0,2-2,4-4" }), {
      maxRanges: 2,
    });
    assert.equal(capped.status, 200);
    await capped.body?.cancel();
  });
});

Deno.test("sendFile() sends the whole file when If-Range does not match", async () => {
  await withFixture(async (fixture) => {
    const path = `${fixture.root}/small.txt`;
    const info = await Deno.stat(path);
    const stale = await sendFile(get({ range: "bytes=0-1", "if-range": '"old"' }), path);
    assert.equal(stale.status, 200);
    assert.equal(await stale.text(), SMALL);
    const weak = await sendFile(
      get({ range: "bytes=0-1", "if-range": `W/${fileEtag(info)}` }),
      path,
    );
    assert.equal(weak.status, 200);
    await weak.body?.cancel();
    const tag = await sendFile(get({ range: "bytes=0-1", "if-range": fileEtag(info) }), path);
    assert.equal(tag.status, 206);
    assert.equal(await tag.text(), "01");
    const date = await sendFile(
      get({ range: "bytes=0-1", "if-range": formatHttpDate(info.mtime!) }),
      path,
    );
    assert.equal(date.status, 206);
    await date.body?.cancel();
  });
});

Deno.test("sendFromDirectory() throws NotFound when the path escapes or is not a file", async () => {
  await withFixture(async (fixture) => {
    for (
      const path of [
        "../small.txt",
        "sub/../../etc/passwd",
        "..",
        "/etc/passwd",
        fixture.root + "/small.txt",
        "small.txt\0.png",
        "..\\small.txt",
        "C:/Windows/win.ini",
        "",
        "sub",
        "sub/",
        "missing.txt",
        "small.txt/x",
        "x".repeat(5000),
      ]
    ) {
      await assert.rejects(send(fixture, path), NotFound, JSON.stringify(path));
    }
    const inside = await send(fixture, "sub/../small.txt");
    assert.equal(await inside.text(), SMALL);
  });
});

Deno.test("sendFile() throws NotFound when the file is missing or a directory", async () => {
  await withFixture(async (fixture) => {
    await assert.rejects(sendFile(get(), `${fixture.root}/nope.txt`), NotFound);
    await assert.rejects(sendFile(get(), fixture.root), NotFound);
  });
});

Deno.test("sendFromDirectory() hides dotfiles when dotfiles is ignore or deny", async () => {
  await withFixture(async (fixture) => {
    for (const path of [".env", "sub/.hidden/x.txt", ".env/"]) {
      await assert.rejects(send(fixture, path), NotFound, path);
      await assert.rejects(send(fixture, path, get(), { dotfiles: "deny" }), Forbidden, path);
    }
    const allowed = await send(fixture, ".env", get(), { dotfiles: "allow" });
    assert.equal(await allowed.text(), "SECRET=1\n");
    const nested = await send(fixture, "sub/.hidden/x.txt", get(), { dotfiles: "allow" });
    assert.equal(await nested.text(), "hidden\n");
    const dotSegments = await send(fixture, "./sub/./page.html");
    assert.equal(await dotSegments.text(), "<p>hi</p>\n");
  });
});

Deno.test("sendFromDirectory() refuses symlinks leaving the directory when followSymlinks is false", async () => {
  await withFixture(async (fixture) => {
    const outside = await Deno.makeTempFile();
    try {
      await Deno.writeTextFile(outside, "outside\n");
      await Deno.symlink(outside, `${fixture.root}/out.txt`);
      await Deno.symlink(`${fixture.root}/small.txt`, `${fixture.root}/in.txt`);
      const followed = await send(fixture, "out.txt");
      assert.equal(await followed.text(), "outside\n");
      await assert.rejects(send(fixture, "out.txt", get(), { followSymlinks: false }), NotFound);
      const inside = await send(fixture, "in.txt", get(), { followSymlinks: false });
      assert.equal(await inside.text(), SMALL);
      await assert.rejects(
        sendFile(get(), `${fixture.root}/in.txt`, { followSymlinks: false }),
        NotFound,
      );
      const plain = await sendFile(get(), `${fixture.root}/small.txt`, { followSymlinks: false });
      assert.equal(await plain.text(), SMALL);
    } finally {
      await Deno.remove(outside);
    }
  });
});

Deno.test("sendFile() serves a precompressed sibling when the client accepts it", async () => {
  await withFixture(async (fixture) => {
    const root = fixture.root;
    await Deno.writeTextFile(`${root}/app.js`, "identity");
    await Deno.writeTextFile(`${root}/app.js.gz`, "gzipped!");
    await Deno.writeTextFile(`${root}/app.js.br`, "brotli-ed");
    await Deno.writeTextFile(`${root}/only.css`, "identity");
    await Deno.writeTextFile(`${root}/only.css.gz`, "gzipped!");
    const cases: [string, string | null, string, StaticFileOptions["precompressed"]?][] = [
      ["app.js", "gzip, deflate, br", "br"],
      ["app.js", "gzip", "gzip"],
      ["app.js", "br;q=0.5, gzip", "gzip"],
      ["app.js", "br, gzip;q=0.9", "br"],
      ["app.js", "gzip;q=0, br;q=0", "identity"],
      ["app.js", "identity, gzip;q=0.5", "identity"],
      ["app.js", "*", "br"],
      ["app.js", "x-gzip", "gzip"],
      ["app.js", "", "identity"],
      ["app.js", null, "identity"],
      ["app.js", "br, gzip", "gzip", ["gzip"]],
      ["only.css", "br, gzip", "gzip"],
    ];
    for (const [path, acceptEncoding, expected, precompressed = true] of cases) {
      const headers: HeadersInit = acceptEncoding === null
        ? {}
        : { "accept-encoding": acceptEncoding };
      const response = await send(fixture, path, get(headers), { precompressed });
      const label = `${path} with ${acceptEncoding}`;
      assert.equal(response.headers.get("vary"), "Accept-Encoding", label);
      assert.equal(
        response.headers.get("content-encoding"),
        expected === "identity" ? null : expected,
        label,
      );
      assert.match(
        response.headers.get("content-type")!,
        path.endsWith(".js") ? /^text\/javascript/ : /^text\/css/,
      );
      const body = await response.text();
      assert.equal(
        body,
        { identity: "identity", gzip: "gzipped!", br: "brotli-ed" }[expected],
        label,
      );
      assert.equal(response.headers.get("content-length"), String(body.length));
    }
    const plain = await send(fixture, "app.js", get({ "accept-encoding": "br" }));
    assert.equal(plain.headers.has("vary"), false);
    assert.equal(await plain.text(), "identity");
    const br = await send(fixture, "app.js", get({ "accept-encoding": "br" }), {
      precompressed: true,
    });
    const id = await send(fixture, "app.js", get(), { precompressed: true });
    assert.notEqual(br.headers.get("etag"), id.headers.get("etag"));
    await br.body?.cancel();
    await id.body?.cancel();
  });
});

Deno.test("sendFile() sets Content-Disposition when download is asked", async () => {
  await withFixture(async (fixture) => {
    const named = await send(fixture, "small.txt", get(), { download: true });
    assert.equal(named.headers.get("content-disposition"), "attachment; filename=small.txt");
    await named.body?.cancel();
    const renamed = await send(fixture, "small.txt", get(), { download: "Résumé 2024.txt" });
    assert.equal(
      renamed.headers.get("content-disposition"),
      `attachment; filename="Resume 2024.txt"; filename*=UTF-8''R%C3%A9sum%C3%A9%202024.txt`,
    );
    await renamed.body?.cancel();
    const gz = await send(fixture, "sub/page.html", get(), { download: true });
    assert.equal(gz.headers.get("content-disposition"), "attachment; filename=page.html");
    await gz.body?.cancel();
  });
});

Deno.test("sendFile() applies header options when they are given", async () => {
  await withFixture(async (fixture) => {
    const response = await send(fixture, "small.txt", get(), {
      etag: "v1",
      lastModified: false,
      contentType: "text/x-custom",
      cacheControl: "no-store",
      maxAge: 10,
      headers: { "x-extra": "1", "cache-control": "private" },
    });
    assert.equal(response.headers.get("etag"), '"v1"');
    assert.equal(response.headers.has("last-modified"), false);
    assert.equal(response.headers.get("content-type"), "text/x-custom");
    assert.equal(response.headers.get("cache-control"), "private");
    assert.equal(response.headers.get("x-extra"), "1");
    await response.body?.cancel();
    const quoted = await send(fixture, "small.txt", get({ "if-none-match": 'W/"v2"' }), {
      etag: 'W/"v2"',
      lastModified: new Date(0),
    });
    assert.equal(quoted.status, 304);
    assert.equal(quoted.headers.get("last-modified"), "Thu, 01 Jan 1970 00:00:00 GMT");
    const none = await send(fixture, "small.txt", get({ "if-none-match": "*" }), { etag: false });
    assert.equal(none.headers.has("etag"), false);
    assert.equal(none.status, 304);
    const cache = async (options: StaticFileOptions) => {
      const r = await send(fixture, "small.txt", get(), options);
      await r.body?.cancel();
      return r.headers.get("cache-control");
    };
    assert.equal(await cache({ maxAge: 3600 }), "public, max-age=3600");
    assert.equal(await cache({ maxAge: 3600, immutable: true }), "public, max-age=3600, immutable");
    assert.equal(await cache({ immutable: true }), "public, max-age=31536000, immutable");
    assert.equal(await cache({ maxAge: -5 }), "public, max-age=0");
    const md = await send(fixture, "small.txt", get(), { mimeTypes: { txt: "text/markdown" } });
    assert.equal(md.headers.get("content-type"), "text/markdown");
    await md.body?.cancel();
  });
});

Deno.test("sendFile() streams files above inMemoryLimit and reads smaller ones whole", async () => {
  await withFixture(async (fixture) => {
    const streamed = await send(fixture, "small.txt", get({ range: "bytes=1-2,4-5" }), {
      inMemoryLimit: 0,
      chunkSize: 1,
    });
    const parts = await readByteranges(streamed);
    assert.deepEqual(parts.map((p) => new TextDecoder().decode(p.body)), ["12", "45"]);
    const chunked = await send(fixture, "small.txt", get(), { inMemoryLimit: 0, chunkSize: 5 });
    const sizes: number[] = [];
    for await (const chunk of chunked.body!) sizes.push(chunk.length);
    assert.deepEqual(sizes, [5, 5, 5, 5, 5, 5, 5, 1]);
    const whole = await send(fixture, "large.bin", get({ range: "bytes=0-0" }), {
      inMemoryLimit: LARGE_SIZE,
    });
    assert.deepEqual(await whole.bytes(), fixture.large.subarray(0, 1));
    const empty = await send(fixture, "empty.txt");
    assert.equal(empty.headers.get("content-length"), "0");
    assert.equal(await empty.text(), "");
  });
});

Deno.test({
  name: "sendFile() closes the file when the body is consumed, cancelled or fails",
  ignore: !LINUX,
  fn: async () => {
    await withFixture(async (fixture) => {
      const large = `${fixture.root}/large.bin`;
      const shrinking = `${fixture.root}/shrinking.bin`;
      const closed = (what: string) =>
        eventually(() => openFds(large) === 0 && openFds(shrinking) === 0, what);
      const consumed = await send(fixture, "large.bin");
      assert.ok(openFds(large) > 0);
      await consumed.bytes();
      await closed("after the last byte");

      const cancelled = await send(fixture, "large.bin", get({ range: "bytes=0-10,500000-" }));
      const reader = cancelled.body!.getReader();
      await reader.read();
      await reader.read();
      assert.ok(openFds(large) > 0);
      await reader.cancel();
      await closed("after a cancel mid-stream");

      const unread = await send(fixture, "large.bin");
      await unread.body!.cancel();
      await closed("after a cancel before reading");

      await Deno.writeFile(shrinking, fixture.large);
      const failing = await sendFile(get(), shrinking);
      await Deno.truncate(shrinking, 100_000);
      await assert.rejects(failing.bytes(), /ended \d+ bytes early/);
      await closed("after a read error");
    });
  },
});

Deno.test({
  name: "sendFile() closes the file when a real client goes away mid-stream",
  ignore: !LINUX,
  fn: async () => {
    await withFixture(async (fixture) => {
      const big = `${fixture.root}/big.bin`;
      await Deno.writeFile(big, new Uint8Array(32 * 1024 * 1024));
      const server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen: () => {} },
        (request) => sendFile(request, big),
      );
      try {
        const url = `http://127.0.0.1:${server.addr.port}/`;
        const head = await fetch(url, { method: "HEAD" });
        assert.equal(head.headers.get("content-length"), String(32 * 1024 * 1024));
        await head.body?.cancel();
        const partial = await fetch(url, { headers: { range: "bytes=-5" } });
        assert.equal(partial.status, 206);
        assert.equal((await partial.bytes()).length, 5);
        assert.equal(openFds(big), 0);
        const controller = new AbortController();
        const response = await fetch(url, { signal: controller.signal });
        const reader = response.body!.getReader();
        await reader.read();
        assert.ok(openFds(big) > 0);
        controller.abort();
        await reader.cancel().catch(() => {});
        await eventually(() => openFds(big) === 0, "the file is closed after the client left");
      } finally {
        await server.shutdown();
      }
    });
  },
});
