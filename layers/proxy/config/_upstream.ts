/**
 * The top-level tables of reverse proxying: `[upstream.NAME]` groups, `[limit_req_zone.NAME]`
 * and `[limit_conn_zone.NAME]`, and the check that every `proxy_pass` names a group or a host.
 *
 * @module
 */

import type { At, Source } from "./_locate.ts";
import { checkTemplate } from "./_directives.ts";
import { type TemplateKind, templateProblem } from "./template.ts";
import {
  describe,
  expectBool,
  expectInt,
  expectNonEmpty,
  expectSize,
  expectString,
  expectTable,
  expectTime,
  isTable,
  parseTime,
  unknownKey,
} from "./_values.ts";
import type {
  BalanceMethod,
  HealthCheckConfig,
  LimitConnZoneConfig,
  LimitReqZoneConfig,
  ServerConfig,
  UpstreamConfig,
  UpstreamServerConfig,
} from "./types.ts";

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const UPSTREAM_KEYS = [
  "server",
  "method",
  "keepalive",
  "keepalive_timeout",
  "keepalive_requests",
  "health_check",
];
const SERVER_KEYS = [
  "address",
  "weight",
  "max_fails",
  "fail_timeout",
  "backup",
  "down",
  "max_conns",
];
const HEALTH_KEYS = ["interval", "timeout", "path", "status", "rise", "fall"];

/** `127.0.0.1:8001`, `[::1]:8001`, `name:8001`, `unix:/abs.sock`; a bare host gets port 80. */
function checkAddress(text: string, at: At): string {
  if (text.startsWith("unix:")) {
    if (!text.slice(5).startsWith("/")) at.fail(`expected an absolute socket path after "unix:"`);
    return text;
  }
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(?::(\d+))?$/.exec(text);
  if (!match) at.fail(`expected HOST:PORT, [IPV6]:PORT or unix:/PATH, got ${describe(text)}`);
  const port = match[2] === undefined ? 80 : Number(match[2]);
  if (port < 1 || port > 65535) at.fail(`expected a port from 1 to 65535, got ${port}`);
  return `${match[1].toLowerCase()}:${port}`;
}

/** One `server` entry: `"ADDRESS [weight=N] [max_fails=N] [fail_timeout=T] [backup] [down] [max_conns=N]"` or a table. */
function readServerEntry(value: unknown, at: At): UpstreamServerConfig {
  const entry: UpstreamServerConfig = {
    address: "",
    weight: 1,
    maxFails: 1,
    failTimeout: 10_000,
    backup: false,
    down: false,
    maxConns: 0,
  };
  const set = (key: string, v: unknown, keyAt: At) => {
    switch (key) {
      case "address":
        entry.address = checkAddress(expectNonEmpty(v, keyAt), keyAt);
        break;
      case "weight":
        entry.weight = expectInt(v, keyAt, 1, 1000);
        break;
      case "max_fails":
        entry.maxFails = expectInt(v, keyAt, 0, 1000);
        break;
      case "fail_timeout":
        entry.failTimeout = Math.round(expectTime(v, keyAt) * 1000);
        break;
      case "backup":
        entry.backup = expectBool(v, keyAt);
        break;
      case "down":
        entry.down = expectBool(v, keyAt);
        break;
      case "max_conns":
        entry.maxConns = expectInt(v, keyAt, 0);
        break;
      default:
        keyAt.fail(unknownKey(key, SERVER_KEYS, "an upstream server"));
    }
  };
  if (isTable(value)) {
    for (const [key, v] of Object.entries(value)) set(key, v, at.child(key));
    if (!entry.address) at.child("address").fail("expected the server's address");
    return entry;
  }
  const words = expectNonEmpty(value, at).trim().split(/\s+/);
  set("address", words[0], at);
  for (const word of words.slice(1)) {
    const eq = word.indexOf("=");
    if (eq === -1) {
      if (word !== "backup" && word !== "down") {
        at.fail(
          `unknown server parameter ${describe(word)}; expected ${SERVER_KEYS.slice(1).join(", ")}`,
        );
      }
      set(word, true, at);
      continue;
    }
    const key = word.slice(0, eq);
    const text = word.slice(eq + 1);
    if (key === "fail_timeout") {
      if (parseTime(text) === null) {
        at.fail(`expected a time for fail_timeout, got ${describe(text)}`);
      }
      set(key, text, at);
    } else if (SERVER_KEYS.includes(key) && key !== "address") {
      if (!/^\d+$/.test(text)) at.fail(`expected a number for ${key}, got ${describe(text)}`);
      set(key, Number(text), at);
    } else at.fail(unknownKey(key, SERVER_KEYS.slice(1), "an upstream server"));
  }
  return entry;
}

/** `method`: `round_robin`, `least_conn`, `ip_hash`, `random [two]`, `hash KEY [consistent]`. */
function readMethod(value: unknown, at: At, kind: TemplateKind): BalanceMethod {
  const words = expectNonEmpty(value, at).trim().split(/\s+/);
  switch (words[0]) {
    case "round_robin":
    case "least_conn":
    case "ip_hash":
      if (words.length > 1) at.fail(`"${words[0]}" takes no parameters`);
      return { kind: words[0] };
    case "random":
      if (words.length > 2 || (words[1] !== undefined && words[1] !== "two")) {
        at.fail(`expected "random" or "random two", got ${describe(value)}`);
      }
      return { kind: "random", two: words[1] === "two" };
    case "hash":
      if (words.length < 2 || words.length > 3 || (words[2] && words[2] !== "consistent")) {
        at.fail(`expected "hash KEY" or "hash KEY consistent", got ${describe(value)}`);
      }
      return {
        kind: "hash",
        key: checkTemplate(words[1], at, kind),
        consistent: words[2] === "consistent",
      };
    default:
      return at.fail(
        `expected "round_robin", "least_conn", "ip_hash", "random [two]" or "hash KEY [consistent]", got ${
          describe(value)
        }`,
      );
  }
}

function readHealthCheck(value: unknown, at: At): HealthCheckConfig | null {
  const check: HealthCheckConfig = {
    interval: 5_000,
    timeout: 2_000,
    path: "/",
    status: [200, 399],
    rise: 2,
    fall: 3,
  };
  if (value === false || value === "off") return null;
  if (value === true || value === "on") return check;
  const table = expectTable(value, at);
  for (const [key, v] of Object.entries(table)) {
    const keyAt = at.child(key);
    if (key === "interval" || key === "timeout") {
      const ms = Math.round(expectTime(v, keyAt) * 1000);
      if (ms < 10) keyAt.fail("expected at least 10ms");
      check[key] = ms;
    } else if (key === "path") {
      const path = expectString(v, keyAt);
      if (!path.startsWith("/")) {
        keyAt.fail(`expected a path starting with "/", got ${describe(v)}`);
      }
      check.path = path;
    } else if (key === "status") {
      const m = typeof v === "number" ? [String(v), String(v), String(v)] : /^(\d{3})(?:-(\d{3}))?$/
        .exec(typeof v === "string" ? v.trim() : "");
      if (!m) return keyAt.fail(`expected a status or a range like "200-399", got ${describe(v)}`);
      check.status = [Number(m[1]), Number(m[2] ?? m[1])];
    } else if (key === "rise" || key === "fall") check[key] = expectInt(v, keyAt, 1, 100);
    else keyAt.fail(unknownKey(key, HEALTH_KEYS, "a health_check"));
  }
  return check;
}

/** Reads `[upstream.NAME]` tables. */
export function readUpstreams(
  value: unknown,
  at: At,
  source: Source,
  kind: TemplateKind = "request",
): Record<string, UpstreamConfig> {
  const upstreams: Record<string, UpstreamConfig> = {};
  if (value === undefined) return upstreams;
  for (const [name, raw] of Object.entries(expectTable(value, at))) {
    const groupAt = at.child(name);
    if (!NAME.test(name)) groupAt.fail(`expected a name of letters, digits, "_", "-" or "."`);
    const table = expectTable(raw, groupAt);
    for (const key of Object.keys(table)) {
      if (!UPSTREAM_KEYS.includes(key)) {
        groupAt.child(key).fail(unknownKey(key, UPSTREAM_KEYS, "an [upstream.NAME]"));
      }
    }
    const serverAt = groupAt.child("server");
    const list = table.server === undefined
      ? []
      : Array.isArray(table.server)
      ? table.server
      : [table.server];
    if (!list.length) serverAt.fail("expected at least one server");
    const servers = list.map((entry, i) =>
      readServerEntry(entry, Array.isArray(table.server) ? serverAt.child(i + 1) : serverAt)
    );
    if (servers.every((s) => s.backup)) {
      serverAt.fail("expected at least one server that is not a backup");
    }
    const method = table.method === undefined
      ? { kind: "round_robin" as const }
      : readMethod(table.method, groupAt.child("method"), kind);
    if (
      method.kind !== "round_robin" && method.kind !== "least_conn" && servers.some((s) => s.backup)
    ) {
      serverAt.fail(`"backup" servers cannot be used with "${method.kind}", as in nginx`);
    }
    upstreams[name] = {
      name,
      line: source.line(groupAt.path) ?? 0,
      servers,
      method,
      keepalive: table.keepalive === undefined
        ? 32
        : expectInt(table.keepalive, groupAt.child("keepalive"), 0, 10_000),
      keepaliveTimeout: table.keepalive_timeout === undefined ? 60_000 : Math.round(
        expectTime(table.keepalive_timeout, groupAt.child("keepalive_timeout")) * 1000,
      ),
      keepaliveRequests: table.keepalive_requests === undefined
        ? 1000
        : expectInt(table.keepalive_requests, groupAt.child("keepalive_requests"), 1),
      healthCheck: table.health_check === undefined
        ? null
        : readHealthCheck(table.health_check, groupAt.child("health_check")),
    };
  }
  return upstreams;
}

/** `"10r/s"` / `"30r/m"` → requests per second. */
function readRate(value: unknown, at: At): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*r\/([sm])\s*$/.exec(typeof value === "string" ? value : "");
  if (!m || Number(m[1]) <= 0) {
    at.fail(`expected a rate like "10r/s" or "30r/m", got ${describe(value)}`);
  }
  return m[2] === "s" ? Number(m[1]) : Number(m[1]) / 60;
}

function readZones<T>(
  value: unknown,
  at: At,
  keys: string[],
  make: (name: string, table: Record<string, unknown>, at: At) => T,
): Record<string, T> {
  const zones: Record<string, T> = {};
  if (value === undefined) return zones;
  for (const [name, raw] of Object.entries(expectTable(value, at))) {
    const zoneAt = at.child(name);
    if (!NAME.test(name)) zoneAt.fail(`expected a name of letters, digits, "_", "-" or "."`);
    const table = expectTable(raw, zoneAt);
    for (const key of Object.keys(table)) {
      if (!keys.includes(key)) zoneAt.child(key).fail(unknownKey(key, keys, "a zone"));
    }
    zones[name] = make(name, table, zoneAt);
  }
  return zones;
}

/** A zone's key: HTTP and stream servers may share a zone, so either kind's variables do. */
const zoneKey = (table: Record<string, unknown>, at: At) => {
  const key = expectNonEmpty(table.key, at.child("key"));
  if (templateProblem(key, "stream") === null) return key;
  return checkTemplate(key, at.child("key"));
};
const zoneSize = (table: Record<string, unknown>, at: At) => {
  const size = expectSize(table.size ?? "10m", at.child("size"));
  if (size < 8192) at.child("size").fail("expected at least 8k");
  return size;
};

/** Reads `[limit_req_zone.NAME]` tables: `key`, `size`, `rate`. */
export function readLimitReqZones(value: unknown, at: At): Record<string, LimitReqZoneConfig> {
  return readZones(value, at, ["key", "size", "rate"], (name, table, zoneAt) => ({
    name,
    key: zoneKey(table, zoneAt),
    size: zoneSize(table, zoneAt),
    rate: readRate(table.rate, zoneAt.child("rate")),
  }));
}

/** Reads `[limit_conn_zone.NAME]` tables: `key`, `size`. */
export function readLimitConnZones(value: unknown, at: At): Record<string, LimitConnZoneConfig> {
  return readZones(value, at, ["key", "size"], (name, table, zoneAt) => ({
    name,
    key: zoneKey(table, zoneAt),
    size: zoneSize(table, zoneAt),
  }));
}

/**
 * Checks what `proxy_pass` names: an upstream group (a name that is no group becomes `NAME:80`,
 * as in nginx), and nginx's rule that a regex or named location's
 * `proxy_pass` has no URI part.
 */
export function checkProxyReferences(
  servers: ServerConfig[],
  upstreams: Record<string, UpstreamConfig>,
  source: Source,
): void {
  servers.forEach((server, s) => {
    server.locations.forEach((location, l) => {
      const pass = location.settings.proxyPass;
      if (!pass) return;
      const at = source.at(`server[${s + 1}].location[${l + 1}].proxy_pass`);
      if (pass.uri !== null && ["~", "~*", "@"].includes(location.modifier)) {
        at.fail(
          `cannot have a URI part ("${pass.uri}") in a ${
            location.modifier === "@" ? "named" : "regex"
          } location, as in nginx`,
        );
      }
      if (pass.upstream !== null && !Object.hasOwn(upstreams, pass.upstream)) {
        if (!/^[A-Za-z0-9_.-]+$/.test(pass.upstream)) {
          at.fail(`expected an upstream name or HOST:PORT`);
        }
        pass.address = `${pass.upstream.toLowerCase()}:80`;
        pass.upstream = null;
      }
    });
  });
}
