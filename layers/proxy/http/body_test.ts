// The core's request-body reader, streamed (BodySource) replies and 101 upgrades.

import assert from "node:assert/strict";
import type { BodySource, Exchange, Reply } from "../types.ts";
import {
  connect,
  exchange,
  readAll,
  ResponseReader,
  send,
  sleep,
  startCore,
  statusOf,
  text,
} from "./_test_util.ts";

const decoder = new TextDecoder();

/** Reads a whole request body (chunks copied: each is a view valid until the next read). */
async function readBody(body: BodySource | null): Promise<string> {
  if (body === null) return "<none>";
  let all = "";
  for (let chunk = await body.read(); chunk !== null; chunk = await body.read()) {
    assert.ok(chunk.length > 0);
    all += decoder.decode(chunk);
  }
  return all;
}

const echo = async (ex: Exchange): Promise<Reply> =>
  text(`${ex.body?.length ?? "none"}:${await readBody(ex.body)}`);

Deno.test("a handler reads a Content-Length body; the next request on the connection follows", async () => {
  await using core = startCore(echo);
  const conn = await connect(core.port);
  await send(
    conn,
    "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
  );
  const reader = new ResponseReader(conn);
  assert.equal((await reader.next()).body, "5:hello");
  assert.equal((await reader.next()).body, "none:<none>");
  conn.close();
  assert.equal(core.completed[0].bytesReceived, 48 + 5);
});

Deno.test("a handler reads a chunked body de-chunked, trailers dropped, sent in pieces", async () => {
  await using core = startCore(echo);
  const conn = await connect(core.port);
  await send(conn, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc");
  await sleep(50);
  await send(conn, "\r\n4;ext=1\r\ndefg\r\n0\r\nX-Trailer: 1\r\n\r\n");
  const response = await new ResponseReader(conn).next();
  conn.close();
  assert.equal(response.body, "-1:abcdefg");
});

Deno.test("a large body is read in chunks with the client writing as the handler reads", async () => {
  const size = 5 * 1024 * 1024;
  let chunks = 0;
  await using core = startCore(async (ex) => {
    let total = 0;
    for (let chunk = await ex.body!.read(); chunk; chunk = await ex.body!.read()) {
      total += chunk.length;
      chunks++;
    }
    return text(String(total));
  });
  const conn = await connect(core.port);
  const writing = (async () => {
    await send(conn, `PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`);
    const block = new Uint8Array(256 * 1024).fill(97);
    for (let sent = 0; sent < size; sent += block.length) await send(conn, block);
  })();
  const response = await new ResponseReader(conn).next();
  await writing;
  conn.close();
  assert.equal(response.body, String(size));
  assert.ok(chunks >= size / (64 * 1024), `${chunks} chunks`);
});

Deno.test("a client expecting 100-continue gets it on the first read, not before", async () => {
  let reading: () => void = () => {};
  const started = new Promise<void>((resolve) => reading = resolve);
  await using core = startCore(async (ex) => {
    await started;
    return await echo(ex);
  });
  const conn = await connect(core.port);
  await send(
    conn,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n",
  );
  const buf = new Uint8Array(100);
  const pending = conn.read(buf);
  const first = await Promise.race([pending, sleep(200).then(() => "nothing yet")]);
  assert.equal(first, "nothing yet", "no 100 Continue before the handler reads");
  reading();
  const n = await pending;
  assert.equal(decoder.decode(buf.subarray(0, n!)), "HTTP/1.1 100 Continue\r\n\r\n");
  await send(conn, "ok");
  const response = await new ResponseReader(conn).next();
  conn.close();
  assert.equal(response.body, "2:ok");
});

Deno.test("a body the handler half reads is skipped after the reply; keep-alive holds", async () => {
  await using core = startCore(async (ex) => {
    if (ex.body) await ex.body.read();
    return text("partial");
  });
  const conn = await connect(core.port);
  await send(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234");
  const reader = new ResponseReader(conn);
  assert.equal((await reader.next()).body, "partial");
  await send(conn, "56789GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.equal((await reader.next()).body, "partial");
  conn.close();
});

Deno.test("a client that stops sending its body fails the read at the body timeout", async () => {
  let failure = "";
  await using core = startCore(async (ex) => {
    try {
      await readBody(ex.body);
    } catch (error) {
      failure = String(error);
    }
    return text("late");
  }, { bodyTimeout: 300 });
  const conn = await connect(core.port);
  await send(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n012");
  const started = Date.now();
  await readAll(conn, 2_000);
  const waited = Date.now() - started;
  assert.ok(waited >= 250 && waited < 1_500, `closed after ${waited} ms`);
  assert.notEqual(failure, "");
});

Deno.test("a broken chunked body fails the read; the connection is closed", async () => {
  let failure = "";
  await using core = startCore(async (ex) => {
    try {
      await readBody(ex.body);
    } catch (error) {
      failure = String(error);
    }
    return text("broken");
  });
  const raw = await exchange(
    core.port,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
  );
  assert.match(failure, /SyntaxError: A chunk/);
  assert.match(raw, /Connection: close/);
  assert.ok(!raw.includes("\r\n\r\nHTTP/"), "no second response");
});

/** A BodySource over fixed pieces, recording whether it was cancelled. */
function source(pieces: string[], length: number, delay = 0) {
  const chunks = pieces.map((p) => new TextEncoder().encode(p));
  const state = { cancelled: false };
  const body: BodySource = {
    length,
    async read() {
      if (delay) await sleep(delay);
      return chunks.shift() ?? null;
    },
    cancel() {
      state.cancelled = true;
    },
  };
  return { body, state };
}

Deno.test("a BodySource reply goes out with its Content-Length, or chunked when unknown", async () => {
  const replies = [source(["hel", "lo"], 5), source(["a", "bc", "d"], -1)];
  await using core = startCore(() => ({ status: 200, headers: [], body: replies.shift()!.body }));
  const conn = await connect(core.port);
  await send(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const reader = new ResponseReader(conn);
  const first = await reader.next();
  const second = await reader.next();
  conn.close();
  assert.equal(first.headers.get("content-length"), "5");
  assert.equal(first.body, "hello");
  assert.equal(second.headers.get("transfer-encoding"), "chunked");
  assert.equal(second.body, "abcd");
});

Deno.test("a BodySource reply to HTTP/1.0 is close-delimited; HEAD cancels it", async () => {
  const made: ReturnType<typeof source>[] = [];
  await using core = startCore(() => {
    made.push(source(["x", "y"], -1));
    return { status: 200, headers: [], body: made.at(-1)!.body };
  });
  const raw = await exchange(core.port, "GET / HTTP/1.0\r\n\r\n");
  assert.match(raw, /Connection: close\r\n\r\nxy$/);
  const head = await exchange(core.port, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.ok(head.endsWith("\r\n\r\n"));
  assert.equal(made[1].state.cancelled, true);
});

Deno.test("a BodySource shorter than its length breaks the reply: the connection closes", async () => {
  await using core = startCore(() => ({
    status: 200,
    headers: [],
    body: source(["abc"], 10).body,
  }));
  const conn = await connect(core.port);
  await send(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const { text: raw, closed } = await readAll(conn, 2_000);
  assert.equal(statusOf(raw), 200);
  assert.ok(raw.endsWith("abc"));
  assert.equal(closed, true);
  assert.ok(core.completed[0].error);
});

Deno.test("a 101 reply hands the socket to its upgrade with the bytes read early", async () => {
  let early = "";
  await using core = startCore(() => ({
    status: 101,
    headers: ["Upgrade", "echo", "Connection", "upgrade"],
    body: null,
    upgrade: async ({ conn, early: bytes }) => {
      early = decoder.decode(bytes);
      const buf = new Uint8Array(64);
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        await conn.write(buf.subarray(0, n));
      }
      conn.close();
    },
  }));
  const conn = await connect(core.port);
  await send(conn, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\nhi");
  const buf = new Uint8Array(1024);
  let got = "";
  while (!got.includes("\r\n\r\n")) got += decoder.decode(buf.subarray(0, (await conn.read(buf))!));
  assert.match(got, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(got, /Upgrade: echo\r\nConnection: upgrade\r\n/);
  assert.ok(!/keep-alive|Content-Length/i.test(got));
  await send(conn, "ping");
  const n = await conn.read(buf);
  assert.equal(decoder.decode(buf.subarray(0, n!)), "ping");
  conn.close();
  await sleep(50);
  assert.equal(early, "hi");
  assert.equal(core.completed[0].status, 101);
});
