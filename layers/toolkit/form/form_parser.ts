/**
 * Parsing form bodies (Werkzeug's `FormDataParser`): `application/x-www-form-urlencoded` and
 * `multipart/form-data`, the latter streamed through busboy so the body is never held in memory
 * whole; large files are spooled to temp files.
 *
 * @module
 */

import { Busboy, type BusboyFileStream, type BusboyInstance } from "busboy";
import { readCapped } from "../_bytes.ts";
import { MultiDict } from "../datastructures/multi_dict.ts";
import { BadRequest, ContentTooLarge, isHttpError } from "../exceptions.ts";
import { receiveUpload, type SpoolOptions, UploadedFile } from "./file_storage.ts";

/** Limits on form bodies, Werkzeug's in camelCase; `null` turns a limit off. */
export interface FormLimits extends SpoolOptions {
  /** The largest body, in bytes (checked against `Content-Length` up front too); default none. */
  maxContentLength?: number | null;
  /**
   * The largest non-file field in a multipart body, and the largest urlencoded body, in bytes;
   * default 500 000 (Werkzeug's).
   */
  maxFormMemorySize?: number | null;
  /** The most fields and files in one body; default 1000. */
  maxFormParts?: number | null;
}

/** The fields and files of a parsed form. */
export interface ParsedForm {
  /** Non-file fields, in body order. */
  form: MultiDict<string>;
  /** Uploaded files, by field name. */
  files: MultiDict<UploadedFile>;
}

/** Default {@linkcode FormLimits.maxFormMemorySize}. */
export const DEFAULT_MAX_FORM_MEMORY_SIZE = 500_000;
/** Default {@linkcode FormLimits.maxFormParts}. */
export const DEFAULT_MAX_FORM_PARTS = 1000;

const URLENCODED = "application/x-www-form-urlencoded";
const MULTIPART = "multipart/form-data";
const DIGITS = /^\d+$/;
const DECODER = new TextDecoder();

function limitOf(value: number | null | undefined, fallback: number): number {
  if (value === null) return Infinity;
  return value ?? fallback;
}

function tooLarge(what: string, limit: string, value: number, unit = " bytes"): ContentTooLarge {
  return new ContentTooLarge(`Cannot parse the form: ${what} exceeds ${limit} (${value}${unit}).`);
}

function mimetypeOf(contentType: string | null): string {
  if (!contentType) return "";
  const semi = contentType.indexOf(";");
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/**
 * Parses a request's form body: urlencoded or multipart fields into `form`, uploads into
 * `files` (see {@linkcode UploadedFile}; call `cleanup()` on them when done), both frozen
 * (read-only: `copy()` them to change). Other content
 * types, and bodiless requests, give an empty form. A body over a limit throws
 * {@linkcode ContentTooLarge} naming the limit; a malformed body throws {@linkcode BadRequest};
 * temp files are removed whenever it throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseForm } from "./form_parser.ts";
 *
 * const body = new FormData();
 * body.append("name", "Ada");
 * body.append("cv", new File(["# Ada"], "cv.md", { type: "text/markdown" }));
 * const { form, files } = await parseForm(new Request("http://x/", { method: "POST", body }));
 * assert.equal(form.get("name"), "Ada");
 * const cv = files.get("cv")!;
 * assert.equal(cv.filename, "cv.md");
 * assert.equal(await cv.text(), "# Ada");
 * await cv.cleanup();
 * ```
 */
export async function parseForm(request: Request, options: FormLimits = {}): Promise<ParsedForm> {
  const contentType = request.headers.get("content-type");
  const mimetype = mimetypeOf(contentType);
  const isUrlencoded = mimetype === URLENCODED;
  if (!request.body || (!isUrlencoded && mimetype !== MULTIPART)) return frozen(emptyForm());
  const maxContentLength = limitOf(options.maxContentLength, Infinity);
  const maxMemory = limitOf(options.maxFormMemorySize, DEFAULT_MAX_FORM_MEMORY_SIZE);
  const declared = request.headers.get("content-length");
  if (declared !== null && DIGITS.test(declared)) {
    const length = Number(declared);
    if (length > maxContentLength) {
      throw tooLarge("the body", "maxContentLength", maxContentLength);
    }
    if (isUrlencoded && length > maxMemory) {
      throw tooLarge("the body", "maxFormMemorySize", maxMemory);
    }
  }
  if (request.bodyUsed) {
    throw new Error("Cannot parse the form: the request body has already been read");
  }
  return isUrlencoded
    ? await parseUrlencoded(request.body, { maxContentLength, maxMemory, options })
    : await parseMultipart(request.body, {
      contentType: contentType!,
      maxContentLength,
      maxMemory,
      options,
    });
}

function emptyForm(): ParsedForm {
  return { form: new MultiDict<string>(), files: new MultiDict<UploadedFile>() };
}

function frozen(parsed: ParsedForm): ParsedForm {
  parsed.form.freeze();
  parsed.files.freeze();
  return parsed;
}

function unreadable(cause: unknown): BadRequest {
  return new BadRequest("Cannot parse the form: the request body could not be read.", { cause });
}

/** Resolved limits for one parse. */
interface ParseJob {
  maxContentLength: number;
  maxMemory: number;
  options: FormLimits;
}

async function parseUrlencoded(
  body: ReadableStream<Uint8Array>,
  { maxContentLength, maxMemory, options }: ParseJob,
): Promise<ParsedForm> {
  const bytes = await readCapped(body, {
    limit: Math.min(maxContentLength, maxMemory),
    tooLarge: (size) =>
      size > maxContentLength
        ? tooLarge("the body", "maxContentLength", maxContentLength)
        : tooLarge("the body", "maxFormMemorySize", maxMemory),
    unreadable,
  });
  const text = DECODER.decode(bytes);
  const parsed = emptyForm();
  if (!text) return frozen(parsed);
  const maxParts = limitOf(options.maxFormParts, DEFAULT_MAX_FORM_PARTS);
  let parts = 0;
  for (const [key, value] of new URLSearchParams(text)) {
    if (++parts > maxParts) throw tooLarge("the number of fields", "maxFormParts", maxParts, "");
    parsed.form.add(key, value);
  }
  return frozen(parsed);
}

function multipartError(cause: unknown): BadRequest {
  const message = cause instanceof Error ? cause.message : "";
  let why = "the multipart body is malformed";
  if (/unexpected end|terminated early/i.test(message)) {
    why = "the multipart body ended before its closing boundary";
  } else if (/header/i.test(message)) why = "a multipart part header is malformed";
  return new BadRequest(`Cannot parse the form: ${why}.`, { cause });
}

async function* guarded(stream: BusboyFileStream): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (error) {
    throw multipartError(error);
  }
}

function isFilePart(_name: string | undefined, _type: string | undefined, filename?: string) {
  return filename !== undefined;
}

async function parseMultipart(
  body: ReadableStream<Uint8Array>,
  { contentType, maxContentLength, maxMemory, options }: ParseJob & { contentType: string },
): Promise<ParsedForm> {
  const maxParts = limitOf(options.maxFormParts, DEFAULT_MAX_FORM_PARTS);
  let busboy: BusboyInstance;
  try {
    busboy = Busboy({
      headers: { "content-type": contentType },
      isPartAFile: isFilePart,
      limits: { fieldSize: maxMemory, parts: maxParts },
    });
  } catch (error) {
    const why = /boundary/i.test(String(error))
      ? "the multipart Content-Type has no boundary"
      : "the multipart Content-Type is malformed";
    throw new BadRequest(`Cannot parse the form: ${why}.`, { cause: error });
  }

  const parsed = emptyForm();
  const streams = new Set<BusboyFileStream>();
  const uploads: Promise<UploadedFile | undefined>[] = [];
  let failure = undefined as Error | undefined;
  let onFailure!: () => void;
  const failed = new Promise<void>((resolve) => onFailure = resolve);
  const fail = (error: unknown): void => {
    if (failure !== undefined) return;
    failure = error instanceof Error ? error : multipartError(error);
    onFailure();
  };

  busboy.on("field", (name, value, _nameTruncated, valueTruncated) => {
    if (valueTruncated) fail(tooLarge("a field", "maxFormMemorySize", maxMemory));
    else if (name !== undefined) parsed.form.add(name, value);
  });
  busboy.on("file", (name, stream, filename, _encoding, mimetype) => {
    if (name === undefined || failure !== undefined) {
      stream.on("error", () => {});
      stream.resume();
      return;
    }
    streams.add(stream);
    const upload = receiveUpload(guarded(stream), { name, filename, contentType: mimetype }, {
      spoolThreshold: options.spoolThreshold,
      maxFileSize: options.maxFileSize,
      tempDir: options.tempDir,
    });
    uploads.push(upload.then(
      (file) => {
        streams.delete(stream);
        return file;
      },
      (error) => {
        streams.delete(stream);
        fail(error);
        return undefined;
      },
    ));
  });
  busboy.on(
    "partsLimit",
    () => fail(tooLarge("the number of parts", "maxFormParts", maxParts, "")),
  );
  busboy.on("error", (error) => fail(isHttpError(error) ? error : multipartError(error)));
  const finished = new Promise<void>((resolve) => busboy.once("finish", resolve));

  const reader = body.getReader();
  let size = 0;
  try {
    while (failure === undefined) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        fail(unreadable(error));
        break;
      }
      if (result.done) break;
      size += result.value.byteLength;
      if (size > maxContentLength) {
        fail(tooLarge("the body", "maxContentLength", maxContentLength));
        break;
      }
      if (!busboy.write(result.value)) {
        await Promise.race([new Promise((resolve) => busboy.once("drain", resolve)), failed]);
      }
    }
    if (failure === undefined && size === 0) {
      busboy.destroy();
      return frozen(parsed);
    }
    if (failure === undefined) {
      busboy.end();
      await Promise.race([finished, failed]);
    }
    if (failure === undefined) await Promise.race([Promise.all(uploads), failed]);
  } catch (error) {
    fail(error);
  }
  if (failure === undefined) {
    for (const file of await Promise.all(uploads)) if (file) parsed.files.add(file.name, file);
    return frozen(parsed);
  }
  // Tear down: stop reading, end every open file stream, then remove what was spooled.
  reader.cancel().catch(() => {});
  for (const stream of streams) stream.destroy();
  busboy.destroy();
  for (const file of await Promise.all(uploads)) await file?.cleanup();
  throw failure;
}
