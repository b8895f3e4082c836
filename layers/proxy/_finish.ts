// The last step of the proxy pipeline: add_header and expires. Private to the proxy.

import { formatHttpDate } from "../toolkit/mod.ts";
import type { Settings } from "./config/types.ts";
import type { Reply } from "./types.ts";

/** Statuses that get add_header (without `always`) and expires, as in nginx. */
function decorated(status: number): boolean {
  return status === 200 || status === 201 || status === 204 || status === 206 ||
    status === 301 || status === 302 || status === 303 || status === 304 ||
    status === 307 || status === 308;
}

const EPOCH = "Thu, 01 Jan 1970 00:00:01 GMT";
const MAX = "Thu, 31 Dec 2037 23:55:55 GMT";

/** Adds `settings`' add_header and expires headers to `reply`; `expand` fills variables. */
export function applyHeaders(
  reply: Reply,
  settings: Settings,
  expand: (text: string) => string,
): void {
  const normal = decorated(reply.status);
  for (const header of settings.addHeaders) {
    if (!normal && !header.always) continue;
    const value = expand(header.value);
    if (value !== "") reply.headers.push(header.name, value);
  }
  const expires = settings.expires;
  if (expires.kind === "off" || !normal) return;
  const headers = reply.headers;
  if (expires.kind === "epoch") {
    headers.push("Expires", EPOCH, "Cache-Control", "no-cache");
  } else if (expires.kind === "max") {
    headers.push("Expires", MAX, "Cache-Control", "max-age=315360000");
  } else if (expires.seconds < 0) {
    headers.push("Expires", EPOCH, "Cache-Control", "no-cache");
  } else {
    const at = new Date(Date.now() + expires.seconds * 1000);
    headers.push("Expires", formatHttpDate(at), "Cache-Control", `max-age=${expires.seconds}`);
  }
}
