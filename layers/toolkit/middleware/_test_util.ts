// Test-only helpers for the middleware tests: a Context without a server, a logger that keeps
// its lines, and running an app under the gateway's real server.
import {
  type App,
  type Context,
  type ContextInit,
  createContext,
  type Logger,
  serve,
  silentLogger,
} from "../../gateway/mod.ts";

/** A Context as the reference server would build it for a request from 127.0.0.1. */
export function testContext(overrides: Partial<ContextInit> = {}): Context {
  const serverAddr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 8000 };
  return createContext({
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 50123 },
    serverAddr,
    scheme: "http",
    protocol: "HTTP/1.1",
    serverName: "localhost",
    rootPath: "",
    workerId: 1,
    workerCount: 1,
    signal: new AbortController().signal,
    completed: Promise.resolve(),
    log: silentLogger,
    waitUntil: () => {},
    ...overrides,
  });
}

/** A logger that records every line as `"<level>: <message>"`. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (message) => lines.push(`debug: ${message}`),
    info: (message) => lines.push(`info: ${message}`),
    warn: (message) => lines.push(`warn: ${message}`),
    error: (message) => lines.push(`error: ${message}`),
  };
}

/** Serves `app` on 127.0.0.1:0 for the length of `run`, passing it the base URL. */
export async function withServer(
  app: App,
  run: (base: string) => Promise<void>,
  options: { log?: Logger } = {},
): Promise<void> {
  const server = await serve(app, {
    bind: "127.0.0.1:0",
    accessLog: null,
    log: options.log ?? silentLogger,
  });
  try {
    const { port } = server.addrs[0] as Deno.NetAddr;
    await run(`http://127.0.0.1:${port}`);
  } finally {
    await server.shutdown();
  }
}
