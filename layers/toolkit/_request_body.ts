// Private to the toolkit: the body side of RequestWrapper: read once as bytes, text, JSON or a
// form (with uploads), never twice, and the uploads removed on close.

import { readCapped } from "./_bytes.ts";
import type { MultiDict } from "./datastructures/multi_dict.ts";
import { BadRequest, ContentTooLarge } from "./exceptions.ts";
import type { UploadedFile } from "./form/file_storage.ts";
import { type FormLimits, type ParsedForm, parseForm } from "./form/form_parser.ts";

const DIGITS = /^\d+$/;
const DECODER = new TextDecoder();

/** A request's body, read one way and cached; see `RequestWrapper`'s body methods. */
export class RequestBody {
  #request: Request;
  #completed: Promise<void> | undefined;
  #limits: FormLimits;
  #bytes: Promise<Uint8Array> | undefined;
  #text: Promise<string> | undefined;
  #json: { value: unknown } | undefined;
  #form: Promise<ParsedForm> | undefined;
  #closed = false;

  /** The body of `request`; uploads are removed when `completed` settles. */
  constructor(request: Request, completed: Promise<void> | undefined, limits: FormLimits) {
    this.#request = request;
    this.#completed = completed;
    this.#limits = limits;
  }

  /** The whole body (413 past `maxContentLength`); rejects after `form()` consumed it. */
  bytes(): Promise<Uint8Array> {
    if (this.#bytes) return this.#bytes;
    if (this.#form) {
      return Promise.reject(
        new Error("Cannot read the body: form() or files() has already consumed it"),
      );
    }
    return this.#bytes = readBody(this.#request, this.#limits.maxContentLength ?? Infinity);
  }

  /** The body decoded as UTF-8. */
  text(): Promise<string> {
    return this.#text ??= this.bytes().then((bytes) => DECODER.decode(bytes));
  }

  /** The body parsed as JSON; {@linkcode BadRequest} when it is not JSON. */
  async json(): Promise<unknown> {
    if (!this.#json) {
      const text = await this.text();
      try {
        this.#json = { value: JSON.parse(text) };
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new BadRequest(`Cannot read the body as JSON: ${why}.`, { cause: error });
      }
    }
    return this.#json.value;
  }

  /** The form and its uploads, parsed once (from the bytes, if those were read first). */
  form(): Promise<ParsedForm> {
    return this.#form ??= this.#parseForm();
  }

  async #parseForm(): Promise<ParsedForm> {
    let request = this.#request;
    if (this.#bytes) {
      const body = await this.#bytes;
      request = new Request(request.url, {
        method: "POST",
        headers: request.headers,
        body: body as Uint8Array<ArrayBuffer>,
      });
    }
    const parsed = await parseForm(request, this.#limits);
    if (this.#closed) {
      await cleanupFiles(parsed.files);
    } else if (parsed.files.size > 0) {
      this.#completed?.then(() => this.close(), () => this.close());
    }
    return parsed;
  }

  /** Removes the uploads' temp files, now and for a form parsed later; safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    if (!this.#form) return;
    let parsed: ParsedForm;
    try {
      parsed = await this.#form;
    } catch {
      return; // a failed parse has removed its own files
    }
    await cleanupFiles(parsed.files);
  }
}

async function cleanupFiles(files: MultiDict<UploadedFile>): Promise<void> {
  for (const [, file] of files) await file.cleanup();
}

/** Reads a whole body, enforcing `limit` (413) up front from Content-Length and while reading. */
async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && DIGITS.test(declared) && Number(declared) > limit) {
    throw tooLarge(limit);
  }
  if (!request.body) return new Uint8Array(0);
  if (request.bodyUsed) throw new Error("Cannot read the body: it has already been read");
  return await readCapped(request.body, {
    limit,
    tooLarge: () => tooLarge(limit),
    unreadable: (cause) =>
      new BadRequest("Cannot read the body: the client stopped sending it.", { cause }),
  });
}

function tooLarge(limit: number): ContentTooLarge {
  return new ContentTooLarge(`Cannot read the body: it exceeds maxContentLength (${limit} bytes).`);
}
