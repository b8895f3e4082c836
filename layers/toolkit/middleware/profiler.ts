/**
 * Per-request profiles written to a folder (Werkzeug's `ProfilerMiddleware`).
 *
 * @module
 */

import process from "node:process";
import { resolve } from "node:path";
import { type App, type AppObject, type Context, toAppObject } from "../../gateway/mod.ts";
import { pathOf, wrapApp } from "./_http.ts";
import { startProfile, stopProfile } from "./_v8_profiler.ts";

/** Options for {@linkcode profiler}. */
export interface ProfilerOptions {
  /** The folder profiles are written to (created when missing). */
  dir: string;
  /**
   * `"json"` (default): a {@linkcode RequestProfile} summary per request. `"cpuprofile"`: a V8
   * CPU profile per request (open it in Chrome DevTools' Performance panel or VS Code).
   */
  format?: "json" | "cpuprofile";
  /** Which requests to profile; default all. */
  filter?: (request: Request, ctx: Context) => boolean;
  /** Profile at most this many requests per second (the rest pass unprofiled); default no limit. */
  maxPerSecond?: number;
  /** Profile at most this many requests in all; default no limit. */
  maxFiles?: number;
  /** Microseconds between CPU samples in `"cpuprofile"` format; default 100. */
  samplingInterval?: number;
}

/** What a `"json"` profile holds. */
export interface RequestProfile {
  /** The request method. */
  method: string;
  /** The request URL. */
  url: string;
  /** The response status; `null` when the app threw. */
  status: number | null;
  /** The app's error message when it threw. */
  error?: string;
  /** When the request arrived (ISO 8601). */
  startedAt: string;
  /** Milliseconds until the app returned its response. */
  appMs: number;
  /** Milliseconds until the response body was fully sent (or cancelled). */
  wallMs: number;
  /**
   * CPU time over `wallMs`, in milliseconds (`process.cpuUsage()`): the whole process's, so
   * requests running at the same time count in each other's figures.
   */
  cpu: { userMs: number; systemMs: number };
  /** Memory at the end, in bytes (`Deno.memoryUsage()`). */
  memory: { rss: number; heapUsed: number };
  /** The worker that answered. */
  workerId: number;
}

const UNSAFE = /[^A-Za-z0-9._-]+/g;
const EDGE_SLASHES = /^\/+|\/+$/g;

/**
 * Profiles requests into `options.dir`, one file each, named as Werkzeug names them:
 * `GET.api.users.12ms.1700000000000.json` (method, path with `/` as `.` or `root`, wall time,
 * arrival time in ms). The profile covers the app's work and the streaming of its body.
 *
 * `format: "json"` writes a {@linkcode RequestProfile} (wall and CPU time, status, memory).
 * `format: "cpuprofile"` writes a V8 CPU profile through `node:inspector` (works in Deno 2.9.6):
 * the sampler is process-wide, so only one request is profiled at a time (requests arriving
 * meanwhile pass unprofiled) and concurrent work shows up in it. Files are written after the
 * response, through `ctx.waitUntil()`; a failed write is logged. `maxPerSecond` and `maxFiles`
 * cap how many requests are profiled. A development tool: profiling costs time on every
 * profiled request, a lot with `"cpuprofile"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testContext } from "../../gateway/mod.ts";
 * import { profiler } from "./profiler.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const writes: Promise<unknown>[] = [];
 * const app = profiler({ dir })(() => new Response("ok"));
 * const ctx = testContext({ waitUntil: (promise) => void writes.push(promise) });
 * const response = await app.fetch(new Request("http://x/api/users"), ctx);
 * assert.equal(await response.text(), "ok");
 * await Promise.all(writes);
 * const [file] = await Array.fromAsync(Deno.readDir(dir));
 * assert.match(file.name, /^GET\.api\.users\.\d+ms\.\d{13}\.json$/);
 * const profile = JSON.parse(await Deno.readTextFile(`${dir}/${file.name}`));
 * assert.equal(profile.status, 200);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function profiler(options: ProfilerOptions): (app: App) => AppObject {
  if (typeof options?.dir !== "string" || options.dir === "") {
    throw new TypeError('Cannot create profiler: "dir" must name a folder');
  }
  const format = options.format ?? "json";
  if (format !== "json" && format !== "cpuprofile") {
    throw new TypeError(`Cannot create profiler: unknown format "${format}"`);
  }
  const dir = resolve(options.dir);
  const filter = options.filter;
  const interval = positive(options.samplingInterval, 100, "samplingInterval");
  const budget = new ProfileBudget(
    positive(options.maxPerSecond, Infinity, "maxPerSecond"),
    positive(options.maxFiles, Infinity, "maxFiles"),
  );
  let folder: Promise<void> | undefined;
  const write = async (name: string, text: string) => {
    await (folder ??= Deno.mkdir(dir, { recursive: true }).catch((error) => {
      folder = undefined;
      throw error;
    }));
    await writeNew(dir, name, text);
  };

  return (app) => {
    const inner = toAppObject(app);
    return wrapApp(inner, async (request, ctx) => {
      if ((filter && !filter(request, ctx)) || !budget.take()) return inner.fetch(request, ctx);
      const started = Date.now();
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      if (
        format === "cpuprofile" &&
        !(await startProfile(interval).catch((failure) => {
          ctx.log.error("Cannot start a CPU profile", failure);
          return false;
        }))
      ) {
        budget.giveBack();
        return inner.fetch(request, ctx);
      }
      let status: number | null = null;
      let error: string | undefined;
      let appMs = 0;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        const wallMs = performance.now() - t0;
        const base = fileName(request.method, request.url, wallMs, started);
        const work = format === "cpuprofile"
          ? stopProfile().then((profile) => write(`${base}.cpuprofile`, JSON.stringify(profile)))
          : write(
            `${base}.json`,
            JSON.stringify(
              summary(request, ctx, { status, error, started, appMs, wallMs, cpu0 }),
              null,
              2,
            ) + "\n",
          );
        ctx.waitUntil(
          work.catch((failure) =>
            ctx.log.error(`Cannot write the profile of ${request.method} ${request.url}`, failure)
          ),
        );
      };
      let response: Response;
      try {
        response = await inner.fetch(request, ctx);
      } catch (thrown) {
        appMs = performance.now() - t0;
        error = thrown instanceof Error ? thrown.message : String(thrown);
        finish();
        throw thrown;
      }
      appMs = performance.now() - t0;
      status = response.status;
      if (response.body === null) {
        finish();
        return response;
      }
      const watched = new TransformStream<Uint8Array, Uint8Array>({
        flush: finish,
        cancel: finish,
      } as Transformer<Uint8Array, Uint8Array>);
      return new Response(response.body.pipeThrough(watched), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    });
  };
}

function summary(
  request: Request,
  ctx: Context,
  run: {
    status: number | null;
    error: string | undefined;
    started: number;
    appMs: number;
    wallMs: number;
    cpu0: ReturnType<typeof process.cpuUsage>;
  },
): RequestProfile {
  const cpu = process.cpuUsage(run.cpu0);
  const memory = Deno.memoryUsage();
  const profile: RequestProfile = {
    method: request.method,
    url: request.url,
    status: run.status,
    startedAt: new Date(run.started).toISOString(),
    appMs: round(run.appMs),
    wallMs: round(run.wallMs),
    cpu: { userMs: round(cpu.user / 1000), systemMs: round(cpu.system / 1000) },
    memory: { rss: memory.rss, heapUsed: memory.heapUsed },
    workerId: ctx.workerId,
  };
  if (run.error !== undefined) profile.error = run.error;
  return profile;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Werkzeug's `{method}.{path}.{elapsed:.0f}ms.{time:.0f}`, with the time in ms. */
function fileName(method: string, url: string, wallMs: number, started: number): string {
  const path = pathOf(url).replace(EDGE_SLASHES, "").replaceAll("/", ".").replace(UNSAFE, "_")
    .slice(0, 100) || "root";
  return `${method.replace(UNSAFE, "_")}.${path}.${Math.round(wallMs)}ms.${started}`;
}

/** Writes a file that does not exist yet: `name`, else `name` with `-1`, `-2`… before the extension. */
async function writeNew(dir: string, name: string, text: string): Promise<void> {
  const dot = name.lastIndexOf(".");
  for (let n = 0;; n++) {
    const candidate = n === 0 ? name : `${name.slice(0, dot)}-${n}${name.slice(dot)}`;
    try {
      await Deno.writeTextFile(`${dir}/${candidate}`, text, { createNew: true });
      return;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists) || n >= 100) throw error;
    }
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!(result > 0)) {
    throw new TypeError(`Cannot create profiler: "${name}" must be above 0, got ${value}`);
  }
  return result;
}

/** How many more requests may be profiled: per second and in all. */
class ProfileBudget {
  #perSecond: number;
  #total: number;
  #second = 0;
  #inSecond = 0;
  #used = 0;

  constructor(perSecond: number, total: number) {
    this.#perSecond = perSecond;
    this.#total = total;
  }

  take(): boolean {
    if (this.#used >= this.#total) return false;
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#inSecond = 0;
    }
    if (this.#inSecond >= this.#perSecond) return false;
    this.#inSecond++;
    this.#used++;
    return true;
  }

  giveBack(): void {
    this.#used--;
    this.#inSecond--;
  }
}
