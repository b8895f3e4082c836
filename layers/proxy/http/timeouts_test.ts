import assert from "node:assert/strict";
import {
  connect,
  readAll,
  ResponseReader,
  send,
  sleep,
  startCore,
  statusOf,
} from "./_test_util.ts";

// The core arms read deadlines from a coarse clock (`host.clock`): its watchdog refreshes it every
// tick (a tenth of the shortest timeout, 10 ms to 1 s; later on a loaded machine), and each
// parsed request head sets it. A deadline armed from a clock only a tick refreshed may pass a
// tick early or more, so each test below makes sure a head was parsed after `started`: the
// deadline is then at least the timeout after `started`. SLACK allows for Date.now() against the
// core's performance-based clock.
const SLACK = 50;

Deno.test("serveListener() answers 408 and closes a slowloris head after headerTimeout", async () => {
  await using core = startCore(undefined, { headerTimeout: 200 });
  const started = Date.now();
  // A request on another connection refreshes the core's clock after `started`; the slow head's
  // deadline is armed when its first bytes arrive, later still.
  const other = await connect(core.port);
  await send(other, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.equal((await new ResponseReader(other).next()).status, 200);
  other.close();
  const conn = await connect(core.port);
  await send(conn, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  await sleep(50);
  await send(conn, "a");
  const { text, closed } = await readAll(conn, 2_000);
  const took = Date.now() - started;
  assert.equal(statusOf(text), 408);
  assert.ok(closed);
  assert.ok(took >= 200 - SLACK && took < 1_000, `closed after ${took} ms`);
});

Deno.test("serveListener() closes a new connection that sends nothing after headerTimeout", async () => {
  await using core = startCore(undefined, { headerTimeout: 150, idleTimeout: 5_000 });
  const conn = await connect(core.port);
  const started = Date.now();
  const { text, closed } = await readAll(conn, 2_000);
  assert.equal(text, "");
  assert.ok(closed);
  assert.ok(Date.now() - started < 1_000);
});

Deno.test("serveListener() closes an idle keep-alive connection after idleTimeout", async () => {
  await using core = startCore(undefined, { idleTimeout: 200, headerTimeout: 5_000 });
  const conn = await connect(core.port);
  // The idle deadline is armed after the reply, from the clock the request's head set when it
  // was parsed (after `started`): the close comes at least idleTimeout after `started`.
  const started = Date.now();
  await send(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const reader = new ResponseReader(conn);
  assert.equal((await reader.next()).status, 200);
  const { text, closed } = await readAll(conn, 2_000);
  const took = Date.now() - started;
  assert.equal(text, "");
  assert.ok(closed);
  assert.ok(took >= 200 - SLACK && took < 1_000, `closed after ${took} ms`);
});

Deno.test("serveListener() skips a Content-Length body and answers the next pipelined request", async () => {
  await using core = startCore();
  const conn = await connect(core.port);
  await send(
    conn,
    "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
      "GET /b HTTP/1.1\r\nHost: x\r\n\r\n",
  );
  const reader = new ResponseReader(conn);
  assert.equal((await reader.next()).body, "POST /a");
  assert.equal((await reader.next()).body, "GET /b");
  conn.close();
  assert.equal(
    core.completed[0].bytesReceived,
    "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n".length + 5,
  );
});

Deno.test("serveListener() skips a body that arrives after the reply", async () => {
  await using core = startCore();
  const conn = await connect(core.port);
  await send(conn, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello");
  const reader = new ResponseReader(conn);
  assert.equal((await reader.next()).body, "POST /a");
  await sleep(30);
  await send(conn, "world" + "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.equal((await reader.next()).body, "GET /b");
  conn.close();
});

Deno.test("serveListener() skips a chunked body and answers the next pipelined request", async () => {
  await using core = startCore();
  const conn = await connect(core.port);
  await send(
    conn,
    "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n" +
      "GET /b HTTP/1.1\r\nHost: x\r\n\r\n",
  );
  const reader = new ResponseReader(conn);
  assert.equal((await reader.next()).body, "POST /a");
  assert.equal((await reader.next()).body, "GET /b");
  conn.close();
});

Deno.test("serveListener() closes after the reply when a chunked body is malformed", async () => {
  await using core = startCore();
  const conn = await connect(core.port);
  await send(
    conn,
    "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
  );
  const { text, closed } = await readAll(conn);
  assert.equal(statusOf(text), 200);
  assert.match(text, /Connection: close/);
  assert.ok(!text.includes("GET /b"));
  assert.ok(closed);
});

Deno.test("serveListener() closes a connection whose body stops arriving after bodyTimeout", async () => {
  await using core = startCore(undefined, { bodyTimeout: 200 });
  const conn = await connect(core.port);
  // The body's deadline is armed from the clock the head set when it was parsed (after
  // `started`), or from a later tick: the close comes at least bodyTimeout after `started`.
  const started = Date.now();
  await send(conn, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npart");
  const { text, closed } = await readAll(conn, 2_000);
  const took = Date.now() - started;
  assert.equal(statusOf(text), 200);
  assert.ok(closed);
  assert.ok(took >= 200 - SLACK && took < 1_000, `closed after ${took} ms`);
});

Deno.test("serveListener() closes instead of reading a body over 1 MiB", async () => {
  await using core = startCore();
  const conn = await connect(core.port);
  await send(conn, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\nabc");
  const { text, closed } = await readAll(conn);
  assert.equal(statusOf(text), 200);
  assert.match(text, /Connection: close/);
  assert.ok(closed);
});

Deno.test("serveListener() closes after the reply when the client waits for 100 Continue", async () => {
  await using core = startCore();
  const conn = await connect(core.port);
  await send(
    conn,
    "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
  );
  const { text, closed } = await readAll(conn);
  assert.ok(!text.includes("100 Continue"));
  assert.equal(statusOf(text), 200);
  assert.match(text, /Connection: close/);
  assert.ok(closed);
});

Deno.test("serveListener() closes connections past maxConnections at once", async () => {
  await using core = startCore(undefined, { maxConnections: 2 });
  const held = [await connect(core.port), await connect(core.port)];
  for (const conn of held) await send(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  for (const conn of held) assert.equal((await new ResponseReader(conn).next()).status, 200);
  const extra = await connect(core.port);
  await send(extra, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").catch(() => {});
  const { text, closed } = await readAll(extra, 2_000);
  assert.equal(text, "");
  assert.ok(closed);
  const stats = core.server.stats();
  assert.equal(stats.accepted, 3);
  assert.equal(stats.handled, 2);
  for (const conn of held) conn.close();
});
