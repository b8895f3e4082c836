// The variables of the proxy's templates (return, rewrite, try_files, add_header) for one
// request. Private to the proxy pipeline.

import type { ServerConfig } from "./config/types.ts";
import { type Exchange, headerOf } from "./types.ts";

/** Where a request is on its way through the pipeline. */
export interface Walk {
  /** The exchange. */
  ex: Exchange;
  /** The server it went to. */
  server: ServerConfig;
  /** The URI now (decoded, normalised; rewrites and internal redirects change it). */
  uri: string;
  /** The captures of the last regex that matched (location or rewrite): `$0`…`$9`. */
  captures: readonly string[];
}

const NO_CAPTURES: readonly string[] = [];

/** The value of `$name` for `walk`; unknown names give `""` (the loader refuses them). */
export function variable(walk: Walk, name: string): string {
  const ex = walk.ex;
  const head = ex.head;
  switch (name) {
    case "uri":
    case "document_uri":
      return walk.uri;
    case "args":
    case "query_string":
      return head.query;
    case "is_args":
      return head.query ? "?" : "";
    case "host":
      return head.host || walk.server.serverNames[0] || "";
    case "server_name":
      return walk.server.serverNames[0] ?? "";
    case "remote_addr":
    case "binary_remote_addr":
      return ex.remoteAddr;
    case "msec":
      return (Date.now() / 1000).toFixed(3);
    case "proxy_add_x_forwarded_for": {
      const forwarded = headerOf(head, "x-forwarded-for");
      return forwarded ? `${forwarded}, ${ex.remoteAddr}` : ex.remoteAddr;
    }
    case "remote_port":
      return String(ex.remotePort);
    case "scheme":
      return ex.scheme;
    case "request_uri":
      return head.target;
    case "request_method":
      return head.method;
    case "server_port":
      return String(ex.serverPort);
    case "server_protocol":
      return `HTTP/${head.version}`;
  }
  if (name.startsWith("http_")) return headerOf(head, name.slice(5).replaceAll("_", "-")) ?? "";
  const n = name.length === 1 ? name.charCodeAt(0) - 48 : -1;
  if (n >= 0 && n <= 9) return walk.captures[n] ?? "";
  return "";
}

/** A fresh walk for `ex` on `server` at `uri`. */
export function startWalk(ex: Exchange, server: ServerConfig, uri: string): Walk {
  return { ex, server, uri, captures: NO_CAPTURES };
}
