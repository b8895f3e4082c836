/**
 * The master loop (gunicorn's arbiter): spawns worker programs, keeps their number right,
 * replaces those that die, hang or ask to retire, and answers signals. Signal handlers only
 * enqueue; one tick loop does the work. A worker that fails to boot halts the master with the
 * worker's message and exit code — never a respawn loop.
 *
 * @module
 */

import { formatAddr, type Logger, parseBind } from "../gateway/mod.ts";
import { type Hooks, runHook, type ServerInfo, type WorkerInfo } from "./hooks.ts";
import {
  type MasterMessage,
  readTrace,
  TRACE_BYTES,
  type WorkerMessage,
  type WorkerStats,
} from "./protocol.ts";
import { enableQueueMigration, startSuccessor, takeEnv } from "./_upgrade.ts";
import {
  ProcessHub,
  spawnProcessWorker,
  spawnThreadWorker,
  type WorkerHandle,
} from "./worker_handle.ts";

/** What the arbiter needs; `main.ts` builds it from the settings. */
export interface ArbiterOptions {
  /** The worker program module URL. */
  program: string;
  /** The config each worker gets, by worker id (e.g. max-requests with its jitter). */
  programConfig(workerId: number): unknown;
  /** Where the workers listen (port 0 already resolved), for the "Listening at" lines. */
  binds: string[];
  /** How many workers to keep running. */
  workers: number;
  /** Deno Workers in this process, or child processes. */
  workerClass: "thread" | "process";
  /** Seconds without a heartbeat before a worker is replaced; 0 never. */
  timeout: number;
  /** Seconds a draining worker has to finish its requests. */
  gracefulTimeout: number;
  /** Recycle a worker whose heap passes this many MiB; 0 never. */
  maxWorkerMemory: number;
  /** Where to write the master's pid, or null. */
  pidFile: string | null;
  /** The master's error log (USR1 reopens it). */
  log: Logger & { reopen?(): void };
  /** The server hooks. */
  hooks: Hooks;
  /** Re-reads the settings for a HUP; returns a fresh program config maker, or throws. */
  reload?(): Promise<{ programConfig(workerId: number): unknown; workers: number }>;
  /** The command line to re-execute for a hot upgrade. */
  args: string[];
  /**
   * Frees the ports held for the workers (`reservePorts`): called once the first set of workers
   * listens, before the "Listening at" lines, and when the master stops if they never did.
   */
  releasePorts?(): void;
}

type WorkerState = "booting" | "ready" | "draining";

interface Worker {
  serial: number;
  id: number;
  generation: number;
  handle: WorkerHandle;
  state: WorkerState;
  spawnedAt: number;
  lastBeat: number;
  stats: WorkerStats | undefined;
  /** Set when the worker should go once a replacement is ready. */
  retiring: number | undefined;
  /** Set when the arbiter itself ended the worker (no "unexpected exit" log). */
  expected: boolean;
  /** Set when the worker stopped heartbeating: it may never exit, so nobody waits for it. */
  hung: boolean;
  /** Thread workers: where the worker notes its current request. */
  trace: SharedArrayBuffer | undefined;
}

/** Milliseconds a timed-out worker has to run its workerAbort hook before it is killed. */
const ABORT_GRACE = 500;

/** Whether process `pid` exists (signal 0 checks without sending anything). */
function isRunning(pid: number): boolean {
  try {
    Deno.kill(pid, 0 as unknown as Deno.Signal);
    return true;
  } catch (error) {
    return !(error instanceof Deno.errors.NotFound);
  }
}

const SIGNALS: Deno.Signal[] = [
  "SIGHUP",
  "SIGTERM",
  "SIGINT",
  "SIGQUIT",
  "SIGTTIN",
  "SIGTTOU",
  "SIGUSR1",
  "SIGUSR2",
  "SIGWINCH",
];

/** The master. */
export class Arbiter {
  #o: ArbiterOptions;
  #workers = new Map<number, Worker>();
  #serial = 0;
  #generation = Number(takeEnv("NGW2F_GENERATION") ?? 1);
  /** Set in a master started by a hot upgrade: the predecessor's pid, and whether to stop it. */
  #predecessor = Number(takeEnv("NGW2F_UPGRADE_FROM") ?? 0);
  #retirePredecessor = takeEnv("NGW2F_RETIRE_OLD") === "1";
  /**
   * Set when `ngw2f up` (supervise.ts) started this master: its pid. Kept in the environment,
   * so a master started by a hot upgrade watches the same supervisor.
   */
  #supervisor = Number(Deno.env.get("NGW2F_SUPERVISOR") ?? 0);
  #target: number;
  #queue: Deno.Signal[] = [];
  #wake: (() => void) | undefined;
  #halt: { code: number; message: string } | undefined;
  #hub: ProcessHub | undefined;
  #pidFile: string | null;
  #programConfig: (id: number) => unknown;
  #reloading: { generation: number; started: number } | undefined;
  #upgrading = false;

  /** Creates the master; `run()` starts it. */
  constructor(options: ArbiterOptions) {
    this.#o = options;
    this.#target = options.workers;
    this.#pidFile = options.pidFile;
    this.#programConfig = options.programConfig;
  }

  #server(): ServerInfo {
    return { pid: Deno.pid, workers: this.#target, generation: this.#generation, log: this.#o.log };
  }

  #info(worker: Worker): WorkerInfo {
    return {
      id: worker.id,
      pid: worker.handle.pid,
      generation: worker.generation,
      workerClass: this.#o.workerClass,
      log: this.#o.log,
    };
  }

  #signal = (signal: Deno.Signal) => () => {
    this.#queue.push(signal);
    this.#wake?.();
  };

  /** Runs until stopped; resolves to the process exit code. */
  async run(): Promise<number> {
    const log = this.#o.log;
    const handlers = SIGNALS.map((s) => [s, this.#signal(s)] as const);
    for (const [signal, handler] of handlers) Deno.addSignalListener(signal, handler);
    try {
      await runHook(this.#o.hooks, "onStarting", log, this.#server());
      await this.#writePid();
      enableQueueMigration(log);
      log.info(`Starting ngw2f master (pid ${Deno.pid}), ${this.#o.workerClass} workers`);
      if (this.#o.workerClass === "process") this.#hub = await ProcessHub.open();
      this.#manage();
      // The first set must come up whole before the master says it is listening.
      while (!this.#halt && this.#readyCount() < this.#target) await this.#sleep(50);
      if (this.#halt) return await this.#stopAll(this.#halt.code, 0);
      this.#o.releasePorts?.();
      const addrs = this.#o.binds.map(parseBind);
      for (const addr of addrs) {
        const shown = addr.transport === "unix" ? formatAddr(addr) : `http://${formatAddr(addr)}`;
        log.info(`Listening at: ${shown} (${Deno.pid})`);
      }
      if (this.#target > 1 && addrs.length > 0 && addrs.every((a) => a.transport === "unix")) {
        log.warn(
          `Only worker 1 serves ${addrs.map(formatAddr).join(", ")}: Deno cannot share a unix ` +
            `socket's listener between workers, so the other ${this.#target - 1} have none. ` +
            "Add a TCP bind (e.g. 127.0.0.1:8000), where every worker listens, or run 1 worker",
        );
      }
      await runHook(this.#o.hooks, "whenReady", log, this.#server());
      this.#retireOldMaster();
      return await this.#loop();
    } finally {
      this.#o.releasePorts?.();
      for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
      await this.#hub?.close();
    }
  }

  async #loop(): Promise<number> {
    while (true) {
      if (this.#halt) return await this.#stopAll(this.#halt.code, 0);
      const signal = this.#queue.shift();
      if (signal) {
        const code = await this.#handle(signal);
        if (code !== undefined) return code;
        continue;
      }
      this.#murder();
      this.#manage();
      this.#finishReload();
      if (this.#supervisor !== 0 && !isRunning(this.#supervisor)) {
        // The supervisor was killed (SIGKILL, a crash): nothing would ever stop this master.
        this.#o.log.warn(
          `The supervisor (pid ${this.#supervisor}) is gone: stopping gracefully ` +
            `(up to ${this.#o.gracefulTimeout}s)`,
        );
        this.#supervisor = 0;
        return await this.#stopAll(0, this.#o.gracefulTimeout);
      }
      await this.#sleep(250);
    }
  }

  async #handle(signal: Deno.Signal): Promise<number | undefined> {
    const log = this.#o.log;
    switch (signal) {
      case "SIGTERM":
        log.info(`Received SIGTERM: stopping gracefully (up to ${this.#o.gracefulTimeout}s)`);
        return await this.#stopAll(0, this.#o.gracefulTimeout);
      case "SIGINT":
      case "SIGQUIT":
        log.info(`Received ${signal}: stopping now`);
        return await this.#stopAll(0, undefined);
      case "SIGHUP":
        await this.#reload();
        return;
      case "SIGTTIN":
        this.#setTarget(this.#target + 1);
        return;
      case "SIGTTOU":
        if (this.#target > 1) this.#setTarget(this.#target - 1);
        return;
      case "SIGUSR1":
        log.info("Received SIGUSR1: reopening log files");
        this.#o.log.reopen?.();
        for (const worker of this.#workers.values()) worker.handle.send({ type: "reopen-logs" });
        return;
      case "SIGUSR2":
        await this.#upgrade(false);
        return;
      case "SIGWINCH":
        log.info("Received SIGWINCH: stopping the workers, keeping the master");
        this.#setTarget(0);
        return;
    }
    return undefined;
  }

  #setTarget(value: number) {
    const old = this.#target;
    this.#target = value;
    this.#o.log.info(`Workers: ${old} -> ${value}`);
    runHook(this.#o.hooks, "nworkersChanged", this.#o.log, this.#server(), value, old);
    this.#manage();
  }

  #readyCount(): number {
    let n = 0;
    for (const w of this.#workers.values()) {
      if (w.state === "ready" && w.generation === this.#generation) n++;
    }
    return n;
  }

  /** Starts or drains workers until the current generation has the target count. */
  #manage() {
    if (this.#halt) return;
    const current = [...this.#workers.values()].filter((w) =>
      w.generation === this.#generation && w.state !== "draining" && w.retiring === undefined
    );
    for (let n = current.length; n < this.#target; n++) this.#spawn();
    const extra = current.length - this.#target;
    if (extra > 0) {
      const newest = current.sort((a, b) => b.id - a.id).slice(0, extra);
      for (const worker of newest) this.#drain(worker, "the worker count went down");
    }
  }

  #freeId(): number {
    const used = new Set<number>();
    for (const w of this.#workers.values()) {
      if (w.generation === this.#generation && w.state !== "draining" && w.retiring === undefined) {
        used.add(w.id);
      }
    }
    let id = 1;
    while (used.has(id)) id++;
    return id;
  }

  #spawn() {
    const serial = ++this.#serial;
    const id = this.#freeId();
    const generation = this.#generation;
    const events = { onMessage: (message: WorkerMessage) => this.#onMessage(serial, message) };
    // gunicorn's pre_fork runs before the worker exists: it sees no pid yet.
    runHook(this.#o.hooks, "preFork", this.#o.log, this.#server(), {
      id,
      pid: 0,
      generation,
      workerClass: this.#o.workerClass,
      log: this.#o.log,
    });
    const handle = this.#o.workerClass === "process"
      ? spawnProcessWorker(this.#hub!, events)
      : spawnThreadWorker(events);
    const worker: Worker = {
      serial,
      id,
      generation,
      handle,
      state: "booting",
      spawnedAt: Date.now(),
      lastBeat: Date.now(),
      stats: undefined,
      retiring: undefined,
      expected: false,
      hung: false,
      trace: this.#o.workerClass === "thread" ? new SharedArrayBuffer(TRACE_BYTES) : undefined,
    };
    this.#workers.set(serial, worker);
    this.#o.log.info(`Booting worker ${id} (${this.#o.workerClass}, pid ${handle.pid})`);
    const message: MasterMessage = {
      type: "start",
      program: this.#o.program,
      workerId: id,
      workerCount: Math.max(this.#target, 1),
      generation,
      heartbeat: this.#o.timeout > 0 ? Math.min(1, this.#o.timeout / 4) : 1,
      config: this.#programConfig(id),
      ...(worker.trace ? { trace: worker.trace } : {}),
    };
    handle.send(message);
    handle.exited.then((exit) => this.#onExit(serial, exit));
  }

  #onMessage(serial: number, message: WorkerMessage) {
    const worker = this.#workers.get(serial);
    if (!worker) return;
    worker.lastBeat = Date.now();
    switch (message.type) {
      case "ready":
        worker.state = "ready";
        // Workers waiting for a replacement can go now.
        for (const old of this.#workers.values()) {
          if (old.retiring !== undefined && old.retiring <= worker.spawnedAt) {
            this.#drain(old, "its replacement is ready");
          }
        }
        break;
      case "heartbeat": {
        const { type: _, ...stats } = message;
        worker.stats = stats;
        const limit = this.#o.maxWorkerMemory * 1024 * 1024;
        if (limit > 0 && stats.heapUsed > limit && worker.retiring === undefined) {
          this.#o.log.warn(
            `Worker ${worker.id} uses ${(stats.heapUsed / 1048576).toFixed(0)} MiB of heap ` +
              `(max-worker-memory ${this.#o.maxWorkerMemory}): replacing it`,
          );
          this.#retire(worker);
        }
        break;
      }
      case "retire":
        this.#retire(worker);
        break;
      case "boot-failed":
        worker.expected = true;
        if (this.#reloading && worker.generation === this.#reloading.generation) {
          this.#abandonReload(message.message);
        } else {
          this.#o.log.error(`Worker ${worker.id} failed to boot: ${message.message}`);
          this.#halt ??= { code: message.exitCode, message: message.message };
          this.#wake?.();
        }
        break;
      case "drained":
        worker.expected = true;
        break;
    }
  }

  #retire(worker: Worker) {
    worker.retiring = Date.now();
    this.#manage();
  }

  #drain(worker: Worker, why: string) {
    if (worker.state === "draining") return;
    worker.state = "draining";
    worker.retiring = undefined;
    worker.expected = true;
    this.#o.log.info(`Stopping worker ${worker.id} (gen ${worker.generation}): ${why}`);
    worker.handle.send({ type: "drain", graceful: this.#o.gracefulTimeout });
    // A worker that does not finish in time is ended.
    setTimeout(() => worker.handle.kill(), (this.#o.gracefulTimeout + 5) * 1000);
  }

  async #onExit(serial: number, exit: { code?: number; signal?: string; error?: unknown }) {
    const worker = this.#workers.get(serial);
    if (!worker) return;
    worker.state = "draining";
    const log = this.#o.log;
    if (!worker.expected) {
      const how = exit.error !== undefined
        ? `crashed: ${exit.error instanceof Error ? exit.error.message : String(exit.error)}`
        : exit.signal
        ? `was killed by ${exit.signal}`
        : `exited with code ${exit.code}`;
      log.error(`Worker ${worker.id} (pid ${worker.handle.pid}) ${how}: replacing it`);
    }
    await runHook(this.#o.hooks, "childExit", log, this.#server(), this.#info(worker));
    await runHook(this.#o.hooks, "workerExit", log, this.#server(), this.#info(worker));
    this.#workers.delete(serial);
    this.#wake?.();
  }

  /** Replaces workers that stopped heartbeating, and says what they were doing. */
  #murder() {
    if (this.#o.timeout === 0) return;
    const now = Date.now();
    let reclaim = false;
    for (const worker of this.#workers.values()) {
      if (worker.state === "draining") continue;
      const silent = now - worker.lastBeat;
      const allowed =
        (worker.state === "booting" ? Math.max(this.#o.timeout, 30) : this.#o.timeout) *
        1000;
      if (silent <= allowed) continue;
      const noted = worker.trace ? readTrace(worker.trace) : undefined;
      const inflight = noted ? [noted] : worker.stats?.inflight ?? [];
      const doing = inflight.length
        ? inflight.map((r) =>
          `${r.method} ${r.path} (running ${((now - r.since) / 1000).toFixed(1)}s)`
        ).join(", ")
        : "no request in flight";
      this.#o.log.error(
        `WORKER TIMEOUT: worker ${worker.id} (pid ${worker.handle.pid}) sent no heartbeat for ` +
          `${(silent / 1000).toFixed(1)}s; it was serving: ${doing}. Replacing it`,
      );
      worker.expected = true;
      worker.hung = true;
      worker.state = "draining";
      // If its event loop still turns (stuck on I/O, not on CPU), it runs workerAbort first.
      worker.handle.send({ type: "abort" });
      const handle = worker.handle;
      setTimeout(() => handle.kill(), ABORT_GRACE);
      // A terminated thread stuck in JavaScript runs on: its core comes back only when the
      // process exits (its handle reports it ended at once, so nothing waits for it).
      if (this.#o.workerClass === "thread") reclaim = true;
    }
    this.#manage();
    if (reclaim && !this.#upgrading) {
      this.#o.log.warn(
        "A hung thread worker keeps its core busy until the process exits: " +
          "re-executing the master to reclaim it (as a hot upgrade)",
      );
      this.#upgrade(true);
    }
  }

  async #reload() {
    const log = this.#o.log;
    log.info("Received SIGHUP: reloading (new workers first, then the old ones drain)");
    if (this.#o.reload) {
      try {
        const fresh = await this.#o.reload();
        this.#programConfig = fresh.programConfig;
        this.#target = fresh.workers;
      } catch (error) {
        log.error(`Cannot reload: ${(error as Error).message}; keeping the running workers`);
        return;
      }
    }
    await runHook(this.#o.hooks, "onReload", log, this.#server());
    this.#generation++;
    this.#reloading = { generation: this.#generation, started: Date.now() };
    this.#manage();
  }

  /** Once the new generation is whole, the old one drains. */
  #finishReload() {
    if (!this.#reloading) return;
    if (this.#readyCount() < this.#target) return;
    for (const worker of this.#workers.values()) {
      if (worker.generation < this.#reloading.generation) this.#drain(worker, "reloaded");
    }
    this.#o.log.info(`Reload done: generation ${this.#generation} serving`);
    this.#reloading = undefined;
  }

  #abandonReload(message: string) {
    const log = this.#o.log;
    log.error(
      `Cannot reload: a new worker failed to boot: ${message}. Keeping generation ${
        this.#generation - 1
      }`,
    );
    const failed = this.#reloading!.generation;
    for (const worker of this.#workers.values()) {
      if (worker.generation === failed) {
        worker.expected = true;
        worker.handle.kill();
      }
    }
    this.#generation = failed - 1;
    this.#reloading = undefined;
  }

  /** Starts a new master from the same executable; it shares the ports through reusePort. */
  async #upgrade(retireSelf: boolean) {
    if (this.#upgrading) return;
    this.#upgrading = true;
    const log = this.#o.log;
    await runHook(this.#o.hooks, "preExec", log, this.#server());
    if (this.#pidFile) {
      const old = `${this.#pidFile}.oldbin`;
      await Deno.rename(this.#pidFile, old).catch(() => {});
      this.#pidFile = old;
    }
    const pid = startSuccessor({
      args: this.#o.args,
      binds: this.#o.binds,
      generation: this.#generation + 1,
      retirePredecessor: retireSelf,
    });
    log.info(
      `Hot upgrade: started the new master (pid ${pid}); ` +
        (retireSelf ? "this one stops once it is ready" : "stop this one with TERM or WINCH"),
    );
  }

  /** A new master started by an upgrade-to-reclaim stops its predecessor once it is ready. */
  #retireOldMaster() {
    const old = this.#predecessor;
    if (!old || !this.#retirePredecessor) return;
    try {
      Deno.kill(old, "SIGTERM");
      this.#o.log.info(`Asked the previous master (pid ${old}) to stop`);
    } catch { /* already gone */ }
  }

  async #stopAll(code: number, graceful: number | undefined): Promise<number> {
    const log = this.#o.log;
    this.#target = 0;
    const workers = [...this.#workers.values()];
    for (const worker of workers) {
      worker.expected = true;
      worker.handle.send(graceful === undefined ? { type: "stop" } : { type: "drain", graceful });
    }
    const limit = ((graceful ?? 1) + 5) * 1000;
    const deadline = Date.now() + limit;
    while (this.#workers.size > 0 && Date.now() < deadline) await this.#sleep(50);
    for (const worker of this.#workers.values()) worker.handle.kill();
    await runHook(this.#o.hooks, "onExit", log, this.#server());
    if (this.#pidFile) await Deno.remove(this.#pidFile).catch(() => {});
    if (this.#halt) log.error(`Stopping: ${this.#halt.message}`);
    else log.info("Shutdown complete");
    return code;
  }

  async #writePid() {
    if (!this.#pidFile) return;
    await Deno.writeTextFile(this.#pidFile, `${Deno.pid}\n`);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }
}
