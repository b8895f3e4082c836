/**
 * One generation of the app under `ngw2f dev --reload`: a Worker (a fresh module graph, so
 * changed files are read again) that loads the app and serves it on the shared sockets
 * (`reusePort`), until the main thread asks it to stop.
 *
 * @module
 */

import {
  AppLoadError,
  type AppObject,
  compose,
  createLogger,
  loadApp,
  type Middleware,
  serve,
  type Server,
  validate,
} from "../../gateway/mod.ts";
import { debugMiddleware } from "./debug_middleware.ts";
import { DEV_WORKER_NAME, type FromGeneration, type ToGeneration } from "./_dev_protocol.ts";
import type { LoadFailure } from "./load_error_page.ts";
import { collectError } from "./stack_trace.ts";

const scope = globalThis as unknown as {
  name?: string;
  postMessage(message: FromGeneration): void;
  onmessage: ((event: MessageEvent<ToGeneration>) => void) | null;
  close(): void;
};

let server: Server | undefined;
let stopRequested = false;

async function fail(stage: LoadFailure["stage"], error: unknown, file?: string): Promise<void> {
  const failure: LoadFailure = { stage, error: await collectError(error) };
  if (file) failure.file = file;
  scope.postMessage({ type: "failed", failure });
}

async function start(settings: Extract<ToGeneration, { type: "start" }>["settings"]) {
  const log = createLogger({ level: settings.logLevel });
  const accessLog = settings.accessLog
    ? createLogger({ level: "info", bare: true, stream: "stdout" })
    : null;
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    log.error("Uncaught error", event.error);
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    log.error("Unhandled rejection", event.reason);
  });
  let app: AppObject;
  // The framework's apps let unhandled errors through to the debug page (Flask's debug mode).
  if (settings.debug) Deno.env.set("NGW2F_DEBUG", "1");
  try {
    app = await loadApp(settings.spec, { cwd: settings.cwd });
  } catch (error) {
    return await fail("load", error, error instanceof AppLoadError ? error.file : undefined);
  }
  const middlewares: Middleware[] = [];
  if (settings.debug) middlewares.push(debugMiddleware());
  if (settings.validate) middlewares.push(validate);
  const wrapped = middlewares.length ? compose(...middlewares)(app) : app;
  try {
    server = await serve(wrapped, {
      bind: settings.bind,
      rootPath: settings.rootPath,
      keepAliveTimeout: settings.keepAliveTimeout,
      gracefulTimeout: settings.gracefulTimeout,
      reusePort: true,
      log,
      accessLog,
    });
  } catch (error) {
    const listen = error instanceof Error && error.message.startsWith("Cannot listen");
    // The message of a failing startup() names the stage; show its cause (the app's own error).
    const shown = !listen && error instanceof Error && error.cause !== undefined
      ? error.cause
      : error;
    return await fail(listen ? "listen" : "startup", shown);
  }
  scope.postMessage({ type: "listening", addrs: [...server.addrs] });
  if (stopRequested) await stop();
}

async function stop() {
  stopRequested = true;
  if (!server) return;
  await server.shutdown();
  scope.postMessage({ type: "stopped" });
}

if (scope.name === DEV_WORKER_NAME) {
  scope.onmessage = (event) => {
    const message = event.data;
    if (message.type === "start") start(message.settings);
    else if (message.type === "stop") stop();
  };
}
