/**
 * An upstream group at run time, in one worker: its peers' shared state (failures, active
 * connections, health), its balancer and its keep-alive pool. `proxy_pass` to a bare address
 * is a group of one.
 *
 * @module
 */

import type { UpstreamConfig } from "../config/types.ts";
import { type Balancer, createBalancer } from "./balance.ts";
import { type PeerConfig, peerStateByteLength, PeerTable } from "./peers.ts";
import { type UpstreamAddress, UpstreamPool } from "./client.ts";

/** Where each group's peer state lives in one buffer every worker shares. */
export interface UpstreamState {
  /** Made by the master ({@linkcode upstreamStateBuffer}). */
  buffer: SharedArrayBuffer;
  /** Byte offset of each group's state, by group name. */
  offsets: Record<string, number>;
}

/**
 * One `SharedArrayBuffer` for the peer state of every group in `upstreams`, and where each
 * group's part starts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { upstreamStateBuffer } from "./group.ts";
 * import { parseProxyConfig } from "../config/mod.ts";
 *
 * const config = parseProxyConfig(
 *   '[upstream.a]\nserver = ["127.0.0.1:1", "127.0.0.1:2"]\n[upstream.b]\nserver = ["127.0.0.1:3"]\n[[server]]\n',
 *   "/srv/ngw2f.toml",
 * );
 * const state = upstreamStateBuffer(config.upstreams);
 * assert.equal(state.offsets.a, 0);
 * assert.ok(state.offsets.b > 0);
 * ```
 */
export function upstreamStateBuffer(upstreams: Record<string, UpstreamConfig>): UpstreamState {
  const offsets: Record<string, number> = {};
  let size = 0;
  for (const [name, group] of Object.entries(upstreams)) {
    offsets[name] = size;
    size += peerStateByteLength(group.servers.length);
  }
  return { buffer: new SharedArrayBuffer(Math.max(8, size)), offsets };
}

/**
 * An address as the config writes it (`127.0.0.1:8001`, `[::1]:8001`, `unix:/x.sock`) as
 * the client takes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAddress } from "./group.ts";
 *
 * assert.deepEqual(parseAddress("[::1]:8001"), { transport: "tcp", hostname: "::1", port: 8001 });
 * assert.deepEqual(parseAddress("unix:/run/a.sock"), { transport: "unix", path: "/run/a.sock" });
 * ```
 */
export function parseAddress(address: string): UpstreamAddress {
  if (address.startsWith("unix:")) return { transport: "unix", path: address.slice(5) };
  const colon = address.lastIndexOf(":");
  let hostname = address.slice(0, colon);
  if (hostname.startsWith("[")) hostname = hostname.slice(1, -1);
  return { transport: "tcp", hostname, port: Number(address.slice(colon + 1)) };
}

/** One group in one worker. */
export class UpstreamGroup {
  /** Its config. */
  readonly config: UpstreamConfig;
  /** Its peers and their shared state. */
  readonly table: PeerTable;
  /** Its balancer (per worker, as nginx's). */
  readonly balancer: Balancer;
  /** Its keep-alive connections (per worker). */
  readonly pool: UpstreamPool;
  /** Each peer's address, by peer index. */
  readonly addresses: UpstreamAddress[];

  /** Opens `config`'s group, with its state in `state` when the workers share one. */
  constructor(config: UpstreamConfig, state?: { buffer: SharedArrayBuffer; offset: number }) {
    this.config = config;
    const peers: PeerConfig[] = config.servers.map((server) => ({
      name: server.address,
      weight: server.weight,
      maxFails: server.maxFails,
      failTimeout: server.failTimeout,
      backup: server.backup,
      down: server.down,
      maxConns: server.maxConns,
    }));
    this.table = state ? new PeerTable(peers, state.buffer, state.offset) : new PeerTable(peers);
    const method = config.method;
    this.balancer = createBalancer(method);
    this.pool = new UpstreamPool({
      keepalive: config.keepalive,
      keepaliveTimeout: config.keepaliveTimeout,
      keepaliveRequests: config.keepaliveRequests,
      // A proxy worker lives on its listeners: its idle connections need no unref.
      unrefIdle: false,
    });
    this.addresses = config.servers.map((server) => parseAddress(server.address));
  }

  /** Closes its idle connections. */
  close(): void {
    this.pool.close();
  }
}

/** The group `proxy_pass` makes of a bare address: one server, nginx's defaults. */
export function singleServerGroup(address: string): UpstreamConfig {
  return {
    name: address,
    line: 0,
    servers: [{
      address,
      weight: 1,
      // nginx never marks the only server of a group failed.
      maxFails: 0,
      failTimeout: 10_000,
      backup: false,
      down: false,
      maxConns: 0,
    }],
    method: { kind: "round_robin" },
    keepalive: 32,
    keepaliveTimeout: 60_000,
    keepaliveRequests: 1000,
    healthCheck: null,
  };
}
