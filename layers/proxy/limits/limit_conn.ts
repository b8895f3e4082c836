/**
 * nginx's `limit_conn`: how many requests each key has in progress at once, counted across
 * every proxy worker in a {@linkcode SharedZone}. A request takes one of its key's `limit`
 * places before it is handled and gives it back when it is done; a key with none taken holds
 * no entry. A request over the limit, or whose key finds no room in a zone full of keys with
 * requests in progress, is answered 503 unless the rule says otherwise (`limit_conn_status`).
 *
 * As in nginx, the places a worker holds when it dies are not given back.
 *
 * @module
 */

import { SharedZone, ZONE_ABSENT } from "./zone.ts";

/** How a zone is configured: the config loader's type. */
export type { LimitConnZoneConfig } from "../config/types.ts";
import type { LimitConnZoneConfig } from "../config/types.ts";

/** One `limit_conn` directive of a location. */
export interface LimitConnRule {
  /** The zone's name. */
  zone: string;
  /** Requests a key may have in progress at once (1–65535). */
  limit: number;
  /** The status of a rejected request (`limit_conn_status`, 400–599). */
  status: number;
  /** Whether to only count, never reject (`limit_conn_dry_run on`). */
  dryRun?: boolean;
}

/** A {@linkcode LimitConnRule} with its status and dry run optional. */
export type LimitConnRuleInit = Pick<LimitConnRule, "zone" | "limit"> & Partial<LimitConnRule>;

/** One limit to apply to a request: a zone, the key the caller evaluated for it, a rule. */
export interface LimitConnCheck {
  /** The rule's zone. */
  zone: LimitConnZone;
  /** The zone's key for this request; empty skips the limit, as nginx does. */
  key: string;
  /** The rule. */
  rule: LimitConnRule;
}

/** What the connection limits decide for a request. */
export type LimitConnDecision = LimitConnPass | LimitConnReject;

/** The request goes on holding its places; `release()` them when it is done. */
export interface LimitConnPass {
  /** Go on. */
  readonly action: "pass";
  /** Set when a dry-run rule would have rejected it (it then holds no places). */
  readonly dryRun?: "reject";
  /** Gives the request's places back; later calls do nothing. */
  release(): void;
}

/** The request is answered with an error status. */
export interface LimitConnReject {
  /** Answer `status`. */
  readonly action: "reject";
  /** The rule's status. */
  readonly status: number;
  /** The zone that rejected it. */
  readonly zone: string;
}

const COUNT = 0;
const FIELDS = 1;
const KIND = 2;
/** nginx skips a key longer than this. */
const MAX_KEY = 255;

const NOTHING = () => {};
const PASS: LimitConnPass = Object.freeze({ action: "pass", release: NOTHING });
const PASS_DRY_REJECT: LimitConnPass = Object.freeze({
  action: "pass",
  dryRun: "reject",
  release: NOTHING,
});

/** An entry with requests in progress stays; an empty one (none should linger) may go. */
function victimScore(values: Float64Array, at: number): number {
  return values[at + COUNT] > 0 ? -1 : Infinity;
}

/**
 * A {@linkcode LimitConnRule} with nginx's defaults filled in (status 503, not a dry run) and
 * every field checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveLimitConnRule } from "./limit_conn.ts";
 *
 * assert.deepEqual(resolveLimitConnRule({ zone: "addr", limit: 10, status: 429 }), {
 *   zone: "addr",
 *   limit: 10,
 *   status: 429,
 *   dryRun: false,
 * });
 * assert.throws(() => resolveLimitConnRule({ zone: "addr", limit: 0 }), RangeError);
 * ```
 */
export function resolveLimitConnRule(init: LimitConnRuleInit): LimitConnRule {
  const rule = {
    zone: init.zone,
    limit: init.limit,
    status: init.status ?? 503,
    dryRun: init.dryRun ?? false,
  };
  if (!Number.isInteger(rule.limit) || rule.limit < 1 || rule.limit > 65535) {
    throw new RangeError(`Cannot use limit_conn "${rule.limit}": expected 1-65535`);
  }
  if (!Number.isInteger(rule.status) || rule.status < 400 || rule.status > 599) {
    throw new RangeError(`Cannot use limit_conn status "${rule.status}": expected 400-599`);
  }
  if (typeof rule.zone !== "string" || rule.zone === "") {
    throw new RangeError(`Cannot use limit_conn zone "${rule.zone}": expected a zone name`);
  }
  return rule;
}

/**
 * One worker's view of a `limit_conn_zone`. The master makes the buffer once
 * (`limitZoneBuffer`); every worker opens a zone over it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LimitConnZone } from "./limit_conn.ts";
 * import { limitZoneBuffer } from "./zone.ts";
 *
 * const config = { name: "addr", key: "$binary_remote_addr", size: 64 * 1024 };
 * const buffer = limitZoneBuffer(config.size);
 * const workerOne = new LimitConnZone(config, buffer);
 * const workerTwo = new LimitConnZone(config, buffer);
 * assert.equal(workerOne.acquire("10.0.0.1", 2), true);
 * assert.equal(workerTwo.acquire("10.0.0.1", 2), true);
 * assert.equal(workerOne.acquire("10.0.0.1", 2), false);
 * workerTwo.release("10.0.0.1");
 * assert.equal(workerOne.count("10.0.0.1"), 1);
 * ```
 */
export class LimitConnZone {
  /** The zone's configuration. */
  readonly config: Readonly<LimitConnZoneConfig>;
  /** The buffer the entries live in, to hand to other workers. */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  readonly #zone: SharedZone;

  /**
   * Opens the zone in `buffer` (which must be `config.size` bytes), or in a new unshared one.
   *
   * @throws {RangeError} When the name or size is unusable.
   * @throws {TypeError} When the buffer holds another kind of zone.
   */
  constructor(config: LimitConnZoneConfig, buffer?: SharedArrayBuffer | ArrayBuffer) {
    if (typeof config.name !== "string" || config.name === "") {
      throw new RangeError(`Cannot make limit_conn zone "${config.name}": it needs a name`);
    }
    if (!Number.isSafeInteger(config.size) || config.size <= 0) {
      throw new RangeError(
        `Cannot make limit_conn zone "${config.name}": size "${config.size}" is not a byte count`,
      );
    }
    buffer ??= new ArrayBuffer(config.size);
    if (buffer.byteLength !== config.size) {
      throw new RangeError(
        `Cannot make limit_conn zone "${config.name}": its buffer has ` +
          `"${buffer.byteLength}" bytes, not "${config.size}"`,
      );
    }
    this.config = Object.freeze({ ...config });
    this.buffer = buffer;
    this.#zone = new SharedZone(buffer, { fields: FIELDS, kind: KIND, victimScore });
  }

  /** Keys the zone has room for. */
  get capacity(): number {
    return this.#zone.capacity;
  }

  /** Keys with requests in progress now. */
  size(): number {
    return this.#zone.size();
  }

  /**
   * Takes one of `key`'s places if it has fewer than `limit` in progress: `true` when taken
   * (or the key is empty or over 255 characters, which nginx does not limit), `false` when
   * the key is at its limit or the zone has no room for it.
   */
  acquire(key: string, limit: number): boolean {
    if (key.length === 0 || key.length > MAX_KEY) return true;
    const zone = this.#zone;
    const slot = zone.open(key, 0, true);
    if (slot < 0) return false;
    const values = zone.values;
    const taken = values[slot * FIELDS + COUNT] < limit;
    if (taken) values[slot * FIELDS + COUNT]++;
    else if (zone.created) zone.remove(slot);
    zone.close();
    return taken;
  }

  /**
   * Gives back one place {@linkcode acquire} took for `key`; the key's entry goes with its
   * last one.
   *
   * @throws {Error} When the key's buckets stay locked for seconds (a place would be lost).
   */
  release(key: string): void {
    if (key.length === 0 || key.length > MAX_KEY) return;
    const zone = this.#zone;
    const slot = zone.open(key, 0, false);
    if (slot === ZONE_ABSENT) return;
    if (slot < 0) {
      throw new Error(`Cannot release a limit_conn place in zone "${this.config.name}": locked`);
    }
    const values = zone.values;
    if (--values[slot * FIELDS + COUNT] <= 0) zone.remove(slot);
    zone.close();
  }

  /** Requests `key` has in progress across the workers. */
  count(key: string): number {
    if (key.length === 0 || key.length > MAX_KEY) return 0;
    const zone = this.#zone;
    const slot = zone.open(key, 0, false);
    if (slot < 0) return 0;
    const count = zone.values[slot * FIELDS + COUNT];
    zone.close();
    return count;
  }

  /**
   * Applies every `limit_conn` of a location, as nginx does: takes a place per check in order;
   * when one is refused, gives back those taken and rejects with that rule's status (or, for
   * a dry-run rule, passes holding nothing).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LimitConnZone, resolveLimitConnRule } from "./limit_conn.ts";
   *
   * const perIp = new LimitConnZone({ name: "ip", key: "$binary_remote_addr", size: 8192 });
   * const perHost = new LimitConnZone({ name: "host", key: "$server_name", size: 8192 });
   * const checks = [
   *   { zone: perIp, key: "10.0.0.1", rule: resolveLimitConnRule({ zone: "ip", limit: 5 }) },
   *   { zone: perHost, key: "example.com", rule: resolveLimitConnRule({ zone: "host", limit: 1 }) },
   * ];
   * const first = LimitConnZone.acquireAll(checks);
   * assert.equal(first.action, "pass");
   * assert.deepEqual(LimitConnZone.acquireAll(checks), { action: "reject", status: 503, zone: "host" });
   * assert.equal(perIp.count("10.0.0.1"), 1);
   * if (first.action === "pass") first.release();
   * assert.equal(perIp.count("10.0.0.1"), 0);
   * ```
   */
  static acquireAll(checks: readonly LimitConnCheck[]): LimitConnDecision {
    if (checks.length === 0) return PASS;
    for (let i = 0; i < checks.length; i++) {
      const { zone, key, rule } = checks[i];
      if (zone.acquire(key, rule.limit)) continue;
      for (let j = i - 1; j >= 0; j--) checks[j].zone.release(checks[j].key);
      if (rule.dryRun) return PASS_DRY_REJECT;
      return { action: "reject", status: rule.status, zone: zone.config.name };
    }
    return new Held(checks.slice());
  }
}

/** The places one request holds. */
class Held implements LimitConnPass {
  readonly action = "pass";
  #checks: readonly LimitConnCheck[] | undefined;

  constructor(checks: readonly LimitConnCheck[]) {
    this.#checks = checks;
  }

  release(): void {
    const checks = this.#checks;
    this.#checks = undefined;
    if (checks) { for (const { zone, key } of checks) zone.release(key); }
  }
}
