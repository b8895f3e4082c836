/**
 * The master (gunicorn's job): a process that starts, watches and replaces *worker programs*,
 * and never accepts a connection itself. `ngw2f serve app.ts` runs it with the app program;
 * the proxy runs its own program under the same master.
 *
 * @example Resolving settings as `ngw2f serve` does
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSettings } from "./mod.ts";
 *
 * const settings = await resolveSettings({ args: ["-w", "2", "app.ts"], env: {}, cwd: "/" });
 * assert.equal(settings.workers, 2);
 * assert.equal(settings.app, "app.ts");
 * ```
 *
 * @module
 */

export { Arbiter, type ArbiterOptions } from "./arbiter.ts";
export { type AppProgramConfig, start as startAppProgram } from "./app_program.ts";
export {
  HOOK_NAMES,
  type Hooks,
  loadHooks,
  type MaybeAsync,
  runHook,
  type ServerInfo,
  type WorkerInfo,
} from "./hooks.ts";
export {
  type AccessEntry,
  type AccessFormat,
  createAccessFormatter,
  type LogSink,
  openLog,
  type OpenLogOptions,
  workerTag,
} from "./logging.ts";
export {
  EXIT_CODES,
  type InflightRequest,
  type MasterMessage,
  type ProgramContext,
  type RunningProgram,
  type StartProgram,
  type WorkerMessage,
  type WorkerStats,
} from "./protocol.ts";
export { APP_PROGRAM, serveApp, type ServeAppOptions } from "./serve_app.ts";
export {
  helpText,
  type MasterSettings,
  parseSize,
  printConfig,
  resolveSettings,
  type ResolveSettingsInput,
  type Setting,
  SETTINGS,
  UsageError,
} from "./settings.ts";
export { type Channel, processChannel, runWorker, threadChannel } from "./worker_entry.ts";
export { selfCommand, type WorkerExit, type WorkerHandle } from "./worker_handle.ts";
export { supervise, type SupervisedCommand, type SuperviseOptions } from "./supervise.ts";
