// What a request pays to choose its upstream peer, per method, for a group of 3 and of 32
// peers: `deno bench layers/proxy/upstream/balance_bench.ts`.

import { type BalancingMethod, createBalancer } from "./balance.ts";
import { peerStateBuffer, PeerTable, resolvePeerConfig } from "./peers.ts";

const METHODS: [string, BalancingMethod][] = [
  ["round_robin", { kind: "round_robin" }],
  ["least_conn", { kind: "least_conn" }],
  ["ip_hash", { kind: "ip_hash" }],
  ["hash", { kind: "hash" }],
  ["hash consistent", { kind: "hash", consistent: true }],
  ["random", { kind: "random" }],
  ["random two", { kind: "random", two: true }],
];

/** A group of `count` peers on a shared buffer, weights 1–3, some connections open. */
function group(count: number): PeerTable {
  const peers = Array.from(
    { length: count },
    (_, i) => resolvePeerConfig(`10.0.${i >> 8}.${i & 255}:8080`, { weight: 1 + (i % 3) }),
  );
  const table = new PeerTable(peers, peerStateBuffer(count));
  for (let i = 0; i < count; i++) for (let n = 0; n < i % 4; n++) table.acquire(i);
  return table;
}

const NONE: ReadonlySet<number> = new Set();
const CLIENTS = Array.from({ length: 1024 }, (_, n) => `192.168.${n >> 4}.${n & 255}`);
const KEYS = Array.from({ length: 1024 }, (_, n) => `/static/objects/${n.toString(36)}.png`);
const now = Date.now();

for (const count of [3, 32]) {
  const table = group(count);
  for (const [name, method] of METHODS) {
    const balancer = createBalancer(method);
    const keys = method.kind === "ip_hash" ? CLIENTS : KEYS;
    let n = 0;
    Deno.bench(`${name}, ${count} peers`, {
      group: `${count} peers`,
      baseline: method.kind === "round_robin",
    }, () => {
      balancer.pick(table, now, NONE, keys[n++ & 1023]);
    });
  }
}

// A retry: the request's first peer is in `tried`.
const retried = group(32);
const retry = createBalancer({ kind: "round_robin" });
const tried = new Set([retry.pick(retried, now, NONE)]);
Deno.bench("round_robin, 32 peers, one tried", { group: "retry" }, () => {
  retry.pick(retried, now, tried);
});
