/**
 * The master's settings, gunicorn's names: one table ({@linkcode SETTINGS}) feeds the command
 * line, the `[app]` table of the TOML config file, the environment, `--help` and the docs.
 * Precedence: defaults < gunicorn's default-only env vars (`PORT`, `WEB_CONCURRENCY`,
 * `FORWARDED_ALLOW_IPS`) < config file < `NGW2F_*` env vars < flags.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSettings } from "./settings.ts";
 *
 * const settings = await resolveSettings({
 *   args: ["-w", "4", "--bind", ":9000", "app.ts:api"],
 *   env: { NGW2F_TIMEOUT: "60" },
 *   cwd: "/",
 * });
 * assert.deepEqual(
 *   [settings.app, settings.workers, settings.bind, settings.timeout],
 *   ["app.ts:api", 4, [":9000"], 60],
 * );
 * ```
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { resolve } from "node:path";
import { parse, TomlError } from "smol-toml";
import { ConfigError } from "../gateway/mod.ts";
import {
  describe,
  GUNICORN_NAMES,
  type MasterSettings,
  type Setting,
  SETTINGS,
} from "./_settings_table.ts";

export { type MasterSettings, parseSize, type Setting, SETTINGS } from "./_settings_table.ts";
export type { LogLevel } from "../gateway/mod.ts";

/**
 * The command line itself is wrong (an unknown flag, a missing value, two APPs); the CLI exits
 * with status 2 and points at `--help` (the message does not, so the CLI can word the hint).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSettings, UsageError } from "./settings.ts";
 *
 * await assert.rejects(resolveSettings({ args: ["--wrokers", "2"], env: {} }), UsageError);
 * ```
 */
export class UsageError extends Error {
  /** The flag at fault, as typed, when known. */
  readonly flag: string | undefined;
  /** Creates the error. */
  constructor(message: string, options: { flag?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "UsageError";
    this.flag = options.flag;
  }
}

/** Input for {@linkcode resolveSettings}. */
export interface ResolveSettingsInput {
  /** The arguments after `serve`. */
  args: string[];
  /** The environment; default `Deno.env.toObject()`. */
  env?: Record<string, string | undefined>;
  /** Where relative config paths start; default `Deno.cwd()`. */
  cwd?: string;
}

/** Where a value came from, for error messages. */
type Origin = { file: string; key: string; line?: number };
/** A raw value from one source, not yet checked. */
type Given = { setting: Setting; value: unknown; origin: Origin };

/** The top-level TOML tables; all but `app` belong to other layers. */
const SECTIONS = ["app", "proxy", "server", "upstream", "mail", "stream"];

/** How gunicorn turns a default-only env var into a value. */
const ENV_DEFAULT_FORMS: Record<string, (text: string) => string> = {
  PORT: (port) => `0.0.0.0:${port}`,
};

const BY_TOML = new Map(SETTINGS.filter((s) => s.toml).map((s) => [s.toml!, s]));
const APP = SETTINGS.find((s) => s.name === "app")!;
const CONFIG = SETTINGS.find((s) => s.name === "config")!;
/** A TOML key segment (bare or quoted), and a `key.path =` at the start of a line. */
const KEY_PART = `(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')`;
const KEY_ASSIGN = new RegExp(`^(${KEY_PART}(?:\\s*\\.\\s*${KEY_PART})*)\\s*=`);

/**
 * Resolves every master setting from the command line, the environment and the config file,
 * and checks each value once. Throws `UsageError` for a malformed command line and
 * `ConfigError` (naming the flag, env var, or file, line and key) for a bad value. With
 * `--help`, the config file and environment are not read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "../gateway/mod.ts";
 * import { resolveSettings } from "./settings.ts";
 *
 * const settings = await resolveSettings({
 *   args: ["app.ts"],
 *   env: { PORT: "5000", WEB_CONCURRENCY: "3" },
 *   cwd: "/",
 * });
 * assert.deepEqual([settings.bind, settings.workers], [["0.0.0.0:5000"], 3]);
 * await assert.rejects(
 *   resolveSettings({ args: ["--workers", "many"], env: {}, cwd: "/" }),
 *   (error) => error instanceof ConfigError && error.file === "--workers",
 * );
 * ```
 */
export async function resolveSettings(input: ResolveSettingsInput): Promise<MasterSettings> {
  const env = input.env ?? Deno.env.toObject();
  const cwd = input.cwd ?? Deno.cwd();
  const settings = Object.fromEntries(
    SETTINGS.map((s) => [s.name, structuredClone(s.default)]),
  ) as unknown as MasterSettings;
  const origins = new Map<string, Origin>();
  const apply = ({ setting, value, origin }: Given) => {
    try {
      (settings as unknown as Record<string, unknown>)[setting.name] = setting.validate
        ? setting.validate(value)
        : value;
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      throw new ConfigError(error.message, { ...origin, cause: error });
    }
    origins.set(setting.name, origin);
  };

  const flags = parseFlags(input.args);
  flags.forEach(apply); // check flags first: a typo there is the likeliest mistake
  if (!settings.help) {
    for (const setting of SETTINGS) {
      const name = setting.envDefault?.find((name) => env[name] !== undefined);
      if (!name) continue;
      const form = ENV_DEFAULT_FORMS[name] ?? ((text: string) => text);
      apply({ setting, value: form(env[name]!), origin: { file: name, key: name } });
    }
    const configEnv = CONFIG.env!.find((name) => env[name] !== undefined);
    if (settings.config === null && configEnv) {
      apply({ setting: CONFIG, value: env[configEnv], origin: { file: configEnv, key: "config" } });
    }
    const path = settings.config ??
      (await exists(resolve(cwd, "ngw2f.toml")) ? "./ngw2f.toml" : "");
    if (path) {
      const from = origins.get("config") ?? { file: path, key: "config" };
      (await readConfig(path, resolve(cwd, path), from)).forEach(apply);
    }
    for (const setting of SETTINGS) {
      const name = setting.env?.find((name) => env[name] !== undefined);
      if (!name || setting === CONFIG) continue;
      const key = setting.toml ?? setting.flag ?? setting.name;
      apply({ setting, value: env[name], origin: { file: name, key } });
    }
    flags.forEach(apply);
    settings.config = path ? resolve(cwd, path) : null;
  }
  if ((settings.certfile === null) !== (settings.keyfile === null)) {
    const [given, missing] = settings.certfile ? ["certfile", "keyfile"] : ["keyfile", "certfile"];
    throw new ConfigError(`needs ${missing} too: set both or neither`, origins.get(given)!);
  }
  return settings;
}

function exists(path: string): Promise<boolean> {
  return Deno.stat(path).then((info) => info.isFile, (error) => {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  });
}

function parseFlags(args: string[]): Given[] {
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  const byFlag = new Map<string, Setting>();
  for (const setting of SETTINGS) {
    for (const flag of setting.flag ? [setting.flag, ...setting.aliases ?? []] : []) {
      const type = setting.type === "boolean" ? "boolean" : "string";
      const short = flag === setting.flag ? setting.short : undefined;
      options[flag] = short ? { type, short } : { type };
      byFlag.set(flag, setting);
    }
  }
  let tokens;
  try {
    ({ tokens } = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: true,
      allowNegative: true,
      tokens: true,
    }));
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional.*$/s, "");
    throw new UsageError(message, {
      flag: /'(-[^',\s]+)/.exec(message)?.[1],
      cause: error,
    });
  }
  const given: Given[] = [];
  const lists = new Map<Setting, Given & { value: string[] }>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    if (token.kind !== "option") continue;
    const negated = token.rawName.startsWith("--no-") && !byFlag.has(token.rawName.slice(2));
    const flag = negated ? token.rawName.slice(5) : token.name;
    const setting = byFlag.get(flag);
    if (!setting || (negated && setting.type !== "boolean")) {
      throw new UsageError(`Unknown option '${token.rawName}'`, {
        flag: token.rawName,
      });
    }
    const origin = { file: `--${flag}`, key: flag };
    if (setting.type === "boolean") given.push({ setting, value: !negated, origin });
    else if (setting.type !== "list") given.push({ setting, value: token.value, origin });
    else if (lists.has(setting)) lists.get(setting)!.value.push(token.value!);
    else lists.set(setting, { setting, value: [token.value!], origin });
  }
  if (positionals.length > 1) {
    const got = `${positionals.length}: ${positionals.join(" ")}`;
    throw new UsageError(`Expected one APP, got ${got}`);
  }
  const origin = { file: "command line", key: "APP" };
  const apps = positionals.map((value) => ({ setting: APP, value, origin }));
  return [...given, ...lists.values(), ...apps];
}

/** Reads the `[app]` table of a TOML file into raw values with their lines. */
async function readConfig(path: string, file: string, origin: Origin): Promise<Given[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "file not found" : (error as Error).message;
    throw new ConfigError(`cannot read ${describe(path)}: ${why}`, { ...origin, cause: error });
  }
  const lines = keyLines(text);
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const why = error.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
    const keyPath = [...lines].find(([, line]) => line === error.line)?.[0];
    const key = keyPath?.split(".").at(-1) ?? "config";
    throw new ConfigError(`expected valid TOML: ${why} (column ${error.column})`, {
      file: path,
      line: error.line,
      key,
      cause: error,
    });
  }
  const where = (...keys: string[]) => {
    for (let n = keys.length; n > 0; n--) {
      const line = lines.get(keys.slice(0, n).join("."));
      if (line) return { file: path, line, key: keys.at(-1)! };
    }
    return { file: path, key: keys.at(-1)! };
  };
  // A file with [[server]] tables is shared with the proxy (`ngw2f up`): its other top-level
  // keys (workers, pid, log_format, [upstream.*], …) are the proxy's to check.
  const shared = doc.server !== undefined || doc.mail !== undefined || doc.stream !== undefined;
  for (const key of Object.keys(doc)) {
    if (!shared && !SECTIONS.includes(key)) {
      throw new ConfigError(`unknown section; expected ${SECTIONS.join(", ")}`, where(key));
    }
  }
  const table = doc.app ?? {};
  if (typeof table !== "object" || Array.isArray(table) || table instanceof Date) {
    throw new ConfigError(`expected a table ([app]), got ${describe(table)}`, where("app"));
  }
  return Object.entries(table).map(([key, value]) => {
    const setting = BY_TOML.get(key);
    if (!setting) throw new ConfigError(unknownKey(key), where("app", key));
    return { setting, value, origin: where("app", key) };
  });
}

function unknownKey(key: string): string {
  if (GUNICORN_NAMES[key]) return `unknown key; gunicorn's "${key}" is "${GUNICORN_NAMES[key]}"`;
  const flagOnly = SETTINGS.find((s) => !s.toml && s.flag?.replaceAll("-", "_") === key);
  if (flagOnly) return `can only be given on the command line, as --${flagOnly.flag}`;
  return "unknown key in [app]; `ngw2f serve --print-config` lists the keys";
}

/**
 * The 1-based line where each dotted key path (`app.workers`) or table header (`app`) first
 * appears; smol-toml reports no positions for values, so this scans the text.
 */
function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const segments = (key: string) =>
    [...key.matchAll(new RegExp(KEY_PART, "g"))].map(([s]) => s.replace(/^["']|["']$/g, ""));
  let table: string[] = [];
  let inString = false;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const wasInString = inString;
    if ((line.match(/"""|'''/g)?.length ?? 0) % 2 === 1) inString = !inString;
    if (wasInString) return;
    const header = /^\[\[?([^\]]+)\]\]?/.exec(line);
    const assign = header ? null : KEY_ASSIGN.exec(line);
    const path = header
      ? (table = segments(header[1]))
      : assign
      ? [...table, ...segments(assign[1])]
      : [];
    if (path.length && !lines.has(path.join("."))) lines.set(path.join("."), index + 1);
  });
  return lines;
}

function tomlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(", ")}]`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * The resolved settings as the `[app]` table of a config file, one sorted `key = value` line
 * each, as `gunicorn --print-config` prints them; unset values are commented out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { printConfig, resolveSettings } from "./settings.ts";
 *
 * const text = printConfig(await resolveSettings({ args: ["-w", "2"], env: {}, cwd: "/" }));
 * assert.match(text, /^workers +\= 2$/m);
 * assert.match(text, /^# pid +\= \(unset\)$/m);
 * ```
 */
export function printConfig(settings: MasterSettings): string {
  const rows = SETTINGS.filter((s) => s.toml)
    .map((s) => [s.toml!, settings[s.name]] as const)
    .sort(([a], [b]) => a < b ? -1 : 1)
    .map(([key, value]) => [value === null ? `# ${key}` : key, value] as const);
  const width = Math.max(...rows.map(([key]) => key.length));
  const lines = rows.map(([key, value]) =>
    `${key.padEnd(width)} = ${value === null ? "(unset)" : tomlValue(value)}`
  );
  return ["[app]", ...lines, ""].join("\n");
}

const NAME_WIDTH = 38;
const WIDTH = 100;
const NBSP = "\u00a0"; // keeps "toml worker_class" on one line when wrapping

function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

function helpEntry(names: string, setting: Setting): string[] {
  const pad = " ".repeat(NAME_WIDTH);
  const shown = (value: unknown) =>
    Array.isArray(value) ? value.join(",") || "none" : value === "" ? '""' : String(value);
  const details = [
    setting.default === null || setting.default === false
      ? ""
      : `default ${shown(setting.default)}`,
    setting.env ? `env ${setting.env.join(", ")}` : "",
    setting.envDefault ? `default from ${setting.envDefault.join(", ")}` : "",
    setting.toml ? `toml ${setting.toml}` : "",
  ].filter(Boolean).map((part) => part.replaceAll(" ", NBSP)).join("; ");
  const [first, ...rest] = wrap(setting.doc, NAME_WIDTH);
  const head = names.length + 2 < NAME_WIDTH
    ? [`  ${names.padEnd(NAME_WIDTH - 2)}${first}`]
    : [`  ${names}`, pad + first];
  const more = details ? wrap(`(${details})`, NAME_WIDTH).map((l) => l.replaceAll(NBSP, " ")) : [];
  return [...head, ...[...rest, ...more].map((line) => pad + line)];
}

/**
 * The body of `ngw2f serve --help`, generated from {@linkcode SETTINGS}: every flag with its
 * short form, metavar, doc, default, env vars and TOML key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { helpText } from "./settings.ts";
 *
 * const help = helpText();
 * assert.match(help, /^Usage: ngw2f serve \[options\] APP$/m);
 * assert.match(help, /-w, --workers INT/);
 * ```
 */
export function helpText(): string {
  const options = SETTINGS.filter((s) => s.flag).flatMap((s) => {
    const flags = [s.flag, ...s.aliases ?? []].map((flag) => `--${flag}`).join(", ");
    return helpEntry(`${s.short ? `-${s.short}, ` : "    "}${flags}${s.arg ? ` ${s.arg}` : ""}`, s);
  });
  const defaultOnly = SETTINGS.flatMap((s) => s.envDefault ?? []).join(", ");
  const footer = `Settings also come from the [app] table of a TOML config file (--config; ` +
    `./ngw2f.toml is read when it exists), under the toml names above. Flags override ` +
    `environment variables, which override the config file, which overrides the defaults; ` +
    `${defaultOnly} only replace the defaults, as in gunicorn. Boolean flags have a --no- form ` +
    `(--no-reload) to turn off what the config file turns on.`;
  return [
    "Usage: ngw2f serve [options] APP",
    "",
    "Runs APP under a master process that starts, watches and restarts its workers, as gunicorn",
    "does.",
    "",
    "Arguments:",
    ...helpEntry("APP", APP),
    "",
    "Options:",
    ...options,
    "",
    ...wrap(footer, 0),
  ].join("\n");
}
