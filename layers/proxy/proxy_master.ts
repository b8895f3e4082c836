/**
 * `ngw2f proxy`: the master layer's arbiter running the proxy worker program, and nginx's
 * `-s stop|quit|reload|reopen` through the pid file.
 *
 * @module
 */

import { type LogLevel, reservePorts } from "../gateway/mod.ts";
import { Arbiter, loadHooks, openLog } from "../master/mod.ts";
import type { ErrorLogLevel, ProxyConfig } from "./config/types.ts";
import { listenAddresses, type ProxyProgramConfig } from "./program.ts";
import { sharedErrorsBuffer, sharedStatsBuffer } from "./status/mod.ts";
import { upstreamStateBuffer } from "./upstream/mod.ts";
import { limitBuffers } from "./_limits.ts";

/** The proxy worker program's module URL. */
export const PROXY_PROGRAM: string = new URL("./program.ts", import.meta.url).href;

/** nginx's error-log levels as the master layer's logger names them. */
export function masterLogLevel(level: ErrorLogLevel): LogLevel {
  switch (level) {
    case "debug":
      return "debug";
    case "info":
    case "notice":
      return "info";
    case "warn":
      return "warning";
    case "error":
      return "error";
    case "crit":
      return "critical";
  }
}

/** Options for {@linkcode runProxy}. */
export interface RunProxyOptions {
  /** The command-line arguments after `proxy`, for a hot upgrade to run again. */
  args: string[];
  /** Loads the config again for a reload (HUP, `-s reload`); throws to keep the old one. */
  reload(): Promise<ProxyConfig>;
}

/**
 * Gives every `:0` listen address a free port, so that all workers (and every later
 * generation, through `ports`) listen on the same one: one port per `:0` address for HTTP
 * servers (they share it, as virtual hosts), one per `:0` entry for mail and stream servers.
 * With `held`, each new port stays held (see `reservePorts`) until the functions put there run.
 */
export function pinPorts(
  config: ProxyConfig,
  ports: Map<string, string>,
  held?: (() => void)[],
): ProxyConfig {
  const entries: [string, { address: string }][] = [];
  for (const server of config.servers) {
    for (const listen of server.listen) entries.push([listen.address, listen]);
  }
  for (
    const [kind, servers] of [["mail", config.mailServers], [
      "stream",
      config.streamServers,
    ]] as const
  ) {
    servers.forEach((server, i) =>
      server.listen.forEach((listen, j) =>
        entries.push([`${kind}[${i}][${j}] ${listen.address}`, listen])
      )
    );
  }
  for (const [key, listen] of entries) {
    const pinned = ports.get(key);
    if (pinned) {
      listen.address = pinned;
      continue;
    }
    const { binds: [resolved], release } = reservePorts([listen.address]);
    if (resolved === listen.address) continue;
    if (held) held.push(release);
    else release();
    ports.set(key, resolved);
    listen.address = resolved;
  }
  return config;
}

/**
 * Runs the proxy's master until it stops; resolves to the exit code.
 *
 * @example
 * ```ts ignore
 * const code = await runProxy(config, { args, reload: () => loadProxyConfig(file) });
 * ```
 */
export async function runProxy(config: ProxyConfig, options: RunProxyOptions): Promise<number> {
  const log = openLog(config.errorLog.path, {
    level: masterLogLevel(config.errorLog.level),
    tag: "master",
    stream: "stderr",
  });
  // A hot upgrade's new master takes its predecessor's ports (port 0 already resolved).
  const inherited = Deno.env.get("NGW2F_UPGRADE_PORTS");
  Deno.env.delete("NGW2F_UPGRADE_PORTS");
  const ports = new Map<string, string>(inherited ? JSON.parse(inherited) : []);
  // Port 0 picks ports held until the first workers listen on them.
  const held: (() => void)[] = [];
  pinPorts(config, ports, held);
  Deno.env.set("NGW2F_UPGRADE_PORTS", JSON.stringify([...ports]));
  // One board of counters for every worker of every generation: status pages answer for all.
  const shared = sharedStatsBuffer();
  // The upstream peers' failure marks and connection counts, shared by the workers; a reload
  // keeps them while the groups stay the same.
  let upstreams = JSON.stringify(config.upstreams);
  let upstreamState = upstreamStateBuffer(config.upstreams);
  let streamUpstreams = JSON.stringify(config.streamUpstreams);
  let streamUpstreamState = upstreamStateBuffer(config.streamUpstreams);
  let zones = limitBuffers(config);
  const sharedErrors = sharedErrorsBuffer();
  const arbiter = new Arbiter({
    program: PROXY_PROGRAM,
    programConfig: (): ProxyProgramConfig => ({
      config,
      shared,
      upstreamState,
      streamUpstreamState,
      limitBuffers: zones,
      sharedErrors,
    }),
    binds: listenAddresses(config).map((a) => a.address),
    workers: config.workers,
    workerClass: "thread",
    timeout: 30,
    gracefulTimeout: config.workerShutdownTimeout / 1000,
    maxWorkerMemory: 0,
    pidFile: config.pid,
    log,
    hooks: await loadHooks(null),
    args: ["proxy", ...options.args],
    releasePorts: () => held.splice(0).forEach((free) => free()),
    async reload() {
      const fresh = pinPorts(await options.reload(), ports);
      if (JSON.stringify(fresh.upstreams) !== upstreams) {
        upstreams = JSON.stringify(fresh.upstreams);
        upstreamState = upstreamStateBuffer(fresh.upstreams);
      }
      if (JSON.stringify(fresh.streamUpstreams) !== streamUpstreams) {
        streamUpstreams = JSON.stringify(fresh.streamUpstreams);
        streamUpstreamState = upstreamStateBuffer(fresh.streamUpstreams);
      }
      const state = upstreamState;
      const streamState = streamUpstreamState;
      const buffers = zones = limitBuffers(fresh, zones);
      return {
        programConfig: (): ProxyProgramConfig => ({
          config: fresh,
          shared,
          upstreamState: state,
          streamUpstreamState: streamState,
          limitBuffers: buffers,
          sharedErrors,
        }),
        workers: fresh.workers,
      };
    },
  });
  return await arbiter.run();
}

/** nginx's `-s` signals, as the master layer's signals: stop is fast, quit is graceful. */
export const PROXY_SIGNALS: Record<string, Deno.Signal> = {
  stop: "SIGINT",
  quit: "SIGTERM",
  reload: "SIGHUP",
  reopen: "SIGUSR1",
};

/**
 * Sends `-s NAME` to the master whose pid is in `pidFile`; throws with a clear message when
 * the name is unknown, the file is missing or the process is gone.
 */
export function signalMaster(pidFile: string | null, name: string): number {
  const signal = PROXY_SIGNALS[name];
  if (!signal) {
    throw new TypeError(
      `Cannot send "${name}": the signals are ${Object.keys(PROXY_SIGNALS).join(", ")}`,
    );
  }
  if (pidFile === null) {
    throw new TypeError("Cannot signal the master: the config sets no pid file");
  }
  let text: string;
  try {
    text = Deno.readTextFileSync(pidFile);
  } catch (error) {
    throw new TypeError(
      `Cannot signal the master: cannot read the pid file "${pidFile}" (${
        (error as Error).message
      })`,
    );
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new TypeError(`Cannot signal the master: "${pidFile}" holds no pid ("${text.trim()}")`);
  }
  try {
    Deno.kill(pid, signal);
  } catch (error) {
    throw new TypeError(
      `Cannot signal the master: process ${pid} from "${pidFile}" is gone (${
        (error as Error).message
      })`,
    );
  }
  return pid;
}
