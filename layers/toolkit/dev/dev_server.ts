/**
 * The reloading dev server (`ngw2f dev --reload`, Werkzeug's reloader): the app runs in a Worker,
 * one per generation (a fresh module graph, so every changed import is read again), serving the
 * same sockets with `reusePort`. When a watched file changes, a new generation starts; once it
 * listens, the old one drains and stops, so no request is refused during a reload. Unix sockets
 * are handed over the same way (the new generation renames its socket over the path).
 *
 * Unlike Werkzeug's reloader, a change that breaks the app (a syntax error, a missing export,
 * top-level code or `startup()` that throws) does not end the server: an error page is served on
 * the same sockets until a change makes the app load again.
 *
 * @module
 */

import {
  ConfigError,
  formatAddr,
  HaltError,
  listenError,
  type Logger,
  type LogLevel,
  parseAppSpec,
  parseBind,
  serve,
  type Server,
} from "../../gateway/mod.ts";
import { Generation } from "./_generation.ts";
import { LoadErrorApp } from "./load_error_app.ts";
import { type LoadFailure, locateFailure } from "./load_error_page.ts";
import { type ChangeWatcher, DEFAULT_RELOAD_EXTENSIONS, watchChanges } from "./reloader.ts";

/** Options for {@linkcode startReloadingServer}. */
export interface ReloadingServerOptions {
  /** Where to listen (`HOST:PORT`, `unix:PATH`); port 0 is resolved once and then kept. */
  bind: readonly string[];
  /** Where the app is mounted (`ctx.rootPath`); default `""`. */
  rootPath?: string;
  /** Seconds an idle keep-alive connection stays open; default 5. */
  keepAliveTimeout?: number;
  /** Seconds a retiring generation waits for its requests in flight; default 30. */
  gracefulTimeout?: number;
  /** The error log (main thread); default a console logger at `logLevel`. */
  log: Logger;
  /** The level each generation logs at; default `info`. */
  logLevel?: LogLevel;
  /** The access log; `null` turns it off (generations write theirs to stdout). */
  accessLog: Logger | null;
  /** Check the gateway contract on every request (`--validate`). */
  validate?: boolean;
  /** Serve the debug page for unhandled errors (`--debug`). */
  debug?: boolean;
  /** More folders to watch (`--reload-dir`), besides the app module's. */
  watchDirs?: readonly string[];
  /** Extensions that count as source (`--reload-ext` adds to the defaults; `*` is every file). */
  extensions?: readonly string[];
  /** Milliseconds of quiet before a burst of changes reloads; default 150. */
  debounceMs?: number;
  /** The directory relative paths resolve against; default `Deno.cwd()`. */
  cwd?: string;
}

/** A running reloading server. */
export interface ReloadingServer {
  /** The addresses it listens on (port 0 resolved). */
  readonly addrs: readonly Deno.Addr[];
  /** The folders watched. */
  readonly watching: readonly string[];
  /** Settles once {@linkcode ReloadingServer.shutdown} has finished. */
  readonly finished: Promise<void>;
  /** Stops watching, stops every generation gracefully and closes the error page. */
  shutdown(): Promise<void>;
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

function resolvePath(path: string, cwd: string): string {
  const out: string[] = [];
  for (const part of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (part === "..") out.pop();
    else if (part !== "" && part !== ".") out.push(part);
  }
  return `/${out.join("/")}`;
}

/** The folders to watch: the app's, then the extra ones; each must exist; nested ones dropped. */
async function watchDirsOf(spec: string, options: ReloadingServerOptions, cwd: string) {
  const dirs = [dirname(parseAppSpec(spec, cwd).file)];
  for (const dir of options.watchDirs ?? []) {
    const path = resolvePath(dir, cwd);
    const stat = await Deno.stat(path).catch(() => null);
    if (!stat?.isDirectory) {
      throw new ConfigError(`"${dir}" is not a directory`, { file: "options", key: "watchDirs" });
    }
    dirs.push(path);
  }
  const unique = [...new Set(dirs)];
  return unique.filter((dir) =>
    !unique.some((other) => other !== dir && dir.startsWith(other === "/" ? "/" : `${other}/`))
  );
}

/** Fails like `serve` would when an address is taken: sharing a port must be ours alone. */
async function probeBinds(binds: readonly string[]): Promise<void> {
  for (const bind of binds) {
    const address = parseBind(bind);
    try {
      if (address.transport === "tcp") {
        if (address.port === 0) continue;
        Deno.listen({ transport: "tcp", hostname: address.hostname, port: address.port }).close();
      } else {
        const live = await Deno.connect({ transport: "unix", path: address.path })
          .then((conn) => (conn.close(), true), () => false);
        if (live) throw new Deno.errors.AddrInUse(`"${address.path}" is in use by a live server`);
      }
    } catch (error) {
      throw listenError(bind, error);
    }
  }
}

/** One line for the log: what failed and where. */
function failureLine(failure: LoadFailure): string {
  const location = locateFailure(failure);
  const where = location?.line
    ? ` (at ${location.file}:${location.line}:${location.column ?? 1})`
    : "";
  return `${failure.error.name}: ${failure.error.message.split("\n")[0]}${where}`;
}

class Reloader {
  #spec: string;
  #options: ReloadingServerOptions;
  #cwd: string;
  #log: Logger;
  #bind: string[];
  #dirs: string[] = [];
  #current: Generation | undefined;
  #loading: Generation | undefined;
  #errorPage: { app: LoadErrorApp; server: Server } | undefined;
  #retiring = new Set<Promise<void>>();
  #watcher: ChangeWatcher | undefined;
  #stopping: Promise<void> | undefined;
  addrs: Deno.Addr[] = [];

  constructor(spec: string, options: ReloadingServerOptions) {
    this.#spec = spec;
    this.#options = options;
    this.#cwd = options.cwd ?? Deno.cwd();
    this.#log = options.log;
    this.#bind = [...options.bind];
  }

  get watching(): string[] {
    return this.#dirs;
  }

  #stopTimeout(): number {
    return (this.#options.gracefulTimeout ?? 30) * 1000 + 2000;
  }

  #spawn(changed: string[]): Generation {
    const o = this.#options;
    const generation: Generation = new Generation({
      spec: this.#spec,
      cwd: this.#cwd,
      bind: this.#bind,
      rootPath: o.rootPath ?? "",
      keepAliveTimeout: o.keepAliveTimeout ?? 5,
      gracefulTimeout: o.gracefulTimeout ?? 30,
      logLevel: o.logLevel ?? "info",
      accessLog: o.accessLog !== null,
      validate: o.validate ?? false,
      debug: o.debug ?? false,
    }, {
      onCrash: (failure) => {
        if (this.#current !== generation || this.#stopping) return;
        this.#current = undefined;
        this.#fail({ ...failure, changed }, "The app crashed").catch((error) =>
          this.#log.error("Cannot serve the error page", error)
        );
      },
    });
    return generation;
  }

  #retire(job: Promise<void>): void {
    const tracked = job.catch((error) => this.#log.error("Cannot stop a generation", error))
      .finally(() => this.#retiring.delete(tracked));
    this.#retiring.add(tracked);
  }

  /** Shows `failure` on the error page (starting it if needed); returns its addresses. */
  async #showError(failure: LoadFailure): Promise<readonly Deno.Addr[]> {
    if (this.#errorPage) {
      this.#errorPage.app.update(failure);
      return this.#errorPage.server.addrs;
    }
    const o = this.#options;
    const app = new LoadErrorApp(failure, { rootPath: o.rootPath });
    const server = await serve(app, {
      bind: this.#bind,
      rootPath: o.rootPath,
      keepAliveTimeout: o.keepAliveTimeout,
      gracefulTimeout: o.gracefulTimeout,
      reusePort: true,
      log: this.#log,
      accessLog: o.accessLog,
    });
    this.#errorPage = { app, server };
    return server.addrs;
  }

  async #fail(failure: LoadFailure, what: string): Promise<void> {
    this.#log.error(`${what}: ${failureLine(failure)}`);
    await this.#showError(failure);
    this.#log.warn("Serving an error page until a change fixes the app");
  }

  async boot(): Promise<void> {
    this.#dirs = await watchDirsOf(this.#spec, this.#options, this.#cwd);
    await probeBinds(this.#bind);
    const generation = this.#spawn([]);
    const start = await generation.ready;
    if (start.ok) {
      this.#current = generation;
      this.addrs = start.addrs;
    } else {
      generation.kill();
      if ("killed" in start) throw new HaltError("Cannot start the app: stopped", { exitCode: 3 });
      if (start.failure.stage === "listen") {
        throw new HaltError(start.failure.error.message, { exitCode: 3 });
      }
      this.#log.error(`Cannot start the app: ${failureLine(start.failure)}`);
      this.addrs = [...await this.#showError(start.failure)];
      this.#log.warn("Serving an error page until a change fixes the app");
    }
    // Port 0 is now a real port: every later generation joins the same sockets.
    this.#bind = this.addrs.map((addr) => formatAddr(addr));
    const unixPaths = this.addrs.flatMap((addr) => "path" in addr && addr.path ? [addr.path] : []);
    const extensions = [...DEFAULT_RELOAD_EXTENSIONS, ...(this.#options.extensions ?? [])];
    this.#watcher = watchChanges(this.#dirs, (paths) => this.#onChange(paths), {
      extensions,
      ignorePaths: unixPaths,
      debounceMs: this.#options.debounceMs,
    });
    this.#log.info(
      `Watching for changes in ${this.#dirs.join(", ")} (${
        extensions.includes("*") ? "every file" : extensions.map((e) => `.${e}`).join(" ")
      })`,
    );
  }

  #relative(path: string): string {
    const dir = this.#dirs.find((d) => path.startsWith(d === "/" ? "/" : `${d}/`));
    return dir ? path.slice(dir === "/" ? 1 : dir.length + 1) : path;
  }

  #onChange(paths: string[]): void {
    if (this.#stopping) return;
    const names = paths.map((path) => this.#relative(path));
    const shown = names.length > 3
      ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`
      : names.join(", ");
    this.#log.info(`Detected change in ${shown}, reloading`);
    this.#reload(names).catch((error) => this.#log.error("Cannot reload", error));
  }

  async #reload(changed: string[]): Promise<void> {
    // A newer change supersedes a generation still loading (it may be stuck in a loop).
    this.#loading?.kill();
    const started = performance.now();
    const generation = this.#spawn(changed);
    this.#loading = generation;
    const start = await generation.ready;
    if (this.#loading !== generation) return;
    this.#loading = undefined;
    if (this.#stopping) return generation.kill();
    const ms = Math.round(performance.now() - started);
    if (!start.ok) {
      generation.kill();
      if ("killed" in start) return;
      await this.#fail({ ...start.failure, changed }, `Cannot reload after ${ms} ms`);
      const old = this.#current;
      this.#current = undefined;
      if (old) this.#retire(old.stop(this.#stopTimeout()));
      return;
    }
    const old = this.#current;
    this.#current = generation;
    this.#log.info(`Reloaded in ${ms} ms`);
    if (old) this.#retire(old.stop(this.#stopTimeout()));
    const page = this.#errorPage;
    if (page) {
      this.#errorPage = undefined;
      page.app.retire();
      this.#retire(page.server.shutdown());
      this.#log.info("The app loads again: the error page is gone");
    }
  }

  shutdown(): Promise<void> {
    return this.#stopping ??= (async () => {
      this.#watcher?.close();
      this.#loading?.kill();
      this.#loading = undefined;
      if (this.#current) this.#retire(this.#current.stop(this.#stopTimeout()));
      this.#current = undefined;
      const page = this.#errorPage;
      if (page) {
        this.#errorPage = undefined;
        page.app.retire();
        this.#retire(page.server.shutdown());
      }
      await this.#watcher?.closed;
      while (this.#retiring.size) await Promise.all(this.#retiring);
    })();
  }
}

/**
 * Starts the reloading dev server for the app `spec` (`path/app.ts[:export]`): the first
 * generation (or, if the app cannot load, the error page), then the watcher. Rejects with a
 * {@linkcode HaltError} (exit code 3) when an address cannot be bound, and with a
 * {@linkcode ConfigError} for a watch folder that does not exist.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { silentLogger } from "../../gateway/mod.ts";
 * import { startReloadingServer } from "./dev_server.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/app.ts`, `export default () => new Response("v1");\n`);
 * const server = await startReloadingServer(`${dir}/app.ts`, {
 *   bind: ["127.0.0.1:0"],
 *   log: silentLogger,
 *   accessLog: null,
 * });
 * const { port } = server.addrs[0] as Deno.NetAddr;
 * assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "v1");
 * await server.shutdown();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function startReloadingServer(
  spec: string,
  options: ReloadingServerOptions,
): Promise<ReloadingServer> {
  const reloader = new Reloader(spec, options);
  try {
    await reloader.boot();
  } catch (error) {
    await reloader.shutdown();
    throw error;
  }
  const { promise: finished, resolve } = Promise.withResolvers<void>();
  return {
    addrs: reloader.addrs,
    watching: reloader.watching,
    finished,
    async shutdown() {
      await reloader.shutdown();
      resolve();
    },
  };
}
