/**
 * Watching source files for the dev server's `--reload`: the kernel's file notifications
 * (`Deno.watchFs`, inotify on Linux; nothing polls, so an idle watcher costs no CPU), filtered to
 * source files, with editors' temp files and dependency folders ignored, and debounced so one
 * save (or a `git checkout` touching fifty files) is one reload.
 *
 * @module
 */

/** The file extensions watched by default: what ends up in a module graph. */
export const DEFAULT_RELOAD_EXTENSIONS: readonly string[] = [
  "ts",
  "tsx",
  "mts",
  "cts",
  "js",
  "jsx",
  "mjs",
  "cjs",
  "json",
  "jsonc",
  "wasm",
];

/** Folders whose contents never trigger a reload. */
const IGNORED_DIRS: ReadonlySet<string> = new Set([
  "node_modules",
  ".git",
  ".hg",
  ".svn",
  ".jj",
  ".deno",
  ".cache",
  ".idea",
  ".vscode",
]);
/** Editors' temporary and backup files: vim swap/backup/`4913` probe, emacs lock/autosave, JetBrains. */
const EDITOR_TEMP = /(?:~|\.sw[a-px]x?|\.tmp|___jb_(?:tmp|old)___)$|^\.#|^#.*#$|^4913$/;

/** Options for {@linkcode isWatchedPath}. */
export interface PathFilterOptions {
  /** Extensions (without the dot) that count; `*` counts every file; default {@linkcode DEFAULT_RELOAD_EXTENSIONS}. */
  extensions?: readonly string[];
  /** Paths to ignore, with everything under or beginning with them (unix sockets and their temp names). */
  ignorePaths?: readonly string[];
}

/**
 * Whether a change to `path` should reload: its extension is watched, and it is neither an
 * editor's temp file nor inside an ignored folder (node_modules, .git, …) or ignored path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isWatchedPath } from "./reloader.ts";
 *
 * assert.equal(isWatchedPath("/srv/app/routes.ts"), true);
 * assert.equal(isWatchedPath("/srv/app/.routes.ts.swp"), false);
 * assert.equal(isWatchedPath("/srv/app/node_modules/x/index.js"), false);
 * assert.equal(isWatchedPath("/srv/app/page.html"), false);
 * assert.equal(isWatchedPath("/srv/app/page.html", { extensions: ["html"] }), true);
 * ```
 */
export function isWatchedPath(path: string, options: PathFilterOptions = {}): boolean {
  for (const ignored of options.ignorePaths ?? []) {
    if (path.startsWith(ignored)) return false;
  }
  const parts = path.split("/");
  const name = parts[parts.length - 1];
  if (!name || EDITOR_TEMP.test(name)) return false;
  for (let i = 0; i < parts.length - 1; i++) {
    if (IGNORED_DIRS.has(parts[i])) return false;
  }
  const extensions = options.extensions ?? DEFAULT_RELOAD_EXTENSIONS;
  if (extensions.includes("*")) return true;
  const dot = name.lastIndexOf(".");
  return dot > 0 && extensions.includes(name.slice(dot + 1).toLowerCase());
}

/** Options for {@linkcode ChangeBatcher}. */
export interface ChangeBatcherOptions {
  /** Milliseconds of quiet after the last change before flushing; default 150. */
  debounceMs?: number;
  /** The longest a batch waits while changes keep coming; default 1000. */
  maxWaitMs?: number;
}

/**
 * Collects changed paths and hands them over once changes stop for `debounceMs` (or after
 * `maxWaitMs` at most), each path once, in the order first seen. Holds no timer while idle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChangeBatcher } from "./reloader.ts";
 *
 * const batches: string[][] = [];
 * const batcher = new ChangeBatcher((paths) => batches.push(paths), { debounceMs: 10 });
 * batcher.add(["/a.ts", "/b.ts"]);
 * batcher.add(["/a.ts"]);
 * await new Promise((resolve) => setTimeout(resolve, 50));
 * assert.deepEqual(batches, [["/a.ts", "/b.ts"]]);
 * batcher.close();
 * ```
 */
export class ChangeBatcher {
  #onFlush: (paths: string[]) => void;
  #debounceMs: number;
  #maxWaitMs: number;
  #paths = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #since = 0;
  #closed = false;

  /** Calls `onFlush` with each batch. */
  constructor(onFlush: (paths: string[]) => void, options: ChangeBatcherOptions = {}) {
    this.#onFlush = onFlush;
    this.#debounceMs = options.debounceMs ?? 150;
    this.#maxWaitMs = options.maxWaitMs ?? 1000;
  }

  /** Adds changed paths and (re)starts the quiet period. */
  add(paths: Iterable<string>): void {
    if (this.#closed) return;
    const before = this.#paths.size;
    for (const path of paths) this.#paths.add(path);
    if (this.#paths.size === 0) return;
    if (before === 0) this.#since = Date.now();
    clearTimeout(this.#timer);
    const left = this.#maxWaitMs - (Date.now() - this.#since);
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, Math.min(this.#debounceMs, left)));
  }

  #flush(): void {
    this.#timer = undefined;
    const paths = [...this.#paths];
    this.#paths.clear();
    if (paths.length && !this.#closed) this.#onFlush(paths);
  }

  /** Drops what is pending; later `add` calls do nothing. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#paths.clear();
  }
}

/** Options for {@linkcode watchChanges}. */
export interface WatchChangesOptions extends PathFilterOptions, ChangeBatcherOptions {}

/** A running watcher. */
export interface ChangeWatcher {
  /** Stops watching; pending changes are dropped. */
  close(): void;
  /** Settles once the watcher has stopped. */
  readonly closed: Promise<void>;
}

/**
 * Watches `dirs` recursively and calls `onChange` with each debounced batch of changed source
 * files (absolute paths). Reads, and changes to ignored paths, are not changes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { watchChanges } from "./reloader.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const { promise, resolve } = Promise.withResolvers<string[]>();
 * const watcher = watchChanges([dir], resolve, { debounceMs: 20 });
 * await new Promise((r) => setTimeout(r, 50));
 * await Deno.writeTextFile(`${dir}/app.ts`, "export default 1;\n");
 * assert.deepEqual(await promise, [`${dir}/app.ts`]);
 * watcher.close();
 * await watcher.closed;
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function watchChanges(
  dirs: readonly string[],
  onChange: (paths: string[]) => void,
  options: WatchChangesOptions = {},
): ChangeWatcher {
  const fsWatcher = Deno.watchFs([...dirs], { recursive: true });
  const batcher = new ChangeBatcher(onChange, options);
  const closed = (async () => {
    try {
      for await (const event of fsWatcher) {
        if (event.kind === "access") continue;
        batcher.add(event.paths.filter((path) => isWatchedPath(path, options)));
      }
    } catch { /* closed */ }
    batcher.close();
  })();
  return {
    close() {
      batcher.close();
      try {
        fsWatcher.close();
      } catch { /* already closed */ }
    },
    closed,
  };
}
