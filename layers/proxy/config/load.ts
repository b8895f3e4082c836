/**
 * Reads an `ngw2f.toml` shaped after nginx.conf (main and http level at the top, `[[server]]`,
 * `[[server.location]]`) into a {@linkcode ProxyConfig}: parsed, validated, defaulted and
 * inherited. Every mistake is a `ConfigError` naming the file, the line and the key path.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, TomlError } from "smol-toml";
import { ConfigError } from "../../gateway/mod.ts";
import { type At, keyLines, Source } from "./_locate.ts";
import { checkAddresses } from "./_listen.ts";
import { readServer, tables } from "./_server.ts";
import { type Block, checkUserFile, DIRECTIVES, type Env, readBlock } from "./_settings.ts";
import {
  describe,
  expectChoice,
  expectInt,
  expectNonEmpty,
  expectSize,
  expectString,
  expectTable,
  expectTime,
  isTable,
  unknownKey,
} from "./_values.ts";
import {
  checkProxyReferences,
  readLimitConnZones,
  readLimitReqZones,
  readUpstreams,
} from "./_upstream.ts";
import { checkTemplate } from "./_directives.ts";
import { checkTcpAddresses, readMailStream } from "./_mail_stream.ts";
import type { ErrorLogLevel, LogFormat, ProxyConfig } from "./types.ts";

/** How to read a config. */
export interface ProxyConfigOptions {
  /** Relative paths resolve against it (nginx's `-p`); default: the config file's folder. */
  prefix?: string;
  /** nginx's `-g`: TOML lines (`workers = 4`) applied over the file's top level. */
  globals?: string[];
  /** What `workers = "auto"` means; default: the machine's CPU count. */
  cpuCount?: number;
}

/**
 * The config file name shown for the built-in default config.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BUILT_IN, loadProxyConfig } from "./load.ts";
 *
 * assert.equal((await loadProxyConfig(null)).file, BUILT_IN);
 * ```
 */
export const BUILT_IN = "(built-in)";

/**
 * nginx's predefined `combined` format, byte for byte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { COMBINED_FORMAT, parseProxyConfig } from "./load.ts";
 *
 * const config = parseProxyConfig("[[server]]\n", "/srv/ngw2f.toml");
 * assert.equal(config.logFormats.main.format, COMBINED_FORMAT);
 * ```
 */
export const COMBINED_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

const MAIN_KEYS = [
  "workers",
  "worker_connections",
  "pid",
  "error_log",
  "open_file_cache_max_size",
  "open_file_cache_total",
  "log_format",
  "server",
  "upstream",
  "limit_req_zone",
  "limit_conn_zone",
  "worker_shutdown_timeout",
  "mail",
  "stream",
];
const LEVELS: ErrorLogLevel[] = ["debug", "info", "notice", "warn", "error", "crit"];

/**
 * Loads the config in `file` (`null`: the built-in one, serving `<prefix>/public` or the demo
 * site on 127.0.0.1:8080).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadProxyConfig } from "./load.ts";
 *
 * const config = await loadProxyConfig(null, { prefix: "/srv", cpuCount: 2 });
 * assert.equal(config.file, "(built-in)");
 * assert.equal(config.workers, 2);
 * assert.equal(config.servers[0].listen[0].address, "127.0.0.1:8080");
 * ```
 */
export async function loadProxyConfig(
  file: string | null,
  options: ProxyConfigOptions = {},
): Promise<ProxyConfig> {
  if (file === null) {
    const prefix = resolve(options.prefix ?? Deno.cwd());
    return parseProxyConfig(builtInText(prefix), BUILT_IN, { ...options, prefix });
  }
  const path = resolve(file);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "not found" : (error as Error).message;
    throw new ConfigError(`cannot read the file: ${why}`, {
      file: path,
      key: "config",
      cause: error,
    });
  }
  return parseProxyConfig(text, path, { ...options, prefix: options.prefix ?? dirname(path) });
}

/**
 * The built-in config's text for `prefix`: one default server on 127.0.0.1:8080 whose root is
 * `<prefix>/public` when that folder exists, else the demo site `examples/part-I-nginx/site`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { builtInText } from "./load.ts";
 *
 * assert.match(builtInText("/nowhere"), /root = ".*examples\/part-I-nginx\/site"/);
 * ```
 */
export function builtInText(prefix: string): string {
  const publicDir = resolve(prefix, "public");
  let exists = false;
  try {
    exists = Deno.statSync(publicDir).isDirectory;
  } catch {
    // no public folder: the demo site
  }
  const root = exists
    ? publicDir
    : fileURLToPath(new URL("../../../examples/part-I-nginx/site", import.meta.url));
  return [
    "# The built-in config: one server, static files.",
    "[[server]]",
    'listen = "127.0.0.1:8080 default_server"',
    `root = ${JSON.stringify(root)}`,
    "",
  ].join("\n");
}

function tomlError(error: unknown, file: string, text: string): never {
  if (!(error instanceof TomlError)) throw error;
  const why = error.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
  const key = [...keyLines(text)].find(([, line]) => line === error.line)?.[0] ?? "toml";
  throw new ConfigError(`expected valid TOML: ${why} (column ${error.column})`, {
    file,
    line: error.line,
    key,
    cause: error,
  });
}

/**
 * Parses a config's `text` (read from `file`, used in messages) into a {@linkcode ProxyConfig}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseProxyConfig } from "./load.ts";
 *
 * const config = parseProxyConfig(
 *   '[[server]]\nlisten = "8080"\nroot = "public"\n',
 *   "/srv/ngw2f.toml",
 *   { prefix: "/srv", cpuCount: 1 },
 * );
 * assert.equal(config.servers[0].listen[0].address, "0.0.0.0:8080");
 * assert.equal(config.servers[0].settings.root, "/srv/public");
 * assert.throws(
 *   () => parseProxyConfig('[[server]]\nlisten = "8080"\nrot = "x"\n', "ngw2f.toml"),
 *   /ngw2f.toml:3: server\[1\]\.rot: unknown key in a \[\[server\]\]; did you mean "root"\?/,
 * );
 * ```
 */
export function parseProxyConfig(
  text: string,
  file: string,
  options: ProxyConfigOptions = {},
): ProxyConfig {
  const prefix = resolve(options.prefix ?? dirname(resolve(file)));
  const globalsText = (options.globals ?? []).join("\n");
  const source = new Source(file, text, globalsText);
  let doc: Record<string, unknown>;
  let globals: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (error) {
    tomlError(error, file, text);
  }
  try {
    globals = parse(globalsText);
  } catch (error) {
    tomlError(error, "-g", globalsText);
  }
  if (globals.server !== undefined) {
    source.at("server").fail("cannot be given with -g; only top-level keys can");
  }
  for (const [key, value] of Object.entries(globals)) {
    doc[key] = isTable(value) && isTable(doc[key]) ? { ...doc[key], ...value } : value;
  }
  delete doc.app; // `ngw2f serve`'s table: one ngw2f.toml may configure both
  const top = source.at("");
  const httpKeys = Object.keys(DIRECTIVES).filter((k) => DIRECTIVES[k].levels.includes("http"));
  for (const key of Object.keys(doc)) {
    if (!MAIN_KEYS.includes(key) && !Object.hasOwn(DIRECTIVES, key)) {
      top.child(key).fail(unknownKey(key, [...MAIN_KEYS, ...httpKeys], "the top level"));
    }
  }
  const logFormats = readLogFormats(doc.log_format, top.child("log_format"));
  const upstreams = readUpstreams(doc.upstream, top.child("upstream"), source);
  const limitReqZones = readLimitReqZones(doc.limit_req_zone, top.child("limit_req_zone"));
  const limitConnZones = readLimitConnZones(doc.limit_conn_zone, top.child("limit_conn_zone"));
  const env: Env = {
    prefix,
    logFormats,
    source,
    limitReqZones: new Set(Object.keys(limitReqZones)),
    limitConnZones: new Set(Object.keys(limitConnZones)),
  };
  const http = readBlock(doc, top, "http", env, MAIN_KEYS);
  const serverTables = tables(doc.server, top.child("server"), "[[server]]");
  const inner: Block[] = [];
  const servers = serverTables.map(([table, at]) => readServer(table, at, env, http, inner));
  checkUserFile(http, [], inner, (path) => source.at(path));
  checkAddresses(servers, source);
  checkProxyReferences(servers, upstreams, source);
  const mailStream = readMailStream(doc, top, {
    ...env,
    reqZones: limitReqZones,
    connZones: limitConnZones,
  });
  if (!servers.length && !mailStream.mailServers.length && !mailStream.streamServers.length) {
    top.child("server").fail(
      "expected at least one [[server]], [[mail.server]] or [[stream.server]] table",
    );
  }
  checkTcpAddresses(servers, mailStream, source);
  const cpuCount = options.cpuCount ?? navigator.hardwareConcurrency ?? 1;
  const workersAt = top.child("workers");
  const errorLog = (doc.error_log ?? "- notice") as unknown;
  return {
    file,
    prefix,
    workers: doc.workers === undefined || doc.workers === "auto"
      ? cpuCount
      : expectInt(doc.workers, workersAt, 1, 1024),
    workerConnections: expectInt(doc.worker_connections ?? 512, top.child("worker_connections"), 1),
    pid: readPid(doc.pid, top.child("pid"), prefix),
    errorLog: readErrorLog(errorLog, top.child("error_log"), prefix),
    logFormats,
    openFileCacheMaxSize: expectSize(
      doc.open_file_cache_max_size ?? "256k",
      top.child("open_file_cache_max_size"),
    ),
    openFileCacheTotal: expectSize(
      doc.open_file_cache_total ?? "64m",
      top.child("open_file_cache_total"),
    ),
    servers,
    upstreams,
    ...mailStream,
    limitReqZones,
    limitConnZones,
    workerShutdownTimeout: Math.round(
      expectTime(doc.worker_shutdown_timeout ?? "30s", top.child("worker_shutdown_timeout")) * 1000,
    ),
  };
}

function readPid(value: unknown, at: At, prefix: string): string | null {
  if (value === false || value === "off") return null;
  if (value === undefined) return resolve(prefix, "ngw2f-proxy.pid");
  return resolve(prefix, expectNonEmpty(value, at));
}

function readErrorLog(value: unknown, at: At, prefix: string) {
  const words = expectNonEmpty(value, at).split(/\s+/);
  if (words.length > 2) at.fail(`expected "PATH [LEVEL]", got ${describe(value)}`);
  const level = words[1] === undefined ? "error" : expectChoice(words[1], at, LEVELS);
  return { path: words[0] === "-" ? "-" : resolve(prefix, words[0]), level };
}

function readLogFormats(value: unknown, at: At): Record<string, LogFormat> {
  const formats: Record<string, LogFormat> = {
    combined: { format: COMBINED_FORMAT, escape: "default" },
  };
  formats.main = formats.combined;
  if (value === undefined) return formats;
  for (const [name, entry] of Object.entries(expectTable(value, at))) {
    const entryAt: At = at.child(name);
    if (name === "combined") entryAt.fail('cannot redefine the predefined format "combined"');
    let format: string;
    let escape: LogFormat["escape"] = "default";
    if (isTable(entry)) {
      for (const key of Object.keys(entry)) {
        if (key !== "format" && key !== "escape") {
          entryAt.child(key).fail(unknownKey(key, ["format", "escape"], "a log_format"));
        }
      }
      format = expectString(entry.format, entryAt.child("format"));
      if (entry.escape !== undefined) {
        escape = expectChoice(entry.escape, entryAt.child("escape"), ["default", "json", "none"]);
      }
    } else format = expectString(entry, entryAt);
    formats[name] = { format: checkTemplate(format, entryAt, "log"), escape };
  }
  return formats;
}
