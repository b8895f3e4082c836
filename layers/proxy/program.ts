/**
 * The proxy's worker program: the master layer's second kind of worker. Each worker listens on
 * every configured address (TCP with `reusePort`; a unix socket in worker 1 only, since one
 * listener owns a path), compiles the config once, and answers with the proxy's own HTTP/1.1
 * core and request pipeline.
 *
 * @module
 */

import { bindUnix, listenError, parseBind } from "../gateway/mod.ts";
import type { ProgramContext, RunningProgram, WorkerStats } from "../master/mod.ts";
import { compileSite } from "./config/mod.ts";
import type { ProxyConfig, ServerConfig } from "./config/types.ts";
import { type CoreServer, type Logger, serveListener, serverSignature } from "./http/mod.ts";
import { h2Engine } from "./http/h2.ts";
import { listenTls, type TlsKeyPair } from "./http/tls.ts";
import { serveTls } from "./http/tls_server.ts";
import { createPipeline } from "./pipeline.ts";
import { openErrorLog } from "./logs/mod.ts";
import type { UpstreamState } from "./upstream/mod.ts";
import type { LimitBuffers } from "./_limits.ts";
import { startStreamServer, type TcpService } from "./stream/mod.ts";
import { startMailServer } from "./mail/mod.ts";

/** How often a worker publishes its connection counters for the others' status pages. */
const PUBLISH_MS = 500;

/** What the master sends a proxy worker. */
export interface ProxyProgramConfig {
  /** The resolved config. */
  config: ProxyConfig;
  /** The workers' shared counters (thread workers), from `sharedStatsBuffer()`. */
  shared?: SharedArrayBuffer;
  /** The upstream peers' shared state, from `upstreamStateBuffer()`. */
  upstreamState?: UpstreamState;
  /** The stream upstream peers' shared state, from `upstreamStateBuffer()`. */
  streamUpstreamState?: UpstreamState;
  /** The limit zones' shared memory, from `limitBuffers()`. */
  limitBuffers?: LimitBuffers;
  /** The recent upstream errors' ring, from `sharedErrorsBuffer()`. */
  sharedErrors?: SharedArrayBuffer;
}

/** The listen addresses of `config`, each once, with the servers' TLS files where `ssl`. */
export function listenAddresses(
  config: ProxyConfig,
): { address: string; ssl: { certificate: string; key: string } | null }[] {
  const seen = new Map<
    string,
    { address: string; ssl: { certificate: string; key: string } | null }
  >();
  for (const server of config.servers) {
    for (const listen of server.listen) {
      const known = seen.get(listen.address);
      const ssl = listen.ssl ? server.ssl : null;
      if (!known) seen.set(listen.address, { address: listen.address, ssl });
      else if (!known.ssl && ssl) known.ssl = ssl;
    }
  }
  return [...seen.values()];
}

/** Starts a proxy worker: the master layer's `StartProgram` for the proxy. */
export async function start(ctx: ProgramContext): Promise<RunningProgram> {
  const { config, shared, upstreamState, streamUpstreamState, limitBuffers, sharedErrors } = ctx
    .config as ProxyProgramConfig;
  const errorLog = openErrorLog(config.errorLog.path, config.errorLog.level, {
    workerId: ctx.workerId,
  });
  const servers: CoreServer[] = [];
  const pipeline = createPipeline(config, {
    log: errorLog,
    workerId: ctx.workerId,
    stats: () => sumStats(servers),
    ...(shared ? { shared } : {}),
    ...(upstreamState ? { upstreamState } : {}),
    ...(limitBuffers ? { limitBuffers } : {}),
    ...(sharedErrors ? { sharedErrors } : {}),
    // Health verdicts are shared: worker 1 checks for every worker (its replacement takes over).
    healthChecks: ctx.workerId === 1,
  });
  // Core settings come from the first server on each address (nginx: the default server's).
  for (const { address, ssl } of listenAddresses(config)) {
    const first = config.servers.find((s) => s.listen.some((l) => l.address === address))!;
    const settings = first.settings;
    let listener: Deno.Listener | null;
    try {
      listener = await listen(address, ssl ? config : null, ctx.workerId, errorLog);
    } catch (error) {
      // The master stops on it (a worker that cannot listen would fail again), naming the
      // address as nginx's "bind() to ADDRESS failed" does.
      throw listenError(address, error);
    }
    if (listener === null) continue;
    const addr = listener.addr as Deno.NetAddr;
    const options = {
      handler: pipeline.handle,
      onCompleted: pipeline.completed,
      listen: address,
      serverPort: addr.port ?? 0,
      scheme: ssl ? "https" as const : "http" as const,
      headerTimeout: settings.clientHeaderTimeout * 1000,
      idleTimeout: settings.keepaliveTimeout * 1000,
      bodyTimeout: settings.clientBodyTimeout * 1000,
      maxConnections: config.workerConnections,
      serverHeader: serverSignature(settings.serverTokens),
      log: errorLog,
    };
    // TLS: the handshake first, then HTTP/2 (ALPN h2) on Deno's server, HTTP/1.1 on the core.
    servers.push(
      ssl
        ? serveTls(listener as Deno.Listener<Deno.TlsConn, Deno.NetAddr>, options)
        : serveListener(listener, options),
    );
  }
  // Mail and stream servers: sessions of their own, on the same workers.
  const tcp: TcpService[] = [];
  const tcpContext = {
    config,
    log: errorLog,
    workerId: ctx.workerId,
    ...(limitBuffers ? { limitBuffers } : {}),
  };
  for (const server of config.streamServers) {
    tcp.push(
      await startStreamServer(server, {
        ...tcpContext,
        ...(streamUpstreamState ? { upstreamState: streamUpstreamState } : {}),
      }),
    );
  }
  for (const server of config.mailServers) tcp.push(await startMailServer(server, tcpContext));
  if (ctx.workerId === 1) {
    for (const server of config.streamServers) {
      for (const l of server.listen) errorLog.notice(`Stream proxy listening at ${l.address}`);
    }
    for (const server of config.mailServers) {
      for (const l of server.listen) {
        errorLog.notice(`SMTP proxy listening at ${l.address}${l.ssl ? " (TLS)" : ""}`);
      }
    }
  }
  // The others' status endpoints read this worker's connection counters from here.
  pipeline.publish();
  const publisher = setInterval(() => pipeline.publish(), PUBLISH_MS);
  Deno.unrefTimer(publisher);
  return {
    stats(): WorkerStats {
      const sum = sumStats(servers);
      return {
        requests: sum.requests,
        connections: sum.active + tcp.reduce((n, t) => n + t.stats().active, 0),
        inflight: [],
        heapUsed: 0,
      };
    },
    async drain(graceful) {
      await Promise.all([
        ...servers.map((server) => server.drain(graceful * 1000)),
        ...tcp.map((service) => service.drain(graceful * 1000)),
      ]);
      clearInterval(publisher);
      pipeline.publish();
      await pipeline.close();
    },
    reopenLogs() {
      pipeline.reopenLogs();
      errorLog.reopen();
    },
  };
}

/**
 * The listener for `address`: a unix socket (worker 1 only), TCP, or TLS when `tls` (the config)
 * is given — every server listening there with `ssl` brings its certificate, chosen by the SNI
 * server name as nginx chooses the server (the default server's without a name or for an
 * unknown one); `h2` is offered by ALPN when the address has `http2` on.
 */
async function listen(
  address: string,
  tls: ProxyConfig | null,
  workerId: number,
  log: Logger,
): Promise<Deno.Listener | null> {
  const bind = parseBind(address);
  if (bind.transport === "unix") {
    if (workerId !== 1) return null;
    let listener: Deno.Listener | undefined;
    await bindUnix(bind.path, { takeOver: true }, (path) => {
      listener = Deno.listen({ transport: "unix", path });
    });
    return listener!;
  }
  if (tls) {
    const here = tls.servers.filter((s) => s.ssl && s.listen.some((l) => l.address === address));
    const isDefault = (s: ServerConfig) =>
      s.listen.some((l) => l.address === address && l.defaultServer);
    const fallback = here.find(isDefault) ?? here[0];
    const certificates: TlsKeyPair[] = [];
    const indexOf = new Map<string, number>();
    const byServer = new Map<ServerConfig, number>();
    for (const server of [fallback, ...here]) {
      const { certificate, key } = server.ssl!;
      const id = `${certificate}\0${key}`;
      let index = indexOf.get(id);
      if (index === undefined) {
        index = certificates.push({
          cert: Deno.readTextFileSync(certificate),
          key: Deno.readTextFileSync(key),
        }) - 1;
        indexOf.set(id, index);
      }
      byServer.set(server, index);
    }
    const site = compileSite(tls);
    const http2 = fallback.settings.http2 ||
      fallback.listen.some((l) => l.address === address && l.http2 === true);
    return listenTls({
      hostname: bind.hostname,
      port: bind.port,
      reusePort: true,
      certificates,
      select: (name) =>
        name === "" ? 0 : byServer.get(site.selectServer(address, name).config) ?? 0,
      alpnProtocols: http2 && h2Engine() ? ["h2", "http/1.1"] : ["http/1.1"],
      log,
    });
  }
  return Deno.listen({ hostname: bind.hostname, port: bind.port, reusePort: true });
}

function sumStats(servers: CoreServer[]) {
  const sum = {
    accepted: 0,
    handled: 0,
    requests: 0,
    active: 0,
    reading: 0,
    writing: 0,
    waiting: 0,
  };
  for (const server of servers) {
    const s = server.stats();
    sum.accepted += s.accepted;
    sum.handled += s.handled;
    sum.requests += s.requests;
    sum.active += s.active;
    sum.reading += s.reading;
    sum.writing += s.writing;
    sum.waiting += s.waiting;
  }
  return sum;
}
