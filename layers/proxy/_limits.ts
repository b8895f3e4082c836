// limit_req and limit_conn as the pipeline applies them: a location's rules resolved once,
// their keys expanded per request, the zones' state in memory every worker shares. Private to
// the proxy pipeline.

import type { ProxyConfig, Settings } from "./config/types.ts";
import type { Walk } from "./_variables.ts";
import {
  type LimitConnCheck,
  type LimitConnRule,
  LimitConnZone,
  type LimitReqCheck,
  type LimitReqRule,
  LimitReqZone,
  limitZoneBuffer,
  resolveLimitConnRule,
  resolveLimitReqRule,
} from "./limits/mod.ts";

/** The zones' buffers, made by the master, by zone name. */
export interface LimitBuffers {
  /** `limit_req_zone` buffers. */
  req: Record<string, SharedArrayBuffer>;
  /** `limit_conn_zone` buffers. */
  conn: Record<string, SharedArrayBuffer>;
}

/**
 * Buffers for `config`'s zones; a zone of the same name and size in `previous` keeps its
 * buffer (and its state) across a reload.
 */
export function limitBuffers(config: ProxyConfig, previous?: LimitBuffers): LimitBuffers {
  const make = (
    zones: Record<string, { size: number }>,
    old: Record<string, SharedArrayBuffer> | undefined,
  ) => {
    const buffers: Record<string, SharedArrayBuffer> = {};
    for (const [name, zone] of Object.entries(zones)) {
      const kept = old?.[name];
      buffers[name] = kept && kept.byteLength === limitZoneBuffer(zone.size).byteLength
        ? kept
        : limitZoneBuffer(zone.size);
    }
    return buffers;
  };
  return {
    req: make(config.limitReqZones, previous?.req),
    conn: make(config.limitConnZones, previous?.conn),
  };
}

type Expand = (text: string, walk: Walk) => string;

/** One worker's limit zones. */
export class Limits {
  readonly #req = new Map<string, LimitReqZone>();
  readonly #conn = new Map<string, LimitConnZone>();
  readonly #reqRules = new WeakMap<Settings, { zone: LimitReqZone; rule: LimitReqRule }[]>();
  readonly #connRules = new WeakMap<Settings, { zone: LimitConnZone; rule: LimitConnRule }[]>();
  readonly #expand: Expand;

  constructor(config: ProxyConfig, buffers: LimitBuffers | undefined, expand: Expand) {
    for (const [name, zone] of Object.entries(config.limitReqZones)) {
      this.#req.set(name, new LimitReqZone(zone, buffers?.req[name]));
    }
    for (const [name, zone] of Object.entries(config.limitConnZones)) {
      this.#conn.set(name, new LimitConnZone(zone, buffers?.conn[name]));
    }
    this.#expand = expand;
  }

  /** `limit_req` for a request: `"reject"`, or the ms to wait (0: go on now). */
  request(settings: Settings, walk: Walk): "reject" | number {
    let rules = this.#reqRules.get(settings);
    if (!rules) {
      rules = settings.limitReq.map((r) => ({
        zone: this.#req.get(r.zone)!,
        rule: resolveLimitReqRule({ ...r, status: settings.limitReqStatus }),
      }));
      this.#reqRules.set(settings, rules);
    }
    const checks: LimitReqCheck[] = [];
    for (const { zone, rule } of rules) {
      const key = this.#expand(zone.config.key, walk);
      // An empty key is not limited, as in nginx.
      if (key !== "") checks.push({ zone, key, rule });
    }
    if (!checks.length) return 0;
    const decision = LimitReqZone.checkAll(checks, Date.now());
    if (decision.action === "reject") return "reject";
    return decision.action === "delay" ? decision.ms : 0;
  }

  /** `limit_conn` for a request: the function that gives its places back, or null (refused). */
  connection(settings: Settings, walk: Walk): (() => void) | null {
    let rules = this.#connRules.get(settings);
    if (!rules) {
      rules = settings.limitConn.map((r) => ({
        zone: this.#conn.get(r.zone)!,
        rule: resolveLimitConnRule({ ...r, status: settings.limitConnStatus }),
      }));
      this.#connRules.set(settings, rules);
    }
    const checks: LimitConnCheck[] = [];
    for (const { zone, rule } of rules) {
      const key = this.#expand(zone.config.key, walk);
      if (key !== "") checks.push({ zone, key, rule });
    }
    if (!checks.length) return () => {};
    const decision = LimitConnZone.acquireAll(checks);
    return decision.action === "reject" ? null : () => decision.release();
  }
}
