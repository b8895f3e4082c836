// startStreamServer() over a [stream.upstream.NAME] group, against echo backends on port 0:
// the balancing methods, max_conns, failover and passive health, backups, and the peer state
// the workers share.

import assert from "node:assert/strict";
import { parseProxyConfig } from "../config/mod.ts";
import { upstreamStateBuffer } from "../upstream/mod.ts";
import {
  deadPort,
  group,
  once,
  readAll,
  startBackend,
  startStream,
  streamServer,
  until,
  whoAnswers,
} from "./_test_util.ts";

Deno.test("startStreamServer() spreads sessions by weight with round robin", async () => {
  await using a = startBackend("a");
  await using b = startBackend("b");
  await using proxy = await startStream(
    group([`${a.address} weight=3`, b.address]) + streamServer("g"),
  );
  const names: string[] = [];
  for (let k = 0; k < 8; k++) names.push(await once(proxy.port));
  assert.deepEqual(names, ["a", "a", "b", "a", "a", "a", "b", "a"]);
});

Deno.test("startStreamServer() sends to the peer with fewer open sessions with least_conn", async () => {
  await using a = startBackend("a");
  await using b = startBackend("b");
  await using proxy = await startStream(
    group([a.address, b.address], 'method = "least_conn"') + streamServer("g"),
  );
  const held = await whoAnswers(proxy.port);
  const other = held.name === "a" ? "b" : "a";
  for (let k = 0; k < 3; k++) assert.equal(await once(proxy.port), other);
  held.conn.close();
});

Deno.test("startStreamServer() hashes the hash key's stream variables", async () => {
  await using a = startBackend("a");
  await using b = startBackend("b");
  await using c = startBackend("c");
  const servers = [a.address, b.address, c.address];
  {
    await using proxy = await startStream(
      group(servers, 'method = "hash $remote_addr"') + streamServer("g"),
    );
    const names = new Set<string>();
    for (let k = 0; k < 6; k++) names.add(await once(proxy.port));
    assert.equal(names.size, 1, `one client address, one backend: ${[...names]}`);
  }
  {
    // Each connection's port is another key: they spread.
    await using proxy = await startStream(
      group(servers, 'method = "hash $remote_port consistent"') + streamServer("g"),
    );
    const names = new Set<string>();
    for (let k = 0; k < 20; k++) names.add(await once(proxy.port));
    assert.ok(names.size >= 2, `ports spread over backends: ${[...names]}`);
  }
});

Deno.test("startStreamServer() keeps one client address on one backend with ip_hash", async () => {
  await using a = startBackend("a");
  await using b = startBackend("b");
  await using proxy = await startStream(
    group([a.address, b.address], 'method = "ip_hash"') + streamServer("g"),
  );
  const names = new Set<string>();
  for (let k = 0; k < 6; k++) names.add(await once(proxy.port));
  assert.equal(names.size, 1);
});

Deno.test("startStreamServer() honours max_conns and counts a session until it ends", async () => {
  await using a = startBackend("a");
  await using b = startBackend("b");
  await using proxy = await startStream(
    group([`${a.address} max_conns=1`, `${b.address} weight=100`]) + streamServer("g"),
  );
  // Round robin gives a one session in 101: hold that one open.
  let held: Deno.Conn | null = null;
  for (let k = 0; k < 101 && !held; k++) {
    const s = await whoAnswers(proxy.port);
    if (s.name === "a") held = s.conn;
    else {
      await s.conn.closeWrite();
      await readAll(s.conn);
      s.conn.close();
    }
  }
  assert.ok(held, "a took one session");
  for (let k = 0; k < 101; k++) assert.equal(await once(proxy.port), "b");
  held.close();
  await until(() => a.ended === 1, "a's session end");
  await until(() => proxy.service.stats().active === 0, "the session's end");
});

Deno.test("startStreamServer() tries the next peer when one refuses and counts its failure", async () => {
  await using a = startBackend("a");
  const dead = `127.0.0.1:${deadPort()}`;
  await using proxy = await startStream(
    group([`${dead} max_fails=1 fail_timeout=30s`, a.address]) + streamServer("g"),
  );
  for (let k = 0; k < 4; k++) assert.equal(await once(proxy.port), "a");
  const failures = proxy.lines.filter((l) => l.includes(`server ${dead}`) && l.includes("Cannot"));
  assert.equal(failures.length, 1, proxy.lines.join("\n"));
  assert.match(
    failures[0],
    /Cannot connect to upstream "g" server .* on the stream server at 127\.0\.0\.1:\d+/,
  );
  assert.ok(proxy.lines.some((l) => l.includes("temporarily disabled")));
});

Deno.test("startStreamServer() fails over when a peer does not answer within proxy_connect_timeout", async () => {
  // A listener that never accepts: once its backlog is full, connects to it hang.
  const full = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const fillers: Deno.Conn[] = [];
  try {
    // A connect that hangs for `ms`, or the connection.
    const attempt = (ms: number) =>
      Deno.connect({ port: full.addr.port, signal: AbortSignal.timeout(ms) }).catch((error) => {
        if (error instanceof DOMException && error.name === "TimeoutError") return null;
        throw error;
      });
    let hung = false;
    for (let k = 0; k < 5000 && !hung; k++) {
      // A connect slower than 300 ms may be a stall of a loaded machine, not a full backlog:
      // only one that also hangs for 1.5 s (past the first SYN retransmit) is taken as full.
      const conn = await attempt(300) ?? await attempt(1_500);
      if (conn === null) hung = true;
      else fillers.push(conn);
    }
    assert.ok(hung, "the backlog filled up");
    await using a = startBackend("a");
    await using proxy = await startStream(
      group([`127.0.0.1:${full.addr.port} max_fails=1`, a.address]) +
        streamServer("g", 'proxy_connect_timeout = "200ms"\n'),
    );
    const started = Date.now();
    assert.equal(await once(proxy.port), "a");
    assert.ok(Date.now() - started >= 190, `failed over after ${Date.now() - started} ms`);
    assert.ok(
      proxy.lines.some((l) => /Cannot connect .*: no connection after 200 ms/.test(l)),
      proxy.lines.join("\n"),
    );
    // Out for its failure now: the next session goes straight to a.
    assert.equal(await once(proxy.port), "a");
    assert.equal(proxy.lines.filter((l) => l.includes("Cannot connect")).length, 1);
  } finally {
    for (const conn of fillers) conn.close();
    full.close();
  }
});

Deno.test("startStreamServer() keeps trying a refusing peer with max_fails=0", async () => {
  await using a = startBackend("a");
  const dead = `127.0.0.1:${deadPort()}`;
  await using proxy = await startStream(
    group([`${dead} max_fails=0`, a.address]) + streamServer("g"),
  );
  for (let k = 0; k < 4; k++) assert.equal(await once(proxy.port), "a");
  const failures = proxy.lines.filter((l) => l.includes(`Cannot connect`));
  assert.ok(failures.length >= 2, proxy.lines.join("\n"));
});

Deno.test("startStreamServer() closes the client and names the peers tried when none connects", async () => {
  const dead1 = `127.0.0.1:${deadPort()}`;
  const dead2 = `127.0.0.1:${deadPort()}`;
  await using proxy = await startStream(group([dead1, dead2]) + streamServer("g"));
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  assert.equal(await readAll(conn), "");
  conn.close();
  await until(() => proxy.lines.some((l) => l.includes("tried")), "the error line");
  const line = proxy.lines.find((l) => l.includes("tried"))!;
  assert.match(line, /\[ERROR\]/);
  assert.ok(line.includes(dead1) && line.includes(dead2), line);
  assert.match(line, /on the stream server at 127\.0\.0\.1:\d+/);
  // Both out for their failures now: the next session finds no live server.
  const again = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  assert.equal(await readAll(again), "");
  again.close();
  await until(() => proxy.lines.some((l) => l.includes("no live server")), "no live server");
});

Deno.test("startStreamServer() stops after one failure with proxy_next_upstream = false", async () => {
  await using a = startBackend("a");
  const dead = `127.0.0.1:${deadPort()}`;
  await using proxy = await startStream(
    group([dead, a.address]) + streamServer("g", "proxy_next_upstream = false\n"),
  );
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  assert.equal(await readAll(conn), "");
  conn.close();
  assert.equal(a.received.length, 0);
});

Deno.test("startStreamServer() stops after proxy_next_upstream_tries", async () => {
  await using a = startBackend("a");
  const dead1 = `127.0.0.1:${deadPort()}`;
  const dead2 = `127.0.0.1:${deadPort()}`;
  await using proxy = await startStream(
    group([dead1, dead2, a.address]) + streamServer("g", "proxy_next_upstream_tries = 2\n"),
  );
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  assert.equal(await readAll(conn), "");
  conn.close();
  assert.equal(a.received.length, 0);
  // The failed ones are out now: the next session reaches a.
  assert.equal(await once(proxy.port), "a");
});

Deno.test("startStreamServer() uses a backup only when the primaries are out", async () => {
  await using a = startBackend("a");
  await using b = startBackend("b");
  await using proxy = await startStream(
    group([a.address, `${b.address} backup`]) + streamServer("g"),
  );
  for (let k = 0; k < 3; k++) assert.equal(await once(proxy.port), "a");
  await a.close();
  for (let k = 0; k < 3; k++) assert.equal(await once(proxy.port), "b");
});

Deno.test("startStreamServer() shares peer failures between workers through upstreamState", async () => {
  await using a = startBackend("a");
  const dead = `127.0.0.1:${deadPort()}`;
  const toml = group([`${dead} fail_timeout=30s`, a.address]) + streamServer("g");
  const one = parseProxyConfig(toml, "/srv/ngw2f.toml");
  const two = parseProxyConfig(toml, "/srv/ngw2f.toml");
  const state = upstreamStateBuffer(one.streamUpstreams);
  await using w1 = await startStream("", { config: one, state });
  await using w2 = await startStream("", { config: two, state });
  assert.equal(await once(w1.port), "a");
  assert.equal(w1.lines.filter((l) => l.includes("Cannot connect")).length, 1);
  for (let k = 0; k < 3; k++) assert.equal(await once(w2.port), "a");
  assert.equal(w2.lines.filter((l) => l.includes("Cannot connect")).length, 0, w2.lines.join());
});
