// Request-line helpers for request.ts: splitting the target, parsing the query, reading list
// headers. Private to the toolkit.

import { MultiDict } from "./datastructures/multi_dict.ts";

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
