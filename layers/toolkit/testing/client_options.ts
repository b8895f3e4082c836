/**
 * The test client's options, per client and per request, and their defaults.
 *
 * @module
 */

import { type HttpProtocol, type Logger, silentLogger } from "../../gateway/mod.ts";
import { CookieJar } from "./cookie_jar.ts";
import type { BodyOptions, QueryInit } from "./request_body.ts";

/** Options for a {@linkcode Client}. */
export interface ClientOptions {
  /**
   * Where requests go: scheme, host, port, and optionally a mount point (`http://localhost/app`
   * sets `rootPath` to `/app`). Default `http://localhost`.
   */
  baseUrl?: string | URL;
  /** The client's IP address in `ctx.remoteAddr`; default `127.0.0.1`. */
  remoteAddr?: string;
  /** Follow redirects by default; default `false`. */
  followRedirects?: boolean;
  /** How many redirects one request may follow; default 10. */
  maxRedirects?: number;
  /** Headers sent with every request (a request's own headers win). */
  headers?: HeadersInit;
  /** Keep cookies between requests (`true`, the default), not at all, or in a given jar. */
  cookies?: boolean | CookieJar;
  /** `ctx.scheme` for `http` URLs (as behind a TLS proxy); an `https` URL is always `"https"`. */
  scheme?: "http" | "https";
  /**
   * `ctx.rootPath`, the mount point: `""` or `/path`. Paths given to `get()` & co. are relative
   * to it (`get("/x")` requests `/path/x`), as in Werkzeug. Default: `baseUrl`'s path.
   */
  rootPath?: string;
  /** `ctx.protocol`; default `"HTTP/1.1"`. */
  protocol?: HttpProtocol;
  /** `ctx.serverName`; default `baseUrl`'s host name. */
  serverName?: string;
  /** `ctx.workerId`; default 1. */
  workerId?: number;
  /** `ctx.workerCount`; default 1 (at least `workerId`). */
  workerCount?: number;
  /** `ctx.log` and the lifespan log; default a logger that drops everything. */
  log?: Logger;
}

/** Per-request options for {@linkcode Client.request} and friends. */
export interface ClientRequestInit extends BodyOptions {
  /** Query parameters, added after any query already in the path. */
  query?: QueryInit;
  /** Request headers (over the client's). A `Host` header changes the URL's host. */
  headers?: HeadersInit;
  /** Extra cookies for this request (on every hop), sent before the jar's and over them. */
  cookies?: Readonly<Record<string, string>>;
  /** Follow redirects for this request (overrides the client's option). */
  followRedirects?: boolean;
  /** Aborts the request: rejects the call, cuts the body and aborts `ctx.signal`. */
  signal?: AbortSignal;
  /** The client's IP address for this request. */
  remoteAddr?: string;
}

/** Per-request options for {@linkcode Client.fetch}. */
export type ClientFetchInit = Pick<
  ClientRequestInit,
  "cookies" | "followRedirects" | "signal" | "remoteAddr"
>;

/** Client options with every default filled in and checked. */
export interface ResolvedClientOptions {
  /** `baseUrl`'s origin, e.g. `http://localhost`. */
  readonly origin: string;
  /** The mount point: `""` or `/path` without a trailing slash. */
  readonly rootPath: string;
  /** The default client address. */
  readonly remoteAddr: string;
  /** Follow redirects by default. */
  readonly followRedirects: boolean;
  /** The redirect limit. */
  readonly maxRedirects: number;
  /** The default headers, or `null` for none. */
  readonly headers: Headers | null;
  /** The jar, or `null` when cookies are off. */
  readonly cookies: CookieJar | null;
  /** `ctx.scheme` for `http` URLs. */
  readonly scheme: "http" | "https";
  /** `ctx.protocol`. */
  readonly protocol: HttpProtocol;
  /** `ctx.serverName`. */
  readonly serverName: string;
  /** `ctx.serverAddr`, made from `baseUrl`. */
  readonly serverAddr: Deno.NetAddr;
  /** `ctx.workerId`. */
  readonly workerId: number;
  /** `ctx.workerCount`. */
  readonly workerCount: number;
  /** `ctx.log`. */
  readonly log: Logger;
}

const PROTOCOLS = new Set(["HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3"]);

/**
 * Fills in a client's defaults and checks its options, throwing a `TypeError` or `RangeError`
 * that names the bad option.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveClientOptions } from "./client_options.ts";
 *
 * const options = resolveClientOptions({ baseUrl: "https://example.com:8443/app/" });
 * assert.equal(options.origin, "https://example.com:8443");
 * assert.equal(options.rootPath, "/app");
 * assert.equal(options.serverAddr.port, 8443);
 * assert.throws(() => resolveClientOptions({ maxRedirects: -1 }), RangeError);
 * ```
 */
export function resolveClientOptions(options: ClientOptions = {}): ResolvedClientOptions {
  let base: URL;
  try {
    base = new URL(options.baseUrl ?? "http://localhost");
  } catch {
    throw new TypeError(
      `Cannot create the test client: the baseUrl "${options.baseUrl}" is not a URL`,
    );
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new TypeError(
      `Cannot create the test client: the baseUrl "${base.href}" is not an http(s) URL`,
    );
  }
  const rootPath = options.rootPath ?? base.pathname.replace(/\/+$/, "");
  if (rootPath !== "" && (!rootPath.startsWith("/") || rootPath.endsWith("/"))) {
    throw new TypeError(
      `Cannot create the test client: the rootPath "${rootPath}" must be "" or start with "/" ` +
        `and not end with one`,
    );
  }
  const maxRedirects = options.maxRedirects ?? 10;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) {
    throw new RangeError(
      `Cannot create the test client: maxRedirects "${maxRedirects}" is not a whole number >= 0`,
    );
  }
  const workerId = options.workerId ?? 1;
  const workerCount = options.workerCount ?? Math.max(1, workerId);
  if (!Number.isInteger(workerId) || workerId < 1 || !Number.isInteger(workerCount)) {
    throw new RangeError(`Cannot create the test client: workerId "${workerId}" must be >= 1`);
  }
  if (workerId > workerCount) {
    throw new RangeError(
      `Cannot create the test client: workerId "${workerId}" is above workerCount ` +
        `"${workerCount}"`,
    );
  }
  const protocol = options.protocol ?? "HTTP/1.1";
  if (!PROTOCOLS.has(protocol)) {
    throw new TypeError(`Cannot create the test client: the protocol "${protocol}" is unknown`);
  }
  const https = base.protocol === "https:";
  const hostname = base.hostname.startsWith("[") ? base.hostname.slice(1, -1) : base.hostname;
  const cookies = options.cookies ?? true;
  return {
    origin: base.origin,
    rootPath,
    remoteAddr: options.remoteAddr ?? "127.0.0.1",
    followRedirects: options.followRedirects ?? false,
    maxRedirects,
    headers: options.headers === undefined ? null : new Headers(options.headers),
    cookies: cookies === true
      ? new CookieJar({ domain: base.hostname })
      : cookies === false
      ? null
      : cookies,
    scheme: https ? "https" : options.scheme ?? "http",
    protocol,
    serverName: options.serverName ?? hostname,
    serverAddr: Object.freeze({
      transport: "tcp",
      hostname,
      port: Number(base.port) || (https ? 443 : 80),
    }),
    workerId,
    workerCount,
    log: options.log ?? silentLogger,
  };
}
