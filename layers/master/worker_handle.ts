/**
 * The master's handle on one worker, whatever its class: a Deno Worker thread, or a child
 * process of the same program. Both speak the protocol of `protocol.ts`.
 *
 * @module
 */

import { jsonLineWriter, readJsonLines } from "./_json_lines.ts";
import type { MasterMessage, WorkerMessage } from "./protocol.ts";
import { THREAD_WORKER_NAME } from "./worker_entry.ts";

/** How a worker ended. */
export interface WorkerExit {
  /** The exit code, for process workers. */
  code?: number;
  /** The signal that killed a process worker. */
  signal?: string;
  /** The error that ended a thread worker. */
  error?: unknown;
}

/** One worker, as the arbiter sees it. */
export interface WorkerHandle {
  /** The process id: the worker's own for process workers, the master's for threads. */
  readonly pid: number;
  /** Sends a protocol message (dropped once the worker is gone). */
  send(message: MasterMessage): void;
  /** Ends the worker now, without draining. */
  kill(): void;
  /** Settles once the worker has ended. */
  readonly exited: Promise<WorkerExit>;
}

/** Callbacks a handle reports to. */
export interface WorkerEvents {
  onMessage(message: WorkerMessage): void;
}

/** The URL of the worker entry module. */
export const WORKER_ENTRY = new URL("./worker_entry.ts", import.meta.url).href;

/**
 * Starts a thread worker. Its uncaught errors are reported as its end, never the master's.
 *
 * @example
 * ```ts ignore
 * const worker = spawnThreadWorker({ onMessage: (m) => console.log(m) });
 * ```
 */
export function spawnThreadWorker(events: WorkerEvents): WorkerHandle {
  const worker = new Worker(WORKER_ENTRY, { type: "module", name: THREAD_WORKER_NAME });
  let gone = false;
  const { promise: exited, resolve } = Promise.withResolvers<WorkerExit>();
  const end = (exit: WorkerExit) => {
    if (gone) return;
    gone = true;
    worker.terminate();
    resolve(exit);
  };
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
    const message = event.data;
    events.onMessage(message);
    // A thread that closes itself sends no event: "drained" or "boot-failed" is its last word.
    if (message.type === "drained" || message.type === "boot-failed") end({ code: 0 });
  };
  worker.onerror = (event) => {
    event.preventDefault();
    end({ error: event.error ?? event.message });
  };
  worker.onmessageerror = () => {};
  return {
    pid: Deno.pid,
    send(message) {
      if (!gone) worker.postMessage(message);
    },
    kill: () => end({ signal: "terminate" }),
    exited,
  };
}

/** The command that runs this same program again (for process workers and upgrades). */
export function selfCommand(): { cmd: string; args: string[] } {
  if (Deno.build.standalone) return { cmd: Deno.execPath(), args: [] };
  const main = Deno.mainModule;
  return { cmd: Deno.execPath(), args: ["run", "-A", "--unstable-net", main] };
}

/**
 * The master's end of the process workers' channel: a private unix socket that each child
 * connects to, introducing itself by worker id.
 */
export class ProcessHub {
  readonly path: string;
  #listener: Deno.Listener;
  #waiting = new Map<number, (conn: Deno.Conn) => void>();

  private constructor(path: string, listener: Deno.Listener) {
    this.path = path;
    this.#listener = listener;
    this.#accept();
  }

  /** Opens the hub in a fresh private directory. */
  static async open(): Promise<ProcessHub> {
    const dir = await Deno.makeTempDir({ prefix: "ngw2f-master-" });
    const path = `${dir}/control.sock`;
    return new ProcessHub(path, Deno.listen({ transport: "unix", path }));
  }

  async #accept() {
    try {
      for await (const conn of this.#listener) this.#greet(conn);
    } catch { /* closed */ }
  }

  async #greet(conn: Deno.Conn) {
    const reader = conn.readable.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done || !value) return conn.close();
      text += decoder.decode(value, { stream: true });
    }
    reader.releaseLock();
    const hello = JSON.parse(text.slice(0, text.indexOf("\n")));
    const claim = this.#waiting.get(hello.workerId);
    if (!claim) return conn.close();
    this.#waiting.delete(hello.workerId);
    claim(conn);
  }

  /** Waits for worker `id`'s connection. */
  expect(id: number): Promise<Deno.Conn> {
    return new Promise((resolve) => this.#waiting.set(id, resolve));
  }

  /** Closes the hub and removes its directory. */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    await Deno.remove(this.path.slice(0, this.path.lastIndexOf("/")), { recursive: true })
      .catch(() => {});
  }
}

let processSerial = 0;

/**
 * Starts a process worker: this program again with the hidden `__worker` command.
 *
 * @example
 * ```ts ignore
 * const hub = await ProcessHub.open();
 * const worker = spawnProcessWorker(hub, { onMessage: (m) => console.log(m) });
 * ```
 */
export function spawnProcessWorker(hub: ProcessHub, events: WorkerEvents): WorkerHandle {
  const serial = ++processSerial;
  const { cmd, args } = selfCommand();
  const child = new Deno.Command(cmd, {
    args: [...args, "__worker"],
    env: { NGW2F_CONTROL: hub.path, NGW2F_WORKER_SERIAL: String(serial) },
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  let conn: Deno.Conn | undefined;
  let gone = false;
  const pending: MasterMessage[] = [];
  const writer = jsonLineWriter(() => conn!);
  hub.expect(serial).then((c) => {
    conn = c;
    for (const message of pending.splice(0)) writer.write(message);
    return readJsonLines(c, (value) => events.onMessage(value as WorkerMessage));
  });
  const exited = child.status.then((status): WorkerExit => {
    gone = true;
    try {
      conn?.close();
    } catch { /* already closed */ }
    return { code: status.code, signal: status.signal ?? undefined };
  });
  return {
    pid: child.pid,
    send(message) {
      if (gone) return;
      if (conn) writer.write(message);
      else pending.push(message);
    },
    kill() {
      if (gone) return;
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    },
    exited,
  };
}
