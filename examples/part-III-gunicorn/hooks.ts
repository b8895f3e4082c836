/**
 * The talk's part III hooks: gunicorn's server hooks (`gunicorn.conf.py`'s `on_starting`,
 * `post_fork`, …) in camelCase. Each logs one line tagged `hook:` to the error log, so the
 * demo shows where and when it ran. A hooks module may export only hooks.
 *
 * ```sh
 * npx deno run -A main.ts serve -c examples/part-III-gunicorn/ngw2f.toml   # hooks = this file
 * ```
 *
 * @module
 */

import type { ServerInfo, WorkerInfo } from "../../layers/master/mod.ts";

/** Master, once, before the pid file is written and the first workers start. */
export function onStarting(server: ServerInfo): void {
  server.log.info(`hook: onStarting: master ${server.pid} will start ${server.workers} workers`);
}

/** Master, once every worker of the first set is ready. */
export function whenReady(server: ServerInfo): void {
  server.log.info(`hook: whenReady: ${server.workers} workers serving`);
}

/** Master, on HUP, after the settings were re-read and before the new generation starts. */
export function onReload(server: ServerInfo): void {
  server.log.info(`hook: onReload: starting generation ${server.generation + 1}`);
}

/** Worker, first thing, before the app loads. */
export function postFork(_server: ServerInfo, worker: WorkerInfo): void {
  worker.log.info(`hook: postFork: worker ${worker.id} (generation ${worker.generation})`);
}

/** Worker, once the app loaded, started and the listeners opened. */
export function postWorkerInit(worker: WorkerInfo): void {
  worker.log.info(`hook: postWorkerInit: worker ${worker.id} ready`);
}

/** Worker, before each request reaches the app. */
export function preRequest(worker: WorkerInfo, request: Request): void {
  worker.log.info(
    `hook: preRequest: worker ${worker.id} ${request.method} ${new URL(request.url).pathname}`,
  );
}

/** Worker, after the app returned its response. */
export function postRequest(worker: WorkerInfo, request: Request, response: Response): void {
  worker.log.info(
    `hook: postRequest: worker ${worker.id} ${request.method} ${
      new URL(request.url).pathname
    } -> ${response.status}`,
  );
}

/** Master, on TTIN, TTOU and WINCH. */
export function nworkersChanged(server: ServerInfo, newValue: number, oldValue: number): void {
  server.log.info(`hook: nworkersChanged: ${oldValue} -> ${newValue} (master ${server.pid})`);
}

/** Master, after a worker ended and was cleaned up. */
export function workerExit(_server: ServerInfo, worker: WorkerInfo): void {
  worker.log.info(`hook: workerExit: worker ${worker.id} (generation ${worker.generation})`);
}

/** Master, after the workers stopped, before the pid file is removed. */
export function onExit(server: ServerInfo): void {
  server.log.info(`hook: onExit: master ${server.pid} stopping`);
}
