/**
 * nginx's `limit_req`: a leaky bucket per key, its state in a {@linkcode SharedZone} every
 * proxy worker shares. Each key's bucket holds its `excess` in milli-requests, as nginx keeps
 * it: a request adds 1000 after the bucket has leaked `rate` per second since the key's last
 * request, and finds it at `max(excess - rate × elapsed + 1000, 0)`. Above `burst × 1000` the
 * request is rejected (and not counted); above `delay × 1000` it waits until the excess over
 * that has leaked, unless `nodelay`; otherwise it passes. A key's first request passes.
 *
 * A rejected request answers 503 unless the rule says otherwise (`limit_req_status 429`).
 * A new key always finds room: when its buckets are full, the entry that has drained (no
 * different from a new key's) or else the least recently used one is evicted, as nginx
 * evicts its oldest state by force. Only a key whose bucket locks stay taken for seconds
 * finds none, and is rejected with that status (`reason: "full"`), as nginx rejects a
 * request it cannot allocate a state for.
 *
 * @module
 */

import { SharedZone } from "./zone.ts";

export { limitZoneBuffer } from "./zone.ts";

/** How a zone is configured: the config loader's type. */
export type { LimitReqZoneConfig } from "../config/types.ts";
import type { LimitReqZoneConfig } from "../config/types.ts";

/** One `limit_req` directive of a location. */
export interface LimitReqRule {
  /** The zone's name. */
  zone: string;
  /** Requests above the rate a key may have outstanding before it is rejected (`burst=`). */
  burst: number;
  /** Whether requests within the burst pass at once rather than wait (`nodelay`). */
  nodelay: boolean;
  /** Excess requests that pass at once before later ones wait (`delay=`). */
  delay: number;
  /** The status of a rejected request (`limit_req_status`, 400–599). */
  status: number;
  /** Whether to only count, never delay or reject (`limit_req_dry_run on`). */
  dryRun?: boolean;
}

/** A {@linkcode LimitReqRule} with everything but the zone optional. */
export type LimitReqRuleInit = Pick<LimitReqRule, "zone"> & Partial<LimitReqRule>;

/** What a rate limit decides for a request. */
export type LimitReqDecision = LimitReqPass | LimitReqDelay | LimitReqReject;

/** The request goes on now. */
export interface LimitReqPass {
  /** Go on. */
  readonly action: "pass";
  /** Set when a dry-run rule would have delayed or rejected it. */
  readonly dryRun?: "delay" | "reject";
}

/** The request goes on after a wait. */
export interface LimitReqDelay {
  /** Wait, then go on. */
  readonly action: "delay";
  /** How long to wait, in ms. */
  readonly ms: number;
  /** The zone that asked for the longest wait. */
  readonly zone: string;
  /** That zone's excess for the key, in milli-requests. */
  readonly excess: number;
}

/** The request is answered with an error status. */
export interface LimitReqReject {
  /** Answer `status`. */
  readonly action: "reject";
  /** The rule's status. */
  readonly status: number;
  /** The zone that rejected it. */
  readonly zone: string;
  /** Why: over the burst, or no entry could be had for the key in the zone. */
  readonly reason: "excess" | "full";
  /** The key's excess in milli-requests (`0` when the zone was full). */
  readonly excess: number;
}

/** One limit to apply to a request: a zone, the key the caller evaluated for it, a rule. */
export interface LimitReqCheck {
  /** The rule's zone. */
  zone: LimitReqZone;
  /** The zone's key for this request; empty skips the limit, as nginx does. */
  key: string;
  /** The rule. */
  rule: LimitReqRule;
}

/** The values of nginx's `$limit_req_status`. */
export type LimitReqStatus =
  | "PASSED"
  | "DELAYED"
  | "REJECTED"
  | "DELAYED_DRY_RUN"
  | "REJECTED_DRY_RUN";

const PASS: LimitReqPass = Object.freeze({ action: "pass" });
const PASS_DRY_DELAY: LimitReqPass = Object.freeze({ action: "pass", dryRun: "delay" });
const PASS_DRY_REJECT: LimitReqPass = Object.freeze({ action: "pass", dryRun: "reject" });

/** Float64 fields of an entry. */
const EXCESS = 0;
const LAST = 1;
/** When the key was last looked up, for the LRU order of eviction. */
const TOUCHED = 2;
const FIELDS = 3;
const KIND = 1;
/** nginx skips a key longer than this. */
const MAX_KEY = 65535;
/** Lookup outcomes. */
const OK = 0;
const BUSY = 1;
const FULL = 2;

/**
 * The rate in a `limit_req_zone`'s `rate=`, in requests per second: `"10r/s"` → `10`,
 * `"30r/m"` → `0.5`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRate } from "./limit_req.ts";
 *
 * assert.equal(parseRate("10r/s"), 10);
 * assert.equal(parseRate("30r/m"), 0.5);
 * assert.throws(() => parseRate("10/s"), RangeError);
 * ```
 */
export function parseRate(text: string): number {
  const match = /^(\d{1,9})r\/([sm])$/.exec(text);
  const count = match ? Number(match[1]) : 0;
  if (!match || count === 0) {
    throw new RangeError(`Cannot read rate "${text}": expected like "10r/s" or "30r/m"`);
  }
  return match[2] === "s" ? count : count / 60;
}

/**
 * A {@linkcode LimitReqRule} with nginx's defaults filled in (no burst, delayed, status 503,
 * not a dry run) and every field checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveLimitReqRule } from "./limit_req.ts";
 *
 * const rule = resolveLimitReqRule({ zone: "one", burst: 5 });
 * assert.deepEqual(rule, { zone: "one", burst: 5, nodelay: false, delay: 0, status: 503, dryRun: false });
 * assert.throws(() => resolveLimitReqRule({ zone: "one", status: 200 }), RangeError);
 * ```
 */
export function resolveLimitReqRule(init: LimitReqRuleInit): LimitReqRule {
  const rule = {
    zone: init.zone,
    burst: init.burst ?? 0,
    nodelay: init.nodelay ?? false,
    delay: init.delay ?? 0,
    status: init.status ?? 503,
    dryRun: init.dryRun ?? false,
  };
  for (const name of ["burst", "delay"] as const) {
    const value = rule[name];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Cannot use limit_req ${name} "${value}": expected a whole number`);
    }
  }
  if (!Number.isInteger(rule.status) || rule.status < 400 || rule.status > 599) {
    throw new RangeError(`Cannot use limit_req status "${rule.status}": expected 400-599`);
  }
  if (typeof rule.zone !== "string" || rule.zone === "") {
    throw new RangeError(`Cannot use limit_req zone "${rule.zone}": expected a zone name`);
  }
  return rule;
}

/**
 * The value of nginx's `$limit_req_status` for a decision.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { limitReqStatus } from "./limit_req.ts";
 *
 * assert.equal(limitReqStatus({ action: "pass", dryRun: "reject" }), "REJECTED_DRY_RUN");
 * ```
 */
export function limitReqStatus(decision: LimitReqDecision): LimitReqStatus {
  if (decision.action === "delay") return "DELAYED";
  if (decision.action === "reject") return "REJECTED";
  if (decision.dryRun === "delay") return "DELAYED_DRY_RUN";
  return decision.dryRun === "reject" ? "REJECTED_DRY_RUN" : "PASSED";
}

/**
 * One worker's view of a `limit_req_zone`. The master makes the buffer once
 * ({@linkcode limitZoneBuffer}); every worker opens a zone over it and checks requests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LimitReqZone, limitZoneBuffer, resolveLimitReqRule } from "./limit_req.ts";
 *
 * const config = { name: "one", key: "$binary_remote_addr", size: 64 * 1024, rate: 1 };
 * const buffer = limitZoneBuffer(config.size);
 * const workerOne = new LimitReqZone(config, buffer);
 * const workerTwo = new LimitReqZone(config, buffer);
 * const rule = resolveLimitReqRule({ zone: "one", burst: 1 });
 * assert.deepEqual(workerOne.check("10.0.0.1", rule, 0), { action: "pass" });
 * assert.equal(workerTwo.check("10.0.0.1", rule, 0).action, "delay");
 * assert.equal(workerOne.check("10.0.0.1", rule, 0).action, "reject");
 * ```
 */
export class LimitReqZone {
  /** The zone's configuration. */
  readonly config: Readonly<LimitReqZoneConfig>;
  /** The buffer the entries live in, to hand to other workers. */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  readonly #zone: SharedZone;
  /** The rate in milli-requests per second, a whole number as nginx keeps it. */
  readonly #rate: number;
  /** The excess the last lookup found, in milli-requests. */
  #excess = 0;
  /** The ms the last {@linkcode #leaked} leaked for. */
  #elapsed = 0;

  /**
   * Opens the zone in `buffer` (which must be `config.size` bytes), or in a new unshared one.
   *
   * @throws {RangeError} When the name, rate or size is unusable.
   * @throws {TypeError} When the buffer holds another kind of zone.
   */
  constructor(config: LimitReqZoneConfig, buffer?: SharedArrayBuffer | ArrayBuffer) {
    if (typeof config.name !== "string" || config.name === "") {
      throw new RangeError(`Cannot make limit_req zone "${config.name}": it needs a name`);
    }
    if (!Number.isSafeInteger(config.size) || config.size <= 0) {
      throw new RangeError(
        `Cannot make limit_req zone "${config.name}": size "${config.size}" is not a byte count`,
      );
    }
    buffer ??= new ArrayBuffer(config.size);
    // nginx keeps n r/m as n * 1000 / 60, truncated; the epsilon keeps 0.29 * 1000 at 290.
    const rate = Math.floor(config.rate * 1000 + 1e-6);
    if (!Number.isFinite(config.rate) || rate < 1) {
      throw new RangeError(
        `Cannot make limit_req zone "${config.name}": rate "${config.rate}" r/s is not ` +
          `at least 0.001`,
      );
    }
    if (buffer.byteLength !== config.size) {
      throw new RangeError(
        `Cannot make limit_req zone "${config.name}": its buffer has ` +
          `"${buffer.byteLength}" bytes, not "${config.size}"`,
      );
    }
    this.config = Object.freeze({ ...config });
    this.buffer = buffer;
    this.#rate = rate;
    this.#zone = new SharedZone(buffer, { fields: FIELDS, kind: KIND, victimScore: this.#score });
  }

  /** Keys the zone has room for. */
  get capacity(): number {
    return this.#zone.capacity;
  }

  /** Keys the zone holds now. */
  size(): number {
    return this.#zone.size();
  }

  /** Keys evicted to make room for new ones, by every worker. */
  get evictions(): number {
    return this.#zone.evictions;
  }

  /**
   * Counts a request with `key` at `nowMs` (any millisecond clock the workers share) against
   * `rule` and says whether it passes, waits, or is rejected. A rejected request is not
   * counted. An empty key, or one over 65535 characters, is not limited.
   */
  check(key: string, rule: LimitReqRule, nowMs: number): LimitReqDecision {
    if (key.length === 0 || key.length > MAX_KEY) return PASS;
    const rc = this.#lookup(key, rule, Math.floor(nowMs), true);
    if (rc !== OK) return this.#rejected(rule, rc);
    const ms = this.#delayOf(this.#excess, rule);
    return ms === 0 ? PASS : this.#delayed(rule, ms, this.#excess);
  }

  /**
   * Applies every `limit_req` of a location, as nginx does: the checks in order, any rejection
   * rejecting (and nothing counted); when all pass, all are counted and the longest wait wins
   * (ties to the later rule). A rule's `status` and `dryRun` apply when it is the one that
   * decides; nginx sets both per location, so give a location's rules the same values.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LimitReqZone, resolveLimitReqRule } from "./limit_req.ts";
   *
   * const perIp = new LimitReqZone({ name: "ip", key: "$binary_remote_addr", size: 8192, rate: 1 });
   * const perHost = new LimitReqZone({ name: "host", key: "$server_name", size: 8192, rate: 10 });
   * const checks = [
   *   { zone: perIp, key: "10.0.0.1", rule: resolveLimitReqRule({ zone: "ip", burst: 5 }) },
   *   { zone: perHost, key: "example.com", rule: resolveLimitReqRule({ zone: "host", burst: 5 }) },
   * ];
   * assert.equal(LimitReqZone.checkAll(checks, 0).action, "pass");
   * assert.deepEqual(LimitReqZone.checkAll(checks, 0), { action: "delay", ms: 1000, zone: "ip", excess: 1000 });
   * ```
   */
  static checkAll(checks: readonly LimitReqCheck[], nowMs: number): LimitReqDecision {
    const now = Math.floor(nowMs);
    let last = checks.length - 1;
    while (last >= 0 && !usable(checks[last].key)) last--;
    if (last < 0) return PASS;
    // Check every limit, counting only the last: any rejection leaves the others untouched.
    for (let i = 0; i <= last; i++) {
      const { zone, key, rule } = checks[i];
      if (!usable(key)) continue;
      const rc = zone.#lookup(key, rule, now, i === last);
      if (rc !== OK) return zone.#rejected(rule, rc);
    }
    let decider = checks[last];
    let excess = decider.zone.#excess;
    let maxDelay = decider.zone.#delayOf(excess, decider.rule);
    // All pass: count the others, keeping the longest wait.
    for (let i = last - 1; i >= 0; i--) {
      const check = checks[i];
      if (!usable(check.key)) continue;
      const counted = check.zone.#account(check.key, now);
      if (counted < 0) continue;
      const delay = check.zone.#delayOf(counted, check.rule);
      if (delay > maxDelay) {
        maxDelay = delay;
        decider = check;
        excess = counted;
      }
    }
    return maxDelay === 0 ? PASS : decider.zone.#delayed(decider.rule, maxDelay, excess);
  }

  /**
   * Finds the key's excess after this request into `#excess`; when `account` and the request
   * is within the burst, stores it. A new key starts empty: counted now, or (not yet counted)
   * as idle forever, so that {@linkcode #account} finds it empty too.
   */
  #lookup(key: string, rule: LimitReqRule, now: number, account: boolean): number {
    const zone = this.#zone;
    const slot = zone.open(key, now, true);
    if (slot < 0) {
      this.#excess = 0;
      return FULL;
    }
    const values = zone.values;
    const at = slot * FIELDS;
    values[at + TOUCHED] = now;
    if (zone.created) {
      values[at + LAST] = account ? now : -Infinity;
      zone.close();
      this.#excess = 0;
      return OK;
    }
    const excess = this.#leaked(values, at, now);
    this.#excess = excess;
    if (excess > rule.burst * 1000) {
      zone.close();
      return BUSY;
    }
    if (account) this.#store(values, at, now, excess);
    zone.close();
    return OK;
  }

  /** Counts a request of a key {@linkcode #lookup} has passed; its excess, or -1 for no room. */
  #account(key: string, now: number): number {
    const zone = this.#zone;
    const slot = zone.open(key, now, true);
    if (slot < 0) return -1;
    const values = zone.values;
    const at = slot * FIELDS;
    values[at + TOUCHED] = now;
    // Evicted since the lookup: a new key's first request.
    const excess = zone.created ? 0 : this.#leaked(values, at, now);
    if (zone.created) values[at + LAST] = now;
    else this.#store(values, at, now, excess);
    zone.close();
    return excess;
  }

  /** The excess with one more request, after leaking since the last one (kept in `#elapsed`). */
  #leaked(values: Float64Array, at: number, now: number): number {
    let ms = now - values[at + LAST];
    // A clock stepping back: a little is no time, a lot is a millisecond (nginx's rule).
    if (ms < -60000) ms = 1;
    else if (ms < 0) ms = 0;
    this.#elapsed = ms;
    const excess = values[at + EXCESS] - Math.floor(this.#rate * ms / 1000) + 1000;
    return excess < 0 ? 0 : excess;
  }

  /** Stores the excess {@linkcode #leaked} found; `last` moves only if time did. */
  #store(values: Float64Array, at: number, now: number, excess: number): void {
    values[at + EXCESS] = excess;
    if (this.#elapsed !== 0) values[at + LAST] = now;
  }

  /** The wait for `excess` under `rule`, in ms, rounded down as nginx does. */
  #delayOf(excess: number, rule: LimitReqRule): number {
    if (rule.nodelay) return 0;
    const free = rule.delay * 1000;
    return excess <= free ? 0 : Math.floor((excess - free) * 1000 / this.#rate);
  }

  #delayed(rule: LimitReqRule, ms: number, excess: number): LimitReqDecision {
    if (rule.dryRun) return PASS_DRY_DELAY;
    return { action: "delay", ms, zone: this.config.name, excess };
  }

  #rejected(rule: LimitReqRule, rc: number): LimitReqDecision {
    if (rule.dryRun) return PASS_DRY_REJECT;
    const reason = rc === BUSY ? "excess" : "full";
    return {
      action: "reject",
      status: rule.status,
      zone: this.config.name,
      reason,
      excess: this.#excess,
    };
  }

  /**
   * Which entry goes when a bucket is full: one that has leaked empty (a new key's state)
   * first, then the one looked up longest ago.
   */
  #score = (values: Float64Array, at: number, now: number): number => {
    if (this.#leaked(values, at, now) === 0) return Infinity;
    return Math.max(0, now - values[at + TOUCHED]);
  };
}

function usable(key: string): boolean {
  return key.length > 0 && key.length <= MAX_KEY;
}
