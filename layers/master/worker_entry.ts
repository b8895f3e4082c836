/**
 * The worker side of the lifecycle protocol. This module is the entry point of every thread
 * worker (`new Worker(url)`), and what a process worker runs (`ngw2f __worker`): it waits for
 * `start`, runs the named worker program, heartbeats, and drains or stops when told.
 *
 * @module
 */

import { AppLoadError, createLogger, HaltError } from "../gateway/mod.ts";
import { jsonLineWriter, readJsonLines } from "./_json_lines.ts";
import {
  type MasterMessage,
  type ProgramContext,
  type RunningProgram,
  type StartProgram,
  TRACE_BYTES,
  type WorkerMessage,
} from "./protocol.ts";

/** A two-way message link to the master. */
export interface Channel {
  /** Sends one message to the master. */
  send(message: WorkerMessage): void;
  /** Calls `handler` for each message from the master; `onClose` when the master is gone. */
  listen(handler: (message: MasterMessage) => void, onClose: () => void): void;
  /** Ends the worker (thread: close; process: exit). */
  exit(code: number): void;
}

function exitCodeOf(error: unknown): number {
  if (error instanceof AppLoadError) return 4;
  if (error instanceof HaltError) return error.exitCode;
  return 3;
}

function describe(error: unknown): string {
  if (error instanceof AppLoadError || error instanceof HaltError) return error.message;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Runs a worker over `channel`: the whole life of one worker, from `start` to exit.
 *
 * @example
 * ```ts ignore
 * import { runWorker, threadChannel } from "./worker_entry.ts";
 *
 * await runWorker(threadChannel());
 * ```
 */
export function runWorker(channel: Channel): Promise<void> {
  let program: RunningProgram | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let ending = false;
  const log = createLogger({ tag: "worker" });
  const { promise: done, resolve: finish } = Promise.withResolvers<void>();

  const end = async (graceful: number | undefined) => {
    if (ending) return;
    ending = true;
    clearInterval(heartbeat);
    try {
      if (program && graceful !== undefined) await program.drain(graceful);
    } catch (error) {
      log.error("Cannot drain the worker cleanly", error);
    }
    channel.send({ type: "drained" });
    finish();
    channel.exit(0);
  };

  const start = async (message: Extract<MasterMessage, { type: "start" }>) => {
    workerLabel = `worker ${message.workerId}`;
    const ctx: ProgramContext = {
      workerId: message.workerId,
      workerCount: message.workerCount,
      generation: message.generation,
      config: message.config,
      log: createLogger({ tag: `worker ${message.workerId}` }),
      retire: (reason) => channel.send({ type: "retire", reason }),
      ...tracer(message.trace),
    };
    try {
      const module = await import(message.program);
      const startProgram = module.start as StartProgram | undefined;
      if (typeof startProgram !== "function") {
        throw new HaltError(`Cannot start worker program "${message.program}": it has no start()`, {
          exitCode: 3,
        });
      }
      program = await startProgram(ctx);
    } catch (error) {
      channel.send({ type: "boot-failed", message: describe(error), exitCode: exitCodeOf(error) });
      finish();
      channel.exit(exitCodeOf(error));
      return;
    }
    channel.send({ type: "ready" });
    const beat = () => {
      if (!program || ending) return;
      const stats = program.stats();
      channel.send({
        type: "heartbeat",
        ...stats,
        heapUsed: Deno.memoryUsage().heapUsed,
      });
    };
    beat();
    heartbeat = setInterval(beat, message.heartbeat * 1000);
  };

  channel.listen((message) => {
    switch (message.type) {
      case "start":
        start(message);
        break;
      case "drain":
        end(message.graceful);
        break;
      case "stop":
        Promise.resolve(program?.interrupt?.()).finally(() => end(undefined));
        break;
      case "abort":
        Promise.resolve(program?.abort?.()).finally(() => end(undefined));
        break;
      case "reopen-logs":
        program?.reopenLogs?.();
        break;
    }
  }, () => {
    // The master is gone: finish quickly rather than serve as an orphan.
    end(1);
  });
  return done;
}

const encoder = new TextEncoder();

/** Request notes in the master's shared memory (thread workers); no-ops without it. */
function tracer(trace: SharedArrayBuffer | undefined) {
  if (!trace) return { beginRequest: () => 0, endRequest: () => {} };
  const ints = new Int32Array(trace, 0, 2);
  const since = new Float64Array(trace, 8, 1);
  const bytes = new Uint8Array(trace, 16, TRACE_BYTES - 16);
  let serial = 0;
  let lastMethod = "";
  let lastUrl = "";
  return {
    beginRequest(method: string, url: string, at: number): number {
      // The same request as the last one is already written (a hot path under load).
      if (url !== lastUrl || method !== lastMethod) {
        const path = url.slice(url.indexOf("/", url.indexOf("//") + 2));
        const { written } = encoder.encodeInto(`${method} ${path}`, bytes);
        Atomics.store(ints, 0, written);
        lastMethod = method;
        lastUrl = url;
      }
      since[0] = at;
      ints[1] = ++serial;
      return serial;
    },
    endRequest(token: number) {
      if (ints[1] === token) since[0] = 0;
    },
  };
}

/** The channel of a thread worker: `postMessage` both ways. */
export function threadChannel(): Channel {
  const scope = globalThis as unknown as {
    postMessage(message: unknown): void;
    onmessage: ((event: MessageEvent) => void) | null;
    close(): void;
  };
  return {
    send: (message) => scope.postMessage(message),
    listen(handler) {
      scope.onmessage = (event) => handler(event.data as MasterMessage);
    },
    exit: () => scope.close(),
  };
}

/** The channel of a process worker: JSON lines over the master's private unix socket. */
export async function processChannel(path: string, workerId: number): Promise<Channel> {
  const conn = await Deno.connect({ transport: "unix", path });
  const writer = jsonLineWriter(() => conn);
  writer.write({ type: "hello", workerId, pid: Deno.pid });
  return {
    send: writer.write,
    async listen(handler, onClose) {
      await readJsonLines(conn, (value) => handler(value as MasterMessage));
      onClose();
    },
    exit(code) {
      writer.flushed().finally(() => Deno.exit(code));
    },
  };
}

/** The name the master gives its thread workers (`new Worker(url, { name })`). */
export const THREAD_WORKER_NAME = "ngw2f-worker";

/** How this worker's own lines are tagged, once it knows its id. */
let workerLabel = "worker";

/** Logs what the app left uncaught instead of letting it end the worker. */
export function keepWorkerAlive(): void {
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    createLogger({ tag: `${Deno.pid}] [${workerLabel}` }).error("Uncaught error", event.error);
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    createLogger({ tag: `${Deno.pid}] [${workerLabel}` }).error(
      "Unhandled rejection",
      event.reason,
    );
  });
}

// A thread worker runs this module as its entry point.
if ((globalThis as { name?: string }).name === THREAD_WORKER_NAME) {
  keepWorkerAlive();
  runWorker(threadChannel());
}
