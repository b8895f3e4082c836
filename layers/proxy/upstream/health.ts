/**
 * Active health checks (nginx Plus's `health_check`, free here): every `interval`, each server
 * of a group gets `GET path`; a status in the expected range is a pass. `rise` passes in a
 * row bring an unhealthy server back, `fall` failures in a row take it out. The verdict lives
 * in the peers' shared state, so one worker checks for all of them.
 *
 * @module
 */

import type { Logger } from "../../gateway/mod.ts";
import type { UpstreamGroup } from "./group.ts";

const encoder = new TextEncoder();
/** Most body bytes a check reads before it gives the connection up. */
const MAX_BODY = 64 * 1024;

/** Checks the servers of `groups` that have a `health_check`, until stopped. */
export class HealthChecker {
  readonly #groups: UpstreamGroup[];
  readonly #log: Logger;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #stopped = false;
  /** Checks done (for tests and status). */
  checks = 0;

  /** Checks for `groups` (those without a `health_check` are left alone). */
  constructor(groups: UpstreamGroup[], log: Logger) {
    this.#groups = groups.filter((g) => g.config.healthCheck !== null);
    this.#log = log;
  }

  /** Starts checking: each server at once, then every interval. */
  start(): void {
    for (const group of this.#groups) {
      group.config.servers.forEach((server, i) => {
        if (!server.down) this.#loop(group, i, 0);
      });
    }
  }

  /** Stops every check (one in flight finishes on its own). */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #loop(group: UpstreamGroup, i: number, delay: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(async () => {
      this.#timers.delete(timer);
      await this.check(group, i);
      this.#loop(group, i, group.config.healthCheck!.interval);
    }, delay);
    Deno.unrefTimer(timer);
    this.#timers.add(timer);
  }

  /** One check of server `i` of `group`; records the verdict and returns it. */
  async check(group: UpstreamGroup, i: number): Promise<boolean> {
    const check = group.config.healthCheck!;
    const address = group.config.servers[i].address;
    const host = address.startsWith("unix:") ? "localhost" : address;
    const head = encoder.encode(
      `GET ${check.path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ngw2f-health-check\r\n\r\n`,
    );
    let ok = false;
    let why = "";
    try {
      const response = await group.pool.request(group.addresses[i], head, null, {
        connectTimeout: check.timeout,
        sendTimeout: check.timeout,
        readTimeout: check.timeout,
        signal: AbortSignal.timeout(check.timeout),
        method: "GET",
      });
      let read = 0;
      const body = response.body;
      if (body) {
        for (let chunk = await body.read(); chunk; chunk = await body.read()) {
          read += chunk.length;
          if (read > MAX_BODY) {
            body.cancel();
            break;
          }
        }
      }
      ok = response.status >= check.status[0] && response.status <= check.status[1];
      if (!ok) why = `status ${response.status}`;
    } catch (error) {
      why = (error as Error).message;
    }
    this.checks++;
    if (group.table.setHealth(i, ok, check.rise, check.fall)) {
      if (ok) {
        this.#log.info(`Upstream "${group.config.name}" server ${address} is healthy again`);
      } else {
        this.#log.warn(
          `Upstream "${group.config.name}" server ${address} is unhealthy: GET ${check.path}: ${why}`,
        );
      }
    }
    return ok;
  }
}
