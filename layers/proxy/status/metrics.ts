/**
 * Prometheus metrics for the proxy: counters a worker bumps per finished exchange (cheaply:
 * typed arrays, no allocation), snapshots it can send to the master as plain JSON, a merge
 * of snapshots, and the text exposition format 0.0.4 for `/metrics`.
 *
 * @module
 */

import type { Completed, Reply } from "../types.ts";
import type { ConnectionStats } from "./stub_status.ts";
import { exposition } from "./_exposition.ts";

/** The `Content-Type` of the Prometheus text exposition format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Request duration histogram bounds in seconds, from a cached file to a slow upstream. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** A worker's (or several workers' merged) counters, as plain JSON-safe data. */
export interface MetricsSnapshot {
  /** The `worker` label; `""` for a merge of workers (written without the label). */
  worker: string;
  /** Requests by status code (`"200"` → count); codes never seen are absent. */
  statuses: Record<string, number>;
  /** Bytes sent, heads and bodies. */
  responseBytes: number;
  /** Bytes received, heads and bodies. */
  requestBytes: number;
  /** The histogram's upper bounds in seconds, ascending (`+Inf` implied). */
  buckets: number[];
  /** Requests per bucket, not cumulative; one more entry than `buckets` (above the last). */
  durationCounts: number[];
  /** Sum of request durations in seconds. */
  durationSum: number;
  /** The connection counters at snapshot time, or null when not given. */
  connections: ConnectionStats | null;
}

/** Options for {@linkcode Metrics}. */
export interface MetricsOptions {
  /** The `worker` label; default `""` (no label). */
  worker?: string;
  /** Duration histogram bounds in seconds, ascending; default {@linkcode DEFAULT_BUCKETS}. */
  buckets?: readonly number[];
  /**
   * Where the counters live, at least {@linkcode Metrics.storageLength} numbers: a view of a
   * `SharedArrayBuffer` lets other workers read them. Kept as is (counting goes on from it).
   */
  storage?: Float64Array;
}

/** Status codes counted one by one: 0–999. */
const STATUS_SLOTS = 1000;

/**
 * One worker's request metrics. `record()` runs per finished exchange and only bumps
 * numbers; `snapshot()`, `render()` and `reply()` build the output when asked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Metrics } from "./metrics.ts";
 * import type { Completed } from "../types.ts";
 *
 * const metrics = new Metrics({ worker: "1" });
 * metrics.record({ status: 200, bytesSent: 300, bytesReceived: 80, end: 3, exchange: { start: 0 } } as Completed);
 * const text = metrics.render({ active: 1, accepted: 4, handled: 4, requests: 9, reading: 0, writing: 1, waiting: 0 });
 * assert.match(text, /^ngw2f_proxy_requests_total\{worker="1",status="200"\} 1$/m);
 * assert.match(text, /^ngw2f_proxy_request_duration_seconds_bucket\{worker="1",le="0\.005"\} 1$/m);
 * assert.match(text, /^ngw2f_proxy_connections_accepted_total\{worker="1"\} 4$/m);
 * ```
 */
export class Metrics {
  readonly #worker: string;
  readonly #buckets: Float64Array;
  readonly #durationCounts: Float64Array;
  readonly #statuses: Float64Array;
  /** Response bytes, request bytes, duration sum. */
  readonly #totals: Float64Array;

  /**
   * How many numbers a {@linkcode MetricsOptions.storage} must hold for `buckets` (default
   * {@linkcode DEFAULT_BUCKETS}).
   */
  static storageLength(buckets: readonly number[] = DEFAULT_BUCKETS): number {
    return STATUS_SLOTS + 3 + buckets.length + 1;
  }

  /** Creates empty counters. @throws {RangeError} for buckets that are not ascending. */
  constructor(options: MetricsOptions = {}) {
    const buckets = options.buckets ?? DEFAULT_BUCKETS;
    for (let i = 0; i < buckets.length; i++) {
      if (
        !(buckets[i] > 0) || !Number.isFinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1])
      ) {
        throw new RangeError(
          `Cannot use histogram buckets: expected ascending positive numbers, got ${
            buckets.join(", ")
          }`,
        );
      }
    }
    this.#worker = options.worker ?? "";
    this.#buckets = Float64Array.from(buckets);
    const length = Metrics.storageLength(buckets);
    const storage = options.storage ?? new Float64Array(length);
    if (storage.length < length) {
      throw new RangeError(
        `Cannot keep metrics in ${storage.length} numbers: they need ${length}`,
      );
    }
    this.#statuses = storage.subarray(0, STATUS_SLOTS);
    this.#totals = storage.subarray(STATUS_SLOTS, STATUS_SLOTS + 3);
    this.#durationCounts = storage.subarray(STATUS_SLOTS + 3, length);
  }

  /** Counts one finished exchange: its status, bytes both ways and duration. */
  record(done: Completed): void {
    const status = done.status;
    this.#statuses[status >= 0 && status < 1000 ? status | 0 : 0]++;
    const totals = this.#totals;
    totals[0] += done.bytesSent;
    totals[1] += done.bytesReceived;
    const seconds = Math.max(0, (done.end - done.exchange.start) / 1000);
    totals[2] += seconds;
    const buckets = this.#buckets;
    let i = 0;
    while (i < buckets.length && seconds > buckets[i]) i++;
    this.#durationCounts[i]++;
  }

  /** The counters as plain data, with the connection counters when given. */
  snapshot(connections?: ConnectionStats): MetricsSnapshot {
    const statuses: Record<string, number> = {};
    const counts = this.#statuses;
    for (let code = 0; code < counts.length; code++) {
      if (counts[code] !== 0) statuses[String(code).padStart(3, "0")] = counts[code];
    }
    return {
      worker: this.#worker,
      statuses,
      responseBytes: this.#totals[0],
      requestBytes: this.#totals[1],
      buckets: Array.from(this.#buckets),
      durationCounts: Array.from(this.#durationCounts),
      durationSum: this.#totals[2],
      connections: connections ? { ...connections } : null,
    };
  }

  /** This worker's metrics in the Prometheus text format. */
  render(connections?: ConnectionStats): string {
    return renderMetrics([this.snapshot(connections)]);
  }

  /** A 200 reply with {@linkcode Metrics.render}'s text. */
  reply(connections?: ConnectionStats): Reply {
    return metricsReply([this.snapshot(connections)]);
  }
}

/**
 * Sums snapshots (of several workers) into one without a `worker` label. Connection
 * counters are summed over the snapshots that have them.
 *
 * @throws {RangeError} when the snapshots' histogram buckets differ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeMetrics, Metrics } from "./metrics.ts";
 * import type { Completed } from "../types.ts";
 *
 * const done = { status: 404, bytesSent: 10, bytesReceived: 5, end: 1, exchange: { start: 0 } } as Completed;
 * const one = new Metrics({ worker: "1" });
 * const two = new Metrics({ worker: "2" });
 * one.record(done);
 * two.record(done);
 * const merged = mergeMetrics([one.snapshot(), two.snapshot()]);
 * assert.equal(merged.worker, "");
 * assert.deepEqual(merged.statuses, { "404": 2 });
 * assert.equal(merged.responseBytes, 20);
 * ```
 */
export function mergeMetrics(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const buckets = snapshots[0]?.buckets ?? Array.from(DEFAULT_BUCKETS);
  const merged: MetricsSnapshot = {
    worker: "",
    statuses: {},
    responseBytes: 0,
    requestBytes: 0,
    buckets: [...buckets],
    durationCounts: new Array(buckets.length + 1).fill(0),
    durationSum: 0,
    connections: null,
  };
  for (const s of snapshots) {
    if (s.buckets.length !== buckets.length || s.buckets.some((b, i) => b !== buckets[i])) {
      throw new RangeError("Cannot merge metrics: the snapshots have different histogram buckets");
    }
    for (const [code, count] of Object.entries(s.statuses)) {
      merged.statuses[code] = (merged.statuses[code] ?? 0) + count;
    }
    merged.responseBytes += s.responseBytes;
    merged.requestBytes += s.requestBytes;
    for (let i = 0; i < merged.durationCounts.length; i++) {
      merged.durationCounts[i] += s.durationCounts[i];
    }
    merged.durationSum += s.durationSum;
    if (s.connections) {
      const c = merged.connections ??= {
        active: 0,
        accepted: 0,
        handled: 0,
        requests: 0,
        reading: 0,
        writing: 0,
        waiting: 0,
      };
      for (const key of Object.keys(c) as (keyof ConnectionStats)[]) c[key] += s.connections[key];
    }
  }
  return merged;
}

/**
 * The Prometheus text exposition (format 0.0.4) of `snapshots`: each family once, with HELP
 * and TYPE lines, then its samples per snapshot (labelled `worker="N"`, or unlabelled for a
 * merged snapshot). Families: `ngw2f_proxy_requests_total{status}`,
 * `ngw2f_proxy_requests_by_class_total{class}`, `ngw2f_proxy_response_bytes_total`,
 * `ngw2f_proxy_request_bytes_total`, `ngw2f_proxy_request_duration_seconds` (histogram), and
 * with connection counters `ngw2f_proxy_connections{state}`,
 * `ngw2f_proxy_connections_accepted_total`, `ngw2f_proxy_connections_handled_total`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Metrics, renderMetrics } from "./metrics.ts";
 *
 * const text = renderMetrics([new Metrics({ worker: "1" }).snapshot(), new Metrics({ worker: "2" }).snapshot()]);
 * assert.match(text, /^# TYPE ngw2f_proxy_request_duration_seconds histogram$/m);
 * assert.match(text, /^ngw2f_proxy_request_duration_seconds_count\{worker="2"\} 0$/m);
 * ```
 */
export function renderMetrics(snapshots: readonly MetricsSnapshot[]): string {
  return exposition(snapshots);
}

const encoder = new TextEncoder();

/**
 * A 200 reply with the exposition text of `snapshots` and its `Content-Type`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { METRICS_CONTENT_TYPE, metricsReply, Metrics } from "./metrics.ts";
 *
 * const reply = metricsReply([new Metrics().snapshot()]);
 * assert.deepEqual(reply.headers, ["Content-Type", METRICS_CONTENT_TYPE]);
 * ```
 */
export function metricsReply(snapshots: readonly MetricsSnapshot[]): Reply {
  return {
    status: 200,
    headers: ["Content-Type", METRICS_CONTENT_TYPE],
    body: encoder.encode(renderMetrics(snapshots)),
  };
}
