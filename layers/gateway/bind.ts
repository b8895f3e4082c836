/**
 * Listen addresses as users write them: `HOST:PORT`, `[::1]:PORT`, `:PORT`, `PORT`, `unix:PATH`.
 *
 * @module
 */

/** A parsed listen address. */
export type BindAddress =
  | { transport: "tcp"; hostname: string; port: number }
  | { transport: "unix"; path: string };

/**
 * Parses a `--bind` value; throws a `TypeError` that says what was expected.
 *
 * `:8080` and a bare port listen on every IPv4 address (`0.0.0.0`), as gunicorn does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBind } from "./bind.ts";
 *
 * assert.equal(parseBind("[::1]:8080").transport, "tcp");
 * assert.equal(parseBind("unix:/tmp/app.sock").transport, "unix");
 * ```
 */
export function parseBind(value: string): BindAddress {
  if (value.startsWith("unix:")) {
    const path = value.slice(5);
    if (!path) throw new TypeError(`"${value}" has no socket path after "unix:"`);
    return { transport: "unix", path };
  }
  let hostname = "0.0.0.0";
  let portText = value;
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(.*))?$/.exec(value);
  if (v6) {
    hostname = v6[1];
    portText = v6[2] ?? "";
  } else if (value.includes(":")) {
    const colon = value.lastIndexOf(":");
    if (value.indexOf(":") !== colon) {
      throw new TypeError(`"${value}": write IPv6 addresses in brackets, as "[::1]:8000"`);
    }
    hostname = value.slice(0, colon) || "0.0.0.0";
    portText = value.slice(colon + 1);
  } else if (!/^\d+$/.test(value)) {
    hostname = value;
    portText = "8000";
  }
  if (portText === "") portText = "8000";
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new TypeError(`"${value}" has port "${portText}": expected a number from 0 to 65535`);
  }
  return { transport: "tcp", hostname, port };
}

/**
 * Formats an address for logs and URLs: `127.0.0.1:8000`, `[::1]:8000`, `unix:/run/app.sock`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatAddr } from "./bind.ts";
 *
 * assert.equal(formatAddr({ transport: "tcp", hostname: "::1", port: 80 }), "[::1]:80");
 * ```
 */
export function formatAddr(addr: Deno.Addr | BindAddress): string {
  if ("path" in addr) return `unix:${addr.path}`;
  if ("cid" in addr) return `vsock:${addr.cid}:${addr.port}`;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return `${host}:${addr.port}`;
}

/**
 * Turns each `HOST:0` bind into `HOST:PORT` with a port free right now, so that every worker
 * (each binding with SO_REUSEPORT) and the proxy in front agree on one port. Others are kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolvePorts } from "./bind.ts";
 *
 * const [tcp, unix] = resolvePorts(["127.0.0.1:0", "unix:/tmp/app.sock"]);
 * assert.match(tcp, /^127\.0\.0\.1:[1-9]\d*$/);
 * assert.equal(unix, "unix:/tmp/app.sock");
 * ```
 */
export function resolvePorts(binds: string[]): string[] {
  const { binds: resolved, release } = reservePorts(binds);
  release();
  return resolved;
}

/**
 * {@linkcode resolvePorts}, holding each port it picks with a listener (SO_REUSEPORT, which the
 * workers' own listeners join) until `release()`: between the pick and the workers' binds, no
 * other process can take the port, neither by a bind nor as a connection's ephemeral port.
 * Release it once the workers listen (connections queued on the holder are reset or migrated).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reservePorts } from "./bind.ts";
 *
 * const { binds: [tcp], release } = reservePorts(["127.0.0.1:0"]);
 * const port = Number(tcp.split(":")[1]);
 * assert.throws(() => Deno.listen({ hostname: "127.0.0.1", port }), Deno.errors.AddrInUse);
 * const worker = Deno.listen({ hostname: "127.0.0.1", port, reusePort: true });
 * release();
 * worker.close();
 * ```
 */
export function reservePorts(binds: string[]): { binds: string[]; release(): void } {
  const held: Deno.Listener[] = [];
  const resolved = binds.map((bind) => {
    const addr = parseBind(bind);
    if (addr.transport !== "tcp" || addr.port !== 0) return bind;
    const holder = Deno.listen({ hostname: addr.hostname, port: 0, reusePort: true });
    held.push(holder);
    const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
    return `${host}:${holder.addr.port}`;
  });
  return {
    binds: resolved,
    release() {
      for (const holder of held.splice(0)) {
        try {
          holder.close();
        } catch { /* already closed */ }
      }
    },
  };
}
