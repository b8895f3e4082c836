/**
 * `upstream {}` (http's and stream's) to `[upstream.NAME]` / `[stream.upstream.NAME]`, and
 * `limit_req_zone` and `limit_conn_zone` to their tables: each server entry, the balancing
 * method, nginx's checks, and the named tables written out.
 *
 * @module
 */

import { bytes, type Context, skip, time, variableProblem } from "./_context.ts";
import { isNginxTime, NAME, type ProxyState } from "./_convert_proxy.ts";
import { type Table, tomlString, type TomlValue, writeToml } from "./_toml.ts";
import type { NginxDirective } from "./parse.ts";

const SERVER_LEFT_OUT: Record<string, string> = {
  resolve: "ngw2f looks the name up on each connect",
  service: "ngw2f does no DNS SRV lookups",
  slow_start: "ngw2f brings a recovered server back at its full weight",
  route: "ngw2f has no sticky sessions",
  drain: "ngw2f has no sticky sessions",
};
const SERVER_NUMBERS: Record<string, [number, number]> = {
  weight: [1, 1000],
  max_fails: [0, 1000],
  max_conns: [0, Number.MAX_SAFE_INTEGER],
};
const UPSTREAM_REASONS: Record<string, string> = {
  zone: "not needed: ngw2f keeps every group's state in memory its workers share",
  keepalive_time: "not supported: ngw2f bounds idle connections by keepalive_timeout and _requests",
  least_time: "not supported: nginx Plus's method; least_conn is the nearest",
  sticky: "not supported: ngw2f has no sticky sessions (ip_hash or hash keep a client on a server)",
  ntlm: "not supported: ngw2f does not pin connections for NTLM",
  queue: "not supported: ngw2f refuses at once (502) when no server can take a request",
  state: "not supported: list the servers in the upstream block",
  resolver: "not needed: ngw2f looks upstream names up with the system's resolver",
  resolver_timeout: "not needed: ngw2f looks upstream names up with the system's resolver",
};

/** Why an upstream `server` address cannot be used, or null. */
function addressProblem(address: string): string | null {
  if (address.startsWith("unix:")) {
    return address.startsWith("unix:/") ? null : "not supported: a relative socket path";
  }
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(?::(\d+))?$/.exec(address);
  if (!m) return `invalid address "${address}"`;
  const port = Number(m[2] ?? 80);
  return port >= 1 && port <= 65535 ? null : `invalid port in "${address}"`;
}

/** One `server` line of an upstream (http or stream), or null when it is left out. */
export function upstreamServer(directive: NginxDirective, context: Context): string | null {
  const fail = (why: string) => (skip(context, directive, why), null);
  const [address, ...params] = directive.args;
  if (!address || directive.block) return fail('invalid number of arguments in "server" directive');
  const problem = addressProblem(address);
  if (problem) return fail(problem);
  const kept = [address];
  const dropped: string[] = [];
  for (const param of params) {
    const eq = param.indexOf("=");
    const key = eq === -1 ? param : param.slice(0, eq);
    const value = eq === -1 ? null : param.slice(eq + 1);
    const range = Object.hasOwn(SERVER_NUMBERS, key) ? SERVER_NUMBERS[key] : null;
    if (value === null && (key === "backup" || key === "down")) kept.push(key);
    else if (range && /^\d+$/.test(value ?? "")) {
      const n = Number(value);
      if (n < range[0] || n > range[1]) {
        return fail(`invalid ${key} "${value}": ngw2f takes ${range[0]} to ${range[1]}`);
      }
      kept.push(param);
    } else if (key === "fail_timeout" && isNginxTime(value ?? "")) kept.push(param);
    else if (Object.hasOwn(SERVER_LEFT_OUT, key)) dropped.push(param);
    else return fail(`invalid parameter "${param}"`);
  }
  if (dropped.length) {
    const why = [...new Set(dropped.map((p) => SERVER_LEFT_OUT[p.split("=")[0]]))].join("; ");
    skip(
      context,
      directive,
      `converted without ${dropped.map((p) => `"${p}"`).join(", ")}: ${why}`,
    );
  }
  return kept.join(" ");
}

/** The options of `balanceMethod()`. */
export interface BalanceMethodOptions {
  /** Why a `hash` key cannot be used, or null; default: the request variables' check. */
  keyProblem?: (key: string) => string | null;
}

/** A balancing method directive as the `method` value, or null when it is left out. */
export function balanceMethod(
  directive: NginxDirective,
  context: Context,
  options: BalanceMethodOptions = {},
): string | null {
  const fail = (why: string) => (skip(context, directive, why), null);
  const { name, args } = directive;
  if (name === "least_conn" || name === "ip_hash") {
    return args.length ? fail(`invalid number of arguments in "${name}" directive`) : name;
  }
  if (name === "hash") {
    if (!args.length || args.length > 2 || (args[1] && args[1] !== "consistent")) {
      return fail('invalid arguments: expected "hash KEY [consistent]"');
    }
    const problem = (options.keyProblem ?? variableProblem)(args[0]);
    return problem ? fail(problem) : `hash ${args.join(" ")}`;
  }
  if ((args[0] !== undefined && args[0] !== "two") || args.length > 2) {
    return fail('invalid arguments: expected "random [two [least_conn]]"');
  }
  if (args[1] !== undefined && args[1] !== "least_conn") {
    skip(context, directive, `converted without "${args[1]}": "random two" picks by least_conn`);
  }
  return args.length ? "random two" : "random";
}

/** How one kind of upstream block (http's, stream's) reads its children. */
export interface UpstreamBlockOptions extends BalanceMethodOptions {
  /** Whether `child` is a `server` entry. */
  isServer(child: NginxDirective): boolean;
  /** Whether `child` is a balancing method (read by `balanceMethod()`). */
  isMethod(child: NginxDirective): boolean;
  /** Why a `server` entry cannot be used, before its parameters are read, or null. */
  serverProblem?: (server: NginxDirective) => string | null;
  /** Any other child into the group's `settings`, or reported with why. */
  setting(child: NginxDirective, settings: Table): void;
}

/**
 * `upstream NAME { … }` into `state.upstreams`, or reported with why (and its name into
 * `state.leftOut`, so that a `proxy_pass` to it is left out too).
 */
export function convertUpstreamBlock(
  directive: NginxDirective,
  state: Pick<ProxyState, "upstreams" | "leftOut">,
  context: Context,
  options: UpstreamBlockOptions,
) {
  const [name] = directive.args;
  if (directive.args.length !== 1 || !directive.block) {
    return skip(context, directive, 'invalid number of arguments in "upstream" directive');
  }
  if (state.upstreams.has(name) || state.leftOut.has(name)) {
    return skip(context, directive, `duplicate upstream "${name}"`);
  }
  const leaveOut = (why: string) => (state.leftOut.add(name), skip(context, directive, why));
  if (!NAME.test(name)) {
    return leaveOut(
      `not supported: the name "${name}" (ngw2f takes letters, digits, "_", "-", ".")`,
    );
  }
  const servers: NginxDirective[] = [];
  const settings: Table = {};
  let method: NginxDirective | null = null;
  for (const child of directive.block) {
    if (options.isServer(child)) servers.push(child);
    else if (options.isMethod(child)) {
      const value = balanceMethod(child, context, options);
      if (value === null) continue;
      if (method) skip(context, method, "load balancing method redefined; nginx keeps the last");
      [method, settings.method] = [child, value];
    } else options.setting(child, settings);
  }
  const kind = String(settings.method ?? "round_robin").split(" ")[0];
  const lines: string[] = [];
  for (const server of servers) {
    const problem = options.serverProblem?.(server);
    if (problem) {
      skip(context, server, problem);
      continue;
    }
    const line = upstreamServer(server, context);
    if (line === null) continue;
    if (kind !== "round_robin" && kind !== "least_conn" && / backup\b/.test(line)) {
      skip(context, server, `not supported: "backup" with "${kind}" (nginx refuses it too)`);
    } else lines.push(line);
  }
  if (!lines.length) return leaveOut(`not converted: no server of upstream "${name}" is left`);
  if (lines.every((line) => / backup\b/.test(line))) {
    return leaveOut(`not converted: every server of upstream "${name}" is a backup`);
  }
  state.upstreams.set(name, { table: { server: lines, ...settings }, directive });
}

/** One child of an http `upstream {}` other than a `server` or a method, into `settings`. */
function upstreamSetting(child: NginxDirective, settings: Table, context: Context) {
  const { name: key, args } = child;
  const once = (value: TomlValue) => {
    if (key in settings) skip(context, child, `"${key}" directive is duplicate`);
    else settings[key] = value;
  };
  if (child.block) skip(context, child, `directive "${key}" is not terminated by ";"`);
  else if (key === "keepalive" || key === "keepalive_requests") {
    const max = key === "keepalive" ? 10_000 : Number.MAX_SAFE_INTEGER;
    if (args.length === 1 && /^\d+$/.test(args[0]) && +args[0] >= 1 && +args[0] <= max) {
      once(Number(args[0]));
    } else skip(context, child, `invalid value in "${key}" directive`);
  } else if (key === "keepalive_timeout") {
    if (args.length === 1 && isNginxTime(args[0])) once(time(args[0]));
    else skip(context, child, `invalid value in "${key}" directive`);
  } else skip(context, child, UPSTREAM_REASONS[key] ?? "unknown directive");
}

const HTTP_METHODS = ["least_conn", "ip_hash", "hash", "random"];

/** `upstream NAME { … }` (http level) into `state`, or reported with why. */
export function convertUpstream(directive: NginxDirective, state: ProxyState, context: Context) {
  convertUpstreamBlock(directive, state, context, {
    isServer: (child) => child.name === "server",
    isMethod: (child) => !child.block && HTTP_METHODS.includes(child.name),
    setting: (child, settings) => upstreamSetting(child, settings, context),
  });
}

/** `limit_req_zone KEY zone=NAME:SIZE rate=R` or `limit_conn_zone KEY zone=NAME:SIZE`. */
export function convertZone(directive: NginxDirective, state: ProxyState, context: Context) {
  const req = directive.name === "limit_req_zone";
  const fail = (why: string) => skip(context, directive, why);
  let key: string | null = null;
  let zone: RegExpExecArray | null = null;
  let rate: string | null = null;
  let sync = false;
  for (const arg of directive.args) {
    if (arg.startsWith("zone=")) zone = /^zone=([^:]+):(\d+[kKmM]?)$/.exec(arg);
    else if (req && arg.startsWith("rate=")) rate = arg.slice(5);
    else if (arg === "sync") sync = true;
    else if (key === null) key = arg;
    else return fail(`invalid parameter "${arg}"`);
  }
  if (key === null) return fail(`no key is defined for ${directive.name}`);
  if (!zone) return fail('invalid or missing "zone=NAME:SIZE"');
  if (req && !/^\d+r\/[sm]$/.test(rate ?? "")) return fail('invalid or missing "rate=Nr/s"');
  const [, name, size] = zone;
  const zones = req ? state.reqZones : state.connZones;
  if (zones.has(name)) return fail(`duplicate zone "${name}"`);
  if (!NAME.test(name)) return fail(`not supported: the zone name "${name}"`);
  if (bytes(size)! < 8192) return fail(`zone "${name}" is too small: ngw2f takes at least 8k`);
  const problem = variableProblem(key);
  if (problem) return fail(problem);
  zones.set(name, { table: req ? { key, size, rate: rate! } : { key, size }, directive });
  if (sync) fail('converted without "sync": ngw2f\'s zones are shared by its workers, not hosts');
}

/** The `[upstream.NAME]`, `[limit_req_zone.NAME]` and `[limit_conn_zone.NAME]` tables. */
export function writeNamedTables(state: ProxyState): string {
  const blocks: string[] = [];
  const kinds = [
    ["upstream", state.upstreams],
    ["limit_req_zone", state.reqZones],
    ["limit_conn_zone", state.connZones],
  ] as const;
  for (const [kind, tables] of kinds) {
    for (const [name, { table, directive }] of tables) {
      const key = /^[A-Za-z0-9_-]+$/.test(name) ? name : tomlString(name);
      const body = writeToml(table, new WeakMap(), [kind, name], true);
      blocks.push(`# ${directive.file}:${directive.line}\n[${kind}.${key}]\n${body}`);
    }
  }
  return blocks.join("\n\n");
}
