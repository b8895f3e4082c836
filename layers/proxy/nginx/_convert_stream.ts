/**
 * nginx's `stream {}` converted: its settings become `[stream]` (every server's defaults), each
 * `upstream {}` a `[stream.upstream.NAME]`, each `limit_conn_zone` a top-level
 * `[limit_conn_zone.NAME]` (shared with HTTP's) and each `server {}` a `[[stream.server]]`. A
 * server with no TCP listen left or no usable `proxy_pass` is left out whole.
 *
 * @module
 */

import { type Context, skip } from "./_context.ts";
import { convertUpstreamBlock, convertZone } from "./_convert_upstream.ts";
import {
  applyRule,
  convertListen,
  flag,
  integer,
  type Listen,
  type MailStreamState,
  NO_TLS_END,
  one,
  reasonIn,
  type Rule,
  timeValue,
} from "./_convert_tcp.ts";
import type { Table } from "./_toml.ts";
import type { NginxDirective } from "./parse.ts";
import { REQUEST_VARIABLES, STREAM_VARIABLES, templateProblem } from "../config/template.ts";

/** Variables a stream key may name: the connection's, which the zone reader also takes. */
const KEY_VARIABLES = STREAM_VARIABLES.filter((v) => REQUEST_VARIABLES.includes(v));

/** Why a stream hash or zone key cannot be used, or null. */
function streamKeyProblem(key: string): string | null {
  const problem = templateProblem(key, "stream") ?? templateProblem(key, "request");
  return problem &&
    `${problem}: a stream key takes ${KEY_VARIABLES.map((v) => `$${v}`).join(", ")}`;
}

const NO_KEEPALIVE =
  "not supported: a [stream.upstream] keeps no idle connections (nor does nginx's stream module)";

const STREAM_RULES: Record<string, Rule> = {
  proxy_connect_timeout: one(timeValue),
  proxy_timeout: one(timeValue),
  proxy_next_upstream_timeout: one(timeValue),
  proxy_protocol: one(flag),
  proxy_next_upstream: one(flag),
  proxy_next_upstream_tries: one(integer(0, Number.MAX_SAFE_INTEGER)),
};

const STREAM_REASONS: Record<string, string> = {
  ssl_preread:
    "not supported: ngw2f's stream proxy does not read the TLS ClientHello (no routing by SNI or ALPN)",
  preread_buffer_size: "not needed: ngw2f's stream proxy reads nothing ahead (no ssl_preread)",
  preread_timeout: "not needed: ngw2f's stream proxy reads nothing ahead (no ssl_preread)",
  proxy_protocol_timeout: "not needed: ngw2f's stream servers do not read the PROXY protocol",
  set_real_ip_from: "not supported: ngw2f's stream servers do not read the PROXY protocol",
  resolver: "not needed: ngw2f looks upstream names up with the system's resolver",
  resolver_timeout: "not needed: ngw2f looks upstream names up with the system's resolver",
  allow: "not supported: a [[stream.server]] has no access rules",
  deny: "not supported: a [[stream.server]] has no access rules",
  access_log: "not supported: [stream] has no access log",
  log_format: "not supported: [stream] has no access log",
  open_log_file_cache: "not supported: [stream] has no access log",
  return: "not supported: ngw2f's stream servers only proxy (proxy_pass)",
  pass: "not supported: ngw2f's stream servers only proxy (proxy_pass)",
  server_name: "not supported: ngw2f tells stream servers apart by their address only",
  proxy_bind: "not supported: ngw2f sets its upstream sockets itself",
  proxy_socket_keepalive: "not supported: ngw2f sets its upstream sockets itself",
  proxy_buffer_size: "not needed: ngw2f's stream proxy has no buffer size to tune",
  proxy_download_rate: "not supported: ngw2f does not limit a connection's bandwidth",
  proxy_upload_rate: "not supported: ngw2f does not limit a connection's bandwidth",
  proxy_half_close:
    "not configurable: ngw2f always passes a half-close on (nginx's proxy_half_close on)",
  proxy_requests: "not supported: ngw2f's stream proxy is TCP only (this counts UDP datagrams)",
  proxy_responses: "not supported: ngw2f's stream proxy is TCP only (this counts UDP datagrams)",
  limit_conn_log_level: "not supported: ngw2f logs refused connections at its own level",
  limit_conn_dry_run: "not supported: ngw2f has no dry-run mode for limits",
  health_check: "not supported: nginx Plus's active checks (ngw2f counts failed connects)",
  match: "not supported: nginx Plus's active checks (ngw2f counts failed connects)",
  listen: '"listen" directive is not allowed here',
  proxy_pass: '"proxy_pass" directive is not allowed here',
  server: '"server" directive is not allowed here',
  upstream: '"upstream" directive is not allowed here',
  limit_conn_zone: '"limit_conn_zone" directive is not allowed here',
};
const STREAM_PREFIXES: [string, string][] = [
  ["proxy_ssl", "not supported: ngw2f's stream proxy does not speak TLS to upstreams"],
  ["ssl_", NO_TLS_END],
  ["js_", "not supported: ngw2f has no njs"],
  ["geoip_", "not supported: ngw2f has no GeoIP"],
  ["proxy_", "not supported by ngw2f's stream proxy"],
];

const STREAM_UPSTREAM_REASONS: Record<string, string> = {
  zone: "not needed: ngw2f keeps every group's state in memory its workers share",
  least_time: "not supported: nginx Plus's method; least_conn is the nearest",
  state: "not supported: list the servers in the upstream block",
  resolver: "not needed: ngw2f looks upstream names up with the system's resolver",
  resolver_timeout: "not needed: ngw2f looks upstream names up with the system's resolver",
  ip_hash: 'unknown directive: nginx\'s stream module has no ip_hash; write "hash $remote_addr"',
  keepalive: NO_KEEPALIVE,
  keepalive_timeout: NO_KEEPALIVE,
  keepalive_requests: NO_KEEPALIVE,
  keepalive_time: NO_KEEPALIVE,
  health_check: "not supported: nginx Plus's active checks (ngw2f counts failed connects)",
};

const STREAM_METHODS = ["least_conn", "hash", "random"];

/** `upstream NAME { … }` in `stream {}` into `state.upstreams`, or reported with why. */
function convertStreamUpstream(
  directive: NginxDirective,
  state: MailStreamState,
  context: Context,
) {
  convertUpstreamBlock(directive, state, context, {
    keyProblem: streamKeyProblem,
    isServer: (child) => child.name === "server" && !child.block,
    isMethod: (child) => !child.block && STREAM_METHODS.includes(child.name),
    serverProblem: ({ args: [address = ""] }) =>
      address.startsWith("unix:") || /:\d+$/.test(address)
        ? null
        : `no port in upstream "${address}"`,
    setting: (child) =>
      skip(context, child, STREAM_UPSTREAM_REASONS[child.name] ?? "unknown directive"),
  });
}

/** `limit_conn_zone` in `stream {}`: into the shared `[limit_conn_zone.*]`, or reported. */
function convertStreamZone(directive: NginxDirective, state: MailStreamState, context: Context) {
  const name = /^zone=([^:]+):/.exec(directive.args.find((a) => a.startsWith("zone=")) ?? "")?.[1];
  const key = directive.args.find((a) => !a.startsWith("zone=") && a !== "sync");
  const fail = (why: string) => skip(context, directive, why);
  if (name !== undefined && state.proxy.connZones.has(name)) {
    return fail(
      state.zones.has(name)
        ? `duplicate zone "${name}"`
        : `not converted: http {} defines zone "${name}" too, and ngw2f's [limit_conn_zone] tables serve both; rename one`,
    );
  }
  const problem = key === undefined ? null : streamKeyProblem(key);
  if (problem) return fail(problem);
  convertZone(directive, state.proxy, context);
  if (name !== undefined && state.proxy.connZones.has(name)) state.zones.add(name);
}

/** One directive of `stream {}` or of a stream `server {}` into `table`, or reported. */
function convertStreamSetting(
  directive: NginxDirective,
  table: Table,
  state: MailStreamState,
  context: Context,
) {
  const { name, args } = directive;
  if (name === "limit_conn") {
    const fail = (why: string) => skip(context, directive, why);
    const [zone, n] = args;
    if (args.length !== 2) fail('invalid number of arguments in "limit_conn" directive');
    else if (!/^\d+$/.test(n) || !Number(n) || Number(n) > 65535) fail(`invalid number "${n}"`);
    else if (!state.zones.has(zone)) fail(`not converted: no limit_conn_zone "${zone}" to use`);
    else table.limit_conn = [...(table.limit_conn ?? []) as Table[], { zone, limit: Number(n) }];
    return;
  }
  if (applyRule(directive, table, STREAM_RULES, context)) return;
  skip(context, directive, reasonIn(name, STREAM_REASONS, STREAM_PREFIXES));
}

/** A stream server's `proxy_pass` target, or why it cannot be converted. */
function streamPassProblem(target: string, state: MailStreamState): string | null {
  if (target.includes("$")) {
    return "not supported: variables in proxy_pass; name an upstream or an address";
  }
  if (state.upstreams.has(target)) return null;
  if (state.leftOut.has(target)) {
    return `not converted: upstream "${target}" is left out (see above)`;
  }
  if (target.startsWith("unix:")) {
    return target.startsWith("unix:/") ? null : "not supported: a relative socket path";
  }
  const match = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d+)$/.exec(target);
  if (!match) {
    return /^[A-Za-z0-9_.-]+$/.test(target)
      ? `no port in upstream "${target}"`
      : `invalid address "${target}"`;
  }
  const port = Number(match[1]);
  return port >= 1 && port <= 65535 ? null : `invalid port in "${target}"`;
}

function convertStreamServer(directive: NginxDirective, state: MailStreamState, context: Context) {
  const leaveOut = (why: string) => skip(context, directive, `not converted: ${why}`);
  const table: Table = {};
  const listen: Listen[] = [];
  let listens = 0;
  let pass: NginxDirective | null = null;
  let passes = 0;
  for (const child of directive.block ?? []) {
    if (child.name === "listen") {
      listens++;
      const entry = convertListen(child, "stream", context);
      if (entry) listen.push(entry);
    } else if (child.name === "proxy_pass") {
      const problem = passes++
        ? '"proxy_pass" directive is duplicate'
        : child.args.length !== 1
        ? 'invalid number of arguments in "proxy_pass" directive'
        : streamPassProblem(child.args[0], state);
      if (problem) skip(context, child, problem);
      else [pass, table.proxy_pass] = [child, child.args[0]];
    } else convertStreamSetting(child, table, state, context);
  }
  if (!listens) return leaveOut('no "listen" is defined for server');
  if (!listen.length) return leaveOut("no listen of this server is left (see below)");
  if (!pass) {
    return leaveOut(passes ? "its proxy_pass is left out (see below)" : "it has no proxy_pass");
  }
  state.streamServers.push({ directive, listen, table });
}

/** `stream { … }` into `state`: upstreams and zones first, as nginx finds them from anywhere. */
export function convertStream(directive: NginxDirective, state: MailStreamState, context: Context) {
  const table: Table = {};
  state.stream = { directive, table };
  const block = directive.block ?? [];
  for (const child of block) {
    if (child.name === "upstream") convertStreamUpstream(child, state, context);
    else if (child.name === "limit_conn_zone") convertStreamZone(child, state, context);
  }
  for (const child of block) {
    if (child.name === "server" && child.block) convertStreamServer(child, state, context);
    else if (child.name !== "upstream" && child.name !== "limit_conn_zone") {
      convertStreamSetting(child, table, state, context);
    }
  }
}
