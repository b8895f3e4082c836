// Helpers for the stream server's tests: echo backends that greet with their name (so a client
// sees which one answered), a stream server started from TOML on port 0 with its log kept,
// reads bounded in time. Every wait is bounded. Private to the stream module's tests.

import assert from "node:assert/strict";
import { createLogger } from "../../gateway/mod.ts";
import { parseProxyConfig, type ProxyConfig } from "../config/mod.ts";
import type { UpstreamState } from "../upstream/mod.ts";
import { startStreamServer } from "./stream_server.ts";
import type { TcpService } from "./tcp_service.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A TCP backend: greets with `NAME\n`, echoes what it gets, records every connection's bytes. */
export interface Backend extends AsyncDisposable {
  name: string;
  address: string;
  /** Its TCP port (0 on a unix socket). */
  port: number;
  /** Each connection's bytes so far. */
  received: Uint8Array[][];
  /** Connections that ended (the proxy closed its side). */
  ended: number;
  close(): Promise<void>;
}

function closeQuietly(closable: { close(): void }): void {
  try {
    closable.close();
  } catch { /* closed */ }
}

/** Starts a {@linkcode Backend} on 127.0.0.1:0, or on the unix socket `path`. */
export function startBackend(
  name: string,
  options: { greet?: boolean; path?: string } = {},
): Backend {
  const listener = options.path
    ? Deno.listen({ transport: "unix", path: options.path })
    : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serving = new Set<Promise<void>>();
  const port = options.path ? 0 : (listener.addr as Deno.NetAddr).port;
  const result: Backend = {
    name,
    address: options.path ? `unix:${options.path}` : `127.0.0.1:${port}`,
    port,
    received: [],
    ended: 0,
    async close() {
      closeQuietly(listener);
      for (const conn of conns) closeQuietly(conn);
      await accepting;
      await Promise.all(serving);
    },
    [Symbol.asyncDispose]() {
      return result.close();
    },
  };
  const serve = async (conn: Deno.Conn) => {
    const record: Uint8Array[] = [];
    result.received.push(record);
    try {
      if (options.greet ?? true) await writeAll(conn, `${name}\n`);
      const buf = new Uint8Array(64 * 1024);
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        record.push(buf.slice(0, n));
        await writeAll(conn, buf.subarray(0, n));
      }
      await conn.closeWrite();
    } catch {
      /* cut */
    } finally {
      result.ended++;
      conns.delete(conn);
      closeQuietly(conn);
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        const p = serve(conn);
        serving.add(p);
        p.finally(() => serving.delete(p));
      }
    } catch { /* closed */ }
  })();
  return result;
}

/** Writes all of `data` (text as UTF-8). */
export async function writeAll(conn: Deno.Conn, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

/** A port nothing listens on. */
export function deadPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** Reads until `text` has arrived, the end, or 5 s; what came. */
export async function readUntil(conn: Deno.Conn, text: string): Promise<string> {
  let got = "";
  const buf = new Uint8Array(4096);
  const timer = setTimeout(() => closeQuietly(conn), 5000);
  try {
    while (!got.includes(text)) {
      const n = await conn.read(buf);
      if (n === null) break;
      got += decoder.decode(buf.subarray(0, n));
    }
  } catch {
    /* closed by the timer */
  } finally {
    clearTimeout(timer);
  }
  return got;
}

/** Reads everything until the server closes (or 5 s). */
export function readAll(conn: Deno.Conn): Promise<string> {
  return readUntil(conn, "\u0000never\u0000");
}

/** Waits for `check` to hold, up to 5 s. */
export async function until(check: () => boolean, what: string): Promise<void> {
  for (let k = 0; k < 500 && !check(); k++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
}

/** A stream server started by {@linkcode startStream}; `await using` drains it. */
export interface StartedStream extends AsyncDisposable {
  service: TcpService;
  port: number;
  /** Every log line so far (debug level up). */
  lines: string[];
}

/** Starts the first `[[stream.server]]` of `toml` (or of `options.config`) as worker 1. */
export async function startStream(
  toml: string,
  options: { config?: ProxyConfig; state?: UpstreamState } = {},
): Promise<StartedStream> {
  const config = options.config ?? parseProxyConfig(toml, "/srv/ngw2f.toml");
  const lines: string[] = [];
  const log = createLogger({ level: "debug", write: (line) => lines.push(line) });
  const service = await startStreamServer(config.streamServers[0], {
    config,
    log,
    workerId: 1,
    ...(options.state ? { upstreamState: options.state } : {}),
  });
  return {
    service,
    port: service.addresses[0].port,
    lines,
    async [Symbol.asyncDispose]() {
      await service.drain(0);
    },
  };
}

/** A `[[stream.server]]` on 127.0.0.1:0 passing to `pass`, with `extra` TOML lines. */
export const streamServer = (pass: string, extra = ""): string =>
  `[[stream.server]]\nlisten = "127.0.0.1:0"\nproxy_pass = "${pass}"\n${extra}`;

/** `[stream.upstream.g]` with `servers`, and `extra` TOML lines. */
export const group = (servers: string[], extra = ""): string =>
  `[stream.upstream.g]\nserver = ${JSON.stringify(servers)}\n${extra}\n`;

/** Connects, reads the greeting line: the backend's name. */
export async function whoAnswers(port: number): Promise<{ conn: Deno.Conn; name: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const line = await readUntil(conn, "\n");
  return { conn, name: line.trim() };
}

/** One short session: who answered; the session is over (both sides closed) on return. */
export async function once(port: number): Promise<string> {
  const { conn, name } = await whoAnswers(port);
  await conn.closeWrite();
  await readAll(conn);
  conn.close();
  return name;
}
