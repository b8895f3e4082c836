/**
 * A worker thread for `shared_test.ts`: opens the zone in the buffer it is sent, says it is
 * ready, waits for the shared start flag, then hammers the zone a bounded number of times and
 * reports what it saw.
 *
 * @module
 */

import { LimitConnZone } from "../limit_conn.ts";
import { LimitReqZone, resolveLimitReqRule } from "../limit_req.ts";

/** What the test asks a worker to do. */
export type Task =
  | { kind: "req"; config: ConstructorParameters<typeof LimitReqZone>[0]; burst: number }
  | {
    kind: "conn-churn" | "conn-net" | "conn-limit";
    config: { name: string; key: string; size: number };
  };

/** The message that starts a worker. */
export interface Job {
  task: Task;
  buffer: SharedArrayBuffer;
  start: SharedArrayBuffer;
  keys: number;
  rounds: number;
}

/** What a worker reports. */
export interface Report {
  passes: number;
}

const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<Job>) => void) | null;
};

scope.onmessage = ({ data: job }) => {
  const run = prepare(job);
  scope.postMessage("ready");
  // Both workers start at once, so their operations interleave.
  Atomics.wait(new Int32Array(job.start), 0, 0, 5000);
  scope.postMessage({ passes: run() } satisfies Report);
};

function prepare({ task, buffer, keys, rounds }: Job): () => number {
  const names = Array.from({ length: keys }, (_, i) => `key-${i}`);
  if (task.kind === "req") {
    const zone = new LimitReqZone(task.config, buffer);
    const rule = resolveLimitReqRule({ zone: task.config.name, burst: task.burst, nodelay: true });
    return () => {
      let passes = 0;
      for (let r = 0; r < rounds; r++) {
        for (const key of names) if (zone.check(key, rule, 1000).action === "pass") passes++;
      }
      return passes;
    };
  }
  const zone = new LimitConnZone(task.config, buffer);
  if (task.kind === "conn-churn") {
    // Entries come and go all the time: each key is taken and given back.
    return () => {
      let passes = 0;
      for (let r = 0; r < rounds; r++) {
        for (const key of names) {
          if (zone.acquire(key, 1_000_000)) passes++;
          zone.release(key);
        }
      }
      return passes;
    };
  }
  if (task.kind === "conn-net") {
    // Two taken, one given back: one more held per key and round.
    return () => {
      let passes = 0;
      for (let r = 0; r < rounds; r++) {
        for (const key of names) {
          if (zone.acquire(key, 1_000_000)) passes++;
          if (zone.acquire(key, 1_000_000)) passes++;
          zone.release(key);
        }
      }
      return passes;
    };
  }
  return () => {
    let passes = 0;
    for (let r = 0; r < rounds; r++) {
      for (const key of names) if (zone.acquire(key, 100)) passes++;
    }
    return passes;
  };
}
