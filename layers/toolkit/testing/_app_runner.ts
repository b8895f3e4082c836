// Calls an app the way a server would: lifespan hooks, one Context per request, ctx.completed,
// ctx.signal and ctx.waitUntil. The test client builds requests and follows redirects around it.
import { type AppObject, createContext } from "../../gateway/mod.ts";
import type { ResolvedClientOptions } from "./client_options.ts";
import { TestResponse } from "./test_response.ts";
import { TrackedBody } from "./_tracked_body.ts";

/** The app's response to one request, and how to settle that request's `ctx.completed`. */
export interface Answer {
  response: Response;
  abort: AbortController;
  settle: (failure: unknown) => void;
}

/** Per-request settings. */
export interface SendOptions {
  remoteAddr: string;
  signal: AbortSignal | undefined;
}

const noop = () => {};

/** Runs one app for a test client. */
export class AppRunner {
  #app: AppObject;
  #options: ResolvedClientOptions;
  #started: Promise<void> | undefined;
  #ready = false;
  #closed = false;
  #inFlight = new Set<Promise<unknown>>();
  // One controller per request until its response is complete; its signal is ctx.signal, so it
  // is never aborted after the response was sent.
  #active = new Set<AbortController>();
  #waiting = new Set<Promise<void>>();
  #failures: unknown[] = [];
  #port = 0;

  constructor(app: AppObject, options: ResolvedClientOptions) {
    this.#app = app;
    this.#options = options;
  }

  /** True once `startup()` has succeeded. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Runs `startup()` once; a failure sticks. */
  start(): Promise<void> {
    return this.#started ??= this.#startup();
  }

  async #startup(): Promise<void> {
    const { workerId, workerCount, serverAddr, log } = this.#options;
    if (this.#app.startup) {
      await this.#app.startup({ workerId, workerCount, serverAddrs: [serverAddr], log });
    }
    this.#ready = true;
  }

  /**
   * Aborts the requests still open, waits for those in flight and for `waitUntil()` promises,
   * then runs `shutdown()` if `startup()` succeeded. Rejects with what failed.
   */
  async close(): Promise<void> {
    this.#closed = true;
    const reason = new DOMException("The test client was closed", "AbortError");
    for (const abort of [...this.#active]) abort.abort(reason);
    while (this.#inFlight.size > 0 || this.#waiting.size > 0) {
      await Promise.allSettled([...this.#inFlight, ...this.#waiting]);
    }
    const started = this.#started === undefined
      ? false
      : await this.#started.then(() => true, () => false);
    if (started && this.#app.shutdown) await this.#app.shutdown();
    const failures = this.#failures;
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) {
      throw new AggregateError(
        failures,
        `Cannot close the test client cleanly: ${failures.length} waitUntil() promises failed`,
      );
    }
  }

  /** Calls the app with `request`; `abort` is the request's controller (its signal is `ctx.signal`). */
  async send(request: Request, abort: AbortController, options: SendOptions): Promise<Answer> {
    const user = options.signal;
    if (user?.aborted) throw user.reason;
    // A request still waiting for startup() (or a redirect hop) when close() began.
    if (this.#closed) throw closedError();
    const onAbort = user === undefined ? undefined : () => abort.abort(user.reason);
    if (onAbort !== undefined) user!.addEventListener("abort", onAbort, { once: true });
    this.#active.add(abort);
    const { promise: completed, resolve, reject } = Promise.withResolvers<void>();
    completed.catch(noop);
    const settle = (failure: unknown) => {
      this.#active.delete(abort);
      if (onAbort !== undefined) user!.removeEventListener("abort", onAbort);
      if (failure === undefined) resolve();
      else reject(new Deno.errors.Interrupted("response not sent", { cause: failure }));
    };
    const config = this.#options;
    const ctx = createContext({
      remoteAddr: {
        transport: "tcp",
        hostname: options.remoteAddr,
        port: 49152 + this.#port++ % 16384,
      },
      serverAddr: config.serverAddr,
      scheme: request.url.startsWith("https:") ? "https" : config.scheme,
      protocol: config.protocol,
      serverName: config.serverName,
      rootPath: config.rootPath,
      workerId: config.workerId,
      workerCount: config.workerCount,
      signal: abort.signal,
      completed,
      log: config.log,
      waitUntil: this.#waitUntil,
    });
    let answer: Response | Promise<Response>;
    try {
      answer = this.#app.fetch(request, ctx);
    } catch (error) {
      settle(error ?? new Error("The app threw"));
      throw error;
    }
    const pending = Promise.resolve(answer);
    this.#inFlight.add(pending);
    let response: unknown;
    try {
      response = user === undefined ? await pending : await abortable(pending, user);
    } catch (error) {
      settle(error ?? new Error("The app failed"));
      throw error;
    } finally {
      this.#inFlight.delete(pending);
    }
    if (!(response instanceof Response) || response.type === "error") {
      const got = response instanceof Response ? "Response.error()" : describe(response);
      settle(new TypeError("Not a response"));
      throw new TypeError(`Cannot use the app's answer: expected a Response, got ${got}`);
    }
    return { response, abort, settle };
  }

  /** The response the test reads: the app's body streams through, tracked for `ctx.completed`. */
  respond(answer: Answer, request: Request, history: readonly TestResponse[]): TestResponse {
    const { response, abort, settle } = answer;
    let body: ReadableStream<Uint8Array> | null = null;
    if (response.body === null) settle(undefined);
    else if (request.method === "HEAD") {
      response.body.cancel().catch(noop);
      settle(undefined);
    } else {
      const tracked = new TrackedBody(response.body, settle);
      body = tracked.stream;
      // Closing the client or aborting the request cuts the body.
      const signal = abort.signal;
      if (signal.aborted) tracked.cut(signal.reason);
      else signal.addEventListener("abort", () => tracked.cut(signal.reason), { once: true });
    }
    return new TestResponse(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      request,
      history,
    });
  }

  /** The response of a redirect, its body read at once (which completes the request). */
  async buffer(
    answer: Answer,
    request: Request,
    history: readonly TestResponse[],
  ): Promise<TestResponse> {
    const { response, settle } = answer;
    let data: Uint8Array<ArrayBuffer> | null = null;
    try {
      if (response.body !== null) data = await response.bytes();
    } catch (error) {
      settle(error ?? new Error("The body failed"));
      throw error;
    }
    settle(undefined);
    return new TestResponse(data, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      request,
      history: history.slice(),
    });
  }

  #waitUntil = (promise: Promise<unknown>): void => {
    const tracked: Promise<void> = Promise.resolve(promise).then(noop, (error) => {
      this.#failures.push(error);
      this.#options.log.error("A waitUntil() promise failed", error);
    }).then(() => {
      this.#waiting.delete(tracked);
    });
    this.#waiting.add(tracked);
  };
}

/** The error for a request made after `close()`. */
export function closedError(): TypeError {
  return new TypeError("Cannot send a request: the test client is closed");
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object") return value.constructor?.name ?? "an object";
  return typeof value;
}

function abortable<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      // The app may still answer: drop that body.
      pending.then((late) => {
        if (late instanceof Response) late.body?.cancel().catch(noop);
      }, noop);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then((value) => {
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
  });
}
