/**
 * The last upstream errors of every worker, in a ring of fixed-size records in a
 * `SharedArrayBuffer` the master makes: the status page shows the same list whichever worker
 * answers it. Each record carries a sequence number written before and after its bytes, so a
 * reader skips a record being written rather than showing it torn.
 *
 * @module
 */

import type { RecentError } from "./status_data.ts";

/** Records in the ring. */
const RECORDS = 64;
/** Bytes of JSON per record (a longer error is cut). */
const TEXT_BYTES = 480;
/** Per record: sequence (int32), length (int32), then the text. */
const RECORD_BYTES = 8 + TEXT_BYTES;
/** The ring's header: the next write index (int32), padded to 8 bytes. */
const HEADER_BYTES = 8;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A buffer for {@linkcode SharedErrors}, made once by the master. */
export function sharedErrorsBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + RECORDS * RECORD_BYTES);
}

/**
 * A ring of recent errors shared by the workers (or a worker's own, without a buffer).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SharedErrors, sharedErrorsBuffer } from "./shared_errors.ts";
 *
 * const buffer = sharedErrorsBuffer();
 * const one = new SharedErrors(buffer);
 * const two = new SharedErrors(buffer);
 * one.add({ time: 1, upstream: "app", server: "127.0.0.1:1", kind: "connect", message: "refused", request: "GET /" });
 * assert.equal(two.recent()[0].message, "refused");
 * ```
 */
export class SharedErrors {
  readonly #ints: Int32Array;
  readonly #bytes: Uint8Array;

  /** Opens the ring in `buffer` (a fresh one of its own without). */
  constructor(buffer: SharedArrayBuffer | ArrayBuffer = new ArrayBuffer(sharedErrorsByteLength())) {
    this.#ints = new Int32Array(buffer);
    this.#bytes = new Uint8Array(buffer);
  }

  /** Adds `error` (its JSON cut to the record's size). */
  add(error: RecentError): void {
    const index = Atomics.add(this.#ints, 0, 1) % RECORDS;
    const at = HEADER_BYTES + index * RECORD_BYTES;
    const seq = at / 4;
    Atomics.add(this.#ints, seq, 1); // odd: being written
    let text = JSON.stringify(error);
    let bytes = encoder.encode(text);
    while (bytes.length > TEXT_BYTES) {
      error = { ...error, message: error.message.slice(0, Math.max(0, error.message.length - 64)) };
      error.request = error.request.slice(0, 100);
      text = JSON.stringify(error);
      bytes = encoder.encode(text);
    }
    this.#bytes.set(bytes, at + 8);
    Atomics.store(this.#ints, seq + 1, bytes.length);
    Atomics.add(this.#ints, seq, 1); // even: complete
  }

  /** The errors held, newest first (records being written are skipped). */
  recent(): RecentError[] {
    const written = Atomics.load(this.#ints, 0);
    const out: RecentError[] = [];
    for (let n = 1; n <= Math.min(written, RECORDS); n++) {
      const index = (written - n) % RECORDS;
      const at = HEADER_BYTES + index * RECORD_BYTES;
      const seq = at / 4;
      const before = Atomics.load(this.#ints, seq);
      if (before % 2 === 1) continue;
      const length = Atomics.load(this.#ints, seq + 1);
      const text = decoder.decode(this.#bytes.slice(at + 8, at + 8 + length));
      if (Atomics.load(this.#ints, seq) !== before) continue;
      try {
        out.push(JSON.parse(text));
      } catch { /* torn by a writer that wrapped the ring meanwhile */ }
    }
    return out;
  }
}

/** The byte size of a ring. */
export function sharedErrorsByteLength(): number {
  return HEADER_BYTES + RECORDS * RECORD_BYTES;
}
