/**
 * What the mail and stream servers share: listeners for one server's addresses (TCP, or TLS
 * from the first byte), `worker_connections`, `limit_conn` and `limit_req` per new connection
 * (keys from the connection's variables), session tracking, and a drain that lets sessions
 * run out their grace time before it cuts them.
 *
 * @module
 */

import { listenError, type Logger } from "../../gateway/mod.ts";
import {
  compileTemplate,
  type LimitConnZoneConfig,
  type LimitReqZoneConfig,
  type ProxyConfig,
  type TcpListenConfig,
} from "../config/mod.ts";
import {
  type LimitConnCheck,
  LimitConnZone,
  type LimitReqCheck,
  LimitReqZone,
  resolveLimitConnRule,
  resolveLimitReqRule,
} from "../limits/mod.ts";
import { listenTls, type TlsKeyPair } from "../http/tls.ts";
import { closeOnce, type UpstreamState } from "../upstream/mod.ts";

/** What a proxy worker hands each mail or stream server it starts. */
export interface TcpServerContext {
  /** The whole config (zones, `worker_connections`, upstream groups). */
  config: ProxyConfig;
  /** The worker's error log. */
  log: Logger;
  /** The worker's number (1-based). */
  workerId: number;
  /** The limit zones' shared memory, by zone name. */
  limitBuffers?: {
    conn: Record<string, SharedArrayBuffer>;
    req: Record<string, SharedArrayBuffer>;
  };
  /** The stream upstream groups' shared peer state. */
  upstreamState?: UpstreamState;
}

/** The two ends of an accepted connection. */
export interface ConnectionInfo {
  /** The client's address (`127.0.0.1`, `::1`). */
  remoteAddr: string;
  /** The client's port. */
  remotePort: number;
  /** The address the client reached. */
  serverAddr: string;
  /** The port the client reached. */
  serverPort: number;
  /** Whether the listener speaks TLS from the first byte. */
  tls: boolean;
}

/**
 * The value of a stream variable (`$remote_addr`, `$binary_remote_addr`, `$remote_port`,
 * `$server_addr`, `$server_port`, `$protocol`) for a connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectionVariable } from "./tcp_service.ts";
 *
 * const info = { remoteAddr: "::1", remotePort: 4000, serverAddr: "::1", serverPort: 25, tls: false };
 * assert.equal(connectionVariable(info, "remote_port"), "4000");
 * assert.equal(connectionVariable(info, "protocol"), "TCP");
 * ```
 */
export function connectionVariable(info: ConnectionInfo, name: string): string {
  switch (name) {
    case "remote_addr":
    case "binary_remote_addr":
      return info.remoteAddr;
    case "remote_port":
      return String(info.remotePort);
    case "server_addr":
      return info.serverAddr;
    case "server_port":
      return String(info.serverPort);
    case "protocol":
      return "TCP";
    default:
      return "";
  }
}

/** A connection being served, and what must close with it. */
export interface TcpSession {
  /** The client's connection (TLS already set up on `ssl` addresses). */
  readonly conn: Deno.Conn;
  /** Its two ends. */
  readonly info: ConnectionInfo;
  /** Also closes `closable` when the session is cut (drain timeout) or ends. */
  adopt(closable: { close(): void }): void;
}

/** Why a new connection was refused. */
export type TcpRefusal = "worker_connections" | "limit_conn" | "limit_req";

/** What {@linkcode TcpService.start} needs. */
export interface TcpServiceOptions {
  /** Where it listens. */
  listen: TcpListenConfig[];
  /** The certificate for `ssl` listen entries. */
  tls?: TlsKeyPair | null;
  /** Most sessions at once in this worker (`worker_connections`). */
  maxConnections: number;
  /** `limit_conn` rules, their zones' configs and (shared) buffers. */
  limitConn?: { zone: string; limit: number }[];
  /** `limit_req` rules: over the rate (plus burst) a new connection is refused. */
  limitReq?: { zone: string; burst: number }[];
  /** The config's zones. */
  zones?: {
    conn: Record<string, LimitConnZoneConfig>;
    req: Record<string, LimitReqZoneConfig>;
  };
  /** The zones' shared memory (from the master); each worker's own memory when missing. */
  buffers?: { conn: Record<string, SharedArrayBuffer>; req: Record<string, SharedArrayBuffer> };
  /** Serves one session; the connection is closed when it settles. */
  handle(session: TcpSession): Promise<void>;
  /** Says no to a refused connection (a mail server writes its 421); it is closed after. */
  refuse?(conn: Deno.Conn, why: TcpRefusal): Promise<void>;
  /** Where accept failures go. */
  log: Logger;
  /** Binds with `SO_REUSEPORT`, as every worker listens. Default true. */
  reusePort?: boolean;
}

/** Counters of one service. */
export interface TcpServiceStats {
  /** Connections accepted. */
  accepted: number;
  /** Sessions served to their end (refused ones not counted). */
  handled: number;
  /** Sessions open now. */
  active: number;
}

interface Open {
  conn: Deno.Conn;
  adopted: { close(): void }[];
  done: Promise<void>;
}

/** One mail or stream server's listeners and sessions in one worker. */
export class TcpService {
  readonly #options: TcpServiceOptions;
  readonly #listeners: Deno.Listener[] = [];
  readonly #open = new Set<Open>();
  readonly #connChecks: {
    zone: LimitConnZone;
    key: (info: ConnectionInfo) => string;
    rule: ReturnType<typeof resolveLimitConnRule>;
  }[] = [];
  readonly #reqChecks: {
    zone: LimitReqZone;
    key: (info: ConnectionInfo) => string;
    rule: ReturnType<typeof resolveLimitReqRule>;
  }[] = [];
  #stats: TcpServiceStats = { accepted: 0, handled: 0, active: 0 };
  #accepting: Promise<void>[] = [];

  private constructor(options: TcpServiceOptions) {
    this.#options = options;
    for (const rule of options.limitConn ?? []) {
      const config = options.zones!.conn[rule.zone];
      const key = compileTemplate(config.key, "stream");
      this.#connChecks.push({
        zone: new LimitConnZone(config, options.buffers?.conn[rule.zone]),
        key: (info) => key((name) => connectionVariable(info, name)),
        rule: resolveLimitConnRule({ zone: rule.zone, limit: rule.limit }),
      });
    }
    for (const rule of options.limitReq ?? []) {
      const config = options.zones!.req[rule.zone];
      const key = compileTemplate(config.key, "stream");
      this.#reqChecks.push({
        zone: new LimitReqZone(config, options.buffers?.req[rule.zone]),
        key: (info) => key((name) => connectionVariable(info, name)),
        rule: resolveLimitReqRule({ zone: rule.zone, burst: rule.burst, nodelay: true }),
      });
    }
  }

  /**
   * Listens on every address of `options.listen` and serves each connection with
   * `options.handle`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { silentLogger } from "../../gateway/mod.ts";
   * import { TcpService } from "./tcp_service.ts";
   *
   * const service = await TcpService.start({
   *   listen: [{ address: "127.0.0.1:0", ssl: false }],
   *   maxConnections: 10,
   *   log: silentLogger,
   *   async handle({ conn }) {
   *     await conn.write(new TextEncoder().encode("hello\n"));
   *   },
   * });
   * const conn = await Deno.connect({ port: service.addresses[0].port });
   * const buf = new Uint8Array(6);
   * assert.equal(await conn.read(buf), 6);
   * conn.close();
   * await service.drain(1000);
   * ```
   */
  static start(options: TcpServiceOptions): Promise<TcpService> {
    const service = new TcpService(options);
    for (const entry of options.listen) {
      const colon = entry.address.lastIndexOf(":");
      let hostname = entry.address.slice(0, colon);
      if (hostname.startsWith("[")) hostname = hostname.slice(1, -1);
      const port = Number(entry.address.slice(colon + 1));
      const reusePort = options.reusePort ?? true;
      let listener: Deno.Listener;
      if (entry.ssl && !options.tls) {
        service.#closeListeners();
        throw new TypeError(`Cannot listen on "${entry.address}" with ssl: no certificate`);
      }
      try {
        listener = entry.ssl
          ? listenTls({ hostname, port, reusePort, certificates: [options.tls!], log: options.log })
          : Deno.listen({ hostname, port, reusePort });
      } catch (error) {
        // The addresses bound so far are let go; the master stops on it, naming the address.
        service.#closeListeners();
        throw listenError(entry.address, error);
      }
      service.#listeners.push(listener);
      service.#accepting.push(service.#acceptLoop(listener, entry.ssl));
    }
    return Promise.resolve(service);
  }

  /** The bound addresses, in `listen` order. */
  get addresses(): Deno.NetAddr[] {
    return this.#listeners.map((l) => l.addr as Deno.NetAddr);
  }

  /** Its counters. */
  stats(): TcpServiceStats {
    return { ...this.#stats };
  }

  async #acceptLoop(listener: Deno.Listener, tls: boolean): Promise<void> {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
          return; // closed by drain()
        }
        this.#options.log.error(`Cannot accept a connection: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      this.#stats.accepted++;
      this.#serve(conn, tls);
    }
  }

  #serve(conn: Deno.Conn, tls: boolean): void {
    const remote = conn.remoteAddr as Deno.NetAddr;
    const local = conn.localAddr as Deno.NetAddr;
    const info: ConnectionInfo = {
      remoteAddr: remote.hostname,
      remotePort: remote.port,
      serverAddr: local.hostname,
      serverPort: local.port,
      tls,
    };
    const refusal = this.#admit(info);
    if (typeof refusal === "string") {
      const refuse = this.#options.refuse?.(conn, refusal) ?? Promise.resolve();
      refuse.catch(() => {}).finally(() => closeOnce(conn));
      return;
    }
    const open: Open = { conn, adopted: [], done: Promise.resolve() };
    const session: TcpSession = {
      conn,
      info,
      adopt: (closable) => void open.adopted.push(closable),
    };
    this.#open.add(open);
    this.#stats.active++;
    open.done = (async () => {
      try {
        await this.#options.handle(session);
      } catch (error) {
        this.#options.log.error(
          `A session from ${info.remoteAddr}:${info.remotePort} failed: ${
            (error as Error).message
          }`,
        );
      } finally {
        refusal();
        closeOnce(conn);
        for (const closable of open.adopted) closeOnce(closable);
        this.#open.delete(open);
        this.#stats.active--;
        this.#stats.handled++;
      }
    })();
  }

  /** The release of the connection's places, or why it is refused. */
  #admit(info: ConnectionInfo): TcpRefusal | (() => void) {
    if (this.#stats.active >= this.#options.maxConnections) return "worker_connections";
    if (this.#reqChecks.length) {
      const checks: LimitReqCheck[] = [];
      for (const c of this.#reqChecks) {
        const key = c.key(info);
        if (key !== "") checks.push({ zone: c.zone, key, rule: c.rule });
      }
      if (checks.length && LimitReqZone.checkAll(checks, Date.now()).action === "reject") {
        return "limit_req";
      }
    }
    if (!this.#connChecks.length) return () => {};
    const checks: LimitConnCheck[] = [];
    for (const c of this.#connChecks) {
      const key = c.key(info);
      if (key !== "") checks.push({ zone: c.zone, key, rule: c.rule });
    }
    const decision = LimitConnZone.acquireAll(checks);
    return decision.action === "reject" ? "limit_conn" : () => decision.release();
  }

  /** Closes the listeners (a start that failed part way). */
  #closeListeners(): void {
    for (const listener of this.#listeners) closeOnce(listener);
  }

  /**
   * Stops accepting; open sessions go on for up to `graceMs`, then they are cut (with what
   * they adopted). Resolves when every session has ended.
   */
  async drain(graceMs: number): Promise<void> {
    for (const listener of this.#listeners) closeOnce(listener);
    await Promise.all(this.#accepting);
    const all = () => Promise.all([...this.#open].map((o) => o.done));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const open of this.#open) {
          closeOnce(open.conn);
          for (const closable of open.adopted) closeOnce(closable);
        }
        resolve();
      }, graceMs);
    });
    await Promise.race([all(), cut]);
    clearTimeout(timer);
    await all();
  }
}
