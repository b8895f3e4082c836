/**
 * A worker's access logs for a whole config: every `access_log` target opened once (shared
 * by the locations that name it), every `log_format` compiled once, lines written per
 * finished exchange to the targets of the location that answered.
 *
 * @module
 */

import type { LogFormat, ProxyConfig, Settings } from "../config/types.ts";
import type { Completed } from "../types.ts";
import { type AccessLogOptions, type AccessLogSink, openAccessLog } from "./access_log.ts";
import { compileLogFormat, type LogLine, type LogVars } from "./log_format.ts";

/** What {@linkcode AccessLogs} reads of a config. */
export type AccessLogsConfig = Pick<ProxyConfig, "logFormats" | "servers">;

function targetsOf(config: AccessLogsConfig): Settings["accessLog"] {
  const targets: Settings["accessLog"] = [];
  for (const server of config.servers) {
    targets.push(...server.settings.accessLog);
    for (const location of server.locations) targets.push(...location.settings.accessLog);
  }
  return targets;
}

/**
 * The access logs of a config. Construction compiles the formats the config's `access_log`
 * entries use and opens their files (so a bad format or path fails at start, as in nginx).
 *
 * @throws {Error} naming an unknown format, a bad variable or a file that cannot be opened.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AccessLogs } from "./access_logs.ts";
 * import { COMBINED_FORMAT } from "./log_format.ts";
 * import type { Completed } from "../types.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const settings = { accessLog: [{ path: `${dir}/access.log`, format: "combined" }] };
 * const logs = new AccessLogs({
 *   logFormats: { combined: { format: COMBINED_FORMAT, escape: "default" } },
 *   // deno-lint-ignore no-explicit-any
 *   servers: [{ settings, locations: [] } as any],
 * });
 * const done = {
 *   exchange: {
 *     head: { method: "GET", target: "/", version: "1.1", headers: [], query: "" },
 *     remoteAddr: "127.0.0.1",
 *   },
 *   status: 200, bodyBytesSent: 2,
 * } as unknown as Completed;
 * logs.write(done, settings, { uri: "/" });
 * logs.close();
 * assert.match(await Deno.readTextFile(`${dir}/access.log`), /"GET \/ HTTP\/1.1" 200 2 "-" "-"\n$/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class AccessLogs {
  readonly #formats = new Map<string, LogLine>();
  readonly #sinks = new Map<string, AccessLogSink>();
  readonly #logFormats: Record<string, LogFormat>;

  /** Compiles the used formats and opens the targets of `config`. */
  constructor(config: AccessLogsConfig, options: AccessLogOptions = {}) {
    this.#logFormats = config.logFormats;
    try {
      for (const target of targetsOf(config)) {
        this.#format(target.format);
        if (!this.#sinks.has(target.path)) {
          this.#sinks.set(target.path, openAccessLog(target.path, options));
        }
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Writes one line per `settings.accessLog` target (each format run once per call). */
  write(done: Completed, settings: Pick<Settings, "accessLog">, vars: LogVars): void {
    const targets = settings.accessLog;
    if (targets.length === 1) {
      const target = targets[0];
      this.#sink(target.path).write(this.#format(target.format)(done, vars));
      return;
    }
    const lines = new Map<string, string>();
    for (const target of targets) {
      let line = lines.get(target.format);
      if (line === undefined) {
        lines.set(target.format, line = this.#format(target.format)(done, vars));
      }
      this.#sink(target.path).write(line);
    }
  }

  /** Flushes every log. */
  flush(): void {
    for (const sink of this.#sinks.values()) sink.flush();
  }

  /** Reopens every log file (USR1, `-s reopen`); throws the first failure after trying all. */
  reopen(): void {
    let failure: unknown;
    for (const sink of this.#sinks.values()) {
      try {
        sink.reopen();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** Flushes and closes every log. Idempotent. */
  close(): void {
    for (const sink of this.#sinks.values()) sink.close();
  }

  #format(name: string): LogLine {
    let line = this.#formats.get(name);
    if (line === undefined) {
      const format = Object.hasOwn(this.#logFormats, name) ? this.#logFormats[name] : undefined;
      if (format === undefined) {
        throw new Error(`Cannot write access log: unknown log format "${name}"`);
      }
      this.#formats.set(name, line = compileLogFormat(format));
    }
    return line;
  }

  #sink(path: string): AccessLogSink {
    let sink = this.#sinks.get(path);
    if (sink === undefined) this.#sinks.set(path, sink = openAccessLog(path));
    return sink;
  }
}
