// The proxy's built-in error and redirect pages, nginx's shape. Private to the proxy pipeline.

import { errorPage, serverSignature } from "./http/mod.ts";
import type { Reply } from "./types.ts";

/** nginx's page for an error or redirect status, signed as `server_tokens` says. */
export function builtinPage(status: number, serverTokens: boolean): Uint8Array {
  return errorPage(status, serverSignature(serverTokens));
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
