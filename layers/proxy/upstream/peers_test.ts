import assert from "node:assert/strict";
import {
  type PeerConfig,
  type PeerOptions,
  peerStateBuffer,
  peerStateByteLength,
  PeerTable,
  resolvePeerConfig,
} from "./peers.ts";
import type { PeerWorkerReport, PeerWorkerTask } from "./testdata/peer_worker.ts";

const SECOND = 1000;

function one(options: PeerOptions = {}): PeerTable {
  return new PeerTable([resolvePeerConfig("127.0.0.1:8001", options)]);
}

Deno.test("resolvePeerConfig() fills nginx's defaults", () => {
  assert.deepEqual(resolvePeerConfig("unix:/run/app.sock"), {
    name: "unix:/run/app.sock",
    weight: 1,
    maxFails: 1,
    failTimeout: 10 * SECOND,
    backup: false,
    down: false,
    maxConns: 0,
  });
});

Deno.test("resolvePeerConfig() throws a RangeError naming the peer when a value is out of range", () => {
  const cases: [PeerOptions, RegExp][] = [
    [{ weight: 0 }, /weight must be an integer from 1 to 65535, got "0"/],
    [{ weight: 1.5 }, /weight/],
    [{ maxFails: -1 }, /max_fails/],
    [{ failTimeout: NaN }, /fail_timeout/],
    [{ maxConns: -2 }, /max_conns/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => resolvePeerConfig("a:80", options), (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /^Cannot use peer "a:80": /);
      assert.match(error.message, message);
      return true;
    });
  }
  assert.throws(() => resolvePeerConfig(""), /it has no address/);
});

Deno.test("new PeerTable() throws when it has no peers or its slice does not fit the buffer", () => {
  const peers = [resolvePeerConfig("a:80"), resolvePeerConfig("b:80")];
  assert.throws(() => new PeerTable([]), /Cannot make a peer table: it has no peers/);
  assert.throws(() => new PeerTable(peers, peerStateBuffer(1)), RangeError);
  assert.throws(() => new PeerTable(peers, peerStateBuffer(3), 4), /a multiple of 8/);
  assert.throws(() => new PeerTable(peers, peerStateBuffer(2), 64), /buffer of 128/);
  assert.throws(() => peerStateByteLength(-1), RangeError);
});

Deno.test("new PeerTable() lists primaries and backups in configuration order", () => {
  const table = new PeerTable([
    resolvePeerConfig("a:80", { backup: true }),
    resolvePeerConfig("b:80"),
    resolvePeerConfig("c:80", { backup: true }),
    resolvePeerConfig("d:80"),
  ]);
  assert.deepEqual([...table.primaries], [1, 3]);
  assert.deepEqual([...table.backups], [0, 2]);
  assert.equal(table.length, 4);
});

Deno.test("PeerTable.fail() takes a peer out after max_fails within fail_timeout, for fail_timeout", () => {
  const table = one({ maxFails: 2, failTimeout: 10 * SECOND });
  assert.equal(table.fail(0, 1 * SECOND), false);
  assert.equal(table.available(0, 2 * SECOND), true);
  assert.equal(table.fail(0, 5 * SECOND), true);
  assert.equal(table.available(0, 5 * SECOND), false);
  assert.equal(table.state(0, 14_999), "failed");
  assert.equal(table.available(0, 15 * SECOND), true);
});

Deno.test("PeerTable.fail() forgets failures older than fail_timeout", () => {
  const table = one({ maxFails: 2, failTimeout: 10 * SECOND });
  table.fail(0, 0);
  assert.equal(table.fail(0, 10 * SECOND), false);
  assert.equal(table.fails(0), 1);
  assert.equal(table.available(0, 10 * SECOND), true);
});

Deno.test("PeerTable.fail() never takes a peer out when max_fails is 0", () => {
  const table = one({ maxFails: 0 });
  for (let n = 0; n < 10; n++) assert.equal(table.fail(0, n), false);
  assert.equal(table.available(0, 10), true);
  assert.equal(table.fails(0), 10);
});

Deno.test("PeerTable.succeed() resets the failures only once fail_timeout has passed", () => {
  const table = one({ maxFails: 3, failTimeout: 10 * SECOND });
  table.fail(0, 0);
  table.fail(0, 1 * SECOND);
  table.succeed(0, 2 * SECOND);
  assert.equal(table.fails(0), 2, "a success inside the window does not reset (nginx)");
  assert.equal(table.fail(0, 3 * SECOND), true);
  assert.equal(table.available(0, 4 * SECOND), false);
  table.succeed(0, 13 * SECOND);
  assert.equal(table.fails(0), 0);
  assert.equal(table.available(0, 13 * SECOND), true);
});

Deno.test("PeerTable.picked() makes the first pick after a time-out the only probe", () => {
  const peers = [resolvePeerConfig("a:80", { maxFails: 1, failTimeout: 10 * SECOND })];
  const buffer = peerStateBuffer(1);
  const worker1 = new PeerTable(peers, buffer);
  const worker2 = new PeerTable(peers, buffer);
  worker1.fail(0, 0);
  assert.equal(worker2.available(0, 10 * SECOND), true, "back after fail_timeout");
  worker1.picked(0, 10 * SECOND);
  assert.equal(worker2.available(0, 10 * SECOND), false, "held while the probe runs");
  // A failed probe: out again at once, with no need for max_fails more.
  assert.equal(worker1.fail(0, 11 * SECOND), true);
  assert.equal(worker2.available(0, 20 * SECOND), false);
  assert.equal(worker2.available(0, 21 * SECOND), true);
  // A successful probe: back for everyone.
  worker2.picked(0, 21 * SECOND);
  worker2.succeed(0, 21.5 * SECOND);
  assert.equal(worker1.available(0, 21.5 * SECOND), true);
  assert.equal(worker1.fails(0), 0);
});

Deno.test("PeerTable.picked() changes nothing for a peer that is not out", () => {
  const table = one({ maxFails: 2 });
  table.fail(0, 0);
  table.picked(0, 20 * SECOND);
  assert.equal(table.available(0, 20 * SECOND), true);
  assert.deepEqual(table.snapshot(20 * SECOND)[0].downUntil, 0);
});

Deno.test("PeerTable.fail() lowers the effective weight and recoverWeight() restores it", () => {
  const table = one({ weight: 4, maxFails: 2 });
  table.fail(0, 0);
  assert.equal(table.effectiveWeight(0), 2);
  table.fail(0, 1);
  table.fail(0, 2);
  assert.equal(table.effectiveWeight(0), 0, "never below 0");
  for (let n = 0; n < 10; n++) table.recoverWeight(0);
  assert.equal(table.effectiveWeight(0), 4, "never above the weight");
});

Deno.test("PeerTable.acquire() respects max_conns and release() never goes below zero", () => {
  const table = one({ maxConns: 2 });
  assert.equal(table.acquire(0), true);
  assert.equal(table.acquire(0), true);
  assert.equal(table.available(0, 0), false);
  assert.equal(table.state(0, 0), "full");
  assert.equal(table.acquire(0), false);
  assert.equal(table.active(0), 2);
  table.release(0);
  assert.equal(table.available(0, 0), true);
  table.release(0);
  table.release(0);
  assert.equal(table.active(0), 0);
  const unlimited = one();
  for (let n = 0; n < 1000; n++) assert.equal(unlimited.acquire(0), true);
  assert.equal(unlimited.available(0, 0), true);
});

Deno.test("PeerTable.setHealth() takes a peer out after fall failures, back after rise passes", () => {
  const table = one();
  assert.equal(table.healthy(0), true, "peers start healthy");
  assert.equal(table.setHealth(0, false, 2, 3), false);
  assert.equal(table.setHealth(0, false, 2, 3), false);
  assert.equal(table.setHealth(0, true, 2, 3), false, "a pass breaks the run of failures");
  assert.equal(table.setHealth(0, false, 2, 3), false);
  assert.equal(table.setHealth(0, false, 2, 3), false);
  assert.equal(table.setHealth(0, false, 2, 3), true);
  assert.equal(table.available(0, 0), false);
  assert.equal(table.state(0, 0), "unhealthy");
  assert.equal(table.setHealth(0, false, 2, 3), false, "already unhealthy");
  assert.equal(table.setHealth(0, true, 2, 3), false);
  assert.equal(table.setHealth(0, true, 2, 3), true);
  assert.equal(table.available(0, 0), true);
  assert.equal(table.setHealth(0, true, 2, 3), false, "already healthy");
});

Deno.test("PeerTable.snapshot() reports each peer's state, down first", () => {
  const table = new PeerTable([
    resolvePeerConfig("up:80", { weight: 3 }),
    resolvePeerConfig("failed:80"),
    resolvePeerConfig("unhealthy:80"),
    resolvePeerConfig("down:80", { down: true }),
    resolvePeerConfig("full:80", { maxConns: 1 }),
    resolvePeerConfig("backup:80", { backup: true }),
  ]);
  table.fail(1, 1000);
  table.setHealth(2, false, 1, 1);
  table.setHealth(3, false, 1, 1);
  table.acquire(4);
  table.acquire(0);
  const snapshot = table.snapshot(2000);
  assert.deepEqual(snapshot.map((p) => [p.name, p.state]), [
    ["up:80", "up"],
    ["failed:80", "failed"],
    ["unhealthy:80", "unhealthy"],
    ["down:80", "down"],
    ["full:80", "full"],
    ["backup:80", "up"],
  ]);
  assert.deepEqual(snapshot[0], {
    name: "up:80",
    weight: 3,
    effectiveWeight: 3,
    backup: false,
    down: false,
    maxConns: 0,
    state: "up",
    active: 1,
    fails: 0,
    lastFail: 0,
    downUntil: 0,
    healthy: true,
    requests: 1,
  });
  // A refused acquire (at max_conns) is no request.
  assert.equal(table.acquire(4), false);
  assert.equal(table.snapshot(2000)[4].requests, 1);
  assert.equal(snapshot[1].fails, 1);
  assert.equal(snapshot[1].lastFail, 1000);
  assert.equal(snapshot[1].downUntil, 11_000);
  assert.equal(snapshot[5].backup, true);
});

Deno.test("PeerTable without a buffer keeps its state to itself", () => {
  const peers = [resolvePeerConfig("a:80")];
  const a = new PeerTable(peers);
  const b = new PeerTable(peers);
  a.acquire(0);
  a.fail(0, 0);
  assert.equal(b.active(0), 0);
  assert.equal(b.available(0, 0), true);
});

Deno.test("PeerTable copies its configuration", () => {
  const peers: PeerConfig[] = [resolvePeerConfig("a:80")];
  const table = new PeerTable(peers);
  peers[0].down = true;
  assert.equal(table.available(0, 0), true);
  assert.ok(Object.isFrozen(table.peers[0]));
});

Deno.test("two PeerTables on one buffer see each other's failures, connections and health", () => {
  const peers = [resolvePeerConfig("a:80", { maxFails: 2 }), resolvePeerConfig("b:80")];
  const buffer = peerStateBuffer(peers.length);
  const one = new PeerTable(peers, buffer);
  const two = new PeerTable(peers, buffer);
  one.fail(0, 0);
  two.fail(0, 1);
  assert.equal(one.available(0, 2), false);
  one.acquire(1);
  two.acquire(1);
  assert.equal(one.active(1), 2);
  two.setHealth(1, false, 1, 1);
  assert.equal(one.healthy(1), false);
});

Deno.test("groups at their offsets in one buffer keep apart", () => {
  const first = [resolvePeerConfig("a:80"), resolvePeerConfig("b:80")];
  const second = [resolvePeerConfig("c:80")];
  const buffer = new SharedArrayBuffer(
    peerStateByteLength(first.length) + peerStateByteLength(second.length),
  );
  const a = new PeerTable(first, buffer, 0);
  const b = new PeerTable(second, buffer, peerStateByteLength(first.length));
  const b2 = new PeerTable(second, buffer, peerStateByteLength(first.length));
  b.acquire(0);
  b.fail(0, 0);
  assert.equal(b2.active(0), 1);
  assert.equal(b2.available(0, 0), false);
  assert.deepEqual(a.snapshot(0).map((p) => [p.active, p.fails]), [[0, 0], [0, 0]]);
});

Deno.test("a PeerTable in a worker thread counts into the same buffer, atomically", async () => {
  const peers = [
    resolvePeerConfig("a:80"),
    resolvePeerConfig("b:80", { maxFails: 2 }),
    resolvePeerConfig("c:80"),
  ];
  // Another group's slice first, so the offset is exercised across threads too.
  const byteOffset = peerStateByteLength(1);
  const buffer = new SharedArrayBuffer(byteOffset + peerStateByteLength(peers.length));
  const table = new PeerTable(peers, buffer, byteOffset);
  table.acquire(2);
  const worker = new Worker(new URL("./testdata/peer_worker.ts", import.meta.url), {
    type: "module",
  });
  try {
    const reply = new Promise<PeerWorkerReport>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message));
      };
    });
    const acquires = 500_000;
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const task: PeerWorkerTask = {
      buffer,
      byteOffset,
      peers,
      gate,
      acquires,
      fails: 2,
      now: 5_000,
    };
    worker.postMessage(task);
    const deadline = Date.now() + 10_000;
    while (Atomics.load(gate, 0) === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    Atomics.store(gate, 1, 1);
    Atomics.notify(gate, 1);
    // Counted here while the worker counts there: Atomics lose none of either.
    for (let n = 0; n < acquires; n++) table.acquire(0);
    const report = await reply;
    assert.equal(report.peer2Active, 1);
    assert.ok(report.peer0Active >= acquires);
    assert.equal(table.active(0), 2 * acquires);
    assert.equal(table.available(1, 6_000), false);
    assert.equal(table.state(1, 6_000), "failed");
    assert.equal(table.available(1, 15_000), true);
  } finally {
    worker.terminate();
  }
});
