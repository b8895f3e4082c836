import assert from "node:assert/strict";
import { LimitConnZone } from "./limit_conn.ts";
import { LimitReqZone } from "./limit_req.ts";
import { limitZoneBuffer } from "./zone.ts";
import type { Job, Report, Task } from "./testdata/zone_worker.ts";

const WORKERS = 2;
const TIMEOUT_MS = 30_000;

/** Runs `task` on two worker threads at once over `buffer`; each worker's report. */
async function hammer(
  task: Task,
  buffer: SharedArrayBuffer,
  keys: number,
  rounds: number,
): Promise<Report[]> {
  const start = new SharedArrayBuffer(4);
  const workers = Array.from(
    { length: WORKERS },
    () => new Worker(new URL("./testdata/zone_worker.ts", import.meta.url), { type: "module" }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const reports = workers.map((worker) =>
      new Promise<Report>((resolve, reject) => {
        worker.onerror = (event) => {
          event.preventDefault();
          reject(new Error(`Worker failed: ${event.message}`));
        };
        worker.onmessage = ({ data }) => {
          if (data === "ready") return;
          resolve(data as Report);
        };
      })
    );
    const ready = workers.map((worker) =>
      new Promise<void>((resolve) => {
        worker.addEventListener("message", ({ data }) => data === "ready" && resolve(), {
          once: true,
        });
      })
    );
    for (const worker of workers) {
      worker.postMessage({ task, buffer, start, keys, rounds } satisfies Job);
    }
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("Workers did not finish in time")), TIMEOUT_MS);
    });
    await Promise.race([Promise.all(ready), timeout]);
    const flag = new Int32Array(start);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    return await Promise.race([Promise.all(reports), timeout]);
  } finally {
    clearTimeout(timer);
    for (const worker of workers) worker.terminate();
  }
}

const sum = (reports: Report[]) => reports.reduce((total, report) => total + report.passes, 0);

Deno.test("LimitReqZone.check() across two threads passes exactly 1 + burst per key", async () => {
  // No leak at a fixed time: every key allows its first request and `burst` more, in total.
  const config = { name: "one", key: "$binary_remote_addr", size: 1024 * 1024, rate: 0.001 };
  const buffer = limitZoneBuffer(config.size);
  const keys = 500;
  const burst = 9;
  const reports = await hammer({ kind: "req", config, burst }, buffer, keys, 50);
  const zone = new LimitReqZone(config, buffer);
  assert.equal(zone.evictions, 0);
  assert.equal(zone.size(), keys);
  assert.equal(sum(reports), keys * (1 + burst));
  assert.ok(reports.every((report) => report.passes > 0), "both workers took part");
});

Deno.test("LimitConnZone counts across two threads lose no update", async (t) => {
  const config = { name: "addr", key: "$binary_remote_addr", size: 64 * 1024 };
  const keys = 50;
  const rounds = 2000;

  await t.step("entries made and removed at once leave nothing behind", async () => {
    const buffer = limitZoneBuffer(config.size);
    const reports = await hammer({ kind: "conn-churn", config }, buffer, keys, rounds);
    assert.equal(sum(reports), WORKERS * keys * rounds);
    const zone = new LimitConnZone(config, buffer);
    assert.equal(zone.size(), 0);
    for (let i = 0; i < keys; i++) assert.equal(zone.count(`key-${i}`), 0);
  });

  await t.step("two taken and one given back hold one per key, round and worker", async () => {
    const buffer = limitZoneBuffer(config.size);
    const reports = await hammer({ kind: "conn-net", config }, buffer, keys, rounds);
    assert.equal(sum(reports), WORKERS * keys * rounds * 2);
    const zone = new LimitConnZone(config, buffer);
    assert.equal(zone.size(), keys);
    for (let i = 0; i < keys; i++) assert.equal(zone.count(`key-${i}`), WORKERS * rounds);
  });

  await t.step("a limit of 100 lets exactly 100 in per key", async () => {
    const buffer = limitZoneBuffer(config.size);
    const reports = await hammer({ kind: "conn-limit", config }, buffer, keys, rounds);
    assert.equal(sum(reports), keys * 100);
    const zone = new LimitConnZone(config, buffer);
    for (let i = 0; i < keys; i++) assert.equal(zone.count(`key-${i}`), 100);
  });
});
