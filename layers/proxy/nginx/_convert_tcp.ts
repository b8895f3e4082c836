/**
 * What the `mail {}` and `stream {}` converters share: the state they fill, their settings
 * rules (one value per directive, nginx's checks first), the reasons nginx-wide directives are
 * left out, and `listen` (TCP only, with nginx's socket parameters left to ngw2f).
 *
 * @module
 */

import { type Context, onOff, skip, skipListenParams, time } from "./_context.ts";
import { isNginxTime, type ProxyState } from "./_convert_proxy.ts";
import { reasonFor } from "./_reasons.ts";
import type { Table, TomlValue } from "./_toml.ts";
import type { NginxDirective } from "./parse.ts";
import type { At } from "../config/_locate.ts";
import { parseAddress } from "../config/_listen.ts";

/** One listen entry kept, with its canonical address for the check across servers. */
export interface Listen {
  /** The TOML entry: `"127.0.0.1:25"`, `"465 ssl"`. */
  entry: string;
  /** The address as the config reader has it: `"0.0.0.0:465"`. */
  address: string;
  directive: NginxDirective;
}

/** A mail or stream server converted but for its listen entries (checked once all are known). */
export interface TcpServer {
  directive: NginxDirective;
  listen: Listen[];
  /** Its other keys. */
  table: Table;
}

/** The mail and stream parts of one conversion. */
export interface MailStreamState {
  /** The http level's upstreams and zones: stream zones join its `[limit_conn_zone.*]`. */
  proxy: ProxyState;
  /** `mail {}` and its settings (`[mail]`), once met. */
  mail: { directive: NginxDirective; table: Table } | null;
  mailServers: TcpServer[];
  /** `stream {}` and its settings (`[stream]`), once met. */
  stream: { directive: NginxDirective; table: Table } | null;
  streamServers: TcpServer[];
  /** `[stream.upstream.NAME]` tables by name. */
  upstreams: Map<string, { table: Table; directive: NginxDirective }>;
  /** Stream upstreams nginx has that the conversion left out. */
  leftOut: Set<string>;
  /** The `limit_conn_zone` names the stream block defines (and were converted). */
  zones: Set<string>;
}

/** A new, empty state sharing `proxy`'s zones. */
export function newMailStreamState(proxy: ProxyState): MailStreamState {
  return {
    proxy,
    mail: null,
    mailServers: [],
    stream: null,
    streamServers: [],
    upstreams: new Map(),
    leftOut: new Set(),
    zones: new Set(),
  };
}

/** Reports the directive at hand as left out (or changed) because of `why`. */
export type Fail = (why: string) => undefined;
/** A directive's arguments as its TOML value, or undefined when it is left out. */
export type Convert = (args: string[], fail: Fail) => TomlValue | undefined;

/** How a settings directive converts: its argument counts and its value. */
export interface Rule {
  args: [min: number, max: number];
  convert: Convert;
}

/** No upper bound on a directive's arguments. */
export const MANY = Infinity;

/** A rule for a one-argument directive. */
export const one = (convert: Convert): Rule => ({ args: [1, 1], convert });
/** The argument as it is. */
export const text: Convert = ([arg]) => arg;
/** An nginx time: seconds as a number, else as written (`"1m30s"`). */
export const timeValue: Convert = ([arg], fail) =>
  isNginxTime(arg) ? time(arg) : fail(`invalid value "${arg}"`);
/** `on` / `off` as a boolean. */
export const flag: Convert = ([arg], fail) => {
  const value = onOff(arg);
  return value ?? fail(`invalid value "${arg}": it must be "on" or "off"`);
};
/** A whole number from `min` to `max`. */
export const integer = (min: number, max: number): Convert => ([arg], fail) => {
  const n = Number(arg);
  if (!/^\d+$/.test(arg)) return fail(`invalid value "${arg}"`);
  return n >= min && n <= max ? n : fail(`not supported: ngw2f takes ${min} to ${max}`);
};

/** Sets `key` once per block, as nginx allows. */
function setOnce(table: Table, directive: NginxDirective, rule: Rule, fail: Fail) {
  const { name } = directive;
  if (name in table) return fail(`"${name}" directive is duplicate`);
  const value = rule.convert(directive.args, fail);
  if (value !== undefined) table[name] = value;
}

/**
 * Runs `rules[directive.name]` into `table`, after nginx's checks (a block, the argument count);
 * returns false when no rule has that name.
 */
export function applyRule(
  directive: NginxDirective,
  table: Table,
  rules: Record<string, Rule>,
  context: Context,
): boolean {
  if (!Object.hasOwn(rules, directive.name)) return false;
  const { name, args } = directive;
  const rule = rules[name];
  const fail: Fail = (why) => void skip(context, directive, why);
  if (directive.block) fail(`directive "${name}" is not terminated by ";"`);
  else if (args.length < rule.args[0] || args.length > rule.args[1]) {
    fail(`invalid number of arguments in "${name}" directive`);
  } else setOnce(table, directive, rule, fail);
  return true;
}

/** nginx's reasons that hold in any block (TLS settings, variables, processes, scripting). */
const SHARED = /^(?:ssl(?:_.*)?|error_log|tcp_nodelay|set|map|geo|split_clients|perl.*|lua_.*)$/;

/** Why `name` is left out, from the block's own reasons, then nginx-wide ones. */
export function reasonIn(
  name: string,
  reasons: Record<string, string>,
  prefixes: [string, string][],
): string {
  if (Object.hasOwn(reasons, name)) return reasons[name];
  for (const [prefix, why] of prefixes) if (name.startsWith(prefix)) return why;
  return (SHARED.test(name) ? reasonFor(name) : null) ?? "unknown directive";
}

/** Why a stream `listen … ssl` is left out. */
export const NO_TLS_END =
  "not supported: ngw2f's stream proxy does not end TLS; it passes TLS through";

// ---- listen ------------------------------------------------------------------------------

/** Listen parameters for the socket itself: nginx's, which ngw2f sets by itself. */
const SOCKET_PARAMS =
  /^(?:backlog=|rcvbuf=|sndbuf=|bind$|ipv6only=|reuseport$|so_keepalive=|fastopen=|deferred$|setfib=|accept_filter=)/;

/** The canonical form of a listen address as the config reader has it, or null when it has none. */
export function canonical(address: string): string | null {
  const at: At = {
    path: "",
    fail: (why: string) => {
      throw new Error(why);
    },
    child: () => at,
  };
  try {
    return parseAddress(address, at, "/");
  } catch {
    return null;
  }
}

/** One `listen` of a mail or stream server, or null when it is left out. */
export function convertListen(
  directive: NginxDirective,
  kind: "mail" | "stream",
  context: Context,
): Listen | null {
  const fail = (why: string) => (skip(context, directive, why), null);
  const [address, ...params] = directive.args;
  if (!address || directive.block) {
    return fail('invalid number of arguments in "listen" directive');
  }
  if (address.startsWith("unix:")) {
    return fail(`not supported: a unix socket; ngw2f's ${kind} servers listen on TCP`);
  }
  if (params.includes("udp")) return fail("not supported: ngw2f's stream proxy is TCP only");
  if (kind === "stream" && params.includes("ssl")) return fail(NO_TLS_END);
  if (/:\d+-\d+$|^\d+-\d+$/.test(address)) return fail("not supported: a port range");
  const dropped: string[] = [];
  for (const param of params) {
    if (param === "ssl" || param === "ipv6only=on") continue;
    if (param !== "proxy_protocol" && !SOCKET_PARAMS.test(param)) {
      return fail(`invalid parameter "${param}"`);
    }
    dropped.push(param);
  }
  const found = canonical(address);
  if (found === null) {
    const host = /^([^:[\]]+)(?::\d+)?$/.exec(address)?.[1];
    return fail(
      host && /[A-Za-z]/.test(host)
        ? `not supported: a host name ("${host}"); write its IP address`
        : `invalid address "${address}"`,
    );
  }
  skipListenParams(context, directive, dropped, "ngw2f sets its sockets itself");
  const entry = params.includes("ssl") ? `${address} ssl` : address;
  return { entry, address: found, directive };
}
