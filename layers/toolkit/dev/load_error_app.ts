/**
 * The stand-in app `ngw2f dev --reload` serves while the real one cannot load: every request
 * gets the error page, and open pages long-poll a wait URL that answers once there is news (a
 * new error, or a working app), so the browser reloads itself after a fix.
 *
 * @module
 */

import type { Context } from "../../gateway/mod.ts";
import { loadErrorResponse, type LoadFailure } from "./load_error_page.ts";

/** The path (under the root path) the error page long-polls. */
export const WAIT_PATH = "/__ngw2f/reload-wait";

/** Options for {@linkcode LoadErrorApp}. */
export interface LoadErrorAppOptions {
  /** Where the app is mounted (`--root-path`); the page's wait URL starts with it; default `""`. */
  rootPath?: string;
  /** The longest a wait request is held before answering 204 (ask again); default 25000 ms. */
  holdMs?: number;
}

/**
 * Answers every request with the error page for the current failure (status 500). A request
 * to {@linkcode WAIT_PATH} is held until {@linkcode LoadErrorApp.update} or
 * {@linkcode LoadErrorApp.retire} (205: reload) or for `holdMs` (204: ask again).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LoadErrorApp, WAIT_PATH } from "./load_error_app.ts";
 *
 * const app = new LoadErrorApp({
 *   stage: "load",
 *   error: { name: "AppLoadError", message: "broken", frames: [], stack: "" },
 * });
 * const page = await app.fetch(new Request("http://localhost/anything"));
 * assert.equal(page.status, 500);
 * assert.match(await page.text(), /broken/);
 * const waiting = app.fetch(new Request(`http://localhost${WAIT_PATH}`));
 * app.retire();
 * assert.equal((await waiting).status, 205);
 * ```
 */
export class LoadErrorApp {
  #failure: LoadFailure;
  #waitUrl: string;
  #holdMs: number;
  #waiters = new Set<() => void>();
  #retired = false;

  /** Serves `failure` until updated. */
  constructor(failure: LoadFailure, options: LoadErrorAppOptions = {}) {
    this.#failure = failure;
    this.#waitUrl = `${options.rootPath ?? ""}${WAIT_PATH}`;
    this.#holdMs = options.holdMs ?? 25_000;
  }

  /** The failure now shown. */
  get failure(): LoadFailure {
    return this.#failure;
  }

  /** Shows a new failure; open pages reload to show it. */
  update(failure: LoadFailure): void {
    this.#failure = failure;
    this.#wake();
  }

  /** A working app is serving: open pages reload (call before shutting the server down). */
  retire(): void {
    this.#retired = true;
    this.#wake();
  }

  #wake(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /** Answers a request: the error page, or the long-poll. */
  async fetch(request: Request, ctx?: Context): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (!path.endsWith(WAIT_PATH)) {
      return loadErrorResponse(this.#failure, request, { waitUrl: this.#waitUrl });
    }
    if (this.#retired) return new Response(null, { status: 205 });
    const { promise, resolve } = Promise.withResolvers<boolean>();
    const wake = () => resolve(true);
    this.#waiters.add(wake);
    const timer = setTimeout(() => resolve(false), this.#holdMs);
    const onAbort = () => resolve(false);
    ctx?.signal.addEventListener("abort", onAbort, { once: true });
    const news = await promise;
    clearTimeout(timer);
    this.#waiters.delete(wake);
    ctx?.signal.removeEventListener("abort", onAbort);
    return new Response(null, {
      status: news ? 205 : 204,
      headers: { "cache-control": "no-store" },
    });
  }
}
