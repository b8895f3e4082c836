/**
 * A run-time checker for the gateway contract, in the spirit of Python's `wsgiref.validate`:
 * wrap an app in {@linkcode validate} and every request is checked on the way in (did the server
 * keep its side?) and every response on the way out (did the app keep its?).
 *
 * It is a development tool: it wraps each response body in a stream that counts bytes and checks
 * chunk types, which costs a little per chunk.
 *
 * @example Catching a hop-by-hop header
 * ```ts
 * import assert from "node:assert/strict";
 * import { validate, ValidationError } from "./validate.ts";
 * import { createContext } from "./context.ts";
 * import { silentLogger } from "./logger.ts";
 *
 * const addr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 8000 };
 * const ctx = createContext({
 *   remoteAddr: addr, serverAddr: addr, scheme: "http", protocol: "HTTP/1.1",
 *   serverName: "localhost", rootPath: "", workerId: 1, workerCount: 1,
 *   signal: new AbortController().signal, completed: Promise.resolve(),
 *   log: silentLogger, waitUntil: () => {},
 * });
 * const app = validate(() =>
 *   new Response("hi", { headers: { connection: "close" } })
 * );
 * await assert.rejects(
 *   async () => await app.fetch(new Request("http://localhost/"), ctx),
 *   new ValidationError("app", ['response has hop-by-hop header "connection"']),
 * );
 * ```
 *
 * @module
 */

import { toAppObject } from "./app.ts";
import { canLog, checkResponse, checkServer, contentLength, describe } from "./_validate_checks.ts";
import type { App, AppObject, Context } from "./types.ts";

/**
 * One or more breaches of the gateway contract found at one check point.
 *
 * @example A server that passed no context
 * ```ts
 * import assert from "node:assert/strict";
 * import { validate, ValidationError } from "./validate.ts";
 * import type { Context } from "./types.ts";
 *
 * const app = validate(() => new Response("ok"));
 * const error = await Promise.resolve(app.fetch(new Request("http://localhost/"), {} as Context))
 *   .catch((error) => error);
 * assert(error instanceof ValidationError);
 * assert.equal(error.side, "server");
 * assert.equal(error.violations[0], "ctx.remoteAddr is undefined, not a Deno.Addr");
 * assert.match(error.message, /^Gateway contract broken by the server: ctx\.remoteAddr/);
 * ```
 */
export class ValidationError extends Error {
  /** Who broke the contract. */
  readonly side: "server" | "app";
  /** Each violation found, as a sentence fragment. */
  readonly violations: string[];
  /** Creates the error; the message lists every violation, separated by `; `. */
  constructor(side: "server" | "app", violations: string[], options: { cause?: unknown } = {}) {
    super(`Gateway contract broken by the ${side}: ${violations.join("; ")}`, options);
    this.name = "ValidationError";
    this.side = side;
    this.violations = violations;
  }
}

/**
 * Wraps an app so that both sides of the gateway contract are checked on every request, keeping
 * the app's `startup` and `shutdown`.
 *
 * On entry it checks the request and context the server passed; on exit, the app's response
 * (a `Response`, not reused, a fitting status, no hop-by-hop headers, a Content-Type when there
 * is a body, no body for 1xx/204/205/304, a well-formed Content-Length), and while the body
 * streams, that every chunk is a `Uint8Array` and the byte count matches the Content-Length.
 * An app throwing a non-`Error` is a violation; an `Error` it throws is re-thrown unchanged.
 *
 * @example A Content-Length that does not match the body
 * ```ts
 * import assert from "node:assert/strict";
 * import { validate, ValidationError } from "./validate.ts";
 * import { createContext } from "./context.ts";
 *
 * const warnings: string[] = [];
 * const log = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
 * const addr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 8000 };
 * const ctx = createContext({
 *   remoteAddr: addr, serverAddr: addr, scheme: "http", protocol: "HTTP/1.1",
 *   serverName: "localhost", rootPath: "", workerId: 1, workerCount: 1,
 *   signal: new AbortController().signal, completed: Promise.resolve(),
 *   log, waitUntil: () => {},
 * });
 * const liar = () => new Response("hi", { headers: { "content-length": "5" } });
 *
 * // By default the body stream errors once the bytes do not add up.
 * const strict = await validate(liar).fetch(new Request("http://localhost/"), ctx);
 * const failure = await strict.text().catch((error) => error);
 * assert(failure instanceof ValidationError);
 *
 * // With onViolation: "log" the body passes through and the violation is logged.
 * const lenient = await validate(liar, { onViolation: "log" })
 *   .fetch(new Request("http://localhost/"), ctx);
 * assert.equal(await lenient.text(), "hi");
 * assert.match(warnings[0], /response body is 2 bytes but its content-length is 5$/);
 * ```
 */
export function validate(
  app: App,
  options: {
    /**
     * `"throw"` (the default) throws a {@linkcode ValidationError}, or errors the body stream
     * with one; `"log"` writes each violation with `ctx.log.warn` and passes everything through
     * unchanged. When `ctx.log` itself is broken, violations are thrown either way.
     */
    onViolation?: "throw" | "log";
  } = {},
): AppObject {
  const inner = toAppObject(app);
  const logMode = options.onViolation === "log";
  const seen = new WeakSet<Response>();

  const report = (ctx: Context, side: "server" | "app", found: string[], cause?: unknown) => {
    if (!logMode || !canLog(ctx)) throw new ValidationError(side, found, { cause });
    for (const violation of found) {
      ctx.log.warn(`Gateway contract broken by the ${side}: ${violation}`);
    }
  };

  const validated: AppObject = {
    async fetch(request, ctx) {
      const serverSide = checkServer(request, ctx);
      if (serverSide.length > 0) report(ctx, "server", serverSide);

      let result: unknown;
      let verb = "returned";
      try {
        const raw: unknown = inner.fetch(request, ctx);
        if (raw instanceof Promise) verb = "resolved to";
        result = await raw;
      } catch (thrown) {
        if (!(thrown instanceof Error)) {
          report(ctx, "app", [`the app threw ${describe(thrown)}, not an Error`], thrown);
        }
        throw thrown;
      }

      if (!(result instanceof Response)) {
        report(ctx, "app", [`the app ${verb} ${describe(result)}, not a Response`]);
        return result as Response;
      }
      const response = result;
      const found: string[] = [];
      if (seen.has(response)) {
        found.push(
          "the app returned the same Response object twice (a body can be used once)",
        );
      }
      seen.add(response);
      const length = contentLength(response.headers, found);
      checkResponse(request, response, length, found);
      if (found.length > 0) report(ctx, "app", found);

      const { status, body } = response;
      if (body === null || body.locked || status < 200 || status > 599) return response;
      if (status === 204 || status === 205 || status === 304) return response;
      const compare = (request as Request | undefined)?.method === "HEAD" ? undefined : length;
      return new Response(
        body.pipeThrough(checkedBody(compare, (violation) => report(ctx, "app", [violation]))),
        {
          status,
          statusText: response.statusText,
          headers: response.headers,
        },
      );
    },
  };
  if (inner.startup) validated.startup = inner.startup;
  if (inner.shutdown) validated.shutdown = inner.shutdown;
  return validated;
}

/**
 * A pass-through stream that checks each chunk is a Uint8Array and, when `expected` is set, that
 * the bytes add up to it. `report` throws in "throw" mode, which errors the stream.
 */
function checkedBody(
  expected: number | undefined,
  report: (violation: string) => void,
): TransformStream<Uint8Array, Uint8Array> {
  let bytes = 0;
  let badChunk = false;
  let tooLong = false;
  return new TransformStream({
    transform(chunk, controller) {
      // Typed as bytes, but an app's stream can yield anything at run time.
      if (!((chunk as unknown) instanceof Uint8Array)) {
        if (!badChunk) {
          badChunk = true;
          report(`response body yielded ${describe(chunk as unknown)}, not a Uint8Array`);
        }
      } else {
        bytes += chunk.byteLength;
        if (expected !== undefined && bytes > expected && !badChunk && !tooLong) {
          tooLong = true;
          report(
            `response body is longer than its content-length ${expected} (${bytes} bytes so far)`,
          );
        }
      }
      controller.enqueue(chunk);
    },
    flush() {
      if (expected !== undefined && bytes < expected && !badChunk) {
        report(`response body is ${bytes} bytes but its content-length is ${expected}`);
      }
    },
  });
}
