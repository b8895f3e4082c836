// The SMTP line reader: line ends, the length limit, bad bytes, timeouts, and what is left.

import assert from "node:assert/strict";
import { LineReader } from "./_lines.ts";
import { scripted } from "./_test_util.ts";

Deno.test("LineReader.next() returns CRLF and LF lines split across reads, then the end", async () => {
  const lines = new LineReader(scripted("NO", "OP\r", "\nHELO a\nQU", "IT\r\n", "tail"), {
    maxLine: 512,
  });
  assert.deepEqual(await lines.next(1000), { kind: "line", text: "NOOP" });
  assert.deepEqual(await lines.next(1000), { kind: "line", text: "HELO a" });
  assert.deepEqual(await lines.next(1000), { kind: "line", text: "QUIT" });
  assert.deepEqual(await lines.next(1000), { kind: "end" });
  assert.deepEqual(await lines.next(1000), { kind: "end" });
});

Deno.test("LineReader.next() says long once the limit is passed and skips to the next LF", async () => {
  const lines = new LineReader(
    scripted("x".repeat(8), "yyyy", "zz\r\nOK\r\n", `${"a".repeat(9)}\r\n`, `${"b".repeat(8)}\r\n`),
    { maxLine: 10 },
  );
  assert.deepEqual(await lines.next(1000), { kind: "long" }); // 12 bytes and no LF yet
  assert.deepEqual(await lines.next(1000), { kind: "line", text: "OK" });
  assert.deepEqual(await lines.next(1000), { kind: "long" }); // 11 bytes with CRLF
  assert.deepEqual(await lines.next(1000), { kind: "line", text: "b".repeat(8) }); // exactly 10
});

Deno.test("LineReader.next() says bad for a bare CR or a NUL in a line", async () => {
  const lines = new LineReader(scripted("A\rB\r\nA\0B\r\nOK\r\r\n"), { maxLine: 512 });
  assert.deepEqual(await lines.next(1000), { kind: "bad" });
  assert.deepEqual(await lines.next(1000), { kind: "bad" });
  assert.deepEqual(await lines.next(1000), { kind: "bad" }); // "OK\r" then CRLF
});

Deno.test("LineReader.ready() and rest() tell what is buffered", async () => {
  const lines = new LineReader(scripted("ONE\r\nTWO\r\npartial"), { maxLine: 512 });
  assert.equal(lines.ready(), false);
  assert.deepEqual(await lines.next(1000), { kind: "line", text: "ONE" });
  assert.equal(lines.ready(), true);
  assert.deepEqual(await lines.next(1000), { kind: "line", text: "TWO" });
  assert.equal(lines.ready(), false);
  assert.equal(new TextDecoder().decode(lines.rest()), "partial");
  assert.equal(lines.rest().length, 0);
});

Deno.test("LineReader.next() times out and keeps the read under way for the next call", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const client = await Deno.connect({ port: (listener.addr as Deno.NetAddr).port });
  const server = await accepted;
  listener.close();
  const lines = new LineReader(server, { maxLine: 512 });
  const start = Date.now();
  assert.deepEqual(await lines.next(100), { kind: "timeout" });
  assert.ok(Date.now() - start >= 95);
  assert.equal(lines.reading, true);
  assert.equal(await lines.waitForData(50), "timeout");
  await client.write(new TextEncoder().encode("EHLO x\r\n"));
  assert.equal(await lines.waitForData(5_000), "data");
  assert.deepEqual(await lines.next(5_000), { kind: "line", text: "EHLO x" });
  client.close();
  assert.deepEqual(await lines.next(5_000), { kind: "end" });
  assert.equal(await lines.waitForData(5_000), "end");
  server.close();
});
