// Private to middleware/: the compressors behind compression.ts. Web CompressionStream for
// gzip/deflate at their default level, node:zlib for brotli and for chosen gzip/deflate levels,
// and one-shot (sync) compression for small bodies already in hand.

import zlib from "node:zlib";

/** A content coding the compression middleware can produce. */
export type Encoding = "br" | "gzip" | "deflate";

/** Levels per coding: brotli quality 0–11, gzip/deflate level 0–9. */
export interface Levels {
  br: number;
  gzip: number | undefined;
  deflate: number | undefined;
}

/** The quality used when none is chosen: measured on this machine, brotli at quality 4 is
 * about as fast as gzip -6 (CompressionStream) and 20–25% smaller; 5 and up cost 1.6–2× more,
 * 11 (zlib's default) 200×. */
export const DEFAULT_BROTLI_QUALITY = 4;

/** Compresses a whole body in one call (for small bodies: no stream set-up at all). */
export function compressBytes(data: Uint8Array, encoding: Encoding, levels: Levels): Uint8Array {
  switch (encoding) {
    case "br":
      return zlib.brotliCompressSync(data, brotliOptions(levels.br, data.byteLength));
    case "gzip":
      return zlib.gzipSync(data, { level: levels.gzip ?? zlib.constants.Z_DEFAULT_COMPRESSION });
    case "deflate":
      return zlib.deflateSync(data, {
        level: levels.deflate ?? zlib.constants.Z_DEFAULT_COMPRESSION,
      });
  }
}

/** A stream that compresses what flows through it. */
export function compressStream(
  encoding: Encoding,
  levels: Levels,
): TransformStream<Uint8Array, Uint8Array> {
  if (encoding === "br") return fromZlib(zlib.createBrotliCompress(brotliOptions(levels.br)));
  const level = levels[encoding];
  if (level === undefined) {
    return new CompressionStream(encoding) as unknown as TransformStream<Uint8Array, Uint8Array>;
  }
  return fromZlib(encoding === "gzip" ? zlib.createGzip({ level }) : zlib.createDeflate({ level }));
}

function brotliOptions(quality: number, sizeHint?: number): zlib.BrotliOptions {
  const params: Record<number, number> = { [zlib.constants.BROTLI_PARAM_QUALITY]: quality };
  if (sizeHint !== undefined) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = sizeHint;
  return { params };
}

/** A web TransformStream around a node:zlib stream, with backpressure and cancellation. */
function fromZlib(engine: zlib.Gzip | zlib.Deflate | zlib.BrotliCompress) {
  let out!: TransformStreamDefaultController<Uint8Array>;
  const ended = new Promise<void>((resolve, reject) => {
    engine.once("end", resolve);
    engine.once("error", reject);
  });
  ended.catch(() => {}); // Observed by flush(); a cancelled stream never asks.
  engine.on("data", (chunk: Uint8Array) => out.enqueue(chunk));
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      out = controller;
    },
    transform(chunk) {
      if (engine.write(chunk)) return;
      return new Promise<void>((resolve, reject) => {
        const done = (error?: unknown) => {
          engine.off("drain", done);
          engine.off("error", done);
          if (error) reject(error);
          else resolve();
        };
        engine.once("drain", done);
        engine.once("error", done);
      });
    },
    flush() {
      engine.end();
      return ended;
    },
    cancel() {
      engine.destroy();
    },
  });
}
