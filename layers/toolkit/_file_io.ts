// Private to the toolkit: the file-system side of sendFile(): stat, read whole, stream byte
// ranges, refuse symlinks. A missing or unreadable file is a NotFound.

import { NotFound } from "./exceptions.ts";
import type { ByteRange } from "./http/range.ts";

/** The segments' bytes from a file read whole (a view, not a copy, for one range). */
export function fromMemory(
  data: Uint8Array<ArrayBuffer>,
  segments: readonly (Uint8Array | ByteRange)[],
  length: number,
): Uint8Array<ArrayBuffer> {
  const [first] = segments;
  if (segments.length === 1 && !(first instanceof Uint8Array)) {
    return data.subarray(first.start, first.end + 1);
  }
  const body = new Uint8Array(length);
  let offset = 0;
  for (const segment of segments) {
    const bytes = segment instanceof Uint8Array
      ? segment
      : data.subarray(segment.start, segment.end + 1);
    body.set(bytes, offset);
    offset += bytes.length;
  }
  return body;
}

/**
 * Opens `path` and streams the given segments: encoded bytes as they are, byte ranges read from
 * the file with at most `chunkSize` per read. The file is closed after the last byte, on a read
 * error, and when the consumer cancels. A file that ends early errors the stream, so a client
 * never gets fewer bytes than `Content-Length` promised without the connection failing.
 */
export async function fileStream(
  path: string,
  segments: readonly (Uint8Array | ByteRange)[],
  chunkSize: number,
): Promise<ReadableStream<Uint8Array>> {
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(path, { read: true });
  } catch (error) {
    if (isMissing(error)) throw new NotFound(undefined, { cause: error });
    throw error;
  }
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    try {
      handle.close();
    } catch { /* already closed */ }
  };
  let index = 0;
  let position = 0;
  let remaining = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (remaining === 0) {
          if (index === segments.length) {
            close();
            controller.close();
            return;
          }
          const segment = segments[index++];
          if (segment instanceof Uint8Array) {
            controller.enqueue(segment);
            return;
          }
          if (segment.start !== position) await handle.seek(segment.start, Deno.SeekMode.Start);
          position = segment.start;
          remaining = segment.end - segment.start + 1;
        }
        const buffer = new Uint8Array(Math.min(chunkSize, remaining));
        const read = await handle.read(buffer);
        if (read === null) {
          throw new Error(`Cannot send file: "${path}" ended ${remaining} bytes early`);
        }
        position += read;
        remaining -= read;
        controller.enqueue(read === buffer.length ? buffer : buffer.subarray(0, read));
      } catch (error) {
        close();
        controller.error(error);
      }
    },
    cancel() {
      close();
    },
  });
}

/** Whether a file-system error means "no such file" (as the client should see it: 404). */
export function isMissing(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory ||
    error instanceof Deno.errors.FilesystemLoop || error instanceof Deno.errors.PermissionDenied ||
    (error as { code?: string } | null)?.code === "ENAMETOOLONG";
}

/** The file's info when it is a regular file (symlinks followed), else null. */
export async function statFile(path: string, sync: boolean): Promise<Deno.FileInfo | null> {
  try {
    const info = sync ? Deno.statSync(path) : await Deno.stat(path);
    return info.isFile ? info : null;
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/** The whole file; a 404 when it went missing since the stat. */
export async function readFile(path: string, sync: boolean): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return (sync ? Deno.readFileSync(path) : await Deno.readFile(path)) as Uint8Array<ArrayBuffer>;
  } catch (error) {
    if (isMissing(error)) throw new NotFound(undefined, { cause: error });
    throw error;
  }
}

/** `followSymlinks: false`: the real path must stay under the real root (or not be a link). */
export async function refuseSymlink(path: string, root: string | null): Promise<void> {
  try {
    if (root === null) {
      if ((await Deno.lstat(path)).isSymlink) throw new NotFound();
      return;
    }
    const [real, realRoot] = await Promise.all([Deno.realPath(path), Deno.realPath(root)]);
    const prefix = realRoot.endsWith("/") ? realRoot : realRoot + "/";
    if (!real.startsWith(prefix)) throw new NotFound();
  } catch (error) {
    if (error instanceof NotFound) throw error;
    if (isMissing(error)) throw new NotFound(undefined, { cause: error });
    throw error;
  }
}
