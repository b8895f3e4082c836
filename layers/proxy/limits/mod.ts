/**
 * nginx's `limit_req` and `limit_conn` for the proxy: request rates and requests in progress
 * per key, counted across every worker in zones whose buffers the master makes once and
 * hands to each worker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   LimitConnZone,
 *   LimitReqZone,
 *   limitZoneBuffer,
 *   resolveLimitReqRule,
 * } from "./mod.ts";
 *
 * // In the master: one buffer per zone, handed to every worker.
 * const config = { name: "one", key: "$binary_remote_addr", size: 1024 * 1024, rate: 10 };
 * const buffer = limitZoneBuffer(config.size);
 *
 * // In each worker:
 * const zone = new LimitReqZone(config, buffer);
 * const rule = resolveLimitReqRule({ zone: "one", burst: 20, nodelay: true, status: 429 });
 * assert.equal(zone.check("10.0.0.1", rule, Date.now()).action, "pass");
 *
 * const conns = new LimitConnZone({ name: "addr", key: "$binary_remote_addr", size: 8192 });
 * assert.equal(conns.acquire("10.0.0.1", 1), true);
 * assert.equal(conns.acquire("10.0.0.1", 1), false);
 * conns.release("10.0.0.1");
 * ```
 *
 * @module
 */

export {
  type LimitReqCheck,
  type LimitReqDecision,
  type LimitReqDelay,
  type LimitReqPass,
  type LimitReqReject,
  type LimitReqRule,
  type LimitReqRuleInit,
  type LimitReqStatus,
  limitReqStatus,
  LimitReqZone,
  type LimitReqZoneConfig,
  parseRate,
  resolveLimitReqRule,
} from "./limit_req.ts";
export {
  type LimitConnCheck,
  type LimitConnDecision,
  type LimitConnPass,
  type LimitConnReject,
  type LimitConnRule,
  type LimitConnRuleInit,
  LimitConnZone,
  type LimitConnZoneConfig,
  resolveLimitConnRule,
} from "./limit_conn.ts";
export {
  limitZoneBuffer,
  SharedZone,
  type SharedZoneOptions,
  ZONE_ABSENT,
  ZONE_BUCKET_SLOTS,
  ZONE_BUSY,
  ZONE_FULL,
  ZONE_LOCK_STEAL_MS,
  zoneCapacity,
} from "./zone.ts";
