// Private to logs/: the access log's variables, by name, each a getter over a finished
// exchange. A getter returns `null` when the value is missing (nginx's "not found").

import type { Completed } from "../types.ts";
import type { LogVars } from "./log_format.ts";
import { secondsWithMillis, timeIso8601, timeLocal } from "./_clock.ts";

/** Reads one variable; `null` when it is missing. */
export type Getter = (done: Completed, extra: LogVars) => string | null;

/** A variable: its getter, whether its values never need escaping, and whether it is text. */
export interface Variable {
  get: Getter;
  /** Digits, dots and fixed punctuation only: written without escaping. */
  safe: boolean;
  /** Unicode text (`$uri`), not a byte string. */
  text: boolean;
}

function plain(get: Getter): Variable {
  return { get, safe: false, text: false };
}

function safe(get: Getter): Variable {
  return { get, safe: true, text: false };
}

function now(extra: LogVars): number {
  return extra.now ?? Date.now();
}

let hostname: string | undefined;

/** The user name of a Basic `Authorization` header (a byte string), or null. */
export function basicUser(value: string | null): string | null {
  if (value === null || value.length < 7 || value.slice(0, 6).toLowerCase() !== "basic ") {
    return null;
  }
  let decoded: string;
  try {
    decoded = atob(value.slice(6).trim());
  } catch {
    return null; // not base64: no user
  }
  const colon = decoded.indexOf(":");
  return colon === -1 ? null : decoded.slice(0, colon);
}

/** Every value of request header `name`, joined as nginx joins them (`; ` for cookies). */
function requestHeader(done: Completed, name: string): string | null {
  const headers = done.exchange.head.headers;
  let value: string | null = null;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== name) continue;
    value = value === null
      ? headers[i + 1]
      : `${value}${name === "cookie" ? "; " : ", "}${headers[i + 1]}`;
  }
  return value;
}

/** The first value of reply header `name` (lower-case), matched without regard to case. */
function replyHeader(extra: LogVars, name: string): string | null {
  const headers = extra.replyHeaders;
  if (!headers) return null;
  for (let i = 0; i < headers.length; i += 2) {
    const key = headers[i];
    if (key.length === name.length && key.toLowerCase() === name) return headers[i + 1];
  }
  return null;
}

/** `name=value` pairs separated by `separator`: the raw value of `key` (any case), or null. */
function pairValue(list: string | null, separator: string, key: string): string | null {
  if (list === null) return null;
  for (const part of list.split(separator)) {
    const item = part.trim();
    const eq = item.indexOf("=");
    const name = eq === -1 ? item : item.slice(0, eq);
    if (name.length === key.length && name.toLowerCase() === key) {
      return eq === -1 ? "" : item.slice(eq + 1);
    }
  }
  return null;
}

const VARIABLES: Record<string, Variable> = {
  remote_addr: plain((d) => d.exchange.remoteAddr),
  binary_remote_addr: plain((d) => d.exchange.remoteAddr),
  proxy_add_x_forwarded_for: plain((d) => {
    const forwarded = requestHeader(d, "x-forwarded-for");
    return forwarded ? `${forwarded}, ${d.exchange.remoteAddr}` : d.exchange.remoteAddr;
  }),
  remote_port: safe((d) => String(d.exchange.remotePort)),
  remote_user: plain((d) => basicUser(requestHeader(d, "authorization"))),
  time_local: safe((_, e) => timeLocal(now(e))),
  time_iso8601: safe((_, e) => timeIso8601(now(e))),
  msec: safe((_, e) => secondsWithMillis(now(e))),
  request: plain(({ exchange: { head } }) => `${head.method} ${head.target} HTTP/${head.version}`),
  request_method: plain((d) => d.exchange.head.method),
  request_uri: plain((d) => d.exchange.head.target),
  uri: { get: (_, e) => e.uri, safe: false, text: true },
  document_uri: { get: (_, e) => e.uri, safe: false, text: true },
  args: plain((d) => d.exchange.head.query || null),
  query_string: plain((d) => d.exchange.head.query || null),
  is_args: safe((d) => d.exchange.head.query ? "?" : ""),
  status: safe((d) => String(d.status).padStart(3, "0")),
  body_bytes_sent: safe((d) => String(d.bodyBytesSent)),
  bytes_sent: safe((d) => String(d.bytesSent)),
  request_length: safe((d) => String(d.bytesReceived)),
  request_time: safe((d) => secondsWithMillis(d.end - d.exchange.start)),
  request_completion: safe((d) => d.error ? "" : "OK"),
  host: plain((d, e) => d.exchange.head.host || e.serverName || ""),
  server_name: plain((_, e) => e.serverName ?? null),
  server_port: safe((d) => String(d.exchange.serverPort)),
  server_protocol: safe((d) => `HTTP/${d.exchange.head.version}`),
  scheme: safe((d) => d.exchange.scheme),
  https: safe((d) => d.exchange.scheme === "https" ? "on" : ""),
  connection: safe((_, e) => e.connection === undefined ? null : String(e.connection)),
  connection_requests: safe((_, e) =>
    e.connectionRequests === undefined ? null : String(e.connectionRequests)
  ),
  pid: safe(() => String(Deno.pid)),
  hostname: plain(() => hostname ??= Deno.hostname()),
  content_type: plain((d) => requestHeader(d, "content-type")),
  content_length: plain((d) => requestHeader(d, "content-length")),
};

/** The variable called `name` (without `$`, any case), or null when nginx would not know it. */
export function lookupVariable(name: string): Variable | null {
  const lower = name.toLowerCase();
  const known = Object.hasOwn(VARIABLES, lower) ? VARIABLES[lower] : undefined;
  if (known) return known;
  if (lower.startsWith("http_") && lower.length > 5) {
    const header = lower.slice(5).replaceAll("_", "-");
    return plain((d) => requestHeader(d, header));
  }
  if (lower.startsWith("sent_http_") && lower.length > 10) {
    const header = lower.slice(10).replaceAll("_", "-");
    return plain((_, e) => replyHeader(e, header));
  }
  if (lower.startsWith("cookie_") && lower.length > 7) {
    const cookie = lower.slice(7);
    return plain((d) => pairValue(requestHeader(d, "cookie"), ";", cookie));
  }
  if (lower.startsWith("arg_") && lower.length > 4) {
    const arg = lower.slice(4);
    return plain((d) => pairValue(d.exchange.head.query || null, "&", arg));
  }
  return null;
}
