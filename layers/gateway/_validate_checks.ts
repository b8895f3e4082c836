// Private to validate.ts: the individual contract checks. Each returns the violations it
// found as sentence fragments ("response has hop-by-hop header ..."); an empty list means clean.

import { HOP_BY_HOP } from "./hop_by_hop.ts";
import type { Context } from "./types.ts";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DIGITS = /^[0-9]+$/;
const PROTOCOLS = new Set(["HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3"]);
const LOG_METHODS = ["debug", "info", "warn", "error"] as const;

/** Names a value's kind for a message: `undefined`, `a string`, `a plain object`, `a Blob`. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value !== "object") return article(typeof value);
  const proto = Object.getPrototypeOf(value);
  if (proto === null || proto === Object.prototype) return "a plain object";
  const name = proto.constructor?.name;
  return typeof name === "string" && name !== "" ? article(name) : "an object";
}

function article(word: string): string {
  return `${/^[aeiou]/i.test(word) ? "an" : "a"} ${word}`;
}

function isPositiveInteger(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

function addrProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return `is ${describe(value)}, not a Deno.Addr`;
  const addr = value as Record<string, unknown>;
  switch (addr.transport) {
    case "tcp":
    case "udp":
      if (typeof addr.hostname !== "string") return "has no string hostname";
      if (!Number.isInteger(addr.port)) return "has no integer port";
      return undefined;
    case "unix":
    case "unixpacket":
      // Deno reports a unix-socket client's path as null.
      return typeof addr.path === "string" || addr.path === null ? undefined : "has no path";
    case "vsock":
      return Number.isInteger(addr.cid) && Number.isInteger(addr.port)
        ? undefined
        : "has no integer cid and port";
    default:
      return `has transport ${JSON.stringify(addr.transport) ?? "undefined"}, not a Deno.Addr`;
  }
}

/** The server's side of the contract: what `request` and `ctx` must look like on entry. */
export function checkServer(request: unknown, ctx: unknown): string[] {
  const found: string[] = [];
  let url: URL | undefined;
  if (!(request instanceof Request)) {
    found.push(`request is ${describe(request)}, not a Request`);
  } else {
    url = URL.parse(request.url) ?? undefined;
    if (url?.protocol !== "http:" && url?.protocol !== "https:") {
      found.push(`request.url ${JSON.stringify(request.url)} is not an absolute http(s) URL`);
      url = undefined;
    }
    if (!TOKEN.test(request.method)) {
      found.push(`request.method ${JSON.stringify(request.method)} is not a valid token`);
    }
    if (request.bodyUsed) found.push("request body is already used");
  }
  if (typeof ctx !== "object" || ctx === null) {
    found.push(`ctx is ${describe(ctx)}, not an object`);
    return found;
  }
  const c = ctx as Record<keyof Context, unknown>;
  for (const key of ["remoteAddr", "serverAddr"] as const) {
    const problem = addrProblem(c[key]);
    if (problem) found.push(`ctx.${key} ${problem}`);
  }
  if (!(c.completed instanceof Promise)) {
    found.push(`ctx.completed is ${describe(c.completed)}, not a Promise`);
  }
  if (c.scheme !== "http" && c.scheme !== "https") {
    found.push(`ctx.scheme is ${show(c.scheme)}, not "http" or "https"`);
  } else if (url && url.protocol === "https:" && c.scheme !== "https") {
    // (An http URL with an https scheme is a request a trusted proxy received over TLS.)
    found.push(`ctx.scheme is "${c.scheme}" but request.url is https`);
  }
  if (typeof c.protocol !== "string" || !PROTOCOLS.has(c.protocol)) {
    found.push(`ctx.protocol is ${show(c.protocol)}, not HTTP/1.0, HTTP/1.1, HTTP/2 or HTTP/3`);
  }
  if (typeof c.serverName !== "string" || c.serverName === "") {
    found.push(`ctx.serverName is ${show(c.serverName)}, not a non-empty string`);
  }
  const root = c.rootPath;
  if (typeof root !== "string") {
    found.push(`ctx.rootPath is ${describe(root)}, not a string`);
  } else if (root !== "" && (!root.startsWith("/") || root.endsWith("/"))) {
    found.push(
      `ctx.rootPath ${JSON.stringify(root)} must be "" or start with "/" and not end with "/"`,
    );
  }
  for (const key of ["workerId", "workerCount"] as const) {
    if (!isPositiveInteger(c[key])) {
      found.push(`ctx.${key} is ${show(c[key])}, not a positive integer`);
    }
  }
  if (
    isPositiveInteger(c.workerId) && isPositiveInteger(c.workerCount) &&
    (c.workerId as number) > (c.workerCount as number)
  ) {
    found.push(`ctx.workerId ${c.workerId} is greater than ctx.workerCount ${c.workerCount}`);
  }
  if (!(c.signal instanceof AbortSignal)) {
    found.push(`ctx.signal is ${describe(c.signal)}, not an AbortSignal`);
  }
  if (!(c.state instanceof Map)) found.push(`ctx.state is ${describe(c.state)}, not a Map`);
  if (!canLog(ctx)) found.push("ctx.log lacks a debug, info, warn or error function");
  if (typeof c.waitUntil !== "function") {
    found.push(`ctx.waitUntil is ${describe(c.waitUntil)}, not a function`);
  }
  return found;
}

/** True when `ctx.log` has all four logging functions, so violations can be logged to it. */
export function canLog(ctx: unknown): boolean {
  const log = (ctx as { log?: Record<string, unknown> } | null)?.log;
  return typeof log === "object" && log !== null &&
    LOG_METHODS.every((name) => typeof log[name] === "function");
}

function show(value: unknown): string {
  return typeof value === "string" || typeof value === "number"
    ? JSON.stringify(value)
    : describe(value);
}

/** The parsed Content-Length, `undefined` when absent; pushes a violation when malformed. */
export function contentLength(headers: Headers, found: string[]): number | undefined {
  const raw = headers.get("content-length");
  if (raw === null) return undefined;
  if (DIGITS.test(raw)) return Number(raw);
  found.push(`response has content-length ${JSON.stringify(raw)}, not a non-negative integer`);
  return undefined;
}

/**
 * The app's side of the contract for a response already known to be a Response: status,
 * headers, and a body consistent with both. `length` is the parsed Content-Length.
 */
export function checkResponse(
  request: unknown,
  response: Response,
  length: number | undefined,
  found: string[],
): void {
  const { status, headers } = response;
  const upgrade = request instanceof Request && request.headers.has("upgrade");
  const head = request instanceof Request && request.method === "HEAD";
  if (status === 101) {
    if (!upgrade) found.push("response status is 101 but the request asked for no Upgrade");
  } else if (!Number.isInteger(status) || status < 200 || status > 599) {
    found.push(`response status ${status} is not an integer from 200 to 599`);
  }
  for (const name of HOP_BY_HOP) {
    if (headers.has(name) && !(name === "upgrade" && status === 101)) {
      found.push(`response has hop-by-hop header "${name}"`);
    }
  }
  const noBody = status < 200 || status === 204 || status === 205 || status === 304;
  if (noBody && response.body !== null) {
    found.push(`response with status ${status} has a body; it must be null`);
  }
  if ((status < 200 || status === 204) && length !== undefined) {
    found.push(`response with status ${status} has a content-length header`);
  }
  if (!noBody && response.body !== null && !headers.has("content-type")) {
    found.push(`response with status ${status} and a body has no content-type header`);
  }
  if (
    response.body === null && length !== undefined && length > 0 && !noBody && !head
  ) {
    found.push(`response has content-length ${length} but no body (0 bytes)`);
  }
  if (response.bodyUsed) found.push("response body is already used");
  else if (response.body?.locked) found.push("response body is locked by a reader");
}
