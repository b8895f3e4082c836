/**
 * Server hooks: gunicorn's, in camelCase, from a TypeScript module named by `--hooks` (or
 * `hooks = "./hooks.ts"` in the config). Each runs in the process gunicorn documents for it;
 * a hook that throws is logged and the server goes on.
 *
 * | hook | runs in | when |
 * |---|---|---|
 * | `onStarting(server)` | master | before the master starts its workers |
 * | `onReload(server)` | master | on HUP, before the new workers start |
 * | `whenReady(server)` | master | once every worker of the first set is ready |
 * | `preFork(server, worker)` | master | before a worker is started |
 * | `postFork(server, worker)` | worker | first thing in a new worker |
 * | `postWorkerInit(worker)` | worker | after the worker loaded the app and ran its startup |
 * | `workerInt(worker)` | worker | when a quick stop (INT/QUIT) reaches the worker |
 * | `workerAbort(worker)` | worker | when the master aborts a worker that timed out (if it can still run) |
 * | `preExec(server)` | master | before a hot upgrade starts the new master |
 * | `preRequest(worker, request)` | worker | before each request reaches the app |
 * | `postRequest(worker, request, response)` | worker | after the app answered |
 * | `childExit(server, worker)` | master | after a worker ended, right away |
 * | `workerExit(server, worker)` | master | after a worker ended, once it is cleaned up |
 * | `nworkersChanged(server, newValue, oldValue)` | master | when the worker count changes |
 * | `onExit(server)` | master | just before the master exits |
 *
 * @module
 */

import type { Logger } from "../gateway/mod.ts";

/** The master, as hooks see it. */
export interface ServerInfo {
  /** The master's process id. */
  readonly pid: number;
  /** How many workers it keeps running now. */
  readonly workers: number;
  /** The generation: 1, then one more on every reload and upgrade. */
  readonly generation: number;
  /** The master's error log. */
  readonly log: Logger;
}

/** A worker, as hooks see it. */
export interface WorkerInfo {
  /** Its number, from 1. */
  readonly id: number;
  /** Its process id (the master's, for a thread worker). */
  readonly pid: number;
  /** The generation it belongs to. */
  readonly generation: number;
  /** Its class. */
  readonly workerClass: "thread" | "process";
  /** Its error log (in the worker), or the master's (in the master). */
  readonly log: Logger;
}

/** What a hook returns: nothing, or a promise of nothing. */
export type MaybeAsync = void | Promise<void>;

/** Every hook a hooks module may export. */
export interface Hooks {
  /** Master, before the workers start. */
  onStarting?(server: ServerInfo): MaybeAsync;
  /** Master, on HUP before the new workers start. */
  onReload?(server: ServerInfo): MaybeAsync;
  /** Master, once the first set of workers is ready. */
  whenReady?(server: ServerInfo): MaybeAsync;
  /** Master, before a worker starts. */
  preFork?(server: ServerInfo, worker: WorkerInfo): MaybeAsync;
  /** Worker, first thing. */
  postFork?(server: ServerInfo, worker: WorkerInfo): MaybeAsync;
  /** Worker, after the app loaded and started. */
  postWorkerInit?(worker: WorkerInfo): MaybeAsync;
  /** Worker, on a quick stop (INT/QUIT). */
  workerInt?(worker: WorkerInfo): MaybeAsync;
  /** Worker, when aborted for a timeout (if it can still run). */
  workerAbort?(worker: WorkerInfo): MaybeAsync;
  /** Master, before a hot upgrade starts the new master. */
  preExec?(server: ServerInfo): MaybeAsync;
  /** Worker, before each request. */
  preRequest?(worker: WorkerInfo, request: Request): MaybeAsync;
  /** Worker, after each response. */
  postRequest?(worker: WorkerInfo, request: Request, response: Response): MaybeAsync;
  /** Master, right after a worker ended. */
  childExit?(server: ServerInfo, worker: WorkerInfo): MaybeAsync;
  /** Master, once an ended worker is cleaned up. */
  workerExit?(server: ServerInfo, worker: WorkerInfo): MaybeAsync;
  /** Master, when the worker count changes. */
  nworkersChanged?(server: ServerInfo, newValue: number, oldValue: number): MaybeAsync;
  /** Master, just before it exits. */
  onExit?(server: ServerInfo): MaybeAsync;
}

/** The hook names, in gunicorn's order. */
export const HOOK_NAMES = [
  "onStarting",
  "onReload",
  "whenReady",
  "preFork",
  "postFork",
  "postWorkerInit",
  "workerInt",
  "workerAbort",
  "preExec",
  "preRequest",
  "postRequest",
  "childExit",
  "workerExit",
  "nworkersChanged",
  "onExit",
] as const;

/**
 * Imports a hooks module; an export that is not a known hook name is an error that names it.
 *
 * @example
 * ```ts ignore
 * const hooks = await loadHooks("/srv/hooks.ts");
 * ```
 */
export async function loadHooks(file: string | null): Promise<Hooks> {
  if (!file) return {};
  let module: Record<string, unknown>;
  try {
    module = await import(new URL(`file://${file}`).href);
  } catch (error) {
    throw new Error(`Cannot load hooks "${file}": ${(error as Error).message.split("\n")[0]}`, {
      cause: error,
    });
  }
  const hooks: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(module)) {
    if (!(HOOK_NAMES as readonly string[]).includes(name)) {
      throw new Error(
        `Cannot load hooks "${file}": "${name}" is not a hook; hooks are ${HOOK_NAMES.join(", ")}`,
      );
    }
    if (typeof value !== "function") {
      throw new Error(`Cannot load hooks "${file}": "${name}" is not a function`);
    }
    hooks[name] = value;
  }
  return hooks as Hooks;
}

/**
 * Runs a hook if the module has it; a throw is logged and swallowed, so a hook never kills the
 * server.
 *
 * @example
 * ```ts
 * import { runHook } from "./hooks.ts";
 * import { silentLogger } from "../gateway/mod.ts";
 *
 * await runHook({ onExit() { throw new Error("oops"); } }, "onExit", silentLogger, {
 *   pid: 1, workers: 1, generation: 1, log: silentLogger,
 * });
 * ```
 */
export async function runHook<K extends keyof Hooks>(
  hooks: Hooks,
  name: K,
  log: Logger,
  ...args: Parameters<NonNullable<Hooks[K]>>
): Promise<void> {
  const hook = hooks[name] as ((...a: unknown[]) => MaybeAsync) | undefined;
  if (!hook) return;
  try {
    await hook(...args);
  } catch (error) {
    log.error(`The ${name} hook failed`, error);
  }
}
