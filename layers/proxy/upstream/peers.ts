/**
 * The servers of an upstream group and the state every worker must agree on: failures in the
 * current `fail_timeout` window, the time a failed-out server comes back, open connections
 * (for `least_conn` and `max_conns`) and the active health check's verdict. The state lives
 * in a buffer the master makes (a `SharedArrayBuffer`, as nginx's `zone`), one 64-byte slot
 * per peer; each worker opens a {@linkcode PeerTable} over it. Counters change with
 * `Atomics` (add, sub, compare-exchange), so no worker's increment is lost; they are read
 * plainly, three times cheaper than `Atomics.load` on the pick path, since a value a moment
 * stale only sways one choice. Times are plain `Float64Array` cells, last writer wins.
 *
 * The passive health rules are nginx's: `max_fails` failures, each within `fail_timeout` of
 * the one before, take a server out for `fail_timeout`; then one request probes it (no other
 * worker picks it meanwhile), and a success brings it back while a failure takes it out again.
 * A success after the window has passed clears the count; one inside it does not.
 *
 * @module
 */

/** How one server of an upstream group is configured: nginx's `server` parameters. */
export interface PeerConfig {
  /** Its address as written: `"127.0.0.1:8001"`, `"[::1]:8001"` or `"unix:/run/app.sock"`. */
  name: string;
  /** Its share of requests, a positive integer (`weight=`). */
  weight: number;
  /** Failures within `failTimeout` that take it out; `0` never does (`max_fails=`). */
  maxFails: number;
  /** The failure window and how long a failed-out peer stays out, in ms (`fail_timeout=`). */
  failTimeout: number;
  /** Used only when no primary peer is available (`backup`). */
  backup: boolean;
  /** Never picked (`down`). */
  down: boolean;
  /** Open connections it may have at once across the workers; `0` is unlimited (`max_conns=`). */
  maxConns: number;
}

/** The fields of a {@linkcode PeerConfig} besides its name, any of which may be left out. */
export type PeerOptions = Partial<Omit<PeerConfig, "name">>;

/** How a peer stands: `down` by configuration, out by health check, out by failures, at `max_conns`, or usable. */
export type PeerState = "up" | "failed" | "unhealthy" | "down" | "full";

/** One peer's configuration and state at a moment, for a status page. */
export interface PeerSnapshot {
  /** Its address as configured. */
  name: string;
  /** Its configured weight. */
  weight: number;
  /** Its weight now: lowered by failures, climbing back one step per round-robin pass. */
  effectiveWeight: number;
  /** Whether it is a backup peer. */
  backup: boolean;
  /** Whether it is configured `down`. */
  down: boolean;
  /** Its `max_conns`, `0` for unlimited. */
  maxConns: number;
  /** How it stands now (the first that applies of down, unhealthy, failed, full, up). */
  state: PeerState;
  /** Open connections across the workers. */
  active: number;
  /** Failures counted in the current window. */
  fails: number;
  /** Time of the latest failure in ms, `0` if none. */
  lastFail: number;
  /** Time in ms until which it is out for failures, `0` if it is not. */
  downUntil: number;
  /** Whether the active health check finds it healthy (peers start healthy). */
  healthy: boolean;
  /** Requests sent to it by every worker (wraps past 2^31). */
  requests: number;
}

/** Bytes of state per peer: one 64-byte slot, so two peers never share a cache line. */
const SLOT_BYTES = 64;
const SLOT_FLOATS = SLOT_BYTES / 8;
const SLOT_INTS = SLOT_BYTES / 4;
// Float64 cells, from the start of a slot.
const LAST_FAIL = 0;
const DOWN_UNTIL = 1;
// Int32 cells, after the two floats. Zeroed memory is a healthy, idle peer at full weight.
const INTS_AT = 4;
const FAILS = INTS_AT + 0;
const ACTIVE = INTS_AT + 1;
/** How far the effective weight is below the configured one. */
const DEFICIT = INTS_AT + 2;
const UNHEALTHY = INTS_AT + 3;
/** Consecutive health check passes and failures, for `rise` and `fall`. */
const PASSES = INTS_AT + 4;
const FAILURES = INTS_AT + 5;
/** Requests sent to the peer, all workers (wraps past 2^31: status pages read differences). */
const REQUESTS = INTS_AT + 6;

/**
 * Bytes of state for `peerCount` peers, a multiple of 8: groups can share one buffer, each at
 * the sum of the sizes before it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { peerStateByteLength } from "./peers.ts";
 *
 * assert.equal(peerStateByteLength(3), 192);
 * ```
 */
export function peerStateByteLength(peerCount: number): number {
  if (!Number.isInteger(peerCount) || peerCount < 0) {
    throw new RangeError(`Cannot size peer state: "${peerCount}" is not a peer count`);
  }
  return peerCount * SLOT_BYTES;
}

/**
 * A zeroed `SharedArrayBuffer` for the state of `peerCount` peers, made once by the master and
 * handed to every worker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PeerTable, peerStateBuffer, resolvePeerConfig } from "./peers.ts";
 *
 * const buffer = peerStateBuffer(1);
 * const one = new PeerTable([resolvePeerConfig("127.0.0.1:8001")], buffer);
 * const two = new PeerTable([resolvePeerConfig("127.0.0.1:8001")], buffer);
 * one.acquire(0);
 * assert.equal(two.active(0), 1);
 * ```
 */
export function peerStateBuffer(peerCount: number): SharedArrayBuffer {
  return new SharedArrayBuffer(peerStateByteLength(peerCount));
}

/**
 * A {@linkcode PeerConfig} with nginx's defaults filled in (weight 1, max_fails 1,
 * fail_timeout 10 s, no max_conns) and every field checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolvePeerConfig } from "./peers.ts";
 *
 * const peer = resolvePeerConfig("127.0.0.1:8001", { weight: 5 });
 * assert.equal(peer.failTimeout, 10_000);
 * assert.throws(() => resolvePeerConfig("127.0.0.1:8002", { weight: 0 }), RangeError);
 * ```
 */
export function resolvePeerConfig(name: string, options: PeerOptions = {}): PeerConfig {
  const peer: PeerConfig = {
    name,
    weight: options.weight ?? 1,
    maxFails: options.maxFails ?? 1,
    failTimeout: options.failTimeout ?? 10_000,
    backup: options.backup ?? false,
    down: options.down ?? false,
    maxConns: options.maxConns ?? 0,
  };
  checkPeer(peer);
  return peer;
}

function checkPeer(peer: PeerConfig): void {
  const bad = (why: string) => new RangeError(`Cannot use peer "${peer.name}": ${why}`);
  if (typeof peer.name !== "string" || peer.name === "") throw bad("it has no address");
  if (!Number.isInteger(peer.weight) || peer.weight < 1 || peer.weight > 0xffff) {
    throw bad(`weight must be an integer from 1 to 65535, got "${peer.weight}"`);
  }
  if (!Number.isInteger(peer.maxFails) || peer.maxFails < 0) {
    throw bad(`max_fails must be an integer of 0 or more, got "${peer.maxFails}"`);
  }
  if (!Number.isFinite(peer.failTimeout) || peer.failTimeout < 0) {
    throw bad(`fail_timeout must be 0 ms or more, got "${peer.failTimeout}"`);
  }
  if (!Number.isInteger(peer.maxConns) || peer.maxConns < 0) {
    throw bad(`max_conns must be an integer of 0 or more, got "${peer.maxConns}"`);
  }
}

/**
 * One worker's view of an upstream group's peers and their shared state. Give every worker
 * the same buffer (and offset) and they count failures and connections together; without a
 * buffer the state is this table's own.
 *
 * A request goes: a balancer's `pick()`, `acquire()`, then `succeed()` or `fail()`, then
 * `release()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PeerTable, peerStateBuffer, resolvePeerConfig } from "./peers.ts";
 *
 * const peers = [resolvePeerConfig("127.0.0.1:8001", { maxFails: 2, failTimeout: 10_000 })];
 * const buffer = peerStateBuffer(peers.length);
 * const worker1 = new PeerTable(peers, buffer);
 * const worker2 = new PeerTable(peers, buffer);
 * worker1.fail(0, 1_000);
 * worker2.fail(0, 2_000);
 * assert.equal(worker1.available(0, 3_000), false);
 * assert.equal(worker1.available(0, 12_000), true);
 * ```
 */
export class PeerTable {
  /** The peers, in configuration order; their index is their id everywhere else. */
  readonly peers: readonly Readonly<PeerConfig>[];
  /** Indexes of the primary peers, in order. */
  readonly primaries: Int32Array;
  /** Indexes of the backup peers, in order. */
  readonly backups: Int32Array;
  readonly #floats: Float64Array;
  readonly #ints: Int32Array;

  /**
   * Opens the state of `peers` in `buffer` from `byteOffset` (a multiple of 8), or in a
   * fresh buffer of its own.
   */
  constructor(
    peers: readonly PeerConfig[],
    buffer?: SharedArrayBuffer | ArrayBuffer,
    byteOffset = 0,
  ) {
    if (peers.length === 0) throw new RangeError("Cannot make a peer table: it has no peers");
    for (const peer of peers) checkPeer(peer);
    this.peers = peers.map((peer) => Object.freeze({ ...peer }));
    const primaries: number[] = [];
    const backups: number[] = [];
    peers.forEach((peer, i) => (peer.backup ? backups : primaries).push(i));
    this.primaries = Int32Array.from(primaries);
    this.backups = Int32Array.from(backups);
    const length = peerStateByteLength(peers.length);
    buffer ??= new ArrayBuffer(length);
    if (byteOffset % 8 !== 0 || byteOffset < 0 || byteOffset + length > buffer.byteLength) {
      throw new RangeError(
        `Cannot open peer state at byte "${byteOffset}": ${peers.length} peers need ${length} ` +
          `bytes at a multiple of 8 within a buffer of ${buffer.byteLength}`,
      );
    }
    this.#floats = new Float64Array(buffer, byteOffset, length / 8);
    this.#ints = new Int32Array(buffer, byteOffset, length / 4);
  }

  /** How many peers the group has. */
  get length(): number {
    return this.peers.length;
  }

  /**
   * Whether peer `i` may take a request at `now` (ms): not configured down, healthy, not out
   * for failures and under its `max_conns`.
   */
  available(i: number, now: number): boolean {
    const peer = this.peers[i];
    if (peer.down) return false;
    const at = i * SLOT_INTS;
    if (this.#ints[at + UNHEALTHY] !== 0) return false;
    if (peer.maxConns > 0 && this.#ints[at + ACTIVE] >= peer.maxConns) return false;
    return now >= this.#floats[i * SLOT_FLOATS + DOWN_UNTIL];
  }

  /**
   * Records that a balancer chose peer `i` at `now`. When the peer is back from a failure
   * time-out, this request is its probe: the others leave it alone for another
   * `fail_timeout` unless the probe succeeds first.
   */
  picked(i: number, now: number): void {
    const peer = this.peers[i];
    if (peer.maxFails === 0) return;
    if (this.#ints[i * SLOT_INTS + FAILS] < peer.maxFails) return;
    const cell = i * SLOT_FLOATS + DOWN_UNTIL;
    if (now >= this.#floats[cell]) this.#floats[cell] = now + peer.failTimeout;
  }

  /**
   * Counts a connection opened to peer `i`. Returns `false` (counting nothing) when the peer
   * is at its `max_conns`, as happens when another worker took the last one since `pick()`.
   */
  acquire(i: number): boolean {
    const cell = i * SLOT_INTS + ACTIVE;
    const max = this.peers[i].maxConns;
    if (max === 0) {
      Atomics.add(this.#ints, cell, 1);
      Atomics.add(this.#ints, i * SLOT_INTS + REQUESTS, 1);
      return true;
    }
    for (let seen = this.#ints[cell]; seen < max;) {
      const was = Atomics.compareExchange(this.#ints, cell, seen, seen + 1);
      if (was === seen) {
        Atomics.add(this.#ints, i * SLOT_INTS + REQUESTS, 1);
        return true;
      }
      seen = was;
    }
    return false;
  }

  /** Requests sent to peer `i` by every worker (an int32 that wraps; compare differences). */
  requests(i: number): number {
    return this.#ints[i * SLOT_INTS + REQUESTS];
  }

  /** Counts a connection to peer `i` closed (never below zero). */
  release(i: number): void {
    const cell = i * SLOT_INTS + ACTIVE;
    if (Atomics.sub(this.#ints, cell, 1) <= 0) Atomics.add(this.#ints, cell, 1);
  }

  /** Open connections to peer `i` across the workers. */
  active(i: number): number {
    return this.#ints[i * SLOT_INTS + ACTIVE];
  }

  /** Failures of peer `i` counted in its current window. */
  fails(i: number): number {
    return this.#ints[i * SLOT_INTS + FAILS];
  }

  /**
   * Counts a failed attempt on peer `i` at `now`. Failures older than `fail_timeout` are
   * forgotten first, unless the peer was out (then this was its probe, and it stays out).
   * Returns whether the peer is out after it, for nginx's "temporarily disabled" log line.
   */
  fail(i: number, now: number): boolean {
    const peer = this.peers[i];
    const at = i * SLOT_INTS;
    const slot = i * SLOT_FLOATS;
    const before = this.#ints[at + FAILS];
    const out = peer.maxFails > 0 && before >= peer.maxFails;
    if (before > 0 && !out && now - this.#floats[slot + LAST_FAIL] >= peer.failTimeout) {
      Atomics.compareExchange(this.#ints, at + FAILS, before, 0);
    }
    const fails = Atomics.add(this.#ints, at + FAILS, 1) + 1;
    this.#floats[slot + LAST_FAIL] = now;
    if (peer.maxFails === 0) return false;
    const step = Math.floor(peer.weight / peer.maxFails);
    if (step > 0 && Atomics.add(this.#ints, at + DEFICIT, step) + step > peer.weight) {
      Atomics.store(this.#ints, at + DEFICIT, peer.weight);
    }
    if (fails < peer.maxFails) return false;
    this.#floats[slot + DOWN_UNTIL] = now + peer.failTimeout;
    return true;
  }

  /**
   * Counts a successful attempt on peer `i` at `now`: once `fail_timeout` has passed since its
   * latest failure, the failure count starts over (and a failed-out peer is back).
   */
  succeed(i: number, now: number): void {
    const at = i * SLOT_INTS;
    if (this.#ints[at + FAILS] === 0) return;
    const slot = i * SLOT_FLOATS;
    if (now - this.#floats[slot + LAST_FAIL] < this.peers[i].failTimeout) return;
    Atomics.store(this.#ints, at + FAILS, 0);
    this.#floats[slot + DOWN_UNTIL] = 0;
  }

  /** Peer `i`'s weight now: its configured weight less what failures took from it. */
  effectiveWeight(i: number): number {
    return this.peers[i].weight - this.#ints[i * SLOT_INTS + DEFICIT];
  }

  /** Moves peer `i`'s effective weight one step back toward its weight (each nginx pass does). */
  recoverWeight(i: number): void {
    const cell = i * SLOT_INTS + DEFICIT;
    if (Atomics.sub(this.#ints, cell, 1) <= 0) Atomics.add(this.#ints, cell, 1);
  }

  /**
   * Records an active health check's verdict on peer `i`: `rise` passes in a row make an
   * unhealthy peer healthy, `fall` failures in a row the reverse. Returns whether its health
   * changed.
   */
  setHealth(i: number, ok: boolean, rise: number, fall: number): boolean {
    const at = i * SLOT_INTS;
    if (ok) {
      Atomics.store(this.#ints, at + FAILURES, 0);
      const passes = Atomics.add(this.#ints, at + PASSES, 1) + 1;
      return passes >= rise && Atomics.compareExchange(this.#ints, at + UNHEALTHY, 1, 0) === 1;
    }
    Atomics.store(this.#ints, at + PASSES, 0);
    const failures = Atomics.add(this.#ints, at + FAILURES, 1) + 1;
    return failures >= fall && Atomics.compareExchange(this.#ints, at + UNHEALTHY, 0, 1) === 0;
  }

  /** Whether the active health check finds peer `i` healthy. */
  healthy(i: number): boolean {
    return this.#ints[i * SLOT_INTS + UNHEALTHY] === 0;
  }

  /** How peer `i` stands at `now` (the first that applies of down, unhealthy, failed, full, up). */
  state(i: number, now: number): PeerState {
    const peer = this.peers[i];
    if (peer.down) return "down";
    if (!this.healthy(i)) return "unhealthy";
    if (now < this.#floats[i * SLOT_FLOATS + DOWN_UNTIL]) return "failed";
    if (peer.maxConns > 0 && this.active(i) >= peer.maxConns) return "full";
    return "up";
  }

  /** Every peer's configuration and state at `now`, for a status page. */
  snapshot(now: number): PeerSnapshot[] {
    return this.peers.map((peer, i) => {
      const slot = i * SLOT_FLOATS;
      return {
        name: peer.name,
        weight: peer.weight,
        effectiveWeight: this.effectiveWeight(i),
        backup: peer.backup,
        down: peer.down,
        maxConns: peer.maxConns,
        state: this.state(i, now),
        active: this.active(i),
        fails: this.fails(i),
        lastFail: this.#floats[slot + LAST_FAIL],
        downUntil: now < this.#floats[slot + DOWN_UNTIL] ? this.#floats[slot + DOWN_UNTIL] : 0,
        healthy: this.healthy(i),
        requests: this.requests(i),
      };
    });
  }
}
