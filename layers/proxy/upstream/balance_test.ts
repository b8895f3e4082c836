import assert from "node:assert/strict";
import { crc32 } from "node:zlib";
import { type Balancer, type BalancingMethod, createBalancer } from "./balance.ts";
import { type PeerOptions, peerStateBuffer, PeerTable, resolvePeerConfig } from "./peers.ts";
import { crc32Final, crc32Update, CRC_INIT, hashedAddressBytes, splitServerName } from "./_hash.ts";

const NONE: ReadonlySet<number> = new Set();

/** A deterministic stand-in for Math.random (mulberry32). */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function balancer(method: BalancingMethod): Balancer {
  return createBalancer(method, { random: seeded(7) });
}

/** Peers `p0:80`, `p1:80`… with these weights, and options for some of them. */
function group(weights: number[], options: Record<number, PeerOptions> = {}): PeerTable {
  return new PeerTable(
    weights.map((weight, i) => resolvePeerConfig(`p${i}:80`, { weight, ...options[i] })),
  );
}

/** A client address per pick: a different /24 each time, so that ip_hash spreads them. */
function client(n: number): string {
  return `10.${(n >>> 8) & 255}.${n & 255}.${n % 7}`;
}

/** How many of `picks` picks each peer got (`-1`s are counted at index `table.length`). */
function tally(
  b: Balancer,
  table: PeerTable,
  picks: number,
  now = 0,
  key: (n: number) => string = client,
): number[] {
  const counts = new Array(table.length + 1).fill(0);
  for (let n = 0; n < picks; n++) {
    const i = b.pick(table, now, NONE, key(n));
    counts[i < 0 ? table.length : i]++;
  }
  return counts;
}

/** The peer each of `keys` goes to. */
function route(b: Balancer, table: PeerTable, keys: string[], now = 0): string[] {
  return keys.map((key) => table.peers[b.pick(table, now, NONE, key)]?.name ?? "none");
}

const METHODS: [string, BalancingMethod][] = [
  ["round_robin", { kind: "round_robin" }],
  ["least_conn", { kind: "least_conn" }],
  ["ip_hash", { kind: "ip_hash" }],
  ["hash", { kind: "hash" }],
  ["hash consistent", { kind: "hash", consistent: true }],
  ["random", { kind: "random" }],
  ["random two", { kind: "random", two: true }],
];

// One conformance suite: what every method must do.
for (const [name, method] of METHODS) {
  Deno.test(`${name}: createBalancer() names it as nginx writes it`, () => {
    assert.equal(balancer(method).name, name);
  });

  Deno.test(`${name}: pick() uses every primary and never a down peer`, () => {
    const table = group([1, 1, 1, 1], { 1: { down: true } });
    const counts = tally(balancer(method), table, 4000);
    assert.equal(counts[1], 0);
    assert.equal(counts[4], 0, "never -1");
    for (const i of [0, 2, 3]) assert.ok(counts[i] > 400, `peer ${i}: ${counts}`);
  });

  Deno.test(`${name}: pick() uses backups only while no primary is available`, () => {
    const table = group([1, 1, 1, 1], { 2: { backup: true }, 3: { backup: true } });
    const b = balancer(method);
    assert.deepEqual(tally(b, table, 1000).slice(2), [0, 0, 0]);
    table.fail(0, 0);
    table.fail(1, 0);
    const counts = tally(b, table, 1000, 1);
    assert.deepEqual(counts.slice(0, 2), [0, 0]);
    assert.ok(counts[2] > 0 && counts[3] > 0, `both backups: ${counts}`);
    // fail_timeout later each primary gets a probe; they succeed and the backups rest again.
    for (let n = 0; n < 1000; n++) {
      const now = 10_000 + n;
      const i = b.pick(table, now, NONE, client(n));
      assert.ok(i === 0 || i === 1, `pick ${n} after the time-out went to ${i}`);
      table.succeed(i, now);
    }
  });

  Deno.test(`${name}: pick() skips tried peers, then backups, then answers -1`, () => {
    const table = group([1, 1, 1], { 2: { backup: true } });
    const b = balancer(method);
    for (let n = 0; n < 50; n++) {
      const first = b.pick(table, 0, NONE, client(n));
      const second = b.pick(table, 0, new Set([first]), client(n));
      assert.ok(first !== second && second >= 0 && second < 2, `${first}, ${second}`);
      assert.equal(b.pick(table, 0, new Set([0, 1]), client(n)), 2);
      assert.equal(b.pick(table, 0, new Set([0, 1, 2]), client(n)), -1);
    }
  });

  Deno.test(`${name}: pick() skips a peer failed out by max_fails until fail_timeout`, () => {
    const table = group([1, 1, 1], { 0: { maxFails: 2, failTimeout: 5_000 } });
    const b = balancer(method);
    table.fail(0, 0);
    assert.ok(tally(b, table, 600, 1)[0] > 0, "one failure of two is not enough");
    table.fail(0, 1);
    assert.equal(tally(b, table, 600, 2)[0], 0);
    assert.equal(tally(b, table, 600, 5_000)[0], 0, "out for fail_timeout after the last failure");
    assert.equal(tally(b, table, 600, 5_001)[0], 1, "then one probe");
    table.succeed(0, 5_002);
    assert.ok(tally(b, table, 600, 5_002)[0] > 100, "back after a successful probe");
  });

  Deno.test(`${name}: pick() respects max_conns and health`, () => {
    const table = group([1, 1, 1], { 0: { maxConns: 1 } });
    const b = balancer(method);
    assert.ok(table.acquire(0));
    table.setHealth(1, false, 1, 1);
    assert.deepEqual(tally(b, table, 300).slice(0, 2), [0, 0]);
    table.release(0);
    table.setHealth(1, true, 1, 1);
    const counts = tally(b, table, 600);
    assert.ok(counts[0] > 0 && counts[1] > 0, `${counts}`);
  });

  Deno.test(`${name}: pick() answers -1 when no peer is available`, () => {
    const table = group([1, 1, 1], { 0: { down: true }, 2: { backup: true } });
    table.fail(1, 0);
    table.fail(2, 0);
    assert.equal(balancer(method).pick(table, 1, NONE, "10.0.0.1"), -1);
    assert.equal(balancer(method).pick(table, 1, new Set(), undefined), -1);
  });

  Deno.test(`${name}: pick() always answers the only peer`, () => {
    const table = group([3]);
    assert.deepEqual(tally(balancer(method), table, 100), [100, 0]);
  });

  Deno.test(`${name}: pick() sees failures another table counted in the shared buffer`, () => {
    const peers = [0, 1, 2].map((i) => resolvePeerConfig(`p${i}:80`));
    const buffer = peerStateBuffer(peers.length);
    const mine = new PeerTable(peers, buffer);
    const theirs = new PeerTable(peers, buffer);
    theirs.fail(1, 0);
    assert.equal(tally(balancer(method), mine, 600, 1)[1], 0);
  });
}

Deno.test("createBalancer() throws a RangeError for an unknown method", () => {
  assert.throws(
    () => createBalancer({ kind: "fastest" } as unknown as BalancingMethod),
    /Cannot balance by "fastest": it is not a balancing method/,
  );
});

Deno.test("round_robin: pick() follows nginx's smooth sequence for weights 5, 1, 1", () => {
  const table = group([5, 1, 1]);
  const b = balancer({ kind: "round_robin" });
  const names = Array.from({ length: 14 }, () => "abc"[b.pick(table, 0, NONE)]);
  assert.equal(names.join(""), "aabacaa".repeat(2));
  assert.deepEqual(tally(b, table, 7000).slice(0, 3), [5000, 1000, 1000]);
});

Deno.test("round_robin: pick() takes equal weights in turn and keeps state per balancer", () => {
  const table = group([1, 1, 1]);
  const one = balancer({ kind: "round_robin" });
  const two = balancer({ kind: "round_robin" });
  const picks = Array.from({ length: 6 }, () => one.pick(table, 0, NONE));
  assert.deepEqual(picks, [0, 1, 2, 0, 1, 2]);
  assert.equal(two.pick(table, 0, NONE), 0, "another worker starts its own round");
});

Deno.test("round_robin: pick() gives a failing peer less until its weight recovers", () => {
  const table = group([10, 10], { 0: { maxFails: 2 } });
  const b = balancer({ kind: "round_robin" });
  table.fail(0, 0);
  assert.equal(table.effectiveWeight(0), 5, "weight / max_fails less");
  assert.equal(b.pick(table, 1, NONE), 1, "an even tie would have gone to peer 0");
  assert.equal(table.effectiveWeight(0), 6, "one step back per pass");
  tally(b, table, 10, 1);
  assert.equal(table.effectiveWeight(0), 10, "and no further");
});

Deno.test("least_conn: pick() splits idle peers by weight exactly, as round robin", () => {
  const table = group([5, 1, 1]);
  assert.deepEqual(tally(balancer({ kind: "least_conn" }), table, 7000).slice(0, 3), [
    5000,
    1000,
    1000,
  ]);
});

Deno.test("least_conn: pick() prefers the peer with fewest connections per weight", () => {
  const table = group([1, 1, 1]);
  const b = balancer({ kind: "least_conn" });
  table.acquire(0);
  table.acquire(1);
  assert.equal(b.pick(table, 0, NONE), 2);
  table.acquire(2);
  table.acquire(2);
  assert.ok([0, 1].includes(b.pick(table, 0, NONE)));
  const weighted = group([3, 1]);
  weighted.acquire(0);
  weighted.acquire(0);
  weighted.acquire(1);
  assert.equal(b.pick(weighted, 0, NONE), 0, "2 of weight 3 is less than 1 of weight 1");
});

Deno.test("least_conn: pick() keeps open connections in proportion to the weights", () => {
  const table = group([5, 1, 1]);
  const b = balancer({ kind: "least_conn" });
  for (let n = 0; n < 70; n++) table.acquire(b.pick(table, 0, NONE));
  assert.deepEqual([0, 1, 2].map((i) => table.active(i)), [50, 10, 10]);
  // Peer 0's connections close: it takes the next ones.
  for (let n = 0; n < 20; n++) table.release(0);
  assert.deepEqual(Array.from({ length: 10 }, () => b.pick(table, 0, NONE)), Array(10).fill(0));
});

Deno.test("least_conn: pick() counts the connections of every worker on the buffer", () => {
  const peers = [resolvePeerConfig("a:80"), resolvePeerConfig("b:80")];
  const buffer = peerStateBuffer(peers.length);
  const mine = new PeerTable(peers, buffer);
  const theirs = new PeerTable(peers, buffer);
  theirs.acquire(0);
  const b = balancer({ kind: "least_conn" });
  assert.deepEqual(Array.from({ length: 5 }, () => b.pick(mine, 0, NONE)), [1, 1, 1, 1, 1]);
});

Deno.test("least_conn: pick() balances backups by connections too", () => {
  const table = group([1, 1, 1], { 1: { backup: true }, 2: { backup: true } });
  table.fail(0, 0);
  table.acquire(1);
  assert.equal(balancer({ kind: "least_conn" }).pick(table, 1, NONE), 2);
});

/** nginx's ip_hash, written out again: the peer for an IPv4 client of equal-weight peers. */
function nginxIpHash(address: string, peers: number): number {
  const bytes = address.split(".").slice(0, 3).map(Number);
  let hash = 89;
  for (const byte of bytes) hash = (hash * 113 + byte) % 6271;
  return hash % peers;
}

Deno.test("ip_hash: pick() gives an IPv4 client the peer nginx gives it", () => {
  const table = group([1, 1, 1]);
  const b = balancer({ kind: "ip_hash" });
  assert.equal(b.pick(table, 0, NONE, "1.2.3.4"), 1);
  for (let n = 0; n < 2000; n++) {
    const address = `${n % 251}.${(n * 7) % 256}.${(n * 13) % 256}.9`;
    assert.equal(b.pick(table, 0, NONE, address), nginxIpHash(address, 3), address);
  }
});

Deno.test("ip_hash: pick() keeps a /24 on one peer and spreads the /24s by weight", () => {
  const table = group([5, 1, 1]);
  const b = balancer({ kind: "ip_hash" });
  for (let net = 0; net < 100; net++) {
    const hosts = Array.from({ length: 256 }, (_, host) => `172.16.${net}.${host}`);
    assert.equal(new Set(route(b, table, hosts)).size, 1, `172.16.${net}.0/24`);
  }
  const counts = tally(b, table, 7000);
  for (const [i, expected] of [5000, 1000, 1000].entries()) {
    assert.ok(Math.abs(counts[i] - expected) < expected * 0.15, `${counts}`);
  }
});

Deno.test("ip_hash: pick() moves only the clients of an unavailable peer", () => {
  const table = group([1, 1, 1]);
  const b = balancer({ kind: "ip_hash" });
  const clients = Array.from({ length: 3000 }, (_, n) => client(n));
  const before = route(b, table, clients);
  table.fail(0, 0);
  const after = route(b, table, clients, 1);
  for (let n = 0; n < clients.length; n++) {
    if (before[n] === "p0:80") assert.notEqual(after[n], "p0:80");
    else assert.equal(after[n], before[n], clients[n]);
  }
});

Deno.test("ip_hash: pick() hashes IPv6 whole, IPv4-mapped IPv6 as IPv4, others as one", () => {
  const table = group([1, 1, 1, 1, 1]);
  const b = balancer({ kind: "ip_hash" });
  const v6 = Array.from({ length: 200 }, (_, n) => `2001:db8::${n.toString(16)}`);
  assert.ok(new Set(route(b, table, v6)).size > 1, "hosts of one /64 spread out");
  assert.deepEqual(route(b, table, v6), route(b, table, v6));
  assert.deepEqual(
    route(b, table, ["2001:db8:0:0:0:0:0:1f", "[2001:db8::1f]:443", "2001:DB8::1F%eth0"]),
    Array(3).fill(route(b, table, ["2001:db8::1f"])[0]),
  );
  for (let n = 0; n < 50; n++) {
    const v4 = client(n * 11);
    assert.deepEqual(
      route(b, table, [`::ffff:${v4}`, `[::ffff:${v4}]`]),
      route(b, table, [v4, v4]),
    );
  }
  // A Unix socket client (or any non-address) hashes as nginx's pseudo address 0.0.0.
  const pseudo = route(b, table, ["0.0.0.1"])[0];
  assert.deepEqual(
    route(b, table, ["", "unix:", "not an address", "1.2.3"]),
    Array(4).fill(pseudo),
  );
});

/** Cache::Memcached's hash of a key, as nginx's `hash` computes it on the first try. */
function memcachedHash(key: string): number {
  return (crc32(key) >>> 16) & 0x7fff;
}

Deno.test("hash: pick() maps a key as Cache::Memcached does", () => {
  const table = group([2, 1, 1]);
  const b = balancer({ kind: "hash" });
  const owner = [0, 0, 1, 2];
  for (let n = 0; n < 2000; n++) {
    const key = `/item/${n}?v=${n * 31}`;
    assert.equal(b.pick(table, 0, NONE, key), owner[memcachedHash(key) % 4], key);
  }
});

Deno.test("hash: pick() is stable per key, spreads keys by weight and rehashes past a failed peer", () => {
  const table = group([5, 1, 1]);
  const b = balancer({ kind: "hash" });
  const keys = Array.from({ length: 7000 }, (_, n) => `/u/${n}`);
  const before = route(b, table, keys);
  assert.deepEqual(route(b, table, keys), before);
  const counts = tally(b, table, 7000, 0, (n) => keys[n]);
  for (const [i, expected] of [5000, 1000, 1000].entries()) {
    assert.ok(Math.abs(counts[i] - expected) < expected * 0.15, `${counts}`);
  }
  table.fail(2, 0);
  const after = route(b, table, keys, 1);
  for (let n = 0; n < keys.length; n++) {
    if (before[n] === "p2:80") assert.notEqual(after[n], "p2:80");
    else assert.equal(after[n], before[n]);
  }
});

Deno.test("hash: pick() hashes non-latin1 keys too", () => {
  const table = group([1, 1, 1]);
  const b = balancer({ kind: "hash" });
  const keys = ["/café", "/日本", "/😀", "/\u00ff"];
  assert.deepEqual(route(b, table, keys), route(b, table, keys));
  assert.equal(b.pick(table, 0, NONE, "/\u00ff"), [0, 1, 2][memcachedHash("/\u00ff") % 3] ?? -1);
});

/** Ten peers named like real upstream servers. */
function servers(count: number, first = 1): string[] {
  return Array.from({ length: count }, (_, i) => `10.0.0.${first + i}:8080`);
}

function named(names: string[], options: Record<string, PeerOptions> = {}): PeerTable {
  return new PeerTable(names.map((name) => resolvePeerConfig(name, options[name])));
}

const KEYS = Array.from({ length: 10_000 }, (_, n) => `/objects/${n.toString(36)}`);

Deno.test("hash consistent: pick() spreads 10,000 keys about evenly and by weight", () => {
  const b = balancer({ kind: "hash", consistent: true });
  const counts = tally(b, named(servers(10)), KEYS.length, 0, (n) => KEYS[n]);
  for (const count of counts.slice(0, 10)) assert.ok(count > 650 && count < 1350, `${counts}`);
  const weighted = named(servers(2), { "10.0.0.1:8080": { weight: 3 } });
  const shares = tally(b, weighted, KEYS.length, 0, (n) => KEYS[n]);
  assert.ok(shares[0] > 6500 && shares[0] < 8500, `${shares}`);
});

Deno.test("hash consistent: pick() moves only the removed peer's keys, about 1/N", () => {
  const b = balancer({ kind: "hash", consistent: true });
  const names = servers(10);
  const before = route(b, named(names), KEYS);
  const removed = names[3];
  const after = route(b, named(names.filter((name) => name !== removed)), KEYS);
  let moved = 0;
  for (let n = 0; n < KEYS.length; n++) {
    if (after[n] === before[n]) continue;
    moved++;
    assert.equal(before[n], removed, `${KEYS[n]} moved from ${before[n]} to ${after[n]}`);
  }
  assert.ok(moved > 0 && moved <= KEYS.length * 1.5 / 10, `${moved} of ${KEYS.length} moved`);
});

Deno.test("hash consistent: pick() moves only keys to an added peer, about 1/N", () => {
  const b = balancer({ kind: "hash", consistent: true });
  const before = route(b, named(servers(10)), KEYS);
  const after = route(b, named(servers(11)), KEYS);
  let moved = 0;
  for (let n = 0; n < KEYS.length; n++) {
    if (after[n] === before[n]) continue;
    moved++;
    assert.equal(after[n], "10.0.0.11:8080");
  }
  assert.ok(moved > 0 && moved <= KEYS.length * 1.5 / 11, `${moved} moved`);
});

Deno.test("hash consistent: pick() moves only a failed peer's keys and ignores peer order", () => {
  const b = balancer({ kind: "hash", consistent: true });
  const names = servers(5);
  const table = named(names);
  const before = route(b, table, KEYS);
  assert.deepEqual(route(b, named(names.toReversed()), KEYS), before);
  table.fail(0, 0);
  const after = route(b, table, KEYS, 1);
  for (let n = 0; n < KEYS.length; n++) {
    if (before[n] === names[0]) assert.notEqual(after[n], names[0]);
    else assert.equal(after[n], before[n]);
  }
  const unix = named(["unix:/run/a.sock", "unix:/run/b.sock", "[::1]:8001"]);
  assert.equal(new Set(route(b, unix, KEYS.slice(0, 300))).size, 3);
});

Deno.test("random: pick() draws peers by weight", () => {
  const table = group([5, 1, 1]);
  const counts = tally(balancer({ kind: "random" }), table, 70_000);
  for (const [i, expected] of [50_000, 10_000, 10_000].entries()) {
    assert.ok(Math.abs(counts[i] - expected) < expected * 0.03, `${counts}`);
  }
  const again = tally(createBalancer({ kind: "random" }), table, 70_000);
  assert.ok(Math.abs(again[0] - 50_000) < 1500, `with Math.random: ${again}`);
});

Deno.test("random two: pick() takes the less loaded of two draws", () => {
  const table = group([1, 1, 1]);
  const b = balancer({ kind: "random", two: true });
  const idle = tally(b, table, 30_000);
  for (const count of idle.slice(0, 3)) assert.ok(Math.abs(count - 10_000) < 500, `${idle}`);
  table.acquire(0);
  assert.equal(tally(b, table, 1000)[0], 0, "never the loaded one while two others are idle");
  table.acquire(1);
  const counts = tally(b, table, 3000);
  assert.ok(counts[2] > counts[0] + counts[1], `${counts}`);
  assert.ok(counts[0] > 0 && counts[1] > 0, "a draw of the two loaded ones still happens");
});

Deno.test("random two: pick() keeps open connections near the weights", () => {
  const table = group([2, 1, 1]);
  const b = balancer({ kind: "random", two: true });
  for (let n = 0; n < 400; n++) table.acquire(b.pick(table, 0, NONE));
  const active = [0, 1, 2].map((i) => table.active(i));
  assert.ok(Math.abs(active[0] - 200) < 20 && Math.abs(active[1] - active[2]) < 20, `${active}`);
});

Deno.test("crc32Update() hashes latin1 text as its bytes and other text as UTF-8", () => {
  const crc = (text: string) => crc32Final(crc32Update(CRC_INIT, text));
  for (const text of ["", "a", "/objects/1z?x=1", "caf\u00e9 \u00ff", "x".repeat(1000)]) {
    assert.equal(crc(text), crc32(new Uint8Array([...text].map((c) => c.charCodeAt(0)))), text);
  }
  for (const text of ["\u0100", "\u07ff", "\u0800", "\u65e5\u672c", "\uffff"]) {
    assert.equal(crc(text), crc32(text), text);
  }
  const split = crc32Final(crc32Update(crc32Update(CRC_INIT, "ab"), "c"));
  assert.equal(split, crc("abc"), "a crc32 continues where it left off");
});

Deno.test("hashedAddressBytes() reads IPv4, IPv6 and IPv4-mapped IPv6; anything else is 0.0.0", () => {
  const out = new Uint8Array(16);
  const bytes = (address: string) => [...out.subarray(0, hashedAddressBytes(address, out))];
  assert.deepEqual(bytes("192.168.7.9"), [192, 168, 7]);
  assert.deepEqual(bytes("::ffff:192.168.7.9"), [192, 168, 7]);
  assert.deepEqual(bytes("[::FFFF:c0a8:0709]"), [192, 168, 7]);
  assert.deepEqual(bytes("::1"), [...Array(15).fill(0), 1]);
  assert.deepEqual(bytes("1::"), [0, 1, ...Array(14).fill(0)]);
  assert.deepEqual(bytes("2001:db8:1:2:3:4:5:6"), [
    0x20,
    0x01,
    0x0d,
    0xb8,
    0,
    1,
    0,
    2,
    0,
    3,
    0,
    4,
    0,
    5,
    0,
    6,
  ]);
  assert.deepEqual(bytes("64:ff9b::10.0.0.1"), [
    0,
    0x64,
    0xff,
    0x9b,
    ...Array(8).fill(0),
    10,
    0,
    0,
    1,
  ]);
  assert.deepEqual(bytes("fe80::1%eth0"), [0xfe, 0x80, ...Array(13).fill(0), 1]);
  for (
    const bad of [
      "",
      "256.1.1.1",
      "1.2.3",
      "1.2.3.4.5",
      "01234.1.1.1",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "12345::",
      "1.2.3.4::",
      "unix:/run/a.sock",
    ]
  ) {
    assert.deepEqual(bytes(bad), [0, 0, 0], bad);
  }
});

Deno.test("splitServerName() splits host and port as nginx's ring does", () => {
  assert.deepEqual(splitServerName("10.0.0.1:8080"), ["10.0.0.1", "8080"]);
  assert.deepEqual(splitServerName("[::1]:80"), ["[::1]", "80"]);
  assert.deepEqual(splitServerName("backend"), ["backend", ""]);
  assert.deepEqual(splitServerName("UNIX:/a.sock"), ["/a.sock", ""]);
  assert.deepEqual(splitServerName("[::1]"), ["[::1]", ""]);
});
