// The proxy's built-in error and redirect pages, nginx's shape. Private to the proxy pipeline.

import { STATUS_TEXT } from "../toolkit/mod.ts";
import type { Reply } from "./types.ts";

const encoder = new TextEncoder();
const cache = new Map<string, Uint8Array>();

/** The reason phrase of `status` (`"Unknown"` for codes without one). */
export function reason(status: number): string {
  return (STATUS_TEXT as Record<number, string>)[status] ?? "Unknown";
}

/** nginx's page for an error or redirect status: a title, a heading and the server's name. */
export function builtinPage(status: number, serverTokens: boolean): Uint8Array {
  const key = `${status}:${serverTokens}`;
  let page = cache.get(key);
  if (page === undefined) {
    const title = `${status} ${reason(status)}`;
    const server = serverTokens ? "ngw2f/0.1.0" : "ngw2f";
    page = encoder.encode(
      `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n` +
        `<hr><center>${server}</center>\r\n</body>\r\n</html>\r\n`,
    );
    cache.set(key, page);
  }
  return page;
}

/** Statuses whose built-in answer has no page (nginx sends none for them either). */
function pageless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

/** A reply with the built-in page for `status`, plus `headers`. */
export function builtinReply(status: number, serverTokens: boolean, headers: string[] = []): Reply {
  if (pageless(status)) return { status, headers, body: null };
  headers.push("Content-Type", "text/html");
  const close = status === 400 || status === 408 || status === 413 || status === 414 ||
    status === 431 || status === 500 || status === 501;
  return { status, headers, body: builtinPage(status, serverTokens), close };
}

/** A redirect: `Location` and nginx's page for it. */
export function redirectReply(status: number, location: string, serverTokens: boolean): Reply {
  return builtinReply(status, serverTokens, ["Location", location]);
}
