/**
 * What the status page shows: connections and requests of every worker, the upstream groups
 * with each server's state, and the recent upstream errors. The pipeline gathers it per
 * request; `statusPageReply()` renders it as HTML or JSON.
 *
 * @module
 */

import type { ConnectionStats } from "./stub_status.ts";
import type { MetricsSnapshot } from "./metrics.ts";

/** One server of an upstream group, as the status page shows it. */
export interface UpstreamServerStatus {
  /** Its address as configured (`127.0.0.1:8001`, `unix:/run/app.sock`). */
  name: string;
  /** `up`, `failed` (out after max_fails), `unhealthy` (active check), `down`, `full` (max_conns). */
  state: "up" | "failed" | "unhealthy" | "down" | "full";
  /** Configured weight, and the weight now (lowered by recent failures). */
  weight: number;
  effectiveWeight: number;
  /** `backup` and `down` as configured; `max_conns` (0: unlimited). */
  backup: boolean;
  down: boolean;
  maxConns: number;
  /** Open connections to it, all workers. */
  active: number;
  /** Requests sent to it, all workers (an int32 counter that wraps: rates come from differences). */
  requests: number;
  /** Failures in the current fail_timeout window, and the last one's time (ms epoch, 0: none). */
  fails: number;
  lastFail: number;
  /** Until when it is out for failures (ms epoch, 0: not out). */
  downUntil: number;
  /** The active health check's verdict (true without checks). */
  healthy: boolean;
}

/** One `[upstream.NAME]` group. */
export interface UpstreamStatus {
  name: string;
  /** Its method as written: `round_robin`, `least_conn`, `ip_hash`, `hash $request_uri consistent`, `random two`. */
  method: string;
  /** Idle keep-alive connections kept per server and worker. */
  keepalive: number;
  /** Its active health check, or null. */
  healthCheck: { path: string; interval: number } | null;
  servers: UpstreamServerStatus[];
}

/** An upstream failure, for the page's "recent errors". */
export interface RecentError {
  /** ms since the epoch. */
  time: number;
  upstream: string;
  server: string;
  /** `connect`, `connect-timeout`, `timeout`, `reset`, `invalid-response`, `aborted`, `http_502`… */
  kind: string;
  message: string;
  /** `METHOD target` of the request that met it. */
  request: string;
}

/** Everything the status page renders. */
export interface StatusData {
  /** The `Server` signature (`ngw2f/0.1.0`, or `ngw2f` with server_tokens off). */
  server: string;
  /** When this was gathered, and when the proxy started (ms since the epoch). */
  generatedAt: number;
  startedAt: number;
  /** Connection counters summed over every worker (stub_status's). */
  connections: ConnectionStats;
  /** Each worker's request counters (statuses, bytes, durations). */
  workers: MetricsSnapshot[];
  /** Every upstream group, in config order. */
  upstreams: UpstreamStatus[];
  /** The last upstream errors this worker met, newest first (at most 50). */
  errors: RecentError[];
}
