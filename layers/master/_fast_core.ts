// The app program's default core: Deno.serve with reusePort, the limits it cannot enforce
// itself checked per request, and the worker's bookkeeping inline. Private to master/.

import {
  type AppObject,
  bindUnix,
  createContext,
  listenError,
  type Logger,
  type parseBind,
  type UnixBinding,
} from "../gateway/mod.ts";
import type { AppProgramConfig } from "./app_program.ts";
import type { ProgramContext, RunningProgram, WorkerStats } from "./protocol.ts";

/** What the default core needs from the app program around it. */
export interface FastCoreHooks {
  enter(request: Request): { token: number; request: Request; since: number };
  leave(entry: { token: number; request: Request; since: number }): void;
  stats(connections: number): WorkerStats;
  closeLogs(): void;
  reopenLogs(): void;
}

/** Milliseconds a fast-core worker lingers after its servers shut down (see drain). */
const FAST_CORE_LINGER = 500;

export function tooLarge(status: number, text: string): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", connection: "close" },
  });
}

/** The limits `Deno.serve` cannot enforce while parsing, checked on the parsed request. */
function checkLimits(request: Request, config: AppProgramConfig): Response | undefined {
  const url = request.url;
  // The whole URL is longer than its target: when it fits, the request line does too.
  if (config.limitRequestLine > 0 && url.length + 17 > config.limitRequestLine) {
    const target = url.length - url.indexOf("/", url.indexOf("//") + 2);
    if (request.method.length + target + 10 > config.limitRequestLine) {
      return tooLarge(414, "URI Too Long");
    }
  }
  if (config.checkFields && (config.limitRequestFields > 0 || config.limitRequestFieldSize > 0)) {
    let fields = 0;
    // Headers merges repeated names ("a, b"): distinct names are counted, and a merged value is
    // measured part by part so that repeats are not taken for one long field.
    const limit = config.limitRequestFieldSize;
    for (const [name, value] of request.headers) {
      fields++;
      if (limit > 0 && name.length + value.length + 2 > limit) {
        const longest = Math.max(...value.split(", ").map((part) => part.length));
        if (name.length + longest + 2 > limit) {
          return tooLarge(431, "Request Header Fields Too Large");
        }
      }
    }
    if (config.limitRequestFields > 0 && fields > config.limitRequestFields) {
      return tooLarge(431, "Request Header Fields Too Large");
    }
  }
  if (config.limitRequestBody > 0 && request.body) {
    const length = Number(request.headers.get("content-length") ?? NaN);
    if (length > config.limitRequestBody) return tooLarge(413, "Content Too Large");
  }
  return undefined;
}

/** A body that errors once it passes `limit` bytes. */
function limitBody(body: ReadableStream<Uint8Array>, limit: number): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        seen += chunk.length;
        if (seen > limit) {
          controller.error(new RangeError(`the body is larger than ${limit} bytes`));
        } else controller.enqueue(chunk);
      },
    }),
  );
}

/** Whether `addr` may say the original scheme (gunicorn's forwarded_allow_ips). */
export function trusted(addr: Deno.Addr, allowed: string[]): boolean {
  const remote = "hostname" in addr ? addr.hostname : "unix";
  return allowed.includes(remote) || allowed.includes("*");
}

/** Whether the request says, through X-Forwarded-Proto, that it came over HTTPS. */
export function isHttpsForwarded(request: Request): boolean {
  const proto = request.headers.get("x-forwarded-proto");
  return proto !== null && proto.split(",")[0].trim().toLowerCase() === "https";
}

export async function startFastCore(
  appObject: AppObject,
  addresses: ReturnType<typeof parseBind>[],
  settings: AppProgramConfig,
  context: ProgramContext,
  errorLog: Logger,
  hooks: FastCoreHooks,
): Promise<RunningProgram> {
  const allowed = settings.forwardedAllowIps;
  const { enter, leave } = hooks;
  await appObject.startup?.({
    workerId: context.workerId,
    workerCount: context.workerCount,
    serverAddrs: addresses.map((a) =>
      a.transport === "tcp" ? { ...a } : { transport: "unix" as const, path: a.path }
    ),
    log: errorLog,
  });
  const abort = new AbortController();
  let inflight = 0;
  const tls = settings.certfile && settings.keyfile
    ? {
      cert: await Deno.readTextFile(settings.certfile),
      key: await Deno.readTextFile(settings.keyfile),
    }
    : {};
  const servers: Deno.HttpServer[] = [];
  const unixBindings: UnixBinding[] = [];
  for (const address of addresses) {
    // A unix path takes one listener: the first worker owns it.
    if (address.transport === "unix" && context.workerId !== 1) continue;
    const scheme: "http" | "https" = "cert" in tls ? "https" : "http";
    const serverName = address.transport === "tcp" ? address.hostname : "localhost";
    // Built once per listener, not per request.
    const serverAddr: Deno.Addr = address.transport === "tcp"
      ? { transport: "tcp", hostname: address.hostname, port: address.port }
      : { transport: "unix", path: address.path };
    const waitUntil = (promise: Promise<unknown>) => {
      promise.catch((error) => errorLog.error("A waitUntil() promise failed", error));
    };
    const failed = (request: Request, error: unknown): Response => {
      if (error instanceof RangeError && /larger than/.test(error.message)) {
        return tooLarge(413, "Content Too Large");
      }
      if (error instanceof Deno.errors.BadResource && /read body/i.test(error.message)) {
        // The client stopped sending its body: its fault, not the app's.
        errorLog.info(`Incomplete request body for ${request.method} ${request.url}`);
        return tooLarge(400, "Bad Request: the request body was cut short");
      }
      errorLog.error(`Error handling ${request.method} ${request.url}`, error);
      return new Response("Internal Server Error\n", {
        status: 500,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    };
    // Not async: an app that answers at once (most hello-worlds, every cached page) costs no
    // promise here; one that returns a promise is finished in its callbacks.
    const handler = (
      request: Request,
      info: Deno.ServeHandlerInfo<Deno.Addr>,
    ): Response | Promise<Response> => {
      const refused = checkLimits(request, settings);
      if (refused) return refused;
      if (inflight >= settings.workerConnections) {
        return new Response("Service Unavailable: too many requests at once\n", {
          status: 503,
          headers: { "content-type": "text/plain; charset=utf-8", "retry-after": "1" },
        });
      }
      if (
        settings.limitRequestBody > 0 && request.body && !request.headers.has("content-length")
      ) {
        request = new Request(request, {
          body: limitBody(request.body, settings.limitRequestBody),
        });
      }
      // A trusted proxy may say the client came over HTTPS: read only if the app asks
      // (reading the headers costs ~1 µs, a seventh of Deno.serve's whole cost per request).
      const requestScheme = scheme === "http" && allowed.length > 0 &&
          trusted(info.remoteAddr, allowed)
        ? () => isHttpsForwarded(request) ? "https" as const : "http" as const
        : scheme;
      inflight++;
      const entry = enter(request);
      const done = () => {
        inflight--;
        leave(entry);
      };
      let result: Response | Promise<Response>;
      try {
        result = appObject.fetch(
          request,
          createContext({
            remoteAddr: info.remoteAddr,
            completed: info.completed,
            serverAddr,
            scheme: requestScheme,
            protocol: "HTTP/1.1",
            serverName,
            rootPath: "",
            workerId: context.workerId,
            workerCount: context.workerCount,
            // Deno.serve builds request.signal on first access: pay only when it is used.
            signal: () => request.signal,
            log: errorLog,
            waitUntil,
          }),
        );
      } catch (error) {
        done();
        return failed(request, error);
      }
      if (result instanceof Response) {
        done();
        return result;
      }
      return Promise.resolve(result).then((response) => {
        done();
        return response;
      }, (error) => {
        done();
        return failed(request, error);
      });
    };
    const start = (
      options: { hostname: string; port: number; reusePort: true } | { path: string },
    ) =>
      servers.push(Deno.serve({
        ...options,
        ...tls,
        signal: abort.signal,
        onListen() {},
        onError(error) {
          errorLog.error("Request failed", error);
          return new Response("Internal Server Error\n", { status: 500 });
        },
      } as Deno.ServeTcpOptions, handler));
    try {
      if (address.transport === "tcp") {
        start({ hostname: address.hostname, port: address.port, reusePort: true });
      } else {
        // The path is taken over from a live predecessor (reload, upgrade) by rename.
        unixBindings.push(
          await bindUnix(address.path, { takeOver: true }, (path) => {
            start({ path });
          }),
        );
      }
    } catch (error) {
      abort.abort();
      throw listenError(settings.bind[addresses.indexOf(address)], error);
    }
  }
  return {
    stats: () => hooks.stats(inflight),
    async drain(graceful) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let done = false;
      const finished = Promise.all(servers.map((s) => s.shutdown())).then(() => done = true);
      const cut = new Promise<void>((resolve) => timer = setTimeout(resolve, graceful * 1000));
      await Promise.race([finished, cut]);
      clearTimeout(timer);
      for (const binding of unixBindings) await binding.release();
      // Past the graceful timeout, requests still running are cut.
      if (!done) abort.abort();
      // Deno.serve's shutdown() can settle while connections it accepted last are still being
      // handed to hyper; ending the worker at once would drop them. Linger a moment.
      else await new Promise((resolve) => setTimeout(resolve, FAST_CORE_LINGER));
      await appObject.shutdown?.();
      hooks.closeLogs();
    },
    reopenLogs: hooks.reopenLogs,
  };
}
