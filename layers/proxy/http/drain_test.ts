import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { type CoreStats, serveListener } from "./server.ts";
import {
  connect,
  readAll,
  ResponseReader,
  send,
  sleep,
  startCore,
  statusOf,
  text,
} from "./_test_util.ts";

/** Polls `server.stats()` (5 ms steps, 2 s at most) until `check` holds; the last read. */
async function statsWhen(server: { stats(): CoreStats }, check: (stats: CoreStats) => boolean) {
  const deadline = Date.now() + 2_000;
  let stats = server.stats();
  while (!check(stats) && Date.now() < deadline) {
    await sleep(5);
    stats = server.stats();
  }
  return stats;
}

/** Polls `server.stats()` until it equals `expected`, then asserts it does. */
async function assertStats(server: { stats(): CoreStats }, expected: CoreStats) {
  const stats = await statsWhen(server, (stats) => isDeepStrictEqual(stats, expected));
  assert.deepEqual(stats, expected);
}

Deno.test("CoreServer.drain() finishes in-flight exchanges, closes idle ones, refuses new ones", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  const core = startCore(async (ex) => {
    if (ex.head.path === "/slow") await gate;
    return text(ex.head.path);
  });
  const idle = await connect(core.port);
  await send(idle, "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.equal((await new ResponseReader(idle).next()).body, "/fast");
  const busy = await connect(core.port);
  await send(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  // In flight (the handler waits at the gate) before the drain begins, not still unread.
  assert.equal((await statsWhen(core.server, (stats) => stats.writing === 1)).writing, 1);

  const drained = core.server.drain(2_000);
  const idleEnd = await readAll(idle, 1_000);
  assert.equal(idleEnd.text, "");
  assert.ok(idleEnd.closed);
  await assert.rejects(() => connect(core.port));
  release();
  const { text: raw, closed } = await readAll(busy);
  assert.equal(statusOf(raw), 200);
  assert.match(raw, /Connection: close\r\n/);
  assert.ok(raw.endsWith("/slow"));
  assert.ok(closed);
  await drained;
  assert.equal(core.server.stats().active, 0);
});

Deno.test("CoreServer.drain() cuts exchanges still running after the graceful time", async () => {
  const core = startCore(() => new Promise(() => {}));
  const conn = await connect(core.port);
  await send(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  // In flight (the handler never answers) before the drain begins, not still unread.
  assert.equal((await statsWhen(core.server, (stats) => stats.writing === 1)).writing, 1);
  const started = Date.now();
  await core.server.drain(150);
  const took = Date.now() - started;
  assert.ok(took >= 100 && took < 1_000, `drained after ${took} ms`);
  const { closed } = await readAll(conn, 1_000);
  assert.ok(closed);
});

Deno.test("CoreServer.stats() counts connections, requests and phases like stub_status", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  await using core = startCore(async (ex) => {
    if (ex.head.path === "/slow") await gate;
    return text("ok");
  });
  const waiting = await connect(core.port);
  await send(waiting, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await new ResponseReader(waiting).next();
  const reading = await connect(core.port);
  await send(reading, "GET / HTTP/1.1\r\nHo");
  const writing = await connect(core.port);
  await send(writing, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  // The core takes the bytes in on its own time: wait for the counts, fail if they never come.
  const during = {
    accepted: 3,
    handled: 3,
    requests: 2,
    active: 3,
    reading: 1,
    writing: 1,
    waiting: 1,
  };
  await assertStats(core.server, during);
  release();
  await new ResponseReader(writing).next();
  for (const conn of [waiting, reading, writing]) conn.close();
  const after = {
    accepted: 3,
    handled: 3,
    requests: 2,
    active: 0,
    reading: 0,
    writing: 0,
    waiting: 0,
  };
  await assertStats(core.server, after);
});

Deno.test("serveListener() serves a TLS listener", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A CA and a leaf it signs (rustls refuses a CA certificate as the server's own).
    const openssl = (...args: string[]) =>
      new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "null" }).output()
        .then((out) => out.success, () => false);
    const made = await openssl(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "1",
      "-subj",
      "/CN=test ca",
    ) && await openssl(
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "key.pem",
      "-out",
      "leaf.csr",
      "-subj",
      "/CN=localhost",
    ) && (await Deno.writeTextFile(`${dir}/ext.cnf`, "subjectAltName=DNS:localhost\n"), true) &&
      await openssl(
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "1",
        "-extfile",
        "ext.cnf",
      );
    if (!made) return; // no openssl: nothing to test with
    const ca = await Deno.readTextFile(`${dir}/ca.pem`);
    const cert = await Deno.readTextFile(`${dir}/cert.pem`);
    const listener = Deno.listenTls({
      hostname: "127.0.0.1",
      port: 0,
      cert,
      key: await Deno.readTextFile(`${dir}/key.pem`),
    });
    const schemes: string[] = [];
    const server = serveListener(listener, {
      handler: (ex) => {
        schemes.push(ex.scheme);
        return text("secure");
      },
      listen: "127.0.0.1:0",
      scheme: "https",
    });
    try {
      const conn = await Deno.connectTls({
        hostname: "localhost",
        port: listener.addr.port,
        caCerts: [ca],
      });
      await send(conn, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
      const response = await new ResponseReader(conn).next();
      conn.close();
      assert.equal(response.body, "secure");
      assert.deepEqual(schemes, ["https"]);
    } finally {
      await server.drain(500);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
