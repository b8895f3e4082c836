/**
 * nginx's `log_format`: a format string with variables (`$remote_addr`, `${status}`,
 * `$http_user_agent`…) compiled once into a function that writes one access log line per
 * finished exchange.
 *
 * @module
 */

import { COMBINED_FORMAT } from "../config/load.ts";
import type { LogFormat } from "../config/types.ts";
import type { Completed } from "../types.ts";
import { type Escaper, escaperFor } from "./_escape.ts";
import { type Getter, lookupVariable } from "./_variables.ts";

/** What an access log line needs besides the {@linkcode Completed} exchange. */
export interface LogVars {
  /** `$uri`: the decoded, normalised URI the request ended up with (after rewrites). */
  uri: string;
  /** The reply's header fields, flat (`[name0, value0, …]`), for `$sent_http_<name>`. */
  replyHeaders?: readonly string[];
  /** `$server_name`: the name of the server that answered (its first `server_name`). */
  serverName?: string;
  /** `$connection`: the connection's serial number. */
  connection?: number;
  /** `$connection_requests`: how many requests this connection has carried, this one included. */
  connectionRequests?: number;
  /** When the line is written, in ms since the epoch (`$time_local`, `$msec`); default now. */
  now?: number;
}

/** A compiled `log_format`: one access log line (without its newline) per finished exchange. */
export type LogLine = (done: Completed, extra: LogVars) => string;

/** nginx's `combined` format, which `main` names too (defined with the config's defaults). */
export { COMBINED_FORMAT };

type Part = string | { get: Getter; escape: Escaper | null };

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** Splits `format` into literal text and variables, nginx's way (`$name`, `${name}`). */
function parse(format: string): (string | { name: string })[] {
  const parts: (string | { name: string })[] = [];
  let literal = "";
  let i = 0;
  while (i < format.length) {
    const dollar = format.indexOf("$", i);
    if (dollar === -1) {
      literal += format.slice(i);
      break;
    }
    literal += format.slice(i, dollar);
    let name: string;
    if (format[dollar + 1] === "{") {
      const close = format.indexOf("}", dollar + 2);
      if (close === -1) {
        throw new SyntaxError(
          `Cannot compile log format: missing "}" after "${format.slice(dollar)}"`,
        );
      }
      name = format.slice(dollar + 2, close);
      i = close + 1;
    } else {
      let end = dollar + 1;
      while (end < format.length && isNameChar(format.charCodeAt(end))) end++;
      name = format.slice(dollar + 1, end);
      i = end;
    }
    if (name === "" || ![...name].every((c) => isNameChar(c.charCodeAt(0)))) {
      throw new SyntaxError(
        `Cannot compile log format: invalid variable name at "${format.slice(dollar)}"`,
      );
    }
    if (literal !== "") parts.push(literal);
    literal = "";
    parts.push({ name });
  }
  if (literal !== "") parts.push(literal);
  return parts;
}

/**
 * Compiles a `log_format` once into a function called per finished exchange. Variables:
 * `$remote_addr`, `$remote_port`, `$remote_user` (from a Basic `Authorization` header),
 * `$time_local`, `$time_iso8601`, `$msec` (times in UTC), `$request`, `$request_method`,
 * `$request_uri`, `$uri` / `$document_uri`, `$args` / `$query_string`, `$is_args`, `$status`,
 * `$body_bytes_sent`, `$bytes_sent`, `$request_length`, `$request_time`,
 * `$request_completion`, `$host`, `$server_name`, `$server_port`, `$server_protocol`,
 * `$scheme`, `$https`, `$connection`, `$connection_requests`, `$pid`, `$hostname`,
 * `$content_type`, `$content_length`, and by prefix `$http_<header>`, `$sent_http_<header>`,
 * `$cookie_<name>`, `$arg_<name>` (dashes written as underscores). `${name}` sets a name off
 * from text that follows it.
 *
 * Values are escaped by `format.escape`, as nginx does: `default` writes `"`, `\` and bytes
 * below 0x20 or from 0x7f as `\xHH`, and a missing value as `-`; `json` escapes as JSON
 * strings and writes a missing value as nothing; `none` writes values as they are (a missing
 * one as nothing).
 *
 * @throws {SyntaxError} for a malformed or unknown variable, naming it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileLogFormat, COMBINED_FORMAT } from "./log_format.ts";
 * import type { Completed } from "../types.ts";
 *
 * const done: Completed = {
 *   exchange: {
 *     head: {
 *       method: "GET", target: "/a?x=1", path: "/a", query: "x=1", version: "1.1",
 *       headers: ["user-agent", "curl/8"], host: "localhost", keepAlive: true, contentLength: 0,
 *     },
 *     remoteAddr: "10.0.0.1", remotePort: 5000, listen: "0.0.0.0:8080", serverPort: 8080,
 *     scheme: "http", start: 0, body: null,
 *   },
 *   status: 200, bytesSent: 120, bodyBytesSent: 5, bytesReceived: 80, end: 2,
 * };
 * const now = Date.UTC(2026, 10, 26, 14, 21, 45);
 * const combined = compileLogFormat({ format: COMBINED_FORMAT, escape: "default" });
 * assert.equal(
 *   combined(done, { uri: "/a", now }),
 *   '10.0.0.1 - - [26/Nov/2026:14:21:45 +0000] "GET /a?x=1 HTTP/1.1" 200 5 "-" "curl/8"',
 * );
 * const json = compileLogFormat({ format: '{"uri":"$uri","t":$request_time}', escape: "json" });
 * assert.equal(json(done, { uri: "/a" }), '{"uri":"/a","t":0.002}');
 * ```
 */
export function compileLogFormat(format: LogFormat): LogLine {
  const mode = format.escape;
  const missing = mode === "default" ? "-" : "";
  const parts: Part[] = parse(format.format).map((part) => {
    if (typeof part === "string") return part;
    const variable = lookupVariable(part.name);
    if (variable === null) {
      throw new SyntaxError(`Cannot compile log format: unknown variable "$${part.name}"`);
    }
    return { get: variable.get, escape: variable.safe ? null : escaperFor(mode, variable.text) };
  });
  const count = parts.length;
  return (done, extra) => {
    let line = "";
    for (let i = 0; i < count; i++) {
      const part = parts[i];
      if (typeof part === "string") {
        line += part;
        continue;
      }
      const value = part.get(done, extra);
      if (value === null) line += missing;
      else line += part.escape === null ? value : part.escape(value);
    }
    return line;
  };
}
