// Private to the toolkit (its folders share it): reading a body whole under a size limit, and
// joining the chunks.

/**
 * The `chunks` (`size` bytes in all) as one plain `Uint8Array`. A single plain chunk that
 * fills its own `ArrayBuffer` is returned as it is; any other single chunk is copied, so the
 * result is never a Node `Buffer` nor pins a larger buffer it is a view of (as pooled
 * `Buffer`s do).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { concatBytes } from "./_bytes.ts";
 *
 * const joined = concatBytes([new Uint8Array([1, 2]), new Uint8Array([3])], 3);
 * assert.deepEqual([...joined], [1, 2, 3]);
 * const whole = new Uint8Array([4, 5]);
 * assert.equal(concatBytes([whole], 2), whole);
 * const view = new Uint8Array(64).subarray(0, 2);
 * assert.notEqual(concatBytes([view], 2).buffer, view.buffer);
 * const buffer = Buffer.from([6, 7]);
 * assert.equal(Object.getPrototypeOf(concatBytes([buffer], 2)), Uint8Array.prototype);
 * assert.equal(concatBytes([], 0).length, 0);
 * ```
 */
export function concatBytes(chunks: readonly Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  if (chunks.length === 1) {
    const [chunk] = chunks;
    const buffer = chunk.buffer;
    if (
      buffer instanceof ArrayBuffer && chunk.byteOffset === 0 &&
      chunk.byteLength === buffer.byteLength && chunk.constructor === Uint8Array
    ) {
      return chunk as Uint8Array<ArrayBuffer>;
    }
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** How {@linkcode readCapped} fails. */
export interface ReadCappedOptions {
  /** The most bytes to read; one more fails with `tooLarge`. */
  limit: number;
  /** The error for a body past `limit`, given the bytes seen so far. */
  tooLarge: (size: number) => Error;
  /** The error for a body stream that failed (the client went away), given its error. */
  unreadable: (cause: unknown) => Error;
}

/**
 * Reads `body` whole, failing with `options.tooLarge()` as soon as it passes `options.limit`
 * bytes and with `options.unreadable()` when the stream errors; either way the stream is
 * cancelled.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCapped } from "./_bytes.ts";
 *
 * const fail = { tooLarge: () => new RangeError("too big"), unreadable: () => new Error("gone") };
 * const bytes = await readCapped(new Response("hello").body!, { limit: 5, ...fail });
 * assert.equal(new TextDecoder().decode(bytes), "hello");
 * const tooLong = readCapped(new Response("hello!").body!, { limit: 5, ...fail });
 * await assert.rejects(tooLong, RangeError);
 * ```
 */
export async function readCapped(
  body: ReadableStream<Uint8Array>,
  options: ReadCappedOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch (error) {
      reader.cancel().catch(() => {});
      throw options.unreadable(error);
    }
    if (result.done) break;
    size += result.value.byteLength;
    if (size > options.limit) {
      reader.cancel().catch(() => {});
      throw options.tooLarge(size);
    }
    chunks.push(result.value);
  }
  return concatBytes(chunks, size);
}
