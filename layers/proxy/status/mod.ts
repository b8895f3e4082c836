/**
 * The proxy's status endpoints: nginx's `stub_status` page and Prometheus `/metrics`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Metrics, stubStatusText } from "./mod.ts";
 *
 * const stats = { active: 2, accepted: 10, handled: 10, requests: 20, reading: 0, writing: 1, waiting: 1 };
 * assert.match(stubStatusText(stats), /^Active connections: 2 \n/);
 * assert.match(new Metrics({ worker: "1" }).render(stats), /ngw2f_proxy_connections\{worker="1",state="active"\} 2/);
 * ```
 *
 * @module
 */

export { type ConnectionStats, stubStatusReply, stubStatusText } from "./stub_status.ts";
export {
  DEFAULT_BUCKETS,
  mergeMetrics,
  Metrics,
  METRICS_CONTENT_TYPE,
  type MetricsOptions,
  metricsReply,
  type MetricsSnapshot,
  renderMetrics,
} from "./metrics.ts";
export { MAX_SHARED_WORKERS, SharedStats, sharedStatsBuffer } from "./shared_stats.ts";
export type {
  RecentError,
  StatusData,
  UpstreamServerStatus,
  UpstreamStatus,
} from "./status_data.ts";
export { statusPageReply } from "./status_page.ts";
export { SharedErrors, sharedErrorsBuffer, sharedErrorsByteLength } from "./shared_errors.ts";
