/**
 * Which server of an upstream group takes the next request: nginx's balancing methods over a
 * {@linkcode PeerTable}. Every method tries the primary peers first and the backup peers only
 * when no primary is available (or every one was tried), skips peers that are down, out for
 * failures, unhealthy, at `max_conns` or in the request's `tried` set, and answers `-1` when
 * none is left.
 *
 * Round-robin weights live in the balancer, one per worker as in nginx; failures, open
 * connections and health live in the table's shared state. The hash methods (`ip_hash`,
 * `hash`, `hash consistent`, `random`) try up to 21 peers as nginx does and then fall back
 * to round robin; nginx refuses `backup` with them, here backups are their last resort too.
 *
 * @module
 */

import type { PeerTable } from "./peers.ts";
import {
  crc32Bytes,
  crc32Final,
  crc32Update,
  CRC_INIT,
  hashedAddressBytes,
  splitServerName,
} from "./_hash.ts";

/**
 * How an upstream group picks a server, as the config's `method` says: nginx's default round
 * robin, `least_conn`, `ip_hash`, `hash KEY [consistent]` and `random [two]` (two is
 * `random two least_conn`). The config's values fit as they are (a hash's `key` is evaluated
 * per request and handed to `pick()`).
 */
export type BalancingMethod =
  | { kind: "round_robin" }
  | { kind: "least_conn" }
  | { kind: "ip_hash" }
  | { kind: "hash"; consistent?: boolean }
  | { kind: "random"; two?: boolean };

/** A balancer's method as nginx writes it, for logs and status pages. */
export type BalancerName =
  | "round_robin"
  | "least_conn"
  | "ip_hash"
  | "hash"
  | "hash consistent"
  | "random"
  | "random two";

/** Chooses peers of an upstream group for one worker. Keep one per group per worker. */
export interface Balancer {
  /** Its method. */
  readonly name: BalancerName;
  /**
   * The index of the peer of `table` to try at `now` (ms), or `-1` when every peer is
   * unavailable or in `tried` (the peers this request already tried). `key` is what the
   * hash methods hash: the client address for `ip_hash`, the evaluated key for `hash`.
   */
  pick(table: PeerTable, now: number, tried: ReadonlySet<number>, key?: string): number;
}

/** Options of {@linkcode createBalancer}. */
export interface BalancerOptions {
  /** Random numbers in [0, 1) for the `random` methods; `Math.random` by default. */
  random?: () => number;
}

/**
 * A balancer for `method`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createBalancer } from "./balance.ts";
 * import { PeerTable, resolvePeerConfig } from "./peers.ts";
 *
 * const table = new PeerTable([
 *   resolvePeerConfig("a:80", { weight: 5 }),
 *   resolvePeerConfig("b:80"),
 *   resolvePeerConfig("c:80"),
 * ]);
 * const balancer = createBalancer({ kind: "round_robin" });
 * const picks = Array.from({ length: 7 }, () => table.peers[balancer.pick(table, 0, new Set())].name);
 * assert.deepEqual(picks, ["a:80", "a:80", "b:80", "a:80", "c:80", "a:80", "a:80"]);
 * ```
 */
export function createBalancer(
  method: BalancingMethod,
  options: BalancerOptions = {},
): Balancer {
  switch (method.kind) {
    case "round_robin":
      return new RoundRobin();
    case "least_conn":
      return new LeastConn();
    case "ip_hash":
      return new IpHash();
    case "hash":
      return method.consistent ? new ConsistentHash() : new KeyHash();
    case "random":
      return new RandomPick(method.two ?? false, options.random ?? Math.random);
    default:
      throw new RangeError(
        `Cannot balance by "${(method as { kind: unknown }).kind}": it is not a balancing method`,
      );
  }
}

/** nginx's limit on hash attempts before it falls back to round robin. */
const MAX_HASH_TRIES = 20;

function usable(table: PeerTable, i: number, now: number, tried: ReadonlySet<number>): boolean {
  return (tried.size === 0 || !tried.has(i)) && table.available(i, now);
}

/** Smooth weighted round robin's current weights, one per peer, for one table at a time. */
class CurrentWeights {
  #table: PeerTable | undefined;
  #weights = new Int32Array(0);

  of(table: PeerTable): Int32Array {
    if (table !== this.#table) {
      this.#table = table;
      this.#weights = new Int32Array(table.length);
    }
    return this.#weights;
  }
}

/**
 * nginx's smooth weighted round robin over `list`: every usable peer's current weight grows
 * by its effective weight, the largest wins and gives back the total.
 */
function roundRobin(
  table: PeerTable,
  list: Int32Array,
  current: Int32Array,
  now: number,
  tried: ReadonlySet<number>,
): number {
  let best = -1;
  let total = 0;
  for (let k = 0; k < list.length; k++) {
    const i = list[k];
    if (!usable(table, i, now, tried)) continue;
    const weight = table.effectiveWeight(i);
    current[i] += weight;
    total += weight;
    if (weight < table.peers[i].weight) table.recoverWeight(i);
    if (best < 0 || current[i] > current[best]) best = i;
  }
  if (best >= 0) current[best] -= total;
  return best;
}

/** nginx's least_conn over `list`: fewest open connections per weight, round robin among ties. */
function leastConn(
  table: PeerTable,
  list: Int32Array,
  current: Int32Array,
  now: number,
  tried: ReadonlySet<number>,
): number {
  let best = -1;
  let from = 0;
  let bestActive = 0;
  let bestWeight = 1;
  let many = false;
  for (let k = 0; k < list.length; k++) {
    const i = list[k];
    if (!usable(table, i, now, tried)) continue;
    const active = table.active(i);
    const weight = table.peers[i].weight;
    if (best < 0 || active * bestWeight < bestActive * weight) {
      best = i;
      from = k;
      bestActive = active;
      bestWeight = weight;
      many = false;
    } else if (active * bestWeight === bestActive * weight) {
      many = true;
    }
  }
  if (!many) return best;
  let chosen = -1;
  let total = 0;
  for (let k = from; k < list.length; k++) {
    const i = list[k];
    if (!usable(table, i, now, tried)) continue;
    if (table.active(i) * bestWeight !== bestActive * table.peers[i].weight) continue;
    const weight = table.effectiveWeight(i);
    current[i] += weight;
    total += weight;
    if (weight < table.peers[i].weight) table.recoverWeight(i);
    if (chosen < 0 || current[i] > current[chosen]) chosen = i;
  }
  // Another worker's connections may have broken the tie meanwhile.
  if (chosen < 0) return best;
  current[chosen] -= total;
  return chosen;
}

/** Falls back from the primaries to the backups by round robin and records the pick. */
function settle(
  table: PeerTable,
  now: number,
  tried: ReadonlySet<number>,
  current: CurrentWeights,
  primary: number,
): number {
  const i = primary >= 0 || table.backups.length === 0
    ? primary
    : roundRobin(table, table.backups, current.of(table), now, tried);
  if (i >= 0) table.picked(i, now);
  return i;
}

class RoundRobin implements Balancer {
  readonly name = "round_robin";
  readonly #current = new CurrentWeights();

  pick(table: PeerTable, now: number, tried: ReadonlySet<number>): number {
    const i = roundRobin(table, table.primaries, this.#current.of(table), now, tried);
    return settle(table, now, tried, this.#current, i);
  }
}

class LeastConn implements Balancer {
  readonly name = "least_conn";
  readonly #current = new CurrentWeights();

  pick(table: PeerTable, now: number, tried: ReadonlySet<number>): number {
    const current = this.#current.of(table);
    let i = leastConn(table, table.primaries, current, now, tried);
    if (i < 0) i = leastConn(table, table.backups, current, now, tried);
    if (i >= 0) table.picked(i, now);
    return i;
  }
}

/** The primaries' running weight totals, for turning a number below the total into a peer. */
class WeightRanges {
  #table: PeerTable | undefined;
  #ends = new Int32Array(0);
  total = 0;

  of(table: PeerTable): this {
    if (table === this.#table) return this;
    this.#table = table;
    this.#ends = new Int32Array(table.primaries.length);
    this.total = 0;
    for (let k = 0; k < table.primaries.length; k++) {
      this.total += table.peers[table.primaries[k]].weight;
      this.#ends[k] = this.total;
    }
    return this;
  }

  /** The primary peer whose share of the total holds `w`. */
  peer(table: PeerTable, w: number): number {
    const ends = this.#ends;
    let low = 0;
    let high = ends.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (ends[mid] > w) high = mid;
      else low = mid + 1;
    }
    return table.primaries[low];
  }
}

class IpHash implements Balancer {
  readonly name = "ip_hash";
  readonly #current = new CurrentWeights();
  readonly #ranges = new WeightRanges();
  readonly #bytes = new Uint8Array(16);

  pick(table: PeerTable, now: number, tried: ReadonlySet<number>, key = ""): number {
    const ranges = this.#ranges.of(table);
    let found = -1;
    if (ranges.total > 0) {
      const length = hashedAddressBytes(key, this.#bytes);
      let hash = 89;
      for (let tries = 0; tries <= MAX_HASH_TRIES && found < 0; tries++) {
        for (let k = 0; k < length; k++) hash = (hash * 113 + this.#bytes[k]) % 6271;
        const i = ranges.peer(table, hash % ranges.total);
        if (usable(table, i, now, tried)) found = i;
      }
    }
    if (found < 0) {
      found = roundRobin(table, table.primaries, this.#current.of(table), now, tried);
    }
    return settle(table, now, tried, this.#current, found);
  }
}

class KeyHash implements Balancer {
  readonly name = "hash";
  readonly #current = new CurrentWeights();
  readonly #ranges = new WeightRanges();

  pick(table: PeerTable, now: number, tried: ReadonlySet<number>, key = ""): number {
    const ranges = this.#ranges.of(table);
    let found = -1;
    // Cache::Memcached's: the sum over attempts of ((crc32([attempt] key) >> 16) & 0x7fff).
    let hash = 0;
    for (let tries = 0; tries <= MAX_HASH_TRIES && found < 0 && ranges.total > 0; tries++) {
      const crc = crc32Update(tries === 0 ? CRC_INIT : crc32Update(CRC_INIT, String(tries)), key);
      hash += (crc32Final(crc) >>> 16) & 0x7fff;
      const i = ranges.peer(table, hash % ranges.total);
      if (usable(table, i, now, tried)) found = i;
    }
    if (found < 0) {
      found = roundRobin(table, table.primaries, this.#current.of(table), now, tried);
    }
    return settle(table, now, tried, this.#current, found);
  }
}

/** Points per unit of weight on the consistent-hash ring, as nginx (and ketama). */
const POINTS_PER_WEIGHT = 160;

class ConsistentHash implements Balancer {
  readonly name = "hash consistent";
  readonly #current = new CurrentWeights();
  #table: PeerTable | undefined;
  #hashes = new Uint32Array(0);
  #peers = new Int32Array(0);

  pick(table: PeerTable, now: number, tried: ReadonlySet<number>, key = ""): number {
    if (table !== this.#table) this.#build(table);
    const hashes = this.#hashes;
    let found = -1;
    if (hashes.length > 0) {
      const hash = crc32Final(crc32Update(CRC_INIT, key));
      let low = 0;
      let high = hashes.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (hashes[mid] < hash) low = mid + 1;
        else high = mid;
      }
      for (let tries = 0; tries <= MAX_HASH_TRIES && found < 0; tries++) {
        const i = this.#peers[(low + tries) % hashes.length];
        if (usable(table, i, now, tried)) found = i;
      }
    }
    if (found < 0) {
      found = roundRobin(table, table.primaries, this.#current.of(table), now, tried);
    }
    return settle(table, now, tried, this.#current, found);
  }

  /**
   * The ring: each primary gets 160 points per unit of weight, nginx's chain of crc32s of
   * "host\0port" and the previous point, so a peer keeps its points whatever the others are.
   */
  #build(table: PeerTable): void {
    this.#table = table;
    const points: number[] = [];
    const previous = new Uint8Array(4);
    for (const i of table.primaries) {
      const { name, weight } = table.peers[i];
      const [host, port] = splitServerName(name);
      const base = crc32Update(crc32Update(crc32Update(CRC_INIT, host), "\0"), port);
      previous.fill(0);
      for (let j = 0; j < weight * POINTS_PER_WEIGHT; j++) {
        const hash = crc32Final(crc32Bytes(base, previous));
        // Hash and peer in one exact number, so that sorting sorts both.
        points.push(hash * 2 ** 20 + i);
        previous[0] = hash;
        previous[1] = hash >>> 8;
        previous[2] = hash >>> 16;
        previous[3] = hash >>> 24;
      }
    }
    const sorted = Float64Array.from(points).sort();
    const hashes: number[] = [];
    const peers: number[] = [];
    for (const point of sorted) {
      const hash = Math.floor(point / 2 ** 20);
      // Two peers on one point: the first keeps it, as nginx.
      if (hashes.length > 0 && hashes[hashes.length - 1] === hash) continue;
      hashes.push(hash);
      peers.push(point - hash * 2 ** 20);
    }
    this.#hashes = Uint32Array.from(hashes);
    this.#peers = Int32Array.from(peers);
  }
}

class RandomPick implements Balancer {
  readonly name: "random" | "random two";
  readonly #two: boolean;
  readonly #random: () => number;
  readonly #current = new CurrentWeights();
  readonly #ranges = new WeightRanges();

  constructor(two: boolean, random: () => number) {
    this.name = two ? "random two" : "random";
    this.#two = two;
    this.#random = random;
  }

  pick(table: PeerTable, now: number, tried: ReadonlySet<number>): number {
    let found = this.#two ? this.#pair(table, now, tried) : this.#one(table, now, tried, -1);
    if (found < 0) {
      found = roundRobin(table, table.primaries, this.#current.of(table), now, tried);
    }
    return settle(table, now, tried, this.#current, found);
  }

  /** A usable primary other than `not`, drawn by weight, in at most 21 draws; or -1. */
  #one(table: PeerTable, now: number, tried: ReadonlySet<number>, not: number): number {
    const ranges = this.#ranges.of(table);
    if (ranges.total === 0) return -1;
    for (let tries = 0; tries <= MAX_HASH_TRIES; tries++) {
      const i = ranges.peer(table, Math.floor(this.#random() * ranges.total));
      if (i !== not && usable(table, i, now, tried)) return i;
    }
    return -1;
  }

  /** Two draws; the one with fewer open connections per weight (the first on a tie). */
  #pair(table: PeerTable, now: number, tried: ReadonlySet<number>): number {
    const first = this.#one(table, now, tried, -1);
    if (first < 0) return -1;
    const second = this.#one(table, now, tried, first);
    if (second < 0) return first;
    const a = table.active(first) * table.peers[second].weight;
    const b = table.active(second) * table.peers[first].weight;
    return b < a ? second : first;
  }
}
