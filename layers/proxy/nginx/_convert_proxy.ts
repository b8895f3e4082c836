/**
 * Reverse proxying and limits converted: one block's `proxy_*`, `set_real_ip_from`,
 * `real_ip_*`, `limit_req*` and `limit_conn*` directives to its settings keys. What ngw2f does by
 * itself (WebSocket upgrades, upstream keep-alive, X-Forwarded-*) is left out with a comment.
 * `upstream {}` and the zones are `_convert_upstream.ts`.
 *
 * @module
 */

import { isIP } from "node:net";
import {
  type Context,
  formatDirective,
  type Level,
  onOff,
  skip,
  time,
  variableProblem,
} from "./_context.ts";
import type { NginxDirective } from "./parse.ts";
import { NEXT_UPSTREAM as CONFIG_NEXT_UPSTREAM } from "../config/_proxy_settings.ts";
import type { Table, TomlValue } from "./_toml.ts";

/** The upstream groups and limit zones of one conversion, by name. */
export interface ProxyState {
  upstreams: Map<string, { table: Table; directive: NginxDirective }>;
  /** Groups nginx has that the conversion left out: a `proxy_pass` to one cannot stand. */
  leftOut: Set<string>;
  reqZones: Map<string, { table: Table; directive: NginxDirective }>;
  connZones: Map<string, { table: Table; directive: NginxDirective }>;
}

/** What a block passes down that changes how an inner block converts. */
export interface Inherited {
  /** An outer block sets `proxy_set_header` fields (an inner one that drops all says `[]`). */
  headers: boolean;
  /** `proxy_forwarded` as the outer blocks leave it. */
  forwarded: boolean;
  /** An outer block writes `real_ip_header`. */
  realIpHeader: boolean;
}

/** One block's converted keys. */
export interface ProxyBlock {
  table: Table;
  /** Comment lines for the block: what was left out because ngw2f does it by itself. */
  notes: string[];
  /** What its inner blocks inherit. */
  inherited: Inherited;
  /** Why its `proxy_pass` was left out (the location then answers 502), or null. */
  unpassed: string | null;
}

/** What the http level inherits: nothing set, ngw2f's X-Forwarded-* on. */
export const HTTP_INHERITED: Inherited = { headers: false, forwarded: true, realIpHeader: false };

/** A new, empty state. */
export function newProxyState(): ProxyState {
  return { upstreams: new Map(), leftOut: new Set(), reqZones: new Map(), connZones: new Map() };
}

/** A name ngw2f takes for an upstream group or a zone. */
export const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MANY = Infinity;

/** An nginx time (`30`, `500ms`, `1m30s`). */
export function isNginxTime(arg: string): boolean {
  return /^\d+$/.test(arg) || /^(?:\d+(?:ms|[smhdwMy]))+$/.test(arg);
}

const CACHE = "not supported: ngw2f does not cache upstream replies";
const BUFFERS =
  "not needed: ngw2f streams replies with constant memory; there are no buffers to size";
const TEMP = "not needed: ngw2f never writes replies to temporary files";
const AS_IS = "not supported: ngw2f passes the client's method, fields and body up as they are";
const LOGS =
  "not supported: ngw2f logs refused requests in the access log only (with their status)";

/** The directives of this family left out on purpose, and why. */
const REASONS: Record<string, string> = {
  proxy_buffers: BUFFERS,
  proxy_buffer_size: BUFFERS,
  proxy_busy_buffers_size: BUFFERS,
  proxy_max_temp_file_size: TEMP,
  proxy_temp_file_write_size: TEMP,
  proxy_temp_path: TEMP,
  proxy_request_buffering:
    "not needed: ngw2f streams request bodies up as they arrive (nginx's proxy_request_buffering off)",
  proxy_no_cache: CACHE,
  proxy_store: CACHE,
  proxy_store_access: CACHE,
  proxy_intercept_errors:
    "not supported: ngw2f passes the upstream's error replies on; only its own 502 and 504 go through error_page",
  proxy_ignore_headers: "not needed: ngw2f acts on no X-Accel-* or caching field of the upstream",
  proxy_ignore_client_abort:
    "not supported: ngw2f stops the upstream request when the client leaves",
  proxy_cookie_domain: "not supported: ngw2f does not rewrite Set-Cookie",
  proxy_cookie_path: "not supported: ngw2f does not rewrite Set-Cookie",
  proxy_cookie_flags: "not supported: ngw2f does not rewrite Set-Cookie",
  proxy_method: AS_IS,
  proxy_set_body: AS_IS,
  proxy_pass_request_body: AS_IS,
  proxy_pass_request_headers: AS_IS,
  proxy_bind: "not supported: ngw2f sets its upstream sockets itself",
  proxy_socket_keepalive: "not supported: ngw2f sets its upstream sockets itself",
  proxy_limit_rate: "not supported: ngw2f does not limit a reply's bandwidth",
  limit_rate: "not supported: ngw2f does not limit a reply's bandwidth",
  limit_rate_after: "not supported: ngw2f does not limit a reply's bandwidth",
  proxy_headers_hash_max_size: "not needed: ngw2f's tables have no fixed sizes to tune",
  proxy_headers_hash_bucket_size: "not needed: ngw2f's tables have no fixed sizes to tune",
  resolver: "not needed: ngw2f looks upstream names up with the system's resolver",
  resolver_timeout: "not needed: ngw2f looks upstream names up with the system's resolver",
  gzip_proxied:
    "not configurable: ngw2f compresses no reply to a request that came through a proxy (nginx's gzip_proxied off)",
  limit_req_log_level: LOGS,
  limit_conn_log_level: LOGS,
  limit_req_dry_run: "not supported: ngw2f has no dry-run mode for limits",
  limit_conn_dry_run: "not supported: ngw2f has no dry-run mode for limits",
  limit_zone: "removed in nginx 1.7.6: write limit_conn_zone",
  health_check: "not converted: nginx Plus's active checks; set health_check in [upstream.NAME]",
};

/** Converted only at the http or main level, by the caller. */
const PLACED = new Set([
  "upstream",
  "limit_req_zone",
  "limit_conn_zone",
  "worker_shutdown_timeout",
]);

/** Why `name` is left out in a block. */
function reasonOf(name: string): string {
  if (PLACED.has(name)) return `"${name}" directive is not allowed here`;
  if (Object.hasOwn(REASONS, name)) return REASONS[name];
  if (name.startsWith("proxy_cache")) return CACHE;
  if (name.startsWith("proxy_ssl")) {
    return "not supported: ngw2f speaks plain HTTP to upstreams (no https://)";
  }
  return "not supported by ngw2f's proxy_pass";
}

// ---- one block's settings ------------------------------------------------------------------

/** What one block's conversion collects before it writes the grouped keys. */
interface Builder {
  table: Table;
  state: ProxyState;
  /** The location's `proxy_pass` cannot have a URI part (regex and named locations). */
  noUri: boolean;
  headers: NginxDirective[];
  redirects: NginxDirective[];
  unpassed: string | null;
}

type Fail = (why: string) => void;

interface Rule {
  levels: Level[];
  args: [min: number, max: number];
  convert: (args: string[], b: Builder, fail: Fail, directive: NginxDirective) => void;
}

const ALL: Level[] = ["http", "server", "location"];

function once(key: string, value: TomlValue, b: Builder, fail: Fail) {
  if (key in b.table) fail(`"${key}" directive is duplicate`);
  else b.table[key] = value;
}

function push(key: string, value: TomlValue, b: Builder) {
  b.table[key] = [...(b.table[key] as TomlValue[] | undefined) ?? [], value];
}

function timeRule(key: string): Rule {
  return {
    levels: ALL,
    args: [1, 1],
    convert: ([arg], b, fail) => {
      if (isNginxTime(arg)) once(key, time(arg), b, fail);
      else fail(`invalid value "${arg}"`);
    },
  };
}

function flagRule(key: string): Rule {
  return {
    levels: ALL,
    args: [1, 1],
    convert: ([arg], b, fail) => {
      const value = onOff(arg);
      if (value === null) fail(`invalid value "${arg}": it must be "on" or "off"`);
      else once(key, value, b, fail);
    },
  };
}

function statusRule(key: string): Rule {
  return {
    levels: ALL,
    args: [1, 1],
    convert: ([arg], b, fail) => {
      const n = Number(arg);
      if (/^\d{3}$/.test(arg) && n >= 400 && n <= 599) once(key, n, b, fail);
      else fail(`value must be between 400 and 599`);
    },
  };
}

function headerNameRule(key: string): Rule {
  return {
    levels: ALL,
    args: [1, 1],
    convert: ([name], b, fail) => TOKEN.test(name) ? push(key, name, b) : fail("invalid name"),
  };
}

/** Why `proxy_pass URL` cannot be converted, or null. */
function passProblem(url: string, b: Builder): string | null {
  if (url.includes("$")) {
    return "not supported: variables in proxy_pass; name an upstream or an address";
  }
  if (/^https:\/\//i.test(url)) {
    return "not supported: https:// upstreams; ngw2f speaks plain HTTP to them (TLS ends at the proxy)";
  }
  if (!/^http:\/\//i.test(url)) return `invalid URL prefix in "${url}"`;
  const rest = url.slice(7);
  let host = rest;
  let uri: string | null = null;
  if (rest.startsWith("unix:")) {
    const colon = rest.indexOf(":/", 5);
    if (colon !== -1) [host, uri] = [rest.slice(0, colon), rest.slice(colon + 1)];
    if (!host.startsWith("unix:/")) return "not supported: a relative socket path";
  } else {
    const slash = rest.indexOf("/");
    if (slash !== -1) [host, uri] = [rest.slice(0, slash), rest.slice(slash)];
    const port = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(?::(\d{1,5}))?$/.exec(host);
    if (!port || Number(port[1] ?? 80) < 1 || Number(port[1] ?? 80) > 65535) {
      return `invalid host in upstream "${url}"`;
    }
  }
  if (uri !== null && b.noUri) {
    return '"proxy_pass" cannot have URI part in location given by regular expression, or inside named location';
  }
  if (b.state.leftOut.has(host)) return `not converted: upstream "${host}" is left out (see above)`;
  return null;
}

const NEXT_UPSTREAM = new Set<string>(CONFIG_NEXT_UPSTREAM.filter((w) => w !== "off"));

function limitReq(args: string[], b: Builder, fail: Fail) {
  const rule: Table = {};
  for (const arg of args) {
    const [key, value] = arg.split(/=(.*)/s);
    if (key === "zone" && value) rule.zone = value;
    else if ((key === "burst" || key === "delay") && /^\d+$/.test(value ?? "")) {
      rule[key] = Number(value);
    } else if (arg === "nodelay") rule.nodelay = true;
    else return fail(`invalid parameter "${arg}"`);
  }
  if (rule.nodelay && "delay" in rule) return fail('"nodelay" cannot be combined with "delay"');
  const zone = rule.zone as string | undefined;
  if (!zone) return fail('"zone=" is missing');
  if (!b.state.reqZones.has(zone)) return fail(`not converted: no limit_req_zone "${zone}" to use`);
  push("limit_req", { zone, ...rule }, b);
}

/** Every converted directive of a block. */
const RULES: Record<string, Rule> = {
  proxy_pass: {
    levels: ["location"],
    args: [1, 1],
    convert: ([url], b, fail) => {
      if ("proxy_pass" in b.table || b.unpassed) return fail('"proxy_pass" directive is duplicate');
      b.unpassed = passProblem(url, b);
      if (b.unpassed) fail(b.unpassed);
      else b.table.proxy_pass = url;
    },
  },
  proxy_set_header: {
    levels: ALL,
    args: [2, 2],
    convert: (_, b, _fail, directive) => {
      b.table.proxy_set_header ??= [];
      b.headers.push(directive);
    },
  },
  proxy_hide_header: headerNameRule("proxy_hide_header"),
  proxy_pass_header: headerNameRule("proxy_pass_header"),
  proxy_redirect: {
    levels: ALL,
    args: [1, 2],
    convert: (_, b, _fail, directive) => {
      b.table.proxy_redirect ??= [];
      b.redirects.push(directive);
    },
  },
  proxy_connect_timeout: timeRule("proxy_connect_timeout"),
  proxy_read_timeout: timeRule("proxy_read_timeout"),
  proxy_send_timeout: timeRule("proxy_send_timeout"),
  proxy_next_upstream_timeout: timeRule("proxy_next_upstream_timeout"),
  proxy_next_upstream: {
    levels: ALL,
    args: [1, MANY],
    convert: (args, b, fail) => {
      const kept = args.filter((a) => NEXT_UPSTREAM.has(a));
      const other = args.filter((a) => !NEXT_UPSTREAM.has(a) && a !== "off");
      if (args.includes("off") && args.length > 1) return fail('"off" cannot be combined');
      once("proxy_next_upstream", kept.length ? kept.join(" ") : "off", b, fail);
      if (other.length) {
        const list = other.map((a) => `"${a}"`).join(", ");
        fail(`converted without ${list}: ngw2f has no such condition`);
      }
    },
  },
  proxy_next_upstream_tries: {
    levels: ALL,
    args: [1, 1],
    convert: ([n], b, fail) => {
      if (/^\d+$/.test(n)) once("proxy_next_upstream_tries", Number(n), b, fail);
      else fail(`invalid value "${n}"`);
    },
  },
  proxy_buffering: flagRule("proxy_buffering"),
  proxy_http_version: {
    levels: ALL,
    args: [1, 1],
    convert: ([v], b, fail) => {
      if (v === "1.0" || v === "1.1") once("proxy_http_version", v, b, fail);
      else fail(`invalid value "${v}"`);
    },
  },
  set_real_ip_from: {
    levels: ALL,
    args: [1, 1],
    convert: ([from], b, fail) => {
      const [address, bits, extra] = from.split("/");
      const family = isIP(address);
      const ok = from === "unix:" || family > 0 && extra === undefined &&
          (bits === undefined || /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
      if (ok) push("set_real_ip_from", from, b);
      else fail("not supported: a host name; ngw2f takes addresses and CIDRs");
    },
  },
  real_ip_header: {
    levels: ALL,
    args: [1, 1],
    convert: ([name], b, fail) => {
      if (name === "proxy_protocol") fail("not supported: ngw2f does not read the PROXY protocol");
      else if (!TOKEN.test(name)) fail("invalid name");
      else once("real_ip_header", name, b, fail);
    },
  },
  real_ip_recursive: flagRule("real_ip_recursive"),
  limit_req: { levels: ALL, args: [1, 4], convert: (args, b, fail) => limitReq(args, b, fail) },
  limit_req_status: statusRule("limit_req_status"),
  limit_conn: {
    levels: ALL,
    args: [2, 2],
    convert: ([zone, n], b, fail) => {
      if (!/^\d+$/.test(n) || !Number(n) || Number(n) > 65535) fail(`invalid number "${n}"`);
      else if (!b.state.connZones.has(zone)) {
        fail(`not converted: no limit_conn_zone "${zone}" to use`);
      } else push("limit_conn", { zone, limit: Number(n) }, b);
    },
  },
  limit_conn_status: statusRule("limit_conn_status"),
};

/** Whether `name` belongs to this family (converted here or left out with a reason here). */
export function isProxyDirective(name: string): boolean {
  return name.startsWith("proxy_") || Object.hasOwn(RULES, name) ||
    Object.hasOwn(REASONS, name) || PLACED.has(name);
}

// ---- the grouped keys ----------------------------------------------------------------------

const UPGRADES = "ngw2f passes WebSocket upgrades (Upgrade, Connection: upgrade) on by itself";
const KEEPALIVE = "ngw2f keeps upstream connections alive by itself";
/** The X-Forwarded-* fields ngw2f adds (proxy_forwarded), with the values it gives them. */
const FORWARDING: Record<string, string | null> = {
  "x-forwarded-for": "$proxy_add_x_forwarded_for",
  "x-forwarded-proto": "$scheme",
  "x-forwarded-host": "$http_host",
  forwarded: null,
};

/** The `proxy_set_header` list; returns whether it leaves fields for inner blocks. */
function finishHeaders(b: Builder, from: Inherited, notes: string[], context: Context) {
  const kept: string[] = [];
  const family: NginxDirective[] = [];
  const dropped = new Map<string, NginxDirective[]>();
  const drop = (d: NginxDirective, why: string) => dropped.set(why, [...dropped.get(why) ?? [], d]);
  const keep = (d: NginxDirective) => {
    const [name, value] = d.args;
    const problem = variableProblem(value);
    if (problem) skip(context, d, problem);
    else if (value.trim() !== value || /[\r\n]/.test(value)) {
      skip(context, d, "not supported: a value with leading or trailing blanks or a line break");
    } else kept.push(value ? `${name} ${value}` : name);
  };
  for (const d of b.headers) {
    const [name, value] = d.args;
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) skip(context, d, `invalid header name "${name}"`);
    else if (lower === "connection") {
      if (value === "" || /^keep-alive$/i.test(value)) drop(d, KEEPALIVE);
      else if (/^(?:upgrade|\$connection_upgrade)$/i.test(value)) drop(d, UPGRADES);
      else skip(context, d, `not supported: ngw2f sets Connection itself (keepalive = 0 closes)`);
    } else if (lower === "upgrade") {
      if (value === "$http_upgrade") drop(d, UPGRADES);
      else skip(context, d, "not supported: ngw2f passes the client's Upgrade on by itself");
    } else if (lower === "host" && value === "$proxy_host") {
      drop(d, "ngw2f's Host is the upstream's, as nginx's default");
    } else if (Object.hasOwn(FORWARDING, lower)) family.push(d);
    else keep(d);
  }
  let forwarded = from.forwarded;
  if (family.every((d) => FORWARDING[d.args[0].toLowerCase()] === d.args[1])) {
    for (const d of family) {
      drop(d, "ngw2f adds X-Forwarded-For, -Proto, -Host and Forwarded itself (proxy_forwarded)");
    }
    if (family.length) forwarded = true;
  } else {
    family.forEach(keep);
    forwarded = false;
    if (from.forwarded) {
      notes.push("nginx's own X-Forwarded-* values are kept: ngw2f adds none here");
    }
  }
  for (const [why, list] of dropped) {
    const what = list.map((d) => `${formatDirective(d)} (${d.file}:${d.line})`).join(", ");
    notes.push(`not needed: ${what}: ${why}`);
  }
  if (kept.length || from.headers) b.table.proxy_set_header = kept;
  else delete b.table.proxy_set_header;
  if (!kept.length && from.headers) {
    notes.push(
      "proxy_set_header = []: nginx applies no outer proxy_set_header to a block with its own",
    );
  }
  if (forwarded !== from.forwarded) b.table.proxy_forwarded = forwarded;
  return { headers: kept.length > 0, forwarded };
}

/** `proxy_redirect`: `"default"`, `"off"` or the `"FROM TO"` rules. */
function finishRedirects(b: Builder, context: Context) {
  const rules: string[] = [];
  const alone = b.redirects.length === 1;
  for (const d of b.redirects) {
    const [from, to] = d.args;
    const fail = (why: string) => skip(context, d, why);
    if (to === undefined) {
      if (from !== "off" && from !== "false" && from !== "default") fail("invalid parameter");
      else if (alone) b.table.proxy_redirect = from === "default" ? "default" : "off";
      else if (from === "default") fail('not supported: "default" among rules; write it as a rule');
      else fail('"proxy_redirect off" cannot be combined with rules');
    } else if (from.startsWith("~")) fail("not supported: regex rules");
    else if (from.includes("$")) fail("not supported: variables in the part replaced");
    else if (/\s/.test(from + to)) fail("not supported: a rule with blanks");
    else {
      const problem = variableProblem(to);
      if (problem) fail(problem);
      else rules.push(`${from} ${to}`);
    }
  }
  if (rules.length) b.table.proxy_redirect = rules;
  else if (Array.isArray(b.table.proxy_redirect)) delete b.table.proxy_redirect;
}

/** The options of `convertProxyBlock()`. */
export interface ProxyBlockOptions {
  /** The location is a regex or named one: its `proxy_pass` takes no URI part. */
  noUri?: boolean;
}

/**
 * Converts the proxy and limit directives of one block met at `level`, given what its outer
 * blocks left it; reports each one left out.
 */
export function convertProxyBlock(
  directives: NginxDirective[],
  level: Level,
  from: Inherited,
  state: ProxyState,
  context: Context,
  options: ProxyBlockOptions = {},
): ProxyBlock {
  const b: Builder = {
    table: {},
    state,
    noUri: options.noUri ?? false,
    headers: [],
    redirects: [],
    unpassed: null,
  };
  for (const directive of directives) {
    const { name, args } = directive;
    const fail = (why: string) => skip(context, directive, why);
    const rule = Object.hasOwn(RULES, name) ? RULES[name] : null;
    if (!rule) fail(reasonOf(name));
    else if (!rule.levels.includes(level)) fail(`"${name}" directive is not allowed here`);
    else if (directive.block) fail(`directive "${name}" is not terminated by ";"`);
    else if (args.length < rule.args[0] || args.length > rule.args[1]) {
      fail(`invalid number of arguments in "${name}" directive`);
    } else rule.convert(args, b, fail, directive);
  }
  const notes: string[] = [];
  const { headers, forwarded } = b.headers.length
    ? finishHeaders(b, from, notes, context)
    : { headers: from.headers, forwarded: from.forwarded };
  finishRedirects(b, context);
  const limits = b.table.limit_req as Table[] | undefined;
  if (limits?.length === 1) b.table.limit_req = limits[0];
  const conns = b.table.limit_conn as Table[] | undefined;
  if (conns?.length === 1) b.table.limit_conn = conns[0];
  if ("set_real_ip_from" in b.table && !("real_ip_header" in b.table) && !from.realIpHeader) {
    b.table.real_ip_header = "X-Real-IP";
    notes.push("real_ip_header = \"X-Real-IP\" is nginx's default (ngw2f's is X-Forwarded-For)");
  }
  const realIpHeader = from.realIpHeader || "real_ip_header" in b.table;
  return {
    table: b.table,
    notes,
    inherited: { headers, forwarded, realIpHeader },
    unpassed: b.unpassed,
  };
}
