/**
 * The master layer's logging (gunicorn's `glogging`): error and access log sinks that write to
 * the console, to an append-only file (reopened on `USR1` for logrotate), or nowhere, and the
 * access log formatters (`combined`, `json`, or a gunicorn `access_log_format` string).
 *
 * Every line of an error log names its process and worker:
 * `[2026-11-26 14:13:35 +0000] [4242] [worker 2] [INFO] Booting worker`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createAccessFormatter, openLog, workerTag } from "./logging.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const log = openLog(`${dir}/error.log`, { tag: workerTag(1) });
 * log.info("Booting worker");
 * log.close();
 * assert.match(await Deno.readTextFile(`${dir}/error.log`), /\[worker 1\] \[INFO\] Booting worker\n$/);
 * await Deno.remove(dir, { recursive: true });
 *
 * const format = createAccessFormatter('%(h)s "%(r)s" %(s)s');
 * assert.equal(typeof format, "function");
 * ```
 *
 * @module
 */

import {
  type AccessRecord,
  createLogger,
  formatCombined,
  type Logger,
  type LogLevel,
  silentLogger,
} from "../gateway/mod.ts";

/** A {@linkcode Logger} bound to one destination, which the master can reopen and close. */
export interface LogSink extends Logger {
  /** Closes and reopens the file at its path (after logrotate renamed it); no-op for the console. */
  reopen(): void;
  /** Closes the file; later lines are dropped. Idempotent. */
  close(): void;
}

/** Options for {@linkcode openLog}. */
export interface OpenLogOptions {
  /** The lowest level written; default `"info"`. */
  level?: LogLevel;
  /** Names the process or worker in every line, e.g. `"master"` or `"worker 2"`. */
  tag: string;
  /** Write the message alone, without time, pid, tag and level (for access logs). */
  bare?: boolean;
  /** The console stream for target `"-"`; default `"stderr"` (use `"stdout"` for access logs). */
  stream?: "stderr" | "stdout";
}

const encoder = new TextEncoder();

/** An append-only log file; each line goes out in one `write(2)` so writers never interleave. */
class LogFile {
  readonly #path: string;
  #file: Deno.FsFile | null;

  constructor(path: string) {
    this.#path = path;
    this.#file = openAppend(path, "open");
  }

  write(line: string): void {
    const file = this.#file;
    if (file === null) return;
    let bytes = encoder.encode(`${line}\n`);
    let written = file.writeSync(bytes);
    // Short writes are rare on regular files; finish the line rather than lose its tail.
    while (written < bytes.length) {
      bytes = bytes.subarray(written);
      written = file.writeSync(bytes);
    }
  }

  reopen(): void {
    if (this.#file === null) return;
    const fresh = openAppend(this.#path, "reopen"); // open first: a failure keeps the old file
    this.#file.close();
    this.#file = fresh;
  }

  close(): void {
    this.#file?.close();
    this.#file = null;
  }
}

function openAppend(path: string, action: string): Deno.FsFile {
  try {
    return Deno.openSync(path, { append: true, create: true });
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`Cannot ${action} log file "${path}": ${why}`, { cause });
  }
}

/**
 * Opens a log: `"-"` is the console (`stream`), `null` drops everything, anything else is a
 * file path opened for appending. Lines read `[time] [pid] [tag] [LEVEL] message`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLog } from "./logging.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const log = openLog(`${dir}/error.log`, { tag: "master", level: "warning" });
 * log.info("dropped");
 * log.warn("Worker 3 timed out");
 * log.close();
 * const text = await Deno.readTextFile(`${dir}/error.log`);
 * assert.match(text, new RegExp(`^\\[[^\\]]+\\] \\[${Deno.pid}\\] \\[master\\] \\[WARNING\\] Worker 3 timed out\\n$`));
 * await Deno.remove(dir, { recursive: true });
 *
 * openLog(null, { tag: "master" }).error("nobody hears this");
 * ```
 */
export function openLog(target: string | null, options: OpenLogOptions): LogSink {
  if (target === null) return { ...silentLogger, reopen() {}, close() {} };
  const settings = {
    level: options.level,
    tag: `${Deno.pid}] [${options.tag}`, // createLogger brackets the tag: "[pid] [tag]"
    bare: options.bare,
  };
  if (target === "-") {
    return { ...createLogger({ ...settings, stream: options.stream }), reopen() {}, close() {} };
  }
  const file = new LogFile(target);
  return {
    ...createLogger({ ...settings, write: (line) => file.write(line) }),
    reopen: () => file.reopen(),
    close: () => file.close(),
  };
}

/**
 * The tag naming a worker in log lines: `"worker 3"`, or `"worker 3 (gen 2)"` after a reload.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workerTag } from "./logging.ts";
 *
 * assert.equal(workerTag(3), "worker 3");
 * assert.equal(workerTag(3, 1), "worker 3");
 * assert.equal(workerTag(3, 2), "worker 3 (gen 2)");
 * ```
 */
export function workerTag(workerId: number, generation?: number): string {
  return generation !== undefined && generation > 1
    ? `worker ${workerId} (gen ${generation})`
    : `worker ${workerId}`;
}

/** `"combined"` (nginx), `"json"` (one object per line), or a gunicorn `access_log_format`. */
export type AccessFormat = "combined" | "json" | string;

/** One answered request, as the master's access log sees it. */
export interface AccessEntry extends AccessRecord {
  /** Time from the request's arrival to the response's end, in milliseconds. */
  durationMs: number;
  /** The worker that answered. */
  workerId: number;
  /** The response's headers, for `%({name}o)s`. */
  responseHeaders?: Headers;
}

type Part = (entry: AccessEntry) => string;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

let clfSecond = NaN;
let clfCached = "";

/** `[26/Nov/2026:14:13:35 +0000]`, built once per second. */
function clfTime(entry: AccessEntry): string {
  const date = entry.time ?? new Date();
  const second = Math.floor(date.getTime() / 1000);
  if (second !== clfSecond) {
    clfSecond = second;
    clfCached = `[${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/` +
      `${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:` +
      `${pad(date.getUTCSeconds())} +0000]`;
  }
  return clfCached;
}

// deno-lint-ignore no-control-regex
const UNSAFE = /["\\\x00-\x1f\x7f]/;
// deno-lint-ignore no-control-regex
const UNSAFE_ALL = /["\\\x00-\x1f\x7f]/g;

/** Escapes client-controlled text as nginx does, so one request stays one parseable line. */
function safe(value: string): string {
  if (!UNSAFE.test(value)) return value;
  return value.replace(
    UNSAFE_ALL,
    (c) =>
      c === '"' || c === "\\" ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

function orDash(value: string | null | undefined): string {
  return value === null || value === undefined || value === "" ? "-" : safe(value);
}

function remote(entry: AccessEntry): string {
  const addr = entry.remoteAddr;
  return "hostname" in addr ? addr.hostname : "unix";
}

/** The request target: path and query, as sent. */
function target(entry: AccessEntry): string {
  const url = entry.request.url;
  return url.slice(url.indexOf("/", url.indexOf("//") + 2)) || "/";
}

function basicUser(entry: AccessEntry): string | null {
  const auth = entry.request.headers.get("authorization");
  if (!auth?.startsWith("Basic ")) return null;
  try {
    return atob(auth.slice(6)).split(":", 1)[0];
  } catch {
    return null; // not base64: no user
  }
}

function micros(entry: AccessEntry): number {
  return Math.max(0, Math.round(entry.durationMs * 1000));
}

/** gunicorn's atoms, by name. */
const ATOMS: Record<string, Part> = {
  h: remote,
  l: () => "-",
  u: (e) => orDash(basicUser(e)),
  t: clfTime,
  r: (e) => `${e.request.method} ${safe(target(e))} ${e.protocol}`,
  m: (e) => e.request.method,
  U: (e) => {
    const t = target(e);
    const q = t.indexOf("?");
    return safe(q < 0 ? t : t.slice(0, q));
  },
  q: (e) => {
    const t = target(e);
    const q = t.indexOf("?");
    return q < 0 ? "" : safe(t.slice(q + 1));
  },
  H: (e) => e.protocol,
  s: (e) => String(e.status),
  B: (e) => String(e.bytes),
  b: (e) => e.bytes === 0 ? "-" : String(e.bytes),
  f: (e) => orDash(e.request.headers.get("referer")),
  a: (e) => orDash(e.request.headers.get("user-agent")),
  T: (e) => String(Math.floor(micros(e) / 1_000_000)),
  M: (e) => String(Math.floor(micros(e) / 1000)),
  D: (e) => String(micros(e)),
  L: (e) => {
    const us = micros(e);
    return `${Math.floor(us / 1_000_000)}.${String(us % 1_000_000).padStart(6, "0")}`;
  },
  p: () => `<${Deno.pid}>`, // gunicorn writes the pid in angle brackets
};

function checkHeaderName(atom: string, key: string): void {
  try {
    new Headers().has(key);
  } catch (cause) {
    throw new TypeError(`Cannot use access log format: bad header name in "%(${atom})s"`, {
      cause,
    });
  }
}

function compileAtom(name: string): Part {
  const atom = ATOMS[name];
  if (atom) return atom;
  const keyed = /^\{([^{}]+)\}([ioe])$/.exec(name);
  if (keyed) {
    const key = keyed[1];
    if (keyed[2] !== "e") checkHeaderName(name, key);
    if (keyed[2] === "i") return (e) => orDash(e.request.headers.get(key));
    if (keyed[2] === "o") return (e) => orDash(e.responseHeaders?.get(key));
    const value = orDash(Deno.env.get(key)); // read once: the environment is fixed at boot
    return () => value;
  }
  throw new TypeError(`Cannot use access log format: unknown atom "%(${name})s"`);
}

/** Splits a gunicorn format into literal text and atom functions, once. */
function compileGunicorn(format: string): Part {
  const parts: Part[] = [];
  const pattern = /%\(([^()]*)\)s|%%/g;
  let literal = "";
  let last = 0;
  const takeLiteral = (end: number) => {
    const text = format.slice(last, end);
    if (text.includes("%(")) {
      throw new TypeError(`Cannot use access log format: malformed atom in "${text}"`);
    }
    literal += text;
  };
  for (const match of format.matchAll(pattern)) {
    takeLiteral(match.index);
    last = match.index + match[0].length;
    if (match[1] === undefined) {
      literal += "%";
      continue;
    }
    const atom = compileAtom(match[1]);
    if (literal !== "") {
      const text = literal;
      parts.push(() => text);
      literal = "";
    }
    parts.push(atom);
  }
  takeLiteral(format.length);
  if (literal !== "") {
    const text = literal;
    parts.push(() => text);
  }
  return (entry) => {
    let line = "";
    for (let i = 0; i < parts.length; i++) line += parts[i](entry);
    return line;
  };
}

function formatJson(entry: AccessEntry): string {
  const { request } = entry;
  return JSON.stringify({
    time: (entry.time ?? new Date()).toISOString(),
    remote: remote(entry),
    method: request.method,
    path: target(entry),
    protocol: entry.protocol,
    status: entry.status,
    bytes: entry.bytes,
    referer: request.headers.get("referer"),
    user_agent: request.headers.get("user-agent"),
    duration_ms: Math.round(entry.durationMs * 1000) / 1000,
    worker: entry.workerId,
  });
}

/**
 * Compiles an access log format once into a function called per request.
 *
 * - `"combined"`: nginx's combined format ({@linkcode formatCombined}).
 * - `"json"`: one JSON object per line with `time` (ISO), `remote`, `method`, `path` (query
 *   included), `protocol`, `status`, `bytes`, `referer`, `user_agent` (`null` when absent),
 *   `duration_ms` and `worker`.
 * - anything else: a gunicorn `access_log_format` with atoms `%(h)s %(l)s %(u)s %(t)s %(r)s
 *   %(m)s %(U)s %(q)s %(H)s %(s)s %(B)s %(b)s %(f)s %(a)s %(T)s %(M)s %(D)s %(L)s %(p)s`,
 *   `%({header}i)s`, `%({header}o)s`, `%({VAR}e)s` (read once) and `%%`. Client-controlled
 *   values are escaped as nginx does (`"`, `\` and control characters).
 *
 * @throws {TypeError} naming an unknown or malformed atom.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createAccessFormatter } from "./logging.ts";
 *
 * const format = createAccessFormatter('%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms %({x-id}i)s');
 * const line = format({
 *   remoteAddr: { transport: "tcp", hostname: "10.0.0.1", port: 5000 },
 *   request: new Request("http://localhost/a?b=1", { headers: { "x-id": "7" } }),
 *   protocol: "HTTP/1.1", status: 404, bytes: 0, time: new Date(Date.UTC(2026, 10, 26)),
 *   durationMs: 12.5, workerId: 2,
 * });
 * assert.equal(line, '10.0.0.1 [26/Nov/2026:00:00:00 +0000] "GET /a?b=1 HTTP/1.1" 404 - 12ms 7');
 * assert.throws(() => createAccessFormatter("%(z)s"), TypeError);
 * ```
 */
export function createAccessFormatter(format: AccessFormat): (record: AccessEntry) => string {
  if (format === "combined") return formatCombined;
  if (format === "json") return formatJson;
  return compileGunicorn(format);
}
