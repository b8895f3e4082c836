import assert from "node:assert/strict";
import {
  connect,
  exchange,
  readAll,
  ResponseReader,
  send,
  startCore,
  statusOf,
  text,
} from "./_test_util.ts";

Deno.test("serveListener() answers a GET with Date, Server, Content-Length and keep-alive", async () => {
  await using core = startCore();
  const conn = await connect(core.port);
  await send(conn, "GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n");
  const response = await new ResponseReader(conn).next();
  conn.close();
  assert.equal(response.status, 200);
  assert.equal(response.body, "GET /a");
  assert.equal(response.headers.get("server"), "ngw2f");
  assert.equal(response.headers.get("content-length"), "6");
  assert.equal(response.headers.get("connection"), "keep-alive");
  assert.match(response.headers.get("date")!, /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
});

Deno.test("serveListener() fills the Exchange from the connection and the options", async () => {
  const seen: unknown[] = [];
  await using core = startCore((ex) => {
    seen.push(ex);
    return text("ok");
  }, { listen: "127.0.0.1:8080", serverHeader: null });
  const raw = await exchange(core.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.ok(!/server:/i.test(raw));
  const ex = seen[0] as {
    remoteAddr: string;
    remotePort: number;
    listen: string;
    serverPort: number;
  };
  assert.equal(ex.remoteAddr, "127.0.0.1");
  assert.ok(ex.remotePort > 0);
  assert.equal(ex.listen, "127.0.0.1:8080");
  assert.equal(ex.serverPort, core.port);
});

Deno.test("serveListener() answers 400 and keeps serving when a head is malformed", async () => {
  await using core = startCore();
  const raw = await exchange(core.port, "GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n");
  assert.equal(statusOf(raw), 400);
  assert.match(raw, /Connection: close/);
  assert.match(raw, /<h1>400 Bad Request<\/h1>/);
  const next = await exchange(core.port, "GET /next HTTP/1.0\r\n\r\n");
  assert.equal(statusOf(next), 200);
  assert.equal(core.completed[0].status, 400);
});

Deno.test("serveListener() answers 400 to an HTTP/1.1 request without Host", async () => {
  await using core = startCore();
  assert.equal(statusOf(await exchange(core.port, "GET / HTTP/1.1\r\n\r\n")), 400);
});

Deno.test("serveListener() answers 501, 505, 414 and 431 and closes", async () => {
  await using core = startCore(undefined, {
    maxRequestLine: 64,
    maxHeaderBytes: 256,
    maxHeaders: 3,
  });
  const te = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n";
  assert.equal(statusOf(await exchange(core.port, te)), 501);
  assert.equal(statusOf(await exchange(core.port, "GET / HTTP/2.0\r\nHost: x\r\n\r\n")), 505);
  const long = `GET /${"a".repeat(100)} HTTP/1.1\r\nHost: x\r\n\r\n`;
  assert.equal(statusOf(await exchange(core.port, long)), 414);
  // A request line still arriving past the limit is refused before its end.
  const partial = await exchange(core.port, `GET /${"a".repeat(100)}`);
  assert.equal(statusOf(partial), 414);
  const big = `GET / HTTP/1.1\r\nHost: x\r\nX: ${"v".repeat(300)}\r\n\r\n`;
  assert.equal(statusOf(await exchange(core.port, big)), 431);
  const many = "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  assert.equal(statusOf(await exchange(core.port, many)), 431);
});

Deno.test("serveListener() answers pipelined requests in order on one connection", async () => {
  await using core = startCore();
  const conn = await connect(core.port);
  await send(
    conn,
    "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /3 HTTP/1.1\r\nHost: x\r\n\r\n" +
      "GET /4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  );
  const reader = new ResponseReader(conn);
  assert.equal((await reader.next()).body, "GET /1");
  assert.equal((await reader.next()).body, "GET /2");
  const head = await reader.next(true);
  assert.equal(head.headers.get("content-length"), "7");
  const last = await reader.next();
  assert.equal(last.body, "GET /4");
  assert.equal(last.headers.get("connection"), "close");
  assert.equal((await readAll(conn)).closed, true);
});

Deno.test("serveListener() keeps an HTTP/1.0 connection only with Connection: keep-alive", async () => {
  await using core = startCore();
  const closed = await exchange(core.port, "GET / HTTP/1.0\r\n\r\n");
  assert.match(closed, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(closed, /Connection: close/);
  const conn = await connect(core.port);
  await send(conn, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  const reader = new ResponseReader(conn);
  const first = await reader.next();
  assert.equal(first.headers.get("connection"), "keep-alive");
  await send(conn, "GET /b HTTP/1.0\r\n\r\n");
  assert.equal((await reader.next()).body, "GET /b");
  assert.equal((await readAll(conn)).closed, true);
});

Deno.test("serveListener() answers a client that half-closed after its request", async () => {
  await using core = startCore(async (ex) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return text(`late ${ex.head.path}`);
  });
  const conn = await connect(core.port);
  await send(conn, "GET /half HTTP/1.0\r\n\r\n");
  await conn.closeWrite();
  const { text: raw, closed } = await readAll(conn);
  assert.equal(statusOf(raw), 200);
  assert.ok(raw.endsWith("late /half"));
  assert.ok(closed);
});

Deno.test("serveListener() answers 500 when the handler throws and keeps the connection", async () => {
  let calls = 0;
  await using core = startCore((ex) => {
    if (calls++ === 0) throw new Error("boom");
    return text(ex.head.path);
  });
  const conn = await connect(core.port);
  await send(conn, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  const reader = new ResponseReader(conn);
  const failed = await reader.next();
  assert.equal(failed.status, 500);
  assert.equal(failed.headers.get("connection"), "keep-alive");
  assert.equal((await reader.next()).body, "/b");
  conn.close();
  assert.match(core.errors[0], /handler failed/);
});

Deno.test("serveListener() answers promised replies in order: bytes, HEAD, a rejection, a stream", async () => {
  await using core = startCore(async (ex) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (ex.head.path === "/fail") throw new Error("late boom");
    if (ex.head.path === "/stream") {
      return { ...text(""), body: new Blob(["streamed"]).stream() };
    }
    return text(`${ex.head.method} ${ex.head.path}`);
  });
  const conn = await connect(core.port);
  await send(
    conn,
    "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: x\r\n\r\n" +
      "GET /fail HTTP/1.1\r\nHost: x\r\n\r\nGET /stream HTTP/1.1\r\nHost: x\r\n\r\n" +
      "GET /5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  );
  const reader = new ResponseReader(conn);
  assert.equal((await reader.next()).body, "GET /1");
  const head = await reader.next(true);
  assert.equal(head.headers.get("content-length"), "7");
  const failed = await reader.next();
  assert.equal(failed.status, 500);
  assert.equal(failed.headers.get("connection"), "keep-alive");
  const streamed = await reader.next();
  assert.equal(streamed.headers.get("transfer-encoding"), "chunked");
  assert.equal(streamed.body, "streamed");
  const last = await reader.next();
  assert.equal(last.body, "GET /5");
  assert.equal(last.headers.get("connection"), "close");
  assert.equal((await readAll(conn)).closed, true);
  assert.match(core.errors[0], /handler failed/);
  // Every exchange is reported once, with what was sent.
  assert.deepEqual(core.completed.map((done) => [done.exchange.head.path, done.status]), [
    ["/1", 200],
    ["/2", 200],
    ["/fail", 500],
    ["/stream", 200],
    ["/5", 200],
  ]);
  assert.equal(core.completed[0].bodyBytesSent, 6);
  assert.equal(core.completed[1].bodyBytesSent, 0);
});

Deno.test("serveListener() answers 500 when the handler returns no valid Reply", async () => {
  await using core = startCore(() => ({ status: "200" }) as never);
  const raw = await exchange(core.port, "GET / HTTP/1.0\r\n\r\n");
  assert.equal(statusOf(raw), 500);
});

Deno.test("serveListener() closes after a reply that asks for it", async () => {
  await using core = startCore(() => ({ ...text("bye"), close: true }));
  const raw = await exchange(core.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.match(raw, /Connection: close\r\n/);
  assert.ok(raw.endsWith("bye"));
});

Deno.test("serveListener() sends Connection: close on every reply when idleTimeout is 0", async () => {
  await using core = startCore(undefined, { idleTimeout: 0 });
  const raw = await exchange(core.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.match(raw, /Connection: close\r\n/);
});

Deno.test("serveListener() serves a unix socket with the path as remote address", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/core.sock`;
  const { serveListener } = await import("./server.ts");
  const seen: { remoteAddr: string; remotePort: number; serverPort: number }[] = [];
  const server = serveListener(Deno.listen({ transport: "unix", path }), {
    handler: (ex) => {
      seen.push(ex);
      return text("unix");
    },
    listen: `unix:${path}`,
    scheme: "http",
  });
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    await send(conn, "GET / HTTP/1.0\r\n\r\n");
    const { text: raw } = await readAll(conn);
    assert.ok(raw.endsWith("unix"));
    assert.equal(seen[0].remotePort, 0);
    assert.equal(seen[0].serverPort, 0);
    assert.equal(typeof seen[0].remoteAddr, "string");
  } finally {
    await server.drain(500);
    await Deno.remove(dir, { recursive: true });
  }
});
