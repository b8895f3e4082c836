/**
 * The test client: calls a gateway app in-process, with a real {@linkcode Context} per request,
 * a cookie jar and redirect following (Werkzeug's `Client`).
 *
 * @module
 */

import { type App, toAppObject } from "../../gateway/mod.ts";
import { type CookieJar, encodeCookieValue } from "./cookie_jar.ts";
import {
  type ClientFetchInit,
  type ClientOptions,
  type ClientRequestInit,
  resolveClientOptions,
  type ResolvedClientOptions,
} from "./client_options.ts";
import { appendQuery, encodeBody, type EncodedBody, NO_BODY } from "./request_body.ts";
import { isRedirectStatus, RedirectError, redirectMethod } from "./redirect.ts";
import { TestResponse } from "./test_response.ts";
import { AppRunner, closedError } from "./_app_runner.ts";

// One request to send: redirects replace the URL, the method and possibly the body.
interface Hop {
  method: string;
  url: URL;
  headers: Headers;
  body: EncodedBody;
}

// What stays the same over the hops of one call.
interface Call {
  follow: boolean;
  remoteAddr: string;
  userSignal: AbortSignal | undefined;
  cookies: string;
  exclude: ReadonlySet<string> | undefined;
}

const ABSOLUTE = /^[a-z][a-z\d+.-]*:/i;
const BODY_HEADERS = [
  "content-type",
  "content-length",
  "content-encoding",
  "content-language",
  "content-location",
];
const noop = () => {};

/**
 * Calls an app in-process, with no socket: every request gets a real gateway `Context`, the
 * app's `startup()` runs once before the first request and `shutdown()` on `close()`. Cookies are
 * kept in `client.cookies` (on by default) and redirects are followed on request.
 *
 * Errors: an exception thrown by the app (or by its body stream) reaches the caller unchanged,
 * with its stack; it is not turned into a 500, as in Werkzeug. An app that answers with an error
 * response (an `HttpError` it handled) is just a response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Client } from "./client.ts";
 *
 * const app = (request: Request) => {
 *   const url = new URL(request.url);
 *   if (url.pathname === "/login") {
 *     return new Response(null, {
 *       status: 303,
 *       headers: { location: "/", "set-cookie": "user=ada; Path=/; HttpOnly" },
 *     });
 *   }
 *   return new Response(`Hello, ${request.headers.get("cookie") ?? "stranger"}!`);
 * };
 *
 * await using client = new Client(app, { followRedirects: true });
 * const response = await client.post("/login", { form: { name: "ada" } });
 * assert.equal(await response.text(), "Hello, user=ada!");
 * assert.equal(response.history[0].status, 303);
 * assert.equal(client.cookies.get("user"), "ada");
 * ```
 */
export class Client implements AsyncDisposable {
  #runner: AppRunner;
  #options: ResolvedClientOptions;
  #prefix: string;
  #closing: Promise<void> | undefined;

  /** Makes a client for `app`; nothing runs until the first request (or `start()`). */
  constructor(app: App, options: ClientOptions = {}) {
    this.#options = resolveClientOptions(options);
    this.#runner = new AppRunner(toAppObject(app), this.#options);
    this.#prefix = this.#options.origin + this.#options.rootPath;
  }

  /** The cookie jar. Throws when the client was made with `cookies: false`. */
  get cookies(): CookieJar {
    const jar = this.#options.cookies;
    if (jar === null) {
      throw new TypeError("Cannot use the cookie jar: the client was made with cookies: false");
    }
    return jar;
  }

  /** True once `close()` has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Runs the app's `startup()` now (requests do it on first use); a failure sticks. */
  start(): Promise<void> {
    if (this.#closing) return Promise.reject(closedError());
    return this.#runner.start();
  }

  /** Sends a `GET`. */
  get(path: string, init?: ClientRequestInit): Promise<TestResponse> {
    return this.request("GET", path, init);
  }

  /** Sends a `POST`. */
  post(path: string, init?: ClientRequestInit): Promise<TestResponse> {
    return this.request("POST", path, init);
  }

  /** Sends a `PUT`. */
  put(path: string, init?: ClientRequestInit): Promise<TestResponse> {
    return this.request("PUT", path, init);
  }

  /** Sends a `PATCH`. */
  patch(path: string, init?: ClientRequestInit): Promise<TestResponse> {
    return this.request("PATCH", path, init);
  }

  /** Sends a `DELETE`. */
  delete(path: string, init?: ClientRequestInit): Promise<TestResponse> {
    return this.request("DELETE", path, init);
  }

  /** Sends a `HEAD`: the response has the app's headers and no body. */
  head(path: string, init?: ClientRequestInit): Promise<TestResponse> {
    return this.request("HEAD", path, init);
  }

  /** Sends an `OPTIONS`. */
  options(path: string, init?: ClientRequestInit): Promise<TestResponse> {
    return this.request("OPTIONS", path, init);
  }

  /**
   * Sends a request with any method (upper-cased). `path` is relative to `rootPath`, or an
   * absolute URL (its host is honoured and cookies follow it).
   */
  async request(
    method: string,
    path: string,
    init: ClientRequestInit = {},
  ): Promise<TestResponse> {
    if (this.#closing) throw closedError();
    const url = this.#resolve(path);
    if (init.query !== undefined) appendQuery(url, init.query);
    const headers = this.#headers(init.headers);
    const host = headers.get("host");
    if (host !== null && host !== url.host) url.host = host;
    const upper = method.toUpperCase();
    const body = init.json === undefined && init.form === undefined &&
        init.multipart === undefined && (init.body === undefined || init.body === null)
      ? NO_BODY
      : await encodeBody(init);
    if (body !== NO_BODY) {
      if (upper === "GET" || upper === "HEAD") {
        throw new TypeError(`Cannot send the request: a ${upper} request cannot have a body`);
      }
      if (body.contentType !== null && !headers.has("content-type")) {
        headers.set("content-type", body.contentType);
      }
      if (body.length !== null && !headers.has("content-length")) {
        headers.set("content-length", String(body.length));
      }
    }
    return await this.#run({ method: upper, url, headers, body }, this.#call(headers, init));
  }

  /**
   * Sends a prepared `Request` through the same cookie jar and redirect logic (its `redirect`
   * mode is ignored: `followRedirects` decides). A streamed body is split with `tee()` when
   * redirects are followed, so a 307/308 can send it again.
   */
  async fetch(request: Request, init: ClientFetchInit = {}): Promise<TestResponse> {
    if (this.#closing) throw closedError();
    const url = new URL(request.url);
    if (url.hash !== "") url.hash = "";
    const headers = this.#headers(request.headers);
    const body: EncodedBody = request.body === null
      ? NO_BODY
      : { data: null, stream: request.body, contentType: null, length: null };
    const call = this.#call(headers, { ...init, signal: init.signal ?? request.signal });
    return await this.#run({ method: request.method, url, headers, body }, call);
  }

  /**
   * Closes the client: aborts `ctx.signal` of requests in flight, cuts unread response bodies,
   * waits for requests in flight and for `ctx.waitUntil()` promises, then runs the app's
   * `shutdown()` (if `startup()` ran). Rejects with the error of a failed `waitUntil()` promise
   * (an `AggregateError` for several) or of `shutdown()`. Calling it again returns the same
   * promise.
   */
  close(): Promise<void> {
    return this.#closing ??= this.#runner.close();
  }

  /** Closes the client (`await using client = new Client(app)`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #resolve(path: string): URL {
    let url: URL;
    if (path.charCodeAt(0) === 47 && path.charCodeAt(1) !== 47) url = new URL(this.#prefix + path);
    else if (ABSOLUTE.test(path)) url = new URL(path);
    else url = new URL(path, this.#prefix + "/");
    if (url.hash !== "") url.hash = "";
    return url;
  }

  #headers(init: HeadersInit | undefined): Headers {
    const defaults = this.#options.headers;
    if (defaults === null) return new Headers(init);
    const headers = new Headers(defaults);
    if (init !== undefined) {
      for (const [name, value] of new Headers(init)) headers.set(name, value);
    }
    return headers;
  }

  #call(headers: Headers, init: ClientRequestInit): Call {
    const user = init.signal;
    if (user?.aborted) throw user.reason;
    let cookies = headers.get("cookie") ?? "";
    headers.delete("cookie");
    let exclude: Set<string> | undefined;
    if (init.cookies !== undefined) {
      exclude = new Set();
      for (const [name, value] of Object.entries(init.cookies)) {
        exclude.add(name);
        cookies += (cookies === "" ? "" : "; ") + name + "=" + encodeCookieValue(value);
      }
    }
    return {
      follow: init.followRedirects ?? this.#options.followRedirects,
      remoteAddr: init.remoteAddr ?? this.#options.remoteAddr,
      userSignal: user,
      cookies,
      exclude,
    };
  }

  async #run(hop: Hop, call: Call): Promise<TestResponse> {
    if (!this.#runner.ready) await this.start();
    const jar = this.#options.cookies;
    const history: TestResponse[] = [];
    let chain: string[] | undefined;
    let seen: Set<string> | undefined;
    try {
      for (;;) {
        const jarCookies = jar?.headerFor(hop.url, call.exclude);
        const cookie = jarCookies === undefined
          ? call.cookies
          : call.cookies === ""
          ? jarCookies
          : `${call.cookies}; ${jarCookies}`;
        if (call.follow) {
          // The same request with the same cookies a second time would get the same answer.
          const key = `${hop.method} ${hop.url.href}\n${cookie}`;
          if (seen === undefined) {
            seen = new Set([key]);
            chain = [`${hop.method} ${this.#display(hop.url)}`];
          } else if (seen.has(key)) {
            throw new RedirectError("loop", { chain: chain!, history });
          } else seen.add(key);
        }
        const abort = new AbortController();
        const request = this.#request(hop, cookie, call, abort.signal);
        const answer = await this.#runner.send(request, abort, {
          remoteAddr: call.remoteAddr,
          signal: call.userSignal,
        });
        const { response } = answer;
        jar?.storeResponse(hop.url, response.headers);
        const location = call.follow && isRedirectStatus(response.status)
          ? response.headers.get("location")
          : null;
        if (location === null) return this.#runner.respond(answer, request, history);
        history.push(await this.#runner.buffer(answer, request, history));
        let next: URL | undefined;
        try {
          next = new URL(location, hop.url);
        } catch {
          next = undefined;
        }
        chain!.push(`${response.status} ${next ? this.#display(next) : location}`);
        if (next === undefined || (next.protocol !== "http:" && next.protocol !== "https:")) {
          throw new RedirectError("bad-location", { chain: chain!, history, detail: location });
        }
        if (history.length > this.#options.maxRedirects) {
          throw new RedirectError("too-many", {
            chain: chain!,
            history,
            detail: String(this.#options.maxRedirects),
          });
        }
        hop = this.#redirect(hop, next, response.status);
      }
    } finally {
      // The spare branch of a streamed body kept for a 307/308 that did not come.
      hop.body.stream?.cancel().catch(noop);
    }
  }

  #redirect(hop: Hop, next: URL, status: number): Hop {
    if (next.hash !== "") next.hash = "";
    const method = redirectMethod(status, hop.method);
    const headers = hop.headers;
    let body = hop.body;
    if (method !== hop.method || (status !== 307 && status !== 308)) {
      body.stream?.cancel().catch(noop);
      body = NO_BODY;
      for (const name of BODY_HEADERS) headers.delete(name);
    }
    if (next.origin !== hop.url.origin) headers.delete("authorization");
    return { method, url: next, headers, body };
  }

  #request(hop: Hop, cookie: string, call: Call, signal: AbortSignal): Request {
    const headers = hop.headers;
    headers.set("host", hop.url.host);
    if (cookie === "") headers.delete("cookie");
    else headers.set("cookie", cookie);
    let body: BodyInit | null = hop.body.data;
    const stream = hop.body.stream;
    if (stream !== null) {
      if (call.follow) {
        const [now, later] = stream.tee();
        hop.body = { ...hop.body, stream: later };
        body = now;
      } else {
        hop.body = NO_BODY;
        body = stream;
      }
    }
    return new Request(hop.url, { method: hop.method, headers, body, signal });
  }

  #display(url: URL): string {
    return url.origin === this.#options.origin ? url.pathname + url.search : url.href;
  }
}
