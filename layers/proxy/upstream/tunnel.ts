/**
 * A two-way byte tunnel between a client and an upstream after `101 Switching Protocols`
 * (WebSockets): bytes copied both ways as they come, a half-close passed on, and both sides
 * closed once neither has sent anything for the idle time (nginx's `proxy_read_timeout`).
 *
 * @module
 */

/** What a tunnel copies between: a `Deno.Conn`, or a TLS session started on one. */
export interface TunnelEnd {
  /** Reads into `p`; null at the end. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes some of `p`; the count written. */
  write(p: Uint8Array): Promise<number>;
  /** Ends the sending half. */
  closeWrite(): Promise<void>;
  /** Closes both halves. */
  close(): void;
}

const closed = new WeakSet<object>();

/**
 * Closes `closable` unless {@linkcode closeOnce} already did: a second `close()` of a Deno
 * resource throws (a `BadResource` with a stack trace, which costs more than the close).
 *
 * @example
 * ```ts
 * import { closeOnce } from "./tunnel.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * closeOnce(listener);
 * closeOnce(listener); // nothing happens
 * ```
 */
export function closeOnce(closable: { close(): void }): void {
  if (closed.has(closable)) return;
  closed.add(closable);
  try {
    closable.close();
  } catch { /* already closed by its owner */ }
}

/** How often the idle time is checked, at most. */
const MAX_TICK = 1000;

/**
 * Copies between `client` and `upstream` until both directions end, one fails, or nothing
 * moves for `idleMs`; then closes both. `clientEarly`/`upstreamEarly` are bytes each side sent
 * that were already read with the heads: they go across first.
 *
 * @example
 * ```ts ignore
 * await tunnel(clientConn, clientEarly, upstreamConn, upstreamEarly, 60_000);
 * ```
 */
export async function tunnel(
  client: TunnelEnd,
  clientEarly: Uint8Array,
  upstream: TunnelEnd,
  upstreamEarly: Uint8Array,
  idleMs: number,
): Promise<void> {
  let last = Date.now();
  let done = false;
  const closeBoth = () => {
    if (done) return;
    done = true;
    closeOnce(client);
    closeOnce(upstream);
  };
  const timer = setInterval(() => {
    if (Date.now() - last >= idleMs) closeBoth();
  }, Math.max(10, Math.min(MAX_TICK, idleMs / 4)));
  Deno.unrefTimer(timer);

  const pump = async (from: TunnelEnd, to: TunnelEnd, early: Uint8Array) => {
    const buf = new Uint8Array(16 * 1024);
    try {
      if (early.length) await writeAll(to, early);
      while (!done) {
        const n = await from.read(buf);
        if (n === null) break;
        last = Date.now();
        await writeAll(to, buf.subarray(0, n));
      }
      // One side finished sending: the other learns it, and may still answer.
      if (!done) await to.closeWrite().catch(() => closeBoth());
    } catch {
      closeBoth();
    }
  };
  try {
    await Promise.all([pump(client, upstream, clientEarly), pump(upstream, client, upstreamEarly)]);
  } finally {
    clearInterval(timer);
    closeBoth();
  }
}

async function writeAll(conn: TunnelEnd, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}
