// startStreamServer() against echo backends on port 0: the relay (half-closes, a unix socket
// backend), the PROXY protocol header, proxy_timeout, a drain's grace, limit_conn, defaults.

import assert from "node:assert/strict";
import { silentLogger } from "../../gateway/mod.ts";
import { parseProxyConfig } from "../config/mod.ts";
import { startStreamServer } from "./stream_server.ts";
import {
  once,
  readAll,
  readUntil,
  startBackend,
  startStream,
  streamServer,
  until,
  whoAnswers,
  writeAll,
} from "./_test_util.ts";

const decoder = new TextDecoder();

Deno.test("startStreamServer() relays bytes both ways and passes a half-close on", async () => {
  await using a = startBackend("a");
  await using proxy = await startStream(streamServer(a.address));
  const { conn, name } = await whoAnswers(proxy.port);
  assert.equal(name, "a");
  await writeAll(conn, "ping\n");
  assert.equal(await readUntil(conn, "ping\n"), "ping\n");
  await writeAll(conn, "last");
  await conn.closeWrite();
  // The backend sees the end, answers what it had, and closes: the client reads to the end.
  assert.equal(await readAll(conn), "last");
  conn.close();
  await until(() => a.ended === 1, "the backend's end");
  await until(() => proxy.service.stats().active === 0, "the session's end");
});

Deno.test("startStreamServer() connects to a unix socket backend", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using u = startBackend("u", { path: `${dir}/b.sock` });
    await using proxy = await startStream(streamServer(u.address));
    assert.equal(await once(proxy.port), "u");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const version of ["v1", "v2"] as const) {
  Deno.test(`startStreamServer() writes a PROXY ${version} header before the client's bytes`, async () => {
    await using a = startBackend("a", { greet: false });
    await using proxy = await startStream(
      streamServer(a.address, `proxy_protocol = "${version}"\n`),
    );
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    const local = conn.localAddr as Deno.NetAddr;
    await writeAll(conn, "hello");
    await conn.closeWrite();
    await readAll(conn);
    conn.close();
    await until(() => a.ended === 1, "the backend's end");
    const bytes = new Uint8Array(a.received[0].flatMap((chunk) => [...chunk]));
    if (version === "v1") {
      assert.equal(
        decoder.decode(bytes),
        `PROXY TCP4 127.0.0.1 127.0.0.1 ${local.port} ${proxy.port}\r\nhello`,
      );
    } else {
      assert.equal(bytes.length, 28 + 5);
      assert.deepEqual([...bytes.subarray(12, 16)], [0x21, 0x11, 0, 12]);
      assert.deepEqual([...bytes.subarray(16, 24)], [127, 0, 0, 1, 127, 0, 0, 1]);
      const view = new DataView(bytes.buffer);
      assert.equal(view.getUint16(24), local.port);
      assert.equal(view.getUint16(26), proxy.port);
      assert.equal(decoder.decode(bytes.subarray(28)), "hello");
    }
  });
}

Deno.test("startStreamServer() closes a session idle for proxy_timeout", async () => {
  await using a = startBackend("a");
  await using proxy = await startStream(streamServer(a.address, 'proxy_timeout = "200ms"\n'));
  // The session's idle time runs from the last bytes it relayed, the backend's greeting, which
  // it reads after the client connects: the clock starts before the connect.
  const idleFrom = Date.now();
  const { conn } = await whoAnswers(proxy.port);
  assert.equal(await readAll(conn), "");
  const idle = Date.now() - idleFrom;
  conn.close();
  assert.ok(idle >= 150, `closed after ${idle} ms`);
  await until(() => a.ended === 1, "the backend's end");
});

Deno.test("startStreamServer() lets a session run through a drain's grace, then cuts it", async () => {
  await using a = startBackend("a");
  const proxy = await startStream(streamServer(a.address));
  const { conn } = await whoAnswers(proxy.port);
  const draining = proxy.service.drain(400);
  // Still relaying while draining.
  await writeAll(conn, "more\n");
  assert.equal(await readUntil(conn, "more\n"), "more\n");
  await draining;
  // Cut: the client and the backend both see the end.
  assert.equal(await readAll(conn), "");
  conn.close();
  await until(() => a.ended === 1, "the backend's end");
});

Deno.test("startStreamServer() applies limit_conn per client address", async () => {
  await using a = startBackend("a");
  await using proxy = await startStream(
    '[limit_conn_zone.addr]\nkey = "$binary_remote_addr"\n' +
      streamServer(a.address, 'limit_conn = { zone = "addr", limit = 1 }\n'),
  );
  const first = await whoAnswers(proxy.port);
  assert.equal(first.name, "a");
  const second = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  assert.equal(await readAll(second), "");
  second.close();
  first.conn.close();
  await until(() => proxy.service.stats().active === 0, "the first session's end");
  assert.equal(await once(proxy.port), "a");
});

Deno.test("startStreamServer() starts with a silent logger and the default settings", async () => {
  const config = parseProxyConfig(streamServer("127.0.0.1:9"), "/srv/ngw2f.toml");
  const server = config.streamServers[0];
  assert.equal(server.proxyTimeout, 600_000);
  const service = await startStreamServer(server, { config, log: silentLogger, workerId: 1 });
  assert.equal(service.addresses.length, 1);
  await service.drain(0);
});
