/**
 * Turning the test client's request options (`query`, `json`, `form`, `multipart`, `body`) into a
 * URL and a body that can be sent again (for 307/308 redirects).
 *
 * @module
 */

/** One query value; `null` and `undefined` are left out. */
export type QueryValue = string | number | boolean | bigint | null | undefined;

/** A query: a record (arrays repeat the key), `URLSearchParams`, or `[name, value]` pairs. */
export type QueryInit =
  | URLSearchParams
  | Iterable<readonly [string, QueryValue]>
  | Readonly<Record<string, QueryValue | readonly QueryValue[]>>;

/** One form value; a `Blob`/`File` makes the form multipart. `null`/`undefined` are left out. */
export type FormValue = string | number | boolean | bigint | Blob | null | undefined;

/** Form fields: a record (arrays repeat the field), `URLSearchParams`, `FormData` or pairs. */
export type FormInit =
  | URLSearchParams
  | FormData
  | Iterable<readonly [string, FormValue]>
  | Readonly<Record<string, FormValue | readonly FormValue[]>>;

/** The body options of a request; at most one may be given. */
export interface BodyOptions {
  /** Any JSON value, sent as `application/json`. */
  json?: unknown;
  /** Form fields: `application/x-www-form-urlencoded`, or `multipart/form-data` with a file. */
  form?: FormInit;
  /** Form fields always sent as `multipart/form-data`. */
  multipart?: FormData | FormInit;
  /** A raw body. */
  body?: BodyInit | null;
}

/** A body ready to send, and to send again. */
export interface EncodedBody {
  /** Bytes or a Blob (reusable), or `null` with `stream` set or for no body. */
  readonly data: Uint8Array<ArrayBuffer> | Blob | null;
  /** A body given as a stream (sent once unless split with `tee()`). */
  readonly stream: ReadableStream<Uint8Array> | null;
  /** The content type the body implies, if any. */
  readonly contentType: string | null;
  /** The length in bytes when known. */
  readonly length: number | null;
}

/** No body at all. */
export const NO_BODY: EncodedBody = Object.freeze({
  data: null,
  stream: null,
  contentType: null,
  length: null,
});

const encoder = new TextEncoder();
const TEXT = "text/plain;charset=UTF-8";
const URLENCODED = "application/x-www-form-urlencoded;charset=UTF-8";

/**
 * Appends `query` to the query already in `url`, leaving the existing part as it was written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appendQuery } from "./request_body.ts";
 *
 * const url = new URL("http://localhost/search?q=a%20b");
 * appendQuery(url, { page: 2, tag: ["x", "y"], skip: undefined });
 * assert.equal(url.search, "?q=a%20b&page=2&tag=x&tag=y");
 * ```
 */
export function appendQuery(url: URL, query: QueryInit): void {
  const params = query instanceof URLSearchParams ? query : new URLSearchParams();
  if (params !== query) {
    for (const [name, value] of entriesOf(query as Exclude<QueryInit, URLSearchParams>)) {
      if (value !== null && value !== undefined) params.append(name, String(value));
    }
  }
  const extra = params.toString();
  if (extra === "") return;
  url.search = url.search.length > 1 ? `${url.search}&${extra}` : extra;
}

/**
 * Encodes the one body option given (`json`, `form`, `multipart` or `body`). Throws a `TypeError`
 * when more than one is given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBody } from "./request_body.ts";
 *
 * const json = await encodeBody({ json: { a: 1 } });
 * assert.equal(json.contentType, "application/json");
 * assert.equal(json.length, 7);
 *
 * const form = await encodeBody({ form: { name: "Ada", tags: ["a", "b"] } });
 * assert.equal(new TextDecoder().decode(form.data as Uint8Array), "name=Ada&tags=a&tags=b");
 *
 * const upload = await encodeBody({ form: { file: new File(["hi"], "hi.txt") } });
 * assert.match(upload.contentType!, /^multipart\/form-data; boundary=/);
 * ```
 */
export async function encodeBody(options: BodyOptions): Promise<EncodedBody> {
  const given = (options.json !== undefined ? 1 : 0) + (options.form !== undefined ? 1 : 0) +
    (options.multipart !== undefined ? 1 : 0) +
    (options.body !== undefined && options.body !== null ? 1 : 0);
  if (given === 0) return NO_BODY;
  if (given > 1) {
    throw new TypeError(
      "Cannot build the request body: give only one of json, form, multipart or body",
    );
  }
  if (options.json !== undefined) {
    const text = JSON.stringify(options.json);
    if (text === undefined) {
      throw new TypeError("Cannot build the request body: the json value is not serialisable");
    }
    return fromText(text, "application/json");
  }
  if (options.form !== undefined) {
    const form = options.form;
    if (form instanceof FormData) return await fromFormData(form);
    if (form instanceof URLSearchParams) return fromText(form.toString(), URLENCODED);
    const pairs = [...entriesOf(form)];
    if (pairs.some(([, value]) => value instanceof Blob)) {
      return await fromFormData(toFormData(pairs));
    }
    const params = new URLSearchParams();
    for (const [name, value] of pairs) {
      if (value !== null && value !== undefined) params.append(name, String(value));
    }
    return fromText(params.toString(), URLENCODED);
  }
  if (options.multipart !== undefined) {
    const multipart = options.multipart;
    return await fromFormData(
      multipart instanceof FormData ? multipart : toFormData(entriesOf(multipart)),
    );
  }
  return await fromBodyInit(options.body as BodyInit);
}

async function fromBodyInit(body: BodyInit): Promise<EncodedBody> {
  if (typeof body === "string") return fromText(body, TEXT);
  if (body instanceof ArrayBuffer) return bytes(new Uint8Array(body), null);
  if (ArrayBuffer.isView(body)) {
    // A view on a SharedArrayBuffer is copied: a Request body needs an ArrayBuffer.
    const view = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    return bytes(
      view.buffer instanceof ArrayBuffer ? view as Uint8Array<ArrayBuffer> : view.slice(),
      null,
    );
  }
  if (body instanceof Blob) {
    return { data: body, stream: null, contentType: body.type || null, length: body.size };
  }
  if (body instanceof URLSearchParams) return fromText(body.toString(), URLENCODED);
  if (body instanceof FormData) return await fromFormData(body);
  if (body instanceof ReadableStream) {
    return { data: null, stream: body, contentType: null, length: null };
  }
  // Anything else a Request accepts (an async iterable, for instance): let it serialise.
  const request = new Request("http://localhost/", { method: "POST", body });
  const data = await request.bytes();
  return bytes(data, request.headers.get("content-type"));
}

function fromText(text: string, contentType: string): EncodedBody {
  return bytes(encoder.encode(text), contentType);
}

function bytes(data: Uint8Array<ArrayBuffer>, contentType: string | null): EncodedBody {
  return { data, stream: null, contentType, length: data.byteLength };
}

async function fromFormData(form: FormData): Promise<EncodedBody> {
  const response = new Response(form);
  const data = await response.bytes();
  return bytes(data, response.headers.get("content-type"));
}

function toFormData(pairs: Iterable<readonly [string, FormValue]>): FormData {
  const form = new FormData();
  for (const [name, value] of pairs) {
    if (value === null || value === undefined) continue;
    if (value instanceof Blob) form.append(name, value);
    else form.append(name, String(value));
  }
  return form;
}

function* entriesOf<T>(
  init: Iterable<readonly [string, T]> | Readonly<Record<string, T | readonly T[]>>,
): Iterable<readonly [string, T]> {
  if (
    Symbol.iterator in init && typeof (init as Iterable<unknown>)[Symbol.iterator] === "function"
  ) {
    yield* init as Iterable<readonly [string, T]>;
    return;
  }
  for (const [name, value] of Object.entries(init as Record<string, T | readonly T[]>)) {
    if (Array.isArray(value)) { for (const item of value) yield [name, item]; }
    else yield [name, value as T];
  }
}
