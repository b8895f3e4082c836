// Test-only helpers for the middleware tests: a logger that keeps its lines, and running an app
// under the gateway's real server. (A Context without a server is the gateway's testContext().)
import { type App, type Logger, serve, silentLogger } from "../../gateway/mod.ts";

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
