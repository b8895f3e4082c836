import assert from "node:assert/strict";
import type { FileRange, Reply } from "../types.ts";
import {
  connect,
  exchange,
  readAll,
  ResponseReader,
  send,
  startCore,
  statusOf,
} from "./_test_util.ts";

const encoder = new TextEncoder();

/** A temp file of `size` bytes (a repeating alphabet) and a way to open ranges of it. */
async function tempFile(size: number) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/file.txt`;
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = 97 + (i % 26);
  await Deno.writeFile(path, bytes);
  const opened: Deno.FsFile[] = [];
  return {
    text: new TextDecoder().decode(bytes),
    opened,
    range(offset: number, length: number): FileRange {
      const file = Deno.openSync(path);
      opened.push(file);
      return { file, offset, length };
    },
    /** Whether every file opened was closed (a closed file's stat fails). */
    allClosed(): boolean {
      return opened.every((file) => {
        try {
          file.statSync();
          return false;
        } catch {
          return true;
        }
      });
    },
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("serveListener() sends no body but the GET's Content-Length for HEAD", async () => {
  await using file = await tempFile(100);
  await using core = startCore(() => ({ status: 200, headers: [], body: file.range(0, 100) }));
  const raw = await exchange(core.port, "HEAD / HTTP/1.0\r\n\r\n");
  assert.match(raw, /Content-Length: 100\r\n/);
  assert.ok(raw.endsWith("\r\n\r\n"));
  assert.ok(file.allClosed());
});

Deno.test("serveListener() sends no body and no Content-Length for 204 and 304", async () => {
  await using core = startCore((ex) => ({
    status: ex.head.path === "/204" ? 204 : 304,
    headers: ["ETag", '"x"'],
    body: encoder.encode("dropped"),
  }));
  const conn = await connect(core.port);
  await send(conn, "GET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\n");
  const reader = new ResponseReader(conn);
  const noContent = await reader.next();
  assert.equal(noContent.status, 204);
  assert.equal(noContent.headers.has("content-length"), false);
  const notModified = await reader.next();
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers.get("etag"), '"x"');
  conn.close();
});

Deno.test("serveListener() sends Content-Length: 0 for a null body", async () => {
  await using core = startCore(() => ({ status: 200, headers: [], body: null }));
  const raw = await exchange(core.port, "GET / HTTP/1.0\r\n\r\n");
  assert.match(raw, /Content-Length: 0\r\n/);
});

Deno.test("serveListener() sends file ranges small and large, and closes the files", async () => {
  await using file = await tempFile(200_000);
  await using core = startCore((ex) => {
    const [offset, length] = ex.head.query.split(",").map(Number);
    return { status: 200, headers: [], body: file.range(offset, length) };
  });
  const conn = await connect(core.port);
  const reader = new ResponseReader(conn);
  for (const [offset, length] of [[0, 10], [5, 1000], [100, 20_000], [3, 150_000], [0, 200_000]]) {
    await send(conn, `GET /?${offset},${length} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const response = await reader.next();
    assert.equal(response.headers.get("content-length"), String(length));
    assert.equal(response.body, file.text.slice(offset, offset + length));
  }
  conn.close();
  assert.ok(file.allClosed());
  assert.equal(core.completed[4].bodyBytesSent, 200_000);
});

Deno.test("serveListener() sends a multi-part body of bytes and file ranges", async () => {
  await using file = await tempFile(100_000);
  await using core = startCore(() => ({
    status: 206,
    headers: ["Content-Type", "multipart/byteranges; boundary=B"],
    body: [
      encoder.encode("--B\r\n\r\n"),
      file.range(0, 5),
      encoder.encode("\r\n--B\r\n\r\n"),
      file.range(50_000, 40_000),
      encoder.encode("\r\n--B--\r\n"),
    ],
  }));
  const conn = await connect(core.port);
  await send(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const response = await new ResponseReader(conn).next();
  conn.close();
  const expected = "--B\r\n\r\n" + file.text.slice(0, 5) + "\r\n--B\r\n\r\n" +
    file.text.slice(50_000, 90_000) + "\r\n--B--\r\n";
  assert.equal(response.headers.get("content-length"), String(expected.length));
  assert.equal(response.body, expected);
  assert.ok(file.allClosed());
});

Deno.test("serveListener() answers 500 when a file is shorter than its range", async () => {
  await using file = await tempFile(10);
  await using core = startCore(() => ({ status: 200, headers: [], body: file.range(0, 50) }));
  const conn = await connect(core.port);
  await send(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const { text } = await readAll(conn);
  assert.equal(statusOf(text), 500);
  assert.ok(file.allClosed());
  assert.ok(core.completed[0].error);
});

const stream = (parts: string[]) => ReadableStream.from(parts.map((part) => encoder.encode(part)));

Deno.test("serveListener() sends a stream chunked on HTTP/1.1", async () => {
  await using core = startCore((): Reply => ({
    status: 200,
    headers: [],
    body: stream(["hello", "", " world"]),
  }));
  const conn = await connect(core.port);
  await send(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const reader = new ResponseReader(conn);
  for (let i = 0; i < 2; i++) {
    const response = await reader.next();
    assert.equal(response.headers.get("transfer-encoding"), "chunked");
    assert.equal(response.headers.has("content-length"), false);
    assert.equal(response.body, "hello world");
  }
  conn.close();
});

Deno.test("serveListener() sends a stream close-delimited on HTTP/1.0", async () => {
  await using core = startCore(() => ({ status: 200, headers: [], body: stream(["a", "b"]) }));
  const conn = await connect(core.port);
  await send(conn, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  const { text, closed } = await readAll(conn);
  assert.match(text, /Connection: close\r\n/);
  assert.ok(!/transfer-encoding|content-length/i.test(text));
  assert.ok(text.endsWith("\r\n\r\nab"));
  assert.ok(closed);
});

Deno.test("serveListener() cuts the connection when a stream fails after its head", async () => {
  await using core = startCore(() => ({
    status: 200,
    headers: [],
    body: new ReadableStream({
      pull(controller) {
        controller.enqueue(encoder.encode("part"));
        controller.error(new Error("upstream broke"));
      },
    }),
  }));
  const conn = await connect(core.port);
  await send(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const { text, closed } = await readAll(conn);
  assert.ok(text.includes("4\r\npart\r\n"));
  assert.ok(!text.includes("0\r\n\r\n"));
  assert.ok(closed);
  assert.match(core.completed[0].error!.message, /upstream broke/);
});

Deno.test("serveListener() reports bytes and status of each exchange", async () => {
  await using core = startCore();
  await exchange(core.port, "GET /abc HTTP/1.0\r\n\r\n");
  const [done] = core.completed;
  assert.equal(done.status, 200);
  assert.equal(done.bodyBytesSent, "GET /abc".length);
  assert.ok(done.bytesSent > done.bodyBytesSent);
  assert.equal(done.bytesReceived, "GET /abc HTTP/1.0\r\n\r\n".length);
  assert.ok(done.end >= done.exchange.start);
});

Deno.test("serveListener() sends each reply's own fields when replies differ only there", async () => {
  // Same status, body length and second: the reused head must still follow the fields.
  const tags = ['"a"', '"b"', '"b"'];
  let n = 0;
  await using core = startCore(() => {
    const i = n++;
    const reply: Reply = { status: 200, headers: ["ETag", tags[i]], body: encoder.encode("x") };
    if (i === 2) reply.server = "other";
    return reply;
  });
  const conn = await connect(core.port);
  await send(conn, "GET / HTTP/1.1\r\nHost: a\r\n\r\n".repeat(3));
  const reader = new ResponseReader(conn);
  const first = await reader.next();
  const second = await reader.next();
  const third = await reader.next();
  conn.close();
  assert.equal(first.headers.get("etag"), '"a"');
  assert.equal(second.headers.get("etag"), '"b"');
  assert.equal(second.headers.get("server"), "ngw2f");
  assert.equal(third.headers.get("server"), "other");
  assert.deepEqual([first.body, second.body, third.body], ["x", "x", "x"]);
});
