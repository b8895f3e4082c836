// Hot upgrades: a new master from the same executable takes the ports over (reusePort) while
// the old one drains. Private to master/.

import type { Logger } from "../gateway/mod.ts";
import { selfCommand } from "./worker_handle.ts";

/** What a new master needs from its predecessor. */
export interface SuccessorOptions {
  /** The command line after the executable (`serve …`). */
  args: string[];
  /** The predecessor's addresses, port 0 already resolved. */
  binds: string[];
  /** The new master's generation. */
  generation: number;
  /** Whether the new master stops its predecessor once it is ready (to reclaim a stuck core). */
  retirePredecessor: boolean;
}

/** Starts the new master; returns its pid. Its output goes where this master's goes. */
export function startSuccessor(options: SuccessorOptions): number {
  const { cmd, args } = selfCommand();
  const child = new Deno.Command(cmd, {
    args: [...args, ...options.args],
    env: {
      NGW2F_UPGRADE_FROM: String(Deno.pid),
      NGW2F_UPGRADE_BINDS: JSON.stringify(options.binds),
      NGW2F_GENERATION: String(options.generation),
      ...(options.retirePredecessor ? { NGW2F_RETIRE_OLD: "1" } : {}),
    },
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  child.unref();
  return child.pid;
}

/** Reads an environment variable meant for this process only, and removes it. */
export function takeEnv(name: string): string | undefined {
  const value = Deno.env.get(name);
  Deno.env.delete(name);
  return value;
}

/**
 * Closing a `reusePort` listener resets the connections still queued on it unless the kernel
 * migrates them to the group's other listeners (`net.ipv4.tcp_migrate_req`, Linux ≥ 5.14, set per
 * network namespace). Reloads and upgrades close listeners, so the master turns it on when it
 * may, and says so when it may not.
 */
export function enableQueueMigration(log: Logger): void {
  const path = "/proc/sys/net/ipv4/tcp_migrate_req";
  try {
    if (Deno.readTextFileSync(path).trim() === "1") return;
    Deno.writeTextFileSync(path, "1");
    log.info("Turned on net.ipv4.tcp_migrate_req: reloads hand queued connections on");
  } catch {
    log.warn(
      "Cannot turn on net.ipv4.tcp_migrate_req (needs root): a reload may reset connections " +
        "still queued on a retiring worker's socket",
    );
  }
}
