/**
 * The proxy's logs: nginx `log_format` lines compiled once ({@linkcode compileLogFormat}),
 * buffered access log files ({@linkcode openAccessLog}) and an nginx-style error log
 * ({@linkcode openErrorLog}), and a config's set of access logs ({@linkcode AccessLogs}), all
 * reopened on USR1 / `-s reopen` for logrotate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { COMBINED_FORMAT, compileLogFormat, openAccessLog } from "./mod.ts";
 *
 * const line = compileLogFormat({ format: COMBINED_FORMAT, escape: "default" });
 * const dir = await Deno.makeTempDir();
 * const log = openAccessLog(`${dir}/access.log`);
 * log.write(line({
 *   exchange: {
 *     head: {
 *       method: "GET", target: "/", path: "/", query: "", version: "1.1", headers: [],
 *       host: "localhost", keepAlive: true, contentLength: 0,
 *     },
 *     remoteAddr: "127.0.0.1", remotePort: 40000, listen: "127.0.0.1:8080",
 *     serverPort: 8080, scheme: "http", start: 0, body: null,
 *   },
 *   status: 404, bytesSent: 300, bodyBytesSent: 153, bytesReceived: 40, end: 1,
 * }, { uri: "/" }));
 * log.close();
 * assert.match(await Deno.readTextFile(`${dir}/access.log`), /^127\.0\.0\.1 - - \[.+\] "GET \/ HTTP\/1\.1" 404 153 "-" "-"\n$/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export { COMBINED_FORMAT, compileLogFormat, type LogLine, type LogVars } from "./log_format.ts";
export { type AccessLogOptions, type AccessLogSink, openAccessLog } from "./access_log.ts";
export { AccessLogs, type AccessLogsConfig } from "./access_logs.ts";
export { type ErrorLog, type ErrorLogOptions, openErrorLog } from "./error_log.ts";
