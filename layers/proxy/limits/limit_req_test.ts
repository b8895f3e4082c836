import assert from "node:assert/strict";
import {
  type LimitReqDecision,
  type LimitReqRule,
  limitReqStatus,
  LimitReqZone,
  limitZoneBuffer,
  parseRate,
  resolveLimitReqRule,
} from "./limit_req.ts";
import { ZONE_BUCKET_SLOTS } from "./zone.ts";

/** Bytes for exactly one bucket of limit_req entries: every key shares it. */
const ONE_BUCKET = 16 + 4 + 4 + ZONE_BUCKET_SLOTS * (12 + 3 * 8);

function zone(rate: number, size = 64 * 1024, name = "one"): LimitReqZone {
  return new LimitReqZone({ name, key: "$binary_remote_addr", size, rate });
}

/** The decisions for requests of `key` at the times in `at`, each as "pass", "reject" or a wait in ms. */
function run(limit: LimitReqZone, rule: LimitReqRule, at: number[], key = "10.0.0.1") {
  return at.map((now) => summary(limit.check(key, rule, now)));
}

function summary(decision: LimitReqDecision): string | number {
  return decision.action === "delay" ? decision.ms : decision.action;
}

Deno.test("parseRate() reads r/s and r/m", () => {
  assert.equal(parseRate("1r/s"), 1);
  assert.equal(parseRate("30r/m"), 0.5);
  assert.equal(parseRate("1r/m"), 1 / 60);
  for (const bad of ["0r/s", "1.5r/s", "r/s", "10r/h", "10 r/s", "-1r/s"]) {
    assert.throws(() => parseRate(bad), RangeError, bad);
  }
});

Deno.test("resolveLimitReqRule() fills nginx's defaults and checks values", () => {
  assert.deepEqual(resolveLimitReqRule({ zone: "one" }), {
    zone: "one",
    burst: 0,
    nodelay: false,
    delay: 0,
    status: 503,
    dryRun: false,
  });
  assert.equal(resolveLimitReqRule({ zone: "one", status: 429 }).status, 429);
  assert.throws(() => resolveLimitReqRule({ zone: "one", burst: -1 }), RangeError);
  assert.throws(() => resolveLimitReqRule({ zone: "one", burst: 1.5 }), RangeError);
  assert.throws(() => resolveLimitReqRule({ zone: "one", delay: -1 }), RangeError);
  assert.throws(() => resolveLimitReqRule({ zone: "one", status: 600 }), RangeError);
  assert.throws(() => resolveLimitReqRule({ zone: "" }), RangeError);
});

Deno.test("new LimitReqZone() refuses a bad rate, size or buffer", () => {
  assert.throws(() => zone(0), /rate "0"/);
  assert.throws(() => zone(0.0004), /rate/);
  assert.throws(() => zone(NaN), /rate/);
  assert.throws(() => zone(1, 100), /hold no bucket/);
  assert.throws(() => zone(1, -1), /size "-1" is not a byte count/);
  assert.throws(
    () => new LimitReqZone({ name: "one", key: "$k", size: 8192, rate: 1 }, limitZoneBuffer(4096)),
    /"4096" bytes, not "8192"/,
  );
  assert.throws(() => new LimitReqZone({ name: "", key: "$k", size: 8192, rate: 1 }), /a name/);
});

Deno.test("LimitReqZone.check() at 1r/s without burst rejects a second request within 1 s", () => {
  const rule = resolveLimitReqRule({ zone: "one" });
  assert.deepEqual(run(zone(1), rule, [0, 1, 500, 999, 1000, 1999, 2000, 5000]), [
    "pass",
    "reject",
    "reject",
    "reject",
    "pass",
    "reject",
    "pass",
    "pass",
  ]);
});

Deno.test("LimitReqZone.check() with burst 5 nodelay passes 6 at once, then one per second", () => {
  const rule = resolveLimitReqRule({ zone: "one", burst: 5, nodelay: true });
  const at = [0, 0, 0, 0, 0, 0, 0, 0, 999, 1000, 1000, 3000, 3000, 3000];
  assert.deepEqual(run(zone(1), rule, at), [
    ...Array(6).fill("pass"),
    "reject",
    "reject",
    "reject",
    "pass",
    "reject",
    "pass",
    "pass",
    "reject",
  ]);
});

Deno.test("LimitReqZone.check() with burst 5 delays by 1, 2, 3, 4, 5 s, then rejects", () => {
  const rule = resolveLimitReqRule({ zone: "one", burst: 5 });
  assert.deepEqual(run(zone(1), rule, Array(7).fill(0)), [
    "pass",
    1000,
    2000,
    3000,
    4000,
    5000,
    "reject",
  ]);
  // Half a second later half a request has leaked.
  assert.deepEqual(run(zone(1), rule, [0, 0, 500]), ["pass", 1000, 1500]);
});

Deno.test("LimitReqZone.check() with delay=2 passes 3 at once, then delays (two-stage)", () => {
  const rule = resolveLimitReqRule({ zone: "one", burst: 5, delay: 2 });
  assert.deepEqual(run(zone(1), rule, Array(7).fill(0)), [
    "pass",
    "pass",
    "pass",
    1000,
    2000,
    3000,
    "reject",
  ]);
  // At 10r/s a delay of one excess request is 100 ms.
  assert.deepEqual(run(zone(10), rule, Array(7).fill(0)), [
    "pass",
    "pass",
    "pass",
    100,
    200,
    300,
    "reject",
  ]);
  // A delay above the burst never delays.
  const wide = resolveLimitReqRule({ zone: "one", burst: 2, delay: 5 });
  assert.deepEqual(run(zone(1), wide, [0, 0, 0, 0]), ["pass", "pass", "pass", "reject"]);
});

Deno.test("LimitReqZone.check() at r/m rates leaks in milli-requests, as nginx does", () => {
  const rule = resolveLimitReqRule({ zone: "one" });
  // 30r/m = 500 milli-requests a second: one request every 2 s.
  assert.deepEqual(run(zone(parseRate("30r/m")), rule, [0, 1999, 2000, 3999, 4000]), [
    "pass",
    "reject",
    "pass",
    "reject",
    "pass",
  ]);
  // 1r/m is 16 milli-requests a second, truncated: the next request passes at 62.5 s.
  assert.deepEqual(run(zone(parseRate("1r/m")), rule, [0, 60_000, 62_499, 62_500]), [
    "pass",
    "reject",
    "reject",
    "pass",
  ]);
  // Delays follow the same rate: 30r/m makes one excess request wait 2 s.
  const burst = resolveLimitReqRule({ zone: "one", burst: 3 });
  assert.deepEqual(run(zone(0.5), burst, [0, 0, 0, 0, 0]), ["pass", 2000, 4000, 6000, "reject"]);
});

Deno.test("LimitReqZone.check() keeps each key's bucket apart", () => {
  const limit = zone(1);
  const rule = resolveLimitReqRule({ zone: "one" });
  assert.equal(limit.check("10.0.0.1", rule, 0).action, "pass");
  assert.equal(limit.check("10.0.0.2", rule, 0).action, "pass");
  assert.equal(limit.check("10.0.0.1", rule, 0).action, "reject");
  assert.equal(limit.check("10.0.0.3", rule, 0).action, "pass");
  assert.equal(limit.check("10.0.0.2", rule, 0).action, "reject");
  assert.equal(limit.size(), 3);
});

Deno.test("LimitReqZone.check() does not count rejected requests", () => {
  const rule = resolveLimitReqRule({ zone: "one" });
  // Rejections at 100…900 leave the bucket as the request at 0 left it.
  const at = [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];
  assert.deepEqual(run(zone(1), rule, at), ["pass", ...Array(9).fill("reject"), "pass"]);
});

Deno.test("LimitReqZone.check() answers the rule's status and names the zone", () => {
  const limit = zone(1, 8192, "api");
  const rule = resolveLimitReqRule({ zone: "api", status: 429 });
  limit.check("k", rule, 0);
  assert.deepEqual(limit.check("k", rule, 0), {
    action: "reject",
    status: 429,
    zone: "api",
    reason: "excess",
    excess: 1000,
  });
  const delayed = resolveLimitReqRule({ zone: "api", burst: 3 });
  assert.deepEqual(limit.check("j", delayed, 0), { action: "pass" });
  assert.deepEqual(limit.check("j", delayed, 0), {
    action: "delay",
    ms: 1000,
    zone: "api",
    excess: 1000,
  });
});

Deno.test("LimitReqZone.check() in a dry run passes but counts as nginx does", () => {
  const limit = zone(1);
  const rule = resolveLimitReqRule({ zone: "one", burst: 1, dryRun: true });
  const decisions = [0, 0, 0].map((now) => limit.check("k", rule, now));
  assert.deepEqual(decisions.map(limitReqStatus), [
    "PASSED",
    "DELAYED_DRY_RUN",
    "REJECTED_DRY_RUN",
  ]);
  assert.ok(decisions.every((decision) => decision.action === "pass"));
  // The delayed one was counted, the rejected one not: the same rule without dry run rejects.
  assert.equal(limit.check("k", { ...rule, dryRun: false }, 0).action, "reject");
  assert.equal(limit.check("k", { ...rule, dryRun: false }, 1000).action, "delay");
});

Deno.test("LimitReqZone.check() does not limit an empty key or one over 65535 characters", () => {
  const limit = zone(1);
  const rule = resolveLimitReqRule({ zone: "one" });
  const long = "x".repeat(65536);
  assert.deepEqual(run(limit, rule, [0, 0, 0], ""), ["pass", "pass", "pass"]);
  assert.deepEqual(run(limit, rule, [0, 0, 0], long), ["pass", "pass", "pass"]);
  assert.deepEqual(run(limit, rule, [0, 0], long.slice(1)), ["pass", "reject"]);
  assert.equal(limit.size(), 1);
});

Deno.test("LimitReqZone.check() treats a clock stepping back as no time passing", () => {
  const rule = resolveLimitReqRule({ zone: "one", burst: 5, nodelay: true });
  // Back by 500 ms: nothing leaks, and `last` stays at 10 s.
  assert.deepEqual(run(zone(1), rule, [10_000, 9_500, 9_500, 9_500, 9_500, 9_500, 9_500]), [
    ...Array(6).fill("pass"),
    "reject",
  ]);
  const limit = zone(1);
  const strict = resolveLimitReqRule({ zone: "one" });
  assert.deepEqual(run(limit, strict, [10_000, 9_500, 10_999, 11_000]), [
    "pass",
    "reject",
    "reject",
    "pass",
  ]);
  // Back by more than a minute: a millisecond passes (nginx's rule), not a minute's leak.
  assert.deepEqual(run(zone(1), strict, [100_000, 30_000]), ["pass", "reject"]);
});

Deno.test("LimitReqZone views over one buffer share each key's bucket", () => {
  const config = { name: "one", key: "$binary_remote_addr", size: 8192, rate: 1 };
  const buffer = limitZoneBuffer(config.size);
  const one = new LimitReqZone(config, buffer);
  const two = new LimitReqZone(config, buffer);
  const rule = resolveLimitReqRule({ zone: "one", burst: 2, nodelay: true });
  assert.equal(one.check("k", rule, 0).action, "pass");
  assert.equal(two.check("k", rule, 0).action, "pass");
  assert.equal(one.check("k", rule, 0).action, "pass");
  assert.equal(two.check("k", rule, 0).action, "reject");
  assert.equal(one.buffer, buffer);
});

Deno.test("LimitReqZone evicts a drained key first, then the least recently used", () => {
  const limit = zone(1, ONE_BUCKET);
  assert.equal(limit.capacity, ZONE_BUCKET_SLOTS);
  const rule = resolveLimitReqRule({ zone: "one", burst: 3, nodelay: true });
  // k1…k7 are full at 0; k0 came once at 100 and has drained by 1200.
  for (let i = 1; i < ZONE_BUCKET_SLOTS; i++) run(limit, rule, [0, 0, 0, 0], `k${i}`);
  run(limit, rule, [100], "k0");
  assert.equal(limit.size(), ZONE_BUCKET_SLOTS);
  assert.equal(limit.check("new", rule, 1200).action, "pass");
  assert.equal(limit.evictions, 1);
  assert.equal(limit.size(), ZONE_BUCKET_SLOTS);
  // k1 kept its state: at 1200 it holds 1.8 requests over, so the second one is rejected.
  assert.deepEqual(run(limit, rule, [1200, 1200], "k1"), ["pass", "reject"]);

  // Nothing drained: the key looked up longest ago goes (nginx evicts its oldest by force).
  const lru = zone(1, ONE_BUCKET);
  for (let i = 0; i < ZONE_BUCKET_SLOTS; i++) run(lru, rule, [i, i, i, i], `k${i}`);
  run(lru, rule, [10], "k0"); // rejected, but looked up: k0 is now the most recent.
  assert.equal(lru.check("new", rule, 20).action, "pass");
  assert.equal(lru.evictions, 1);
  // k1 went: its next request is a new key's; k0 and k2 kept theirs.
  assert.deepEqual(run(lru, rule, [20, 20], "k1"), ["pass", "pass"]);
  assert.equal(lru.check("k0", rule, 20).action, "reject");
});

Deno.test("LimitReqZone.checkAll() rejects when any limit rejects and counts nothing", () => {
  const ip = zone(1, 8192, "ip");
  const host = zone(1, 8192, "host");
  const ipRule = resolveLimitReqRule({ zone: "ip", burst: 10, nodelay: true });
  const hostRule = resolveLimitReqRule({ zone: "host", status: 429 });
  const checks = [
    { zone: ip, key: "10.0.0.1", rule: ipRule },
    { zone: host, key: "example.com", rule: hostRule },
  ];
  assert.deepEqual(LimitReqZone.checkAll(checks, 0), { action: "pass" });
  const rejected = LimitReqZone.checkAll(checks, 0);
  assert.deepEqual(rejected, {
    action: "reject",
    status: 429,
    zone: "host",
    reason: "excess",
    excess: 1000,
  });
  // The ip zone counted the first request only: nine more fit its burst of ten.
  assert.deepEqual(run(ip, ipRule, Array(11).fill(0)), [...Array(10).fill("pass"), "reject"]);
  // An earlier limit that rejects leaves the later ones uncounted too.
  const strictFirst = zone(1, 8192, "strict");
  const burstLast = zone(1, 8192, "burst");
  const reversed = [
    { zone: strictFirst, key: "k", rule: resolveLimitReqRule({ zone: "strict" }) },
    { zone: burstLast, key: "k", rule: ipRule },
  ];
  assert.equal(LimitReqZone.checkAll(reversed, 0).action, "pass");
  assert.equal(LimitReqZone.checkAll(reversed, 0).action, "reject");
  assert.deepEqual(run(burstLast, ipRule, Array(11).fill(0), "k"), [
    ...Array(10).fill("pass"),
    "reject",
  ]);
});

Deno.test("LimitReqZone.checkAll() counts every limit and keeps the longest delay", () => {
  const ip = zone(1, 8192, "ip");
  const host = zone(10, 8192, "host");
  const checks = [
    { zone: ip, key: "10.0.0.1", rule: resolveLimitReqRule({ zone: "ip", burst: 5 }) },
    { zone: host, key: "example.com", rule: resolveLimitReqRule({ zone: "host", burst: 5 }) },
  ];
  const decisions = [0, 0, 0].map((now) => LimitReqZone.checkAll(checks, now));
  // Both zones see a new key pass first; then ip's 1 s per request outweighs host's 100 ms.
  assert.deepEqual(decisions, [
    { action: "pass" },
    { action: "delay", ms: 1000, zone: "ip", excess: 1000 },
    { action: "delay", ms: 2000, zone: "ip", excess: 2000 },
  ]);
  // A nodelay rule counts but never delays.
  const nodelay = [{ ...checks[0], rule: { ...checks[0].rule, nodelay: true } }, checks[1]];
  assert.deepEqual(LimitReqZone.checkAll(nodelay, 0), {
    action: "delay",
    ms: 300,
    zone: "host",
    excess: 3000,
  });
  // …and the ip zone counted it: 4 requests over now.
  assert.deepEqual(ip.check("10.0.0.1", checks[0].rule, 0), {
    action: "delay",
    ms: 4000,
    zone: "ip",
    excess: 4000,
  });
});

Deno.test("LimitReqZone.checkAll() skips empty keys and passes with none", () => {
  const ip = zone(1, 8192, "ip");
  const rule = resolveLimitReqRule({ zone: "ip" });
  assert.deepEqual(LimitReqZone.checkAll([], 0), { action: "pass" });
  const checks = [{ zone: ip, key: "k", rule }, { zone: ip, key: "", rule }];
  assert.equal(LimitReqZone.checkAll(checks, 0).action, "pass");
  assert.equal(LimitReqZone.checkAll(checks, 0).action, "reject");
  assert.equal(LimitReqZone.checkAll([{ zone: ip, key: "", rule }], 0).action, "pass");
});

Deno.test("limitReqStatus() names every decision as $limit_req_status does", () => {
  assert.equal(limitReqStatus({ action: "pass" }), "PASSED");
  assert.equal(limitReqStatus({ action: "pass", dryRun: "delay" }), "DELAYED_DRY_RUN");
  assert.equal(limitReqStatus({ action: "pass", dryRun: "reject" }), "REJECTED_DRY_RUN");
  assert.equal(limitReqStatus({ action: "delay", ms: 1, zone: "z", excess: 1 }), "DELAYED");
  assert.equal(
    limitReqStatus({ action: "reject", status: 503, zone: "z", reason: "full", excess: 0 }),
    "REJECTED",
  );
});
