/**
 * The settings directives (those an ngw2f.toml takes at the top level, in a `[[server]]` and
 * in a `[[server.location]]`) converted to their TOML keys, one rule per directive.
 *
 * @module
 */

import { basename } from "node:path";
import {
  bytes,
  type Context,
  jsRegex,
  type Level,
  onOff,
  skip,
  time,
  variableProblem,
} from "./_context.ts";
import type { NginxDirective } from "./parse.ts";
import type { Table, TomlValue } from "./_toml.ts";

type Convert = (args: string[], table: Table, fail: (why: string) => void) => void;

interface Rule {
  /** Where nginx (and ngw2f) accept it. */
  levels: Level[];
  /** How many arguments it takes. */
  args: [min: number, max: number];
  convert: Convert;
}

const ALL: Level[] = ["http", "server", "location"];
const INNER: Level[] = ["server", "location"];
const MANY = Infinity;

/** Sets `key` once per block, as nginx allows. */
function once(table: Table, key: string, value: TomlValue, fail: (why: string) => void) {
  if (key in table) fail(`"${key}" is set twice in this block; the first one is kept`);
  else table[key] = value;
}

function push(table: Table, key: string, ...values: TomlValue[]) {
  table[key] = [...(table[key] as TomlValue[] | undefined) ?? [], ...values];
}

function flag(key: string): Rule {
  return {
    levels: ALL,
    args: [1, 1],
    convert: ([arg], table, fail) => {
      const value = onOff(arg);
      if (value === null) fail(`invalid value "${arg}": it must be "on" or "off"`);
      else once(table, key, value, fail);
    },
  };
}

function choice(key: string, choices: string[], why: string, levels = ALL): Rule {
  return {
    levels,
    args: [1, 1],
    convert: ([arg], table, fail) => {
      if (choices.includes(arg)) once(table, key, arg, fail);
      else fail(why);
    },
  };
}

function timeout(key: string): Rule {
  return {
    levels: ALL,
    args: [1, 2],
    convert: ([arg, extra], table, fail) => {
      once(table, key, time(arg), fail);
      if (extra !== undefined) {
        fail(`converted without "${extra}": ngw2f sends no Keep-Alive: timeout= header`);
      }
    },
  };
}

function checked(text: string, fail: (why: string) => void): boolean {
  const problem = variableProblem(text);
  if (problem) fail(problem);
  return !problem;
}

/** The value of an `add_header` string, quoted when the loader would otherwise misread it. */
function headerValue(value: string): string {
  return value === "" || /^\s|\s$|^".*"$|\salways$/s.test(value) ? `"${value}"` : value;
}

function returnValue(args: string[]): TomlValue | null {
  if (/^\d{1,3}$/.test(args[0])) {
    return args.length === 1 ? Number(args[0]) : [Number(args[0]), args[1]];
  }
  if (args.length === 1 && /^(?:https?:\/\/|\$scheme)/.test(args[0])) return [302, args[0]];
  return null;
}

function accessLog(args: string[], table: Table, fail: (why: string) => void) {
  const [path, format, ...params] = args;
  if (path.startsWith("syslog:")) return fail("not supported: ngw2f logs to files or stdout");
  if (path.includes("$")) return fail("not supported: variables in access log paths");
  if (format?.includes("=")) params.unshift(format);
  const entry = path === "off"
    ? "off"
    : format && !format.includes("=")
    ? `${path} ${format}`
    : path;
  push(table, "access_log", entry);
  if (params.length) {
    fail(
      `converted without ${
        params.map((p) => `"${p}"`).join(", ")
      }: ngw2f logs every request unbuffered`,
    );
  }
}

/** Every converted settings directive. */
const RULES: Record<string, Rule> = {
  root: {
    levels: ALL,
    args: [1, 1],
    convert: ([path], table, fail) => {
      if (path.includes("$")) fail("not supported: variables in root");
      else if ("alias" in table) fail('"root" cannot be combined with "alias" in one location');
      else once(table, "root", path, fail);
    },
  },
  alias: {
    levels: ["location"],
    args: [1, 1],
    convert: ([path], table, fail) => {
      if ("root" in table) fail('"alias" cannot be combined with "root" in one location');
      else if (checked(path, fail)) once(table, "alias", path, fail);
    },
  },
  index: {
    levels: ALL,
    args: [1, MANY],
    convert: (args, table, fail) => {
      if (args.every((a) => checked(a, fail))) push(table, "index", ...args);
    },
  },
  try_files: {
    levels: INNER,
    args: [2, MANY],
    convert: (args, table, fail) => {
      if (args.every((a) => checked(a, fail))) once(table, "try_files", args, fail);
    },
  },
  autoindex: flag("autoindex"),
  autoindex_format: choice(
    "autoindex_format",
    ["html", "json"],
    "not supported: ngw2f lists folders as html or json",
  ),
  return: {
    levels: INNER,
    args: [1, 2],
    convert: (args, table, fail) => {
      const value = returnValue(args);
      if (value === null) fail('invalid return: expected "CODE [TEXT]" or a URL');
      else if ("return" in table) fail("never reached: an earlier return in this block answers");
      else if (args.length === 1 || checked(args.at(-1)!, fail)) table.return = value;
    },
  },
  rewrite: {
    levels: INNER,
    args: [2, 3],
    convert: ([regex, replacement, flag], table, fail) => {
      if (flag && !["last", "break", "redirect", "permanent"].includes(flag)) {
        fail(`invalid parameter "${flag}"`);
      } else if (/\s/.test(regex + replacement)) {
        fail("not supported: a regex or replacement with spaces (ngw2f splits rewrites on spaces)");
      } else if (checked(replacement, fail)) {
        push(table, "rewrite", [jsRegex(regex), replacement, flag].filter(Boolean).join(" "));
      }
    },
  },
  add_header: {
    levels: ALL,
    args: [2, 3],
    convert: ([name, value, always], table, fail) => {
      if (always !== undefined && always !== "always") fail(`invalid parameter "${always}"`);
      else if (/\s/.test(name)) fail(`invalid header name "${name}"`);
      else if (checked(value, fail)) {
        push(table, "add_header", `${name} ${headerValue(value)}${always ? " always" : ""}`);
      }
    },
  },
  expires: {
    levels: ALL,
    args: [1, 2],
    convert: (args, table, fail) => {
      if (args.length === 2 || args[0].startsWith("@")) {
        fail('not supported: "modified" and "@time" expiry; ngw2f counts from the response time');
      } else once(table, "expires", time(args[0]), fail);
    },
  },
  default_type: {
    levels: ALL,
    args: [1, 1],
    convert: ([type], table, fail) => once(table, "default_type", type, fail),
  },
  charset: {
    levels: ALL,
    args: [1, 1],
    convert: ([charset], table, fail) => once(table, "charset", charset, fail),
  },
  error_page: {
    levels: ALL,
    args: [2, MANY],
    convert: (args, table, fail) => {
      if (args.includes("=")) {
        fail('not supported: a bare "=" (the target\'s own status); write "=CODE"');
      } else if (checked(args.at(-1)!, fail)) push(table, "error_page", args.join(" "));
    },
  },
  client_max_body_size: {
    levels: ALL,
    args: [1, 1],
    convert: ([size], table, fail) => {
      if (bytes(size) === null) fail(`invalid size "${size}"`);
      else once(table, "client_max_body_size", size, fail);
    },
  },
  allow: {
    levels: ALL,
    args: [1, 1],
    convert: ([address], table) => push(table, "access", `allow ${address}`),
  },
  deny: {
    levels: ALL,
    args: [1, 1],
    convert: ([address], table) => push(table, "access", `deny ${address}`),
  },
  auth_basic: {
    levels: ALL,
    args: [1, 1],
    convert: ([realm], table, fail) => once(table, "auth_basic", realm, fail),
  },
  auth_basic_user_file: {
    levels: ALL,
    args: [1, 1],
    convert: ([path], table, fail) => once(table, "auth_basic_user_file", path, fail),
  },
  gzip: flag("gzip"),
  gzip_types: {
    levels: ALL,
    args: [1, MANY],
    convert: (types, table) => push(table, "gzip_types", ...types),
  },
  gzip_min_length: {
    levels: ALL,
    args: [1, 1],
    convert: ([size], table, fail) => {
      const n = bytes(size);
      if (n === null) fail(`invalid size "${size}"`);
      else once(table, "gzip_min_length", n, fail);
    },
  },
  gzip_static: {
    levels: ALL,
    args: [1, 1],
    convert: ([arg], table, fail) => {
      const value = arg === "always" ? true : onOff(arg);
      if (value === null) fail(`invalid value "${arg}": it must be "on", "off" or "always"`);
      else once(table, "gzip_static", value, fail);
      if (arg === "always") {
        fail('converted as "on": ngw2f serves .gz files only to clients that accept gzip');
      }
    },
  },
  etag: flag("etag"),
  if_modified_since: choice(
    "if_modified_since",
    ["exact", "before", "off"],
    'invalid value: it must be "exact", "before" or "off"',
  ),
  keepalive_timeout: timeout("keepalive_timeout"),
  client_header_timeout: timeout("client_header_timeout"),
  client_body_timeout: timeout("client_body_timeout"),
  server_tokens: {
    levels: ALL,
    args: [1, 1],
    convert: ([arg], table, fail) => {
      const value = onOff(arg);
      if (value === null) fail('not supported: ngw2f\'s server_tokens is "on" or "off"');
      else once(table, "server_tokens", value, fail);
    },
  },
  access_log: { levels: ALL, args: [1, MANY], convert: accessLog },
  disable_symlinks: {
    levels: ALL,
    args: [1, 2],
    convert: ([mode, from], table, fail) => {
      if (mode !== "on" && mode !== "off") {
        fail('not supported: ngw2f has "off", "on" and "if_outside_root" (its default)');
        return;
      }
      once(table, "disable_symlinks", mode, fail);
      if (from) fail(`converted without "${from}": ngw2f checks every path component`);
    },
  },
  stub_status: {
    levels: INNER,
    args: [0, 1],
    convert: (_, table, fail) => once(table, "stub_status", true, fail),
  },
};

/** The `types { … }` block: `[types]` with `"text/x-foo" = ["foo"]`. */
function convertTypes(directive: NginxDirective, table: Table, context: Context) {
  if (basename(directive.file) === "mime.types") {
    return skip(
      context,
      directive,
      `not needed: ngw2f uses mime-db, which holds nginx's standard types; add [types] only for extensions of your own`,
    );
  }
  const entries = directive.block ?? [];
  if (!entries.length) {
    return skip(
      context,
      directive,
      "not supported: an empty types {} (every file gets default_type); ngw2f's [types] adds to mime-db",
    );
  }
  const types = (table.types ?? {}) as Table;
  for (const entry of entries) {
    if (entry.block || !entry.args.length) skip(context, entry, "invalid types entry");
    else types[entry.name] = [...(types[entry.name] as string[] | undefined) ?? [], ...entry.args];
  }
  table.types = types;
}

/** Whether `name` is a settings directive the conversion knows. */
export function isSetting(name: string): boolean {
  return Object.hasOwn(RULES, name) || name === "types";
}

/** Converts settings directive `directive` met at `level` into `table`, or records why not. */
export function convertSetting(
  directive: NginxDirective,
  level: Level,
  table: Table,
  context: Context,
): void {
  const fail = (why: string) => skip(context, directive, why);
  if (directive.name === "types") {
    if (level === "main") return fail('"types" directive is not allowed here');
    return convertTypes(directive, table, context);
  }
  const rule = RULES[directive.name];
  const { args } = directive;
  if (!rule.levels.includes(level)) fail(`"${directive.name}" directive is not allowed here`);
  else if (directive.block) fail(`directive "${directive.name}" is not terminated by ";"`);
  else if (args.length < rule.args[0] || args.length > rule.args[1]) {
    fail(`invalid number of arguments in "${directive.name}" directive`);
  } else rule.convert(args, table, fail);
}

/** Tidies a block's table once all its directives are in: one access_log stays a string. */
export function finishSettings(table: Table): void {
  const log = table.access_log;
  if (Array.isArray(log) && log.length === 1) table.access_log = log[0];
}
