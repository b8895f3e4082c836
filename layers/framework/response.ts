/**
 * What a view may return, and how it becomes a `Response` (Flask's `make_response`): a string
 * is HTML, an object or array is JSON, bytes are a download, an (async) iterable or a stream is
 * streamed, a `Response` goes as it is, and `[body, status]`, `[body, headers]` or
 * `[body, status, headers]` add a status and headers. `null` and `undefined` are refused with a
 * message naming the view, as Flask does.
 *
 * @module
 */

import { json, stream } from "../toolkit/mod.ts";

/** A body a view may return. */
export type BodyValue =
  | string
  | Uint8Array
  | ReadableStream<Uint8Array>
  | AsyncIterable<string | Uint8Array>
  | Iterable<string | Uint8Array>
  | Record<string, unknown>
  | unknown[]
  | Response;

/** Headers as a view may give them. */
export type HeadersValue = HeadersInit;

/** What a view may return. */
export type ViewResult =
  | BodyValue
  | [BodyValue, number]
  | [BodyValue, HeadersValue]
  | [BodyValue, number, HeadersValue];

/** A view returned something that is not a response. */
export class ViewReturnError extends TypeError {
  /** `"ViewReturnError"`. */
  override name = "ViewReturnError";
}

const HTML = "text/html; charset=utf-8";

function isIterable(value: object): value is Iterable<string | Uint8Array> {
  return typeof (value as Iterable<unknown>)[Symbol.iterator] === "function";
}

function isAsyncIterable(value: object): value is AsyncIterable<string | Uint8Array> {
  return typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
}

/** The body part of a result as a Response. */
function bodyResponse(body: BodyValue, view: string): Response {
  if (body instanceof Response) return body;
  if (typeof body === "string") {
    return new Response(body, { headers: { "content-type": HTML } });
  }
  if (body instanceof Uint8Array) {
    return new Response(body as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": "application/octet-stream" },
    });
  }
  if (body instanceof ReadableStream) {
    return new Response(body, { headers: { "content-type": HTML } });
  }
  if (body === null || body === undefined) {
    throw new ViewReturnError(
      `The view "${view}" did not return a valid response: it returned ${body}. ` +
        "Return a string, an object (JSON), a Response, or [body, status, headers].",
    );
  }
  if (typeof body !== "object") {
    throw new ViewReturnError(
      `The view "${view}" did not return a valid response: a ${typeof body} (${
        String(body)
      }). Return a string, an object (JSON), a Response, or [body, status, headers].`,
    );
  }
  if (Array.isArray(body)) return json(body);
  if (isAsyncIterable(body) || (isIterable(body) && !isPlainObject(body))) {
    return stream(body, { headers: { "content-type": HTML } });
  }
  return json(body);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The `Response` for a view's result; `view` names the view in the error for an invalid one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeResponse } from "./response.ts";
 *
 * const created = makeResponse([{ id: 7 }, 201, { location: "/notes/7" }], "create");
 * assert.equal(created.status, 201);
 * assert.equal(created.headers.get("location"), "/notes/7");
 * assert.deepEqual(await created.json(), { id: 7 });
 * assert.equal(makeResponse("<b>hi</b>", "index").headers.get("content-type"), "text/html; charset=utf-8");
 * ```
 */
export function makeResponse(result: ViewResult, view: string): Response {
  if (!Array.isArray(result) || !isTuple(result)) return bodyResponse(result as BodyValue, view);
  const [body, second, third] = result as [BodyValue, number | HeadersValue, HeadersValue?];
  let status: number | undefined;
  let headers: HeadersValue | undefined;
  if (typeof second === "number") [status, headers] = [second, third];
  else headers = second;
  // A text or JSON body with its status and headers: one Response, built once.
  if (
    typeof body === "string" ||
    (body !== null && typeof body === "object" && !(body instanceof Response) &&
      isPlainObject(body))
  ) {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const type = typeof body === "string" ? HTML : "application/json";
    // A plain object of headers stays one (Deno.serve's fast path takes it as it is).
    if (headers === undefined || (typeof headers === "object" && isPlainObject(headers))) {
      const fields = (headers ?? {}) as Record<string, string>;
      let typed = false;
      for (const name in fields) if (name.toLowerCase() === "content-type") typed = true;
      return new Response(text, {
        status: status ?? 200,
        headers: typed ? fields : { "content-type": type, ...fields },
      });
    }
    const init = new Headers(headers);
    if (!init.has("content-type")) init.set("content-type", type);
    return new Response(text, { status: status ?? 200, headers: init });
  }
  const response = bodyResponse(body, view);
  if (status === undefined && headers === undefined) return response;
  const merged = new Headers(response.headers);
  if (headers) new Headers(headers).forEach((value, name) => merged.set(name, value));
  return new Response(response.body, {
    status: status ?? response.status,
    statusText: status === undefined ? response.statusText : "",
    headers: merged,
  });
}

/** Whether an array is a `[body, status?, headers?]` tuple rather than a JSON array body. */
function isTuple(value: unknown[]): boolean {
  if (value.length < 2 || value.length > 3) return false;
  const [, second, third] = value;
  const isHeaders = (h: unknown) =>
    h instanceof Headers || (typeof h === "object" && h !== null && !(h instanceof Response));
  if (value.length === 3) return typeof second === "number" && isHeaders(third);
  return (typeof second === "number" && Number.isInteger(second) && second >= 100 &&
    second <= 999) ||
    (second instanceof Headers) ||
    (Array.isArray(second) && second.every((p) => Array.isArray(p) && p.length === 2) &&
      second.length > 0);
}
