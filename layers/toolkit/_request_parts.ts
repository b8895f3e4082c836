// Request-line and body helpers for request.ts: splitting the target, parsing the query,
// reading a bounded body. Private to the toolkit.

import { MultiDict } from "./datastructures/multi_dict.ts";
import { BadRequest, ContentTooLarge } from "./exceptions.ts";

const DIGITS = /^\d+$/;

/** `path` below `rootPath` when it starts with it at a segment boundary (the gateway's rule). */
export function belowRoot(path: string, rootPath: string): string {
  if (
    rootPath !== "" && path.startsWith(rootPath) &&
    (path.length === rootPath.length || path.charCodeAt(rootPath.length) === 47)
  ) {
    return path.length === rootPath.length ? "/" : path.slice(rootPath.length);
  }
  return path;
}

/** Splits an http(s) `request.url` into path and query without a URL parse; `null` otherwise. */
export function splitTarget(href: string): [path: string, query: string] | null {
  let start = -1;
  if (href.startsWith("http://")) start = href.indexOf("/", 7);
  else if (href.startsWith("https://")) start = href.indexOf("/", 8);
  if (start === -1) return null; // a serialized http(s) URL always has a path
  const hash = href.indexOf("#", start);
  const end = hash === -1 ? href.length : hash;
  const question = href.indexOf("?", start);
  if (question === -1 || question > end) return [href.slice(start, end), ""];
  return [href.slice(start, question), href.slice(question + 1, end)];
}

function decodeComponent(raw: string): string {
  if (raw.indexOf("%") === -1) return raw.indexOf("+") === -1 ? raw : raw.replaceAll("+", " ");
  try {
    return decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    // Malformed escapes: URLSearchParams keeps them and replaces bad UTF-8 with U+FFFD.
    return new URLSearchParams(`x=${raw}`).get("x")!;
  }
}

/** Parses a query string as URLSearchParams does, into a read-only MultiDict. */
export function parseQuery(query: string): MultiDict<string> {
  const args = new MultiDict<string>();
  let start = 0;
  while (start < query.length) {
    let amp = query.indexOf("&", start);
    if (amp === -1) amp = query.length;
    if (amp > start) {
      const eq = query.indexOf("=", start);
      if (eq === -1 || eq > amp) args.add(decodeComponent(query.slice(start, amp)), "");
      else {args.add(
          decodeComponent(query.slice(start, eq)),
          decodeComponent(query.slice(eq + 1, amp)),
        );}
    }
    start = amp + 1;
  }
  return args.freeze();
}

/** True when a comma-separated header lists `token` (case-insensitive). */
export function hasToken(header: string | null, token: string): boolean {
  if (!header) return false;
  for (const item of header.split(",")) if (item.trim().toLowerCase() === token) return true;
  return false;
}

/** Reads a whole body, enforcing `limit` (413) up front from Content-Length and while reading. */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && DIGITS.test(declared) && Number(declared) > limit) {
    throw new ContentTooLarge(
      `Cannot read the body: it exceeds maxContentLength (${limit} bytes).`,
    );
  }
  if (!request.body) return new Uint8Array(0);
  if (request.bodyUsed) throw new Error("Cannot read the body: it has already been read");
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch (error) {
      throw new BadRequest("Cannot read the body: the client stopped sending it.", {
        cause: error,
      });
    }
    if (result.done) break;
    size += result.value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => {});
      throw new ContentTooLarge(
        `Cannot read the body: it exceeds maxContentLength (${limit} bytes).`,
      );
    }
    chunks.push(result.value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
