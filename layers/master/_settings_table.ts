/**
 * The master's settings table: one row per setting, read by the command-line parser, the
 * config file loader, the environment, `--help` and the docs. Private to `master/`; the public
 * surface is `settings.ts`.
 *
 * @module
 */

import { type LogLevel, parseBind, parseLogLevel } from "../gateway/mod.ts";

/**
 * Every setting of `ngw2f serve`, resolved. {@linkcode SETTINGS} documents each field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSettings, type MasterSettings } from "./settings.ts";
 *
 * const settings: MasterSettings = await resolveSettings({ args: ["app.ts"], env: {}, cwd: "/" });
 * assert.equal(settings.workers, 1);
 * ```
 */
export interface MasterSettings {
  /** The app module (`app.ts`, `examples/app.ts:api`); TOML `module`; "" when not given. */
  app: string;
  /** Addresses to listen on, as `parseBind()` reads them. */
  bind: string[];
  /** How many workers; `"auto"` resolves to the CPU count. */
  workers: number;
  /** Workers are Web Workers (`"thread"`) or subprocesses (`"process"`). */
  workerClass: "thread" | "process";
  /** Most requests one worker handles at once; the rest get 503. */
  workerConnections: number;
  /** Seconds of heartbeat silence before a worker is restarted; 0 disables. */
  timeout: number;
  /** Seconds a restart or shutdown waits for requests in flight. */
  gracefulTimeout: number;
  /** Seconds an idle keep-alive connection stays open. */
  keepAlive: number;
  /** Restart a worker after this many requests; 0 disables. */
  maxRequests: number;
  /** Random extra requests (up to this many) added to `maxRequests` per worker. */
  maxRequestsJitter: number;
  /** Restart a worker whose heap passes this many MiB; 0 disables. */
  maxWorkerMemory: number;
  /** Longest request line in bytes; 0 means the maximum (65536). */
  limitRequestLine: number;
  /** Most header fields in a request. */
  limitRequestFields: number;
  /** Longest header field in bytes; 0 means the maximum (65536). */
  limitRequestFieldSize: number;
  /** Largest request body in bytes; 0 is unlimited. */
  limitRequestBody: number;
  /** Serve with ngw2f's own HTTP/1.1 core (with the timeouts below) instead of `Deno.serve`. */
  protected: boolean;
  /** With `protected`: seconds a client may take to send the request head. */
  headerTimeout: number;
  /** With `protected`: seconds a client may pause while sending a body. */
  bodyTimeout: number;
  /** Where the master writes its process id, or `null`. */
  pid: string | null;
  /** The access log file (`"-"` is standard output), or `null` for none. */
  accessLogfile: string | null;
  /** `"combined"`, `"json"` or a gunicorn atom string like `"%(h)s %(r)s %(s)s"`. */
  accessLogFormat: string;
  /** The error log file; `"-"` is standard error. */
  errorLogfile: string;
  /** The lowest level the error log writes. */
  logLevel: LogLevel;
  /** Restart the workers when a source file changes. */
  reload: boolean;
  /** TLS certificate (PEM) file; set with `keyfile` or not at all. */
  certfile: string | null;
  /** TLS private key (PEM) file; set with `certfile` or not at all. */
  keyfile: string | null;
  /** Proxies whose `X-Forwarded-*` headers are trusted; `"*"` trusts all. */
  forwardedAllowIps: string[];
  /** Directory to change to before loading the app, or `null`. */
  chdir: string | null;
  /** `KEY=VALUE` entries set in the workers' environment. */
  env: string[];
  /** Module exporting gunicorn's server hooks, or `null`. */
  hooks: string | null;
  /** The absolute path of the config file that was read, or `null` when none was. */
  config: string | null;
  /** Check the settings and load the app, then exit. */
  checkConfig: boolean;
  /** Print the resolved settings, then exit. */
  printConfig: boolean;
  /** Show `--help`, then exit (the config file and environment are not read). */
  help: boolean;
}

/**
 * One setting: its names on the command line, in the environment and in the config file, its
 * default, its check and its line in `--help`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SETTINGS } from "./settings.ts";
 *
 * const workers = SETTINGS.find((setting) => setting.name === "workers")!;
 * assert.equal(workers.validate?.("auto"), navigator.hardwareConcurrency);
 * assert.throws(() => workers.validate?.("many"), /positive integer or "auto"/);
 * ```
 */
export interface Setting {
  /** The field of {@linkcode MasterSettings}. */
  name: keyof MasterSettings;
  /** The long flag without dashes (`"bind"` is `--bind`); absent for the positional APP. */
  flag?: string;
  /** Other long flags for the same setting (`--log-file` for `--error-logfile`). */
  aliases?: string[];
  /** The one-letter flag without its dash. */
  short?: string;
  /** Environment variables that override the config file, first one set wins. */
  env?: string[];
  /** gunicorn's environment variables that only replace the default (below the config file). */
  envDefault?: string[];
  /** The key in the config file's `[app]` table; absent for command-line-only settings. */
  toml?: string;
  /** The value's shape: how the flag parses and how `--help` shows it. */
  type: "string" | "int" | "number" | "boolean" | "list";
  /** The value when no source sets it. */
  default: unknown;
  /** The metavar in `--help`. */
  arg?: string;
  /** One line for `--help` and the docs. */
  doc: string;
  /**
   * Checks a raw value (a string from a flag or env var, the strings of a repeated flag, or any
   * TOML value) and returns it normalized; throws a `TypeError` saying what was expected.
   */
  validate?(value: unknown): unknown;
}

/** Shows a value the user gave, for "got ..." in messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value) || (value !== null && typeof value === "object")) {
    return value instanceof Date ? value.toISOString() : JSON.stringify(value);
  }
  return String(value);
}

const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * Reads a size as nginx writes it: bytes, or a number with `k`, `m` or `g` (powers of 1024).
 * Throws a `TypeError` that says what was expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSize } from "./settings.ts";
 *
 * assert.equal(parseSize("512k"), 512 * 1024);
 * assert.equal(parseSize("10M"), 10 * 1024 * 1024);
 * assert.equal(parseSize(4096), 4096);
 * assert.throws(() => parseSize("ten"), /expected a size/);
 * ```
 */
export function parseSize(text: string | number): number {
  const match = typeof text !== "string" ? null : /^\s*(\d+)\s*([kmg]?)b?\s*$/i.exec(text);
  const bytes = typeof text === "number"
    ? text
    : match
    ? Number(match[1]) * SIZE_UNITS[match[2].toLowerCase()]
    : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new TypeError(
      `expected a size like "512k", "10m", "1g" or a number of bytes, got ${describe(text)}`,
    );
  }
  return bytes;
}

function text(check?: (value: string) => void) {
  return (value: unknown): string => {
    if (typeof value !== "string") {
      throw new TypeError(`expected a string, got ${describe(value)}`);
    }
    check?.(value);
    return value;
  };
}

function nonEmpty(value: string): void {
  if (value.trim() === "") throw new TypeError(`expected a non-empty string, got ""`);
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER, auto = false) {
  const what = max < Number.MAX_SAFE_INTEGER
    ? `an integer from ${min} to ${max}`
    : min === 1
    ? "a positive integer"
    : "0 or a positive integer";
  return (value: unknown): number => {
    if (auto && value === "auto") return Math.max(1, navigator.hardwareConcurrency);
    const number = typeof value === "number"
      ? value
      : typeof value === "string" && /^\s*\+?\d+\s*$/.test(value)
      ? Number(value)
      : NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      throw new TypeError(`expected ${what}${auto ? ' or "auto"' : ""}, got ${describe(value)}`);
    }
    return number;
  };
}

function seconds(value: unknown): number {
  const number = typeof value === "number"
    ? value
    : typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value)
    ? Number(value)
    : NaN;
  if (!(number >= 0 && Number.isFinite(number))) {
    throw new TypeError(`expected a number of seconds (0 or more), got ${describe(value)}`);
  }
  return number;
}

function boolean(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  const word = typeof value === "string" ? value.trim().toLowerCase() : "";
  if (["1", "true", "yes", "on"].includes(word)) return true;
  if (["0", "false", "no", "off"].includes(word)) return false;
  throw new TypeError(`expected true or false, got ${describe(value)}`);
}

function oneOf<T extends string>(choices: readonly T[]) {
  return (value: unknown): T => {
    if (!choices.includes(value as T)) {
      throw new TypeError(
        `expected ${choices.map((c) => `"${c}"`).join(" or ")}, got ${describe(value)}`,
      );
    }
    return value as T;
  };
}

/** A list from a string or an array of strings; `split` also cuts each string at commas. */
function list(check: (item: string) => void, split: boolean, atLeastOne = false) {
  return (value: unknown): string[] => {
    const items = typeof value === "string" ? [value] : value;
    if (!Array.isArray(items) || items.some((item) => typeof item !== "string")) {
      throw new TypeError(`expected a string or a list of strings, got ${describe(value)}`);
    }
    const out = split
      ? items.flatMap((item: string) => item.split(",")).map((s) => s.trim()).filter(Boolean)
      : items as string[];
    if (atLeastOne && out.length === 0) {
      throw new TypeError("expected at least one value, got none");
    }
    out.forEach(check);
    return out;
  };
}

function bindAddress(item: string): void {
  parseBind(item);
}

function envEntry(item: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(item)) {
    throw new TypeError(`expected KEY=VALUE, got ${describe(item)}`);
  }
}

function logLevel(value: unknown): LogLevel {
  const level = typeof value === "string" ? parseLogLevel(value) : undefined;
  if (!level) {
    throw new TypeError(
      `expected debug, info, warning, error or critical, got ${describe(value)}`,
    );
  }
  return level;
}

const string = text();
const required = text(nonEmpty);

/** gunicorn's config-file names that ngw2f spells differently, for "did you mean" hints. */
export const GUNICORN_NAMES: Readonly<Record<string, string>> = {
  wsgi_app: "module",
  keepalive: "keep_alive",
  pidfile: "pid",
  accesslog: "access_logfile",
  errorlog: "error_logfile",
  loglevel: "log_level",
  raw_env: "env",
};

/** The table, in `--help` order. */
// deno-fmt-ignore
export const SETTINGS: readonly Setting[] = [
  { name: "app", toml: "module", env: ["NGW2F_APP"], type: "string", default: "", arg: "APP",
    doc: "The app module, with an optional export: app.ts, examples/app.ts:api",
    validate: string },
  { name: "config", flag: "config", short: "c", env: ["NGW2F_CONFIG"], type: "string",
    default: null, arg: "FILE",
    doc: "TOML file whose [app] table holds these settings; ./ngw2f.toml when it exists",
    validate: required },
  { name: "bind", flag: "bind", short: "b", env: ["NGW2F_BIND"], envDefault: ["PORT"],
    toml: "bind", type: "list", default: ["127.0.0.1:8000"], arg: "ADDRESS",
    doc: "HOST:PORT, [::1]:PORT or unix:PATH to listen on; repeat for several (PORT=n: 0.0.0.0:n)",
    validate: list(bindAddress, true, true) },
  { name: "workers", flag: "workers", short: "w", env: ["NGW2F_WORKERS"],
    envDefault: ["WEB_CONCURRENCY"], toml: "workers", type: "int", default: 1, arg: "INT",
    doc: 'How many workers serve requests; "auto" starts one per CPU',
    validate: integer(1, undefined, true) },
  { name: "workerClass", flag: "worker-class", short: "k", env: ["NGW2F_WORKER_CLASS"],
    toml: "worker_class", type: "string", default: "thread", arg: "CLASS",
    doc: 'Run workers as "thread" (Web Workers) or "process" (subprocesses)',
    validate: oneOf(["thread", "process"] as const) },
  { name: "workerConnections", flag: "worker-connections", env: ["NGW2F_WORKER_CONNECTIONS"],
    toml: "worker_connections", type: "int", default: 1000, arg: "INT",
    doc: "Most requests one worker handles at once; the rest get 503", validate: integer(1) },
  { name: "timeout", flag: "timeout", short: "t", env: ["NGW2F_TIMEOUT"], toml: "timeout",
    type: "number", default: 30, arg: "SECONDS",
    doc: "Restart a worker silent for this long; 0 disables", validate: seconds },
  { name: "gracefulTimeout", flag: "graceful-timeout", env: ["NGW2F_GRACEFUL_TIMEOUT"],
    toml: "graceful_timeout", type: "number", default: 30, arg: "SECONDS",
    doc: "How long a restart or shutdown waits for requests in flight", validate: seconds },
  { name: "keepAlive", flag: "keep-alive", env: ["NGW2F_KEEP_ALIVE"], toml: "keep_alive",
    type: "number", default: 5, arg: "SECONDS",
    doc: "With --protected: how long an idle keep-alive connection stays open", validate: seconds },
  { name: "maxRequests", flag: "max-requests", env: ["NGW2F_MAX_REQUESTS"],
    toml: "max_requests", type: "int", default: 0, arg: "INT",
    doc: "Restart a worker after this many requests; 0 disables", validate: integer(0) },
  { name: "maxRequestsJitter", flag: "max-requests-jitter", env: ["NGW2F_MAX_REQUESTS_JITTER"],
    toml: "max_requests_jitter", type: "int", default: 0, arg: "INT",
    doc: "Add up to this many to --max-requests, so workers restart at different times",
    validate: integer(0) },
  { name: "maxWorkerMemory", flag: "max-worker-memory", env: ["NGW2F_MAX_WORKER_MEMORY"],
    toml: "max_worker_memory", type: "int", default: 0, arg: "MIB",
    doc: "Restart a worker whose heap grows past this many MiB; 0 disables",
    validate: integer(0) },
  { name: "limitRequestLine", flag: "limit-request-line", env: ["NGW2F_LIMIT_REQUEST_LINE"],
    toml: "limit_request_line", type: "int", default: 4094, arg: "BYTES",
    doc: "Longest request line; 0 allows up to 65536", validate: integer(0, 65536) },
  { name: "limitRequestFields", flag: "limit-request-fields", env: ["NGW2F_LIMIT_REQUEST_FIELDS"],
    toml: "limit_request_fields", type: "int", default: 100, arg: "INT",
    doc: "Most header fields in a request", validate: integer(0, 32768) },
  { name: "limitRequestFieldSize", flag: "limit-request-field-size",
    env: ["NGW2F_LIMIT_REQUEST_FIELD_SIZE"], toml: "limit_request_field_size", type: "int",
    default: 8190, arg: "BYTES", doc: "Longest header field; 0 allows up to 65536",
    validate: integer(0, 65536) },
  { name: "limitRequestBody", flag: "limit-request-body", env: ["NGW2F_LIMIT_REQUEST_BODY"],
    toml: "limit_request_body", type: "int", default: 0, arg: "SIZE",
    doc: 'Largest request body, in bytes or as "512k", "10m"; 0 is unlimited',
    validate: (value) => parseSize(value as string) },
  { name: "protected", flag: "protected", env: ["NGW2F_PROTECTED"], toml: "protected",
    type: "boolean", default: false,
    doc: "Serve with ngw2f's own HTTP/1.1 core, with header, body and idle timeouts",
    validate: boolean },
  { name: "headerTimeout", flag: "header-timeout", env: ["NGW2F_HEADER_TIMEOUT"],
    toml: "header_timeout", type: "number", default: 10, arg: "SECONDS",
    doc: "With --protected: how long a client may take to send the request head",
    validate: seconds },
  { name: "bodyTimeout", flag: "body-timeout", env: ["NGW2F_BODY_TIMEOUT"],
    toml: "body_timeout", type: "number", default: 30, arg: "SECONDS",
    doc: "With --protected: how long a client may pause while sending a body",
    validate: seconds },
  { name: "pid", flag: "pid", short: "p", env: ["NGW2F_PID"], toml: "pid", type: "string",
    default: null, arg: "FILE", doc: "Write the master's process id to FILE",
    validate: required },
  { name: "accessLogfile", flag: "access-logfile", env: ["NGW2F_ACCESS_LOGFILE"],
    toml: "access_logfile", type: "string", default: null, arg: "FILE",
    doc: 'Write an access log line per request to FILE; "-" is standard output',
    validate: required },
  { name: "accessLogFormat", flag: "access-log-format", env: ["NGW2F_ACCESS_LOG_FORMAT"],
    toml: "access_log_format", type: "string", default: "combined", arg: "FORMAT",
    doc: `"combined" (nginx's), "json", or gunicorn atoms like "%(h)s %(r)s %(s)s"`,
    validate: required },
  { name: "errorLogfile", flag: "error-logfile", aliases: ["log-file"],
    env: ["NGW2F_ERROR_LOGFILE"], toml: "error_logfile", type: "string", default: "-",
    arg: "FILE", doc: 'Write the error log to FILE; "-" is standard error', validate: required },
  { name: "logLevel", flag: "log-level", env: ["NGW2F_LOG_LEVEL"], toml: "log_level",
    type: "string", default: "info", arg: "LEVEL",
    doc: "debug, info, warning, error or critical", validate: logLevel },
  { name: "reload", flag: "reload", env: ["NGW2F_RELOAD"], toml: "reload", type: "boolean",
    default: false, doc: "Restart the workers when a source file changes (for development)",
    validate: boolean },
  { name: "certfile", flag: "certfile", env: ["NGW2F_CERTFILE"], toml: "certfile",
    type: "string", default: null, arg: "FILE",
    doc: "TLS certificate (PEM) to serve HTTPS with; needs --keyfile", validate: required },
  { name: "keyfile", flag: "keyfile", env: ["NGW2F_KEYFILE"], toml: "keyfile", type: "string",
    default: null, arg: "FILE", doc: "TLS private key (PEM); needs --certfile",
    validate: required },
  { name: "forwardedAllowIps", flag: "forwarded-allow-ips", env: ["NGW2F_FORWARDED_ALLOW_IPS"],
    envDefault: ["FORWARDED_ALLOW_IPS"], toml: "forwarded_allow_ips", type: "list",
    default: ["127.0.0.1", "::1"], arg: "IPS",
    doc: 'Comma list of proxies whose X-Forwarded-* headers are trusted; "*" trusts all',
    validate: list(nonEmpty, true) },
  { name: "chdir", flag: "chdir", env: ["NGW2F_CHDIR"], toml: "chdir", type: "string",
    default: null, arg: "DIR", doc: "Change to DIR before loading the app", validate: required },
  { name: "env", flag: "env", short: "e", toml: "env", type: "list", default: [],
    arg: "KEY=VALUE", doc: "Set an environment variable for the workers; repeat for several",
    validate: list(envEntry, false) },
  { name: "hooks", flag: "hooks", env: ["NGW2F_HOOKS"], toml: "hooks", type: "string",
    default: null, arg: "MODULE",
    doc: "Module exporting gunicorn's server hooks (on_starting, post_fork, ...)",
    validate: required },
  { name: "checkConfig", flag: "check-config", type: "boolean", default: false,
    doc: "Check the settings and load the app, then exit", validate: boolean },
  { name: "printConfig", flag: "print-config", type: "boolean", default: false,
    doc: "Print the resolved settings as TOML, then exit", validate: boolean },
  { name: "help", flag: "help", short: "h", type: "boolean", default: false,
    doc: "Show this help, then exit", validate: boolean },
];
