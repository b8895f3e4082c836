/**
 * Counters every proxy worker can read: one slot per worker id in a `SharedArrayBuffer` the
 * master makes, holding the worker's {@linkcode Metrics} and its latest connection counters.
 * A status endpoint on any worker then answers for all of them, as nginx's shared zone does.
 * A replacement worker takes its id's slot over and counts on from it, so totals survive a
 * crash or a reload (two generations briefly share a slot: a few increments may be lost then).
 *
 * @module
 */

import type { ConnectionStats } from "./stub_status.ts";
import { DEFAULT_BUCKETS, Metrics, type MetricsSnapshot } from "./metrics.ts";

/** Worker ids 1…this have a shared slot; a worker past it keeps its counters to itself. */
export const MAX_SHARED_WORKERS = 64;

/** Connection counters plus the time they were published. */
const CONNECTION_FIELDS = 8;
/** Connection counters older than this are a worker that is gone: not counted. */
const STALE_MS = 3000;

const slotLength = () => Metrics.storageLength(DEFAULT_BUCKETS) + CONNECTION_FIELDS;

/** A buffer for {@linkcode SharedStats}, made once by the master. */
export function sharedStatsBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(MAX_SHARED_WORKERS * slotLength() * 8);
}

/**
 * One worker's view of the shared counters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SharedStats, sharedStatsBuffer } from "./shared_stats.ts";
 * import type { Completed } from "../types.ts";
 *
 * const buffer = sharedStatsBuffer();
 * const one = new SharedStats(buffer, 1);
 * const two = new SharedStats(buffer, 2);
 * one.metrics.record({ status: 200, bytesSent: 10, bytesReceived: 5, end: 1, exchange: { start: 0 } } as Completed);
 * two.metrics.record({ status: 404, bytesSent: 20, bytesReceived: 5, end: 1, exchange: { start: 0 } } as Completed);
 * two.publish({ active: 2, accepted: 3, handled: 3, requests: 4, reading: 0, writing: 1, waiting: 1 });
 * const all = one.snapshots();
 * assert.deepEqual(all.map((s) => s.statuses), [{ "200": 1 }, { "404": 1 }]);
 * assert.equal(one.connections({ active: 1, accepted: 1, handled: 1, requests: 1, reading: 0, writing: 1, waiting: 0 }).active, 3);
 * ```
 */
export class SharedStats {
  readonly #buffer: SharedArrayBuffer;
  readonly #workerId: number;
  /** The totals a predecessor with this id published: this worker counts on from them. */
  #base = [0, 0, 0];
  /** This worker's metrics, counting into its shared slot. */
  readonly metrics: Metrics;

  /** Opens worker `workerId`'s slot of `buffer`. */
  constructor(buffer: SharedArrayBuffer, workerId: number) {
    this.#buffer = buffer;
    this.#workerId = workerId;
    this.metrics = workerId >= 1 && workerId <= MAX_SHARED_WORKERS
      ? new Metrics({ worker: String(workerId), storage: this.#metricsView(workerId) })
      : new Metrics({ worker: String(workerId) });
    if (workerId >= 1 && workerId <= MAX_SHARED_WORKERS) {
      const view = this.#connectionsView(workerId);
      this.#base = [view[1], view[2], view[3]];
    }
  }

  #slot(id: number): Float64Array {
    const length = slotLength();
    return new Float64Array(this.#buffer, (id - 1) * length * 8, length);
  }

  #metricsView(id: number): Float64Array {
    return this.#slot(id).subarray(0, Metrics.storageLength(DEFAULT_BUCKETS));
  }

  #connectionsView(id: number): Float64Array {
    return this.#slot(id).subarray(Metrics.storageLength(DEFAULT_BUCKETS));
  }

  /** Publishes this worker's connection counters for the others. */
  publish(stats: ConnectionStats): void {
    if (this.#workerId < 1 || this.#workerId > MAX_SHARED_WORKERS) return;
    const view = this.#connectionsView(this.#workerId);
    view[0] = stats.active;
    view[1] = this.#base[0] + stats.accepted;
    view[2] = this.#base[1] + stats.handled;
    view[3] = this.#base[2] + stats.requests;
    view[4] = stats.reading;
    view[5] = stats.writing;
    view[6] = stats.waiting;
    view[7] = Date.now();
  }

  /**
   * The metrics of every worker that has counted anything, this one's live; each with its
   * connection counters (`own` for this worker, the last published ones for the others).
   */
  snapshots(own?: ConnectionStats): MetricsSnapshot[] {
    const out: MetricsSnapshot[] = [];
    const now = Date.now();
    for (let id = 1; id <= MAX_SHARED_WORKERS; id++) {
      if (id === this.#workerId) {
        out.push(this.metrics.snapshot(own && this.#withBase(own)));
        continue;
      }
      const view = this.#metricsView(id);
      if (!view.some((n) => n !== 0)) continue;
      // A copy: the owner keeps counting while this one is read.
      const c = this.#connectionsView(id);
      const connections = c[7] === 0 ? undefined : {
        active: now - c[7] < STALE_MS ? c[0] : 0,
        accepted: c[1],
        handled: c[2],
        requests: c[3],
        reading: now - c[7] < STALE_MS ? c[4] : 0,
        writing: now - c[7] < STALE_MS ? c[5] : 0,
        waiting: now - c[7] < STALE_MS ? c[6] : 0,
      };
      out.push(new Metrics({ worker: String(id), storage: view.slice() }).snapshot(connections));
    }
    return out;
  }

  #withBase(stats: ConnectionStats): ConnectionStats {
    const [accepted, handled, requests] = this.#base;
    return {
      ...stats,
      accepted: accepted + stats.accepted,
      handled: handled + stats.handled,
      requests: requests + stats.requests,
    };
  }

  /** Connection counters summed over the workers: `own` live, the others as last published. */
  connections(own: ConnectionStats): ConnectionStats {
    const sum = this.#withBase(own);
    const now = Date.now();
    for (let id = 1; id <= MAX_SHARED_WORKERS; id++) {
      if (id === this.#workerId) continue;
      const view = this.#connectionsView(id);
      if (view[7] === 0) continue;
      // Totals stay; what a gone worker last said about its open connections does not.
      const live = now - view[7] < STALE_MS;
      if (live) {
        sum.active += view[0];
        sum.reading += view[4];
        sum.writing += view[5];
        sum.waiting += view[6];
      }
      sum.accepted += view[1];
      sum.handled += view[2];
      sum.requests += view[3];
    }
    return sum;
  }
}
