// What a connection needs from the core (its options, clock, counters, pages), the phases
// stub_status counts, and the byte-level helpers of the read loop. Private to the HTTP core.

import type { Reply } from "../types.ts";
import type { ResolvedCoreOptions } from "./options.ts";

const CR = 13;
const LF = 10;

/** What a connection is doing, for nginx's stub_status counters. */
export const enum Phase {
  None,
  /** Reading a request head. */
  Reading,
  /** Handling a request, writing its reply. */
  Writing,
  /** Idle: no byte of a next request yet. */
  Waiting,
}

/** What a read deadline does when it passes. */
export const enum Deadline {
  /** Close silently (keep-alive idle, a new connection that sends nothing, lingering). */
  Close,
  /** Answer 408 and close (a head not received in time). */
  Answer408,
}

/** The core as a connection sees it. */
export interface ConnectionHost {
  readonly options: ResolvedCoreOptions;
  /** ms since the epoch, refreshed per request and per watchdog tick. */
  clock: number;
  readonly draining: boolean;
  readonly serverPort: number;
  requests: number;
  /** Counts per {@linkcode Phase}. */
  readonly phases: number[];
  /** The `Date` and `Server` lines for a reply now. */
  fixedLines(): string;
  /** The core's own reply for an error status. */
  errorReply(status: number): Reply;
  /** The connection ended. */
  remove(connection: unknown): void;
}

/** The index past the empty line ending a head in `buf[from, end)`, or -1. */
export function headEnd(buf: Uint8Array, from: number, end: number): number {
  let lf = buf.indexOf(LF, from);
  while (lf !== -1 && lf < end) {
    const next = buf[lf + 1];
    if (lf + 1 < end && next === LF) return lf + 2;
    if (lf + 2 < end && next === CR && buf[lf + 2] === LF) return lf + 3;
    lf = buf.indexOf(LF, lf + 1);
  }
  return -1;
}

/** Whether `error` only says the peer went away (or the socket was closed under a read). */
export function isDisconnect(error: unknown): boolean {
  return error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted ||
    error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.UnexpectedEof;
}
