/**
 * The main thread's handle on one generation of the app: a Worker that loads the app afresh and
 * serves it on the shared sockets.
 *
 * @module
 */

import {
  DEV_WORKER_NAME,
  type FromGeneration,
  type GenerationSettings,
  type ToGeneration,
} from "./_dev_protocol.ts";
import type { LoadFailure } from "./load_error_page.ts";

/** How a generation's start ended. */
export type GenerationStart =
  | { ok: true; addrs: Deno.Addr[] }
  | { ok: false; failure: LoadFailure }
  | { ok: false; killed: true };

const WORKER_URL = new URL("./_dev_worker.ts", import.meta.url);

/**
 * One Worker running the app. `ready` settles once it listens or has failed; a later death is
 * reported to `onCrash`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Generation } from "./_generation.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/app.ts`, `export default () => new Response("hi");\n`);
 * const generation = new Generation({
 *   spec: "app.ts",
 *   cwd: dir,
 *   bind: ["127.0.0.1:0"],
 *   rootPath: "",
 *   keepAliveTimeout: 5,
 *   gracefulTimeout: 5,
 *   logLevel: "error",
 *   accessLog: false,
 *   validate: false,
 *   debug: false,
 * }, { onCrash: () => {} });
 * const start = await generation.ready;
 * assert.ok(start.ok);
 * const { port } = start.addrs[0] as Deno.NetAddr;
 * assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), "hi");
 * await generation.stop(5_000);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Generation {
  /** Settles once the generation listens, or failed to. */
  readonly ready: Promise<GenerationStart>;
  #worker: Worker;
  #settle: (start: GenerationStart) => void;
  #started = false;
  #gone = false;
  #stopped = Promise.withResolvers<void>();
  #onCrash: (failure: LoadFailure) => void;

  /** Starts the Worker and sends it `settings`. */
  constructor(settings: GenerationSettings, options: { onCrash: (failure: LoadFailure) => void }) {
    this.#onCrash = options.onCrash;
    const ready = Promise.withResolvers<GenerationStart>();
    this.ready = ready.promise;
    this.#settle = (start) => {
      if (this.#started) return;
      this.#started = true;
      ready.resolve(start);
    };
    this.#worker = new Worker(WORKER_URL, { type: "module", name: DEV_WORKER_NAME });
    this.#worker.onmessage = (event: MessageEvent<FromGeneration>) => {
      const message = event.data;
      if (message.type === "listening") this.#settle({ ok: true, addrs: message.addrs });
      else if (message.type === "failed") this.#settle({ ok: false, failure: message.failure });
      else if (message.type === "stopped") this.#stopped.resolve();
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      const failure: LoadFailure = {
        stage: this.#started ? "crash" : "load",
        error: {
          name: "Error",
          message: event.message ?? String(event.error),
          frames: [],
          stack: "",
        },
      };
      if (!this.#started) this.#settle({ ok: false, failure });
      else if (!this.#gone) this.#onCrash(failure);
      this.kill();
    };
    this.#worker.onmessageerror = () => {};
    this.#send({ type: "start", settings });
  }

  #send(message: ToGeneration): void {
    if (!this.#gone) this.#worker.postMessage(message);
  }

  /** Ends the Worker now (its sockets close with it); a pending `ready` settles as killed. */
  kill(): void {
    this.#settle({ ok: false, killed: true });
    if (this.#gone) return;
    this.#gone = true;
    this.#worker.terminate();
    this.#stopped.resolve();
  }

  /**
   * Stops gracefully: the generation stops accepting, drains its requests and runs the app's
   * `shutdown()`; after `timeoutMs` it is ended anyway.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#gone) return;
    this.#send({ type: "stop" });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#stopped.promise,
      new Promise((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
    this.kill();
  }
}
