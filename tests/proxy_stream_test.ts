// End-to-end: `ngw2f proxy` with `[[stream.server]]` — nginx's stream module. TCP echo backends
// started here (each greets with its name, so a client sees which one answered) behind the
// real CLI: the balancing methods, failover and passive health, backups, PROXY protocol v1/v2,
// limit_conn, proxy_timeout, a large transfer, a session kept across a reload, and `-t`.

import assert from "node:assert/strict";
import { readPid, runCli, stopPid } from "./_cli.ts";
import { startProxy } from "./_proxy.ts";
import {
  closeQuietly,
  freePort,
  readAll,
  readUntil,
  startEchoBackend as backend,
  until,
  writeAll,
} from "./_tcp.ts";

const decoder = new TextDecoder();

function connect(port: number): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port });
}

/** Connects and reads the greeting: which backend answered. */
async function open(port: number): Promise<{ conn: Deno.TcpConn; name: string }> {
  const conn = await connect(port);
  const line = await readUntil(conn, "\n");
  return { conn, name: line.trim() };
}

/** One short session: which backend answered. It is over on both sides on return. */
async function once(port: number): Promise<string> {
  const { conn, name } = await open(port);
  await conn.closeWrite();
  await readAll(conn);
  conn.close();
  return name;
}

const HEAD = `workers = 1
pid = "proxy.pid"
error_log = "- info"
access_log = "off"

[[server]]
listen = "127.0.0.1:0"
return = "204"
`;

/** HEAD with time for old workers' sessions to finish after a reload. */
const LONG_SHUTDOWN = HEAD.replace(
  'access_log = "off"',
  'access_log = "off"\nworker_shutdown_timeout = "20s"',
);

const streamServer = (port: number, pass: string, extra = "") =>
  `\n[[stream.server]]\nlisten = "127.0.0.1:${port}"\nproxy_pass = "${pass}"\n${extra}`;

const group = (name: string, servers: string[], extra = "") =>
  `\n[stream.upstream.${name}]\nserver = ${JSON.stringify(servers)}\n${extra}`;

/** How often `text` occurs in `haystack`. */
function count(haystack: string, text: string): number {
  return haystack.split(text).length - 1;
}

Deno.test("ngw2f proxy: stream servers balance, fail over and relay as nginx's stream module", async (t) => {
  await using a = backend("a");
  await using b = backend("b");
  await using c = backend("c");
  await using p = backend("p");
  await using q = backend("q");
  const dead = `127.0.0.1:${freePort()}`;
  const names = ["rr", "lc", "iph", "hash", "hashport", "rnd", "rnd2", "fo", "fo0", "bk"];
  names.push("pp1", "pp2", "lim", "idle", "big", "marker");
  const ports: Record<string, number> = {};
  for (const name of names) ports[name] = freePort();
  const abc = [a.address, b.address, c.address];
  const toml = HEAD + '\n[limit_conn_zone.peraddr]\nkey = "$binary_remote_addr"\n' +
    group("rr", [`${a.address} weight=3`, b.address]) +
    group("lc", [a.address, b.address], 'method = "least_conn"\n') +
    group("iph", abc, 'method = "ip_hash"\n') +
    group("hash", abc, 'method = "hash $remote_addr"\n') +
    group("hashport", abc, 'method = "hash $remote_port consistent"\n') +
    group("rnd", abc, 'method = "random"\n') +
    group("rnd2", abc, 'method = "random two"\n') +
    group("fo", [`${dead} max_fails=1 fail_timeout=60s`, a.address, b.address]) +
    group("fo0", [`${dead} max_fails=0`, a.address, b.address]) +
    group("bk", [`${p.address} max_fails=1 fail_timeout=60s`, `${q.address} backup`]) +
    names.slice(0, 10).map((name) => streamServer(ports[name], name)).join("") +
    streamServer(ports.pp1, a.address, 'proxy_protocol = "v1"\n') +
    streamServer(ports.pp2, a.address, 'proxy_protocol = "v2"\n') +
    streamServer(ports.lim, a.address, 'limit_conn = { zone = "peraddr", limit = 2 }\n') +
    streamServer(ports.idle, a.address, 'proxy_timeout = "300ms"\n') +
    streamServer(ports.big, a.address) +
    streamServer(ports.marker, dead);
  await using proxy = await startProxy(toml);
  await proxy.cli.waitFor(`Stream proxy listening at 127.0.0.1:${ports.marker}`);

  // A session to the marker (a dead single server) logs one line: once it shows, every line
  // the worker wrote before it has arrived too.
  let marks = 0;
  const flush = async () => {
    const conn = await connect(ports.marker);
    assert.equal(await readAll(conn), "", "the marker's client is closed");
    conn.close();
    marks++;
    const marker = `Cannot connect to upstream "${dead}"`;
    await until(() => count(proxy.cli.output(), marker) >= marks, 10_000, "the marker line");
    return proxy.cli.output();
  };

  await t.step("round robin spreads sessions by weight", async () => {
    const seen: string[] = [];
    for (let k = 0; k < 8; k++) seen.push(await once(ports.rr));
    assert.deepEqual(seen, ["a", "a", "b", "a", "a", "a", "b", "a"]);
  });

  await t.step("least_conn sends new sessions to the peer with fewer open", async () => {
    const held = await open(ports.lc);
    const other = held.name === "a" ? "b" : "a";
    for (let k = 0; k < 3; k++) assert.equal(await once(ports.lc), other);
    held.conn.close();
  });

  await t.step("ip_hash and hash keep one key on one backend", async () => {
    for (const name of ["iph", "hash"]) {
      const seen = new Set<string>();
      for (let k = 0; k < 6; k++) seen.add(await once(ports[name]));
      assert.equal(seen.size, 1, `${name}: ${[...seen]}`);
    }
    // $remote_port differs per connection: those keys spread.
    const seen = new Set<string>();
    for (let k = 0; k < 20; k++) seen.add(await once(ports.hashport));
    assert.ok(seen.size >= 2, `hash $remote_port: ${[...seen]}`);
  });

  await t.step("random and random two use every backend over many sessions", async () => {
    for (const name of ["rnd", "rnd2"]) {
      const seen = new Set<string>();
      for (let k = 0; k < 30; k++) seen.add(await once(ports[name]));
      assert.ok(seen.size >= 2, `${name}: ${[...seen]}`);
    }
  });

  await t.step("a refusing peer is failed over, then skipped for fail_timeout", async () => {
    for (let k = 0; k < 6; k++) assert.match(await once(ports.fo), /^[ab]$/);
    let output = await flush();
    assert.equal(count(output, `upstream "fo" server ${dead} for`), 1, output);
    assert.match(output, new RegExp(`Upstream "fo" server ${dead} is temporarily disabled`));
    // With max_fails=0 it is never taken out: tried again on its turns, still no client fails.
    for (let k = 0; k < 6; k++) assert.match(await once(ports.fo0), /^[ab]$/);
    output = await flush();
    assert.ok(count(output, `upstream "fo0" server ${dead} for`) >= 2, output);
  });

  await t.step("a backup takes sessions only when the primaries are down", async () => {
    for (let k = 0; k < 3; k++) assert.equal(await once(ports.bk), "p");
    await p.close();
    for (let k = 0; k < 3; k++) assert.equal(await once(ports.bk), "q");
  });

  await t.step(
    "PROXY protocol v1 and v2 tell the backend the client's address and port",
    async () => {
      for (const version of ["v1", "v2"]) {
        const port = ports[version === "v1" ? "pp1" : "pp2"];
        const conn = await connect(port);
        const local = conn.localAddr as Deno.NetAddr;
        await writeAll(conn, "hello");
        await conn.closeWrite();
        assert.match(await readAll(conn), /^a\n[^]*hello$/);
        conn.close();
        const bytes = new Uint8Array(a.received.at(-1)!.flatMap((chunk) => [...chunk]));
        if (version === "v1") {
          assert.equal(
            decoder.decode(bytes),
            `PROXY TCP4 127.0.0.1 127.0.0.1 ${local.port} ${port}\r\nhello`,
          );
          continue;
        }
        const signature = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
        assert.deepEqual([...bytes.subarray(0, 12)], signature);
        assert.deepEqual([...bytes.subarray(12, 16)], [0x21, 0x11, 0x00, 0x0c]);
        assert.deepEqual([...bytes.subarray(16, 24)], [127, 0, 0, 1, 127, 0, 0, 1]);
        const view = new DataView(bytes.buffer);
        assert.equal(view.getUint16(24), local.port);
        assert.equal(view.getUint16(26), port);
        assert.equal(decoder.decode(bytes.subarray(28)), "hello");
      }
    },
  );

  await t.step("limit_conn refuses the (limit+1)th connection from one address", async () => {
    const first = await open(ports.lim);
    const second = await open(ports.lim);
    assert.deepEqual([first.name, second.name], ["a", "a"]);
    const third = await connect(ports.lim);
    assert.equal(await readAll(third), "", "closed without reaching a backend");
    third.close();
    first.conn.close();
    // Its place comes back once the proxy has seen the first one end.
    let name = "";
    for (let k = 0; k < 100 && name !== "a"; k++) {
      name = await once(ports.lim);
      if (name !== "a") await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(name, "a");
    second.conn.close();
  });

  await t.step("proxy_timeout closes an idle session", async () => {
    const { conn, name } = await open(ports.idle);
    assert.equal(name, "a");
    const idleFrom = Date.now();
    assert.equal(await readAll(conn), "");
    const idle = Date.now() - idleFrom;
    conn.close();
    assert.ok(idle >= 250, `closed after ${idle} ms idle`);
  });

  await t.step("20 MiB go through intact both ways", async () => {
    const size = 20 * 1024 * 1024;
    const data = new Uint8Array(size);
    let x = 0x2545f491;
    for (let k = 0; k < size; k++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      data[k] = x & 0xff;
    }
    const conn = await connect(ports.big);
    const writing = (async () => {
      for (let off = 0; off < size; off += 64 * 1024) {
        await writeAll(conn, data.subarray(off, Math.min(size, off + 64 * 1024)));
      }
      await conn.closeWrite();
    })();
    const back = new Uint8Array(size + 2);
    let got = 0;
    const buf = new Uint8Array(256 * 1024);
    const timer = setTimeout(() => closeQuietly(conn), 20_000);
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        assert.ok(got + n <= back.length, "no more than was sent");
        back.set(buf.subarray(0, n), got);
        got += n;
      }
    } finally {
      clearTimeout(timer);
    }
    await writing;
    conn.close();
    assert.equal(got, size + 2);
    assert.equal(decoder.decode(back.subarray(0, 2)), "a\n");
    const echoed = back.subarray(2);
    let same = true;
    for (let k = 0; k < size && same; k++) same = echoed[k] === data[k];
    assert.ok(same, "the echoed bytes are the sent ones");
  });
});

Deno.test("ngw2f proxy: a stream session stays open across a SIGHUP reload and keeps echoing", async () => {
  await using a = backend("a");
  const port = freePort();
  await using proxy = await startProxy(LONG_SHUTDOWN + streamServer(port, a.address));
  await proxy.cli.waitFor(`Stream proxy listening at 127.0.0.1:${port}`);
  const { conn, name } = await open(port);
  assert.equal(name, "a");
  await writeAll(conn, "before\n");
  assert.equal(await readUntil(conn, "before\n"), "before\n");
  proxy.cli.child.kill("SIGHUP");
  await proxy.cli.waitFor("Reload done: generation 2 serving");
  // New sessions go to the new worker meanwhile.
  assert.equal(await once(port), "a");
  for (const word of ["after", "still"]) {
    await writeAll(conn, `${word}\n`);
    assert.equal(await readUntil(conn, `${word}\n`), `${word}\n`, "the old session relays");
  }
  await conn.closeWrite();
  assert.equal(await readAll(conn), "");
  conn.close();
});

Deno.test("ngw2f proxy: USR2 hands a :0 stream port to the new master; the old one's session ends after TERM only when it is done", async () => {
  await using a = backend("a");
  await using proxy = await startProxy(LONG_SHUTDOWN + streamServer(0, a.address));
  await proxy.cli.waitFor(/Stream proxy listening at 127\.0\.0\.1:\d+/);
  const port = Number(/Stream proxy listening at 127\.0\.0\.1:(\d+)/.exec(proxy.cli.output())![1]);
  const { conn, name } = await open(port);
  assert.equal(name, "a");
  const oldPid = proxy.cli.child.pid;
  proxy.cli.child.kill("SIGUSR2");
  let newPid = 0;
  try {
    newPid = await readPid(`${proxy.dir}/proxy.pid`, oldPid);
    const listening = `Stream proxy listening at 127.0.0.1:${port}`;
    await until(
      () => count(proxy.cli.output(), listening) >= 2,
      10_000,
      "the new master's stream listener on the same port",
    );
    // The old master drains: its session goes on; new sessions reach the new master.
    proxy.cli.child.kill("SIGTERM");
    await proxy.cli.waitFor("stopping gracefully");
    assert.equal(await once(port), "a");
    await writeAll(conn, "still here\n");
    assert.equal(await readUntil(conn, "still here\n"), "still here\n", "the old session relays");
    await conn.closeWrite();
    assert.equal(await readAll(conn), "");
    conn.close();
    assert.equal((await proxy.cli.child.status).code, 0);
    assert.equal(await once(port), "a", "the new master serves alone");
  } finally {
    await stopPid(newPid);
  }
});

Deno.test("ngw2f proxy -t names the file, line and key of a bad stream setting", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ngw2f-stream-check-" });
  try {
    const file = `${dir}/ngw2f.toml`;
    const cases: [string, RegExp][] = [
      [
        '[[stream.server]]\nlisten = "127.0.0.1:7000"\nproxy_pass = "127.0.0.1:7001"\n' +
        'proxy_protocol = "v3"\n',
        /ngw2f\.toml:4: stream\.server\[1\]\.proxy_protocol: /,
      ],
      [
        '[stream.upstream.g]\nserver = ["127.0.0.1:7001"]\nmethod = "hash $nosuch"\n\n' +
        '[[stream.server]]\nlisten = "127.0.0.1:7000"\nproxy_pass = "g"\n',
        /ngw2f\.toml:3: stream\.upstream\.g\.method: .*\$nosuch/,
      ],
      [
        '[[stream.server]]\nlisten = "127.0.0.1:7000"\nproxy_pass = "127.0.0.1:7001"\n' +
        'proxy_timeout = "soon"\n',
        /ngw2f\.toml:4: stream\.server\[1\]\.proxy_timeout: /,
      ],
    ];
    for (const [toml, expected] of cases) {
      await Deno.writeTextFile(file, toml);
      const result = await runCli(["proxy", "-p", dir, "-c", file, "-t"]);
      const output = result.stderr + result.stdout;
      assert.notEqual(result.code, 0, output);
      assert.ok(output.includes(file), output);
      assert.match(output, expected);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
