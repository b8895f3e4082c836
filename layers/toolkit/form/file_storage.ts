/**
 * {@linkcode UploadedFile}: one file from a `multipart/form-data` body (Werkzeug's
 * `FileStorage`), kept in memory while small and spooled to a temp file once it grows past a
 * threshold.
 *
 * @module
 */

import { concatBytes } from "../_bytes.ts";
import { ContentTooLarge } from "../exceptions.ts";

/** What an {@linkcode UploadedFile} is made from. */
export interface UploadedFileInit {
  /** The form field's name. */
  name: string;
  /** The client's file name (a bare name: no directories); `""` when none was sent. */
  filename?: string;
  /** The part's media type; default `"application/octet-stream"`. */
  contentType?: string;
  /** The part's headers; by default built from the other fields. */
  headers?: HeadersInit;
  /** The content, when it is in memory. */
  content?: Uint8Array;
  /** The temp file holding the content, when spooled; {@linkcode UploadedFile.cleanup} removes it. */
  path?: string;
  /** The content's length in bytes (required with `path`). */
  size?: number;
}

/** How {@linkcode receiveUpload} stores a file. */
export interface SpoolOptions {
  /** Bytes kept in memory before the file is written to disk; default 500 KiB. */
  spoolThreshold?: number;
  /** The largest file accepted, in bytes; `null` (default) for no limit. */
  maxFileSize?: number | null;
  /** Where temp files go; default the system's temp directory. */
  tempDir?: string;
}

/** Default {@linkcode SpoolOptions.spoolThreshold}: 500 KiB, as Werkzeug. */
export const DEFAULT_SPOOL_THRESHOLD = 500 * 1024;

const EMPTY = new Uint8Array(0);
const DECODER = new TextDecoder();

function quote(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', "%22").replace(/[\r\n]/g, " ");
}

/**
 * A file uploaded in a form: its field `name`, the client's `filename`, `contentType`, `size`,
 * and its content, read with {@linkcode UploadedFile.bytes}, {@linkcode UploadedFile.text},
 * {@linkcode UploadedFile.stream} or saved with {@linkcode UploadedFile.saveTo}. A large file
 * lives in a temp file until {@linkcode UploadedFile.cleanup} (or `await using`) removes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UploadedFile } from "./file_storage.ts";
 *
 * const file = new UploadedFile({
 *   name: "avatar",
 *   filename: "me.txt",
 *   contentType: "text/plain",
 *   content: new TextEncoder().encode("hello"),
 * });
 * assert.equal(file.size, 5);
 * assert.equal(await file.text(), "hello");
 * assert.equal(file.headers.get("content-type"), "text/plain");
 * ```
 */
export class UploadedFile {
  /** The form field's name. */
  readonly name: string;
  /** The client's file name (`""` when none was sent); never trust it as a path. */
  readonly filename: string;
  /** The part's media type, e.g. `"image/png"`. */
  readonly contentType: string;
  /** The content's length in bytes. */
  readonly size: number;
  #headersInit: HeadersInit | undefined;
  #headers: Headers | undefined;
  #content: Uint8Array | undefined;
  #path: string | undefined;

  /** Wraps content already received (in memory or in a temp file). */
  constructor(init: UploadedFileInit) {
    this.name = init.name;
    this.filename = init.filename ?? "";
    this.contentType = init.contentType || "application/octet-stream";
    this.#headersInit = init.headers;
    this.#path = init.path;
    this.#content = init.path === undefined ? init.content ?? EMPTY : undefined;
    this.size = init.size ?? this.#content?.byteLength ?? 0;
  }

  /** The part's headers (`Content-Disposition`, `Content-Type`), built on first read. */
  get headers(): Headers {
    if (this.#headers) return this.#headers;
    if (this.#headersInit) return this.#headers = new Headers(this.#headersInit);
    let disposition = `form-data; name="${quote(this.name)}"`;
    if (this.filename) disposition += `; filename="${quote(this.filename)}"`;
    return this.#headers = new Headers({
      "content-disposition": disposition,
      "content-type": this.contentType,
    });
  }

  /** The media type without parameters, lower-cased (Werkzeug's `mimetype`). */
  get mimetype(): string {
    const semi = this.contentType.indexOf(";");
    return (semi === -1 ? this.contentType : this.contentType.slice(0, semi)).trim().toLowerCase();
  }

  /** The temp file holding the content, or `undefined` while it is in memory. */
  get path(): string | undefined {
    return this.#path;
  }

  /** A stream of the content (a fresh one per call). */
  stream(): ReadableStream<Uint8Array> {
    const path = this.#path;
    if (path !== undefined) {
      let file: Deno.FsFile | undefined;
      let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (!reader) {
            file = await Deno.open(path);
            reader = file.readable.getReader();
          }
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        async cancel(reason) {
          await reader?.cancel(reason);
        },
      });
    }
    const content = this.#content ?? EMPTY;
    return new ReadableStream<Uint8Array>({
      start(controller) {
        if (content.byteLength > 0) controller.enqueue(content.slice());
        controller.close();
      },
    });
  }

  /** The whole content. In memory it is the stored array itself: copy before changing it. */
  async bytes(): Promise<Uint8Array> {
    if (this.#path !== undefined) return await Deno.readFile(this.#path);
    return this.#content ?? EMPTY;
  }

  /** The content decoded as UTF-8. */
  async text(): Promise<string> {
    return DECODER.decode(await this.bytes());
  }

  /** Copies the content to `path` (the temp file, if any, stays until cleanup). */
  async saveTo(path: string | URL): Promise<void> {
    if (this.#path !== undefined) await Deno.copyFile(this.#path, path);
    else await Deno.writeFile(path, this.#content ?? EMPTY);
  }

  /** Removes the temp file, if any; safe to call twice. The content is gone afterwards. */
  async cleanup(): Promise<void> {
    const path = this.#path;
    if (path === undefined) return;
    this.#path = undefined;
    this.#content = EMPTY;
    await removeQuietly(path);
  }

  /** `await using file = …` removes the temp file at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.byteLength) offset += await file.write(data.subarray(offset));
}

/**
 * Reads an upload's content from `source` into an {@linkcode UploadedFile}: in memory up to
 * `spoolThreshold` bytes, then into a temp file. Throws {@linkcode ContentTooLarge} past
 * `maxFileSize`, and removes the temp file when it throws for any reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { receiveUpload } from "./file_storage.ts";
 *
 * async function* chunks() {
 *   yield new Uint8Array(600);
 *   yield new Uint8Array(600);
 * }
 * const file = await receiveUpload(chunks(), { name: "f", filename: "a.bin" }, {
 *   spoolThreshold: 1000,
 * });
 * assert.equal(file.size, 1200);
 * assert.ok(file.path);
 * await file.cleanup();
 * assert.equal(file.path, undefined);
 * ```
 */
export async function receiveUpload(
  source: AsyncIterable<Uint8Array>,
  init: Omit<UploadedFileInit, "content" | "path" | "size">,
  options: SpoolOptions = {},
): Promise<UploadedFile> {
  const threshold = options.spoolThreshold ?? DEFAULT_SPOOL_THRESHOLD;
  const maxSize = options.maxFileSize ?? Infinity;
  const chunks: Uint8Array[] = [];
  let size = 0;
  let path: string | undefined;
  let file: Deno.FsFile | undefined;
  try {
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (size > maxSize) {
        throw new ContentTooLarge(
          `Cannot parse the form: the file "${init.filename ?? ""}" exceeds maxFileSize ` +
            `(${maxSize} bytes).`,
        );
      }
      if (file) {
        await writeAll(file, chunk);
      } else if (size > threshold) {
        path = await Deno.makeTempFile({ dir: options.tempDir, prefix: "ngw2f-upload-" });
        file = await Deno.open(path, { write: true, truncate: true });
        for (const buffered of chunks) await writeAll(file, buffered);
        chunks.length = 0;
        await writeAll(file, chunk);
      } else {
        chunks.push(chunk);
      }
    }
    file?.close();
    file = undefined;
  } catch (error) {
    try {
      file?.close();
    } catch { /* already closed */ }
    if (path !== undefined) await removeQuietly(path);
    throw error;
  }
  if (path !== undefined) return new UploadedFile({ ...init, path, size });
  return new UploadedFile({ ...init, content: chunks.length ? concatBytes(chunks, size) : EMPTY });
}
