/**
 * The settings keys of reverse proxying and limits: `proxy_pass` and the `proxy_*` family,
 * `set_real_ip_from`, `limit_req`, `limit_conn`. Zones and upstream names are checked against
 * the file's tables once the whole file is read (`checkProxyReferences`).
 *
 * @module
 */

import type { At } from "./_locate.ts";
import type { Env, Level, Raw } from "./_settings.ts";
import { checkCidr } from "./_access.ts";
import { checkTemplate } from "./_directives.ts";
import {
  describe,
  expectBool,
  expectChoice,
  expectInt,
  expectNonEmpty,
  expectStrings,
  expectTable,
  expectTime,
  isTable,
  unknownKey,
} from "./_values.ts";
import type { ProxyPass, Settings } from "./types.ts";

type Reader = (value: unknown, at: At, env: Env) => Raw;
const ALL: Level[] = ["http", "server", "location"];

/** A header name: an HTTP token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * `proxy_pass`: `http://NAME[/uri]` (an upstream group, or a host:port), `http://unix:/path.sock`
 * with an optional `:/uri`. The group or host is resolved against `[upstream.*]` later.
 */
export function parseProxyPass(value: unknown, at: At): ProxyPass {
  const raw = expectNonEmpty(value, at).trim();
  if (raw.includes("$")) {
    at.fail("variables in proxy_pass are not supported; name an [upstream.NAME] or an address");
  }
  if (/^https:\/\//i.test(raw)) {
    at.fail("https:// upstreams are not supported yet; use http:// (TLS ends at the proxy)");
  }
  const match = /^http:\/\/(.+)$/i.exec(raw);
  if (!match) at.fail(`expected "http://UPSTREAM_OR_HOST:PORT[/URI]", got ${describe(value)}`);
  const rest = match[1];
  if (rest.startsWith("unix:")) {
    const colon = rest.indexOf(":/", 5);
    const path = colon === -1 ? rest.slice(5) : rest.slice(5, colon);
    if (!path.startsWith("/")) at.fail(`expected an absolute socket path after "unix:"`);
    return {
      raw,
      upstream: null,
      address: `unix:${path}`,
      proxyHost: "localhost",
      uri: colon === -1 ? null : rest.slice(colon + 1),
    };
  }
  const slash = rest.indexOf("/");
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const uri = slash === -1 ? null : rest.slice(slash);
  if (!authority || /[\s?#@]/.test(authority)) at.fail(`expected a host after "http://"`);
  const port = /^(?:\[[0-9a-f:.]+\]|[^:[\]]+):(\d+)$/i.exec(authority);
  if (port) {
    const n = Number(port[1]);
    if (n < 1 || n > 65535) at.fail(`expected a port from 1 to 65535, got ${n}`);
    return { raw, upstream: null, address: authority.toLowerCase(), proxyHost: authority, uri };
  }
  if (authority.includes(":")) {
    at.fail(`expected HOST:PORT or an upstream name, got "${authority}"`);
  }
  // A bare name: an upstream group, or a host on port 80 when no group has that name.
  return { raw, upstream: authority, address: null, proxyHost: authority, uri };
}

/** `proxy_set_header`: `{ Host = "$host", X-Real-IP = "$remote_addr" }` or `["Name value", …]`. */
function parseSetHeaders(value: unknown, at: At): Settings["proxySetHeaders"] {
  const entries: [string, unknown, At][] = isTable(value)
    ? Object.entries(value).map(([name, v]) => [name, v, at.child(name)])
    : expectStrings(value, at).map((line, i) => {
      const m = /^\s*(\S+)\s+(.*?)\s*$/s.exec(line) ?? /^\s*(\S+)\s*$/.exec(line);
      if (!m) return at.child(i + 1).fail(`expected "NAME VALUE", got ${describe(line)}`);
      return [m[1], m[2] ?? "", at.child(i + 1)];
    });
  return entries.map(([name, v, itemAt]) => {
    if (!TOKEN.test(name)) itemAt.fail(`expected a header name, got ${describe(name)}`);
    if (typeof v !== "string") return itemAt.fail(`expected a string value, got ${describe(v)}`);
    if (/[\r\n]/.test(v)) itemAt.fail("a header value cannot hold a line break");
    return { name, value: checkTemplate(v, itemAt) };
  });
}

function headerNames(value: unknown, at: At): string[] {
  return expectStrings(value, at).map((name, i) => {
    if (!TOKEN.test(name)) at.child(i + 1).fail(`expected a header name, got ${describe(name)}`);
    return name.toLowerCase();
  });
}

function parseRedirect(value: unknown, at: At): Settings["proxyRedirect"] {
  if (value === false || value === "off") return "off";
  if (value === true || value === "default") return "default";
  return expectStrings(value, at).map((rule, i) => {
    const words = rule.trim().split(/\s+/);
    if (words.length !== 2) {
      at.child(i + 1).fail(`expected "FROM TO", "default" or "off", got ${describe(rule)}`);
    }
    return { from: words[0], to: checkTemplate(words[1], at.child(i + 1)) };
  });
}

/** `proxy_next_upstream`'s words (nginx's, less `denied`). */
export const NEXT_UPSTREAM = [
  "error",
  "timeout",
  "invalid_header",
  "http_500",
  "http_502",
  "http_503",
  "http_504",
  "http_403",
  "http_404",
  "http_429",
  "non_idempotent",
  "off",
] as const;

function parseNextUpstream(value: unknown, at: At): string[] {
  const words = typeof value === "string" ? value.trim().split(/\s+/) : expectStrings(value, at);
  const list = words.map((w, i) => expectChoice(w, at.child(i + 1), NEXT_UPSTREAM));
  if (list.includes("off")) {
    if (list.length > 1) at.fail('"off" cannot be combined with other conditions');
    return [];
  }
  return list;
}

const RULE_KEYS = ["zone", "burst", "nodelay", "delay"];

export function parseLimitReq(value: unknown, at: At, env: Env): Settings["limitReq"] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, i) => {
    const itemAt = Array.isArray(value) ? at.child(i + 1) : at;
    const table = expectTable(item, itemAt);
    for (const key of Object.keys(table)) {
      if (!RULE_KEYS.includes(key)) itemAt.child(key).fail(unknownKey(key, RULE_KEYS, "limit_req"));
    }
    const zone = expectNonEmpty(table.zone, itemAt.child("zone"));
    if (!env.limitReqZones.has(zone)) {
      itemAt.child("zone").fail(`names no zone: add a [limit_req_zone.${zone}] table`);
    }
    const burst = table.burst === undefined ? 0 : expectInt(table.burst, itemAt.child("burst"), 0);
    const nodelay = table.nodelay === undefined
      ? false
      : expectBool(table.nodelay, itemAt.child("nodelay"));
    const delay = table.delay === undefined ? 0 : expectInt(table.delay, itemAt.child("delay"), 0);
    if (nodelay && table.delay !== undefined) {
      itemAt.child("delay").fail('cannot be combined with "nodelay"');
    }
    return { zone, burst, nodelay, delay };
  });
}

export function parseLimitConn(value: unknown, at: At, env: Env): Settings["limitConn"] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, i) => {
    const itemAt = Array.isArray(value) ? at.child(i + 1) : at;
    const table = expectTable(item, itemAt);
    for (const key of Object.keys(table)) {
      if (key !== "zone" && key !== "limit") {
        itemAt.child(key).fail(unknownKey(key, ["zone", "limit"], "limit_conn"));
      }
    }
    const zone = expectNonEmpty(table.zone, itemAt.child("zone"));
    if (!env.limitConnZones.has(zone)) {
      itemAt.child("zone").fail(`names no zone: add a [limit_conn_zone.${zone}] table`);
    }
    return { zone, limit: expectInt(table.limit, itemAt.child("limit"), 1) };
  });
}

const status = (v: unknown, at: At) => expectInt(v, at, 400, 599);

/** The proxy and limit directives, merged into the settings table by `_settings.ts`. */
export const PROXY_DIRECTIVES: Record<string, { levels: Level[]; read: Reader }> = {
  proxy_pass: { levels: ["location"], read: (v, at) => ({ proxyPass: parseProxyPass(v, at) }) },
  proxy_set_header: {
    levels: ALL,
    read: (v, at) => ({ proxySetHeaders: parseSetHeaders(v, at) }),
  },
  proxy_hide_header: { levels: ALL, read: (v, at) => ({ proxyHideHeaders: headerNames(v, at) }) },
  proxy_pass_header: { levels: ALL, read: (v, at) => ({ proxyPassHeaders: headerNames(v, at) }) },
  proxy_redirect: { levels: ALL, read: (v, at) => ({ proxyRedirect: parseRedirect(v, at) }) },
  proxy_connect_timeout: {
    levels: ALL,
    read: (v, at) => ({ proxyConnectTimeout: expectTime(v, at) }),
  },
  proxy_read_timeout: { levels: ALL, read: (v, at) => ({ proxyReadTimeout: expectTime(v, at) }) },
  proxy_send_timeout: { levels: ALL, read: (v, at) => ({ proxySendTimeout: expectTime(v, at) }) },
  proxy_timeout: { levels: ALL, read: (v, at) => ({ proxyTimeout: expectTime(v, at) }) },
  proxy_next_upstream: {
    levels: ALL,
    read: (v, at) => ({ proxyNextUpstream: parseNextUpstream(v, at) }),
  },
  proxy_next_upstream_tries: {
    levels: ALL,
    read: (v, at) => ({ proxyNextUpstreamTries: expectInt(v, at, 0) }),
  },
  proxy_next_upstream_timeout: {
    levels: ALL,
    read: (v, at) => ({ proxyNextUpstreamTimeout: expectTime(v, at) }),
  },
  proxy_buffering: { levels: ALL, read: (v, at) => ({ proxyBuffering: expectBool(v, at) }) },
  proxy_forwarded: { levels: ALL, read: (v, at) => ({ proxyForwarded: expectBool(v, at) }) },
  proxy_http_version: {
    levels: ALL,
    read: (v, at) => ({
      proxyHttpVersion: expectChoice(typeof v === "number" ? v.toFixed(1) : v, at, ["1.0", "1.1"]),
    }),
  },
  set_real_ip_from: {
    levels: ALL,
    read: (v, at) => ({
      realIpFrom: expectStrings(v, at).map((c, i) => checkCidr(c.trim(), at.child(i + 1))),
    }),
  },
  real_ip_header: {
    levels: ALL,
    read: (v, at) => {
      const name = expectNonEmpty(v, at);
      if (!TOKEN.test(name)) at.fail(`expected a header name, got ${describe(v)}`);
      return { realIpHeader: name };
    },
  },
  real_ip_recursive: { levels: ALL, read: (v, at) => ({ realIpRecursive: expectBool(v, at) }) },
  limit_req: { levels: ALL, read: (v, at, env) => ({ limitReq: parseLimitReq(v, at, env) }) },
  limit_req_status: { levels: ALL, read: (v, at) => ({ limitReqStatus: status(v, at) }) },
  limit_conn: { levels: ALL, read: (v, at, env) => ({ limitConn: parseLimitConn(v, at, env) }) },
  limit_conn_status: { levels: ALL, read: (v, at) => ({ limitConnStatus: status(v, at) }) },
};
