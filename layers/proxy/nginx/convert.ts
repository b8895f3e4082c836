/**
 * `ngw2f proxy --from-nginx`: an nginx config converted to an `ngw2f.toml`. nginx's main and
 * http levels become the top of the file, each `server {}` a `[[server]]`, each `location {}`
 * a `[[server.location]]`, in file order, and each `upstream {}` and limit zone a table of its
 * own; `mail {}` and `stream {}` become `[mail]` and `[stream]` with their servers
 * (`_convert_mail_stream.ts`). What has no ngw2f equivalent is listed, with why, in the result
 * and in comments at the top of the TOML.
 *
 * @module
 */

import { resolve } from "node:path";
import {
  type Context,
  newContext,
  skip,
  time,
  type Unconverted,
  unconvertedList,
  variableProblem,
} from "./_context.ts";
import {
  convertProxyBlock,
  HTTP_INHERITED,
  isNginxTime,
  isProxyDirective,
  newProxyState,
  type ProxyState,
} from "./_convert_proxy.ts";
import { convertUpstream, convertZone, writeNamedTables } from "./_convert_upstream.ts";
import {
  convertMailStream,
  finishMailStream,
  type MailStreamState,
  newMailStreamState,
} from "./_convert_mail_stream.ts";
import { ConfigError } from "../../gateway/errors.ts";
import { reasonFor } from "./_reasons.ts";
import { convertProxiedServer } from "./_proxied_server.ts";
import type { HttpTls } from "./_server.ts";
import { convertSetting, finishSettings, isSetting } from "./_settings.ts";
import { type Table, writeToml } from "./_toml.ts";
import { type NginxBlock, type NginxDirective, parseNginxConfig } from "./parse.ts";

export type { Unconverted } from "./_context.ts";

/** What a conversion gives: the TOML text and what it left out. */
export interface NginxConversion {
  /** The `ngw2f.toml` text, with a header comment listing what was not converted. */
  toml: string;
  /** Each directive left out (or changed), with its file, line and why, in file order. */
  unconverted: Unconverted[];
}

const ERROR_LEVELS = ["debug", "info", "notice", "warn", "error", "crit"];

interface Top {
  main: Table;
  settings: Table;
  logFormats: Table;
  servers: Table[];
  tls: HttpTls;
  serverBlocks: NginxDirective[];
  seen: Set<string>;
  /** The http level's proxy and limit directives, converted once the level is read. */
  proxyHttp: NginxDirective[];
  proxy: ProxyState;
  /** `mail {}` and `stream {}`, converted as they are met. */
  mailStream: MailStreamState;
}

function once(top: Top, directive: NginxDirective, context: Context): boolean {
  if (!top.seen.has(directive.name)) return top.seen.add(directive.name), true;
  skip(context, directive, `"${directive.name}" directive is duplicate`);
  return false;
}

function convertErrorLog(directive: NginxDirective, top: Top, context: Context) {
  const [path, level = "error"] = directive.args;
  if (directive.args.length < 1 || directive.args.length > 2) {
    return skip(context, directive, 'invalid number of arguments in "error_log" directive');
  }
  if (path.startsWith("syslog:") || path.startsWith("memory:")) {
    return skip(context, directive, "not supported: ngw2f logs errors to a file or stderr");
  }
  if ("error_log" in top.main) {
    return skip(context, directive, "not supported: ngw2f has one error log (the first is kept)");
  }
  const known = ERROR_LEVELS.includes(level);
  top.main.error_log = `${path === "stderr" ? "-" : path} ${known ? level : "crit"}`;
  if (!known) skip(context, directive, `converted with level "crit": ngw2f's most severe level`);
}

function convertLogFormat(directive: NginxDirective, top: Top, context: Context) {
  const [name, ...rest] = directive.args;
  const escape = rest[0]?.startsWith("escape=") ? rest.shift()!.slice(7) : null;
  if (!name || !rest.length) {
    return skip(context, directive, 'invalid number of arguments in "log_format" directive');
  }
  if (name === "combined" || name in top.logFormats) {
    return skip(context, directive, `duplicate "log_format" name "${name}"`);
  }
  if (escape !== null && !["default", "json", "none"].includes(escape)) {
    return skip(context, directive, `unknown log format escaping "${escape}"`);
  }
  const format = rest.join("");
  const problem = variableProblem(format, "log");
  if (problem) return skip(context, directive, problem);
  top.logFormats[name] = escape ? { format, escape } : format;
}

/** One directive of nginx's main context, `http {}` or `events {}`. */
function convertTopDirective(
  directive: NginxDirective,
  level: "main" | "http" | "events",
  top: Top,
  context: Context,
) {
  const { name, args } = directive;
  const arg = args[0];
  if (level === "events") {
    if (name !== "worker_connections") {
      const why = isProxyDirective(name)
        ? `"${name}" directive is not allowed here`
        : reasonFor(name);
      return skip(context, directive, why ?? "unknown directive");
    }
    if (!/^\d+$/.test(arg ?? "") || args.length !== 1) {
      return skip(context, directive, `invalid value in "worker_connections" directive`);
    }
    top.main.worker_connections = Number(arg);
    return;
  }
  const inMain = (key: string, value: string | number) => {
    if (level !== "main") skip(context, directive, `"${name}" directive is not allowed here`);
    else if (args.length !== 1) {
      skip(context, directive, `invalid number of arguments in "${name}" directive`);
    } else if (once(top, directive, context)) top.main[key] = value;
  };
  switch (name) {
    case "worker_processes":
      return inMain("workers", /^\d+$/.test(arg) ? Number(arg) : arg);
    case "pid":
      return inMain("pid", arg === "off" ? "off" : arg);
    case "worker_shutdown_timeout":
      if (args.length === 1 && !isNginxTime(arg)) {
        return skip(context, directive, `invalid value "${arg}"`);
      }
      return inMain("worker_shutdown_timeout", time(arg));
    case "error_log":
      return convertErrorLog(directive, top, context);
    case "events":
    case "http":
      if (level !== "main") {
        return skip(context, directive, `"${name}" directive is not allowed here`);
      }
      if (!once(top, directive, context)) return;
      for (const child of directive.block ?? []) {
        convertTopDirective(child, name === "events" ? "events" : "http", top, context);
      }
      return;
    case "mail":
    case "stream":
      if (level !== "main") {
        return skip(context, directive, `"${name}" directive is not allowed here`);
      }
      if (once(top, directive, context)) convertMailStream(directive, top.mailStream, context);
      return;
    case "log_format":
      if (level !== "http") {
        return skip(context, directive, '"log_format" directive is not allowed here');
      }
      return convertLogFormat(directive, top, context);
    case "server":
      if (level !== "http") {
        return skip(context, directive, '"server" directive is not allowed here');
      }
      top.serverBlocks.push(directive);
      return;
    case "ssl_certificate":
    case "ssl_certificate_key":
      if (level === "http" && args.length === 1) {
        top.tls[name === "ssl_certificate" ? "certificate" : "key"] = arg;
        return;
      }
  }
  if (isProxyDirective(name)) {
    if (level === "main") skip(context, directive, `"${name}" directive is not allowed here`);
    else if (name === "upstream") convertUpstream(directive, top.proxy, context);
    else if (name.endsWith("_zone")) convertZone(directive, top.proxy, context);
    else top.proxyHttp.push(directive);
    return;
  }
  if (isSetting(name)) return convertSetting(directive, level, top.settings, context);
  skip(context, directive, reasonFor(name) ?? "unknown directive");
}

function header(file: string, unconverted: Unconverted[]): string {
  const lines = [
    `# ngw2f.toml converted from ${file} by \`ngw2f proxy --from-nginx\`.`,
    "# Check it with `ngw2f proxy -t -c ngw2f.toml`; docs/proxy-from-nginx.md maps each directive.",
  ];
  if (unconverted.length) lines.push("#");
  for (const { file, line, directive, why } of unconverted) {
    lines.push(`# not converted: ${file}:${line}: ${directive} — ${why}`.replace(/\s*\n\s*/g, " "));
  }
  return lines.join("\n");
}

/**
 * Converts a parsed nginx config to `ngw2f.toml` text, listing every directive it leaves out
 * (or changes) with the reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse } from "smol-toml";
 * import { convertNginxConfig } from "./convert.ts";
 * import { parseNginxConfig } from "./parse.ts";
 *
 * const root = parseNginxConfig(
 *   "http { sendfile on; server { listen 80; location / { root html; } } }",
 *   "nginx.conf",
 * );
 * const { toml, unconverted } = convertNginxConfig(root);
 * assert.deepEqual(JSON.parse(JSON.stringify(parse(toml))), {
 *   server: [{ listen: ["80"], location: [{ match: "/", root: "html" }] }],
 * });
 * assert.equal(unconverted[0].directive, "sendfile on");
 * assert.match(toml, /# not converted: nginx\.conf:1: sendfile on — /);
 * ```
 */
export function convertNginxConfig(root: NginxBlock): NginxConversion {
  const context = newContext(root.directives);
  const proxy = newProxyState();
  const top: Top = {
    main: {},
    settings: {},
    logFormats: {},
    servers: [],
    tls: {},
    serverBlocks: [],
    seen: new Set(),
    proxyHttp: [],
    proxy,
    mailStream: newMailStreamState(proxy),
  };
  for (const directive of root.directives) convertTopDirective(directive, "main", top, context);
  const http = convertProxyBlock(top.proxyHttp, "http", HTTP_INHERITED, top.proxy, context);
  const servers = top.serverBlocks.map((block) =>
    convertProxiedServer(block, context, { tls: top.tls, proxy: top.proxy, outer: http.inherited })
  );
  finishSettings(top.settings);
  const types = top.settings.types;
  delete top.settings.types;
  const document: Table = { ...top.main, ...top.settings, ...http.table };
  if (Object.keys(top.logFormats).length) document.log_format = top.logFormats;
  if (types) document.types = types;
  const mailStream = finishMailStream(top.mailStream, servers, context);
  const unconverted = unconvertedList(context);
  const body = [
    http.notes.map((note) => `# ${note}`).join("\n"),
    writeToml(document, context.comments),
    writeNamedTables(top.proxy),
    servers.length ? writeToml({ server: servers }, context.comments) : "",
    mailStream,
  ].filter(Boolean).join("\n\n");
  return { toml: `${header(root.file, unconverted)}\n\n${body}\n`, unconverted };
}

/**
 * Reads the nginx config at `path` (its includes from disk, relative to its folder) and
 * converts it; see `convertNginxConfig()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { convertNginxFile } from "./convert.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/site.conf`, "server { listen 8080; root html; }");
 * await Deno.writeTextFile(`${dir}/nginx.conf`, "http { include site.conf; }");
 * const { toml, unconverted } = await convertNginxFile(`${dir}/nginx.conf`);
 * assert.match(toml, /\[\[server\]\]\nlisten = \["8080"\]\nroot = "html"/);
 * assert.deepEqual(unconverted, []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function convertNginxFile(path: string): Promise<NginxConversion> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "no such file" : (error as Error).message;
    throw new ConfigError(`cannot read the nginx config: ${why}`, {
      file: path,
      key: "from-nginx",
      cause: error,
    });
  }
  return convertNginxConfig(parseNginxConfig(text, path, { prefix: resolve(path, "..") }));
}
