// Test-only helpers for building a Context without a server.
import { type ContextInit, createContext } from "./context.ts";
import { silentLogger } from "./logger.ts";
import type { Context } from "./types.ts";

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
