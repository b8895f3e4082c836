/**
 * `ngw2f serve`: the master running the app worker program with the resolved settings.
 *
 * @module
 */

import { ConfigError, loadApp, parseAppSpec, reservePorts } from "../gateway/mod.ts";
import type { AppProgramConfig } from "./app_program.ts";
import { Arbiter } from "./arbiter.ts";
import { loadHooks } from "./hooks.ts";
import { createAccessFormatter, openLog } from "./logging.ts";
import { type MasterSettings, SETTINGS } from "./settings.ts";

/** The app worker program's module URL. */
export const APP_PROGRAM: string = new URL("./app_program.ts", import.meta.url).href;

function defaultOf(name: keyof MasterSettings): unknown {
  return SETTINGS.find((setting) => setting.name === name)?.default;
}

function absolute(path: string | null, cwd: string): string | null {
  if (path === null) return null;
  return path.startsWith("/") ? path : `${cwd}/${path}`;
}

/** The per-worker config of the app program. */
export function appProgramConfig(
  settings: MasterSettings,
  binds: string[],
  cwd: string,
): (workerId: number) => AppProgramConfig {
  const app = parseAppSpec(settings.app, cwd);
  const spec = app.exportName ? `${app.file}:${app.exportName}` : app.file;
  return () => ({
    app: spec,
    cwd,
    bind: binds,
    protected: settings.protected,
    workerClass: settings.workerClass,
    keepAlive: settings.keepAlive,
    headerTimeout: settings.headerTimeout,
    bodyTimeout: settings.bodyTimeout,
    gracefulTimeout: settings.gracefulTimeout,
    limitRequestLine: settings.limitRequestLine,
    limitRequestFields: settings.limitRequestFields,
    checkFields: settings.limitRequestFields !== defaultOf("limitRequestFields") ||
      settings.limitRequestFieldSize !== defaultOf("limitRequestFieldSize"),
    limitRequestFieldSize: settings.limitRequestFieldSize,
    limitRequestBody: settings.limitRequestBody,
    workerConnections: settings.workerConnections,
    maxRequests: settings.maxRequests > 0
      ? settings.maxRequests + Math.floor(Math.random() * (settings.maxRequestsJitter + 1))
      : 0,
    accessLog: settings.accessLogfile === "-" ? "-" : absolute(settings.accessLogfile, cwd),
    accessLogFormat: settings.accessLogFormat,
    errorLog: settings.errorLogfile === "-" ? "-" : absolute(settings.errorLogfile, cwd)!,
    logLevel: settings.logLevel as AppProgramConfig["logLevel"],
    certfile: absolute(settings.certfile, cwd),
    keyfile: absolute(settings.keyfile, cwd),
    hooks: absolute(settings.hooks, cwd),
    forwardedAllowIps: settings.forwardedAllowIps,
  });
}

/** Options for {@linkcode serveApp}. */
export interface ServeAppOptions {
  /** The command-line arguments after `serve`, for a hot upgrade to run again. */
  args: string[];
  /** Re-resolves the settings on HUP. */
  reload(): Promise<MasterSettings>;
}

/**
 * Runs the master for `settings` until it stops; resolves to the exit code.
 *
 * @example
 * ```ts ignore
 * const code = await serveApp(settings, { args, reload: () => resolveSettings({ args }) });
 * ```
 */
export async function serveApp(
  settings: MasterSettings,
  options: ServeAppOptions,
): Promise<number> {
  if (settings.chdir) Deno.chdir(settings.chdir);
  applyEnv(settings.env);
  const cwd = Deno.cwd();
  if (settings.protected && settings.certfile) {
    throw new ConfigError(
      "the protected core speaks plain HTTP/1.1; TLS (with HTTP/2) needs the default core, " +
        "or terminate TLS in the proxy",
      { file: "--protected", key: "protected" },
    );
  }
  try {
    createAccessFormatter(settings.accessLogFormat);
  } catch (error) {
    throw new ConfigError((error as Error).message, {
      file: "--access-log-format",
      key: "access_log_format",
    });
  }
  if (settings.protected) {
    for (const key of ["headerTimeout", "bodyTimeout", "keepAlive", "gracefulTimeout"] as const) {
      if (!(settings[key] > 0)) {
        const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
        throw new ConfigError(`must be more than 0 with --protected, got ${settings[key]}`, {
          file: `--${flag}`,
          key: flag,
        });
      }
    }
  }
  const log = (() => {
    try {
      return openLog(settings.errorLogfile === "-" ? "-" : absolute(settings.errorLogfile, cwd), {
        level: settings.logLevel as AppProgramConfig["logLevel"],
        tag: "master",
        stream: "stderr",
      });
    } catch (error) {
      throw new ConfigError((error as Error).message, {
        file: "--error-logfile",
        key: "error_logfile",
      });
    }
  })();
  let hooks;
  try {
    hooks = await loadHooks(absolute(settings.hooks, cwd));
  } catch (error) {
    throw new ConfigError((error as Error).message, { file: "--hooks", key: "hooks" });
  }
  if (settings.checkConfig) {
    await loadApp(settings.app, { cwd });
    log.info(`Config OK: "${settings.app}" loads, the hooks load, the settings are valid`);
    return 0;
  }
  // A hot upgrade's new master takes its predecessor's ports (port 0 already resolved).
  const inherited = Deno.env.get("NGW2F_UPGRADE_BINDS");
  Deno.env.delete("NGW2F_UPGRADE_BINDS");
  // Port 0 picks a port held until the workers listen on it (no other process can take it).
  const reserved = inherited ? null : reservePorts(settings.bind);
  const binds = reserved ? reserved.binds : JSON.parse(inherited!) as string[];
  const arbiter = new Arbiter({
    program: APP_PROGRAM,
    programConfig: appProgramConfig(settings, binds, cwd),
    binds,
    workers: settings.workers,
    workerClass: settings.workerClass,
    timeout: settings.timeout,
    gracefulTimeout: settings.gracefulTimeout,
    maxWorkerMemory: settings.maxWorkerMemory,
    pidFile: absolute(settings.pid, cwd),
    log,
    hooks,
    args: ["serve", ...options.args],
    releasePorts: () => reserved?.release(),
    async reload() {
      const fresh = await options.reload();
      // As gunicorn's HUP: the new workers get the new `env` settings.
      applyEnv(fresh.env);
      return { programConfig: appProgramConfig(fresh, binds, cwd), workers: fresh.workers };
    },
  });
  let watcher: Deno.FsWatcher | undefined;
  if (settings.reload) watcher = watchForReload(cwd, log);
  try {
    return await arbiter.run();
  } finally {
    watcher?.close();
  }
}

/** Sets the `env` settings (`NAME=value`) in this process's environment (workers inherit it). */
function applyEnv(pairs: readonly string[]): void {
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    Deno.env.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}

/** `--reload`: a HUP when a source file under `dir` changes (inotify: no polling). */
function watchForReload(dir: string, log: { info(m: string): void }): Deno.FsWatcher {
  const watcher = Deno.watchFs(dir, { recursive: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  (async () => {
    for await (const event of watcher) {
      if (!event.paths.some((p) => /\.(ts|tsx|js|jsx|mjs|json|toml)$/.test(p))) continue;
      if (event.paths.every((p) => p.includes("/node_modules/") || p.includes("/.git/"))) continue;
      clearTimeout(timer);
      timer = setTimeout(() => {
        log.info(`Changed: ${event.paths[0]}: reloading the workers`);
        Deno.kill(Deno.pid, "SIGHUP");
      }, 200);
    }
  })().catch(() => {});
  return watcher;
}
