import assert from "node:assert/strict";
import { createLogger, silentLogger } from "../../gateway/mod.ts";
import { parseProxyConfig, type ProxyConfig } from "../config/mod.ts";
import { type UpstreamState, upstreamStateBuffer } from "../upstream/mod.ts";
import { startStreamServer } from "./stream_server.ts";
import type { TcpService } from "./tcp_service.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A TCP backend: greets with `NAME\n`, echoes what it gets, records every connection's bytes. */
interface Backend extends AsyncDisposable {
  name: string;
  address: string;
  /** Each connection's bytes so far. */
  received: Uint8Array[][];
  /** Connections that ended (the proxy closed its side). */
  ended: number;
  close(): Promise<void>;
}

function backend(name: string, options: { greet?: boolean; path?: string } = {}): Backend {
  const listener = options.path
    ? Deno.listen({ transport: "unix", path: options.path })
    : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serving = new Set<Promise<void>>();
  const result: Backend = {
    name,
    address: options.path
      ? `unix:${options.path}`
      : `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    received: [],
    ended: 0,
    async close() {
      try {
        listener.close();
      } catch { /* closed */ }
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      await accepting;
      await Promise.all(serving);
    },
    [Symbol.asyncDispose]() {
      return result.close();
    },
  };
  const serve = async (conn: Deno.Conn) => {
    const record: Uint8Array[] = [];
    result.received.push(record);
    try {
      if (options.greet ?? true) await conn.write(encoder.encode(`${name}\n`));
      const buf = new Uint8Array(64 * 1024);
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        record.push(buf.slice(0, n));
        await writeAll(conn, buf.subarray(0, n));
      }
      await conn.closeWrite();
    } catch {
      /* cut */
    } finally {
      result.ended++;
      conns.delete(conn);
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };
  const accepting = (async () => {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      conns.add(conn);
      const p = serve(conn);
      serving.add(p);
      p.finally(() => serving.delete(p));
    }
  })();
  return result;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

/** A port nothing listens on. */
function deadPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** Reads until `text` has arrived, the end, or 5 s; what came. */
async function readUntil(conn: Deno.Conn, text: string): Promise<string> {
  let got = "";
  const buf = new Uint8Array(4096);
  const timer = setTimeout(() => conn.close(), 5000);
  try {
    while (!got.includes(text)) {
      const n = await conn.read(buf);
      if (n === null) break;
      got += decoder.decode(buf.subarray(0, n));
    }
  } catch {
    /* closed by the timer */
  } finally {
    clearTimeout(timer);
  }
  return got;
}

/** Reads everything until the server closes (or 5 s). */
function readAll(conn: Deno.Conn): Promise<string> {
  return readUntil(conn, "\u0000never\u0000");
}

/** Waits for `check` to hold, up to 5 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let k = 0; k < 500 && !check(); k++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
}

interface Started extends AsyncDisposable {
  service: TcpService;
  port: number;
  lines: string[];
}

async function start(
  toml: string,
  options: { config?: ProxyConfig; state?: UpstreamState } = {},
): Promise<Started> {
  const config = options.config ?? parseProxyConfig(toml, "/srv/ngw2f.toml");
  const lines: string[] = [];
  const log = createLogger({ level: "debug", write: (line) => lines.push(line) });
  const service = await startStreamServer(config.streamServers[0], {
    config,
    log,
    workerId: 1,
    ...(options.state ? { upstreamState: options.state } : {}),
  });
  return {
    service,
    port: service.addresses[0].port,
    lines,
    async [Symbol.asyncDispose]() {
      await service.drain(0);
    },
  };
}

const streamServer = (pass: string, extra = "") =>
  `[[stream.server]]\nlisten = "127.0.0.1:0"\nproxy_pass = "${pass}"\n${extra}`;

const group = (servers: string[], extra = "") =>
  `[stream.upstream.g]\nserver = ${JSON.stringify(servers)}\n${extra}\n`;

/** Connects, reads the greeting line: the backend's name. */
async function whoAnswers(port: number): Promise<{ conn: Deno.Conn; name: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const line = await readUntil(conn, "\n");
  return { conn, name: line.trim() };
}

/** One short session: who answered; the session is over (both sides closed) on return. */
async function once(port: number): Promise<string> {
  const { conn, name } = await whoAnswers(port);
  await conn.closeWrite();
  await readAll(conn);
  conn.close();
  return name;
}

Deno.test("startStreamServer() relays bytes both ways and passes a half-close on", async () => {
  await using a = backend("a");
  await using proxy = await start(streamServer(a.address));
  const { conn, name } = await whoAnswers(proxy.port);
  assert.equal(name, "a");
  await writeAll(conn, encoder.encode("ping\n"));
  assert.equal(await readUntil(conn, "ping\n"), "ping\n");
  await writeAll(conn, encoder.encode("last"));
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
    await using u = backend("u", { path: `${dir}/b.sock` });
    await using proxy = await start(streamServer(u.address));
    assert.equal(await once(proxy.port), "u");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startStreamServer() spreads sessions by weight with round robin", async () => {
  await using a = backend("a");
  await using b = backend("b");
  await using proxy = await start(
    group([`${a.address} weight=3`, b.address]) + streamServer("g"),
  );
  const names: string[] = [];
  for (let k = 0; k < 8; k++) names.push(await once(proxy.port));
  assert.deepEqual(names, ["a", "a", "b", "a", "a", "a", "b", "a"]);
});

Deno.test("startStreamServer() sends to the peer with fewer open sessions with least_conn", async () => {
  await using a = backend("a");
  await using b = backend("b");
  await using proxy = await start(
    group([a.address, b.address], 'method = "least_conn"') + streamServer("g"),
  );
  const held = await whoAnswers(proxy.port);
  const other = held.name === "a" ? "b" : "a";
  for (let k = 0; k < 3; k++) assert.equal(await once(proxy.port), other);
  held.conn.close();
});

Deno.test("startStreamServer() hashes the hash key's stream variables", async () => {
  await using a = backend("a");
  await using b = backend("b");
  await using c = backend("c");
  const servers = [a.address, b.address, c.address];
  {
    await using proxy = await start(
      group(servers, 'method = "hash $remote_addr"') + streamServer("g"),
    );
    const names = new Set<string>();
    for (let k = 0; k < 6; k++) names.add(await once(proxy.port));
    assert.equal(names.size, 1, `one client address, one backend: ${[...names]}`);
  }
  {
    // Each connection's port is another key: they spread.
    await using proxy = await start(
      group(servers, 'method = "hash $remote_port consistent"') + streamServer("g"),
    );
    const names = new Set<string>();
    for (let k = 0; k < 20; k++) names.add(await once(proxy.port));
    assert.ok(names.size >= 2, `ports spread over backends: ${[...names]}`);
  }
});

Deno.test("startStreamServer() keeps one client address on one backend with ip_hash", async () => {
  await using a = backend("a");
  await using b = backend("b");
  await using proxy = await start(
    group([a.address, b.address], 'method = "ip_hash"') + streamServer("g"),
  );
  const names = new Set<string>();
  for (let k = 0; k < 6; k++) names.add(await once(proxy.port));
  assert.equal(names.size, 1);
});

Deno.test("startStreamServer() honours max_conns and counts a session until it ends", async () => {
  await using a = backend("a");
  await using b = backend("b");
  await using proxy = await start(
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
  await using a = backend("a");
  const dead = `127.0.0.1:${deadPort()}`;
  await using proxy = await start(
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
    let hung = false;
    for (let k = 0; k < 5000 && !hung; k++) {
      try {
        fillers.push(
          await Deno.connect({ port: full.addr.port, signal: AbortSignal.timeout(300) }),
        );
      } catch {
        hung = true;
      }
    }
    assert.ok(hung, "the backlog filled up");
    await using a = backend("a");
    await using proxy = await start(
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
  await using a = backend("a");
  const dead = `127.0.0.1:${deadPort()}`;
  await using proxy = await start(
    group([`${dead} max_fails=0`, a.address]) + streamServer("g"),
  );
  for (let k = 0; k < 4; k++) assert.equal(await once(proxy.port), "a");
  const failures = proxy.lines.filter((l) => l.includes(`Cannot connect`));
  assert.ok(failures.length >= 2, proxy.lines.join("\n"));
});

Deno.test("startStreamServer() closes the client and names the peers tried when none connects", async () => {
  const dead1 = `127.0.0.1:${deadPort()}`;
  const dead2 = `127.0.0.1:${deadPort()}`;
  await using proxy = await start(group([dead1, dead2]) + streamServer("g"));
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
  await using a = backend("a");
  const dead = `127.0.0.1:${deadPort()}`;
  await using proxy = await start(
    group([dead, a.address]) + streamServer("g", "proxy_next_upstream = false\n"),
  );
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  assert.equal(await readAll(conn), "");
  conn.close();
  assert.equal(a.received.length, 0);
});

Deno.test("startStreamServer() stops after proxy_next_upstream_tries", async () => {
  await using a = backend("a");
  const dead1 = `127.0.0.1:${deadPort()}`;
  const dead2 = `127.0.0.1:${deadPort()}`;
  await using proxy = await start(
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
  await using a = backend("a");
  await using b = backend("b");
  await using proxy = await start(
    group([a.address, `${b.address} backup`]) + streamServer("g"),
  );
  for (let k = 0; k < 3; k++) assert.equal(await once(proxy.port), "a");
  await a.close();
  for (let k = 0; k < 3; k++) assert.equal(await once(proxy.port), "b");
});

Deno.test("startStreamServer() shares peer failures between workers through upstreamState", async () => {
  await using a = backend("a");
  const dead = `127.0.0.1:${deadPort()}`;
  const toml = group([`${dead} fail_timeout=30s`, a.address]) + streamServer("g");
  const one = parseProxyConfig(toml, "/srv/ngw2f.toml");
  const two = parseProxyConfig(toml, "/srv/ngw2f.toml");
  const state = upstreamStateBuffer(one.streamUpstreams);
  await using w1 = await start("", { config: one, state });
  await using w2 = await start("", { config: two, state });
  assert.equal(await once(w1.port), "a");
  assert.equal(w1.lines.filter((l) => l.includes("Cannot connect")).length, 1);
  for (let k = 0; k < 3; k++) assert.equal(await once(w2.port), "a");
  assert.equal(w2.lines.filter((l) => l.includes("Cannot connect")).length, 0, w2.lines.join());
});

for (const version of ["v1", "v2"] as const) {
  Deno.test(`startStreamServer() writes a PROXY ${version} header before the client's bytes`, async () => {
    await using a = backend("a", { greet: false });
    await using proxy = await start(
      streamServer(a.address, `proxy_protocol = "${version}"\n`),
    );
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    const local = conn.localAddr as Deno.NetAddr;
    await writeAll(conn, encoder.encode("hello"));
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
  await using a = backend("a");
  await using proxy = await start(streamServer(a.address, 'proxy_timeout = "200ms"\n'));
  const { conn } = await whoAnswers(proxy.port);
  const idleFrom = Date.now();
  assert.equal(await readAll(conn), "");
  const idle = Date.now() - idleFrom;
  conn.close();
  assert.ok(idle >= 150, `closed after ${idle} ms`);
  await until(() => a.ended === 1, "the backend's end");
});

Deno.test("startStreamServer() lets a session run through a drain's grace, then cuts it", async () => {
  await using a = backend("a");
  const proxy = await start(streamServer(a.address));
  const { conn } = await whoAnswers(proxy.port);
  const draining = proxy.service.drain(400);
  // Still relaying while draining.
  await writeAll(conn, encoder.encode("more\n"));
  assert.equal(await readUntil(conn, "more\n"), "more\n");
  await draining;
  // Cut: the client and the backend both see the end.
  assert.equal(await readAll(conn), "");
  conn.close();
  await until(() => a.ended === 1, "the backend's end");
});

Deno.test("startStreamServer() applies limit_conn per client address", async () => {
  await using a = backend("a");
  await using proxy = await start(
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
