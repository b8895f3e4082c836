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
  /** Its configured weight. */
  weight: number;
  /** Its weight now (lowered by recent failures, climbing back). */
  effectiveWeight: number;
  /** `backup` as configured. */
  backup: boolean;
  /** `down` as configured. */
  down: boolean;
  /** `max_conns` (0: unlimited). */
  maxConns: number;
  /** Open connections to it, all workers. */
  active: number;
  /** Requests sent to it, all workers (an int32 counter that wraps: rates come from differences). */
  requests: number;
  /** Failures in the current fail_timeout window. */
  fails: number;
  /** The last failure's time (ms since the epoch, 0: none). */
  lastFail: number;
  /** Until when it is out for failures (ms epoch, 0: not out). */
  downUntil: number;
  /** The active health check's verdict (true without checks). */
  healthy: boolean;
}

/** One `[upstream.NAME]` group. */
export interface UpstreamStatus {
  /** The group's name. */
  name: string;
  /** Its method as written: `round_robin`, `least_conn`, `ip_hash`, `hash $request_uri consistent`, `random two`. */
  method: string;
  /** Idle keep-alive connections kept per server and worker. */
  keepalive: number;
  /** Its active health check, or null. */
  healthCheck: { path: string; interval: number } | null;
  /** Its servers, in config order. */
  servers: UpstreamServerStatus[];
}

/** An upstream failure, for the page's "recent errors". */
export interface RecentError {
  /** ms since the epoch. */
  time: number;
  /** The group's name. */
  upstream: string;
  /** The server's address. */
  server: string;
  /** `connect`, `connect-timeout`, `timeout`, `reset`, `invalid-response`, `aborted`, `http_502`… */
  kind: string;
  /** What went wrong, in words. */
  message: string;
  /** `METHOD target` of the request that met it. */
  request: string;
}

/** Everything the status page renders. */
export interface StatusData {
  /** The `Server` signature (`ngw2f/0.1.0`, or `ngw2f` with server_tokens off). */
  server: string;
  /** When this was gathered (ms since the epoch). */
  generatedAt: number;
  /** When this worker started (ms since the epoch). */
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
