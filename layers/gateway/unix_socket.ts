/**
 * Unix-socket listeners that can hand over: a new server binds a fresh path and renames it over
 * the old one, atomically, so clients always find a listener; the old server keeps serving
 * what it already accepted and, when it closes, removes the file only if it is still its own.
 *
 * @module
 */

/** A bound unix socket path and how to give it up. */
export interface UnixBinding {
  /** Removes the socket file if it is still this binding's (a successor may own it now). */
  release(): Promise<void>;
}

async function inode(path: string): Promise<number | null> {
  try {
    return (await Deno.lstat(path)).ino;
  } catch {
    return null;
  }
}

/**
 * Binds `path` through `bind` (which listens on the path it is given). With `takeOver`, a live
 * server on `path` is replaced, as a reload or an upgrade needs; without it, a live server is an
 * `AddrInUse` error and only a stale socket file (left by a crash) is removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindUnix } from "./unix_socket.ts";
 *
 * const dir = await Deno.makeTempDir();
 * let listener: Deno.Listener | undefined;
 * const binding = await bindUnix(`${dir}/s.sock`, { takeOver: true }, (path) => {
 *   listener = Deno.listen({ transport: "unix", path });
 * });
 * assert.ok((await Deno.lstat(`${dir}/s.sock`)).isSocket);
 * listener!.close();
 * await binding.release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function bindUnix(
  path: string,
  options: { takeOver: boolean },
  bind: (path: string) => void | Promise<void>,
): Promise<UnixBinding> {
  if (!options.takeOver) {
    try {
      const stat = await Deno.lstat(path);
      if (stat.isSocket) {
        const live = await Deno.connect({ transport: "unix", path })
          .then((c) => (c.close(), true), () => false);
        if (live) throw new Deno.errors.AddrInUse(`"${path}" is in use by a live server`);
        await Deno.remove(path);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  const fresh = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}`;
  await bind(fresh);
  await Deno.rename(fresh, path);
  const mine = await inode(path);
  return {
    async release() {
      if (mine !== null && (await inode(path)) === mine) await Deno.remove(path).catch(() => {});
    },
  };
}
