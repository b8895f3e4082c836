/**
 * One `[[stream.server]]` in one worker (nginx's `stream { server { proxy_pass … } }`): each
 * accepted connection gets a peer of the `[stream.upstream.NAME]` group (or the one address),
 * chosen by the group's balancer; a peer that cannot be connected within
 * `proxy_connect_timeout` is marked failed (passive health: `max_fails`/`fail_timeout`) and
 * the next is tried as `proxy_next_upstream` allows; then an optional PROXY protocol header
 * goes first and bytes are relayed both ways until both sides end or nothing moves for
 * `proxy_timeout`.
 *
 * @module
 */

import type { Logger } from "../../gateway/mod.ts";
import { compileTemplate, type ProxyConfig, type StreamServerConfig } from "../config/mod.ts";
import {
  singleServerGroup,
  tunnel,
  type UpstreamAddress,
  UpstreamGroup,
  type UpstreamState,
} from "../upstream/mod.ts";
import { proxyProtocolHeader } from "./proxy_protocol.ts";
import {
  type ConnectionInfo,
  connectionVariable,
  type TcpServerContext,
  TcpService,
  type TcpSession,
} from "./tcp_service.ts";

/** Each worker's groups, by config and group name: servers passing to one group share it. */
const groupsOf = new WeakMap<ProxyConfig, Map<string, UpstreamGroup>>();

const NOTHING = new Uint8Array(0);

/**
 * Starts one `[[stream.server]]` in this worker: listens on its addresses and relays every
 * connection to a peer of its `proxy_pass`. Drain the returned service to stop it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { silentLogger } from "../../gateway/mod.ts";
 * import { parseProxyConfig } from "../config/mod.ts";
 * import { startStreamServer } from "./stream_server.ts";
 *
 * // A backend that greets and hangs up.
 * const backend = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const serving = (async () => {
 *   const conn = await backend.accept();
 *   await conn.write(new TextEncoder().encode("hi\n"));
 *   conn.close();
 * })();
 * const config = parseProxyConfig(
 *   `[[stream.server]]\nlisten = "127.0.0.1:0"\nproxy_pass = "127.0.0.1:${backend.addr.port}"\n`,
 *   "/srv/ngw2f.toml",
 * );
 * const server = config.streamServers[0];
 * const service = await startStreamServer(server, { config, log: silentLogger, workerId: 1 });
 * const client = await Deno.connect({ port: service.addresses[0].port });
 * const buf = new Uint8Array(8);
 * assert.equal(new TextDecoder().decode(buf.subarray(0, (await client.read(buf))!)), "hi\n");
 * client.close();
 * await serving;
 * backend.close();
 * await service.drain(1000);
 * ```
 */
export function startStreamServer(
  server: StreamServerConfig,
  context: TcpServerContext,
): Promise<TcpService> {
  const { config, log } = context;
  const group = streamGroup(server, config, context.upstreamState);
  const method = group.config.method;
  const hashKey = method.kind === "hash" ? compileTemplate(method.key, "stream") : null;
  const keyOf = (info: ConnectionInfo): string | undefined =>
    method.kind === "ip_hash"
      ? info.remoteAddr
      : hashKey
      ? hashKey((name) => connectionVariable(info, name))
      : undefined;
  return TcpService.start({
    listen: server.listen,
    tls: null,
    maxConnections: config.workerConnections,
    limitConn: server.limitConn,
    zones: { conn: config.limitConnZones, req: config.limitReqZones },
    ...(context.limitBuffers ? { buffers: context.limitBuffers } : {}),
    log,
    handle: (session) => relay(session, { server, group, key: keyOf(session.info), log }),
  });
}

/** The group `server` passes to, made once per worker and config. */
function streamGroup(
  server: StreamServerConfig,
  config: ProxyConfig,
  state: UpstreamState | undefined,
): UpstreamGroup {
  let groups = groupsOf.get(config);
  if (!groups) groupsOf.set(config, groups = new Map());
  const pass = server.proxyPass;
  const name = pass.upstream ?? pass.address!;
  let group = groups.get(name);
  if (!group) {
    const offset = pass.upstream ? state?.offsets[pass.upstream] : undefined;
    group = new UpstreamGroup(
      pass.upstream ? config.streamUpstreams[pass.upstream] : singleServerGroup(name),
      state && offset !== undefined ? { buffer: state.buffer, offset } : undefined,
    );
    groups.set(name, group);
  }
  return group;
}

interface RelayOptions {
  server: StreamServerConfig;
  group: UpstreamGroup;
  /** What the hash methods hash, for this connection. */
  key: string | undefined;
  log: Logger;
}

/** Serves one session: a peer connected (trying the next as allowed), then the relay. */
async function relay(session: TcpSession, options: RelayOptions): Promise<void> {
  const { server, group, key, log } = options;
  const { table, balancer } = group;
  const info = session.info;
  const client = hostPort(info.remoteAddr, info.remotePort);
  const where = `the stream server at ${hostPort(info.serverAddr, info.serverPort)}`;
  const started = Date.now();
  const maxTries = server.proxyNextUpstreamTries || Infinity;
  const triesUntil = server.proxyNextUpstreamTimeout > 0
    ? started + server.proxyNextUpstreamTimeout
    : Infinity;
  const tried = new Set<number>();
  const failed: string[] = [];
  while (true) {
    const i = balancer.pick(table, Date.now(), tried, key);
    if (i < 0) {
      log.error(
        `Cannot proxy the connection from ${client} on ${where}: ${
          failed.length
            ? `no server of "${group.config.name}" could be connected (tried ${failed.join(", ")})`
            : `no live server in "${group.config.name}"`
        }`,
      );
      return;
    }
    tried.add(i);
    if (!table.acquire(i)) continue;
    const address = group.config.servers[i].address;
    let upstream: Deno.Conn;
    try {
      upstream = await connect(group.addresses[i], server.proxyConnectTimeout);
    } catch (error) {
      table.release(i);
      failed.push(address);
      const disabled = table.fail(i, Date.now());
      log.error(
        `Cannot connect to upstream "${group.config.name}" server ${address} for ${client} on ${where}: ${
          (error as Error).message
        }`,
      );
      if (disabled) {
        log.warn(`Upstream "${group.config.name}" server ${address} is temporarily disabled`);
      }
      const more = server.proxyNextUpstream && tried.size < maxTries && Date.now() < triesUntil;
      if (more) continue;
      log.error(
        `Cannot proxy the connection from ${client} on ${where}: tried ${failed.join(", ")}`,
      );
      return;
    }
    table.succeed(i, Date.now());
    // A drain that runs out of time cuts the upstream too.
    session.adopt(upstream);
    try {
      const header = server.proxyProtocol
        ? proxyProtocolHeader(server.proxyProtocol, info)
        : NOTHING;
      // The header goes first, before any byte of the client's.
      await tunnel(session.conn, header, upstream, NOTHING, server.proxyTimeout);
    } finally {
      table.release(i);
    }
    return;
  }
}

/** Connects to `address` within `timeoutMs`. */
async function connect(address: UpstreamAddress, timeoutMs: number): Promise<Deno.Conn> {
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
      reject(new Error(`no connection after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const connecting: Promise<Deno.Conn> = address.transport === "tcp"
    ? Deno.connect({ hostname: address.hostname, port: address.port, signal: controller.signal })
    : Deno.connect({ transport: "unix", path: address.path });
  // One that connects after the deadline is closed at once.
  connecting.then((conn) => timedOut && conn.close(), () => {});
  try {
    const conn = await Promise.race([connecting, deadline]);
    if (conn.remoteAddr.transport === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
    return conn;
  } catch (error) {
    if (timedOut) throw new Error(`no connection after ${timeoutMs} ms`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
