// Private to the static file engine: the replies it builds itself (a slash redirect, a 416 with
// its Content-Range), with nginx's page shape.

import type { Reply } from "../types.ts";

const encoder = new TextEncoder();
const pages = new Map<string, Uint8Array>();

function page(title: string, serverTokens: boolean): Uint8Array {
  const key = serverTokens ? title : `${title}\0`;
  let bytes = pages.get(key);
  if (bytes === undefined) {
    const server = serverTokens ? "ngw2f/0.1.0" : "ngw2f";
    bytes = encoder.encode(
      `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n` +
        `<center><h1>${title}</h1></center>\r\n<hr><center>${server}</center>\r\n` +
        `</body>\r\n</html>\r\n`,
    );
    pages.set(key, bytes);
  }
  return bytes;
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
    body: page("301 Moved Permanently", serverTokens),
  };
}

/** 416 with `Content-Range: bytes *\/size`. */
export function rangeNotSatisfiable(size: number, serverTokens: boolean): Reply {
  return {
    status: 416,
    headers: ["Content-Type", "text/html", "Content-Range", `bytes */${size}`],
    body: page("416 Requested Range Not Satisfiable", serverTokens),
  };
}
