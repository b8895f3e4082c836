// Private to middleware/: V8 CPU profiles through `node:inspector`, which Deno 2.9.6 supports
// (Session.connect + the Profiler domain; checked by profiler_test.ts). One profile runs at a
// time per process: a request that finds the profiler busy is not CPU-profiled.

import { Session } from "node:inspector";

/** A V8 CPU profile as Chrome DevTools reads it (`.cpuprofile`). */
export interface CpuProfile {
  nodes: unknown[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

let session: Session | undefined;
let ready: Promise<void> | undefined;
let busy = false;
let interval = 0;

function post<T>(method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    session!.post(method, params, (error: Error | null, result?: unknown) => {
      if (error) reject(error);
      else resolve(result as T);
    });
  });
}

/**
 * Starts a CPU profile sampling every `intervalUs` microseconds; `false` when one is already
 * running.
 */
export async function startProfile(intervalUs: number): Promise<boolean> {
  if (busy) return false;
  busy = true;
  try {
    if (!session) {
      session = new Session();
      session.connect();
      ready = post("Profiler.enable");
    }
    await ready;
    if (interval !== intervalUs) {
      await post("Profiler.setSamplingInterval", { interval: intervalUs });
      interval = intervalUs;
    }
    await post("Profiler.start");
    return true;
  } catch (error) {
    busy = false;
    throw error;
  }
}

/** Stops the running profile and returns it. */
export async function stopProfile(): Promise<CpuProfile> {
  try {
    const { profile } = await post<{ profile: CpuProfile }>("Profiler.stop");
    return profile;
  } finally {
    busy = false;
  }
}

/** Disconnects the inspector session (a later profile connects again). */
export function closeProfiler(): void {
  if (!session || busy) return;
  try {
    session.disconnect();
  } finally {
    session = undefined;
    ready = undefined;
    interval = 0;
  }
}
