/**
 * Access log lines in nginx's `combined` format, so existing log tools can read them.
 *
 * @module
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** One answered request, as an access log sees it. */
export interface AccessRecord {
  /** The client's address. */
  remoteAddr: Deno.Addr;
  /** The request. */
  request: Request;
  /** The request line's HTTP version. */
  protocol: string;
  /** The status sent. */
  status: number;
  /** Body bytes sent. */
  bytes: number;
  /** When the request arrived; default now. */
  time?: Date;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function clfTime(date: Date): string {
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function quoted(value: string | null): string {
  if (value === null || value === "") return "-";
  return value.replace(/["\\]/g, (c) => `\\${c}`).replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/**
 * Formats `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
 * "$http_referer" "$http_user_agent"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCombined } from "./access_log.ts";
 *
 * const line = formatCombined({
 *   remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 5000 },
 *   request: new Request("http://localhost/?q=1", { headers: { "user-agent": "curl/8" } }),
 *   protocol: "HTTP/1.0", status: 200, bytes: 14, time: new Date(Date.UTC(2026, 10, 26)),
 * });
 * assert.equal(line, '127.0.0.1 - - [26/Nov/2026:00:00:00 +0000] "GET /?q=1 HTTP/1.0" 200 14 "-" "curl/8"');
 * ```
 */
export function formatCombined(record: AccessRecord): string {
  const { request } = record;
  const addr = record.remoteAddr;
  const remote = "hostname" in addr ? addr.hostname : "unix";
  const url = request.url;
  const target = url.slice(url.indexOf("/", url.indexOf("//") + 2)) || "/";
  const auth = request.headers.get("authorization");
  let user = "-";
  if (auth?.startsWith("Basic ")) {
    try {
      user = atob(auth.slice(6)).split(":", 1)[0] || "-";
    } catch { /* not base64: no user */ }
  }
  return `${remote} - ${quoted(user)} [${clfTime(record.time ?? new Date())}] ` +
    `"${request.method} ${quoted(target)} ${record.protocol}" ${record.status} ${record.bytes} ` +
    `"${quoted(request.headers.get("referer"))}" "${quoted(request.headers.get("user-agent"))}"`;
}
