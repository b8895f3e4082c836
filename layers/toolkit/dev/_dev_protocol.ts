/**
 * The messages between the reloading dev server (main thread) and each generation of the app
 * (a Worker running `_dev_worker.ts`).
 *
 * @module
 */

import type { LogLevel } from "../../gateway/mod.ts";
import type { LoadFailure } from "./load_error_page.ts";

/** The name a generation's Worker gets (and checks before it starts). */
export const DEV_WORKER_NAME = "ngw2f-dev-generation";

/** What a generation runs: the app and the server options that can cross a thread. */
export interface GenerationSettings {
  /** The app spec, `path/app.ts[:export]`. */
  spec: string;
  /** The directory the spec resolves against. */
  cwd: string;
  /** Where to listen (ports resolved: every generation shares the same sockets). */
  bind: string[];
  /** `--root-path`. */
  rootPath: string;
  /** `--keep-alive`, seconds. */
  keepAliveTimeout: number;
  /** `--graceful-timeout`, seconds. */
  gracefulTimeout: number;
  /** The error log's level. */
  logLevel: LogLevel;
  /** Whether to write the access log. */
  accessLog: boolean;
  /** `--validate`. */
  validate: boolean;
  /** `--debug`. */
  debug: boolean;
}

/** Main thread to generation. */
export type ToGeneration =
  | { type: "start"; settings: GenerationSettings }
  | { type: "stop" };

/** Generation to main thread. */
export type FromGeneration =
  | { type: "listening"; addrs: Deno.Addr[] }
  | { type: "failed"; failure: LoadFailure }
  | { type: "stopped" };
