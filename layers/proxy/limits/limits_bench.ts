import { LimitConnZone } from "./limit_conn.ts";
import { LimitReqZone, resolveLimitReqRule } from "./limit_req.ts";
import { limitZoneBuffer } from "./zone.ts";

const SIZE = 10 * 1024 * 1024;
const config = { name: "one", key: "$binary_remote_addr", size: SIZE, rate: 1_000_000 };
const keys = Array.from(
  { length: 10_000 },
  (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
);
const passing = resolveLimitReqRule({ zone: "one", burst: 1_000_000, nodelay: true });

const hot = new LimitReqZone(config, limitZoneBuffer(SIZE));
let now = 0;
Deno.bench("LimitReqZone.check() one key", { group: "limit_req", baseline: true }, () => {
  hot.check("10.0.0.1", passing, now++);
});

const wide = new LimitReqZone(config, limitZoneBuffer(SIZE));
let next = 0;
Deno.bench("LimitReqZone.check() 10,000 keys", { group: "limit_req" }, () => {
  wide.check(keys[next], passing, next);
  next = next === keys.length - 1 ? 0 : next + 1;
});

const strict = new LimitReqZone({ ...config, rate: 1 }, limitZoneBuffer(SIZE));
const rejecting = resolveLimitReqRule({ zone: "one" });
Deno.bench("LimitReqZone.check() one key, rejected", { group: "limit_req" }, () => {
  strict.check("10.0.0.1", rejecting, 0);
});

const second = new LimitReqZone({ ...config, name: "two" }, limitZoneBuffer(SIZE));
const checks = [
  { zone: hot, key: "10.0.0.1", rule: passing },
  { zone: second, key: "example.com", rule: { ...passing, zone: "two" } },
];
Deno.bench("LimitReqZone.checkAll() two zones", { group: "limit_req" }, () => {
  LimitReqZone.checkAll(checks, now++);
});

const conns = new LimitConnZone({ name: "addr", key: "$binary_remote_addr", size: SIZE });
Deno.bench("LimitConnZone acquire() + release() one key", { group: "limit_conn" }, () => {
  conns.acquire("10.0.0.1", 10);
  conns.release("10.0.0.1");
});

let spread = 0;
Deno.bench("LimitConnZone acquire() + release() 10,000 keys", { group: "limit_conn" }, () => {
  const key = keys[spread];
  conns.acquire(key, 10);
  conns.release(key);
  spread = spread === keys.length - 1 ? 0 : spread + 1;
});
