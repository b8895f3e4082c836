// Private to the static file engine: the replies it builds itself (a slash redirect, a 416 with
// its Content-Range), with nginx's page shape.

import { errorPage, serverSignature } from "../http/pages.ts";
import type { Reply } from "../types.ts";

function page(status: number, serverTokens: boolean): Uint8Array {
  return errorPage(status, serverSignature(serverTokens));
}

/**
 * The URI as a `Location` path: percent-encoded where a header or a URL needs it (`%`, `?`,
 * `#`, spaces, controls, non-ASCII).
 */
export function encodePath(uri: string): string {
  return encodeURI(uri).replaceAll("?", "%3F").replaceAll("#", "%23");
}

/** 301 to `uri` + `/`, keeping the query string. */
export function slashRedirect(uri: string, query: string, serverTokens: boolean): Reply {
  const location = encodePath(uri) + (query === "" ? "/" : `/?${query}`);
  return {
    status: 301,
    headers: ["Content-Type", "text/html", "Location", location],
    body: page(301, serverTokens),
  };
}

/** 416 with `Content-Range: bytes *\/size`. */
export function rangeNotSatisfiable(size: number, serverTokens: boolean): Reply {
  return {
    status: 416,
    headers: ["Content-Type", "text/html", "Content-Range", `bytes */${size}`],
    body: page(416, serverTokens),
  };
}
