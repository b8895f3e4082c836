/**
 * The lifecycle protocol between the master and a *worker program*: the master starts a worker
 * on its listeners with a config, the worker heartbeats, and the master asks it to drain or
 * stop. "Serve a gateway app" is the first worker program; the proxy is the second.
 *
 * Messages travel as structured-clone values (thread workers, `postMessage`) or JSON lines
 * (process workers, over a private unix socket); both carry exactly these shapes.
 *
 * @module
 */

import type { Logger } from "../gateway/mod.ts";

/** A request a worker is busy with, as heartbeats report it. */
export interface InflightRequest {
  /** The request method. */
  method: string;
  /** The path and query. */
  path: string;
  /** `Date.now()` when the request arrived. */
  since: number;
}

/** What a worker reports in every heartbeat. */
export interface WorkerStats {
  /** Requests answered since the worker started. */
  requests: number;
  /** Open client connections (or requests in flight, where connections are not visible). */
  connections: number;
  /** The oldest requests in flight (at most a few). */
  inflight: InflightRequest[];
  /** `Deno.memoryUsage().heapUsed` in bytes. */
  heapUsed: number;
}

/** Master → worker. */
export type MasterMessage =
  | {
    type: "start";
    /** The module URL of the worker program to run (it exports `start`). */
    program: string;
    workerId: number;
    workerCount: number;
    /** Bumped on every reload and upgrade; logs and hooks show it. */
    generation: number;
    /** Seconds between heartbeats. */
    heartbeat: number;
    /** Whatever the program needs, as plain data. */
    config: unknown;
    /** Thread workers: shared memory where the worker notes the request it is on. */
    trace?: SharedArrayBuffer;
  }
  | {
    type: "drain"; /** Seconds to finish requests in flight before cutting them. */
    graceful: number;
  }
  | { type: "reopen-logs" }
  | { type: "stop" }
  /** The worker timed out: run its abort hook if it still can, then exit. */
  | { type: "abort" };

/** Worker → master. */
export type WorkerMessage =
  | { type: "ready" }
  | ({ type: "heartbeat" } & WorkerStats)
  | {
    type: "boot-failed";
    /** A message for the user, already clear (the loader's or startup's). */
    message: string;
    /** The process exit code the master uses when it halts. */
    exitCode: number;
  }
  | { type: "drained" }
  | {
    type: "retire"; /** Why the worker wants a replacement (max-requests, memory). */
    reason: string;
  };

/** What a worker program receives when it starts. */
export interface ProgramContext {
  /** This worker's number, from 1. */
  workerId: number;
  /** How many workers the master runs. */
  workerCount: number;
  /** The master's generation (reloads and upgrades bump it). */
  generation: number;
  /** The program's own config, as the master sent it. */
  config: unknown;
  /** The error log; every line names the worker. */
  log: Logger;
  /** Asks the master for a replacement; this worker drains once it is ready. */
  retire(reason: string): void;
  /** Notes the request the worker starts on (at `since`); returns a token for `endRequest`. */
  beginRequest(method: string, url: string, since: number): number;
  /** Clears the note when the request with that token is done. */
  endRequest(token: number): void;
}

/** A started worker program. */
export interface RunningProgram {
  /** Counters for the next heartbeat. */
  stats(): WorkerStats;
  /** Stops accepting, finishes requests in flight within `graceful` seconds, then resolves. */
  drain(graceful: number): Promise<void>;
  /** Reopens log files (USR1). */
  reopenLogs?(): void;
  /** A quick stop (INT/QUIT) reached the worker: gunicorn's worker_int. */
  interrupt?(): Promise<void>;
  /** The master aborts the worker for a timeout: gunicorn's worker_abort. */
  abort?(): Promise<void>;
}

/**
 * A worker program: a module with this `start` export. A throw from `start` is a boot failure;
 * throw a `HaltError` to choose the exit code (default 3).
 */
export type StartProgram = (ctx: ProgramContext) => Promise<RunningProgram>;

/** Exit codes, as gunicorn's: 3 a worker failed to boot, 4 the app failed to load. */
export const EXIT_CODES = { ok: 0, usage: 2, bootFailed: 3, appLoadFailed: 4 } as const;

/** Bytes of shared memory a thread worker notes its current request in. */
export const TRACE_BYTES = 1024;

/**
 * Reads the request a thread worker noted last, even while its thread is stuck: what a
 * "WORKER TIMEOUT" line reports.
 */
export function readTrace(trace: SharedArrayBuffer): InflightRequest | undefined {
  const ints = new Int32Array(trace, 0, 2);
  const since = new Float64Array(trace, 8, 1)[0];
  if (!since) return undefined;
  const length = Atomics.load(ints, 0);
  const text = new TextDecoder().decode(new Uint8Array(trace, 16, length).slice());
  const space = text.indexOf(" ");
  return { method: text.slice(0, space), path: text.slice(space + 1), since };
}
