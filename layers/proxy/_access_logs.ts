// The proxy's access logs: one sink per path, one compiled line per log_format, shared by every
// location that names them. Private to the proxy pipeline.

import type { ProxyConfig, ServerConfig, Settings } from "./config/types.ts";
import { compileLogFormat, type LogLine, openAccessLog } from "./logs/mod.ts";
import type { AccessLogSink } from "./logs/mod.ts";
import type { Completed, Reply } from "./types.ts";

/** Every access log the config names, opened once per worker. */
export class AccessLogs {
  readonly #sinks = new Map<string, AccessLogSink>();
  readonly #formats = new Map<string, LogLine>();

  constructor(config: ProxyConfig) {
    for (const [name, format] of Object.entries(config.logFormats)) {
      this.#formats.set(name, compileLogFormat(format));
    }
  }

  #sink(path: string): AccessLogSink {
    let sink = this.#sinks.get(path);
    if (!sink) this.#sinks.set(path, sink = openAccessLog(path));
    return sink;
  }

  /** Writes `done` to each access log of `settings`. */
  write(done: Completed, settings: Settings, server: ServerConfig, uri: string, reply?: Reply) {
    const extra = {
      uri,
      serverName: server.serverNames[0] ?? "",
      ...(reply ? { replyHeaders: reply.headers } : {}),
    };
    for (const target of settings.accessLog) {
      const line = this.#formats.get(target.format);
      if (line) this.#sink(target.path).write(line(done, extra));
    }
  }

  /** Reopens every file (logrotate renamed them). */
  reopen(): void {
    for (const sink of this.#sinks.values()) sink.reopen();
  }

  /** Flushes and closes every sink. */
  async close(): Promise<void> {
    for (const sink of this.#sinks.values()) await sink.close();
  }
}
