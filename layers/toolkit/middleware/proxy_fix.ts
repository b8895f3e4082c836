/**
 * Trusting the `X-Forwarded-*` headers set by reverse proxies (Werkzeug's `ProxyFix`).
 *
 * @module
 */

import { type App, type AppObject, type Context, toAppObject } from "../../gateway/mod.ts";
import { deriveContext } from "./_derive_context.ts";
import { wrapApp } from "./_http.ts";
import { wholeNumber } from "./_options.ts";

/** How many proxies in front of the app set each header; 0 ignores the header. */
export interface ProxyFixOptions {
  /** Hops trusted for `X-Forwarded-For` (the client address); default 1. */
  for?: number;
  /** Hops trusted for `X-Forwarded-Proto` (the scheme); default 1. */
  proto?: number;
  /** Hops trusted for `X-Forwarded-Host` (the host, and port if it has one); default 0. */
  host?: number;
  /** Hops trusted for `X-Forwarded-Port`; default 0. */
  port?: number;
  /** Hops trusted for `X-Forwarded-Prefix` (the mount point, `ctx.rootPath`); default 0. */
  prefix?: number;
}

/** What the request looked like before {@linkcode proxyFix} changed it. */
export interface ProxyFixOriginal {
  /** The address of the proxy that connected. */
  remoteAddr: Deno.Addr;
  /** The scheme of the last hop. */
  scheme: "http" | "https";
  /** `request.url` as the server received it. */
  url: string;
  /** The `Host` header as received (`null` when there was none). */
  host: string | null;
  /** The mount point before any `X-Forwarded-Prefix`. */
  rootPath: string;
}

/**
 * The `ctx.state` key under which {@linkcode proxyFix} keeps the {@linkcode ProxyFixOriginal}
 * values; absent when no trusted header changed anything.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PROXY_FIX_ORIGINAL } from "./proxy_fix.ts";
 *
 * assert.equal(PROXY_FIX_ORIGINAL, "proxyFix.original");
 * ```
 */
export const PROXY_FIX_ORIGINAL = "proxyFix.original";

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_CHARS = /^[0-9A-Fa-f:.]+$/;
const PORT = /^\d{1,5}$/;
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+;=]+)(?::\d{1,5})?$/;
// deno-lint-ignore no-control-regex
const BAD_PREFIX = /[\x00-\x20\x7f?#\\]/;

/**
 * A middleware (usable with `compose()`, or called on an app directly; the lifespan hooks
 * pass through) that makes an app behind `N` reverse proxies see the client's request as the client sent it:
 * each option says how many proxies set that header, and the `N`th value from the right is
 * used (the one the outermost trusted proxy wrote; values further left can be forged by the
 * client). A header with fewer values than that, or a malformed value, is ignored.
 *
 * - `X-Forwarded-For` → `ctx.remoteAddr` (an IP address, optionally with a port; port 0 when
 *   none is given).
 * - `X-Forwarded-Proto` → `ctx.scheme` and the scheme of `request.url` (`http` or `https`).
 * - `X-Forwarded-Host` → the host (and port) of `request.url` and the `Host` header.
 * - `X-Forwarded-Port` → the port of `request.url` and the `Host` header.
 * - `X-Forwarded-Prefix` → `ctx.rootPath` (percent-encoded, no trailing slash); the path of
 *   `request.url` is left as is.
 *
 * The original values are kept in `ctx.state` under {@linkcode PROXY_FIX_ORIGINAL}. A request
 * without trusted headers passes through untouched; a new `Request` is built only when the URL
 * changes. `ctx.serverName` stays the configured name. Only use this behind proxies that
 * overwrite (or append to) these headers, or any client can pick its own address.
 *
 * @example One proxy in front, which sets For and Proto
 * ```ts
 * import assert from "node:assert/strict";
 * import { testContext } from "../../gateway/mod.ts";
 * import { proxyFix } from "./proxy_fix.ts";
 *
 * const app = proxyFix()({
 *   fetch: (request, ctx) =>
 *     new Response(`${(ctx.remoteAddr as Deno.NetAddr).hostname} ${ctx.scheme} ${request.url}`),
 * });
 * const ctx = testContext({ remoteAddr: { transport: "tcp", hostname: "10.0.0.2", port: 41000 } });
 * const request = new Request("http://example.com/a", {
 *   headers: { "x-forwarded-for": "6.6.6.6, 203.0.113.7", "x-forwarded-proto": "https" },
 * });
 * const response = await app.fetch(request, ctx);
 * assert.equal(await response.text(), "203.0.113.7 https https://example.com/a");
 * ```
 */
export function proxyFix(options: ProxyFixOptions = {}): (app: App) => AppObject {
  const forHops = wholeNumber(options.for ?? 1, 'proxyFix: "for"');
  const protoHops = wholeNumber(options.proto ?? 1, 'proxyFix: "proto"');
  const hostHops = wholeNumber(options.host ?? 0, 'proxyFix: "host"');
  const portHops = wholeNumber(options.port ?? 0, 'proxyFix: "port"');
  const prefixHops = wholeNumber(options.prefix ?? 0, 'proxyFix: "prefix"');

  return (app) => {
    const inner = toAppObject(app);
    return wrapApp(inner, (request, ctx) => {
      const headers = request.headers;
      const remoteAddr = forHops ? parseAddr(nth(headers.get("x-forwarded-for"), forHops)) : null;
      const scheme = protoHops
        ? parseProto(nth(headers.get("x-forwarded-proto"), protoHops))
        : null;
      const host = hostHops ? parseHost(nth(headers.get("x-forwarded-host"), hostHops)) : null;
      const port = portHops ? parsePort(nth(headers.get("x-forwarded-port"), portHops)) : null;
      const rootPath = prefixHops
        ? parsePrefix(nth(headers.get("x-forwarded-prefix"), prefixHops))
        : null;
      if (
        remoteAddr === null && scheme === null && host === null && port === null &&
        rootPath === null
      ) {
        return inner.fetch(request, ctx);
      }
      return inner.fetch(...apply(request, ctx, { remoteAddr, scheme, host, port, rootPath }));
    });
  };
}

interface Found {
  remoteAddr: Deno.NetAddr | null;
  scheme: "http" | "https" | null;
  host: { hostname: string; port: string } | null;
  port: string | null;
  rootPath: string | null;
}

function apply(request: Request, ctx: Context, found: Found): [Request, Context] {
  ctx.state.set(
    PROXY_FIX_ORIGINAL,
    {
      remoteAddr: ctx.remoteAddr,
      scheme: ctx.scheme,
      url: request.url,
      host: request.headers.get("host"),
      rootPath: ctx.rootPath,
    } satisfies ProxyFixOriginal,
  );
  let next = request;
  if (found.scheme !== null || found.host !== null || found.port !== null) {
    const url = new URL(request.url);
    if (found.scheme !== null) url.protocol = found.scheme;
    if (found.host !== null) {
      url.hostname = found.host.hostname;
      url.port = found.host.port;
    }
    if (found.port !== null) url.port = found.port;
    if (url.href !== request.url) {
      next = new Request(url.href, request);
      if (found.host !== null || found.port !== null) next.headers.set("host", url.host);
    }
  }
  const changed = deriveContext(ctx, {
    remoteAddr: found.remoteAddr ?? undefined,
    scheme: found.scheme ?? undefined,
    rootPath: found.rootPath ?? undefined,
  });
  return [next, changed];
}

/** The `trusted`th comma-separated value from the right, or `null` when there are fewer. */
function nth(header: string | null, trusted: number): string | null {
  if (header === null) return null;
  let end = header.length;
  for (let i = 1; i < trusted; i++) {
    end = header.lastIndexOf(",", end - 1);
    if (end === -1) return null;
  }
  const start = header.lastIndexOf(",", end - 1) + 1;
  const value = header.slice(start, end).trim();
  return value === "" ? null : value;
}

function parseProto(value: string | null): "http" | "https" | null {
  if (value === null) return null;
  const lower = value.toLowerCase();
  return lower === "https" || lower === "http" ? lower : null;
}

function parsePort(value: string | null): string | null {
  if (value === null || !PORT.test(value)) return null;
  const port = Number(value);
  return port >= 1 && port <= 65535 ? String(port) : null;
}

/** An IP address, optionally with a port (`1.2.3.4:5`, `[::1]:5`); `null` when malformed. */
function parseAddr(value: string | null): Deno.NetAddr | null {
  if (value === null) return null;
  let hostname = value;
  let port = 0;
  if (value.startsWith("[")) {
    const close = value.indexOf("]");
    if (close === -1) return null;
    hostname = value.slice(1, close);
    const rest = value.slice(close + 1);
    if (rest !== "") {
      const parsed = rest.startsWith(":") ? parsePort(rest.slice(1)) : null;
      if (parsed === null) return null;
      port = Number(parsed);
    }
  } else {
    const colon = value.indexOf(":");
    if (colon !== -1 && colon === value.lastIndexOf(":")) {
      const parsed = parsePort(value.slice(colon + 1));
      if (parsed === null) return null;
      hostname = value.slice(0, colon);
      port = Number(parsed);
    }
  }
  if (IPV4.test(hostname)) return { transport: "tcp", hostname, port };
  if (!hostname.includes(":") || !IPV6_CHARS.test(hostname)) return null;
  const url = URL.parse(`http://[${hostname}]/`);
  return url ? { transport: "tcp", hostname: url.hostname.slice(1, -1), port } : null;
}

/** `host` or `host:port`, as the URL parser normalises it; `null` when malformed. */
function parseHost(value: string | null): { hostname: string; port: string } | null {
  if (value === null || !HOST.test(value)) return null;
  const url = URL.parse(`http://${value}/`);
  if (url === null || url.hostname === "" || url.port === "0") return null;
  return { hostname: url.hostname, port: url.port };
}

/** A path such as `/app`, percent-encoded, without a trailing slash; `null` when malformed. */
function parsePrefix(value: string | null): string | null {
  if (value === null || !value.startsWith("/") || BAD_PREFIX.test(value)) return null;
  const url = URL.parse(value, "http://x");
  if (url === null) return null;
  let path = url.pathname;
  while (path.endsWith("/")) path = path.slice(0, -1);
  return path;
}
