/**
 * nginx's `stub_status` page: the connection and request counters as a few lines of text.
 *
 * @module
 */

import type { Reply } from "../types.ts";

/** The core's connection and request counters (one worker's, or summed over workers). */
export interface ConnectionStats {
  /** Open client connections, idle ones included. */
  active: number;
  /** Connections accepted since start. */
  accepted: number;
  /** Connections handled (accepted and not refused for lack of room). */
  handled: number;
  /** Requests read since start. */
  requests: number;
  /** Connections reading a request head. */
  reading: number;
  /** Connections working on a request (handling it, writing the reply). */
  writing: number;
  /** Idle keep-alive connections waiting for their next request. */
  waiting: number;
}

const encoder = new TextEncoder();

/**
 * The text of nginx's stub_status page, spacing as nginx writes it (a space before every
 * newline but the header line's).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stubStatusText } from "./stub_status.ts";
 *
 * assert.equal(
 *   stubStatusText({ active: 2, accepted: 10, handled: 10, requests: 20, reading: 0, writing: 1, waiting: 1 }),
 *   "Active connections: 2 \nserver accepts handled requests\n 10 10 20 \nReading: 0 Writing: 1 Waiting: 1 \n",
 * );
 * ```
 */
export function stubStatusText(stats: ConnectionStats): string {
  return `Active connections: ${stats.active} \n` +
    "server accepts handled requests\n" +
    ` ${stats.accepted} ${stats.handled} ${stats.requests} \n` +
    `Reading: ${stats.reading} Writing: ${stats.writing} Waiting: ${stats.waiting} \n`;
}

/**
 * A 200 reply with nginx's stub_status page (`Content-Type: text/plain`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stubStatusReply } from "./stub_status.ts";
 *
 * const reply = stubStatusReply({ active: 1, accepted: 1, handled: 1, requests: 1, reading: 0, writing: 1, waiting: 0 });
 * assert.equal(reply.status, 200);
 * assert.deepEqual(reply.headers, ["Content-Type", "text/plain"]);
 * assert.match(new TextDecoder().decode(reply.body as Uint8Array), /^Active connections: 1 \n/);
 * ```
 */
export function stubStatusReply(stats: ConnectionStats): Reply {
  return {
    status: 200,
    headers: ["Content-Type", "text/plain"],
    body: encoder.encode(stubStatusText(stats)),
  };
}
