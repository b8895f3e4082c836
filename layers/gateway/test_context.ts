/**
 * A ready-made {@linkcode Context} for tests, benchmarks and examples: what the reference server
 * would pass for a request from 127.0.0.1, without a server.
 *
 * @module
 */

import { type ContextInit, createContext } from "./context.ts";
import { silentLogger } from "./logger.ts";
import type { Context } from "./types.ts";

const LOCALHOST = "127.0.0.1";
const noop = () => {};

/**
 * A Context as the reference server would build it for an HTTP/1.1 request from
 * `127.0.0.1:50123` to `127.0.0.1:8000` ("localhost", at the root, worker 1 of 1, a silent
 * log, a signal that never aborts, `waitUntil()` ignoring its promise); `overrides` replaces
 * any of these.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testContext } from "./test_context.ts";
 * import type { Context } from "./types.ts";
 *
 * const app = (request: Request, ctx: Context) =>
 *   new Response(`${ctx.scheme} ${ctx.rootPath}${new URL(request.url).pathname}`);
 * const response = await app(new Request("http://x/users"), testContext({ rootPath: "/api" }));
 * assert.equal(await response.text(), "http /api/users");
 * assert.equal(testContext({ scheme: "https" }).scheme, "https");
 * assert.equal((testContext().remoteAddr as Deno.NetAddr).hostname, "127.0.0.1");
 * ```
 */
export function testContext(overrides: Partial<ContextInit> = {}): Context {
  return createContext(testContextInit(overrides));
}

/**
 * What {@linkcode testContext} passes to {@linkcode createContext}: the same defaults and
 * `overrides`, for code that builds many contexts from one init (benchmarks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createContext } from "./context.ts";
 * import { testContextInit } from "./test_context.ts";
 *
 * const init = testContextInit({ workerCount: 4 });
 * assert.equal(init.serverName, "localhost");
 * assert.equal(createContext(init).workerCount, 4);
 * ```
 */
export function testContextInit(overrides: Partial<ContextInit> = {}): ContextInit {
  return {
    remoteAddr: { transport: "tcp", hostname: LOCALHOST, port: 50123 },
    serverAddr: { transport: "tcp", hostname: LOCALHOST, port: 8000 },
    scheme: "http",
    protocol: "HTTP/1.1",
    serverName: "localhost",
    rootPath: "",
    workerId: 1,
    workerCount: 1,
    signal: new AbortController().signal,
    completed: Promise.resolve(),
    log: silentLogger,
    waitUntil: noop,
    ...overrides,
  };
}
