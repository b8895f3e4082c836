/**
 * The first worker program: serve a gateway app on the master's listeners.
 *
 * Two HTTP cores, chosen by `protected`:
 * - default, `Deno.serve` with `reusePort` (hyper): the fastest; limits that need no socket
 *   access (request line 414, header fields 431, body 413, concurrency 503) are checked per
 *   request, but there are no header-read, idle or body timeouts. Run it behind the proxy.
 * - protected, the gateway's own HTTP/1.1 core: header, idle and body timeouts, the same limits
 *   enforced while parsing, and correct answers to half-closed clients — at about 3× the CPU
 *   per request. For direct exposure.
 *
 * @module
 */

import {
  type AppObject,
  type Context,
  createContext,
  loadApp,
  type Logger,
  type LogLevel,
  parseBind,
  serve as serveGateway,
  type Server,
} from "../gateway/mod.ts";
import { type Hooks, loadHooks, runHook, type WorkerInfo } from "./hooks.ts";
import { isHttpsForwarded, startFastCore, trusted } from "./_fast_core.ts";
import { createAccessFormatter, openLog } from "./logging.ts";
import type { ProgramContext, RunningProgram, WorkerStats } from "./protocol.ts";

/** What the master sends an app worker. */
export interface AppProgramConfig {
  /** The app spec, `file.ts[:export]`, with an absolute path. */
  app: string;
  /** The directory the worker runs in. */
  cwd: string;
  /** Where to listen (port 0 already resolved). */
  bind: string[];
  /** Use the gateway's own HTTP/1.1 core (timeouts, limits while parsing). */
  protected: boolean;
  /** The worker's class, for hooks. */
  workerClass: "thread" | "process";
  /** Seconds an idle keep-alive connection stays open (protected core). */
  keepAlive: number;
  /** Seconds to receive a request head (protected core). */
  headerTimeout: number;
  /** Seconds to wait for each piece of a body (protected core). */
  bodyTimeout: number;
  /** Seconds a drain waits for requests in flight. */
  gracefulTimeout: number;
  /** Longest request line (414); 0 no limit. */
  limitRequestLine: number;
  /** Most header fields (431); 0 no limit. */
  limitRequestFields: number;
  /**
   * Whether the default core checks the header-field limits per request. Left at their
   * defaults, they are hyper's to enforce (it caps a head at 128 fields and ~64 KiB, answering
   * 400): walking every header costs ~1.4 µs a request, a fifth of Deno.serve's whole cost.
   */
  checkFields: boolean;
  /** Longest header field (431); 0 no limit. */
  limitRequestFieldSize: number;
  /** Largest body in bytes (413); 0 no limit. */
  limitRequestBody: number;
  /** Most requests at once (503 past it). */
  workerConnections: number;
  /** Requests after which this worker asks to be replaced; 0 never. */
  maxRequests: number;
  /** The access log: a path, `"-"` for stdout, or null for none. */
  accessLog: string | null;
  /** `"combined"`, `"json"` or gunicorn atoms. */
  accessLogFormat: string;
  /** The error log: a path or `"-"` for stderr. */
  errorLog: string;
  /** The error log's level. */
  logLevel: LogLevel;
  /** The TLS certificate (PEM), with `keyfile`. */
  certfile: string | null;
  /** The TLS key (PEM), with `certfile`. */
  keyfile: string | null;
  /** The hooks module, an absolute path. */
  hooks: string | null;
  /** Clients trusted to say the original scheme in X-Forwarded-Proto (`*` trusts all). */
  forwardedAllowIps: string[];
}

/** Starts serving the app: the worker program's `start`. */
export async function start(ctx: ProgramContext): Promise<RunningProgram> {
  const config = ctx.config as AppProgramConfig;
  const tag = `worker ${ctx.workerId}`;
  const log = openLog(config.errorLog, { level: config.logLevel, tag, stream: "stderr" });
  const accessSink = config.accessLog === null
    ? null
    : openLog(config.accessLog, { tag, bare: true, stream: "stdout" });
  const format = accessSink ? createAccessFormatter(config.accessLogFormat) : null;
  const hooks: Hooks = await loadHooks(config.hooks);
  const worker: WorkerInfo = {
    id: ctx.workerId,
    pid: Deno.pid,
    generation: ctx.generation,
    workerClass: config.workerClass,
    log,
  };
  await runHook(hooks, "postFork", log, {
    pid: Deno.pid,
    workers: ctx.workerCount,
    generation: ctx.generation,
    log,
  }, worker);

  if (config.cwd) Deno.chdir(config.cwd);
  const app = await loadApp(config.app, { cwd: config.cwd });
  let requests = 0;
  const running = new Set<{ request: Request; since: number }>();
  // The protected core writes the access log itself, with the bytes really sent.
  const decorated = decorate(app, !config.protected);
  // A clock read per request costs; a timeout report needs the time to within 50 ms only. The
  // clock ticks only while requests come: an idle worker does not wake up for it.
  const clock = {
    now: 0,
    ticker: undefined as ReturnType<typeof setInterval> | undefined,
    /** Requests entered, and as many at the last tick. */
    entered: 0,
    seen: 0,
  };
  const tick = () => {
    if (clock.entered === clock.seen) {
      clearInterval(clock.ticker);
      clock.ticker = undefined;
      return;
    }
    clock.seen = clock.entered;
    clock.now = Date.now();
  };
  const allowed = config.forwardedAllowIps;
  // Process workers cannot share memory with the master: they list requests in heartbeats.
  const listRunning = config.workerClass === "process";

  const binds = config.bind.map((b) => parseBind(b));
  let program: RunningProgram;
  if (config.protected) {
    // The gateway core builds the context; the bookkeeping wraps the app.
    const tracked: AppObject = {
      startup: app.startup,
      shutdown: app.shutdown,
      async fetch(request, requestCtx) {
        if (allowed.length > 0 && requestCtx.scheme === "http") {
          requestCtx = forwardedContext(request, requestCtx, allowed) ?? requestCtx;
        }
        const entry = enter(request);
        try {
          return await decorated.fetch(request, requestCtx);
        } finally {
          leave(entry);
        }
      },
    };
    program = await startProtected(tracked, binds, config, ctx, log);
  } else {
    program = await startFastCore(decorated, binds, config, ctx, log, {
      enter,
      leave,
      stats,
      closeLogs: () => log.close?.(),
      reopenLogs: () => {
        log.reopen?.();
        (accessSink as { reopen?: () => void } | null)?.reopen?.();
      },
    });
  }
  await runHook(hooks, "postWorkerInit", log, worker);
  program.interrupt = () => runHook(hooks, "workerInt", log, worker);
  program.abort = () => runHook(hooks, "workerAbort", log, worker);
  return program;

  /** Notes a request as started (shared-memory trace, heartbeat list); see `leave`. */
  function enter(request: Request): { token: number; request: Request; since: number } {
    clock.entered++;
    if (clock.ticker === undefined) {
      clock.now = Date.now();
      clock.seen = clock.entered;
      const ticker = setInterval(tick, 50);
      Deno.unrefTimer(ticker);
      clock.ticker = ticker;
    }
    const since = clock.now;
    const entry = { token: ctx.beginRequest(request.method, request.url, since), request, since };
    if (listRunning) running.add(entry);
    return entry;
  }

  /** Notes a request as done, and asks for a replacement after max-requests. */
  function leave(entry: { token: number; request: Request; since: number }): void {
    ctx.endRequest(entry.token);
    if (listRunning) running.delete(entry);
    if (++requests === config.maxRequests) {
      log.info(`Served ${requests} requests (max-requests): asking to be replaced`);
      ctx.retire(`served ${requests} requests (max-requests)`);
    }
  }

  /** The app with the request hooks and the access log around it, when there are any. */
  function decorate(inner: AppObject, logAccess: boolean): AppObject {
    const { preRequest, postRequest } = hooks;
    const access = logAccess && format && accessSink ? { format, accessSink } : undefined;
    if (!preRequest && !postRequest && !access) return inner;
    return {
      startup: inner.startup,
      shutdown: inner.shutdown,
      async fetch(request, requestCtx) {
        const since = Date.now();
        if (preRequest) await runHook(hooks, "preRequest", log, worker, request);
        const response = await inner.fetch(request, requestCtx);
        if (postRequest) await runHook(hooks, "postRequest", log, worker, request, response);
        if (access) {
          // The default core cannot see the bytes written: the declared length stands for them.
          const bytes = Number(response.headers.get("content-length") ?? 0) || 0;
          access.accessSink.info(access.format({
            remoteAddr: requestCtx.remoteAddr,
            request,
            protocol: requestCtx.protocol,
            status: response.status,
            bytes,
            durationMs: Date.now() - since,
            workerId: worker.id,
            responseHeaders: response.headers,
          }));
        }
        return response;
      },
    };
  }

  function stats(connections: number): WorkerStats {
    return {
      requests,
      connections,
      inflight: [...running].slice(0, 4).map(({ request, since }) => {
        const url = request.url;
        return { method: request.method, path: url.slice(url.indexOf("/", 8)), since };
      }),
      heapUsed: 0,
    };
  }

  async function startProtected(
    appObject: AppObject,
    addresses: ReturnType<typeof parseBind>[],
    settings: AppProgramConfig,
    context: ProgramContext,
    errorLog: Logger,
  ): Promise<RunningProgram> {
    const servers: Server[] = [];
    for (const address of addresses) {
      if (address.transport === "unix" && context.workerId !== 1) continue;
      servers.push(
        await serveGateway(appObject, {
          bind: config.bind[addresses.indexOf(address)],
          reusePort: true,
          log: errorLog,
          accessLog: accessSink,
          ...(format ? { accessFormat: format } : {}),
          workerId: context.workerId,
          workerCount: context.workerCount,
          headerTimeout: settings.headerTimeout,
          bodyTimeout: settings.bodyTimeout,
          keepAliveTimeout: settings.keepAlive,
          gracefulTimeout: settings.gracefulTimeout,
          maxRequestLine: settings.limitRequestLine || 65536,
          maxHeaders: settings.limitRequestFields || 1000,
          maxFieldSize: settings.limitRequestFieldSize || 65536,
          maxBodySize: settings.limitRequestBody,
          maxInflight: settings.workerConnections,
        }),
      );
    }
    return {
      stats: () => stats(servers.reduce((n, s) => n + s.stats().connections, 0)),
      async drain(graceful) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const finished = Promise.all(servers.map((s) => s.shutdown()));
        const cut = new Promise<void>((resolve) => timer = setTimeout(resolve, graceful * 1000));
        await Promise.race([finished, cut]);
        clearTimeout(timer);
        log.close?.();
      },
      reopenLogs() {
        log.reopen?.();
        (accessSink as { reopen?: () => void } | null)?.reopen?.();
      },
    };
  }
}

/**
 * The context of a request from a trusted proxy (gunicorn's forwarded_allow_ips), whose scheme
 * says what X-Forwarded-Proto says — read on first use. `request.url` keeps the last hop's scheme.
 */
function forwardedContext(request: Request, ctx: Context, allowed: string[]): Context | undefined {
  if (!trusted(ctx.remoteAddr, allowed)) return undefined;
  return createContext({
    remoteAddr: ctx.remoteAddr,
    completed: ctx.completed,
    scheme: () => isHttpsForwarded(request) ? "https" : "http",
    protocol: ctx.protocol,
    serverAddr: ctx.serverAddr,
    serverName: ctx.serverName,
    rootPath: ctx.rootPath,
    workerId: ctx.workerId,
    workerCount: ctx.workerCount,
    signal: () => ctx.signal,
    log: ctx.log,
    waitUntil: (promise) => ctx.waitUntil(promise),
  });
}
