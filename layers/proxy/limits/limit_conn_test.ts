import assert from "node:assert/strict";
import {
  type LimitConnCheck,
  type LimitConnDecision,
  type LimitConnPass,
  LimitConnZone,
  resolveLimitConnRule,
} from "./limit_conn.ts";
import { LimitReqZone } from "./limit_req.ts";
import { limitZoneBuffer, ZONE_BUCKET_SLOTS } from "./zone.ts";

/** Bytes for exactly one bucket of limit_conn entries: every key shares it. */
const ONE_BUCKET = 16 + 4 + 4 + ZONE_BUCKET_SLOTS * (12 + 8);

function passed(decision: LimitConnDecision): LimitConnPass {
  assert.equal(decision.action, "pass");
  return decision as LimitConnPass;
}

function zone(size = 8192, name = "addr"): LimitConnZone {
  return new LimitConnZone({ name, key: "$binary_remote_addr", size });
}

Deno.test("resolveLimitConnRule() fills nginx's defaults and checks values", () => {
  assert.deepEqual(resolveLimitConnRule({ zone: "addr", limit: 1 }), {
    zone: "addr",
    limit: 1,
    status: 503,
    dryRun: false,
  });
  assert.throws(() => resolveLimitConnRule({ zone: "addr", limit: 0 }), RangeError);
  assert.throws(() => resolveLimitConnRule({ zone: "addr", limit: 65536 }), RangeError);
  assert.throws(() => resolveLimitConnRule({ zone: "addr", limit: 1, status: 399 }), RangeError);
  assert.throws(() => resolveLimitConnRule({ zone: "", limit: 1 }), RangeError);
});

Deno.test("LimitConnZone.acquire() takes places up to the limit and release() gives them back", () => {
  const limit = zone();
  assert.equal(limit.acquire("k", 2), true);
  assert.equal(limit.acquire("k", 2), true);
  assert.equal(limit.acquire("k", 2), false);
  assert.equal(limit.count("k"), 2);
  limit.release("k");
  assert.equal(limit.count("k"), 1);
  assert.equal(limit.acquire("k", 2), true);
  assert.equal(limit.acquire("k", 2), false);
});

Deno.test("LimitConnZone.acquire() keeps each key's count apart", () => {
  const limit = zone();
  assert.equal(limit.acquire("a", 1), true);
  assert.equal(limit.acquire("b", 1), true);
  assert.equal(limit.acquire("a", 1), false);
  assert.equal(limit.count("b"), 1);
  assert.equal(limit.count("c"), 0);
});

Deno.test("LimitConnZone.release() removes a key's entry with its last place", () => {
  const limit = zone();
  limit.acquire("k", 5);
  limit.acquire("k", 5);
  assert.equal(limit.size(), 1);
  limit.release("k");
  assert.equal(limit.size(), 1);
  limit.release("k");
  assert.equal(limit.size(), 0);
  // A release with nothing taken changes nothing.
  limit.release("k");
  assert.equal(limit.count("k"), 0);
  assert.equal(limit.size(), 0);
});

Deno.test("LimitConnZone.acquire() refuses a new key when every entry has places taken", () => {
  const limit = zone(ONE_BUCKET);
  assert.equal(limit.capacity, ZONE_BUCKET_SLOTS);
  for (let i = 0; i < ZONE_BUCKET_SLOTS; i++) assert.equal(limit.acquire(`k${i}`, 1), true);
  assert.equal(limit.acquire("new", 1), false);
  assert.equal(limit.count("new"), 0);
  // Existing keys still count; a key that gives its place back makes room.
  assert.equal(limit.acquire("k3", 2), true);
  limit.release("k5");
  assert.equal(limit.acquire("new", 1), true);
  assert.equal(limit.size(), ZONE_BUCKET_SLOTS);
});

Deno.test("LimitConnZone does not limit an empty key or one over 255 characters", () => {
  const limit = zone();
  const long = "x".repeat(256);
  for (const key of ["", long]) {
    assert.equal(limit.acquire(key, 1), true);
    assert.equal(limit.acquire(key, 1), true);
    limit.release(key);
    assert.equal(limit.count(key), 0);
  }
  assert.equal(limit.acquire(long.slice(1), 1), true);
  assert.equal(limit.acquire(long.slice(1), 1), false);
  assert.equal(limit.size(), 1);
});

Deno.test("LimitConnZone views over one buffer share counts", () => {
  const config = { name: "addr", key: "$binary_remote_addr", size: 8192 };
  const buffer = limitZoneBuffer(config.size);
  const one = new LimitConnZone(config, buffer);
  const two = new LimitConnZone(config, buffer);
  assert.equal(one.acquire("k", 2), true);
  assert.equal(two.acquire("k", 2), true);
  assert.equal(one.acquire("k", 2), false);
  two.release("k");
  assert.equal(one.acquire("k", 2), true);
  // A limit_req zone cannot open a limit_conn zone's buffer.
  assert.throws(() => new LimitReqZone({ ...config, rate: 1 }, buffer), TypeError);
});

Deno.test("new LimitConnZone() refuses a missing name or a buffer of another size", () => {
  assert.throws(() => zone(8192, ""), /a name/);
  assert.throws(() => zone(100), /hold no bucket/);
  assert.throws(() => zone(NaN), /size "NaN" is not a byte count/);
  assert.throws(
    () => new LimitConnZone({ name: "a", key: "$k", size: 8192 }, limitZoneBuffer(4096)),
    /"4096" bytes, not "8192"/,
  );
});

Deno.test("LimitConnZone.acquireAll() holds a place in every zone until release()", () => {
  const ip = zone(8192, "ip");
  const host = zone(8192, "host");
  const checks: LimitConnCheck[] = [
    { zone: ip, key: "10.0.0.1", rule: resolveLimitConnRule({ zone: "ip", limit: 2 }) },
    { zone: host, key: "example.com", rule: resolveLimitConnRule({ zone: "host", limit: 5 }) },
  ];
  const first = passed(LimitConnZone.acquireAll(checks));
  const second = passed(LimitConnZone.acquireAll(checks));
  assert.equal(host.count("example.com"), 2);
  assert.deepEqual(LimitConnZone.acquireAll(checks), { action: "reject", status: 503, zone: "ip" });
  // The rejected request took nothing.
  assert.equal(host.count("example.com"), 2);
  first.release();
  first.release();
  assert.equal(ip.count("10.0.0.1"), 1);
  assert.equal(host.count("example.com"), 1);
  second.release();
  assert.equal(ip.size() + host.size(), 0);
  assert.equal(LimitConnZone.acquireAll([]).action, "pass");
});

Deno.test("LimitConnZone.acquireAll() gives back earlier places when a later zone refuses", () => {
  const ip = zone(8192, "ip");
  const host = zone(8192, "host");
  const checks: LimitConnCheck[] = [
    { zone: ip, key: "10.0.0.1", rule: resolveLimitConnRule({ zone: "ip", limit: 5 }) },
    {
      zone: host,
      key: "example.com",
      rule: resolveLimitConnRule({ zone: "host", limit: 1, status: 429 }),
    },
  ];
  const held = passed(LimitConnZone.acquireAll(checks));
  assert.deepEqual(LimitConnZone.acquireAll(checks), {
    action: "reject",
    status: 429,
    zone: "host",
  });
  assert.equal(ip.count("10.0.0.1"), 1);
  held.release();
});

Deno.test("LimitConnZone.acquireAll() in a dry run passes holding nothing", () => {
  const ip = zone(8192, "ip");
  const rule = resolveLimitConnRule({ zone: "ip", limit: 1, dryRun: true });
  const checks = [{ zone: ip, key: "k", rule }];
  const held = passed(LimitConnZone.acquireAll(checks));
  assert.equal(held.dryRun, undefined);
  const over = passed(LimitConnZone.acquireAll(checks));
  assert.equal(over.dryRun, "reject");
  assert.equal(ip.count("k"), 1);
  over.release();
  assert.equal(ip.count("k"), 1);
  held.release();
  assert.equal(ip.count("k"), 0);
});
